// SPDX-License-Identifier: GPL-2.0-only
/*
 * dcma: a region's buffers.
 *
 * Every allocation is a struct dcma_buffer with a reference count.  An
 * allocation picks a range with the region's allocator and, in a reusable
 * region, claims the pages the pool (pool.c) does not already hold
 * back from the page allocator with alloc_contig_range().  A range whose
 * pages cannot be migrated right now (pinned, under writeback) is kept
 * aside while other candidate ranges are tried, so one busy page does not
 * fail the allocation while the region has room elsewhere.  An exclusive
 * region's allocations are bookkeeping only, and work in atomic context.
 *
 * dcma_get() and dcma_put() find a buffer by its physical address in the
 * region's tree; the last put gives the range back.  A buffer can thus
 * outlive the driver that allocated it, e.g. while another device still
 * reads from it.
 *
 * Locking: see struct dcma_region; claims take the claim lock, then the
 * region's lock for the bookkeeping.
 */

#define pr_fmt(fmt) "dcma: " fmt

#include <linux/dcma.h>
#include <linux/debugfs.h>
#include <linux/export.h>
#include <linux/fault-inject.h>
#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/jiffies.h>
#include <linux/mempool.h>
#include <linux/mm.h>
#include <linux/sched/clock.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "dcma.h"

#include <trace/events/dcma.h>

const unsigned int dcma_latency_bounds_us[DCMA_LATENCY_BUCKETS - 1] = {
	10, 100, 1000, 10000, 100000, 1000000,
};

/*
 * No owner sees the data of the one before, so every buffer starts
 * zeroed, whatever its caller's gfp and whether the DMA API maps it
 * (DMA_ATTR_NO_KERNEL_MAPPING buffers are not cleared by dma-direct).
 * Pages that come to a buffer through the page allocator (claimed with
 * alloc_contig_range()) are cleared there under init_on_alloc or
 * init_on_free, and by dcma otherwise.  Pages that stay in dcma between
 * owners (kept in the pool by a last put, and every page of an
 * exclusive region) are cleared by the last put that frees them, off the
 * next allocation's path; an exclusive region's pages once more when it
 * is activated.
 */
void dcma_scrub(unsigned long pfn, unsigned long nr)
{
	unsigned long i;

	for (i = 0; i < nr; i++)
		clear_highpage(pfn_to_page(pfn + i));
}

/* Pages just claimed with alloc_contig_range(), unless already cleared */
void dcma_scrub_claimed(unsigned long pfn, unsigned long nr)
{
	if (!want_init_on_free() && !want_init_on_alloc(GFP_KERNEL))
		dcma_scrub(pfn, nr);
}

#ifdef CONFIG_FAIL_DCMA_CLAIM
static struct fault_attr dcma_fail_claim = FAULT_ATTR_INITIALIZER;

/* /sys/kernel/debug/dcma/fail_claim/, once debugfs.c made the directory */
static int __init dcma_fail_claim_init(void)
{
	struct dentry *dir = debugfs_lookup("dcma", NULL);

	if (dir)
		fault_create_debugfs_attr("fail_claim", dir, &dcma_fail_claim);
	dput(dir);
	return 0;
}
late_initcall_sync(dcma_fail_claim_init);
#endif

/*
 * The fail_claim fault point, before each alloc_contig_range() of a
 * claim: 0, or when it fires one of the errors alloc_contig_range()
 * returns, in turn: -EBUSY (pages that stay pinned), -ENOMEM (no memory
 * to migrate to) and -EINTR (a fatal signal).
 */
static int dcma_claim_fault(unsigned long nr)
{
#ifdef CONFIG_FAIL_DCMA_CLAIM
	static const int errs[] = { -EBUSY, -ENOMEM, -EINTR };
	static atomic_t next = ATOMIC_INIT(0);

	if (should_fail(&dcma_fail_claim, nr << PAGE_SHIFT))
		return errs[(unsigned int)atomic_inc_return(&next) %
			    ARRAY_SIZE(errs)];
#endif
	return 0;
}

/*
 * Take [pfn, pfn + nr) for a buffer: claim with alloc_contig_range() the
 * runs the pool does not hold, then clear the range from the pool.
 * On failure the runs claimed so far join the pool, so nothing taken
 * is lost (and a pool left above its target is trimmed later).
 * Called under the claim lock, on a range the allocator gave out; the
 * pool worker may have claimed some of its pages meanwhile, which
 * then count as the pool's.  Adds to *@migrated the pages
 * someone else was using and to *@hits the pages the pool provided.
 */
