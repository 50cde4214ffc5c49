// SPDX-License-Identifier: GPL-2.0-only
/*
 * dcma first-fit allocator ("ff"): mainline CMA's placement, kept to
 * measure the best-fit allocator against.
 *
 * One bit per page, set while the page is allocated.  An allocation takes
 * the lowest run of free pages whose first pfn is a multiple of the
 * alignment, found with bitmap_find_next_zero_area_off() exactly as
 * mm/cma.c does (with one page per bit).  Allocating and freeing cost
 * O(region size / BITS_PER_LONG) and need no bookkeeping nodes.
 */

#include <linux/bitmap.h>
#include <linux/bug.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/slab.h>

#include "allocator.h"

/**
 * struct dcma_ff - state of one region
 * @base_pfn: first pfn of the region
 * @nr_pages: pages in the region, one bit each in @bitmap
 * @bitmap: set bits are allocated pages
 */
struct dcma_ff {
	unsigned long base_pfn;
	unsigned long nr_pages;
	unsigned long *bitmap;
};

static void *dcma_ff_create(unsigned long base_pfn, unsigned long nr_pages,
			    void *node)
{
	struct dcma_ff *ff;

	/* The bitmap helpers count bits in int. */
	if (!nr_pages || nr_pages > INT_MAX || nr_pages > ULONG_MAX - base_pfn)
		return ERR_PTR(-EINVAL);

	ff = kmalloc(sizeof(*ff), GFP_KERNEL);
	if (!ff)
		return ERR_PTR(-ENOMEM);

	ff->bitmap = bitmap_zalloc(nr_pages, GFP_KERNEL);
	if (!ff->bitmap) {
		kfree(ff);
		return ERR_PTR(-ENOMEM);
	}
	ff->base_pfn = base_pfn;
	ff->nr_pages = nr_pages;
	return ff;
}

static void dcma_ff_destroy(void *state)
{
	struct dcma_ff *ff = state;

	WARN_ON_ONCE(!bitmap_empty(ff->bitmap, ff->nr_pages));
	bitmap_free(ff->bitmap);
	kfree(ff);
}

static int dcma_ff_alloc(void *state, unsigned long nr, unsigned long align,
			 unsigned long *pfn, void *node)
{
	struct dcma_ff *ff = state;
	unsigned long mask, offset, bit;

	if (!nr || !is_power_of_2(align))
		return -EINVAL;
	if (nr > ff->nr_pages)
		return -ENOMEM;

	mask = align - 1;
	/*
	 * No aligned pfn is low enough.  Checked first, this also keeps the
	 * search below from overflowing with a huge alignment.
	 */
	if (((0UL - ff->base_pfn) & mask) > ff->nr_pages - nr)
		return -ENOMEM;

	/* As cma_bitmap_aligned_mask() and cma_bitmap_aligned_offset() */
	offset = ff->base_pfn & mask;
	bit = bitmap_find_next_zero_area_off(ff->bitmap, ff->nr_pages, 0, nr,
					     mask, offset);
	if (bit >= ff->nr_pages)
		return -ENOMEM;

	bitmap_set(ff->bitmap, bit, nr);
	*pfn = ff->base_pfn + bit;
	return 0;
}

static void *dcma_ff_free(void *state, unsigned long pfn, unsigned long nr)
{
	struct dcma_ff *ff = state;

	if (WARN_ON_ONCE(!nr || pfn < ff->base_pfn ||
			 pfn - ff->base_pfn >= ff->nr_pages ||
			 nr > ff->nr_pages - (pfn - ff->base_pfn)))
		return NULL;

	bitmap_clear(ff->bitmap, pfn - ff->base_pfn, nr);
	return NULL;
}

/* A linear scan of the bitmap, as mainline's cma_maxchunk_get() */
static void dcma_ff_info(void *state, struct dcma_alloc_info *info)
{
	struct dcma_ff *ff = state;
	unsigned long start, end = 0;

	info->free_pages = 0;
	info->largest_free = 0;
	info->free_holes = 0;

	for (;;) {
		start = find_next_zero_bit(ff->bitmap, ff->nr_pages, end);
		if (start >= ff->nr_pages)
			break;
		end = find_next_bit(ff->bitmap, ff->nr_pages, start);
		info->free_pages += end - start;
		info->largest_free = max(info->largest_free, end - start);
		info->free_holes++;
	}
}

const struct dcma_allocator_ops dcma_firstfit_ops = {
	.name		= "ff",
	.node_size	= 0,
	.create		= dcma_ff_create,
	.destroy	= dcma_ff_destroy,
	.alloc		= dcma_ff_alloc,
	.free		= dcma_ff_free,
	.info		= dcma_ff_info,
};
