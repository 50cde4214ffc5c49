// SPDX-License-Identifier: GPL-2.0-only
/*
 * dcma: the pages of a reusable region claimed ahead of demand.
 *
 * The region's pool holds pages that dcma has already taken from the
 * page allocator while no buffer holds them, so that an allocation
 * landing on them has nothing to isolate or migrate.  Four calls change
 * it: dcma_pool_take() (dcma_pool_take_all() for a range the pool holds
 * whole) and dcma_pool_give() (dcma_pool_give_buffer() for a buffer's
 * range at its last put), under the region's lock, move pages out of it
 * and into it, and each kicks the worker (the one place that
 * queues it) when the pool is off its target;
 * dcma_pool_init() sets it up at activation and dcma_pool_set()
 * changes the target.  Shortly after an allocation left the pool
 * short, or a put or a lower target left it too big, the worker claims
 * pages of free pageblocks, lowest first (where both allocators place
 * requests in a region with room), or gives the surplus back, highest
 * first, so the pool drifts to the lowest free pages, where the next
 * requests land.
 *
 * Locking: the worker claims and trims under the region's claim lock,
 * as allocations claim, and changes the bitmap under the region's lock,
 * taken inside the claim lock (see struct dcma_region).
 */

#define pr_fmt(fmt) "dcma: " fmt

#include <linux/bitmap.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "dcma.h"

#include <trace/events/dcma.h>

/* Pool pages in [pfn, pfn + nr).  Called under the region's lock. */
static unsigned long dcma_pool_count(struct dcma_region *r,
				     unsigned long pfn, unsigned long nr)
{
	unsigned long b = pfn - r->base_pfn, e, n = 0;

	lockdep_assert_held(&r->lock);
	for_each_set_bitrange_from(b, e, r->pool, pfn - r->base_pfn + nr)
		n += e - b;
	return n;
}

/*
 * The first run of pages outside the pool in [pfn, end): returns its
 * first pfn, or @end when there is none, and its end in *@run_end.  Takes
 * the region's lock.
 */
unsigned long dcma_pool_next_gap(struct dcma_region *r, unsigned long pfn,
				 unsigned long end, unsigned long *run_end)
{
	unsigned long b = pfn - r->base_pfn, e = end - r->base_pfn, flags;

	spin_lock_irqsave(&r->lock, flags);
	b = find_next_zero_bit(r->pool, e, b);
	*run_end = r->base_pfn + find_next_bit(r->pool, e, b);
	spin_unlock_irqrestore(&r->lock, flags);
	return r->base_pfn + b;
}

/*
 * Whether all of [pfn, pfn + nr) is in the pool.  Called under the
 * region's lock.
 */
bool dcma_pool_holds(struct dcma_region *r, unsigned long pfn,
		     unsigned long nr)
{
	unsigned long b = pfn - r->base_pfn;

	lockdep_assert_held(&r->lock);
	return r->pool_pages >= nr &&
	       find_next_zero_bit(r->pool, b + nr, b) >= b + nr;
}

/*
 * Queue the worker when the pool is off its target, under the lock.  It
 * is pending already after most allocations and puts, which then need
 * not go into the workqueue to find it so.
 */
static void dcma_pool_kick(struct dcma_region *r)
{
	lockdep_assert_held(&r->lock);
	if (r->pool_pages != r->pool_target &&
	    !delayed_work_pending(&r->pool_work))
		queue_delayed_work(system_unbound_wq, &r->pool_work,
				   DCMA_POOL_DELAY);
}

/* The bitmap and the count, without kicking the worker: the worker's own */
static unsigned long __dcma_pool_take(struct dcma_region *r, unsigned long pfn,
				      unsigned long nr)
{
	unsigned long held = dcma_pool_count(r, pfn, nr);

	bitmap_clear(r->pool, pfn - r->base_pfn, nr);
	r->pool_pages -= held;
	return held;
}

static void __dcma_pool_give(struct dcma_region *r, unsigned long pfn,
			     unsigned long nr)
{
	unsigned long held = dcma_pool_count(r, pfn, nr);

	bitmap_set(r->pool, pfn - r->base_pfn, nr);
	r->pool_pages += nr - held;
}

/*
 * Take the pool's pages in [pfn, pfn + nr) out of it: they are the
 * caller's now.  Returns how many there were.  Called under the region's
 * lock.
 */
unsigned long dcma_pool_take(struct dcma_region *r, unsigned long pfn,
			     unsigned long nr)
{
	unsigned long held = __dcma_pool_take(r, pfn, nr);

	dcma_pool_kick(r);
	return held;
}

