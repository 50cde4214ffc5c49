// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for dcma's placement algorithms, "bf" and "ff".
 *
 * Each case runs on both allocators.  The oracle is a page map the test
 * keeps itself: every allocation is checked against it (inside the range,
 * aligned, over free pages only), every ->info() is compared with what
 * the map says, and the pfn an allocation gets is the one the placement
 * rule of its allocator picks on the map: the lowest aligned run for
 * "ff", the smallest fitting hole (the lowest among equals) at its first
 * aligned pfn for "bf" (alloc_bestfit.c) while the holes are few enough
 * for its bounded scan to see them all.
 */

#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/prandom.h>
#include <linux/slab.h>

#include "allocator.h"

/*
 * A range of 64 pages has at most 32 holes, all of which the bounded scan
 * of "bf" (DCMA_BF_SCAN) sees.
 */
#define ALLOC_TEST_PAGES	64
/* Not a multiple of the larger alignments: the base matters. */
#define ALLOC_TEST_BASE		0x1003UL

struct alloc_test {
	const struct dcma_allocator_ops *ops;
	void *state;
	unsigned long base, nr_pages;
	unsigned long *used;		/* the oracle: one bit per page */
	unsigned long *len;		/* live allocations: length by offset */
	unsigned long live;
};

/* The allocator under test: KUNIT_ARRAY_PARAM() hands over its entry */
static const struct dcma_allocator_ops *alloc_test_ops(struct kunit *test)
{
	return *(const struct dcma_allocator_ops *const *)test->param_value;
}

static void *alloc_test_node(struct kunit *test, const struct alloc_test *t)
{
	void *node;

	if (!t->ops->node_size)
		return NULL;
	node = kzalloc(t->ops->node_size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, node);
	return node;
}

static void alloc_test_setup(struct kunit *test, struct alloc_test *t,
			     unsigned long base, unsigned long nr_pages)
{
	void *node;

	t->ops = alloc_test_ops(test);
	t->base = base;
	t->nr_pages = nr_pages;
	t->live = 0;
	t->used = kunit_kcalloc(test, BITS_TO_LONGS(nr_pages), sizeof(long),
				GFP_KERNEL);
	t->len = kunit_kcalloc(test, nr_pages, sizeof(long), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->used);
	KUNIT_ASSERT_NOT_NULL(test, t->len);

	node = alloc_test_node(test, t);
	t->state = t->ops->create(base, nr_pages, node);
	if (IS_ERR(t->state))
		kfree(node);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(t->state), "%s: create: %ld",
			       t->ops->name, PTR_ERR(t->state));
}

/* The free runs of the map: pages, the longest one and how many */
static void alloc_test_model_info(const struct alloc_test *t,
				  struct dcma_alloc_info *info)
{
	unsigned long start, end = 0;

	memset(info, 0, sizeof(*info));
	for (;;) {
		start = find_next_zero_bit(t->used, t->nr_pages, end);
		if (start >= t->nr_pages)
			break;
		end = find_next_bit(t->used, t->nr_pages, start);
		info->free_pages += end - start;
		info->largest_free = max(info->largest_free, end - start);
		info->free_holes++;
	}
}

static void alloc_test_check_info(struct kunit *test,
				  const struct alloc_test *t)
{
	struct dcma_alloc_info want, got;

	alloc_test_model_info(t, &want);
	t->ops->info(t->state, &got);
	KUNIT_EXPECT_EQ_MSG(test, got.free_pages, want.free_pages, "%s",
			    t->ops->name);
	KUNIT_EXPECT_EQ_MSG(test, got.largest_free, want.largest_free, "%s",
			    t->ops->name);
	KUNIT_EXPECT_EQ_MSG(test, got.free_holes, want.free_holes, "%s",
			    t->ops->name);
}

/* First aligned page offset at or after @off, or ULONG_MAX past the end */
static unsigned long alloc_test_align_up(const struct alloc_test *t,
					 unsigned long off, unsigned long align)
{
	unsigned long pfn = ALIGN(t->base + off, align);

	return pfn - t->base < t->nr_pages ? pfn - t->base : ULONG_MAX;
}

/*
 * Where the placement rule puts @nr pages aligned to @align on the map:
 * the page offset, or ULONG_MAX when no free run holds them.
 */
