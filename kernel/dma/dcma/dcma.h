/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dcma internals: the regions (region.c), their buffers (buffer.c) and the
 * pages they keep claimed ahead of demand (pool.c), as the binding, the
 * device-tree glue, debugfs and sysfs see them.
 */
#ifndef _KERNEL_DMA_DCMA_DCMA_H
#define _KERNEL_DMA_DCMA_DCMA_H

#include <linux/dcma.h>
#include <linux/mempool.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/rbtree.h>
#include <linux/seq_file.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "allocator.h"
#include "parse.h"

/* How many candidate ranges one allocation tries before giving up. */
#define DCMA_CLAIM_TRIES	8
/* Allocation latency buckets: up to 10us, 100us, 1ms, 10ms, 100ms, 1s, more */
#define DCMA_LATENCY_BUCKETS	7
extern const unsigned int dcma_latency_bounds_us[DCMA_LATENCY_BUCKETS - 1];

/* How long the pool worker waits after an allocation dipped into it */
#define DCMA_POOL_DELAY	msecs_to_jiffies(50)
/* Pages the pool worker claims at a time, holding the claim lock */
#define DCMA_POOL_CHUNK	64UL

/* How often a buffer whose pages someone still holds is looked at again */
#define DCMA_HELD_DELAY		msecs_to_jiffies(1000)

/* Spare buffers and allocator nodes each region keeps for hard times */
#define DCMA_SPARE_MIN		16

/* Longest owner ("<device>/<kind>") kept with a buffer, for debugfs. */
#define DCMA_OWNER_LEN		48

/**
 * enum dcma_stat_item - what happened in a region, for debugfs and sysfs
 * @DCMA_ALLOCS: successful allocations: the sum of the @DCMA_LATENCY
 *	buckets, each of which counts one, not a counter of its own
 * @DCMA_FREES: buffers returned to the region
 * @DCMA_PAGES_ALLOCATED: pages handed out, over the region's life
 * @DCMA_PAGES_FAILED: pages asked for by failed allocations
 * @DCMA_PAGES_RELEASED: pages given back by last puts
 * @DCMA_FAILS_NOSPACE: allocations the allocator found no room for
 * @DCMA_FAILS_BUSY: allocations whose every candidate range stayed busy
 * @DCMA_FAILS_NOMEM: allocations that found no memory for their bookkeeping
 * @DCMA_RETRIES: candidate ranges given up because their pages were busy
 * @DCMA_PAGES_MIGRATED: pages of claimed ranges that were in use by
 *	someone else when claimed, so alloc_contig_range() migrated them away
 * @DCMA_PAGES_FROM_POOL: pages handed out straight from the pool, with
 *	nothing to claim
 * @DCMA_PAGES_POOLED: pages the pool worker claimed ahead of demand
 * @DCMA_LATENCY: the first of DCMA_LATENCY_BUCKETS counters of successful
 *	allocations by time taken, in the buckets of dcma_latency_bounds_us[]
 *	(the last one is everything slower)
 * @NR_DCMA_STAT_ITEMS: counters in a region
 *
 * The items before @DCMA_LATENCY are named by dcma_stat_names[].  The core
 * counts with dcma_stat_add(); everyone else reads with dcma_region_stat().
 */
enum dcma_stat_item {
	DCMA_ALLOCS,
	DCMA_FREES,
	DCMA_PAGES_ALLOCATED,
	DCMA_PAGES_FAILED,
	DCMA_PAGES_RELEASED,
	DCMA_FAILS_NOSPACE,
	DCMA_FAILS_BUSY,
	DCMA_FAILS_NOMEM,
	DCMA_RETRIES,
	DCMA_PAGES_MIGRATED,
	DCMA_PAGES_FROM_POOL,
	DCMA_PAGES_POOLED,
	DCMA_LATENCY,
	NR_DCMA_STAT_ITEMS = DCMA_LATENCY + DCMA_LATENCY_BUCKETS
};

extern const char * const dcma_stat_names[DCMA_LATENCY];

/**
 * struct dcma_stats - one CPU's share of a region's counters
 * @v: by enum dcma_stat_item
 */
struct dcma_stats {
	long v[NR_DCMA_STAT_ITEMS];
};