/*
 * dcma_pool_take() of a range dcma_pool_holds() found all in the pool,
 * without counting it again.  Called under the region's lock.
 */
void dcma_pool_take_all(struct dcma_region *r, unsigned long pfn,
			unsigned long nr)
{
	lockdep_assert_held(&r->lock);
	bitmap_clear(r->pool, pfn - r->base_pfn, nr);
	r->pool_pages -= nr;
	dcma_pool_kick(r);
}

/*
 * Give [pfn, pfn + nr), pages dcma holds and no buffer does, to the
 * pool; pages of it already there count once.  Called under the
 * region's lock.
 */
void dcma_pool_give(struct dcma_region *r, unsigned long pfn,
		    unsigned long nr)
{
	__dcma_pool_give(r, pfn, nr);
	dcma_pool_kick(r);
}

/*
 * dcma_pool_give() of a buffer's range at its last put, without counting
 * it first: no page of a live buffer is in the pool (an allocation takes
 * its range out of it, and the worker claims only pages outside the
 * buffers).  Called under the region's lock.
 */
void dcma_pool_give_buffer(struct dcma_region *r, unsigned long pfn,
			   unsigned long nr)
{
	lockdep_assert_held(&r->lock);
	bitmap_set(r->pool, pfn - r->base_pfn, nr);
	r->pool_pages += nr;
	dcma_pool_kick(r);
}

/*
 * The pool's target: while it is not 0, a last put keeps its pages
 * (cleared) for the pool rather than give them to the page allocator.
 * Read without the lock.
 */
unsigned long dcma_pool_target(struct dcma_region *r)
{
	return READ_ONCE(r->pool_target);
}

/**
 * dcma_region_lendable() - how many of a region's pages may be lent
 * @region: the region
 *
 * Context: Any context.
 * Return: the pages of a reusable region that movable allocations may
 * borrow while no buffer holds them: all but its pool's target.  0 for an
 * exclusive region, which lends nothing.
 */
unsigned long dcma_region_lendable(struct dcma_region *region)
{
	if (!region->reusable)
		return 0;
	return region->nr_pages - min(region->nr_pages,
				      dcma_pool_target(region));
}
EXPORT_SYMBOL_GPL(dcma_region_lendable);

/*
 * The lowest pageblock at or above @from that lies in free space (no
 * buffer) and is not all in the pool, or the region's end when there
 * is none (pfn 0 can be a region's first pageblock).  A
 * range an allocation has picked but not yet claimed may lie in it; the
 * pages the worker claims there are then the pool's when that claim
 * comes, under the claim lock the worker holds meanwhile.
 */
static unsigned long dcma_pool_find(struct dcma_region *r,
				    unsigned long from)
{
	unsigned long end = r->base_pfn + r->nr_pages, gap, next, pb = end;
	unsigned long flags;
	struct dcma_buffer *b;
	struct rb_node *n;

	spin_lock_irqsave(&r->lock, flags);
	gap = r->base_pfn;
	n = rb_first(&r->buffers);
	for (;;) {
		b = n ? rb_entry(n, struct dcma_buffer, node) : NULL;
		next = b ? b->pfn : end;
		/* whole pageblocks in the free space [gap, next) */
		for (pb = ALIGN(max(gap, from), pageblock_nr_pages);
		     pb + pageblock_nr_pages <= next; pb += pageblock_nr_pages)
			if (find_next_zero_bit(r->pool,
					       pb - r->base_pfn + pageblock_nr_pages,
					       pb - r->base_pfn) <
			    pb - r->base_pfn + pageblock_nr_pages)
				goto out_unlock;
		if (!b) {
			pb = end;
			break;
		}
		gap = b->pfn + b->nr_pages;
		n = rb_next(n);
	}
out_unlock:
	spin_unlock_irqrestore(&r->lock, flags);
	return pb;
}

/*
 * Give pool pages back to the page allocator, highest first, to the
 * target.  A cached buffer's range goes back to the allocator first: its
 * pages are the pool's, and the next allocation of its size would take
 * them without looking at the pool.
 */