static unsigned long alloc_test_expect(const struct alloc_test *t,
				       unsigned long nr, unsigned long align)
{
	bool bf = t->ops == &dcma_bestfit_ops;
	unsigned long best = ULONG_MAX, best_len = ULONG_MAX;
	unsigned long start, end = 0, at;

	for (;;) {
		start = find_next_zero_bit(t->used, t->nr_pages, end);
		if (start >= t->nr_pages)
			break;
		end = find_next_bit(t->used, t->nr_pages, start);
		at = alloc_test_align_up(t, start, align);
		if (at == ULONG_MAX || at > end || end - at < nr)
			continue;
		if (!bf)
			return at;
		if (end - start < best_len) {
			best = at;
			best_len = end - start;
		}
	}
	return best;
}

static int alloc_test_alloc(struct kunit *test, struct alloc_test *t,
			    unsigned long nr, unsigned long align,
			    unsigned long *off)
{
	unsigned long pfn = ULONG_MAX;
	int ret;

	/* a node only when the allocator asks, which it then keeps */
	ret = t->ops->alloc(t->state, nr, align, &pfn, NULL);
	if (ret == -EAGAIN)
		ret = t->ops->alloc(t->state, nr, align, &pfn,
				    alloc_test_node(test, t));
	KUNIT_ASSERT_NE(test, ret, -EAGAIN);
	if (ret)
		return ret;
	KUNIT_ASSERT_GE(test, pfn, t->base);
	KUNIT_ASSERT_LE(test, nr, t->nr_pages);
	KUNIT_ASSERT_LE(test, pfn - t->base, t->nr_pages - nr);
	KUNIT_EXPECT_EQ(test, pfn & (align - 1), 0);
	*off = pfn - t->base;
	KUNIT_ASSERT_EQ_MSG(test, find_next_bit(t->used, *off + nr, *off),
			    *off + nr, "%s: pages %lu+%lu were not free",
			    t->ops->name, *off, nr);
	bitmap_set(t->used, *off, nr);
	t->len[*off] = nr;
	t->live++;
	return 0;
}

/*
 * Allocate where the placement rule says, or fail where it says so.
 * Returns the page offset, ULONG_MAX when the allocation failed.
 */
static unsigned long alloc_test_expect_alloc(struct kunit *test,
					     struct alloc_test *t,
					     unsigned long nr,
					     unsigned long align)
{
	unsigned long want = alloc_test_expect(t, nr, align), off;
	int ret;

	ret = alloc_test_alloc(test, t, nr, align, &off);
	alloc_test_check_info(test, t);
	if (want == ULONG_MAX) {
		KUNIT_EXPECT_EQ_MSG(test, ret, -ENOMEM,
				    "%s: %lu pages aligned to %lu fit nowhere",
				    t->ops->name, nr, align);
	} else {
		KUNIT_ASSERT_EQ_MSG(test, ret, 0,
				    "%s: %lu pages aligned to %lu fit at %lu",
				    t->ops->name, nr, align, want);
		KUNIT_EXPECT_EQ_MSG(test, off, want,
				    "%s: %lu pages aligned to %lu", t->ops->name,
				    nr, align);
	}
	return ret ? ULONG_MAX : off;
}

static void alloc_test_free(struct kunit *test, struct alloc_test *t,
			    unsigned long off)
{
	unsigned long nr = t->len[off];

	KUNIT_ASSERT_NE(test, nr, 0);
	kfree(t->ops->free(t->state, t->base + off, nr));
	bitmap_clear(t->used, off, nr);
	t->len[off] = 0;
	t->live--;
	alloc_test_check_info(test, t);
}

static void alloc_test_teardown(struct kunit *test, struct alloc_test *t)
{
	unsigned long off;

	for (off = 0; off < t->nr_pages; off++)
		if (t->len[off])
			alloc_test_free(test, t, off);
	t->ops->destroy(t->state);
}

