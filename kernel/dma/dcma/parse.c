// SPDX-License-Identifier: GPL-2.0-only
/*
 * dcma: parse the "dcma=" and "dcma_map=" kernel parameters.
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
 * <flag>      := "reusable" | "exclusive" | "pool=" <memsize>
 *                reusable (the default): while no device holds them, the
 *                region's pages are lent to movable allocations, and
 *                migrated away when a device asks for them;
 *                exclusive: a carve-out, never lent, so allocations never
 *                wait for migration;
 *                pool=: a reusable region keeps that much of its free
 *                memory claimed ahead of demand (not lent), a multiple of
 *                the page size and at most the region's size
 *
 * Examples:
 *
 * dcma=camera=64M@0x48000000/4M:bf;video=32M:ff
 * dcma=fb=8M,exclusive;codec=128M/16M,pool=32M
 *
 * The map that binds devices to regions has the 2010 CMA grammar too:
 *
 * dcma_map=<rule>[;<rule>...]
 * <rule>      := <device>[/<kind>]=<region>[,<region>...][:<policy>]
 * <device>    := <glob>          matched against dev_name(): "0000:00:02.0",
 *                                "a000000.virtio_mmio"
 *              | driver:<glob>   matched against the name of the driver
 *                                bound to the device, from bind to unbind
 *              | pci:<glob>      matched against a PCI device's IDs as
 *                                "vvvv:dddd" in lower-case hex
 * <glob>      := 1 to 63 characters for glob_match() ('*', '?', '[...]');
 *                none of ';' '=' '/' ',' or white space
 * <kind>      := a glob over kind names (the names of region names'
 *                alphabet); without it the rule serves requests without a
 *                kind, which is what the DMA API makes; "*" serves all
 * <region>    := a region name; the regions are tried in the order listed
 * <policy>    := "fail" (the default): when every listed region is full the
 *                request fails, so that a device promised memory does not
 *                silently spill into the rest of RAM
 *              | "fallback": such a request goes on down the normal DMA
 *                path (mainline CMA, then the page allocator)
 *
 * The first rule that matches a device and a request's kind wins.  A rule
 * for the same device pattern and kind as an earlier one is a duplicate or
 * a conflict, and is skipped.  Examples:
 *
 * dcma_map=pci:1b36:0010=nvme;driver:e1000e=net,cam:fallback
 * dcma_map=*.camera=cam;*.camera/preview=fb,cam;0000:00:05.0=dma32
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

/* "<name>=": the region's name, up to and past the '=' */
static const char *dcma_parse_name(const char **pp, struct dcma_region_spec *spec)
{
	const char *p = *pp, *start = p;
	size_t len;

	while (dcma_name_char(*p))
		p++;
	len = p - start;
	if (!len)
		return *p == '=' ? "empty name" :
		       *p ? "bad character in name (allowed: A-Z a-z 0-9 _ -)" :
		       "empty region";
	if (len >= DCMA_NAME_LEN)
		return "name longer than 31 characters";
	if (*p != '=')
		return *p ? "bad character in name (allowed: A-Z a-z 0-9 _ -)" :
		       "missing '=<size>'";
	memcpy(spec->name, start, len);
	*pp = p + 1;
	return NULL;
}

/* "<size>": non-zero, whole pages */
static const char *dcma_parse_size(const char **pp, struct dcma_region_spec *spec)
{
	int ret = dcma_parse_memsize(*pp, pp, &spec->size);

	if (ret)
		return ret == -ERANGE ? "size too large" : "bad size";
	if (!spec->size)
		return "size is zero";
	if (!IS_ALIGNED(spec->size, PAGE_SIZE))
		return "size is not a multiple of the page size";
	return NULL;
}

