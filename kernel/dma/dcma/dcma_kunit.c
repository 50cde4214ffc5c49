// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for dcma: the "dcma=" and "dcma_map=" grammars and buffer
 * reference counts.
 */

#include <kunit/test.h>
#include <linux/dcma.h>
#include <linux/gfp.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/string.h>

#include "dcma.h"

#include <trace/events/dcma.h>

struct dcma_parse_case {
	const char *input;
	int ret;
	/* valid cases: what the spec must hold */
	const char *name;
	u64 size, base, align;
	bool fixed, exclusive;
	const char *allocator;
	/* invalid cases: a word the reason must contain */
	const char *why;
	u64 pool;
};

static const struct dcma_parse_case dcma_parse_cases[] = {
	{ "camera=64M@0x48000000/4M:bf", 0, "camera", SZ_64M, 0x48000000,
	  SZ_4M, true, false, "bf" },
	{ "video=32M:ff", 0, "video", SZ_32M, 0, 0, false, false, "ff" },
	{ "fb=8M,exclusive", 0, "fb", SZ_8M, 0, 0, false, true, "" },
	{ "fb=8M,exclusive,reusable", 0, "fb", SZ_8M, 0, 0, false, false, "" },
	{ "a_b-C9=4096", 0, "a_b-C9", 4096, 0, 0, false, false, "" },
	{ "g=1G/1G", 0, "g", SZ_1G, 0, SZ_1G, false, false, "" },
	{ "k=16k@64k", 0, "k", SZ_16K, SZ_64K, 0, true, false, "" },
	{ "x=0x200000@0x40000000/0x200000:bf,reusable", 0, "x", SZ_2M,
	  0x40000000, SZ_2M, true, false, "bf" },
	{ "abcdefghijklmnopqrstuvwxyz01234=4M", 0,
	  "abcdefghijklmnopqrstuvwxyz01234", SZ_4M, 0, 0, false, false, "" },
	{ "cam=64M,pool=16M", 0, "cam", SZ_64M, 0, 0, false, false, "",
	  .pool = SZ_16M },
	{ "cam=64M:ff,pool=64M,reusable", 0, "cam", SZ_64M, 0, 0, false,
	  false, "ff", .pool = SZ_64M },
	{ "cam=8M,pool=0", 0, "cam", SZ_8M, 0, 0, false, false, "" },

	{ "", -EINVAL, .why = "empty" },
	{ "=4M", -EINVAL, .why = "empty name" },
	{ "cam", -EINVAL, .why = "missing" },
	{ "cam=", -EINVAL, .why = "bad size" },
	{ "ca m=4M", -EINVAL, .why = "character" },
	{ "cam.1=4M", -EINVAL, .why = "character" },
	{ "abcdefghijklmnopqrstuvwxyz012345=4M", -EINVAL, .why = "longer" },
	{ "cam=0", -EINVAL, .why = "zero" },
	{ "cam=4MX", -EINVAL, .why = "trailing" },
	{ "cam=1000", -EINVAL, .why = "page size" },
	{ "cam=99999999999999999999", -EINVAL, .why = "too large" },
	{ "cam=0x10000000000000000", -EINVAL, .why = "too large" },
	{ "cam=17179869184G", -EINVAL, .why = "too large" },
	{ "cam=4M@", -EINVAL, .why = "bad base" },
	{ "cam=4M@0x1001", -EINVAL, .why = "page aligned" },
	{ "cam=4M@0xfffffffffff00000", -EINVAL, .why = "wraps" },
	{ "cam=4M/3M", -EINVAL, .why = "power of two" },
	{ "cam=4M/0", -EINVAL, .why = "power of two" },
	{ "cam=4M/1K", -EINVAL, .why = "smaller than the page" },
	{ "cam=4M@0x100000/4M", -EINVAL, .why = "multiple of the alignment" },
	{ "cam=4M:", -EINVAL, .why = "empty allocator" },
	{ "cam=4M:buddy", -EINVAL, .why = "unknown allocator" },
	{ "cam=4M:averyveryverylongname", -EINVAL, .why = "unknown allocator" },
	{ "cam=4M,shared", -EINVAL, .why = "unknown flag" },
	{ "cam=4M,", -EINVAL, .why = "unknown flag" },
	{ "cam=4M:bf@0x1000000", -EINVAL, .why = "unknown allocator" },
	{ "cam=4M/4M@0x1000000", -EINVAL, .why = "trailing" },
	{ "cam=4M,pool=", -EINVAL, .why = "bad pool" },
	{ "cam=4M,pool=1M2", -EINVAL, .why = "bad pool" },
	{ "cam=4M,pool=1000", -EINVAL, .why = "multiple of the page" },
	{ "cam=4M,pool=8M", -EINVAL, .why = "larger than the region" },
	{ "cam=4M,exclusive,pool=1M", -EINVAL, .why = "exclusive" },
	{ "cam=4M,pool=99999999999999999999", -EINVAL, .why = "too large" },
	{ "cam=4M,reserve=1M", -EINVAL, .why = "unknown flag" },
};

