// SPDX-License-Identifier: GPL-2.0-only
/*
 * dcma best-fit allocator ("bf"), the default placement algorithm.
 *
 * The free page frames of a region are kept as holes, maximal runs of free
 * pages, each described by one node.  Every hole sits in two rbtrees: one
 * ordered by first pfn, used to find and merge the neighbours of a freed
 * range, and one ordered by (size, first pfn), used to find the best fit.
 * Nodes that describe no hole wait on a spare list.  The allocator owns
 * at least (live allocations + 1) nodes, so that a free always has one
 * for a new hole.  A free gives back what goes beyond (live allocations
 * + 2), so that a steady stream of allocations each freed before the
 * next hands no node to and fro (see allocator.h); allocations that
 * asked for a node and then failed, racing with others, may leave a few
 * more until later allocations use them.
 *
 * Placement rule for a request of @nr pages aligned to @align (a power of
 * two, applied to the absolute pfn).  A hole "fits" when it holds an
 * aligned run of @nr pages; a hole of at least @nr + @align - 1 pages
 * always fits.  Let S be the holes of at least @nr pages in (size, pfn)
 * order and W the first holes of S, at most DCMA_BF_SCAN of them, that are
 * smaller than @nr + @align - 1.
 *
 *  1. If a hole of W fits, take the first one that fits: the smallest
 *     fitting hole, the lowest one among equals.
 *  2. Otherwise, if some hole has at least @nr + @align - 1 pages, take the
 *     smallest such hole, the lowest one among equals.
 *  3. Otherwise take the first hole of S that fits, or fail when none does.
 *
 * The chosen hole is thus the smallest fitting one except when the bounded
 * scan of step 1 gave up and step 2 found a hole; then it is the smallest
 * hole that is sure to fit.  Step 3 keeps the allocator complete: a request
 * fails only when no hole fits.  The run starts at the first aligned pfn of
 * the hole, so the hole leaves at most two smaller holes, a head below
 * @align pages and a tail.
 *
 * Cost: O(log n) in the number of holes for every operation, plus at most
 * DCMA_BF_SCAN neighbour steps in the size tree.  Step 3, which only runs
 * when no hole is sure to fit, may walk every hole of S.  With @align 1,
 * W is always empty and step 3 never runs.
 */

#include <linux/bug.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/log2.h>
#include <linux/rbtree.h>
#include <linux/slab.h>

#include "allocator.h"

/*
 * How many holes too small to be sure to fit one allocation looks at.  In
 * a churn of mixed sizes at 70-90% occupancy (20 seeds) a scan of 8
 * passed over fitting holes often enough to fail 0.5% more requests; 32
 * fails none more than an unbounded scan does there.
 */
#define DCMA_BF_SCAN	32

/**
 * struct dcma_bf_hole - bookkeeping node: a hole, or a spare
 * @by_addr: in &dcma_bf.by_addr while the node describes a hole
 * @by_size: in &dcma_bf.by_size while the node describes a hole
 * @spare: in &dcma_bf.spare while it does not
 * @start: first pfn of the hole
 * @nr: pages in the hole
 */
struct dcma_bf_hole {
	struct rb_node by_addr;
	union {
		struct rb_node by_size;
		struct list_head spare;
	};
	unsigned long start;
	unsigned long nr;
};

/**
 * struct dcma_bf - state of one region
 * @by_addr: holes by first pfn
 * @by_size: holes by (size, first pfn)
 * @spare: nodes that describe no hole
 * @base_pfn: first pfn of the region
 * @nr_pages: pages in the region
 * @free_pages: pages in all holes
 * @nr_holes: number of holes
 * @nr_nodes: nodes owned: the holes' and the spares
 * @nr_allocs: live allocations
 */
struct dcma_bf {
	struct rb_root by_addr;
	struct rb_root by_size;
	struct list_head spare;
	unsigned long base_pfn;
	unsigned long nr_pages;
	unsigned long free_pages;
	unsigned long nr_holes;
	unsigned long nr_nodes;
	unsigned long nr_allocs;
};

static inline struct dcma_bf_hole *addr_hole(struct rb_node *node)
{
	return rb_entry_safe(node, struct dcma_bf_hole, by_addr);
}

static inline struct dcma_bf_hole *size_hole(struct rb_node *node)
{
	return rb_entry_safe(node, struct dcma_bf_hole, by_size);
}

static bool bf_addr_less(struct rb_node *a, const struct rb_node *b)
{
	return rb_entry(a, struct dcma_bf_hole, by_addr)->start <
	       rb_entry(b, struct dcma_bf_hole, by_addr)->start;
}

static bool bf_size_less(struct rb_node *a, const struct rb_node *b)
{
	const struct dcma_bf_hole *ha = rb_entry(a, struct dcma_bf_hole,
						 by_size);
	const struct dcma_bf_hole *hb = rb_entry(b, struct dcma_bf_hole,
						 by_size);

	if (ha->nr != hb->nr)
		return ha->nr < hb->nr;
	return ha->start < hb->start;
}