/* "@<base>", if there: page aligned, and the region must not wrap */
static const char *dcma_parse_base(const char **pp, struct dcma_region_spec *spec)
{
	int ret;

	if (**pp != '@')
		return NULL;
	ret = dcma_parse_memsize(*pp + 1, pp, &spec->base);
	if (ret)
		return ret == -ERANGE ? "base too large" : "bad base";
	if (!IS_ALIGNED(spec->base, PAGE_SIZE))
		return "base is not page aligned";
	if (spec->base + spec->size - 1 < spec->base)
		return "region wraps around the address space";
	spec->fixed = true;
	return NULL;
}

/* "/<align>", if there: a power of two, at least a page, honoured by a base */
static const char *dcma_parse_align(const char **pp, struct dcma_region_spec *spec)
{
	int ret;

	if (**pp != '/')
		return NULL;
	ret = dcma_parse_memsize(*pp + 1, pp, &spec->align);
	if (ret)
		return ret == -ERANGE ? "alignment too large" : "bad alignment";
	if (!spec->align || !is_power_of_2(spec->align))
		return "alignment is not a power of two";
	if (spec->align < PAGE_SIZE)
		return "alignment is smaller than the page size";
	if (spec->fixed && !IS_ALIGNED(spec->base, spec->align))
		return "base is not a multiple of the alignment";
	return NULL;
}

/* ":<allocator>", if there: one that exists */
static const char *dcma_parse_allocator(const char **pp,
					struct dcma_region_spec *spec)
{
	const char *p = *pp, *start;
	size_t len;

	if (*p != ':')
		return NULL;
	for (start = ++p; *p && *p != ','; p++)
		;
	*pp = p;
	len = p - start;
	if (!len)
		return "empty allocator name";
	if (len >= DCMA_ALLOCATOR_NAME_LEN)
		return "unknown allocator";
	memcpy(spec->allocator, start, len);
	if (!dcma_allocator_find(spec->allocator))
		return "unknown allocator";
	return NULL;
}

/* ",<flag>" as often as given: reusable, exclusive, pool=<size> */
static const char *dcma_parse_flags(const char **pp, struct dcma_region_spec *spec)
{
	const char *p = *pp, *start;
	size_t len;
	int ret;

	while (*p == ',') {
		for (start = ++p; *p && *p != ','; p++)
			;
		len = p - start;
		if (len == 8 && !strncmp(start, "reusable", len)) {
			spec->exclusive = false;
		} else if (len == 9 && !strncmp(start, "exclusive", len)) {
			spec->exclusive = true;
		} else if (len >= 5 && !strncmp(start, "pool=", 5)) {
			ret = dcma_parse_memsize(start + 5, &p, &spec->pool);
			if (ret || (*p && *p != ','))
				return ret == -ERANGE ? "pool too large" :
							"bad pool size";
		} else {
			return "unknown flag (allowed: reusable, exclusive, pool=<size>)";
		}
	}
	*pp = p;
	return NULL;
}

/**
 * dcma_parse_region() - parse one region of "dcma="
 * @token: "<name>=<size>[@<base>][/<align>][:<allocator>][,<flag>...]"
 * @spec: filled in on success; left in an unspecified state on failure
 * @reason: set to NULL on success, or to a static string saying what is
 *	wrong
 *
 * Checks the syntax and everything that can be checked without knowing
 * the machine: the name's characters and length, non-zero page-multiple
 * sizes, power-of-two alignments, a base that honours its alignment, a
 * pool within a reusable region (dcma_pool_problem()), and that the
 * allocator exists.  Placement against RAM and other regions is checked
 * when the region is reserved.
 *
 * Context: Any context.
 * Return: 0, or -EINVAL (with *@reason set) for a malformed token.
 */