/* A new range is one hole; so is the range once everything is freed. */
static void dcma_alloc_create_test(struct kunit *test)
{
	struct alloc_test t;
	unsigned long off;

	alloc_test_setup(test, &t, ALLOC_TEST_BASE, ALLOC_TEST_PAGES);
	alloc_test_check_info(test, &t);
	KUNIT_ASSERT_EQ(test, alloc_test_alloc(test, &t, ALLOC_TEST_PAGES, 1,
					       &off), 0);
	KUNIT_EXPECT_EQ(test, off, 0);
	alloc_test_check_info(test, &t);
	alloc_test_free(test, &t, 0);
	alloc_test_teardown(test, &t);
}

/* No range of no pages, none past the last pfn, none without its node. */
static void dcma_alloc_create_bad_test(struct kunit *test)
{
	const struct dcma_allocator_ops *ops = alloc_test_ops(test);
	void *node, *state;

	node = ops->node_size ? kzalloc(ops->node_size, GFP_KERNEL) : NULL;
	if (ops->node_size)
		KUNIT_ASSERT_NOT_NULL(test, node);
	state = ops->create(ALLOC_TEST_BASE, 0, node);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(state), -EINVAL);
	state = ops->create(ULONG_MAX - 3, 8, node);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(state), -EINVAL);
	if (ops->node_size) {
		state = ops->create(ALLOC_TEST_BASE, 16, NULL);
		KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(state), -EINVAL);
	}
	kfree(node);
}

/*
 * Bad requests: no pages, an alignment that is not a power of two, more
 * pages than the range has, an alignment no pfn of the range meets.
 */
static void dcma_alloc_bad_request_test(struct kunit *test)
{
	struct alloc_test t;
	unsigned long off;

	alloc_test_setup(test, &t, ALLOC_TEST_BASE, ALLOC_TEST_PAGES);
	KUNIT_EXPECT_EQ(test, alloc_test_alloc(test, &t, 0, 1, &off), -EINVAL);
	KUNIT_EXPECT_EQ(test, alloc_test_alloc(test, &t, 1, 0, &off), -EINVAL);
	KUNIT_EXPECT_EQ(test, alloc_test_alloc(test, &t, 1, 3, &off), -EINVAL);
	KUNIT_EXPECT_EQ(test, alloc_test_alloc(test, &t, ALLOC_TEST_PAGES + 1,
					       1, &off), -ENOMEM);
	KUNIT_EXPECT_EQ(test, alloc_test_alloc(test, &t, 1, 1UL << 20, &off),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, alloc_test_alloc(test, &t, 1,
					       1UL << (BITS_PER_LONG - 1),
					       &off), -ENOMEM);
	alloc_test_check_info(test, &t);
	alloc_test_teardown(test, &t);
}

/*
 * The base is not aligned, so a request aligned to 8 starts at the first
 * multiple of 8 above it, and the pages below stay a hole of their own.
 */
static void dcma_alloc_align_test(struct kunit *test)
{
	static const unsigned long aligns[] = { 1, 2, 4, 8, 16, 32, 64 };
	struct alloc_test t;
	unsigned int i;

	alloc_test_setup(test, &t, ALLOC_TEST_BASE, ALLOC_TEST_PAGES);
	for (i = 0; i < ARRAY_SIZE(aligns); i++)
		alloc_test_expect_alloc(test, &t, 3, aligns[i]);
	alloc_test_teardown(test, &t);
}

/*
 * Where the allocators differ.  With holes of 6, 2, 4 and 3 pages, "ff"
 * puts 2 pages at the start of the first hole and 3 pages right after
 * them; "bf" puts the 2 pages in the 2-page hole and the 3 pages in the
 * 3-page one.  Aligned to 4, 4 pages then go to 12 for both.
 *
 *   |......xx..xx....x...|
 */
static void dcma_alloc_placement_test(struct kunit *test)
{
	static const char layout[] = "......xx..xx....x...";
	struct alloc_test t;
	unsigned long off, i;
	bool bf;

	alloc_test_setup(test, &t, 0, strlen(layout));
	bf = t.ops == &dcma_bestfit_ops;
	for (i = 0; i < t.nr_pages; i++)
		KUNIT_ASSERT_EQ(test, alloc_test_alloc(test, &t, 1, 1, &off), 0);
	for (i = 0; i < t.nr_pages; i++)
		if (layout[i] == '.')
			alloc_test_free(test, &t, i);
	KUNIT_EXPECT_EQ(test, alloc_test_expect_alloc(test, &t, 2, 1),
			bf ? 8 : 0);
	KUNIT_EXPECT_EQ(test, alloc_test_expect_alloc(test, &t, 3, 1),
			bf ? 17 : 2);
	KUNIT_EXPECT_EQ(test, alloc_test_expect_alloc(test, &t, 4, 4), 12);
	KUNIT_EXPECT_EQ(test, alloc_test_expect_alloc(test, &t, 4, 1),
			bf ? 0 : ULONG_MAX);
	alloc_test_teardown(test, &t);
}

