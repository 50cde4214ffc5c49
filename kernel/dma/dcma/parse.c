// SPDX-License-Identifier: GPL-2.0-only
/*
 * dcma: parse the "dcma=" kernel parameter.
 *
 * The grammar is the one of the 2010 CMA patches, with our prefix and a
 * list of flags at the end:
 *
 * dcma=<region>[;<region>...]
 * <region>    := <name>=<size>[@<base>][/<align>][:<allocator>][,<flag>...]
 * <name>      := 1 to 31 of [A-Za-z0-9_-]; unique; names the region in
 *                debugfs, sysfs and dcma_map=
 * <size>      := standard linux memsize (memparse(): 64M, 0x4000000, 1G);
 *                a non-zero multiple of the page size
 * <base>      := memsize; the region's physical base.  Without it the
 *                region goes wherever memblock finds room
 * <align>     := memsize, a power of two of at least the page size; the
 *                alignment of the base (reusable regions are also aligned
 *                to at least a pageblock)
 * <allocator> := a registered allocator: "bf" (best fit, the default) or
 *                "ff" (first fit over a bitmap, as mainline CMA)
 * <flag>      := "reusable" | "exclusive"
 *                reusable (the default): while no device holds them, the
 *                region's pages are lent to movable allocations, and
 *                migrated away when a device asks for them;
 *                exclusive: a carve-out, never lent, so allocations never
 *                wait for migration
 *
 * Examples:
 *
 * dcma=camera=64M@0x48000000/4M:bf;video=32M:ff
 * dcma=fb=8M,exclusive;codec=128M/16M
 *
 * Each malformed region is reported once through the caller's callback,
 * with the reason, and skipped; the others are still returned.  Nothing
 * here is __init: KUnit, the host harness and the fuzzer call it directly.
 */

#include <linux/ctype.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/kstrtox.h>
#include <linux/limits.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/string.h>

#include "parse.h"

static bool dcma_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/**
 * dcma_name_valid() - whether a string can name a region
 * @name: the candidate, not necessarily NUL-terminated
 * @len: its length
 *
 * Context: Any context.
 * Return: true for 1 to DCMA_NAME_LEN - 1 characters of [A-Za-z0-9_-].
 */
bool dcma_name_valid(const char *name, size_t len)
{
	size_t i;

	if (!len || len >= DCMA_NAME_LEN)
		return false;
	for (i = 0; i < len; i++)
		if (!dcma_name_char(name[i]))
			return false;
	return true;
}

/*
 * A memsize with overflow checks: memparse() itself wraps silently, so the
 * number is first converted by kstrtoull(), which reports overflow, and the
 * suffix's shift is bounded before memparse() gives the value.
 */
static int dcma_parse_memsize(const char *s, const char **end, u64 *val)
{
	unsigned long long v;
	char digits[24];
	unsigned int shift;
	const char *p = s;
	char *e;
	int ret;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		for (p += 2; isxdigit(*p); p++)
			;
	} else {
		while (isdigit(*p))
			p++;
	}
	if (p == s || p - s >= sizeof(digits))
		return p == s ? -EINVAL : -ERANGE;
	memcpy(digits, s, p - s);
	digits[p - s] = '\0';
	ret = kstrtoull(digits, 0, &v);
	if (ret)
		return ret;

	switch (*p) {
	case 'E': case 'e':
		shift = 60;
		break;
	case 'P': case 'p':
		shift = 50;
		break;
	case 'T': case 't':
		shift = 40;
		break;
	case 'G': case 'g':
		shift = 30;
		break;
	case 'M': case 'm':
		shift = 20;
		break;
	case 'K': case 'k':
		shift = 10;
		break;
	default:
		shift = 0;
		break;
	}
	if (v > (U64_MAX >> shift))
		return -ERANGE;

	*val = memparse(s, &e);
	*end = e;
	return 0;
}

/**
 * dcma_parse_region() - parse one region of "dcma="
 * @token: "<name>=<size>[@<base>][/<align>][:<allocator>][,<flag>...]"
 * @spec: filled in on success; left in an unspecified state on failure
 * @reason: on failure, set to a static string saying what is wrong
 *
 * Checks the syntax and everything that can be checked without knowing
 * the machine: the name's characters and length, non-zero page-multiple
 * sizes, power-of-two alignments, a base that honours its alignment, and
 * that the allocator exists.  Placement against RAM and other regions is
 * checked when the region is reserved.
 *
 * Context: Any context.
 * Return: 0, or -EINVAL (with *@reason set) for a malformed token.
 */