static int dcma_claim(struct dcma_region *r, unsigned long pfn,
		      unsigned long nr, gfp_t gfp, unsigned long *migrated,
		      unsigned long *hits)
{
	unsigned long pos = pfn, end = pfn + nr, run, flags;
	int ret = 0;

	lockdep_assert_held(&r->claim_lock);
	while (pos < end) {
		pos = dcma_pool_next_gap(r, pos, end, &run);
		if (pos >= end)
			break;
		*migrated += dcma_range_in_use(pos, run - pos);
		ret = dcma_claim_fault(run - pos);
		if (!ret)
			ret = alloc_contig_range(pos, run, MIGRATE_CMA,
						 GFP_KERNEL |
						 (gfp & __GFP_NOWARN));
		if (ret)
			break;
		dcma_scrub_claimed(pos, run - pos);
		pos = run;
	}

	spin_lock_irqsave(&r->lock, flags);
	if (!ret)
		*hits += dcma_pool_take(r, pfn, nr);
	else
		/* [pfn, pos) is ours now: the pool had it or we claimed it */
		dcma_pool_give(r, pfn, pos - pfn);
	spin_unlock_irqrestore(&r->lock, flags);
	return ret;
}

/*
 * Bookkeeping from one of the region's mempools for a request with @gfp,
 * not cleared (its user sets every field it reads), sleeping only if the
 * request may.  The mempool is for memory pressure: the slab is asked
 * without direct reclaim and the pool's spares fill in, so a request
 * does not stall in reclaim for a few bytes.
 */
static void *dcma_mempool_alloc(mempool_t *pool, gfp_t gfp)
{
	return mempool_alloc(pool, gfpflags_allow_blocking(gfp) ?
			     GFP_KERNEL : GFP_NOWAIT);
}

/*
 * Bookkeeping for an allocation: the spare that a put or a failed
 * allocation left in *@spare, or else one from @pool.  The spare makes
 * an allocation that follows them skip the slab; it is swapped in and
 * out with xchg() and cmpxchg(), outside the region's lock.
 */
static void *dcma_spare_alloc(void **spare, mempool_t *pool, gfp_t gfp)
{
	void *p = xchg(spare, NULL);

	return p ?: dcma_mempool_alloc(pool, gfp);
}

/* Keep @p as the spare in *@spare, or give it back to @pool */
static void dcma_spare_free(void **spare, mempool_t *pool, void *p)
{
	if (p && cmpxchg(spare, NULL, p))
		mempool_free(p, pool);
}

/* Free a bookkeeping node the allocator handed back, if it did */
static void dcma_node_free(struct dcma_region *r, void *node)
{
	if (node)
		mempool_free(node, r->node_spares);
}

static void dcma_buf_free(struct dcma_region *r, struct dcma_buffer *buf)
{
	dcma_spare_free(&r->spare_buf, r->buf_spares, buf);
}

/* Give a range back to the allocator; free the node it returns. */
static void dcma_range_free(struct dcma_region *r, unsigned long pfn,
			    unsigned long nr)
{
	unsigned long flags;
	void *node;

	spin_lock_irqsave(&r->lock, flags);
	node = r->ops->free(r->alloc_state, pfn, nr);
	spin_unlock_irqrestore(&r->lock, flags);
	dcma_node_free(r, node);
}

/**
 * dcma_cached_return_locked() - give the cached buffer's range back
 * @r: the region, its lock held
 * @node: set to the allocator's node to free, or NULL
 *
 * The range of @r's cached buffer goes back to the allocator; its pages
 * stay in the pool.  For whatever must see the allocator's free space
 * as it would be without the cache: an allocation that the cached
 * buffer does not fit, a read of the allocator's view, the pool's trim
 * (which must not give back a page that a cached buffer would hand out
 * again).  dcma_cached_free() then frees what this returned, after the
 * lock.
 *
 * Context: Under the region's lock.
 * Return: the cached buffer, no longer cached, or NULL when there was
 * none.
 */
struct dcma_buffer *dcma_cached_return_locked(struct dcma_region *r,
					      void **node)
{
	struct dcma_buffer *buf = r->cached;

	lockdep_assert_held(&r->lock);
	*node = NULL;
	if (!buf)
		return NULL;
	r->cached = NULL;
	*node = r->ops->free(r->alloc_state, buf->pfn, buf->nr_pages);
	return buf;
}

/**
 * dcma_cached_free() - free what dcma_cached_return_locked() returned
 * @r: the region
 * @buf: the buffer it returned, or NULL
 * @node: the node it set, or NULL
 *
 * Context: Any context but hard interrupts, the region's lock not held.
 */
void dcma_cached_free(struct dcma_region *r, struct dcma_buffer *buf,
		      void *node)
{
	if (buf)
		dcma_buf_free(r, buf);
	dcma_node_free(r, node);
}