/**
 * struct dcma_region - one named region
 * @name: the region's name
 * @base_pfn: first page frame
 * @nr_pages: page frames in the region
 * @reusable: pages are lent to movable allocations while free
 * @active: the region was activated and can allocate
 * @from_dt: declared by a device-tree node rather than "dcma="
 * @ops: the region's allocator
 * @lock: protects @alloc_state, @buffers, @nr_buffers, @cached, @pool,
 *	@pool_pages, @pool_target and @held; never held across
 *	anything that sleeps, so buffers can be put from any context but
 *	hard interrupts
 * @alloc_state: the allocator's state (under @lock)
 * @buffers: live buffers by first pfn (under @lock)
 * @nr_buffers: number of live buffers (under @lock)
 * @cached: the buffer of the last put that kept its pages, or NULL: its
 *	range stays allocated and its pages, cleared, join @pool, so that
 *	the next allocation of its size and alignment takes it whole,
 *	without the allocator or a search of @pool.  Any other allocation,
 *	a read of the allocator's view and the pool's trim give its range
 *	back to the allocator first (buffer.c, dcma_cached_return_locked()),
 *	so the allocator places every other request, and counts its free
 *	space, as if nothing were cached (under @lock)
 * @pool: reusable regions: one bit per page that dcma holds, already
 *	taken from the page allocator, while no buffer does (under @lock).
 *	Only pages free in the allocator have their bit set, those of
 *	@cached, and those of a candidate range an allocation gave up on
 *	and has yet to give back.  Bits are set by puts, claims and the pool worker and
 *	cleared by allocations and the worker; claims and the worker hold
 *	@claim_lock.
 * @pool_pages: pages in @pool (under @lock)
 * @pool_target: pages the pool worker keeps in @pool (under @lock)
 * @pool_work: tops the pool up to its target, or trims it down
 * @held: buffers whose last reference is gone while a page of theirs is
 *	still referenced by someone else (a leaked get_page(), a mapping
 *	made with vm_insert_page()); their range stays allocated, so that
 *	no new owner can get those pages, until @held_work finds them let
 *	go (under @lock)
 * @held_work: looks at @held again every DCMA_HELD_DELAY
 * @buf_spares: struct dcma_buffer for allocations
 * @node_spares: the allocator's bookkeeping nodes, if it has any, for
 *	the ->alloc() calls that ask for one (allocator.h)
 * @spare_buf: a struct dcma_buffer that a put or a failed allocation
 *	left for the next allocation, or NULL (xchg() and cmpxchg(), no lock)
 * @claim_lock: serialises alloc_contig_range() within the region (two
 *	claims sharing a pageblock would otherwise fail each other with
 *	-EBUSY), so that a claim sees the @pool bits of its range change
 *	only by its own hand.  Not taken by allocations that the pool
 *	serves whole.  Regions never share pageblocks, so regions never
 *	wait for each other.
 * @stats: counters by enum dcma_stat_item, for debugfs and sysfs, per
 *	CPU so that allocations on different CPUs never share a counter's
 *	cache line (this_cpu ops, no lock; NULL until activation)
 * @lock_key: with lockdep, @lock's class: one per region, so that the
 *	lock statistics (/proc/lock_stat) tell the regions apart
 * @claim_key: @claim_lock's class likewise
 * @lock_name: @lock's class name, "dcma:<name>"
 * @claim_name: @claim_lock's, "dcma:<name>:claim"
 *
 * Lock order: @claim_lock, then @lock.  A claim, and the pool worker,
 * take @lock inside @claim_lock to change @pool; nothing takes
 * @claim_lock under @lock, which is a spinlock.
 */
struct dcma_region {
	char name[DCMA_NAME_LEN];
	unsigned long base_pfn;
	unsigned long nr_pages;
	bool reusable;
	bool active;
	bool from_dt;
	const struct dcma_allocator_ops *ops;

	spinlock_t lock;		/* see @lock above */
	void *alloc_state;
	struct rb_root buffers;
	unsigned long nr_buffers;
	struct dcma_buffer *cached;
	unsigned long *pool;
	unsigned long pool_pages;
	unsigned long pool_target;
	struct delayed_work pool_work;
	struct list_head held;
	struct delayed_work held_work;
	mempool_t *buf_spares;
	mempool_t *node_spares;
	void *spare_buf;

	struct mutex claim_lock;	/* see @claim_lock above; before @lock */
	struct dcma_stats __percpu *stats;
#ifdef CONFIG_LOCKDEP
	struct lock_class_key lock_key;
	struct lock_class_key claim_key;
	char lock_name[DCMA_NAME_LEN + 8];
	char claim_name[DCMA_NAME_LEN + 16];
#endif
};

