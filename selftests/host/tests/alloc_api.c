// SPDX-License-Identifier: GPL-2.0-only
/*
 * Directed checks of the built-in allocators: create, alloc, free, info
 * and destroy on small layouts drawn above each check.
 *
 * In the drawings, '.' is a free page and 'x' an allocated one; a layout
 * starts at pfn 0 unless told otherwise.  Where "bf" and "ff" differ, the
 * check says what each one does.
 */
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <linux/errno.h>
#include <dcma_host.h>

#include "alloc_api.h"
#include "common.h"
#include "model.h"

static inline bool is_bf(const struct dcma_allocator_ops *ops)
{
	return ops == &dcma_bestfit_ops;
}

/*
 * The allocator owns at least one node more than there are live
 * allocations, and at most HR_NODE_SLACK more than that.
 */
#define ASSERT_NODES(_r)	ASSERT_TRUE(hr_nodes_ok(_r))

#define ASSERT_ALLOC(_r, _nr, _align, _want) do {			\
	struct hregion *__ra = (_r);					\
	unsigned long __pfn = 0;					\
	ASSERT_OK(hr_alloc(__ra, (_nr), (_align), &__pfn));		\
	ASSERT_EQ((_want), __pfn);					\
	ASSERT_NODES(__ra);						\
} while (0)

#define ASSERT_ALLOC_FAILS(_r, _nr, _align, _err) do {			\
	struct hregion *__ra = (_r);					\
	unsigned long __pfn = 0;					\
	ASSERT_EQ((_err), hr_alloc(__ra, (_nr), (_align), &__pfn));	\
	ASSERT_NODES(__ra);						\
} while (0)

#define ASSERT_FREE(_r, _pfn) do {					\
	struct hregion *__ra = (_r);					\
	ASSERT_OK(hr_free(__ra, (_pfn)));				\
	ASSERT_NODES(__ra);						\
} while (0)

/*
 * A new region is one hole, and the allocator owns just the node given to
 * ->create():
 *
 *   pfn 100
 *   |................|
 */
static int create_simple_check(const struct dcma_allocator_ops *ops)
{
	struct hregion r;

	ASSERT_OK(hr_create(&r, ops, 100, 16));
	ASSERT_INFO(&r, 16, 16, 1);
	ASSERT_NODES(&r);
	ASSERT_OK(hr_teardown(&r));
	return 0;
}

/*
 * No region of no pages, none that runs past the last pfn, no "bf" region
 * without a node, no "ff" region too large for its bitmap.  The node stays
 * with the caller.
 */
static int create_invalid_check(const struct dcma_allocator_ops *ops)
{
	struct hregion r;
	void *state;

	ASSERT_EQ(-EINVAL, hr_create(&r, ops, 0, 0));
	ASSERT_EQ(-EINVAL, hr_create(&r, ops, ULONG_MAX - 3, 8));
	if (is_bf(ops)) {
		state = ops->create(0, 16, NULL);
		ASSERT_TRUE(IS_ERR(state));
		ASSERT_EQ(-EINVAL, PTR_ERR(state));
	} else {
		ASSERT_EQ(-EINVAL, hr_create(&r, ops, 0, (unsigned long)INT_MAX + 1));
	}
	return 0;
}

/* Every allocation ->create() makes may fail; nothing leaks then. */
static int create_nomem_check(const struct dcma_allocator_ops *ops)
{
	struct hregion r;
	unsigned long k;
	int ret;

	for (k = 1; k < 10; k++) {
		host_kmalloc_fail_in = k;
		ret = hr_create(&r, ops, 0, 64);
		if (!ret)
			break;
		ASSERT_EQ(-ENOMEM, ret);
	}
	host_kmalloc_fail_in = 0;
	/* "bf" allocates its state, "ff" its state and its bitmap. */
	ASSERT_EQ(is_bf(ops) ? 2 : 3, k);
	ASSERT_OK(hr_teardown(&r));
	return 0;
}

/*
 * A region that ends at the last pfn: no arithmetic may overflow.
 *
 *   ULONG_MAX - 64                                 ULONG_MAX
 *   |.AAAAAAAA.......BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB.CCCCCCCCCCCCCCCC.......|
 *    (8 aligned to 8)  (31)                           (16 aligned to 8)
 */