/*
 * A last put's bookkeeping for pages dcma keeps, cleared, under the
 * region's lock: a reusable region's go into the pool, and @buf becomes
 * the cached one, whose range the next allocation of its size takes
 * whole (dcma_cached_take()); the one cached before gives its range
 * back to the allocator.  The worker gives the pool's surplus back,
 * highest pages first, so the pool drifts down to the lowest free
 * pages, where the allocators place the next requests.  Returns the
 * buffer cached before, or NULL, and the allocator's node to free in
 * *@node.
 */
static struct dcma_buffer *dcma_release_locked(struct dcma_region *r,
					       struct dcma_buffer *buf,
					       void **node)
{
	struct dcma_buffer *old = dcma_cached_return_locked(r, node);

	if (r->reusable)
		dcma_pool_give_buffer(r, buf->pfn, buf->nr_pages);
	r->cached = buf;
	return old;
}

static void dcma_buffer_insert(struct dcma_region *r, struct dcma_buffer *buf)
{
	struct rb_node **link = &r->buffers.rb_node, *parent = NULL;
	struct dcma_buffer *b;

	lockdep_assert_held(&r->lock);
	while (*link) {
		parent = *link;
		b = rb_entry(parent, struct dcma_buffer, node);
		link = buf->pfn < b->pfn ? &parent->rb_left : &parent->rb_right;
	}
	rb_link_node(&buf->node, parent, link);
	rb_insert_color(&buf->node, &r->buffers);
	r->nr_buffers++;
}

/*
 * One candidate range for @buf, under the region's lock: the allocator
 * picks it at buf->pfn and, when the pool holds all of it (or the
 * region is exclusive), it is the buffer's with nothing to claim or wait
 * for, and @buf goes into the tree; otherwise *@claim says it must be
 * claimed.  An allocator that asks for a bookkeeping node gets one from
 * the region's mempool, allocated outside the lock.  Adds the pages the
 * pool provided to *@hits.  Counts a failure as @fail_item, or as
 * DCMA_FAILS_NOMEM when no node could be had, and returns 0 or -errno.
 */
static int dcma_range_pick(struct dcma_region *r, struct dcma_buffer *buf,
			   unsigned long nr, unsigned long align, gfp_t gfp,
			   enum dcma_stat_item fail_item, unsigned long *hits,
			   bool *claim)
{
	struct dcma_buffer *old;
	void *node = NULL, *back;
	unsigned long flags;
	int ret;

	for (;;) {
		spin_lock_irqsave(&r->lock, flags);
		ret = r->ops->alloc(r->alloc_state, nr, align, &buf->pfn,
				    node);
		/* a put since dcma_cached_take() may have cached the room */
		old = ret && ret != -EAGAIN ?
		      dcma_cached_return_locked(r, &back) : NULL;
		*claim = !ret && r->reusable &&
			 !dcma_pool_holds(r, buf->pfn, nr);
		if (!ret && !*claim) {
			if (r->reusable) {
				dcma_pool_take_all(r, buf->pfn, nr);
				*hits += nr;
			}
			dcma_buffer_insert(r, buf);
		}
		spin_unlock_irqrestore(&r->lock, flags);
		if (old) {
			/* the allocator owns a node it was given */
			dcma_cached_free(r, old, back);
			node = NULL;
			continue;
		}
		/* an allocator with no nodes, or given one, never asks */
		if (ret != -EAGAIN || WARN_ON_ONCE(node || !r->node_spares))
			break;
		node = dcma_mempool_alloc(r->node_spares, gfp);
		if (!node) {
			dcma_stat_add(r, DCMA_FAILS_NOMEM, 1);
			return -ENOMEM;
		}
	}
	if (ret)
		dcma_stat_add(r, fail_item, 1);
	return ret;
}

/*
 * Claim the candidate range at buf->pfn (dcma_claim()) and, once it is
 * the buffer's, put @buf into the tree.  Returns 0 or -errno.
 */
static int dcma_range_claim(struct dcma_region *r, struct dcma_buffer *buf,
			    unsigned long nr, gfp_t gfp,
			    unsigned long *migrated, unsigned long *hits)
{
	unsigned long flags;
	int ret;

	mutex_lock(&r->claim_lock);
	ret = dcma_claim(r, buf->pfn, nr, gfp, migrated, hits);
	mutex_unlock(&r->claim_lock);
	if (ret)
		return ret;
	spin_lock_irqsave(&r->lock, flags);
	dcma_buffer_insert(r, buf);
	spin_unlock_irqrestore(&r->lock, flags);
	return 0;
}

/*
 * The candidate range at buf->pfn must be claimed (dcma_range_pick() said
 * so): claim it, and while a candidate's pages stay busy keep it
 * allocated, so that the allocator cannot offer it again, and pick the
 * next one, pageblock aligned: alloc_contig_range() fails for a whole
 * pageblock, so the retry must start in another one rather than a page
 * further on.  All the busy candidates are given back at the end.
 * Returns 0 or -errno, and the number of busy candidates in *@retries.
 */
