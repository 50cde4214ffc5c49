// SPDX-License-Identifier: GPL-2.0-only
/*
 * dcma: regions.
 *
 * Devices without scatter/gather need large physically contiguous buffers.
 * Reserving them at boot wastes the memory while the device is idle, and
 * allocating them later fails once memory has fragmented.  A dcma region
 * is reserved from memblock at boot, like a CMA area, but has a name, its
 * own allocator and its own locks.  A reusable region hands its
 * pageblocks to the page allocator as MIGRATE_CMA, so movable pages use
 * them while no device does; an exclusive region is a carve-out, never
 * lent.  Its buffers are in buffer.c, the pages a reusable region keeps
 * claimed ahead of demand in pool.c.
 *
 * Regions are declared before the page allocator runs (dcma_reserve() from
 * the architecture's setup code, or the device-tree glue in of.c) and
 * activated at core_initcall, once slab is up, as mainline CMA does.  The
 * region table is written only then, so lookups need no lock afterwards.
 */

#define pr_fmt(fmt) "dcma: " fmt

#include <linux/bitmap.h>
#include <linux/cma.h>
#include <linux/dcma.h>
#include <linux/dma-map-ops.h>
#include <linux/export.h>
#include <linux/init.h>
#include <linux/kmemleak.h>
#include <linux/lockdep.h>
#include <linux/memblock.h>
#include <linux/mempool.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "dcma.h"

#define CREATE_TRACE_POINTS
#include <trace/events/dcma.h>

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

/*
 * What makes @spec unusable before anything is placed: a full table, a
 * name in use, an unknown allocator, a reusable range that is not whole
 * pageblocks.  Returns NULL or the reason; sets the allocator, and the
 * size and alignment a reusable region needs.
 */
static const char * __init dcma_declare_problem(const struct dcma_region_spec *spec,
						bool reserved, phys_addr_t *size,
						phys_addr_t *align,
						const struct dcma_allocator_ops **ops)
{
	if (dcma_region_count >= DCMA_MAX_REGIONS)
		return "too many regions";
	if (dcma_region_by_name(spec->name))
		return "a region of that name exists";
	*ops = dcma_allocator_find(spec->allocator[0] ? spec->allocator : "bf");
	if (!*ops)
		return "unknown allocator";
	if (spec->exclusive)
		return NULL;
	*align = max_t(phys_addr_t, *align, CMA_MIN_ALIGNMENT_BYTES);
	if (IS_ALIGNED(*size, CMA_MIN_ALIGNMENT_BYTES))
		return NULL;
	if (reserved)
		return "size is not a multiple of a pageblock (reusable regions need it)";
	*size = ALIGN(*size, CMA_MIN_ALIGNMENT_BYTES);
	pr_info("region %s: size rounded up to %pa, a multiple of the pageblock size\n",
		spec->name, size);
	return NULL;
}

/*
 * A lockdep class for each region's locks, named after the region: the
 * lock statistics then show each region's contention on its own, and
 * that an allocation on one region never waits for another.  The keys
 * are in the static region table, as lockdep wants of a key.  @name is
 * the spec's, outside the table, so that no copy overlaps its source.
 */
static void __init dcma_lock_classes(struct dcma_region *r,
				     const char *name)
{
#ifdef CONFIG_LOCKDEP
	snprintf(r->lock_name, sizeof(r->lock_name), "dcma:%s", name);
	snprintf(r->claim_name, sizeof(r->claim_name), "dcma:%s:claim", name);
	lockdep_set_class_and_name(&r->lock, &r->lock_key, r->lock_name);
	lockdep_set_class_and_name(&r->claim_lock, &r->claim_key,
				   r->claim_name);
#endif
}

