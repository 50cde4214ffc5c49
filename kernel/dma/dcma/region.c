// SPDX-License-Identifier: GPL-2.0-only
/*
 * dcma: regions and their refcounted buffers.
 *
 * Devices without scatter/gather need large physically contiguous buffers.
 * Reserving them at boot wastes the memory while the device is idle, and
 * allocating them later fails once memory has fragmented.  A dcma region
 * is reserved from memblock at boot, like a CMA area, but has a name, its
 * own allocator and its own locks:
 *
 * - reusable regions hand their pageblocks to the page allocator as
 *   MIGRATE_CMA, so movable pages use them while no device does; an
 *   allocation picks a range with the region's allocator and claims its
 *   pages back with alloc_contig_range().  A range whose pages cannot be
 *   migrated right now (pinned, under writeback) is kept aside while other
 *   candidate ranges are tried, so one busy page does not fail the
 *   allocation while the region has room elsewhere;
 * - exclusive regions are carve-outs: never lent, so allocating from them
 *   is bookkeeping only, and works in atomic context.
 *
 * Every allocation is a struct dcma_buffer with a reference count.
 * dcma_get() and dcma_put() find a buffer by its physical address; the last
 * put gives the range back.  A buffer can thus outlive the driver that
 * allocated it, e.g. while another device still reads from it.
 *
 * Regions are declared before the page allocator runs (dcma_reserve() from
 * the architecture's setup code, or the device-tree glue in of.c) and
 * activated at core_initcall, once slab is up, as mainline CMA does.  The
 * region table is written only then, so lookups need no lock afterwards.
 */

#define pr_fmt(fmt) "dcma: " fmt

#include <linux/cma.h>
#include <linux/dcma.h>
#include <linux/export.h>
#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/init.h>
#include <linux/jiffies.h>
#include <linux/kmemleak.h>
#include <linux/ktime.h>
#include <linux/memblock.h>
#include <linux/mempool.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "dcma.h"

#define CREATE_TRACE_POINTS
#include <trace/events/dcma.h>

const unsigned int dcma_latency_bounds_us[DCMA_LATENCY_BUCKETS - 1] = {
	10, 100, 1000, 10000, 100000, 1000000,
};

struct dcma_region dcma_regions[DCMA_MAX_REGIONS];
int dcma_region_count;

static struct dcma_region_spec dcma_cmdline_specs[DCMA_MAX_REGIONS] __initdata;
static int dcma_cmdline_count __initdata;

static void __init dcma_cmdline_error(const char *token, const char *reason,
				      void *data)
{
	pr_err("skipped \"%s\" in dcma=: %s\n", token, reason);
}

/* Like most parameters, a repeated "dcma=" replaces the earlier one */
static int __init dcma_early_param(char *str)
{
	static int seen __initdata;

	if (seen++ == 1)
		pr_warn("dcma= is given more than once; only the last one counts\n");
	dcma_cmdline_count = dcma_parse_regions(str ?: "", dcma_cmdline_specs,
						DCMA_MAX_REGIONS,
						dcma_cmdline_error, NULL);
	return 0;
}

early_param("dcma", dcma_early_param);

static struct dcma_region *dcma_region_by_name(const char *name)
{
	int i;

	for (i = 0; i < dcma_region_count; i++)
		if (!strcmp(dcma_regions[i].name, name))
			return &dcma_regions[i];
	return NULL;
}

/*
 * A fixed range, from "dcma=" or the device tree, that a region can use:
 * aligned, and RAM throughout (pages outside RAM have no struct page to
 * lend or to give back).  Returns NULL or the reason it cannot.
 */
static const char * __init dcma_range_problem(phys_addr_t base,
					      phys_addr_t size,
					      phys_addr_t align)
{
	if (!IS_ALIGNED(base, align))
		return "base is not aligned to a pageblock (reusable regions need it)";
	if (!memblock_is_region_memory(base, size))
		return "range is not inside RAM";
	return NULL;
}

/*
 * Place @size bytes for a region: at the fixed base, or wherever memblock
 * finds room below @limit.  Returns 0 and the base, or a reason.
 */