static int dcma_range_claim_busy(struct dcma_region *r,
				 struct dcma_buffer *buf, unsigned long nr,
				 unsigned long align, gfp_t gfp, int *retries)
{
	unsigned long busy[DCMA_CLAIM_TRIES], migrated = 0, hits = 0;
	int nr_busy = 0, ret, i;
	bool claim;

	for (;;) {
		ret = dcma_range_claim(r, buf, nr, gfp, &migrated, &hits);
		if (!ret)
			break;
		trace_dcma_migrate_retry(r->name, buf->pfn, nr, ret);
		busy[nr_busy++] = buf->pfn;
		dcma_stat_add(r, DCMA_RETRIES, 1);
		if (ret != -EBUSY || nr_busy == DCMA_CLAIM_TRIES) {
			dcma_stat_add(r, DCMA_FAILS_BUSY, 1);
			break;
		}
		align = max_t(unsigned long, align, pageblock_nr_pages);
		ret = dcma_range_pick(r, buf, nr, align, gfp, DCMA_FAILS_BUSY,
				      &hits, &claim);
		if (ret || !claim)
			break;
	}
	dcma_stat_add(r, DCMA_PAGES_MIGRATED, migrated);
	dcma_stat_add(r, DCMA_PAGES_FROM_POOL, hits);

	for (i = 0; i < nr_busy; i++)
		dcma_range_free(r, busy[i], nr);
	*retries = nr_busy;
	return ret;
}

/*
 * Pick a range and, for a reusable region, claim the pages the pool
 * does not already hold.  A range all in the pool is taken under the
 * region's lock alone, so the common case never waits for a claim in
 * progress or for the pool worker; the rest is dcma_range_claim_busy()'s.
 * On success @buf, whose fields but its pfn are set, gets the range and
 * goes into the buffers.  Returns 0 or -errno, and the number of busy
 * candidates in *@retries.
 */
static int dcma_range_alloc(struct dcma_region *r, struct dcma_buffer *buf,
			    unsigned long nr, unsigned long align, gfp_t gfp,
			    int *retries)
{
	unsigned long hits = 0;
	bool claim;
	int ret;

	*retries = 0;
	ret = dcma_range_pick(r, buf, nr, align, gfp, DCMA_FAILS_NOSPACE,
			      &hits, &claim);
	if (ret)
		return ret;
	if (claim)
		return dcma_range_claim_busy(r, buf, nr, align, gfp, retries);
	if (hits)
		dcma_stat_add(r, DCMA_PAGES_FROM_POOL, hits);
	return 0;
}

/* A new allocation's fields but its range */
static void dcma_buffer_init(struct dcma_buffer *buf, struct dcma_region *r,
			     unsigned long nr, const char *owner,
			     bool owner_ref)
{
	buf->region = r;
	buf->nr_pages = nr;
	buf->allocated = jiffies;
	strscpy(buf->owner, owner, sizeof(buf->owner));
	refcount_set(&buf->ref, 1);
	buf->owner_ref = owner_ref;
}

/*
 * The region's cached buffer, when it has @nr pages at @align, as the
 * new allocation: it goes back into the tree for @owner, with its pages
 * taken from the pool, where the cache keeps them all (the trim gives a
 * cached range back before it takes pages); neither the allocator nor a
 * search of the pool is asked.  A cached buffer that does not fit gives
 * its range back to the allocator, so that the allocator places the
 * request as if nothing had been cached.  Returns the buffer, or NULL
 * to allocate the usual way.
 */
static struct dcma_buffer *dcma_cached_take(struct dcma_region *r,
					    unsigned long nr,
					    unsigned long align,
					    const char *owner, bool owner_ref)
{
	struct dcma_buffer *buf;
	unsigned long flags;
	void *node;

	if (!READ_ONCE(r->cached))
		return NULL;
	spin_lock_irqsave(&r->lock, flags);
	buf = r->cached;
	if (buf && buf->nr_pages == nr && IS_ALIGNED(buf->pfn, align)) {
		r->cached = NULL;
		dcma_buffer_init(buf, r, nr, owner, owner_ref);
		if (r->reusable) {
			VM_WARN_ON_ONCE(!dcma_pool_holds(r, buf->pfn, nr));
			dcma_pool_take_all(r, buf->pfn, nr);
		}
		dcma_buffer_insert(r, buf);
		spin_unlock_irqrestore(&r->lock, flags);
		return buf;
	}
	buf = dcma_cached_return_locked(r, &node);
	spin_unlock_irqrestore(&r->lock, flags);
	dcma_cached_free(r, buf, node);
	return NULL;
}