/*
 * A parser's verdict on @input: @ret must be @want_ret, and a rejection
 * must give a reason containing @want_why.  Returns true if @input was
 * rejected, so there is no spec to check.
 */
static bool dcma_parse_rejected(struct kunit *test, const char *input,
				int ret, int want_ret, const char *why,
				const char *want_why)
{
	KUNIT_ASSERT_EQ_MSG(test, ret, want_ret, "input \"%s\" (reason: %s)",
			    input, why ?: "none");
	if (!ret)
		return false;
	KUNIT_ASSERT_NOT_NULL_MSG(test, why, "input \"%s\"", input);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(why, want_why),
				  "input \"%s\": reason \"%s\" lacks \"%s\"",
				  input, why, want_why);
	return true;
}

static void dcma_parse_case_desc(const struct dcma_parse_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "\"%s\"", c->input);
}

KUNIT_ARRAY_PARAM(dcma_parse, dcma_parse_cases, dcma_parse_case_desc);

static void dcma_parse_region_test(struct kunit *test)
{
	const struct dcma_parse_case *c = test->param_value;
	struct dcma_region_spec spec;
	const char *why = NULL;
	int ret;

	ret = dcma_parse_region(c->input, &spec, &why);
	if (dcma_parse_rejected(test, c->input, ret, c->ret, why, c->why))
		return;
	KUNIT_EXPECT_STREQ_MSG(test, spec.name, c->name, "input \"%s\"", c->input);
	KUNIT_EXPECT_EQ_MSG(test, spec.size, c->size, "input \"%s\"", c->input);
	KUNIT_EXPECT_EQ_MSG(test, spec.base, c->base, "input \"%s\"", c->input);
	KUNIT_EXPECT_EQ_MSG(test, spec.align, c->align, "input \"%s\"", c->input);
	KUNIT_EXPECT_EQ_MSG(test, spec.fixed, c->fixed, "input \"%s\"", c->input);
	KUNIT_EXPECT_EQ_MSG(test, spec.exclusive, c->exclusive, "input \"%s\"",
			    c->input);
	KUNIT_EXPECT_STREQ_MSG(test, spec.allocator, c->allocator,
			       "input \"%s\"", c->input);
	KUNIT_EXPECT_EQ_MSG(test, spec.pool, c->pool, "input \"%s\"",
			    c->input);
}

struct dcma_errors {
	int count;
	char last_token[DCMA_TOKEN_MAX];
	char last_reason[96];
};

static void dcma_record_error(const char *token, const char *reason,
			      void *data)
{
	struct dcma_errors *e = data;

	e->count++;
	strscpy(e->last_token, token, sizeof(e->last_token));
	strscpy(e->last_reason, reason, sizeof(e->last_reason));
}

/* Bad regions are reported one by one and skipped; good ones stay. */
static void dcma_parse_list_test(struct kunit *test)
{
	struct dcma_region_spec specs[3];
	struct dcma_errors e = {};
	int n;

	n = dcma_parse_regions("a=4M;b=0;c=8M:ff;a=4M;;d=4M;e=4M", specs,
			       ARRAY_SIZE(specs), dcma_record_error, &e);
	KUNIT_ASSERT_EQ(test, n, 3);
	KUNIT_EXPECT_STREQ(test, specs[0].name, "a");
	KUNIT_EXPECT_STREQ(test, specs[1].name, "c");
	KUNIT_EXPECT_STREQ(test, specs[2].name, "d");
	/* b=0, the second a, the empty region, and e (too many) */
	KUNIT_EXPECT_EQ(test, e.count, 4);
	KUNIT_EXPECT_STREQ(test, e.last_token, "e=4M");
	KUNIT_EXPECT_STREQ(test, e.last_reason, "too many regions");
}

static void dcma_parse_list_limits_test(struct kunit *test)
{
	struct dcma_region_spec specs[2];
	struct dcma_errors e = {};
	char *long_str;

	KUNIT_EXPECT_EQ(test, dcma_parse_regions("", specs, 2,
						 dcma_record_error, &e), 0);
	KUNIT_EXPECT_EQ(test, e.count, 1);
	KUNIT_EXPECT_STREQ(test, e.last_reason, "empty");

	long_str = kunit_kzalloc(test, DCMA_CMDLINE_MAX + 2, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, long_str);
	memset(long_str, 'a', DCMA_CMDLINE_MAX + 1);
	KUNIT_EXPECT_EQ(test, dcma_parse_regions(long_str, specs, 2,
						 dcma_record_error, &e), 0);
	KUNIT_EXPECT_EQ(test, e.count, 2);
	KUNIT_EXPECT_NOT_NULL(test, strstr(e.last_reason, "longer"));

	memset(long_str, 'a', DCMA_TOKEN_MAX + 10);
	long_str[DCMA_TOKEN_MAX + 10] = '\0';
	KUNIT_EXPECT_EQ(test, dcma_parse_regions(long_str, specs, 2,
						 dcma_record_error, &e), 0);
	KUNIT_EXPECT_EQ(test, e.count, 3);
	KUNIT_EXPECT_NOT_NULL(test, strstr(e.last_reason, "longer than 127"));
}