int dcma_parse_region(const char *token, struct dcma_region_spec *spec,
		      const char **reason)
{
	const char *p = token;

	memset(spec, 0, sizeof(*spec));
	/* the parts in their order; each one after the last one's end */
	*reason = dcma_parse_name(&p, spec);
	if (!*reason)
		*reason = dcma_parse_size(&p, spec);
	if (!*reason)
		*reason = dcma_parse_base(&p, spec);
	if (!*reason)
		*reason = dcma_parse_align(&p, spec);
	if (!*reason)
		*reason = dcma_parse_allocator(&p, spec);
	if (!*reason)
		*reason = dcma_parse_flags(&p, spec);
	if (!*reason && *p)
		*reason = "trailing characters (expected @base, /align, :allocator or ,flag)";
	if (!*reason)
		*reason = dcma_pool_problem(spec);
	return *reason ? -EINVAL : 0;
}

/**
 * dcma_pool_problem() - what is wrong with a region's pool
 * @spec: the region, its size, flags and pool set
 *
 * A pool is a multiple of the page size, at most the region's size,
 * and only on a reusable region.  "dcma=" and the device tree's
 * "linux,dcma-pool" both go by this.
 *
 * Context: Any context.
 * Return: what is wrong, a static string for the log, or NULL.
 */
const char *dcma_pool_problem(const struct dcma_region_spec *spec)
{
	if (!IS_ALIGNED(spec->pool, PAGE_SIZE))
		return "pool is not a multiple of the page size";
	if (spec->pool > spec->size)
		return "pool larger than the region";
	if (spec->pool && spec->exclusive)
		return "pool on an exclusive region (it is never lent)";
	return NULL;
}

/* Called for each token of a list: NULL if kept, else why it was not. */
typedef const char *(*dcma_take_fn)(const char *token, void *ctx);

/*
 * The ';'-separated list that both parameters are: reject an empty or
 * overlong value as a whole (naming it @value) and each token longer than
 * DCMA_TOKEN_MAX - 1 (as @too_long); hand the others to @take.  Every
 * rejection goes to @error.
 */
static void dcma_parse_list(const char *str, const char *value,
			    const char *too_long, dcma_take_fn take, void *ctx,
			    dcma_parse_error_fn error, void *data)
{
	char token[DCMA_TOKEN_MAX];
	const char *reason, *p = str, *end;
	size_t len;

	len = strnlen(str, DCMA_CMDLINE_MAX + 1);
	if (!len || len > DCMA_CMDLINE_MAX) {
		if (error)
			error(len ? value : "", len ?
			      "longer than 1024 characters" : "empty", data);
		return;
	}

	for (; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, ';');
		len = end - p;
		strscpy(token, p, min(len + 1, sizeof(token)));
		reason = len >= sizeof(token) ? too_long : take(token, ctx);
		if (reason && error)
			error(token, reason, data);
	}
}

/* Where dcma_parse_regions() and dcma_parse_map() keep what they took */
struct dcma_list {
	void *specs;
	int max;
	int n;
};

static const char *dcma_take_region(const char *token, void *ctx)
{
	struct dcma_list *l = ctx;
	struct dcma_region_spec spec, *specs = l->specs;
	const char *reason;
	int i;

	if (dcma_parse_region(token, &spec, &reason))
		return reason;
	for (i = 0; i < l->n; i++)
		if (!strcmp(specs[i].name, spec.name))
			return "duplicate region name";
	if (l->n >= l->max)
		return "too many regions";
	specs[l->n++] = spec;
	return NULL;
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
	struct dcma_list l = { .specs = specs, .max = max };

	dcma_parse_list(str, "(dcma= value)", "region longer than 127 characters",
			dcma_take_region, &l, error, data);
	return l.n;
}

static bool dcma_glob_char(char c)
{
	return c > ' ' && c <= '~' && !strchr(";=/,", c);
}

/*
 * A glob of 1 to @max - 1 characters for which @ok holds, whose brackets
 * close: lib/glob.c would take an unclosed '[' literally, which is never
 * what was meant.  Copies it into @out; returns NULL (and *@reason) or the
 * character after the glob.
 */