static int create_high_pfn_check(const struct dcma_allocator_ops *ops)
{
	struct hregion r;

	ASSERT_OK(hr_create(&r, ops, ULONG_MAX - 64, 64));
	ASSERT_ALLOC(&r, 8, 8, ULONG_MAX - 63);
	/* The next multiple of 32 leaves 31 pages. */
	ASSERT_ALLOC_FAILS(&r, 32, 32, -ENOMEM);
	ASSERT_ALLOC(&r, 31, 1, ULONG_MAX - 55);
	ASSERT_ALLOC_FAILS(&r, 24, 8, -ENOMEM);
	ASSERT_ALLOC(&r, 16, 8, ULONG_MAX - 23);
	ASSERT_INFO(&r, 9, 7, 3);
	ASSERT_OK(hr_teardown(&r));
	ASSERT_WARNINGS(0);
	return 0;
}

/*
 * A region of 2^40 pages from pfn 2^40 costs "bf" one node; "ff" refuses
 * a bitmap that large.
 *
 *   2^40              2^40 + 2^39
 *   |AAAA...AAAA|BBB.......................|
 *    (2^39 aligned to 2^39) (3 aligned to 2^20)
 */
static int create_huge_region_check(const struct dcma_allocator_ops *ops)
{
	const unsigned long base = 1UL << 40, half = 1UL << 39;
	struct hregion r;

	if (!is_bf(ops)) {
		ASSERT_EQ(-EINVAL, hr_create(&r, ops, base, 2 * half));
		return 0;
	}
	ASSERT_OK(hr_create(&r, ops, base, 2 * half));
	ASSERT_ALLOC(&r, half, half, base);
	ASSERT_ALLOC(&r, 3, 1UL << 20, base + half);
	ASSERT_INFO(&r, half - 3, half - 3, 1);
	ASSERT_OK(hr_teardown(&r));
	return 0;
}

/*
 * The first pfn of an allocation is a multiple of the alignment, counted
 * from pfn 0, not from the base:
 *
 *   pfn 3     8       16   20
 *   |.....AAAAAAAA........BBBB.......................|
 *    .C...  (8 aligned to 8), (4 aligned to 16), C: 1 aligned to 2
 */
static int alloc_align_check(const struct dcma_allocator_ops *ops)
{
	struct hregion r;

	ASSERT_OK(hr_create(&r, ops, 3, 40));
	ASSERT_ALLOC(&r, 8, 8, 8);
	ASSERT_ALLOC(&r, 4, 16, 16);
	ASSERT_ALLOC(&r, 1, 2, 4);
	ASSERT_INFO(&r, 27, 23, 3);
	ASSERT_OK(hr_teardown(&r));
	return 0;
}

/*
 * The same far from pfn 0, in a region of 100 pages from pfn 1000003:
 *
 *   1000003   1000032     1000064        1000096
 *   |.........?...........A..............?......|
 *
 * A: 1 page aligned to 64.  No multiple of 128 is left.  2 pages aligned
 * to 32: "ff" takes the lowest, 1000032; "bf" takes them from the
 * smallest hole that is sure to fit, the one above A, at 1000096.
 */
static int alloc_align_base_check(const struct dcma_allocator_ops *ops)
{
	struct hregion r;

	ASSERT_OK(hr_create(&r, ops, 1000003, 100));
	ASSERT_ALLOC(&r, 1, 64, 1000064);
	ASSERT_ALLOC_FAILS(&r, 1, 128, -ENOMEM);
	ASSERT_ALLOC(&r, 2, 32, is_bf(ops) ? 1000096 : 1000032);
	ASSERT_OK(hr_teardown(&r));
	return 0;
}

/*
 * An exact fit uses up a hole:
 *
 *   |xx.....xx...xxxx|
 *      A(5)    B(3)
 *
 * 3 pages: "bf" fills B and leaves one hole; "ff" takes the start of A.
 */
static int alloc_exact_fit_check(const struct dcma_allocator_ops *ops)
{
	struct hregion r;

	ASSERT_OK(hr_layout(&r, ops, 0, "xx.....xx...xxxx"));
	ASSERT_INFO(&r, 8, 5, 2);
	if (is_bf(ops)) {
		ASSERT_ALLOC(&r, 3, 1, 9);
		ASSERT_INFO(&r, 5, 5, 1);
	} else {
		ASSERT_ALLOC(&r, 3, 1, 2);
		ASSERT_INFO(&r, 5, 3, 2);
	}
	ASSERT_OK(hr_teardown(&r));
	return 0;
}