static void dcma_pool_trim(struct dcma_region *r)
{
	unsigned long flags, last, first, surplus;
	struct dcma_buffer *cached;
	void *node;

	for (;;) {
		spin_lock_irqsave(&r->lock, flags);
		surplus = r->pool_pages > r->pool_target ?
			  r->pool_pages - r->pool_target : 0;
		cached = surplus ? dcma_cached_return_locked(r, &node) : NULL;
		last = surplus ? find_last_bit(r->pool, r->nr_pages) : 0;
		first = last;
		while (first && first + surplus > last + 1 &&
		       test_bit(first - 1, r->pool))
			first--;
		if (surplus)
			__dcma_pool_take(r, r->base_pfn + first, last + 1 - first);
		spin_unlock_irqrestore(&r->lock, flags);
		if (cached)
			dcma_cached_free(r, cached, node);
		if (!surplus)
			return;
		free_contig_range(r->base_pfn + first, last + 1 - first);
		cond_resched();
	}
}

static void dcma_pool_work(struct work_struct *work)
{
	struct dcma_region *r = container_of(to_delayed_work(work),
					     struct dcma_region, pool_work);
	unsigned long from = r->base_pfn, pb, pos, run = 0, end, flags, want;
	unsigned long taken;

	mutex_lock(&r->claim_lock);
	dcma_pool_trim(r);
	mutex_unlock(&r->claim_lock);

	/*
	 * DCMA_POOL_CHUNK pages at most per claim, with the claim lock
	 * dropped in between, so that an allocation waits for one chunk at
	 * most; busy pages are left for the next pass
	 */
	for (;;) {
		spin_lock_irqsave(&r->lock, flags);
		want = r->pool_target > r->pool_pages ?
		       r->pool_target - r->pool_pages : 0;
		spin_unlock_irqrestore(&r->lock, flags);
		if (!want)
			return;

		mutex_lock(&r->claim_lock);
		pb = dcma_pool_find(r, from);
		if (pb >= r->base_pfn + r->nr_pages) {
			mutex_unlock(&r->claim_lock);
			return;
		}
		end = pb + pageblock_nr_pages;
		taken = 0;
		for (pos = pb; pos < end; pos = run) {
			pos = dcma_pool_next_gap(r, pos, end, &run);
			if (pos >= end)
				break;
			run = min3(run, pos + want, pos + DCMA_POOL_CHUNK);
			if (alloc_contig_range(pos, run, MIGRATE_CMA,
					       GFP_KERNEL | __GFP_NOWARN))
				continue;
			dcma_scrub_claimed(pos, run - pos);
			spin_lock_irqsave(&r->lock, flags);
			__dcma_pool_give(r, pos, run - pos);
			spin_unlock_irqrestore(&r->lock, flags);
			taken = run - pos;
			break;
		}
		mutex_unlock(&r->claim_lock);
		if (taken) {
			dcma_stat_add(r, DCMA_PAGES_POOLED, taken);
			trace_dcma_pool_fill(r->name, pos, taken);
			/* the pageblock again: allocations may have come */
			from = pb;
		} else {
			from = end;
		}
		cond_resched();
	}
}

/**
 * dcma_pool_set() - set how many pages a reusable region keeps claimed
 * @region: the region
 * @pages: the target
 *
 * The pool worker then claims free pageblocks, or gives pages back,
 * in the background.
 *
 * Context: Process context.
 * Return: 0, -EOPNOTSUPP for an exclusive or inactive region (nothing of
 * it is lent), -EINVAL for more than the region.
 */
int dcma_pool_set(struct dcma_region *region, unsigned long pages)
{
	unsigned long flags;

	if (!region->active || !region->reusable)
		return -EOPNOTSUPP;
	if (pages > region->nr_pages)
		return -EINVAL;
	spin_lock_irqsave(&region->lock, flags);
	region->pool_target = pages;
	spin_unlock_irqrestore(&region->lock, flags);
	mod_delayed_work(system_unbound_wq, &region->pool_work, 0);
	return 0;
}

/**
 * dcma_pool_init() - set up a reusable region's pool at activation
 * @r: the region, not yet active
 *
 * A target from "pool=" is claimed once the workqueues run.
 *
 * Context: Process context, boot.
 * Return: 0 or -ENOMEM.
 */
int __init dcma_pool_init(struct dcma_region *r)
{
	r->pool = kvcalloc(BITS_TO_LONGS(r->nr_pages), sizeof(unsigned long),
			   GFP_KERNEL);
	if (!r->pool)
		return -ENOMEM;
	INIT_DELAYED_WORK(&r->pool_work, dcma_pool_work);
	return 0;
}

/*
 * The worker, first run once the region is active, for a "pool=" from
 * the command line or the device tree
 */
void __init dcma_pool_start(struct dcma_region *r)
{
	if (r->pool_target)
		queue_delayed_work(system_unbound_wq, &r->pool_work, 0);
}