static int __init dcma_place(const struct dcma_region_spec *spec,
			     phys_addr_t size, phys_addr_t align,
			     phys_addr_t limit, phys_addr_t *base,
			     const char **reason)
{
	if (!spec->fixed) {
		*base = memblock_phys_alloc_range(size, align, 0, limit);
		if (!*base) {
			*reason = "no free memory of that size and alignment";
			return -ENOMEM;
		}
		/*
		 * As for a CMA area: the pages are lent to the page allocator
		 * or handed to devices, and hold no pointers kmemleak needs
		 * to follow.  A fixed base is reserved, not allocated, so
		 * kmemleak never knew it.
		 */
		kmemleak_ignore_phys(*base);
		return 0;
	}

	*base = spec->base;
	*reason = dcma_range_problem(*base, size, align);
	if (*reason)
		return -EINVAL;
	if (memblock_is_region_reserved(*base, size)) {
		*reason = "range overlaps reserved memory or another region";
		return -EBUSY;
	}
	if (memblock_reserve(*base, size)) {
		*reason = "memblock cannot reserve the range";
		return -ENOMEM;
	}
	return 0;
}

/**
 * dcma_declare() - reserve one region at boot
 * @spec: the region as "dcma=" or the device tree describes it
 * @limit: highest physical address + 1 a placed region may end at
 * @reserved: @spec describes a fixed range that its caller (the
 *	reserved-memory core) has already reserved from memblock
 *
 * Context: Early boot, before the page allocator; memblock only.
 * Return: 0, or -errno after one message naming the region and the reason;
 * nothing is left reserved on failure (a @reserved range stays with its
 * caller, who frees it).
 */
int __init dcma_declare(const struct dcma_region_spec *spec, phys_addr_t limit,
			bool reserved)
{
	const char *alloc_name = spec->allocator[0] ? spec->allocator : "bf";
	phys_addr_t size = spec->size, align = max_t(phys_addr_t, spec->align,
						     PAGE_SIZE);
	const struct dcma_allocator_ops *ops;
	const char *reason = NULL;
	struct dcma_region *r;
	phys_addr_t base;
	int ret = -EINVAL;

	if (dcma_region_count >= DCMA_MAX_REGIONS) {
		reason = "too many regions";
		goto out_report;
	}
	if (dcma_region_by_name(spec->name)) {
		reason = "a region of that name exists";
		goto out_report;
	}
	ops = dcma_allocator_find(alloc_name);
	if (!ops) {
		reason = "unknown allocator";
		goto out_report;
	}
	if (!spec->exclusive) {
		align = max_t(phys_addr_t, align, CMA_MIN_ALIGNMENT_BYTES);
		if (reserved && !IS_ALIGNED(size, CMA_MIN_ALIGNMENT_BYTES)) {
			reason = "size is not a multiple of a pageblock (reusable regions need it)";
			goto out_report;
		}
		if (!IS_ALIGNED(size, CMA_MIN_ALIGNMENT_BYTES)) {
			size = ALIGN(size, CMA_MIN_ALIGNMENT_BYTES);
			pr_info("region %s: size rounded up to %pa, a multiple of the pageblock size\n",
				spec->name, &size);
		}
	}

	if (reserved) {
		base = spec->base;
		reason = dcma_range_problem(base, size, align);
		if (reason)
			goto out_report;
	} else {
		ret = dcma_place(spec, size, align, limit, &base, &reason);
		if (ret)
			goto out_report;
	}

	r = &dcma_regions[dcma_region_count++];
	strscpy(r->name, spec->name, sizeof(r->name));
	r->base_pfn = PHYS_PFN(base);
	r->nr_pages = size >> PAGE_SHIFT;
	r->reusable = !spec->exclusive;
	r->reserve_target = r->reusable ? spec->reserve >> PAGE_SHIFT : 0;
	r->from_dt = reserved;
	r->ops = ops;
	spin_lock_init(&r->lock);
	mutex_init(&r->claim_lock);
	r->buffers = RB_ROOT;
	if (r->reusable)
		totalcma_pages += r->nr_pages;

	pr_info("region %s: %pa, %lu MiB, %s, allocator %s, reserve %lu KiB\n",
		r->name, &base, (unsigned long)(size / SZ_1M),
		r->reusable ? "reusable" : "exclusive", ops->name,
		r->reserve_target << (PAGE_SHIFT - 10));
	return 0;

out_report:
	pr_err("region %s skipped: %s\n", spec->name, reason);
	return ret;
}

/**
 * dcma_reserve() - reserve the regions asked for by "dcma="
 * @limit: highest physical address + 1 a region without a fixed base may
 *	end at; the architecture passes the limit it gives mainline CMA
 *
 * Called by the architecture's setup code next to dma_contiguous_reserve().
 *
 * Context: Early boot, memblock only.
 */
void __init dcma_reserve(phys_addr_t limit)
{
	int i;

	for (i = 0; i < dcma_cmdline_count; i++)
		dcma_declare(&dcma_cmdline_specs[i], limit ?: MEMBLOCK_ALLOC_ANYWHERE,
			     false);
}