/* Frees join their neighbours: left, right, both, neither. */
static void dcma_alloc_merge_test(struct kunit *test)
{
	struct alloc_test t;
	unsigned long off, i;

	alloc_test_setup(test, &t, ALLOC_TEST_BASE, 16);
	for (i = 0; i < 4; i++) {
		KUNIT_ASSERT_EQ(test, alloc_test_alloc(test, &t, 4, 1, &off), 0);
		KUNIT_EXPECT_EQ(test, off, i * 4);
	}
	alloc_test_free(test, &t, 4);	/* neither */
	alloc_test_free(test, &t, 0);	/* left of a hole */
	alloc_test_free(test, &t, 12);	/* after the last allocation */
	alloc_test_free(test, &t, 8);	/* both */
	alloc_test_expect_alloc(test, &t, 16, 1);
	alloc_test_teardown(test, &t);
}

/*
 * Random allocations and frees against the map: every allocation at the
 * pfn the placement rule gives, every failure one that no free run could
 * hold, ->info() right after each step, and the range whole at the end.
 */
static void dcma_alloc_random_test(struct kunit *test)
{
	struct rnd_state rnd;
	struct alloc_test t;
	unsigned long nr, align, off;
	unsigned int step;

	prandom_seed_state(&rnd, 0xdc3a);
	alloc_test_setup(test, &t, ALLOC_TEST_BASE, ALLOC_TEST_PAGES);
	for (step = 0; step < 3000 && test->status == KUNIT_SUCCESS; step++) {
		if (t.live && prandom_u32_state(&rnd) % 2) {
			off = prandom_u32_state(&rnd) % t.nr_pages;
			off = find_next_bit(t.used, t.nr_pages, off);
			while (off < t.nr_pages && !t.len[off])
				off--;
			if (off < t.nr_pages)
				alloc_test_free(test, &t, off);
			continue;
		}
		nr = 1 + prandom_u32_state(&rnd) % 12;
		align = 1UL << (prandom_u32_state(&rnd) % 5);
		alloc_test_expect_alloc(test, &t, nr, align);
	}
	alloc_test_teardown(test, &t);
	KUNIT_EXPECT_EQ(test, t.live, 0);
}

static const struct dcma_allocator_ops *const dcma_alloc_params[] = {
	&dcma_bestfit_ops,
	&dcma_firstfit_ops,
};

static void dcma_alloc_desc(const struct dcma_allocator_ops *const *ops,
			    char *desc)
{
	strscpy(desc, (*ops)->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(dcma_alloc, dcma_alloc_params, dcma_alloc_desc);

static struct kunit_case dcma_alloc_test_cases[] = {
	KUNIT_CASE_PARAM(dcma_alloc_create_test, dcma_alloc_gen_params),
	KUNIT_CASE_PARAM(dcma_alloc_create_bad_test, dcma_alloc_gen_params),
	KUNIT_CASE_PARAM(dcma_alloc_bad_request_test, dcma_alloc_gen_params),
	KUNIT_CASE_PARAM(dcma_alloc_align_test, dcma_alloc_gen_params),
	KUNIT_CASE_PARAM(dcma_alloc_placement_test, dcma_alloc_gen_params),
	KUNIT_CASE_PARAM(dcma_alloc_merge_test, dcma_alloc_gen_params),
	KUNIT_CASE_PARAM(dcma_alloc_random_test, dcma_alloc_gen_params),
	{}
};

static struct kunit_suite dcma_alloc_test_suite = {
	.name = "dcma_alloc",
	.test_cases = dcma_alloc_test_cases,
};

kunit_test_suite(dcma_alloc_test_suite);

MODULE_DESCRIPTION("KUnit tests for dcma's placement algorithms");
MODULE_LICENSE("GPL");