static struct kunit_case dcma_parse_test_cases[] = {
	KUNIT_CASE_PARAM(dcma_parse_region_test, dcma_parse_gen_params),
	KUNIT_CASE(dcma_parse_list_test),
	KUNIT_CASE(dcma_parse_list_limits_test),
	{}
};

static struct kunit_suite dcma_parse_test_suite = {
	.name = "dcma_parse",
	.test_cases = dcma_parse_test_cases,
};

struct dcma_map_case {
	const char *input;
	int ret;
	/* valid cases */
	enum dcma_match match;
	const char *glob, *kind, *regions;	/* regions: "a,b" */
	bool fallback;
	/* invalid cases: a word the reason must contain */
	const char *why;
};

static const struct dcma_map_case dcma_map_cases[] = {
	{ "0000:00:04.0=nvm", 0, DCMA_MATCH_NAME, "0000:00:04.0", "", "nvm" },
	{ "*.camera/preview=fb,cam", 0, DCMA_MATCH_NAME, "*.camera", "preview",
	  "fb,cam" },
	{ "driver:e1000e=net:fallback", 0, DCMA_MATCH_DRIVER, "e1000e", "",
	  "net", true },
	{ "pci:1B36:0010=nvm:fail", 0, DCMA_MATCH_PCI, "1b36:0010", "", "nvm" },
	{ "pci:8086:*=a,b,c,d,e,f,g,h", 0, DCMA_MATCH_PCI, "8086:*", "",
	  "a,b,c,d,e,f,g,h" },
	{ "cam[0-9]/*=c", 0, DCMA_MATCH_NAME, "cam[0-9]", "*", "c" },
	{ "[]x]=c", 0, DCMA_MATCH_NAME, "[]x]", "", "c" },
	{ "a/[!b]?=c", 0, DCMA_MATCH_NAME, "a", "[!b]?", "c" },

	{ "", -EINVAL, .why = "empty rule" },
	{ "=cam", -EINVAL, .why = "empty device" },
	{ "/k=cam", -EINVAL, .why = "empty device" },
	{ "dev", -EINVAL, .why = "missing" },
	{ "dev=", -EINVAL, .why = "empty region" },
	{ "dev=a,", -EINVAL, .why = "empty region" },
	{ "dev=a b", -EINVAL, .why = "bad character" },
	{ "dev=a.b", -EINVAL, .why = "bad character" },
	{ "de v=a", -EINVAL, .why = "device pattern" },
	{ "cam[0-9=a", -EINVAL, .why = "brackets" },
	{ "dev/=a", -EINVAL, .why = "kind" },
	{ "dev/a.b=c", -EINVAL, .why = "kind" },
	{ "dev/k/l=c", -EINVAL, .why = "kind" },
	{ "pci:xyz=a", -EINVAL, .why = "PCI" },
	{ "pci:=a", -EINVAL, .why = "empty device" },
	{ "driver:=a", -EINVAL, .why = "empty device" },
	{ "dev=a,a", -EINVAL, .why = "twice" },
	{ "dev=a,b,c,d,e,f,g,h,i", -EINVAL, .why = "more than 8" },
	{ "dev=a:maybe", -EINVAL, .why = "unknown policy" },
	{ "dev=a:", -EINVAL, .why = "unknown policy" },
	{ "dev=abcdefghijklmnopqrstuvwxyz012345", -EINVAL, .why = "longer" },
	{ "0123456789012345678901234567890123456789012345678901234567890123=a",
	  -EINVAL, .why = "device pattern" },
};

static void dcma_map_case_desc(const struct dcma_map_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "\"%s\"", c->input);
}

KUNIT_ARRAY_PARAM(dcma_map, dcma_map_cases, dcma_map_case_desc);