static const char *dcma_parse_glob(const char *p, char *out, size_t max,
				   bool (*ok)(char c), const char *what,
				   const char **reason)
{
	const char *start = p;
	bool in_class = false;
	size_t len;

	for (; *p && ok(*p); p++) {
		if (*p == '[' && !in_class) {
			in_class = true;
			if (p[1] == '!')
				p++;
			if (p[1] == ']')	/* a ']' first is a member */
				p++;
		} else if (*p == ']') {
			in_class = false;
		}
	}
	len = p - start;
	if (!len || len >= max || in_class) {
		*reason = what;
		return NULL;
	}
	memcpy(out, start, len);
	out[len] = '\0';
	return p;
}

static bool dcma_kind_char(char c)
{
	return dcma_name_char(c) || strchr("*?[]!", c);
}

static bool dcma_pci_char(char c)
{
	return isxdigit(c) || strchr("*?[]!-:", c);
}

/*
 * "[driver:|pci:]<device>[/<kind>]=": the device pattern and the kind
 * pattern.  Returns the position after the '=', or NULL with *@reason.
 */
static const char *dcma_parse_device(const char *p, struct dcma_rule_spec *spec,
				     const char **reason)
{
	bool (*ok)(char c) = dcma_glob_char;
	int i;

	if (!strncmp(p, "driver:", 7)) {
		spec->match = DCMA_MATCH_DRIVER;
		p += 7;
	} else if (!strncmp(p, "pci:", 4)) {
		spec->match = DCMA_MATCH_PCI;
		ok = dcma_pci_char;
		p += 4;
	}
	if (!*p || *p == '=' || *p == '/') {
		*reason = *p ? "empty device pattern" : "empty rule";
		return NULL;
	}
	p = dcma_parse_glob(p, spec->glob, sizeof(spec->glob), ok,
			    spec->match == DCMA_MATCH_PCI ?
			    "bad PCI ID pattern (expected vvvv:dddd, hex and glob characters)" :
			    "bad device pattern (1 to 63 characters, no ; = / , or space, brackets closed)",
			    reason);
	if (!p)
		return NULL;
	if (spec->match == DCMA_MATCH_PCI)
		for (i = 0; spec->glob[i]; i++)
			spec->glob[i] = tolower(spec->glob[i]);

	if (*p == '/') {
		p = dcma_parse_glob(p + 1, spec->kind, sizeof(spec->kind),
				    dcma_kind_char,
				    "bad kind pattern (1 to 31 of A-Z a-z 0-9 _ - and * ? [ ] !)",
				    reason);
		if (!p)
			return NULL;
	}
	if (*p != '=') {
		*reason = !*p ? "missing '=<region>'" :
			  spec->kind[0] ? "bad character in kind pattern" :
			  "bad character in device pattern";
		return NULL;
	}
	return p + 1;
}

/*
 * "<region>[,<region>...]": up to DCMA_RULE_REGIONS valid names, none
 * twice.  Returns the position after the last one, or NULL with *@reason.
 */
static const char *dcma_parse_rule_regions(const char *p,
					   struct dcma_rule_spec *spec,
					   const char **reason)
{
	const char *start;
	size_t len;
	int i;

	for (;;) {
		for (start = p; dcma_name_char(*p); p++)
			;
		len = p - start;
		if (!dcma_name_valid(start, len)) {
			*reason = len ? "region name longer than 31 characters" :
				  *p && *p != ',' && *p != ':' ?
				  "bad character in region name (allowed: A-Z a-z 0-9 _ -)" :
				  "empty region name";
			return NULL;
		}
		if (spec->nr_regions == DCMA_RULE_REGIONS) {
			*reason = "more than 8 regions in one rule";
			return NULL;
		}
		memcpy(spec->regions[spec->nr_regions], start, len);
		for (i = 0; i < spec->nr_regions; i++)
			if (!strcmp(spec->regions[i],
				    spec->regions[spec->nr_regions])) {
				*reason = "region listed twice";
				return NULL;
			}
		spec->nr_regions++;
		if (*p != ',')
			return p;
		p++;
	}
}