/* The next entry of the region table, for @spec placed at @base */
static struct dcma_region * __init dcma_record(const struct dcma_region_spec *spec,
					       phys_addr_t base, phys_addr_t size,
					       const struct dcma_allocator_ops *ops,
					       bool reserved)
{
	struct dcma_region *r = &dcma_regions[dcma_region_count++];

	strscpy(r->name, spec->name, sizeof(r->name));
	r->base_pfn = PHYS_PFN(base);
	r->nr_pages = size >> PAGE_SHIFT;
	r->reusable = !spec->exclusive;
	r->pool_target = r->reusable ? spec->pool >> PAGE_SHIFT : 0;
	r->from_dt = reserved;
	r->ops = ops;
	spin_lock_init(&r->lock);
	mutex_init(&r->claim_lock);
	dcma_lock_classes(r, spec->name);
	r->buffers = RB_ROOT;
	if (r->reusable)
		totalcma_pages += r->nr_pages;
	return r;
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
	phys_addr_t size = spec->size, align = max_t(phys_addr_t, spec->align,
						     PAGE_SIZE);
	const struct dcma_allocator_ops *ops = NULL;
	const char *reason;
	struct dcma_region *r;
	phys_addr_t base;
	int ret = -EINVAL;

	reason = dcma_declare_problem(spec, reserved, &size, &align, &ops);
	if (reason)
		goto out_report;
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

	r = dcma_record(spec, base, size, ops, reserved);
	pr_info("region %s: %pa, %lu MiB, %s, allocator %s, pool %lu KiB\n",
		r->name, &base, (unsigned long)(size / SZ_1M),
		r->reusable ? "reusable" : "exclusive", ops->name,
		r->pool_target << (PAGE_SHIFT - 10));
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
 * Called at the end of dma_contiguous_reserve(), which every architecture
 * with DMA_CMA calls once memblock knows the memory and before the page
 * allocator starts.
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

/*
 * The counters of @r, its spare buffers and allocator nodes, and its
 * allocator's state; -ENOMEM with nothing left behind.
 */
static int __init dcma_bookkeeping_init(struct dcma_region *r)
{
	void *node = NULL;

	r->stats = alloc_percpu(struct dcma_stats);
	if (!r->stats)
		return -ENOMEM;
	r->buf_spares = mempool_create_kmalloc_pool(DCMA_SPARE_MIN,
						    sizeof(struct dcma_buffer));
	if (!r->buf_spares)
		goto out_free_stats;
	if (r->ops->node_size) {
		r->node_spares = mempool_create_kmalloc_pool(DCMA_SPARE_MIN,
							     r->ops->node_size);
		if (!r->node_spares)
			goto out_free_buf_spares;
		node = kzalloc(r->ops->node_size, GFP_KERNEL);
		if (!node)
			goto out_free_node_spares;
	}
	r->alloc_state = r->ops->create(r->base_pfn, r->nr_pages, node);
	if (!IS_ERR_OR_NULL(r->alloc_state))
		return 0;
	kfree(node);
	r->alloc_state = NULL;
out_free_node_spares:
	mempool_destroy(r->node_spares);
	r->node_spares = NULL;
out_free_buf_spares:
	mempool_destroy(r->buf_spares);
	r->buf_spares = NULL;
out_free_stats:
	free_percpu(r->stats);
	r->stats = NULL;
	return -ENOMEM;
}

static int __init dcma_activate(struct dcma_region *r)
{
	unsigned long pfn, end = r->base_pfn + r->nr_pages;
	const char *reason = "out of memory";

	if (r->reusable && !dcma_region_in_one_zone(r)) {
		reason = "range spans more than one zone";
		goto out_give_back;
	}
	if (r->reusable && dcma_pool_init(r))
		goto out_give_back;
	INIT_LIST_HEAD(&r->held);
	INIT_DELAYED_WORK(&r->held_work, dcma_held_work);
	if (dcma_bookkeeping_init(r))
		goto out_free_pool;

	if (r->reusable)
		for (pfn = r->base_pfn; pfn < end; pfn += pageblock_nr_pages)
			init_cma_reserved_pageblock(pfn_to_page(pfn));
	else
		dcma_scrub(r->base_pfn, r->nr_pages);
	r->active = true;
	if (r->reusable)
		dcma_pool_start(r);
	return 0;

out_free_pool:
	kvfree(r->pool);
	r->pool = NULL;
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

/*
 * The one walk over a range's free pages in the page allocator: sets the
 * bits of those pages in @free (bit 0 for @pfn), if given, and returns
 * how many pages of the range are not free there.  Read without the zone
 * lock, so racy; may sleep.
 */
static unsigned long dcma_buddy_walk(unsigned long pfn, unsigned long nr,
				     unsigned long *free)
{
	unsigned long start = pfn, end = pfn + nr, used = 0, order, run;
	struct page *page;

	while (pfn < end) {
		page = pfn_to_page(pfn);
		if (PageBuddy(page)) {
			order = min_t(unsigned long, READ_ONCE(page_private(page)),
				      MAX_PAGE_ORDER);
			run = min(1UL << order, end - pfn);
			if (free)
				bitmap_set(free, pfn - start, run);
			pfn += run;
		} else {
			used++;
			pfn++;
		}
		cond_resched();
	}
	return used;
}

/*
 * Pages of a range that are not free in the page allocator: for a range
 * no buffer holds, the pages someone else uses right now.  Racy; may
 * sleep.
 */
unsigned long dcma_range_in_use(unsigned long pfn, unsigned long nr)
{
	return dcma_buddy_walk(pfn, nr, NULL);
}

/**
 * dcma_walk_regions() - call a function for every declared region
 * @it: called with each region, in the order they were declared, and
 *	@data; a non-zero return stops the walk
 * @data: passed to @it
 *
 * Regions live as long as the kernel, so no lock is held: @it may sleep.
 * A region that could not be activated is passed too (see
 * dcma_region_snapshot()).
 *
 * Context: Process context, after the regions' core_initcall.
 * Return: 0, or what @it returned when it stopped the walk.
 */
int dcma_walk_regions(int (*it)(struct dcma_region *region, void *data),
		      void *data)
{
	int i, ret;

	for (i = 0; i < dcma_region_count; i++) {
		ret = it(&dcma_regions[i], data);
		if (ret)
			return ret;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(dcma_walk_regions);

/**
 * dcma_region_snapshot() - a region's state, taken at one moment
 * @region: the region
 * @st: filled: whether it is active, its allocator's name, the
 *	allocator's view, the number of buffers, the pool and its target
 *	under one hold of the region's lock, and, with @lent, the pages
 *	lent right now (a racy walk after the lock is dropped)
 * @lent: also count the lent pages, which may sleep
 *
 * Context: Any context but hard interrupts, or process context with
 * @lent.
 */
void dcma_region_snapshot(struct dcma_region *region,
			  struct dcma_region_state *st, bool lent)
{
	unsigned long flags, in_use;
	struct dcma_buffer *cached;
	void *node;

	memset(st, 0, sizeof(*st));
	st->allocator = region->ops->name;
	st->active = region->active;
	if (!region->active)
		return;
	spin_lock_irqsave(&region->lock, flags);
	/* the allocator's view without a cached buffer: its range is free */
	cached = dcma_cached_return_locked(region, &node);
	region->ops->info(region->alloc_state, &st->alloc);
	st->nr_buffers = region->nr_buffers;
	st->pool_pages = region->pool_pages;
	st->pool_target = region->pool_target;
	spin_unlock_irqrestore(&region->lock, flags);
	dcma_cached_free(region, cached, node);
	if (!lent || !region->reusable)
		return;
	/* pages outside the page allocator, less those in buffers or the pool */
	in_use = dcma_range_in_use(region->base_pfn, region->nr_pages);
	st->lent = in_use - min(in_use, region->nr_pages - st->alloc.free_pages +
				st->pool_pages);
}

const char * const dcma_stat_names[DCMA_LATENCY] = {
	[DCMA_ALLOCS]		= "allocs",
	[DCMA_FREES]		= "frees",
	[DCMA_PAGES_ALLOCATED]	= "pages_allocated",
	[DCMA_PAGES_FAILED]	= "pages_failed",
	[DCMA_PAGES_RELEASED]	= "pages_released",
	[DCMA_FAILS_NOSPACE]	= "fails_nospace",
	[DCMA_FAILS_BUSY]	= "fails_busy",
	[DCMA_FAILS_NOMEM]	= "fails_nomem",
	[DCMA_RETRIES]		= "retries",
	[DCMA_PAGES_MIGRATED]	= "pages_migrated",
	[DCMA_PAGES_FROM_POOL]	= "pages_from_pool",
	[DCMA_PAGES_POOLED]	= "pages_pooled",
};

/**
 * dcma_region_stat() - one of a region's counters
 * @region: the region
 * @item: which counter
 *
 * Sums the CPUs' shares without stopping them: a count made meanwhile on
 * another CPU may or may not be in it.
 *
 * Context: Any context.
 * Return: the counter's value now; 0 for a region that was never
 * activated.
 */
long dcma_region_stat(struct dcma_region *region, enum dcma_stat_item item)
{
	long sum = 0;
	int cpu, i;

	if (!region->stats)
		return 0;
	/* each successful allocation is counted in one latency bucket */
	if (item == DCMA_ALLOCS) {
		for (i = 0; i < DCMA_LATENCY_BUCKETS; i++)
			sum += dcma_region_stat(region, DCMA_LATENCY + i);
		return sum;
	}
	for_each_possible_cpu(cpu)
		sum += per_cpu_ptr(region->stats, cpu)->v[item];
	return sum;
}

/**
 * dcma_region_pages() - where each page of a region is, for a map of it
 * @region: an active region
 * @in_buffer: a bitmap of the region's pages, zeroed; set for each page
 *	in a buffer
 * @free: the same; set for each page that is free: in the page
 *	allocator's free lists or the pool, or, in an exclusive region,
 *	not in a buffer
 *
 * The buffers and the pool are read under the region's lock, the page
 * allocator's free pages after it, without the zone lock (racy).  A page
 * of a reusable region in neither bitmap is lent.
 *
 * Context: Process context; may sleep.
 */
void dcma_region_pages(struct dcma_region *region, unsigned long *in_buffer,
		       unsigned long *free)
{
	struct dcma_buffer *b;
	unsigned long flags;
	struct rb_node *n;

	spin_lock_irqsave(&region->lock, flags);
	for (n = rb_first(&region->buffers); n; n = rb_next(n)) {
		b = rb_entry(n, struct dcma_buffer, node);
		bitmap_set(in_buffer, b->pfn - region->base_pfn, b->nr_pages);
	}
	if (region->pool)
		bitmap_copy(free, region->pool, region->nr_pages);
	spin_unlock_irqrestore(&region->lock, flags);
	if (region->reusable)
		dcma_buddy_walk(region->base_pfn, region->nr_pages, free);
	else
		bitmap_complement(free, in_buffer, region->nr_pages);
}

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