/**
 * struct dcma_buffer - one allocation from a region
 * @node: in the region's @buffers tree, under the region's lock
 * @held: in the region's @held list, once the last reference is gone
 *	while someone else still holds a page (under the region's lock)
 * @region: where the buffer lives
 * @pfn: first page frame
 * @nr_pages: length in pages
 * @ref: references; the last dcma_put() returns the range
 * @owner_ref: the first reference is its allocator's (the DMA API, a
 *	dma-buf) and is dropped by dcma_put_owned() alone, once; until
 *	then a dcma_put() can drop only the references dcma_get() took
 *	(under the region's lock)
 * @allocated: jiffies at allocation, for debugfs
 * @owner: the device (and kind) it was allocated for, or "-"
 */
struct dcma_buffer {
	struct rb_node node;
	struct list_head held;
	struct dcma_region *region;
	unsigned long pfn;
	unsigned long nr_pages;
	refcount_t ref;
	bool owner_ref;
	unsigned long allocated;
	char owner[DCMA_OWNER_LEN];
};

/**
 * struct dcma_region_state - a region's state at one moment
 * @allocator: the allocator's name
 * @active: the region was activated and can allocate; nothing else is
 *	set when it was not
 * @alloc: the allocator's view: free pages, longest free run, free runs
 * @nr_buffers: live buffers
 * @pool_pages: pages in the pool
 * @pool_target: the pool's target
 * @lent: pages something else uses right now (reusable regions, when
 *	asked for)
 */
struct dcma_region_state {
	const char *allocator;
	bool active;
	struct dcma_alloc_info alloc;
	unsigned long nr_buffers;
	unsigned long pool_pages;
	unsigned long pool_target;
	unsigned long lent;
};

extern struct dcma_region dcma_regions[DCMA_MAX_REGIONS];
extern int dcma_region_count;

/* The core's counting; see enum dcma_stat_item */
static inline void dcma_stat_add(struct dcma_region *r,
				 enum dcma_stat_item item, long n)
{
	this_cpu_add(r->stats->v[item], n);
}

/* region.c: walks and snapshots, so that only the core takes the locks */
void dcma_region_snapshot(struct dcma_region *region,
			  struct dcma_region_state *st, bool lent);
long dcma_region_stat(struct dcma_region *region, enum dcma_stat_item item);
void dcma_region_pages(struct dcma_region *region, unsigned long *in_buffer,
		       unsigned long *free);
int dcma_walk_buffers(struct dcma_region *region,
		      int (*it)(const struct dcma_buffer *buf, void *data),
		      void *data);

int __init dcma_declare(const struct dcma_region_spec *spec, phys_addr_t limit,
			bool from_dt);
struct dcma_region *dcma_region_of(phys_addr_t phys);
unsigned long dcma_range_in_use(unsigned long pfn, unsigned long nr);
int dcma_pool_set(struct dcma_region *region, unsigned long pages);

/* buffer.c */
void dcma_scrub(unsigned long pfn, unsigned long nr);
struct dcma_buffer *dcma_cached_return_locked(struct dcma_region *r,
					      void **node);
void dcma_cached_free(struct dcma_region *r, struct dcma_buffer *buf,
		      void *node);
void dcma_scrub_claimed(unsigned long pfn, unsigned long nr);
void dcma_held_work(struct work_struct *work);

/* pool.c: the pool; take, give and holds under the region's lock */
int __init dcma_pool_init(struct dcma_region *r);
void __init dcma_pool_start(struct dcma_region *r);
unsigned long dcma_pool_take(struct dcma_region *r, unsigned long pfn,
			     unsigned long nr);
void dcma_pool_take_all(struct dcma_region *r, unsigned long pfn,
			unsigned long nr);
void dcma_pool_give(struct dcma_region *r, unsigned long pfn,
		    unsigned long nr);
void dcma_pool_give_buffer(struct dcma_region *r, unsigned long pfn,
			   unsigned long nr);
bool dcma_pool_holds(struct dcma_region *r, unsigned long pfn,
		     unsigned long nr);
unsigned long dcma_pool_next_gap(struct dcma_region *r, unsigned long pfn,
				 unsigned long end, unsigned long *run_end);
unsigned long dcma_pool_target(struct dcma_region *r);
struct dcma_buffer *dcma_buffer_get(phys_addr_t phys);
int __dcma_put_owned(struct dcma_region *r, phys_addr_t phys, const char *who);
struct dcma_buffer *__dcma_region_alloc(struct dcma_region *region,
					size_t size, size_t align, gfp_t gfp,
					const char *owner, bool owner_ref);

void dcma_map_show(struct seq_file *m);

#endif /* _KERNEL_DMA_DCMA_DCMA_H */