/* ":<policy>", if there.  Returns the position after it, or NULL */
static const char *dcma_parse_policy(const char *p, struct dcma_rule_spec *spec,
				     const char **reason)
{
	if (*p != ':')
		return p;
	p++;
	if (!strcmp(p, "fallback")) {
		spec->fallback = true;
	} else if (strcmp(p, "fail")) {
		*reason = "unknown policy (allowed: fail, fallback)";
		return NULL;
	}
	return p + strlen(p);
}

/**
 * dcma_parse_rule() - parse one rule of "dcma_map="
 * @token: "<device>[/<kind>]=<region>[,<region>...][:<policy>]"
 * @spec: filled in on success; left in an unspecified state on failure
 * @reason: set to NULL on success, or to a static string saying what is
 *	wrong
 *
 * Checks the syntax: the globs' characters, lengths and brackets, the
 * region names' characters, no region listed twice.  Whether the regions
 * exist is checked when the map is applied.
 *
 * Context: Any context.
 * Return: 0, or -EINVAL (with *@reason set) for a malformed token.
 */
int dcma_parse_rule(const char *token, struct dcma_rule_spec *spec,
		    const char **reason)
{
	const char *p = token;

	memset(spec, 0, sizeof(*spec));
	*reason = NULL;
	/* the parts in their order; each one after the last one's end */
	p = dcma_parse_device(p, spec, reason);
	if (p)
		p = dcma_parse_rule_regions(p, spec, reason);
	if (p)
		p = dcma_parse_policy(p, spec, reason);
	if (p && *p) {
		*reason = "bad character in region name (allowed: A-Z a-z 0-9 _ -)";
		p = NULL;
	}
	return p ? 0 : -EINVAL;
}

static bool dcma_rule_same_regions(const struct dcma_rule_spec *a,
				   const struct dcma_rule_spec *b)
{
	int i;

	if (a->nr_regions != b->nr_regions || a->fallback != b->fallback)
		return false;
	for (i = 0; i < a->nr_regions; i++)
		if (strcmp(a->regions[i], b->regions[i]))
			return false;
	return true;
}

static const char *dcma_take_rule(const char *token, void *ctx)
{
	struct dcma_list *l = ctx;
	struct dcma_rule_spec spec, *specs = l->specs;
	const char *reason;
	int i;

	if (dcma_parse_rule(token, &spec, &reason))
		return reason;
	for (i = 0; i < l->n; i++)
		if (specs[i].match == spec.match &&
		    !strcmp(specs[i].glob, spec.glob) &&
		    !strcmp(specs[i].kind, spec.kind))
			return dcma_rule_same_regions(&specs[i], &spec) ?
			       "duplicate of an earlier rule" :
			       "conflicts with an earlier rule for the same devices and kind";
	if (l->n >= l->max)
		return "too many rules";
	specs[l->n++] = spec;
	return NULL;
}

/**
 * dcma_parse_map() - parse the whole value of "dcma_map="
 * @str: "<rule>[;<rule>...]"
 * @specs: where the valid rules go, in order
 * @max: room in @specs; further rules are rejected as too many
 * @error: called once for every rejected rule (or once for the whole
 *	string when it is empty or too long); may be NULL
 * @data: passed to @error
 *
 * A rule that does not parse, that repeats an earlier rule's device
 * pattern and kind (a duplicate if it also names the same regions, a
 * conflict otherwise) or that does not fit in @specs is reported and
 * skipped; the others are kept.
 *
 * Context: Any context.
 * Return: the number of valid rules stored in @specs.
 */
int dcma_parse_map(const char *str, struct dcma_rule_spec *specs, int max,
		   dcma_parse_error_fn error, void *data)
{
	struct dcma_list l = { .specs = specs, .max = max };

	dcma_parse_list(str, "(dcma_map= value)", "rule longer than 127 characters",
			dcma_take_rule, &l, error, data);
	return l.n;
}