/*
 * Best fit against first fit:
 *
 *   |x.....x...x........x|
 *     A(5)  B(3) C(8)
 *
 *          bf          ff
 *   3      B (7)       A (1)
 *   4      A (1)       C (11)
 *   8      C (11)      none: holes of 2, 3 and 4 pages are left
 */
static int alloc_choice_check(const struct dcma_allocator_ops *ops)
{
	struct hregion r;

	ASSERT_OK(hr_layout(&r, ops, 0, "x.....x...x........x"));
	if (is_bf(ops)) {
		ASSERT_ALLOC(&r, 3, 1, 7);
		ASSERT_ALLOC(&r, 4, 1, 1);
		ASSERT_ALLOC(&r, 8, 1, 11);
		ASSERT_INFO(&r, 1, 1, 1);
	} else {
		ASSERT_ALLOC(&r, 3, 1, 1);
		ASSERT_ALLOC(&r, 4, 1, 11);
		ASSERT_ALLOC_FAILS(&r, 8, 1, -ENOMEM);
		ASSERT_INFO(&r, 9, 4, 3);
	}
	ASSERT_OK(hr_teardown(&r));
	return 0;
}

/*
 * Among holes of the same size the lowest goes first:
 *
 *   |x...x..x...x|
 *     A(3) B(2) C(3)
 *
 * 3 pages go to A, then 3 to C, then 2 to B, with either allocator.
 */
static int alloc_equal_holes_check(const struct dcma_allocator_ops *ops)
{
	struct hregion r;

	ASSERT_OK(hr_layout(&r, ops, 0, "x...x..x...x"));
	ASSERT_ALLOC(&r, 3, 1, 1);
	ASSERT_ALLOC(&r, 3, 1, 8);
	ASSERT_ALLOC(&r, 2, 1, 5);
	ASSERT_INFO(&r, 0, 0, 0);
	ASSERT_OK(hr_teardown(&r));
	return 0;
}

/*
 * A hole smaller than nr + align - 1 still fits when it is aligned right:
 *
 *   |x.......xxxx..xx|
 *     A(7)        B(2)
 *
 * 2 pages aligned to 4: "bf" fills B (12), then takes 4 from A; "ff" takes
 * 4 from A, then B.
 */
static int alloc_tight_align_check(const struct dcma_allocator_ops *ops)
{
	struct hregion r;

	ASSERT_OK(hr_layout(&r, ops, 0, "x.......xxxx..xx"));
	ASSERT_ALLOC(&r, 2, 4, is_bf(ops) ? 12 : 4);
	ASSERT_ALLOC(&r, 2, 4, is_bf(ops) ? 4 : 12);
	ASSERT_INFO(&r, 5, 3, 2);
	ASSERT_OK(hr_teardown(&r));
	return 0;
}

/*
 * Small holes that are aligned wrong are passed over:
 *
 *   |x...x...xxxx......|
 *     A(3) B(3)   C(6)
 *
 * 2 pages aligned to 4 fit neither in A (4 is taken) nor in B (8 is
 * taken): both allocators take 12 from C.
 */
static int alloc_misaligned_skip_check(const struct dcma_allocator_ops *ops)
{
	struct hregion r;

	ASSERT_OK(hr_layout(&r, ops, 0, "x...x...xxxx......"));
	ASSERT_ALLOC(&r, 2, 4, 12);
	ASSERT_INFO(&r, 10, 4, 3);
	ASSERT_OK(hr_teardown(&r));
	return 0;
}

/*
 * MODEL_BF_SCAN (S) 2-page holes at odd pfns, then a 2-page hole at an
 * even pfn and, with @sure, a 5-page hole; for S = 8:
 *
 *   |x..xx..xx..xx..xx..xx..xx..xx..xxx..x.....|
 *     1   5   9  13  17  21  25  29   34  37
 */
static const char *scan_layout(char *buf, bool sure)
{
	char *p = buf;
	int i;

	*p++ = 'x';
	for (i = 0; i < MODEL_BF_SCAN; i++)
		p = stpcpy(p, "..xx");
	strcpy(p, sure ? "x..x....." : "x..x");
	return buf;
}

#define SCAN_LAYOUT_LEN	(4 * MODEL_BF_SCAN + 11)