static void dcma_account_latency(struct dcma_region *r, u64 ns,
				 unsigned long pfn, unsigned long nr,
				 const char *owner, int retries)
{
	u64 us = div_u64(ns, NSEC_PER_USEC);
	int i;

	for (i = 0; i < DCMA_LATENCY_BUCKETS - 1; i++)
		if (us <= dcma_latency_bounds_us[i])
			break;
	dcma_stat_add(r, DCMA_LATENCY + i, 1);
	trace_dcma_alloc_finish(r->name, owner, pfn, nr, 0, retries, ns);
}

/*
 * dcma_region_alloc() with @owner ("<device>" or "<device>/<kind>"), which
 * names the buffer in debugfs; with @owner_ref, the buffer's first
 * reference is the owner's, which only dcma_put_owned() drops.  Context
 * and return as dcma_region_alloc().
 */
struct dcma_buffer *__dcma_region_alloc(struct dcma_region *region,
					size_t size, size_t align, gfp_t gfp,
					const char *owner, bool owner_ref)
{
	unsigned long nr = PAGE_ALIGN(size) >> PAGE_SHIFT, align_pages;
	unsigned long pfn;
	struct dcma_buffer *buf;
	int ret, retries = 0;
	u64 start;

	might_sleep_if(gfpflags_allow_blocking(gfp));
	if (!region || !region->active)
		return ERR_PTR(-ENODEV);
	if (!size || nr > region->nr_pages || (align && !is_power_of_2(align)))
		return ERR_PTR(-EINVAL);
	if (region->reusable && !gfpflags_allow_blocking(gfp))
		return ERR_PTR(-EAGAIN);
	align_pages = max_t(size_t, align, PAGE_SIZE) >> PAGE_SHIFT;
	owner = owner ?: "-";
	trace_dcma_alloc_start(region->name, owner, nr, align_pages);
	/*
	 * sched_clock's reading, cheaper than ktime_get_ns(): across CPUs it
	 * may drift by far less than the histogram's smallest bucket
	 */
	start = local_clock();

	buf = dcma_cached_take(region, nr, align_pages, owner, owner_ref);
	if (buf) {
		/* a reusable region's cached pages are the pool's */
		if (region->reusable)
			dcma_stat_add(region, DCMA_PAGES_FROM_POOL, nr);
		goto out_done;
	}
	buf = dcma_spare_alloc(&region->spare_buf, region->buf_spares, gfp);
	if (!buf) {
		dcma_stat_add(region, DCMA_FAILS_NOMEM, 1);
		ret = -ENOMEM;
		goto out_fail;
	}
	dcma_buffer_init(buf, region, nr, owner, owner_ref);
	ret = dcma_range_alloc(region, buf, nr, align_pages, gfp, &retries);
	if (ret) {
		dcma_buf_free(region, buf);
		/* busy candidates, or an allocator that still wants a node */
		ret = ret == -EBUSY || ret == -EAGAIN ? -ENOMEM : ret;
		goto out_fail;
	}
out_done:
	/* already zeroed, see dcma_scrub() */
	pfn = buf->pfn;

	dcma_stat_add(region, DCMA_PAGES_ALLOCATED, nr);
	dcma_account_latency(region, local_clock() - start, pfn, nr, owner,
			     retries);
	return buf;

out_fail:
	dcma_stat_add(region, DCMA_PAGES_FAILED, nr);
	trace_dcma_alloc_finish(region->name, owner, 0, nr, ret, retries,
				local_clock() - start);
	return ERR_PTR(ret);
}

/**
 * dcma_region_alloc() - allocate a buffer from a region
 * @region: the region
 * @size: bytes, rounded up to whole pages
 * @align: alignment of the physical address in bytes, a power of two;
 *	0 or anything up to PAGE_SIZE means page alignment
 * @gfp: GFP_KERNEL, optionally with __GFP_NOWARN; exclusive regions also
 *	take GFP_ATOMIC/GFP_NOWAIT.  __GFP_ZERO is accepted and changes
 *	nothing: every buffer starts zeroed.
 *
 * The buffer starts zeroed, with one reference, dropped by dcma_put() on
 * its physical address (dcma_buffer_phys()).
 *
 * Context: Process context if the region is reusable or @gfp allows
 * blocking (may sleep while pages migrate); any context but hard
 * interrupts for an exclusive region with a non-blocking @gfp.
 * Return: the buffer, or ERR_PTR(-EINVAL) for a bad size or alignment,
 * ERR_PTR(-EAGAIN) for a non-blocking request on a reusable region,
 * ERR_PTR(-ENOMEM) when the region has no room or its candidate ranges
 * stayed busy, ERR_PTR(-EINTR) when a fatal signal stopped the migration
 * (nothing is kept: the region is as before), ERR_PTR(-ENODEV) for an
 * inactive region.
 */
struct dcma_buffer *dcma_region_alloc(struct dcma_region *region, size_t size,
				      size_t align, gfp_t gfp)
{
	return __dcma_region_alloc(region, size, align, gfp, NULL, false);
}
EXPORT_SYMBOL_GPL(dcma_region_alloc);