static void bf_put_spare(struct dcma_bf *bf, void *node)
{
	struct dcma_bf_hole *h = node;

	list_add(&h->spare, &bf->spare);
}

static struct dcma_bf_hole *bf_get_spare(struct dcma_bf *bf)
{
	struct dcma_bf_hole *h;

	h = list_first_entry_or_null(&bf->spare, struct dcma_bf_hole, spare);
	if (h)
		list_del(&h->spare);
	return h;
}

static void bf_insert(struct dcma_bf *bf, struct dcma_bf_hole *h,
		      unsigned long start, unsigned long nr)
{
	h->start = start;
	h->nr = nr;
	rb_add(&h->by_addr, &bf->by_addr, bf_addr_less);
	rb_add(&h->by_size, &bf->by_size, bf_size_less);
	bf->nr_holes++;
}

static void bf_remove(struct dcma_bf *bf, struct dcma_bf_hole *h)
{
	rb_erase(&h->by_addr, &bf->by_addr);
	rb_erase(&h->by_size, &bf->by_size);
	bf->nr_holes--;
}

/*
 * Give @h a new extent.  The caller guarantees that the hole keeps its
 * place among its neighbours by address, so only the size tree changes.
 */
static void bf_resize(struct dcma_bf *bf, struct dcma_bf_hole *h,
		      unsigned long start, unsigned long nr)
{
	rb_erase(&h->by_size, &bf->by_size);
	h->start = start;
	h->nr = nr;
	rb_add(&h->by_size, &bf->by_size, bf_size_less);
}

/* The first hole in (size, pfn) order with at least @nr pages */
static struct dcma_bf_hole *bf_first_at_least(struct dcma_bf *bf,
					      unsigned long nr)
{
	struct rb_node *node = bf->by_size.rb_node;
	struct dcma_bf_hole *found = NULL;

	while (node) {
		struct dcma_bf_hole *h = size_hole(node);

		if (h->nr >= nr) {
			found = h;
			node = node->rb_left;
		} else {
			node = node->rb_right;
		}
	}
	return found;
}

static inline struct dcma_bf_hole *bf_next_by_size(struct dcma_bf_hole *h)
{
	return size_hole(rb_next(&h->by_size));
}

/* Pages from the start of @h to its first pfn that is a multiple of @mask + 1 */
static inline unsigned long bf_head(const struct dcma_bf_hole *h,
				    unsigned long mask)
{
	return (0UL - h->start) & mask;
}

static inline bool bf_fits(const struct dcma_bf_hole *h, unsigned long nr,
			   unsigned long mask)
{
	unsigned long head = bf_head(h, mask);

	return head <= h->nr && h->nr - head >= nr;
}

static struct dcma_bf_hole *bf_choose(struct dcma_bf *bf, unsigned long nr,
				      unsigned long mask)
{
	struct dcma_bf_hole *h, *sure;
	unsigned long sure_nr;
	int scanned;

	/*
	 * Holes of sure_nr pages or more fit whatever their alignment; when
	 * that size overflows, the bf_fits() checks alone decide.
	 */
	if (nr > ULONG_MAX - mask)
		sure_nr = ULONG_MAX;
	else
		sure_nr = nr + mask;

	/*
	 * Step 1.  A hole of sure_nr pages or more always fits: the first
	 * one the scan meets is also the one step 2 would take.
	 */
	h = bf_first_at_least(bf, nr);
	for (scanned = 0; h && scanned < DCMA_BF_SCAN; scanned++) {
		if (bf_fits(h, nr, mask))
			return h;
		h = bf_next_by_size(h);
	}
	if (!h)
		return NULL;

	/* Step 2 */
	sure = bf_first_at_least(bf, sure_nr);
	if (sure && bf_fits(sure, nr, mask))
		return sure;

	/* Step 3: nothing is sure to fit, look at every remaining hole. */
	for (; h; h = bf_next_by_size(h))
		if (bf_fits(h, nr, mask))
			return h;
	return NULL;
}

static void *dcma_bf_create(unsigned long base_pfn, unsigned long nr_pages,
			    void *node)
{
	struct dcma_bf *bf;

	if (!node || !nr_pages || nr_pages > ULONG_MAX - base_pfn)
		return ERR_PTR(-EINVAL);

	bf = kmalloc(sizeof(*bf), GFP_KERNEL);
	if (!bf)
		return ERR_PTR(-ENOMEM);

	bf->by_addr = RB_ROOT;
	bf->by_size = RB_ROOT;
	INIT_LIST_HEAD(&bf->spare);
	bf->base_pfn = base_pfn;
	bf->nr_pages = nr_pages;
	bf->free_pages = nr_pages;
	bf->nr_holes = 0;
	bf->nr_nodes = 1;
	bf->nr_allocs = 0;
	bf_insert(bf, node, base_pfn, nr_pages);
	return bf;
}