/*
 * No owner sees the data of the one before, so every buffer starts
 * zeroed, whatever its caller's gfp and whether the DMA API maps it
 * (DMA_ATTR_NO_KERNEL_MAPPING buffers are not cleared by dma-direct).
 * Pages that come to a buffer through the page allocator (claimed with
 * alloc_contig_range()) are cleared there under init_on_alloc or
 * init_on_free, and by dcma otherwise.  Pages that stay in dcma between
 * owners (kept in the reserve by a last put, and every page of an
 * exclusive region) are cleared by the last put that frees them, off the
 * next allocation's path; an exclusive region's pages once more when it
 * is activated.
 */
static void dcma_scrub(unsigned long pfn, unsigned long nr)
{
	unsigned long i;

	for (i = 0; i < nr; i++)
		clear_highpage(pfn_to_page(pfn + i));
}

/* Pages just claimed with alloc_contig_range(), unless already cleared */
static void dcma_scrub_claimed(unsigned long pfn, unsigned long nr)
{
	if (!want_init_on_free() && !want_init_on_alloc(GFP_KERNEL))
		dcma_scrub(pfn, nr);
}

/*
 * The reserve: pages of a reusable region that dcma has already taken
 * from the page allocator while no buffer holds them, so that an
 * allocation landing on them has nothing to isolate or migrate.  Puts
 * keep a buffer's pages there; shortly after an allocation left the
 * reserve short, or a put or a lower target left it too big, the reserve
 * worker claims pages of free pageblocks, lowest first (where both
 * allocators place requests in a region with room), or gives the surplus
 * back, highest first.
 */

/* Reserve pages in [pfn, pfn + nr).  Called under the region's lock. */
static unsigned long dcma_reserve_count(struct dcma_region *r,
					unsigned long pfn, unsigned long nr)
{
	unsigned long b = pfn - r->base_pfn, e, n = 0;

	lockdep_assert_held(&r->lock);
	for_each_set_bitrange_from(b, e, r->reserve, pfn - r->base_pfn + nr)
		n += e - b;
	return n;
}

/*
 * The first run of pages outside the reserve in [pfn, end): returns its
 * first pfn, or @end when there is none, and its end in *@run_end.
 */
static unsigned long dcma_unreserved_run(struct dcma_region *r,
					 unsigned long pfn, unsigned long end,
					 unsigned long *run_end)
{
	unsigned long b = pfn - r->base_pfn, e = end - r->base_pfn, flags;

	spin_lock_irqsave(&r->lock, flags);
	b = find_next_zero_bit(r->reserve, e, b);
	*run_end = r->base_pfn + find_next_bit(r->reserve, e, b);
	spin_unlock_irqrestore(&r->lock, flags);
	return r->base_pfn + b;
}

#ifdef CONFIG_FAIL_DCMA_CLAIM
struct fault_attr dcma_fail_claim = FAULT_ATTR_INITIALIZER;
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
 * runs the reserve does not hold, then clear the range from the reserve.
 * On failure the runs claimed so far join the reserve, so nothing taken
 * is lost.  Called under the claim lock, on a range the allocator gave
 * out; the reserve worker may have claimed some of its pages meanwhile,
 * which then count as the reserve's.  Adds to *@migrated the pages
 * someone else was using and to *@hits the pages the reserve provided.
 */