/**
 * dcma_region_alloc_owned() - allocate a buffer that its owner alone frees
 * @region: the region
 * @size: bytes, rounded up to whole pages
 * @align: as for dcma_region_alloc()
 * @gfp: as for dcma_region_alloc()
 * @owner: names the buffer's owner in debugfs and in the messages of a
 *	second free, for example "dma-heap"
 *
 * As dcma_region_alloc(), but the buffer's first reference is its owner's:
 * a dcma_put() cannot drop it, only dcma_put_owned(), once.  For an
 * allocator that hands the buffer on (a dma-buf exporter) and must not
 * lose it to a holder's extra put.
 *
 * Context: As dcma_region_alloc().
 * Return: As dcma_region_alloc().
 */
struct dcma_buffer *dcma_region_alloc_owned(struct dcma_region *region,
					    size_t size, size_t align,
					    gfp_t gfp, const char *owner)
{
	return __dcma_region_alloc(region, size, align, gfp, owner, true);
}
EXPORT_SYMBOL_GPL(dcma_region_alloc_owned);

/**
 * dcma_buffer_phys() - a buffer's physical address
 * @buf: the buffer
 *
 * Context: Any context; the caller holds a reference.
 * Return: the address, which dcma_get() and dcma_put() take.
 */
phys_addr_t dcma_buffer_phys(const struct dcma_buffer *buf)
{
	return PFN_PHYS(buf->pfn);
}
EXPORT_SYMBOL_GPL(dcma_buffer_phys);

/**
 * dcma_buffer_size() - a buffer's size
 * @buf: the buffer
 *
 * Context: Any context; the caller holds a reference.
 * Return: the size in bytes, a whole number of pages.
 */
size_t dcma_buffer_size(const struct dcma_buffer *buf)
{
	return buf->nr_pages << PAGE_SHIFT;
}
EXPORT_SYMBOL_GPL(dcma_buffer_size);

/**
 * dcma_buffer_page() - a buffer's first page
 * @buf: the buffer
 *
 * Context: Any context; the caller holds a reference.
 * Return: the first struct page of the buffer.
 */
struct page *dcma_buffer_page(const struct dcma_buffer *buf)
{
	return pfn_to_page(buf->pfn);
}
EXPORT_SYMBOL_GPL(dcma_buffer_page);

static struct dcma_buffer *dcma_buffer_lookup(struct dcma_region *r,
					      unsigned long pfn)
{
	struct rb_node *n = r->buffers.rb_node;
	struct dcma_buffer *b;

	lockdep_assert_held(&r->lock);
	while (n) {
		b = rb_entry(n, struct dcma_buffer, node);
		if (pfn == b->pfn)
			return b;
		n = pfn < b->pfn ? n->rb_left : n->rb_right;
	}
	return NULL;
}

enum dcma_ref_op {
	DCMA_REF_GET,		/* dcma_get() */
	DCMA_REF_PUT,		/* dcma_put() */
	DCMA_REF_PUT_OWNER,	/* dcma_put_owned(): the allocator's own */
};

/*
 * A put that must not happen, under the region's lock: dcma_put() of an
 * owner's buffer with only the owner's reference left (one put too many
 * from some other holder would free a buffer that its owner, and maybe a
 * device, still uses), or a second drop of the owner's reference (a double
 * free).  Returns the reason, or NULL.
 */
static const char *dcma_put_refused(const struct dcma_buffer *buf,
				    enum dcma_ref_op op)
{
	if (op == DCMA_REF_PUT_OWNER && !buf->owner_ref)
		return "freed twice; the second free changes nothing";
	if (op == DCMA_REF_PUT && buf->owner_ref &&
	    refcount_read(&buf->ref) == 1)
		return "one put too many: only its owner's reference is left";
	return NULL;
}

/*
 * Find the live buffer starting at @phys in @r (dcma_region_of(@phys),
 * NULL outside the regions) and, under the region's lock,
 * take a reference or drop one, as @op says; @who names the caller for
 * DCMA_REF_PUT_OWNER's messages.  Returns the buffer after a get, or after
 * a put that dropped its last reference (it is then out of the tree and
 * ours to release), NULL after any other put, ERR_PTR(-ENOENT) when no
 * live buffer starts at @phys, or ERR_PTR(-EINVAL) for a put refused by
 * dcma_put_refused(); each error says so once, ratelimited.
 */