static void dcma_map_rule_test(struct kunit *test)
{
	const struct dcma_map_case *c = test->param_value;
	struct dcma_rule_spec spec;
	char regions[DCMA_RULE_REGIONS * DCMA_NAME_LEN] = "";
	const char *why = NULL;
	int ret, i;

	ret = dcma_parse_rule(c->input, &spec, &why);
	if (dcma_parse_rejected(test, c->input, ret, c->ret, why, c->why))
		return;
	for (i = 0; i < spec.nr_regions; i++) {
		if (i)
			strlcat(regions, ",", sizeof(regions));
		strlcat(regions, spec.regions[i], sizeof(regions));
	}
	KUNIT_EXPECT_EQ_MSG(test, spec.match, c->match, "input \"%s\"", c->input);
	KUNIT_EXPECT_STREQ_MSG(test, spec.glob, c->glob, "input \"%s\"", c->input);
	KUNIT_EXPECT_STREQ_MSG(test, spec.kind, c->kind, "input \"%s\"", c->input);
	KUNIT_EXPECT_STREQ_MSG(test, regions, c->regions, "input \"%s\"",
			       c->input);
	KUNIT_EXPECT_EQ_MSG(test, spec.fallback, c->fallback, "input \"%s\"",
			    c->input);
}

/* Malformed, duplicate, conflicting and surplus rules are skipped. */
static void dcma_map_list_test(struct kunit *test)
{
	struct dcma_rule_spec specs[3];
	struct dcma_errors e = {};
	int n;

	n = dcma_parse_map("a=r;b=;a=r;a=s;a/k=s;;driver:a=r;c=r", specs,
			   ARRAY_SIZE(specs), dcma_record_error, &e);
	KUNIT_ASSERT_EQ(test, n, 3);
	KUNIT_EXPECT_STREQ(test, specs[0].glob, "a");
	KUNIT_EXPECT_STREQ(test, specs[1].kind, "k");
	KUNIT_EXPECT_EQ(test, specs[2].match, DCMA_MATCH_DRIVER);
	/* b=, the duplicate a=r, the conflicting a=s, the empty rule, c=r */
	KUNIT_EXPECT_EQ(test, e.count, 5);
	KUNIT_EXPECT_STREQ(test, e.last_token, "c=r");
	KUNIT_EXPECT_STREQ(test, e.last_reason, "too many rules");

	e.count = 0;
	n = dcma_parse_map("a=r;a=r:fallback", specs, ARRAY_SIZE(specs),
			   dcma_record_error, &e);
	KUNIT_EXPECT_EQ(test, n, 1);
	KUNIT_EXPECT_EQ(test, e.count, 1);
	KUNIT_EXPECT_NOT_NULL(test, strstr(e.last_reason, "conflicts"));
	n = dcma_parse_map("", specs, ARRAY_SIZE(specs), dcma_record_error, &e);
	KUNIT_EXPECT_EQ(test, n, 0);
	KUNIT_EXPECT_STREQ(test, e.last_reason, "empty");
}

static struct kunit_case dcma_map_test_cases[] = {
	KUNIT_CASE_PARAM(dcma_map_rule_test, dcma_map_gen_params),
	KUNIT_CASE(dcma_map_list_test),
	{}
};

static struct kunit_suite dcma_map_test_suite = {
	.name = "dcma_map",
	.test_cases = dcma_map_test_cases,
};

/* The first active region; the test boots declare some. */
static struct dcma_region *dcma_test_region(struct kunit *test)
{
	int i;

	for (i = 0; i < dcma_region_count; i++)
		if (dcma_regions[i].active)
			return &dcma_regions[i];
	kunit_skip(test, "no active dcma region (boot with dcma=...)");
	return NULL;
}

static unsigned long dcma_test_free_pages(struct dcma_region *r)
{
	struct dcma_region_state st;

	dcma_region_snapshot(r, &st, false);
	return st.alloc.free_pages;
}

/* get and put count references; the last put frees; a put too many fails */
static void dcma_ref_order_test(struct kunit *test)
{
	struct dcma_region *r = dcma_test_region(test);
	unsigned long free0 = dcma_test_free_pages(r);
	struct dcma_buffer *buf;
	phys_addr_t phys;

	buf = dcma_region_alloc(r, 3 * PAGE_SIZE, 0, GFP_KERNEL | __GFP_ZERO);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(buf), "alloc from %s: %ld", r->name,
			       PTR_ERR(buf));
	phys = dcma_buffer_phys(buf);
	KUNIT_EXPECT_EQ(test, dcma_buffer_size(buf), 3 * PAGE_SIZE);
	KUNIT_EXPECT_GE(test, phys, dcma_region_base(r));
	KUNIT_EXPECT_LE(test, phys + 3 * PAGE_SIZE,
			dcma_region_base(r) + dcma_region_size(r));
	KUNIT_EXPECT_EQ(test, dcma_test_free_pages(r), free0 - 3);

	KUNIT_EXPECT_EQ(test, dcma_get(phys), 0);	/* 2 references */
	KUNIT_EXPECT_EQ(test, dcma_put(phys), 0);	/* 1 */
	KUNIT_EXPECT_EQ(test, dcma_test_free_pages(r), free0 - 3);
	KUNIT_EXPECT_EQ(test, dcma_get(phys), 0);	/* 2 */
	KUNIT_EXPECT_EQ(test, dcma_put(phys), 0);	/* 1 */
	KUNIT_EXPECT_EQ(test, dcma_put(phys), 0);	/* 0: freed */
	KUNIT_EXPECT_EQ(test, dcma_test_free_pages(r), free0);

	/* the address is unknown now: nothing changes */
	KUNIT_EXPECT_EQ(test, dcma_put(phys), -ENOENT);
	KUNIT_EXPECT_EQ(test, dcma_get(phys), -ENOENT);
	KUNIT_EXPECT_EQ(test, dcma_test_free_pages(r), free0);
}