/*
 * The bounded scan of "bf" gives up after S holes that cannot fit.  2
 * pages aligned to 2: the S 2-page holes at odd pfns cannot hold them,
 * the next one (4S + 2) could, but "bf" stops looking and takes the
 * smallest hole that is sure to fit (4S + 5, at 4S + 6).  "ff" takes
 * 4S + 2.
 */
static int alloc_scan_limit_check(const struct dcma_allocator_ops *ops)
{
	char layout[SCAN_LAYOUT_LEN];
	struct hregion r;

	ASSERT_OK(hr_layout(&r, ops, 0, scan_layout(layout, true)));
	ASSERT_INFO(&r, 2 * MODEL_BF_SCAN + 7, 5, MODEL_BF_SCAN + 2);
	if (is_bf(ops)) {
		ASSERT_ALLOC(&r, 2, 2, 4 * MODEL_BF_SCAN + 6);
		ASSERT_INFO(&r, 2 * MODEL_BF_SCAN + 5, 2, MODEL_BF_SCAN + 3);
	} else {
		ASSERT_ALLOC(&r, 2, 2, 4 * MODEL_BF_SCAN + 2);
		ASSERT_INFO(&r, 2 * MODEL_BF_SCAN + 5, 5, MODEL_BF_SCAN + 1);
	}
	ASSERT_OK(hr_teardown(&r));
	return 0;
}

/*
 * Without a hole that is sure to fit, "bf" looks further than S holes:
 * it fails only when nothing fits.
 */
static int alloc_scan_fallback_check(const struct dcma_allocator_ops *ops)
{
	char layout[SCAN_LAYOUT_LEN];
	struct hregion r;

	ASSERT_OK(hr_layout(&r, ops, 0, scan_layout(layout, false)));
	ASSERT_ALLOC(&r, 2, 2, 4 * MODEL_BF_SCAN + 2);
	ASSERT_INFO(&r, 2 * MODEL_BF_SCAN, 2, MODEL_BF_SCAN);
	ASSERT_ALLOC_FAILS(&r, 2, 2, -ENOMEM);
	ASSERT_ALLOC(&r, 2, 1, 1);
	ASSERT_OK(hr_teardown(&r));
	return 0;
}

/*
 * The whole region in one allocation, when aligned right:
 *
 *   pfn 8
 *   |AAAAAAAAAAAAAAAA|
 */
static int alloc_full_region_check(const struct dcma_allocator_ops *ops)
{
	struct hregion r;

	ASSERT_OK(hr_create(&r, ops, 8, 16));
	ASSERT_ALLOC(&r, 16, 8, 8);
	ASSERT_INFO(&r, 0, 0, 0);
	ASSERT_ALLOC_FAILS(&r, 1, 1, -ENOMEM);
	ASSERT_FREE(&r, 8);
	ASSERT_INFO(&r, 16, 16, 1);
	/* 8 is no multiple of 16. */
	ASSERT_ALLOC_FAILS(&r, 16, 16, -ENOMEM);
	ASSERT_ALLOC(&r, 16, 1, 8);
	ASSERT_OK(hr_teardown(&r));
	return 0;
}

/*
 * Half the region is free, yet no two free pages are adjacent:
 *
 *   |.x.x.x.x.x.x.x.x|
 *
 * 2 pages fail; single pages aligned to 4 go to 0 then 4; one aligned to
 * 16 fails (0 is taken).
 */
static int alloc_fragmented_fail_check(const struct dcma_allocator_ops *ops)
{
	struct hregion r;

	ASSERT_OK(hr_layout(&r, ops, 0, ".x.x.x.x.x.x.x.x"));
	ASSERT_INFO(&r, 8, 1, 8);
	ASSERT_ALLOC_FAILS(&r, 2, 1, -ENOMEM);
	ASSERT_ALLOC(&r, 1, 4, 0);
	ASSERT_ALLOC(&r, 1, 4, 4);
	ASSERT_ALLOC_FAILS(&r, 1, 16, -ENOMEM);
	ASSERT_INFO(&r, 6, 1, 6);
	ASSERT_OK(hr_teardown(&r));
	return 0;
}