static struct dcma_buffer *dcma_buffer_ref(struct dcma_region *r,
					   phys_addr_t phys,
					   enum dcma_ref_op op,
					   const char *who)
{
	static const char * const names[] = {
		[DCMA_REF_GET] = "dcma_get", [DCMA_REF_PUT] = "dcma_put",
		[DCMA_REF_PUT_OWNER] = "free",
	};
	struct dcma_buffer *buf = NULL, *ret = NULL;
	const char *refused = NULL;
	unsigned long flags;

	if (r && PAGE_ALIGNED(phys)) {
		spin_lock_irqsave(&r->lock, flags);
		buf = dcma_buffer_lookup(r, PHYS_PFN(phys));
		if (buf && op != DCMA_REF_GET)
			refused = dcma_put_refused(buf, op);
		if (buf && op == DCMA_REF_GET) {
			refcount_inc(&buf->ref);
			ret = buf;
			trace_dcma_get(r->name, buf->pfn, buf->nr_pages,
				       refcount_read(&buf->ref));
		} else if (buf && !refused) {
			if (op == DCMA_REF_PUT_OWNER)
				buf->owner_ref = false;
			if (refcount_dec_and_test(&buf->ref)) {
				rb_erase(&buf->node, &r->buffers);
				r->nr_buffers--;
				ret = buf;
			}
			trace_dcma_put(r->name, buf->pfn, buf->nr_pages,
				       refcount_read(&buf->ref));
		}
		spin_unlock_irqrestore(&r->lock, flags);
	}
	if (!buf) {
		pr_warn_ratelimited("%s(%pa)%s%s: no live buffer starts there\n",
				    names[op], &phys, who ? " by " : "",
				    who ?: "");
		return ERR_PTR(-ENOENT);
	}
	if (refused) {
		pr_warn_ratelimited("%s(%pa)%s%s: %s\n", names[op], &phys,
				    who ? " by " : "", who ?: "", refused);
		return ERR_PTR(-EINVAL);
	}
	return ret;
}

/*
 * The live buffer starting at @phys with a reference taken, which
 * dcma_put() drops, or NULL; for the test knob, which needs its size.
 */
struct dcma_buffer *dcma_buffer_get(phys_addr_t phys)
{
	struct dcma_buffer *buf = dcma_buffer_ref(dcma_region_of(phys), phys,
						  DCMA_REF_GET, NULL);

	return IS_ERR(buf) ? NULL : buf;
}

/**
 * dcma_get() - take a reference on a buffer
 * @phys: the buffer's physical address, as dcma_buffer_phys() or
 *	dma_alloc_coherent()'s DMA address on a device without an IOMMU
 *	gives it
 *
 * Context: Any context but hard interrupts; does not sleep.
 * Return: 0, or -ENOENT (with a ratelimited warning, and nothing changed)
 * when no live buffer starts at @phys.
 */
int dcma_get(phys_addr_t phys)
{
	return PTR_ERR_OR_ZERO(dcma_buffer_ref(dcma_region_of(phys), phys,
					       DCMA_REF_GET, NULL));
}
EXPORT_SYMBOL_GPL(dcma_get);

/* Whether someone but the buffer still holds one of its pages */
static bool dcma_buffer_held(const struct dcma_buffer *buf)
{
	unsigned long i;

	for (i = 0; i < buf->nr_pages; i++)
		if (page_ref_count(pfn_to_page(buf->pfn + i)) != 1)
			return true;
	return false;
}

/*
 * Give a buffer whose last reference is gone back to its region: its
 * pages to the page allocator (a reusable region with no pool to
 * fill), or cleared and kept (in the pool, or in an exclusive region).
 * While someone else still holds one of its pages (each page of a buffer
 * has the one reference dcma gave it), the whole range stays allocated
 * on the region's held list, out of reach of the next owner, said once
 * (@first), until dcma_held_work() finds it let go.  Does not sleep.
 */
static void dcma_buffer_release(struct dcma_buffer *buf, bool first)
{
	struct dcma_region *r = buf->region;
	unsigned long pfn = buf->pfn, nr = buf->nr_pages, flags;
	phys_addr_t phys = PFN_PHYS(pfn);
	struct dcma_buffer *old;
	void *node;

	if (dcma_buffer_held(buf)) {
		spin_lock_irqsave(&r->lock, flags);
		list_add_tail(&buf->held, &r->held);
		spin_unlock_irqrestore(&r->lock, flags);
		if (first)
			pr_warn_ratelimited("region %s: a page of the buffer at %pa is still in use after its last put; its %lu pages stay out of the region until it is let go\n",
					    r->name, &phys, buf->nr_pages);
		queue_delayed_work(system_unbound_wq, &r->held_work,
				   DCMA_HELD_DELAY);
		return;
	}
	if (!r->reusable || dcma_pool_target(r)) {
		dcma_scrub(pfn, nr);
		spin_lock_irqsave(&r->lock, flags);
		/* cached: an allocation may take @buf once the lock is dropped */
		old = dcma_release_locked(r, buf, &node);
		spin_unlock_irqrestore(&r->lock, flags);
		dcma_cached_free(r, old, node);
	} else {
		free_contig_range(pfn, nr);
		dcma_range_free(r, pfn, nr);
		dcma_buf_free(r, buf);
	}
	dcma_stat_add(r, DCMA_FREES, 1);
	dcma_stat_add(r, DCMA_PAGES_RELEASED, nr);
	trace_dcma_release(r->name, pfn, nr, 0);
}