/* only the first byte of a live buffer names it */
static void dcma_ref_unknown_test(struct kunit *test)
{
	struct dcma_region *r = dcma_test_region(test);
	unsigned long free0 = dcma_test_free_pages(r);
	struct dcma_buffer *buf;
	phys_addr_t phys;

	buf = dcma_region_alloc(r, 2 * PAGE_SIZE, 0, GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(buf));
	phys = dcma_buffer_phys(buf);

	KUNIT_EXPECT_EQ(test, dcma_get(phys + PAGE_SIZE), -ENOENT);
	KUNIT_EXPECT_EQ(test, dcma_put(phys + PAGE_SIZE), -ENOENT);
	KUNIT_EXPECT_EQ(test, dcma_put(phys + 1), -ENOENT);
	KUNIT_EXPECT_EQ(test, dcma_get(0), -ENOENT);
	KUNIT_EXPECT_EQ(test, dcma_put(dcma_region_base(r) +
				       dcma_region_size(r)), -ENOENT);
	KUNIT_EXPECT_EQ(test, dcma_test_free_pages(r), free0 - 2);

	KUNIT_EXPECT_EQ(test, dcma_put(phys), 0);
	KUNIT_EXPECT_EQ(test, dcma_test_free_pages(r), free0);
}

/* alignment, zeroing and bad requests */
static void dcma_alloc_args_test(struct kunit *test)
{
	struct dcma_region *r = dcma_test_region(test);
	struct dcma_buffer *buf;
	phys_addr_t phys;
	u8 *p;

	buf = dcma_region_alloc(r, PAGE_SIZE, 16 * PAGE_SIZE,
				GFP_KERNEL | __GFP_ZERO);
	KUNIT_ASSERT_FALSE(test, IS_ERR(buf));
	phys = dcma_buffer_phys(buf);
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED(phys, 16 * PAGE_SIZE));
	p = page_address(dcma_buffer_page(buf));
	KUNIT_EXPECT_NULL(test, memchr_inv(p, 0, PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, dcma_put(phys), 0);

	KUNIT_EXPECT_EQ(test, PTR_ERR(dcma_region_alloc(r, 0, 0, GFP_KERNEL)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(dcma_region_alloc(r, PAGE_SIZE, 3 * PAGE_SIZE,
							GFP_KERNEL)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(dcma_region_alloc(r, dcma_region_size(r) +
							PAGE_SIZE, 0,
							GFP_KERNEL)), -EINVAL);
	if (dcma_region_reusable(r))
		KUNIT_EXPECT_EQ(test, PTR_ERR(dcma_region_alloc(r, PAGE_SIZE, 0,
								GFP_ATOMIC)),
				-EAGAIN);
}

/* An idle reusable region of at least two pageblocks, or skip. */
static struct dcma_region *dcma_test_reusable(struct kunit *test)
{
	int i;

	for (i = 0; i < dcma_region_count; i++) {
		struct dcma_region *r = &dcma_regions[i];

		/* the test claims pages behind dcma's back: no pool */
		if (r->active && r->reusable && !r->nr_buffers &&
		    !r->pool_target && !READ_ONCE(r->pool_pages) &&
		    r->nr_pages >= 2 * pageblock_nr_pages)
			return r;
	}
	kunit_skip(test, "no idle reusable region of two pageblocks without a pool");
	return NULL;
}

/*
 * A pageblock whose pages cannot be migrated (here: held by the test
 * through alloc_contig_range() behind dcma's back) fails the first
 * candidate with -EBUSY; the allocation must succeed in another pageblock.
 */
static void dcma_claim_busy_test(struct kunit *test)
{
	struct dcma_region *r = dcma_test_reusable(test);
	unsigned long pb = pageblock_nr_pages, base = r->base_pfn;
	long retries = dcma_region_stat(r, DCMA_RETRIES);
	unsigned long free0 = dcma_test_free_pages(r);
	struct dcma_buffer *buf;
	phys_addr_t phys;

	KUNIT_ASSERT_EQ(test, alloc_contig_range(base, base + pb, MIGRATE_CMA,
						 GFP_KERNEL), 0);
	buf = dcma_region_alloc(r, PAGE_SIZE, 0, GFP_KERNEL);
	if (IS_ERR(buf)) {
		free_contig_range(base, pb);
		KUNIT_FAIL(test, "alloc beside a busy pageblock: %ld", PTR_ERR(buf));
		return;
	}
	phys = dcma_buffer_phys(buf);
	KUNIT_EXPECT_GE(test, PHYS_PFN(phys), base + pb);
	KUNIT_EXPECT_GT(test, dcma_region_stat(r, DCMA_RETRIES), retries);
	KUNIT_EXPECT_EQ(test, dcma_put(phys), 0);
	free_contig_range(base, pb);
	KUNIT_EXPECT_EQ(test, dcma_test_free_pages(r), free0);
}

/* What the tracepoints said about one region during a test */
struct dcma_trace_seen {
	const char *region;
	atomic_t retries;
	atomic_t fails;
	int last_err;
};

static void dcma_seen_retry(void *data, const char *region, unsigned long pfn,
			    unsigned long nr_pages, int err)
{
	struct dcma_trace_seen *seen = data;

	if (!strcmp(region, seen->region))
		atomic_inc(&seen->retries);
}

static void dcma_seen_finish(void *data, const char *region,
			     const char *owner, unsigned long pfn,
			     unsigned long nr_pages, int err, int retries,
			     u64 ns)
{
	struct dcma_trace_seen *seen = data;

	if (strcmp(region, seen->region) || !err)
		return;
	atomic_inc(&seen->fails);
	WRITE_ONCE(seen->last_err, err);
}

/*
 * With every pageblock busy the allocation fails after a bounded number
 * of candidates, and every candidate range is given back.
 */
static void dcma_claim_all_busy_test(struct kunit *test)
{
	struct dcma_trace_seen seen = {};
	bool traced;
	struct dcma_region *r = dcma_test_reusable(test);
	unsigned long base = r->base_pfn, end = r->base_pfn + r->nr_pages;
	long busy = dcma_region_stat(r, DCMA_FAILS_BUSY);
	long retries = dcma_region_stat(r, DCMA_RETRIES);
	unsigned long free0 = dcma_test_free_pages(r);
	struct dcma_region_state st;
	struct dcma_buffer *buf;

	seen.region = r->name;
	traced = !register_trace_dcma_migrate_retry(dcma_seen_retry, &seen) &&
		 !register_trace_dcma_alloc_finish(dcma_seen_finish, &seen);

	KUNIT_ASSERT_EQ(test, alloc_contig_range(base, end, MIGRATE_CMA,
						 GFP_KERNEL), 0);
	buf = dcma_region_alloc(r, PAGE_SIZE, 0, GFP_KERNEL | __GFP_NOWARN);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(buf), -ENOMEM);
	if (!IS_ERR(buf))
		dcma_put(dcma_buffer_phys(buf));
	free_contig_range(base, end - base);

	unregister_trace_dcma_migrate_retry(dcma_seen_retry, &seen);
	unregister_trace_dcma_alloc_finish(dcma_seen_finish, &seen);
	tracepoint_synchronize_unregister();
	if (traced) {
		/* every busy candidate and the failure, as the counters say */
		KUNIT_EXPECT_EQ(test, atomic_read(&seen.retries),
				min_t(int, DCMA_CLAIM_TRIES,
				      r->nr_pages / pageblock_nr_pages));
		KUNIT_EXPECT_EQ(test, atomic_read(&seen.fails), 1);
		KUNIT_EXPECT_EQ(test, READ_ONCE(seen.last_err), -ENOMEM);
	} else {
		kunit_info(test, "no tracepoints (CONFIG_TRACEPOINTS=n)");
	}

	KUNIT_EXPECT_EQ(test, dcma_region_stat(r, DCMA_FAILS_BUSY), busy + 1);
	/* one candidate per pageblock at most, DCMA_CLAIM_TRIES at most */
	KUNIT_EXPECT_EQ(test, dcma_region_stat(r, DCMA_RETRIES),
			retries + min_t(long, DCMA_CLAIM_TRIES,
					r->nr_pages / pageblock_nr_pages));
	dcma_region_snapshot(r, &st, false);
	KUNIT_EXPECT_EQ(test, st.alloc.free_pages, free0);
	KUNIT_EXPECT_EQ(test, st.alloc.free_holes, 1UL);
}

/* Set a pool target and wait for the worker to reach it */
static void dcma_test_pool(struct kunit *test, struct dcma_region *r,
			   unsigned long pages)
{
	KUNIT_ASSERT_EQ(test, dcma_pool_set(r, pages), 0);
	flush_delayed_work(&r->pool_work);
}

/*
 * The pool: the worker fills it lowest pages first; an allocation
 * that lands on it claims nothing; a put keeps its pages and the worker
 * gives the surplus back highest first, so the pool stays where the
 * allocator places requests; a target of 0 empties it.
 */
static void dcma_pool_test(struct kunit *test)
{
	struct dcma_region *r = dcma_test_reusable(test);
	unsigned long pb = pageblock_nr_pages, base = r->base_pfn;
	long hits = dcma_region_stat(r, DCMA_PAGES_FROM_POOL);
	long migrated = dcma_region_stat(r, DCMA_PAGES_MIGRATED);
	unsigned long free0 = dcma_test_free_pages(r);
	struct dcma_buffer *a, *b;

	dcma_test_pool(test, r, pb);
	KUNIT_EXPECT_EQ(test, READ_ONCE(r->pool_pages), pb);
	KUNIT_EXPECT_EQ(test, bitmap_weight(r->pool, pb), pb);
	KUNIT_EXPECT_EQ(test, dcma_test_free_pages(r), free0);

	/* served whole by the pool: its first pages, nothing migrated */
	a = dcma_region_alloc(r, 16 * PAGE_SIZE, 0, GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(a));
	KUNIT_EXPECT_EQ(test, PHYS_PFN(dcma_buffer_phys(a)), base);
	KUNIT_EXPECT_EQ(test, dcma_region_stat(r, DCMA_PAGES_FROM_POOL),
			hits + 16);
	KUNIT_EXPECT_EQ(test, dcma_region_stat(r, DCMA_PAGES_MIGRATED),
			migrated);
	KUNIT_EXPECT_EQ(test, READ_ONCE(r->pool_pages), pb - 16);
	KUNIT_EXPECT_EQ(test, dcma_put(dcma_buffer_phys(a)), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(r->pool_pages), pb);

	/*
	 * The whole pool, then a buffer beyond it that has to be claimed;
	 * the worker, which each leaves to refill the pool, is held off.
	 */
	a = dcma_region_alloc(r, pb * PAGE_SIZE, 0, GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(a));
	cancel_delayed_work_sync(&r->pool_work);
	b = dcma_region_alloc(r, 16 * PAGE_SIZE, 0, GFP_KERNEL);
	if (IS_ERR(b)) {
		dcma_put(dcma_buffer_phys(a));
		KUNIT_FAIL(test, "a buffer beyond the pool: %ld", PTR_ERR(b));
		goto out_reset;
	}
	cancel_delayed_work_sync(&r->pool_work);
	KUNIT_EXPECT_EQ(test, READ_ONCE(r->pool_pages), 0UL);
	KUNIT_EXPECT_GE(test, PHYS_PFN(dcma_buffer_phys(b)), base + pb);
	KUNIT_EXPECT_EQ(test, dcma_put(dcma_buffer_phys(a)), 0);
	KUNIT_EXPECT_EQ(test, dcma_put(dcma_buffer_phys(b)), 0);
	/* both kept, then the surplus goes: the higher buffer's pages */
	KUNIT_EXPECT_EQ(test, READ_ONCE(r->pool_pages), pb + 16);
	flush_delayed_work(&r->pool_work);
	KUNIT_EXPECT_EQ(test, READ_ONCE(r->pool_pages), pb);
	KUNIT_EXPECT_EQ(test, bitmap_weight(r->pool, pb), pb);

out_reset:
	dcma_test_pool(test, r, 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(r->pool_pages), 0UL);
	KUNIT_EXPECT_TRUE(test, bitmap_empty(r->pool, r->nr_pages));
	KUNIT_EXPECT_EQ(test, dcma_test_free_pages(r), free0);
}

/* Whether every page of @buf has only dcma's reference: not freed, not lent */
static bool dcma_test_held_by_dcma(struct dcma_buffer *buf)
{
	unsigned long i;

	for (i = 0; i < dcma_buffer_size(buf) >> PAGE_SHIFT; i++)
		if (page_ref_count(dcma_buffer_page(buf) + i) != 1)
			return false;
	return true;
}

/*
 * The last put's buffer, cached: the next allocation of its size takes
 * it whole, cleared, with its pages counted out of the pool; any other
 * allocation is placed as if nothing were cached (best and first fit
 * both take the freed two-page hole for one page); the allocator's
 * view counts it free; a trim of the pool gives it back, so that a
 * later allocation does not hand out pages the trim gave away.
 */
static void dcma_cached_test(struct kunit *test)
{
	struct dcma_region *r = dcma_test_reusable(test);
	unsigned long pb = pageblock_nr_pages, base = r->base_pfn;
	unsigned long free0 = dcma_test_free_pages(r), pa;
	struct dcma_buffer *a, *b, *x, *y, *z;
	long hits;

	dcma_test_pool(test, r, pb);
	a = dcma_region_alloc(r, 4 * PAGE_SIZE, 0, GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(a));
	pa = PHYS_PFN(dcma_buffer_phys(a));
	memset(page_address(dcma_buffer_page(a)), 0xa5, 4 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, dcma_put(dcma_buffer_phys(a)), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(r->pool_pages), pb);

	hits = dcma_region_stat(r, DCMA_PAGES_FROM_POOL);
	b = dcma_region_alloc(r, 4 * PAGE_SIZE, 0, GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(b));
	KUNIT_EXPECT_EQ(test, PHYS_PFN(dcma_buffer_phys(b)), pa);
	KUNIT_EXPECT_NULL(test, memchr_inv(page_address(dcma_buffer_page(b)),
					   0, 4 * PAGE_SIZE));
	KUNIT_EXPECT_TRUE(test, dcma_test_held_by_dcma(b));
	KUNIT_EXPECT_EQ(test, dcma_region_stat(r, DCMA_PAGES_FROM_POOL),
			hits + 4);
	KUNIT_EXPECT_EQ(test, READ_ONCE(r->pool_pages), pb - 4);
	KUNIT_EXPECT_EQ(test, dcma_put(dcma_buffer_phys(b)), 0);
	/* the allocator's view: the cached range is free */
	KUNIT_EXPECT_EQ(test, dcma_test_free_pages(r), free0);

	x = dcma_region_alloc(r, 2 * PAGE_SIZE, 0, GFP_KERNEL);
	y = dcma_region_alloc(r, 2 * PAGE_SIZE, 0, GFP_KERNEL);
	z = dcma_region_alloc(r, 8 * PAGE_SIZE, 0, GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(x) || IS_ERR(y) || IS_ERR(z));
	KUNIT_EXPECT_EQ(test, PHYS_PFN(dcma_buffer_phys(x)), base);
	KUNIT_EXPECT_EQ(test, PHYS_PFN(dcma_buffer_phys(y)), base + 2);
	KUNIT_EXPECT_EQ(test, dcma_put(dcma_buffer_phys(y)), 0);
	y = dcma_region_alloc(r, PAGE_SIZE, 0, GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(y));
	KUNIT_EXPECT_EQ(test, PHYS_PFN(dcma_buffer_phys(y)), base + 2);
	KUNIT_EXPECT_EQ(test, dcma_put(dcma_buffer_phys(x)), 0);
	KUNIT_EXPECT_EQ(test, dcma_put(dcma_buffer_phys(y)), 0);
	KUNIT_EXPECT_EQ(test, dcma_put(dcma_buffer_phys(z)), 0);

	/* a trim to nothing with z cached: z's pages go too */
	dcma_test_pool(test, r, 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(r->pool_pages), 0UL);
	KUNIT_EXPECT_TRUE(test, bitmap_empty(r->pool, r->nr_pages));
	z = dcma_region_alloc(r, 8 * PAGE_SIZE, 0, GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(z));
	KUNIT_EXPECT_TRUE(test, dcma_test_held_by_dcma(z));
	KUNIT_EXPECT_EQ(test, dcma_put(dcma_buffer_phys(z)), 0);
	KUNIT_EXPECT_EQ(test, dcma_test_free_pages(r), free0);
}

/* Pool targets that cannot be: too big, or on an exclusive region */
static void dcma_pool_bad_test(struct kunit *test)
{
	struct dcma_region *r = dcma_test_reusable(test);
	int i;

	KUNIT_EXPECT_EQ(test, dcma_pool_set(r, r->nr_pages + 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, READ_ONCE(r->pool_target), 0UL);
	for (i = 0; i < dcma_region_count; i++)
		if (dcma_regions[i].active && !dcma_regions[i].reusable)
			KUNIT_EXPECT_EQ(test, dcma_pool_set(&dcma_regions[i], 1),
					-EOPNOTSUPP);
}

static struct kunit_case dcma_ref_test_cases[] = {
	KUNIT_CASE(dcma_ref_order_test),
	KUNIT_CASE(dcma_ref_unknown_test),
	KUNIT_CASE(dcma_alloc_args_test),
	KUNIT_CASE(dcma_claim_busy_test),
	KUNIT_CASE(dcma_claim_all_busy_test),
	KUNIT_CASE(dcma_pool_test),
	KUNIT_CASE(dcma_cached_test),
	KUNIT_CASE(dcma_pool_bad_test),
	{}
};

static struct kunit_suite dcma_ref_test_suite = {
	.name = "dcma_ref",
	.test_cases = dcma_ref_test_cases,
};

kunit_test_suites(&dcma_parse_test_suite, &dcma_map_test_suite,
		  &dcma_ref_test_suite);

MODULE_DESCRIPTION("KUnit tests for dcma");
MODULE_LICENSE("GPL");