int dcma_parse_region(const char *token, struct dcma_region_spec *spec,
		      const char **reason)
{
	const char *p = token, *start;
	size_t len;
	int ret;

	memset(spec, 0, sizeof(*spec));

	for (start = p; dcma_name_char(*p); p++)
		;
	len = p - start;
	if (!len) {
		*reason = *p == '=' ? "empty name" :
			  *p ? "bad character in name (allowed: A-Z a-z 0-9 _ -)" :
			  "empty region";
		return -EINVAL;
	}
	if (len >= DCMA_NAME_LEN) {
		*reason = "name longer than 31 characters";
		return -EINVAL;
	}
	if (*p != '=') {
		*reason = *p ? "bad character in name (allowed: A-Z a-z 0-9 _ -)" :
			  "missing '=<size>'";
		return -EINVAL;
	}
	memcpy(spec->name, start, len);
	p++;

	ret = dcma_parse_memsize(p, &p, &spec->size);
	if (ret) {
		*reason = ret == -ERANGE ? "size too large" : "bad size";
		return -EINVAL;
	}
	if (!spec->size) {
		*reason = "size is zero";
		return -EINVAL;
	}
	if (!IS_ALIGNED(spec->size, PAGE_SIZE)) {
		*reason = "size is not a multiple of the page size";
		return -EINVAL;
	}

	if (*p == '@') {
		ret = dcma_parse_memsize(p + 1, &p, &spec->base);
		if (ret) {
			*reason = ret == -ERANGE ? "base too large" : "bad base";
			return -EINVAL;
		}
		if (!IS_ALIGNED(spec->base, PAGE_SIZE)) {
			*reason = "base is not page aligned";
			return -EINVAL;
		}
		if (spec->base + spec->size - 1 < spec->base) {
			*reason = "region wraps around the address space";
			return -EINVAL;
		}
		spec->fixed = true;
	}

	if (*p == '/') {
		ret = dcma_parse_memsize(p + 1, &p, &spec->align);
		if (ret) {
			*reason = ret == -ERANGE ? "alignment too large" :
						   "bad alignment";
			return -EINVAL;
		}
		if (!spec->align || !is_power_of_2(spec->align)) {
			*reason = "alignment is not a power of two";
			return -EINVAL;
		}
		if (spec->align < PAGE_SIZE) {
			*reason = "alignment is smaller than the page size";
			return -EINVAL;
		}
		if (spec->fixed && !IS_ALIGNED(spec->base, spec->align)) {
			*reason = "base is not a multiple of the alignment";
			return -EINVAL;
		}
	}

	if (*p == ':') {
		for (start = ++p; *p && *p != ','; p++)
			;
		len = p - start;
		if (!len) {
			*reason = "empty allocator name";
			return -EINVAL;
		}
		if (len >= DCMA_ALLOCATOR_NAME_LEN) {
			*reason = "unknown allocator";
			return -EINVAL;
		}
		memcpy(spec->allocator, start, len);
		if (!dcma_allocator_find(spec->allocator)) {
			*reason = "unknown allocator";
			return -EINVAL;
		}
	}

	while (*p == ',') {
		for (start = ++p; *p && *p != ','; p++)
			;
		len = p - start;
		if (len == 8 && !strncmp(start, "reusable", len)) {
			spec->exclusive = false;
		} else if (len == 9 && !strncmp(start, "exclusive", len)) {
			spec->exclusive = true;
		} else {
			*reason = "unknown flag (allowed: reusable, exclusive)";
			return -EINVAL;
		}
	}

	if (*p) {
		*reason = "trailing characters (expected @base, /align, :allocator or ,flag)";
		return -EINVAL;
	}
	return 0;
}

/**
 * dcma_parse_regions() - parse the whole value of "dcma="
 * @str: "<region>[;<region>...]"
 * @specs: where the valid regions go, in order
 * @max: room in @specs; further regions are rejected as too many
 * @error: called once for every rejected region (or once for the whole
 *	string when it is empty or too long); may be NULL
 * @data: passed to @error
 *
 * Regions are separated by ';'.  A region that does not parse, repeats an
 * earlier region's name or does not fit in @specs is reported and skipped;
 * the others are kept.
 *
 * Context: Any context.
 * Return: the number of valid regions stored in @specs.
 */
int dcma_parse_regions(const char *str, struct dcma_region_spec *specs,
		       int max, dcma_parse_error_fn error, void *data)
{
	struct dcma_region_spec spec;
	char token[DCMA_TOKEN_MAX];
	const char *reason, *p = str, *end;
	int n = 0, i;
	size_t len;

	len = strnlen(str, DCMA_CMDLINE_MAX + 1);
	if (!len || len > DCMA_CMDLINE_MAX) {
		if (error)
			error(len ? "(dcma= value)" : "", len ?
			      "longer than 1024 characters" : "empty", data);
		return 0;
	}

	for (; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, ';');
		len = end - p;
		strscpy(token, p, min(len + 1, sizeof(token)));
		if (len >= sizeof(token)) {
			reason = "region longer than 127 characters";
			goto reject;
		}
		if (dcma_parse_region(token, &spec, &reason))
			goto reject;
		for (i = 0; i < n; i++)
			if (!strcmp(specs[i].name, spec.name))
				break;
		if (i < n) {
			reason = "duplicate region name";
			goto reject;
		}
		if (n >= max) {
			reason = "too many regions";
			goto reject;
		}
		specs[n++] = spec;
		continue;
reject:
		if (error)
			error(token, reason, data);
	}
	return n;
}