static void dcma_bf_destroy(void *state)
{
	struct dcma_bf *bf = state;
	struct dcma_bf_hole *h, *tmp;

	WARN_ON_ONCE(bf->free_pages != bf->nr_pages);

	rbtree_postorder_for_each_entry_safe(h, tmp, &bf->by_addr, by_addr)
		kfree(h);
	list_for_each_entry_safe(h, tmp, &bf->spare, spare)
		kfree(h);
	kfree(bf);
}

static int dcma_bf_alloc(void *state, unsigned long nr, unsigned long align,
			 unsigned long *pfn, void *node)
{
	struct dcma_bf *bf = state;
	struct dcma_bf_hole *h;
	unsigned long mask, head, tail, start;

	if (node) {
		bf_put_spare(bf, node);
		bf->nr_nodes++;
	}
	if (!nr || !is_power_of_2(align))
		return -EINVAL;
	if (nr > bf->free_pages)
		return -ENOMEM;
	/* one node for each allocation and one more, after this one too */
	if (bf->nr_nodes < bf->nr_allocs + 2)
		return -EAGAIN;

	mask = align - 1;
	h = bf_choose(bf, nr, mask);
	if (!h)
		return -ENOMEM;

	head = bf_head(h, mask);
	start = h->start + head;
	tail = h->nr - head - nr;

	if (head && tail) {
		/* Cannot happen: a node is kept for every allocation and one more. */
		if (WARN_ON_ONCE(list_empty(&bf->spare)))
			return -EAGAIN;
		/* The head stays in @h, the tail takes a spare node. */
		bf_resize(bf, h, h->start, head);
		bf_insert(bf, bf_get_spare(bf), start + nr, tail);
	} else if (head) {
		bf_resize(bf, h, h->start, head);
	} else if (tail) {
		bf_resize(bf, h, start + nr, tail);
	} else {
		bf_remove(bf, h);
		bf_put_spare(bf, h);
	}

	bf->free_pages -= nr;
	bf->nr_allocs++;
	*pfn = start;
	return 0;
}

static void *dcma_bf_free(void *state, unsigned long pfn, unsigned long nr)
{
	struct dcma_bf *bf = state;
	struct rb_node *node = bf->by_addr.rb_node;
	struct dcma_bf_hole *prev = NULL, *next = NULL, *h;
	bool join_prev, join_next;

	if (WARN_ON_ONCE(!nr || !bf->nr_allocs || pfn < bf->base_pfn ||
			 pfn - bf->base_pfn >= bf->nr_pages ||
			 nr > bf->nr_pages - (pfn - bf->base_pfn)))
		return NULL;

	/* The last hole below @pfn and the first one from @pfn on */
	while (node) {
		h = addr_hole(node);
		if (h->start < pfn) {
			prev = h;
			node = node->rb_right;
		} else {
			next = h;
			node = node->rb_left;
		}
	}

	/* Freeing pages that are free already would corrupt the trees. */
	if (WARN_ON_ONCE((prev && prev->nr > pfn - prev->start) ||
			 (next && next->start - pfn < nr)))
		return NULL;

	join_prev = prev && prev->start + prev->nr == pfn;
	join_next = next && next->start == pfn + nr;
	bf->free_pages += nr;
	bf->nr_allocs--;

	if (join_prev && join_next) {
		bf_remove(bf, next);
		bf_resize(bf, prev, prev->start, prev->nr + nr + next->nr);
		bf_put_spare(bf, next);
	} else if (join_prev) {
		bf_resize(bf, prev, prev->start, prev->nr + nr);
	} else if (join_next) {
		bf_resize(bf, next, pfn, nr + next->nr);
	} else {
		h = bf_get_spare(bf);
		/* Cannot happen: ->alloc() keeps a node for every free. */
		if (WARN_ON_ONCE(!h)) {
			bf->free_pages -= nr;
			bf->nr_allocs++;
			return NULL;
		}
		bf_insert(bf, h, pfn, nr);
	}

	/* Two nodes more than the allocations are enough. */
	if (bf->nr_nodes <= bf->nr_allocs + 2)
		return NULL;
	h = bf_get_spare(bf);
	if (WARN_ON_ONCE(!h))
		return NULL;
	bf->nr_nodes--;
	return h;
}

static void dcma_bf_info(void *state, struct dcma_alloc_info *info)
{
	struct dcma_bf *bf = state;
	struct dcma_bf_hole *largest = size_hole(rb_last(&bf->by_size));

	info->free_pages = bf->free_pages;
	info->largest_free = largest ? largest->nr : 0;
	info->free_holes = bf->nr_holes;
}

const struct dcma_allocator_ops dcma_bestfit_ops = {
	.name		= "bf",
	.node_size	= sizeof(struct dcma_bf_hole),
	.create		= dcma_bf_create,
	.destroy	= dcma_bf_destroy,
	.alloc		= dcma_bf_alloc,
	.free		= dcma_bf_free,
	.info		= dcma_bf_info,
};