void dcma_held_work(struct work_struct *work)
{
	struct dcma_region *r = container_of(to_delayed_work(work),
					     struct dcma_region, held_work);
	struct dcma_buffer *buf, *tmp;
	unsigned long flags;
	LIST_HEAD(list);

	spin_lock_irqsave(&r->lock, flags);
	list_splice_init(&r->held, &list);
	spin_unlock_irqrestore(&r->lock, flags);
	list_for_each_entry_safe(buf, tmp, &list, held) {
		list_del(&buf->held);
		dcma_buffer_release(buf, false);
		cond_resched();
	}
}

/**
 * dcma_put() - drop a reference on a buffer
 * @phys: the buffer's physical address
 *
 * The last reference gives the range back to its region and, for a
 * reusable region, its pages back to the page allocator; pages dcma keeps
 * are cleared first.  A page someone else still holds then (a leaked
 * get_page(), a vm_insert_page() mapping) keeps the whole range from the
 * next owner until it is let go, with a warning.  Once the last reference
 * is gone the address is unknown again, so a put too many fails with
 * -ENOENT instead of corrupting anything.  A buffer of the DMA API or of
 * a dma-buf heap keeps its owner's reference until the owner frees it
 * (dma_free_coherent(), the dma-buf's release): dcma_put() drops only the
 * references dcma_get() took on it.
 *
 * A dcma_get() after the owner's last put can find nothing (-ENOENT) or,
 * once the range has a new owner, that new owner's buffer: a holder must
 * take its reference while the buffer is known to be live.
 *
 * Context: Any context but hard interrupts; does not sleep.
 * Return: 0, or (with a ratelimited warning, and nothing changed) -ENOENT
 * when no live buffer starts at @phys, -EINVAL when only the DMA API's or
 * the dma-buf's own reference is left.
 */
int dcma_put(phys_addr_t phys)
{
	struct dcma_buffer *buf = dcma_buffer_ref(dcma_region_of(phys), phys,
						  DCMA_REF_PUT, NULL);

	if (IS_ERR_OR_NULL(buf))
		return PTR_ERR_OR_ZERO(buf);
	dcma_buffer_release(buf, true);
	return 0;
}
EXPORT_SYMBOL_GPL(dcma_put);

/*
 * dcma_put_owned() of a buffer in @r, which the caller found with
 * dcma_region_of(@phys) already (NULL outside the regions).  Context and
 * return as dcma_put_owned().
 */
int __dcma_put_owned(struct dcma_region *r, phys_addr_t phys, const char *who)
{
	struct dcma_buffer *buf = dcma_buffer_ref(r, phys, DCMA_REF_PUT_OWNER,
						  who);

	if (IS_ERR_OR_NULL(buf))
		return PTR_ERR_OR_ZERO(buf);
	dcma_buffer_release(buf, true);
	return 0;
}

/**
 * dcma_put_owned() - drop the owner's reference to a buffer
 * @phys: the buffer's physical address
 * @who: names the owner in the messages
 *
 * Drops the reference a buffer's owner (the DMA API, a dma-buf) got with
 * it from dcma_region_alloc_owned(), exactly once.
 *
 * Context: As dcma_put().
 * Return: 0, or (with a ratelimited warning, and nothing changed) -ENOENT
 * when no live buffer starts at @phys, -EINVAL when the owner's reference
 * is gone already.
 */
int dcma_put_owned(phys_addr_t phys, const char *who)
{
	return __dcma_put_owned(dcma_region_of(phys), phys, who);
}
EXPORT_SYMBOL_GPL(dcma_put_owned);

/**
 * dcma_walk_buffers() - call a function for every live buffer of a region
 * @region: the region
 * @it: called with each buffer, lowest address first, and @data, under
 *	the region's lock: it must not sleep or call into dcma; a non-zero
 *	return stops the walk
 * @data: passed to @it
 *
 * Context: Any context but hard interrupts.
 * Return: 0, or what @it returned when it stopped the walk.
 */
int dcma_walk_buffers(struct dcma_region *region,
		      int (*it)(const struct dcma_buffer *buf, void *data),
		      void *data)
{
	struct rb_node *n;
	unsigned long flags;
	int ret = 0;

	spin_lock_irqsave(&region->lock, flags);
	for (n = rb_first(&region->buffers); n && !ret; n = rb_next(n))
		ret = it(rb_entry(n, struct dcma_buffer, node), data);
	spin_unlock_irqrestore(&region->lock, flags);
	return ret;
}