/* More pages than the region or its free part has fail. */
static int alloc_too_big_check(const struct dcma_allocator_ops *ops)
{
	struct hregion r;

	ASSERT_OK(hr_create(&r, ops, 0, 16));
	ASSERT_ALLOC_FAILS(&r, 17, 1, -ENOMEM);
	ASSERT_ALLOC_FAILS(&r, ULONG_MAX, 1, -ENOMEM);
	ASSERT_ALLOC(&r, 8, 1, 0);
	ASSERT_ALLOC_FAILS(&r, 9, 1, -ENOMEM);
	ASSERT_OK(hr_teardown(&r));
	return 0;
}

/* No pages, or an alignment that is not a power of two, is invalid. */
static int alloc_invalid_check(const struct dcma_allocator_ops *ops)
{
	struct hregion r;

	ASSERT_OK(hr_create(&r, ops, 0, 16));
	ASSERT_ALLOC_FAILS(&r, 0, 1, -EINVAL);
	ASSERT_ALLOC_FAILS(&r, 1, 0, -EINVAL);
	ASSERT_ALLOC_FAILS(&r, 1, 3, -EINVAL);
	ASSERT_ALLOC_FAILS(&r, 1, 6, -EINVAL);
	ASSERT_INFO(&r, 16, 16, 1);
	ASSERT_OK(hr_teardown(&r));
	return 0;
}

/*
 * Alignments far beyond the region: pfn 0 is a multiple of anything, and
 * 1000003 is followed by no multiple of 2^40 in the region.
 */
static int alloc_huge_align_check(const struct dcma_allocator_ops *ops)
{
	struct hregion r;

	ASSERT_OK(hr_create(&r, ops, 0, 16));
	ASSERT_ALLOC(&r, 1, 1UL << 40, 0);
	ASSERT_ALLOC_FAILS(&r, 1, 1UL << 63, -ENOMEM);
	ASSERT_FREE(&r, 0);
	ASSERT_ALLOC(&r, 1, 1UL << 63, 0);
	ASSERT_OK(hr_teardown(&r));

	ASSERT_OK(hr_create(&r, ops, 1000003, 16));
	ASSERT_ALLOC_FAILS(&r, 1, 1UL << 40, -ENOMEM);
	ASSERT_ALLOC_FAILS(&r, 1, 1UL << 63, -ENOMEM);
	ASSERT_OK(hr_teardown(&r));
	return 0;
}

/*
 * An allocation inside a hole leaves a hole on each side; "bf" asks for a
 * node for the second one.
 *
 *   pfn 1      8       12
 *   |.......AAAA.....|
 */
static int alloc_split_check(const struct dcma_allocator_ops *ops)
{
	struct hregion r;

	ASSERT_OK(hr_create(&r, ops, 1, 16));
	ASSERT_ALLOC(&r, 4, 8, 8);
	ASSERT_INFO(&r, 12, 7, 2);
	ASSERT_FREE(&r, 8);
	ASSERT_INFO(&r, 16, 16, 1);
	ASSERT_OK(hr_teardown(&r));
	return 0;
}

/*
 * A freed page between allocated ones is a hole of its own:
 *
 *   |xxxxx|  ->  |xx.xx|  ->  |.x.xx|  ->  |.x.x.|
 */
static int free_isolated_check(const struct dcma_allocator_ops *ops)
{
	struct hregion r;

	ASSERT_OK(hr_layout(&r, ops, 0, "xxxxx"));
	ASSERT_INFO(&r, 0, 0, 0);
	ASSERT_FREE(&r, 2);
	ASSERT_INFO(&r, 1, 1, 1);
	ASSERT_FREE(&r, 0);
	ASSERT_INFO(&r, 2, 1, 2);
	ASSERT_FREE(&r, 4);
	ASSERT_INFO(&r, 3, 1, 3);
	ASSERT_OK(hr_teardown(&r));
	return 0;
}

/*
 * A freed page joins the hole on its left:
 *
 *   |..xxx|  ->  |...xx|
 */
static int free_merge_left_check(const struct dcma_allocator_ops *ops)
{
	struct hregion r;

	ASSERT_OK(hr_layout(&r, ops, 0, "..xxx"));
	ASSERT_FREE(&r, 2);
	ASSERT_INFO(&r, 3, 3, 1);
	ASSERT_ALLOC(&r, 3, 1, 0);
	ASSERT_OK(hr_teardown(&r));
	return 0;
}

/*
 * A freed page joins the hole on its right:
 *
 *   |xxx..|  ->  |xx...|
 */