static int dcma_claim(struct dcma_region *r, unsigned long pfn,
		      unsigned long nr, gfp_t gfp, unsigned long *migrated,
		      unsigned long *hits)
{
	unsigned long pos = pfn, end = pfn + nr, run, flags, held;
	int ret = 0;

	lockdep_assert_held(&r->claim_lock);
	while (pos < end) {
		pos = dcma_unreserved_run(r, pos, end, &run);
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
	if (!ret) {
		held = dcma_reserve_count(r, pfn, nr);
		bitmap_clear(r->reserve, pfn - r->base_pfn, nr);
		r->reserve_pages -= held;
		*hits += held;
	} else {
		/* [pfn, pos) is ours now: the reserve had it or we claimed it */
		held = dcma_reserve_count(r, pfn, pos - pfn);
		bitmap_set(r->reserve, pfn - r->base_pfn, pos - pfn);
		r->reserve_pages += pos - pfn - held;
	}
	/*
	 * Later: a put may well give the pages back first.  A failed claim
	 * may also have left the reserve above its target, with pages no
	 * one will use until the worker gives them back.
	 */
	if (r->reserve_pages != r->reserve_target)
		queue_delayed_work(system_unbound_wq, &r->reserve_work,
				   DCMA_RESERVE_DELAY);
	spin_unlock_irqrestore(&r->lock, flags);
	return ret;
}

/*
 * The lowest pageblock at or above @from that lies in free space (no
 * buffer) and is not all in the reserve, or the region's end when there
 * is none (pfn 0 can be a region's first pageblock).  A
 * range an allocation has picked but not yet claimed may lie in it; the
 * pages the worker claims there are then the reserve's when that claim
 * comes, under the claim lock the worker holds meanwhile.
 */
static unsigned long dcma_reserve_find(struct dcma_region *r,
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
			if (find_next_zero_bit(r->reserve,
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

/* Give reserve pages back to the page allocator, highest first, to the target */
static void dcma_reserve_trim(struct dcma_region *r)
{
	unsigned long flags, last, first, surplus;

	for (;;) {
		spin_lock_irqsave(&r->lock, flags);
		surplus = r->reserve_pages > r->reserve_target ?
			  r->reserve_pages - r->reserve_target : 0;
		last = surplus ? find_last_bit(r->reserve, r->nr_pages) : 0;
		first = last;
		while (first && first + surplus > last + 1 &&
		       test_bit(first - 1, r->reserve))
			first--;
		if (surplus) {
			bitmap_clear(r->reserve, first, last + 1 - first);
			r->reserve_pages -= last + 1 - first;
		}
		spin_unlock_irqrestore(&r->lock, flags);
		if (!surplus)
			return;
		free_contig_range(r->base_pfn + first, last + 1 - first);
		cond_resched();
	}
}

static void dcma_reserve_work(struct work_struct *work)
{
	struct dcma_region *r = container_of(to_delayed_work(work),
					     struct dcma_region, reserve_work);
	unsigned long from = r->base_pfn, pb, pos, run = 0, end, flags, want;
	unsigned long taken;

	mutex_lock(&r->claim_lock);
	dcma_reserve_trim(r);
	mutex_unlock(&r->claim_lock);

	/*
	 * DCMA_RESERVE_CHUNK pages at most per claim, with the claim lock
	 * dropped in between, so that an allocation waits for one chunk at
	 * most; busy pages are left for the next pass
	 */
	for (;;) {
		spin_lock_irqsave(&r->lock, flags);
		want = r->reserve_target > r->reserve_pages ?
		       r->reserve_target - r->reserve_pages : 0;
		spin_unlock_irqrestore(&r->lock, flags);
		if (!want)
			return;

		mutex_lock(&r->claim_lock);
		pb = dcma_reserve_find(r, from);
		if (pb >= r->base_pfn + r->nr_pages) {
			mutex_unlock(&r->claim_lock);
			return;
		}
		end = pb + pageblock_nr_pages;
		taken = 0;
		for (pos = pb; pos < end; pos = run) {
			pos = dcma_unreserved_run(r, pos, end, &run);
			if (pos >= end)
				break;
			run = min3(run, pos + want, pos + DCMA_RESERVE_CHUNK);
			if (alloc_contig_range(pos, run, MIGRATE_CMA,
					       GFP_KERNEL | __GFP_NOWARN))
				continue;
			dcma_scrub_claimed(pos, run - pos);
			spin_lock_irqsave(&r->lock, flags);
			bitmap_set(r->reserve, pos - r->base_pfn, run - pos);
			r->reserve_pages += run - pos;
			spin_unlock_irqrestore(&r->lock, flags);
			taken = run - pos;
			break;
		}
		mutex_unlock(&r->claim_lock);
		if (taken) {
			atomic_long_add(taken, &r->stats.pages_reserved);
			trace_dcma_reserve(r->name, pos, taken);
			/* the pageblock again: allocations may have come */
			from = pb;
		} else {
			from = end;
		}
		cond_resched();
	}
}

/**
 * dcma_reserve_set() - set how many pages a reusable region keeps claimed
 * @region: the region
 * @pages: the target
 *
 * The reserve worker then claims free pageblocks, or gives pages back,
 * in the background.
 *
 * Context: Process context.
 * Return: 0, -EOPNOTSUPP for an exclusive or inactive region (nothing of
 * it is lent), -EINVAL for more than the region.
 */
int dcma_reserve_set(struct dcma_region *region, unsigned long pages)
{
	unsigned long flags;

	if (!region->active || !region->reusable)
		return -EOPNOTSUPP;
	if (pages > region->nr_pages)
		return -EINVAL;
	spin_lock_irqsave(&region->lock, flags);
	region->reserve_target = pages;
	spin_unlock_irqrestore(&region->lock, flags);
	mod_delayed_work(system_unbound_wq, &region->reserve_work, 0);
	return 0;
}

/*
 * A last put's bookkeeping for pages dcma keeps, cleared, under the
 * region's lock: a reusable region's go into the reserve, and the range
 * goes back to the allocator, in one go.  The worker gives the reserve's
 * surplus back, highest pages first, so the reserve drifts down to the
 * lowest free pages, where the allocators place the next requests.
 * Returns the allocator's node to free, or NULL.
 */
static void *dcma_release_locked(struct dcma_region *r,
				 struct dcma_buffer *buf)
{
	lockdep_assert_held(&r->lock);
	if (r->reusable) {
		bitmap_set(r->reserve, buf->pfn - r->base_pfn, buf->nr_pages);
		r->reserve_pages += buf->nr_pages;
		if (r->reserve_pages > r->reserve_target)
			queue_delayed_work(system_unbound_wq, &r->reserve_work,
					   DCMA_RESERVE_DELAY);
	}
	return r->ops->free(r->alloc_state, buf->pfn, buf->nr_pages);
}

static bool __init dcma_region_in_one_zone(struct dcma_region *r)
{
	unsigned long pfn, end = r->base_pfn + r->nr_pages;
	struct zone *zone;

	if (!pfn_valid(r->base_pfn))
		return false;
	zone = page_zone(pfn_to_page(r->base_pfn));
	for (pfn = r->base_pfn + 1; pfn < end; pfn++)
		if (!pfn_valid(pfn) || page_zone(pfn_to_page(pfn)) != zone)
			return false;
	return true;
}

static void dcma_held_work(struct work_struct *work);

static int __init dcma_activate(struct dcma_region *r)
{
	unsigned long pfn, end = r->base_pfn + r->nr_pages;
	const char *reason = "out of memory";
	void *node = NULL;

	if (r->reusable && !dcma_region_in_one_zone(r)) {
		reason = "range spans more than one zone";
		goto out_give_back;
	}
	if (r->reusable) {
		r->reserve = kvcalloc(BITS_TO_LONGS(r->nr_pages),
				      sizeof(unsigned long), GFP_KERNEL);
		if (!r->reserve)
			goto out_give_back;
		INIT_DELAYED_WORK(&r->reserve_work, dcma_reserve_work);
	}
	INIT_LIST_HEAD(&r->held);
	INIT_DELAYED_WORK(&r->held_work, dcma_held_work);
	r->buf_pool = mempool_create_kmalloc_pool(DCMA_POOL_MIN,
						  sizeof(struct dcma_buffer));
	if (!r->buf_pool)
		goto out_free_reserve;
	if (r->ops->node_size) {
		r->node_pool = mempool_create_kmalloc_pool(DCMA_POOL_MIN,
							   r->ops->node_size);
		if (!r->node_pool)
			goto out_free_buf_pool;
		node = kzalloc(r->ops->node_size, GFP_KERNEL);
		if (!node)
			goto out_free_node_pool;
	}
	r->alloc_state = r->ops->create(r->base_pfn, r->nr_pages, node);
	if (IS_ERR_OR_NULL(r->alloc_state)) {
		kfree(node);
		r->alloc_state = NULL;
		goto out_free_node_pool;
	}

	if (r->reusable)
		for (pfn = r->base_pfn; pfn < end; pfn += pageblock_nr_pages)
			init_cma_reserved_pageblock(pfn_to_page(pfn));
	else
		dcma_scrub(r->base_pfn, r->nr_pages);
	r->active = true;
	/* "reserve=": claimed once the workqueues run */
	if (r->reserve_target)
		queue_delayed_work(system_unbound_wq, &r->reserve_work, 0);
	return 0;

out_free_node_pool:
	mempool_destroy(r->node_pool);
	r->node_pool = NULL;
out_free_buf_pool:
	mempool_destroy(r->buf_pool);
	r->buf_pool = NULL;
out_free_reserve:
	kvfree(r->reserve);
	r->reserve = NULL;
out_give_back:
	/* Useless as a region: the pages go to the page allocator. */
	for (pfn = r->base_pfn; pfn < end; pfn++)
		free_reserved_page(pfn_to_page(pfn));
	if (r->reusable)
		totalcma_pages -= r->nr_pages;
	pr_err("region %s could not be activated (%s); its memory goes to the page allocator\n",
	       r->name, reason);
	return -ENOMEM;
}

static int __init dcma_init_regions(void)
{
	int i;

	for (i = 0; i < dcma_region_count; i++)
		dcma_activate(&dcma_regions[i]);
	return 0;
}

/* slab is up and the reserved ranges are still untouched: as mainline CMA */
core_initcall(dcma_init_regions);

/**
 * dcma_region_find() - look a region up by name
 * @name: the region's name
 *
 * Regions live as long as the kernel, so no reference is taken.
 *
 * Context: Any context.
 * Return: the region, or NULL when no active region has that name.
 */
struct dcma_region *dcma_region_find(const char *name)
{
	struct dcma_region *r = dcma_region_by_name(name);

	return r && r->active ? r : NULL;
}
EXPORT_SYMBOL_GPL(dcma_region_find);

/**
 * dcma_region_name() - a region's name
 * @region: the region
 *
 * Context: Any context.
 * Return: the name, valid as long as the kernel runs.
 */
const char *dcma_region_name(const struct dcma_region *region)
{
	return region->name;
}
EXPORT_SYMBOL_GPL(dcma_region_name);

/**
 * dcma_region_base() - a region's first physical address
 * @region: the region
 *
 * Context: Any context.
 * Return: the physical base address.
 */
phys_addr_t dcma_region_base(const struct dcma_region *region)
{
	return PFN_PHYS(region->base_pfn);
}
EXPORT_SYMBOL_GPL(dcma_region_base);

/**
 * dcma_region_size() - a region's size
 * @region: the region
 *
 * Context: Any context.
 * Return: the size in bytes.
 */
phys_addr_t dcma_region_size(const struct dcma_region *region)
{
	return PFN_PHYS(region->nr_pages);
}
EXPORT_SYMBOL_GPL(dcma_region_size);

/**
 * dcma_region_reusable() - whether a region lends its pages while free
 * @region: the region
 *
 * Context: Any context.
 * Return: true for a reusable region, false for an exclusive one.
 */
bool dcma_region_reusable(const struct dcma_region *region)
{
	return region->reusable;
}
EXPORT_SYMBOL_GPL(dcma_region_reusable);

/**
 * dcma_region_info() - the allocator's view of a region
 * @region: the region
 * @info: filled with free pages, largest free run and number of holes
 *
 * Context: Any context but hard interrupts; takes the region's lock.
 */
void dcma_region_info(struct dcma_region *region, struct dcma_alloc_info *info)
{
	unsigned long flags;

	memset(info, 0, sizeof(*info));
	if (!region->active)
		return;
	spin_lock_irqsave(&region->lock, flags);
	region->ops->info(region->alloc_state, info);
	spin_unlock_irqrestore(&region->lock, flags);
}

/*
 * Bookkeeping for an allocation, zeroed.  A mempool: under memory pressure
 * the slab is asked without direct reclaim and the pool's spares fill in,
 * so a request does not stall in reclaim for a few bytes.
 */
static void *dcma_pool_zalloc(mempool_t *pool, size_t size, gfp_t gfp)
{
	void *p = mempool_alloc(pool, gfpflags_allow_blocking(gfp) ?
				      GFP_KERNEL : GFP_NOWAIT);

	if (p)
		memset(p, 0, size);
	return p;
}

/* Free a bookkeeping node the allocator handed back, if it did */
static void dcma_node_free(struct dcma_region *r, void *node)
{
	if (node)
		mempool_free(node, r->node_pool);
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

/*
 * Pages of a range that are not free in the page allocator: for a range
 * no buffer holds, the pages someone else uses right now.  Read without
 * the zone lock, so racy; may sleep.
 */
unsigned long dcma_range_in_use(unsigned long pfn, unsigned long nr)
{
	unsigned long end = pfn + nr, used = 0, order;
	struct page *page;

	while (pfn < end) {
		page = pfn_to_page(pfn);
		if (PageBuddy(page)) {
			order = min_t(unsigned long, READ_ONCE(page_private(page)),
				      MAX_ORDER - 1);
			pfn += 1UL << order;
		} else {
			used++;
			pfn++;
		}
		cond_resched();
	}
	return used;
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
 * Pick a range and, for a reusable region, claim the pages the reserve
 * does not already hold.  A range all in the reserve is taken under the
 * region's lock alone, so the common case never waits for a claim in
 * progress or for the reserve worker.  A candidate whose pages stay busy
 * is kept allocated while the next one is picked, so that the allocator
 * cannot offer it again, and the next candidates are pageblock aligned:
 * alloc_contig_range() fails for a whole pageblock, so the retry must
 * start in another one rather than a page further on.  All the busy
 * candidates are given back at the end.  On success @buf, whose fields
 * but its pfn are set, gets the range and goes into the buffers; under
 * the allocation's lock when nothing is to be claimed.  Returns 0 or
 * -errno.
 */
static int dcma_range_alloc(struct dcma_region *r, struct dcma_buffer *buf,
			    unsigned long nr, unsigned long align, gfp_t gfp,
			    int *retries)
{
	unsigned long *pfn = &buf->pfn;
	unsigned long migrated = 0, hits = 0;
	unsigned long busy[DCMA_CLAIM_TRIES];
	int nr_busy = 0, ret, i;
	unsigned long flags;
	void *node = NULL;
	bool ready;

	for (;;) {
		if (!node && r->ops->node_size) {
			node = dcma_pool_zalloc(r->node_pool, r->ops->node_size,
						gfp);
			if (!node) {
				atomic_long_inc(&r->stats.fails_nomem);
				ret = -ENOMEM;
				break;
			}
		}
		if (nr_busy)
			align = max_t(unsigned long, align, pageblock_nr_pages);
		spin_lock_irqsave(&r->lock, flags);
		ret = r->ops->alloc(r->alloc_state, nr, align, pfn, node);
		/* all in the reserve: ours with nothing to claim or wait for */
		ready = !ret && (!r->reusable ||
				 (r->reserve_pages >= nr &&
				  dcma_reserve_count(r, *pfn, nr) == nr));
		if (ready && r->reusable) {
			bitmap_clear(r->reserve, *pfn - r->base_pfn, nr);
			r->reserve_pages -= nr;
			hits += nr;
			if (r->reserve_pages < r->reserve_target)
				queue_delayed_work(system_unbound_wq,
						   &r->reserve_work,
						   DCMA_RESERVE_DELAY);
		}
		if (ready)
			dcma_buffer_insert(r, buf);
		spin_unlock_irqrestore(&r->lock, flags);
		if (ret) {
			atomic_long_inc(nr_busy ? &r->stats.fails_busy :
					&r->stats.fails_nospace);
			break;
		}
		node = NULL;
		if (ready)
			break;

		mutex_lock(&r->claim_lock);
		ret = dcma_claim(r, *pfn, nr, gfp, &migrated, &hits);
		mutex_unlock(&r->claim_lock);
		if (!ret) {
			spin_lock_irqsave(&r->lock, flags);
			dcma_buffer_insert(r, buf);
			spin_unlock_irqrestore(&r->lock, flags);
			break;
		}
		trace_dcma_migrate_retry(r->name, *pfn, nr, ret);
		busy[nr_busy++] = *pfn;
		atomic_long_inc(&r->stats.retries);
		if (ret != -EBUSY || nr_busy == DCMA_CLAIM_TRIES) {
			atomic_long_inc(&r->stats.fails_busy);
			break;
		}
	}
	atomic_long_add(migrated, &r->stats.pages_migrated);
	atomic_long_add(hits, &r->stats.pages_from_reserve);

	for (i = 0; i < nr_busy; i++)
		dcma_range_free(r, busy[i], nr);
	dcma_node_free(r, node);
	*retries = nr_busy;
	return ret;
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
	atomic_long_inc(&r->stats.latency[i]);
	trace_dcma_alloc_finish(r->name, owner, pfn, nr, 0, retries, ns);
}

/*
 * dcma_region_alloc() for a device: @owner ("<device>" or "<device>/<kind>")
 * names the buffer in debugfs; with @owner_ref, the buffer's first
 * reference is the owner's, which only dcma_put_alloc_ref() drops.
 * Context and return as dcma_region_alloc().
 */
struct dcma_buffer *dcma_region_alloc_owned(struct dcma_region *region,
					    size_t size, size_t align,
					    gfp_t gfp, const char *owner,
					    bool owner_ref)
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
	start = ktime_get_ns();

	buf = dcma_pool_zalloc(region->buf_pool, sizeof(*buf), gfp);
	if (!buf) {
		atomic_long_inc(&region->stats.fails_nomem);
		ret = -ENOMEM;
		goto out_fail;
	}
	buf->region = region;
	buf->nr_pages = nr;
	buf->allocated = jiffies;
	strscpy(buf->owner, owner, sizeof(buf->owner));
	refcount_set(&buf->ref, 1);
	buf->owner_ref = owner_ref;
	ret = dcma_range_alloc(region, buf, nr, align_pages, gfp, &retries);
	if (ret) {
		mempool_free(buf, region->buf_pool);
		ret = ret == -EBUSY ? -ENOMEM : ret;
		goto out_fail;
	}
	/* already zeroed, see dcma_scrub() */
	pfn = buf->pfn;

	atomic_long_inc(&region->stats.allocs);
	atomic_long_add(nr, &region->stats.pages_allocated);
	dcma_account_latency(region, ktime_get_ns() - start, pfn, nr, owner,
			     retries);
	return buf;

out_fail:
	atomic_long_add(nr, &region->stats.pages_failed);
	trace_dcma_alloc_finish(region->name, owner, 0, nr, ret, retries,
				ktime_get_ns() - start);
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
	return dcma_region_alloc_owned(region, size, align, gfp, NULL, false);
}
EXPORT_SYMBOL_GPL(dcma_region_alloc);

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

struct dcma_region *dcma_region_of(phys_addr_t phys)
{
	unsigned long pfn = PHYS_PFN(phys);
	int i;

	for (i = 0; i < dcma_region_count; i++) {
		struct dcma_region *r = &dcma_regions[i];

		if (r->active && pfn >= r->base_pfn &&
		    pfn - r->base_pfn < r->nr_pages)
			return r;
	}
	return NULL;
}

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
	DCMA_REF_PUT_OWNER,	/* dcma_put_alloc_ref(): the allocator's own */
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
 * Find the live buffer starting at @phys and, under the region's lock,
 * take a reference or drop one, as @op says; @who names the caller for
 * DCMA_REF_PUT_OWNER's messages.  Returns the buffer after a get, or after
 * a put that dropped its last reference (it is then out of the tree and
 * ours to release), NULL after any other put, ERR_PTR(-ENOENT) when no
 * live buffer starts at @phys, or ERR_PTR(-EINVAL) for a put refused by
 * dcma_put_refused(); each error says so once, ratelimited.
 */
static struct dcma_buffer *dcma_buffer_ref(phys_addr_t phys,
					   enum dcma_ref_op op,
					   const char *who)
{
	static const char * const names[] = {
		[DCMA_REF_GET] = "dcma_get", [DCMA_REF_PUT] = "dcma_put",
		[DCMA_REF_PUT_OWNER] = "free",
	};
	struct dcma_region *r = dcma_region_of(phys);
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
	struct dcma_buffer *buf = dcma_buffer_ref(phys, DCMA_REF_GET, NULL);

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
	return PTR_ERR_OR_ZERO(dcma_buffer_ref(phys, DCMA_REF_GET, NULL));
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
 * pages to the page allocator (a reusable region with no reserve to
 * fill), or cleared and kept (in the reserve, or in an exclusive region).
 * While someone else still holds one of its pages (each page of a buffer
 * has the one reference dcma gave it), the whole range stays allocated
 * on the region's held list, out of reach of the next owner, said once
 * (@first), until dcma_held_work() finds it let go.  Does not sleep.
 */
static void dcma_buffer_release(struct dcma_buffer *buf, bool first)
{
	struct dcma_region *r = buf->region;
	phys_addr_t phys = PFN_PHYS(buf->pfn);
	unsigned long flags;
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
	if (!r->reusable || READ_ONCE(r->reserve_target)) {
		dcma_scrub(buf->pfn, buf->nr_pages);
		spin_lock_irqsave(&r->lock, flags);
		node = dcma_release_locked(r, buf);
		spin_unlock_irqrestore(&r->lock, flags);
		dcma_node_free(r, node);
	} else {
		free_contig_range(buf->pfn, buf->nr_pages);
		dcma_range_free(r, buf->pfn, buf->nr_pages);
	}
	atomic_long_inc(&r->stats.frees);
	atomic_long_add(buf->nr_pages, &r->stats.pages_released);
	trace_dcma_release(r->name, buf->pfn, buf->nr_pages, 0);
	mempool_free(buf, r->buf_pool);
}

static void dcma_held_work(struct work_struct *work)
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
	struct dcma_buffer *buf = dcma_buffer_ref(phys, DCMA_REF_PUT, NULL);

	if (IS_ERR_OR_NULL(buf))
		return PTR_ERR_OR_ZERO(buf);
	dcma_buffer_release(buf, true);
	return 0;
}
EXPORT_SYMBOL_GPL(dcma_put);

/*
 * Drop the reference a buffer's owner (the DMA API, a dma-buf) got with it
 * from dcma_region_alloc_owned(), exactly once; @who names the owner in
 * the messages.  Context as dcma_put().  Returns 0, -ENOENT when no live
 * buffer starts at @phys, or -EINVAL (nothing changed) when the owner's
 * reference is gone already.
 */
int dcma_put_alloc_ref(phys_addr_t phys, const char *who)
{
	struct dcma_buffer *buf = dcma_buffer_ref(phys, DCMA_REF_PUT_OWNER, who);

	if (IS_ERR_OR_NULL(buf))
		return PTR_ERR_OR_ZERO(buf);
	dcma_buffer_release(buf, true);
	return 0;
}
