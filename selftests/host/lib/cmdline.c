// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel's number parsing for the host, with the kernel's semantics:
 * kstrtoull() (lib/kstrtox.c) takes an optional '+', a base prefix when
 * @base is 0, at least one digit, an optional trailing newline and nothing
 * else, and fails with -ERANGE on overflow; memparse() (lib/cmdline.c)
 * reads a number like simple_strtoull() and applies a K/M/G/T/P/E suffix.
 * strscpy() is lib/string.c's.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <linux/kstrtox.h>
#include <linux/string.h>

static unsigned int host_base(const char **s, unsigned int base)
{
	const char *p = *s;

	if (base == 0 || base == 16) {
		if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
		    ((p[2] >= '0' && p[2] <= '9') ||
		     ((p[2] | 0x20) >= 'a' && (p[2] | 0x20) <= 'f'))) {
			*s = p + 2;
			return 16;
		}
	}
	if (base == 0)
		return p[0] == '0' ? 8 : 10;
	return base;
}

static int host_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return 99;
}

/* Digits of @base from *@s; -ERANGE on overflow, 0 digits allowed. */
static int host_parse(const char **s, unsigned int base, uint64_t *res,
		      unsigned int *ndigits)
{
	uint64_t v = 0;
	int overflow = 0, d;

	*ndigits = 0;
	while ((d = host_digit(**s)) < (int)base) {
		if (v > (UINT64_MAX - d) / base)
			overflow = 1;
		v = v * base + d;
		(*s)++;
		(*ndigits)++;
	}
	*res = v;
	return overflow ? -ERANGE : 0;
}

int kstrtoull(const char *s, unsigned int base, unsigned long long *res)
{
	unsigned int nd;
	uint64_t v;
	int ret;

	if (*s == '+')
		s++;
	base = host_base(&s, base);
	ret = host_parse(&s, base, &v, &nd);
	if (!nd)
		return -EINVAL;
	if (ret)
		return ret;
	if (*s == '\n')
		s++;
	if (*s)
		return -EINVAL;
	*res = v;
	return 0;
}

unsigned long long memparse(const char *ptr, char **retptr)
{
	const char *s = ptr;
	unsigned int nd, shift = 0;
	uint64_t v;

	host_parse(&s, host_base(&s, 0), &v, &nd);
	switch (*s) {
	case 'E': case 'e':
		shift += 10;
		/* fall through */
	case 'P': case 'p':
		shift += 10;
		/* fall through */
	case 'T': case 't':
		shift += 10;
		/* fall through */
	case 'G': case 'g':
		shift += 10;
		/* fall through */
	case 'M': case 'm':
		shift += 10;
		/* fall through */
	case 'K': case 'k':
		shift += 10;
		s++;
		break;
	default:
		break;
	}
	if (retptr)
		*retptr = (char *)s;
	return shift < 64 ? v << shift : 0;
}

ssize_t strscpy(char *dest, const char *src, size_t count)
{
	size_t len;

	if (!count)
		return -E2BIG;
	len = strnlen(src, count);
	if (len == count) {
		memcpy(dest, src, count - 1);
		dest[count - 1] = '\0';
		return -E2BIG;
	}
	memcpy(dest, src, len + 1);
	return len;
}