static int free_merge_right_check(const struct dcma_allocator_ops *ops)
{
	struct hregion r;

	ASSERT_OK(hr_layout(&r, ops, 0, "xxx.."));
	ASSERT_FREE(&r, 2);
	ASSERT_INFO(&r, 3, 3, 1);
	ASSERT_ALLOC(&r, 3, 1, 2);
	ASSERT_OK(hr_teardown(&r));
	return 0;
}

/*
 * A freed page joins the holes on both sides into one; "bf" keeps the
 * node of one of them as a spare, or hands it back.
 *
 *   |..x..|  ->  |.....|
 */
static int free_merge_both_check(const struct dcma_allocator_ops *ops)
{
	struct hregion r;

	ASSERT_OK(hr_layout(&r, ops, 0, "..x.."));
	ASSERT_INFO(&r, 4, 2, 2);
	ASSERT_FREE(&r, 2);
	ASSERT_INFO(&r, 5, 5, 1);
	ASSERT_ALLOC(&r, 5, 1, 0);
	ASSERT_OK(hr_teardown(&r));
	return 0;
}

/*
 * Freeing outside the region, or nothing, warns and changes nothing; so
 * does freeing free pages with "bf" ("ff", like mainline CMA, cannot tell).
 *
 *   pfn 10
 *   |xx..xxxx|
 */
static int free_misuse_check(const struct dcma_allocator_ops *ops)
{
	struct hregion r;

	ASSERT_OK(hr_layout(&r, ops, 10, "xx..xxxx"));
	ASSERT_TRUE(!hr_free_raw(&r, 9, 1));
	ASSERT_WARNINGS(1);
	ASSERT_TRUE(!hr_free_raw(&r, 17, 2));
	ASSERT_WARNINGS(1);
	ASSERT_TRUE(!hr_free_raw(&r, 10, 0));
	ASSERT_WARNINGS(1);
	ASSERT_TRUE(!hr_free_raw(&r, ULONG_MAX, 2));
	ASSERT_WARNINGS(1);
	if (is_bf(ops)) {
		ASSERT_TRUE(!hr_free_raw(&r, 12, 1));
		ASSERT_WARNINGS(1);
		ASSERT_TRUE(!hr_free_raw(&r, 11, 2));
		ASSERT_WARNINGS(1);
		ASSERT_TRUE(!hr_free_raw(&r, 13, 2));
		ASSERT_WARNINGS(1);
		ASSERT_TRUE(!hr_free_raw(&r, 10, 8));
		ASSERT_WARNINGS(1);
	}
	ASSERT_INFO(&r, 2, 2, 1);
	ASSERT_NODES(&r);
	ASSERT_OK(hr_teardown(&r));
	return 0;
}

/*
 * ->info() counts free pages, the longest hole and the holes:
 *
 *   |x..xxx....x.x|  7 free, longest 4, 3 holes
 */
static int info_figures_check(const struct dcma_allocator_ops *ops)
{
	struct hregion r;

	ASSERT_OK(hr_layout(&r, ops, 0, "x..xxx....x.x"));
	ASSERT_INFO(&r, 7, 4, 3);
	ASSERT_ALLOC(&r, 4, 1, 6);
	ASSERT_INFO(&r, 3, 2, 2);
	ASSERT_ALLOC(&r, 2, 1, 1);
	ASSERT_ALLOC(&r, 1, 1, 11);
	ASSERT_INFO(&r, 0, 0, 0);
	ASSERT_OK(hr_teardown(&r));
	return 0;
}

/*
 * Node accounting through every kind of step: an allocation that leaves
 * one hole, one that splits a hole, an exact fit, and frees that make a
 * new hole, extend one or join two.  After each, the allocator owns one
 * node more than there are allocations, with at most HR_NODE_SLACK
 * spares beyond (ASSERT_NODES).
 *
 *   |AAAA....BBBB....................|  then C fills 4..7, then frees
 */
static int nodes_accounting_check(const struct dcma_allocator_ops *ops)
{
	struct hregion r;

	ASSERT_OK(hr_create(&r, ops, 0, 32));
	ASSERT_ALLOC(&r, 4, 1, 0);
	ASSERT_ALLOC(&r, 4, 8, 8);
	ASSERT_ALLOC(&r, 4, 1, 4);
	ASSERT_INFO(&r, 20, 20, 1);
	ASSERT_FREE(&r, 4);
	ASSERT_INFO(&r, 24, 20, 2);
	ASSERT_FREE(&r, 0);
	ASSERT_INFO(&r, 28, 20, 2);
	ASSERT_FREE(&r, 8);
	ASSERT_INFO(&r, 32, 32, 1);
	ASSERT_OK(hr_teardown(&r));
	return 0;
}

/*
 * A steady stream of allocations and frees, each allocation freed before
 * the next, hands no node either way once it has run a round: an
 * allocation that splits a hole and the free that joins it up again,
 * then one that shortens a hole and the free that extends it, with
 * other allocations live throughout.
 *
 *   |AA..BB..........|  then C at 8 and freed, D at 2 and freed, again
 */
static int nodes_steady_check(const struct dcma_allocator_ops *ops)
{
	unsigned long given = 0, back = 0, pfn;
	struct hregion r;
	int i;

	ASSERT_OK(hr_create(&r, ops, 0, 16));
	ASSERT_ALLOC(&r, 2, 1, 0);
	ASSERT_ALLOC(&r, 2, 4, 4);
	for (i = 0; i < 100; i++) {
		if (i == 1) {
			given = r.nodes_given;
			back = r.nodes_back;
		}
		ASSERT_ALLOC(&r, 2, 4, 8);
		ASSERT_INFO(&r, 10, 6, 3);
		ASSERT_FREE(&r, 8);
		ASSERT_ALLOC(&r, 1, 1, 2);
		ASSERT_FREE(&r, 2);
	}
	ASSERT_EQ(given, r.nodes_given);
	ASSERT_EQ(back, r.nodes_back);
	ASSERT_OK(hr_teardown(&r));
	return 0;
}

/*
 * Destroying a region that still has allocations warns, and still frees
 * everything (no leak, no node left behind).
 */
static int destroy_busy_check(const struct dcma_allocator_ops *ops)
{
	struct hregion r;
	unsigned long pfn;

	ASSERT_OK(hr_create(&r, ops, 0, 16));
	ASSERT_OK(hr_alloc(&r, 3, 1, &pfn));
	ASSERT_OK(hr_alloc(&r, 3, 8, &pfn));
	hr_destroy(&r);
	ASSERT_WARNINGS(1);
	return 0;
}

void alloc_api_checks(void)
{
	const struct dcma_allocator_ops *const *ops = host_allocators;
	size_t i;

	for (i = 0; i < HOST_NR_ALLOCATORS; i++) {
		RUN_CHECK(create_simple_check, ops[i]);
		RUN_CHECK(create_invalid_check, ops[i]);
		RUN_CHECK(create_nomem_check, ops[i]);
		RUN_CHECK(create_high_pfn_check, ops[i]);
		RUN_CHECK(create_huge_region_check, ops[i]);
		RUN_CHECK(alloc_align_check, ops[i]);
		RUN_CHECK(alloc_align_base_check, ops[i]);
		RUN_CHECK(alloc_exact_fit_check, ops[i]);
		RUN_CHECK(alloc_choice_check, ops[i]);
		RUN_CHECK(alloc_equal_holes_check, ops[i]);
		RUN_CHECK(alloc_tight_align_check, ops[i]);
		RUN_CHECK(alloc_misaligned_skip_check, ops[i]);
		RUN_CHECK(alloc_scan_limit_check, ops[i]);
		RUN_CHECK(alloc_scan_fallback_check, ops[i]);
		RUN_CHECK(alloc_full_region_check, ops[i]);
		RUN_CHECK(alloc_fragmented_fail_check, ops[i]);
		RUN_CHECK(alloc_too_big_check, ops[i]);
		RUN_CHECK(alloc_invalid_check, ops[i]);
		RUN_CHECK(alloc_huge_align_check, ops[i]);
		RUN_CHECK(alloc_split_check, ops[i]);
		RUN_CHECK(free_isolated_check, ops[i]);
		RUN_CHECK(free_merge_left_check, ops[i]);
		RUN_CHECK(free_merge_right_check, ops[i]);
		RUN_CHECK(free_merge_both_check, ops[i]);
		RUN_CHECK(free_misuse_check, ops[i]);
		RUN_CHECK(info_figures_check, ops[i]);
		RUN_CHECK(nodes_accounting_check, ops[i]);
		RUN_CHECK(nodes_steady_check, ops[i]);
		RUN_CHECK(destroy_busy_check, ops[i]);
	}
}
