// SPDX-License-Identifier: GPL-2.0-only
/*
 * dcma: the same workloads through dma_alloc_coherent() on devices bound to
 * dcma regions and on devices drawing from mainline CMA areas, in the same
 * boot, for "make bench" (CONFIG_DCMA_BENCH; test kernels only).
 *
 * The devices are platform devices named "dcma-bench...": from the device
 * tree ("linux,dcma-bench" nodes whose memory-region is a dcma region or a
 * reusable shared-dma-pool, which probe hands to
 * of_reserved_mem_device_init() as any driver would) or, without a device
 * tree, four devices this file registers, the odd ones on the default CMA
 * area ("cma=") and the even ones bound by "dcma_map=".  A device that got
 * a CMA area is a mainline device; the others must be bound to dcma.  The
 * first two of each kind are "a" and "b".
 *
 * Root writes one command to /sys/kernel/debug/dcma/bench and reads the
 * results back:
 *
 *   idle SIZE N              N allocations and frees of SIZE bytes on each
 *                            "a" device, and the time to memset() the
 *                            buffer once more with its TLB entries
 *                            flushed, the zeroing floor
 *   pressure SIZE N PCT      the same, each allocation waiting (at most a
 *                            second) until PCT percent of the device's
 *                            lendable pages are lent to someone else (on
 *                            the LRU: page cache and anonymous memory)
 *   pinned SIZE N            the same, counting the pages held by I/O in
 *                            flight (pinned, or referenced by
 *                            get_user_pages()) and whether the request
 *                            fits beside them
 *   churn N SEED             N mixed-size allocations and frees at 70-90%
 *                            occupancy from one pseudo-random sequence
 *   conc SIZE N THREADS      THREADS kthreads, one per CPU, alternating
 *                            between the "a" and "b" devices, N pairs each
 *   hold SIZE N THREADS      the same kthreads on the dcma devices, each
 *                            allocating N buffers and keeping them
 *   release                  the same kthreads freeing what "hold" kept;
 *                            with the two, the lock statistics can tell
 *                            an allocation's locks from a free's
 *   parts SIZE N             where an allocation's time goes: the mean of
 *                            N back-to-back allocations and frees of SIZE
 *                            bytes from the page allocator, from the dcma
 *                            device's region (dcma_region_alloc() and
 *                            dcma_put()) and through the DMA API on each
 *                            "a" device, and of N memset()s of a mapped
 *                            buffer
 *
 * A test tool beside the code it measures, as kernel/dma/map_benchmark.c
 * is: it uses dcma's public interface (<linux/dcma.h>) and mainline
 * CMA's (<linux/cma.h>) and nothing of either's insides.
 *
 * Every result line starts with "result" or "cdf"; times are nanoseconds.
 * A buffer from outside its device's area (dma-direct falls back to the
 * page allocator when a mainline area fails) counts as a failure.
 */

#define pr_fmt(fmt) "dcma-bench: " fmt

#include <linux/bitmap.h>
#include <linux/cma.h>
#include <linux/completion.h>
#include <linux/dcma.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/dma-direct.h>
#include <linux/dma-mapping.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/of.h>
#include <linux/of_reserved_mem.h>
#include <linux/platform_device.h>
#include <linux/prandom.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

/* the zeroing floor is timed with the buffer's TLB entries flushed */
#include <asm/tlbflush.h>

#define BENCH_DEVS		4
#define BENCH_OUT_SIZE		(64 * 1024)
#define BENCH_MAX_SAMPLES	100000
#define BENCH_CDF_POINTS	51
#define BENCH_MAX_THREADS	8

/**
 * struct bench_dev - one device under test
 * @dev: the device
 * @mainline: draws from a mainline CMA area (dev->cma_area)
 * @base_pfn: first page of its area or region, known after an allocation
 * @nr_pages: pages in it
 * @region: the dcma region, for dcma devices
 */
struct bench_dev {
	struct device *dev;
	bool mainline;
	unsigned long base_pfn;
	unsigned long nr_pages;
	struct dcma_region *region;
};

/*
 * Serialises commands: one runs at a time, and it owns @bench_out.
 * The device table is written at probe, before commands can run.
 */
static DEFINE_MUTEX(bench_lock);
static struct bench_dev bench_devs[BENCH_DEVS];
static int bench_nr_devs;
static char *bench_out;		/* under bench_lock */
static size_t bench_len;	/* under bench_lock */
static struct platform_device *bench_pdevs[BENCH_DEVS];

static __printf(1, 2) void bench_printf(const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	bench_len += vscnprintf(bench_out + bench_len,
				BENCH_OUT_SIZE - bench_len, fmt, args);
	va_end(args);
}

/* The first (@idx 0) or second mainline or dcma device, or NULL */
static struct bench_dev *bench_dev(bool mainline, int idx)
{
	int i;

	for (i = 0; i < bench_nr_devs; i++)
		if (bench_devs[i].mainline == mainline && !idx--)
			return &bench_devs[i];
	return NULL;
}

static const char *bench_kind(const struct bench_dev *b)
{
	return b->mainline ? "mainline" : "dcma";
}

/*
 * The physical address of a buffer dma_alloc_coherent() gave at @cpu: in
 * the linear map, or remapped (non-coherent devices).  The devices have no
 * IOMMU, so this is where the device reads and writes too.
 */
static phys_addr_t bench_phys(void *cpu)
{
	if (is_vmalloc_addr(cpu))
		return page_to_phys(vmalloc_to_page(cpu)) + offset_in_page(cpu);
	return virt_to_phys(cpu);
}

struct bench_find {
	phys_addr_t phys;
	struct dcma_region *region;
	struct cma *cma;
};

static int bench_find_region(struct dcma_region *r, void *data)
{
	struct bench_find *f = data;
	phys_addr_t base = dcma_region_base(r);

	if (f->phys < base || f->phys >= base + dcma_region_size(r))
		return 0;
	f->region = r;
	return 1;
}

static int bench_find_cma(struct cma *cma, void *data)
{
	struct bench_find *f = data;
	phys_addr_t base = cma_get_base(cma);

	if (f->phys < base || f->phys >= base + cma_get_size(cma))
		return 0;
	f->cma = cma;
	return 1;
}

/*
 * Learn the device's area from a buffer it got; fails when the buffer is
 * not where the device was meant to draw from: a dcma region for a dcma
 * device, a CMA area (and no dcma region) for a mainline one.
 */
static int bench_locate(struct bench_dev *b, void *cpu)
{
	struct bench_find f = { .phys = bench_phys(cpu) };

	dcma_walk_regions(bench_find_region, &f);
	if (b->mainline) {
		cma_for_each_area(bench_find_cma, &f);
		if (f.region || !f.cma)
			goto out_misplaced;
		b->base_pfn = PHYS_PFN(cma_get_base(f.cma));
		b->nr_pages = cma_get_size(f.cma) >> PAGE_SHIFT;
		return 0;
	}
	if (!f.region)
		goto out_misplaced;
	b->region = f.region;
	b->base_pfn = PHYS_PFN(dcma_region_base(f.region));
	b->nr_pages = dcma_region_size(f.region) >> PAGE_SHIFT;
	return 0;

out_misplaced:
	dev_err(b->dev, "buffer at %pa is not in the device's %s area\n",
		&f.phys, bench_kind(b));
	return -ENXIO;
}

/* Learn @b's area from one allocation, if not known yet */
static int bench_prepare(struct bench_dev *b)
{
	dma_addr_t handle;
	void *cpu;
	int ret;

	if (b->nr_pages)
		return 0;
	cpu = dma_alloc_coherent(b->dev, PAGE_SIZE, &handle, GFP_KERNEL);
	if (!cpu)
		return -ENOMEM;
	ret = bench_locate(b, cpu);
	dma_free_coherent(b->dev, PAGE_SIZE, cpu, handle);
	return ret;
}

/* The "a" dcma device in @devs[0] and the "a" mainline one in @devs[1] */
static int bench_a_devs(struct bench_dev *devs[2])
{
	devs[0] = bench_dev(false, 0);
	devs[1] = bench_dev(true, 0);
	if (!devs[0] || !devs[1])
		return -ENODEV;
	return bench_prepare(devs[0]) ?: bench_prepare(devs[1]);
}

/*
 * Whether a buffer lies in @b's area.  A mainline device whose area fails
 * a request gets its buffer from the page allocator instead; that counts
 * as a failure of the area.
 */
static bool bench_inside_phys(struct bench_dev *b, phys_addr_t phys,
			      size_t size)
{
	unsigned long pfn = PHYS_PFN(phys);

	return pfn >= b->base_pfn &&
	       pfn + (PAGE_ALIGN(size) >> PAGE_SHIFT) <= b->base_pfn + b->nr_pages;
}

static bool bench_inside(struct bench_dev *b, void *cpu, size_t size)
{
	return bench_inside_phys(b, bench_phys(cpu), size);
}

/*
 * Pages of @b's area lent to someone else: those on the LRU, the page
 * cache and anonymous memory the load puts there.  Racy; may sleep.
 */
static unsigned long bench_lent(struct bench_dev *b)
{
	unsigned long pfn, lent = 0;

	for (pfn = b->base_pfn; pfn < b->base_pfn + b->nr_pages; pfn++) {
		lent += PageLRU(pfn_to_page(pfn));
		if (!(pfn % 1024))
			cond_resched();
	}
	return lent;
}

/* Pages of @b's area that may be lent: all but a dcma region's pool */
static unsigned long bench_lendable(struct bench_dev *b)
{
	return b->region ? dcma_region_lendable(b->region) : b->nr_pages;
}

/*
 * Whether someone holds @page beyond its mappings: a pin (FOLL_PIN), or
 * a reference taken by get_user_pages(), which is how this kernel's block
 * layer holds O_DIRECT buffers while the I/O is in flight.  Racy.
 */
static bool bench_page_held(struct page *page)
{
	struct folio *folio;

	if (PageBuddy(page) || !page_count(page))
		return false;
	folio = page_folio(page);
	if (folio_maybe_dma_pinned(folio))
		return true;
	return folio_test_lru(folio) && folio_test_anon(folio) &&
	       !folio_test_large(folio) &&
	       folio_ref_count(folio) > folio_mapcount(folio);
}

/* Pages held by I/O (bench_page_held()), and the longest run of others */
static void bench_pins(struct bench_dev *b, unsigned long *pinned,
		       unsigned long *free_run)
{
	unsigned long pfn, run = 0;

	*pinned = 0;
	*free_run = 0;
	for (pfn = b->base_pfn; pfn < b->base_pfn + b->nr_pages; pfn++) {
		struct page *page = pfn_to_page(pfn);

		if (bench_page_held(page)) {
			(*pinned)++;
			run = 0;
		} else {
			*free_run = max(*free_run, ++run);
		}
		cond_resched();
	}
}

static int bench_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* The @pct-th percentile of @n sorted samples, by nearest rank */
static u64 bench_pct(const u64 *sorted, int n, int pct)
{
	return n ? sorted[max(DIV_ROUND_UP(n * pct, 100), 1) - 1] : 0;
}

static void bench_report(const char *scen, struct bench_dev *b, size_t size,
			 u64 *lat, int ok, int fail, u64 *floor,
			 const char *extra)
{
	int i;

	sort(lat, ok, sizeof(*lat), bench_cmp_u64, NULL);
	sort(floor, ok, sizeof(*floor), bench_cmp_u64, NULL);
	bench_printf("result scen=%s dev=%s size=%zu n=%d fail=%d ",
		     scen, bench_kind(b), size, ok + fail, fail);
	bench_printf("p50=%llu p99=%llu max=%llu ",
		     bench_pct(lat, ok, 50), bench_pct(lat, ok, 99),
		     ok ? lat[ok - 1] : 0);
	bench_printf("floor_p50=%llu floor_p99=%llu%s\n",
		     bench_pct(floor, ok, 50), bench_pct(floor, ok, 99), extra);
	bench_printf("cdf scen=%s dev=%s size=%zu ns=", scen, bench_kind(b),
		     size);
	for (i = 0; i < BENCH_CDF_POINTS; i++)
		bench_printf("%s%llu", i ? "," : "",
			     bench_pct(lat, ok, i * 100 / (BENCH_CDF_POINTS - 1)));
	bench_printf("\n");
}

enum bench_mode { BENCH_IDLE, BENCH_PRESSURE, BENCH_PINNED };

/* Wait until @pct percent of @b's lendable pages are lent, a second at most */
static unsigned long bench_wait_lent(struct bench_dev *b, unsigned int pct)
{
	unsigned long want = bench_lendable(b) * pct / 100, lent;
	int tries = 200;

	while ((lent = bench_lent(b)) < want && tries--)
		usleep_range(4000, 6000);
	return lent;
}

/*
 * idle, pressure and pinned: alloc, memset floor, free; both "a" devices.
 * One function for the three modes, longer than most: each sample's
 * steps and its counts (failures, pins, lent pages) sit in one loop, so
 * that the modes time exactly the same steps, and both devices' results
 * are reported the same way right after it.
 */
static int bench_pairs(enum bench_mode mode, size_t size, int n,
		       unsigned int pct)
{
	static const char * const names[] = { "idle", "pressure", "pinned" };
	u64 *lat, *floor, t0, t1, lent_sum[2] = {}, pins_sum[2] = {};
	int ok[2] = {}, fail[2] = {}, unfit_fail[2] = {}, outside[2] = {};
	int i, d, k, ret = 0;
	struct bench_dev *devs[2];
	unsigned long pinned, free_run;
	dma_addr_t handle;
	char extra[192];
	void *cpu;

	ret = bench_a_devs(devs);
	if (ret)
		return ret;
	lat = kvcalloc(4 * n, sizeof(u64), GFP_KERNEL);
	if (!lat)
		return -ENOMEM;
	floor = lat + 2 * n;

	for (i = 0; i < n; i++) {
		/* alternate which device goes first, so neither is favoured */
		for (d = 0; d < 2; d++) {
			struct bench_dev *b = devs[(i + d) & 1];

			k = (i + d) & 1;

			if (mode == BENCH_PRESSURE)
				lent_sum[k] += bench_wait_lent(b, pct);
			if (mode == BENCH_PINNED) {
				bench_pins(b, &pinned, &free_run);
				pins_sum[k] += pinned;
			}
			t0 = ktime_get_ns();
			cpu = dma_alloc_coherent(b->dev, size, &handle,
						 GFP_KERNEL | __GFP_NOWARN);
			t1 = ktime_get_ns();
			if (cpu && !bench_inside(b, cpu, size)) {
				/* the normal DMA path served it: the area failed */
				dma_free_coherent(b->dev, size, cpu, handle);
				cpu = NULL;
				outside[k]++;
			}
			if (!cpu) {
				fail[k]++;
				if (mode == BENCH_PINNED &&
				    free_run < PAGE_ALIGN(size) >> PAGE_SHIFT)
					unfit_fail[k]++;
				continue;
			}
			lat[k * n + ok[k]] = t1 - t0;
			/* as cold as the buffer was: no TLB entry for it */
			flush_tlb_kernel_range((unsigned long)cpu,
					       (unsigned long)cpu + size);
			t0 = ktime_get_ns();
			memset(cpu, 0, size);
			floor[k * n + ok[k]] = ktime_get_ns() - t0;
			ok[k]++;
			dma_free_coherent(b->dev, size, cpu, handle);
		}
		cond_resched();
	}

	for (k = 0; k < 2; k++) {
		struct bench_dev *b = devs[k];
		int samples = max(1, ok[k] + fail[k]);

		snprintf(extra, sizeof(extra),
			 " lent_pct=%llu lendable_pct=%lu pinned_avg=%llu unfit_fails=%d outside=%d base=%#llx pages=%lu",
			 b->nr_pages && mode == BENCH_PRESSURE ?
			 div64_u64(100 * lent_sum[k], samples * b->nr_pages) : 0,
			 b->nr_pages ? 100 * bench_lendable(b) / b->nr_pages : 0,
			 div64_u64(pins_sum[k], samples), unfit_fail[k],
			 outside[k],
			 (unsigned long long)PFN_PHYS(b->base_pfn), b->nr_pages);
		bench_report(names[mode], b, size, lat + k * n, ok[k], fail[k],
			     floor + k * n, extra);
	}
	kvfree(lat);
	return 0;
}

struct bench_buf {
	void *cpu;
	dma_addr_t handle;
	size_t size;
};

#define BENCH_CHURN_LIVE	8192

/* The longest run of clear bits in @map, of @nr bits */
static unsigned long bench_longest_free(const unsigned long *map,
					unsigned long nr)
{
	unsigned long b, e, best = 0;

	for_each_clear_bitrange(b, e, map, nr)
		best = max(best, e - b);
	return best;
}

/*
 * Whether @map, of @nr bits for the pages from @base_pfn on, has a run of
 * @want clear bits whose first page frame is a multiple of @align
 */
static bool bench_aligned_fit(const unsigned long *map, unsigned long nr,
			      unsigned long base_pfn, unsigned long want,
			      unsigned long align)
{
	unsigned long b, e, start;

	for_each_clear_bitrange(b, e, map, nr) {
		start = ALIGN(base_pfn + b, align) - base_pfn;
		if (start < e && e - start >= want)
			return true;
	}
	return false;
}

/* Mark the pages of @buf in @map, the bench's own view of @b's area */
static void bench_mark(struct bench_dev *b, unsigned long *map,
		       struct bench_buf *buf, bool held)
{
	unsigned long pfn = PHYS_PFN(bench_phys(buf->cpu));
	unsigned long nr = buf->size >> PAGE_SHIFT;

	if (pfn < b->base_pfn || pfn + nr > b->base_pfn + b->nr_pages)
		return;
	if (held)
		bitmap_set(map, pfn - b->base_pfn, nr);
	else
		bitmap_clear(map, pfn - b->base_pfn, nr);
}

/*
 * Mixed sizes, 1 to 512 pages: a draw modulo 2^k, k drawn next from 0
 * to 9, so that small and large requests are equally common, one fixed
 * sequence, which the allocators can be replayed on alone.  Allocate
 * below 70% occupancy, free above 90%, either in between.  A request
 * fits when the free space is at least its size ("fits"), contiguously
 * when the longest free run is ("run_fits"), and at its alignment when a
 * free run holds it at the alignment dma_alloc_coherent() asks of both
 * kinds of area, its size's order up to CONFIG_CMA_ALIGNMENT ("afits");
 * the bench's buffers are the only ones it counts, which holds for areas
 * only the bench uses.  A buffer from outside the area (a mainline device's
 * fallback) is freed at once and counts as a failure ("outside").  The
 * sequence, the occupancy band and the bench's own map of the area are
 * kept in one function, longer than most, so that the order of draws
 * stays the one the host replay makes.
 */
static void bench_churn_dev(struct bench_dev *b, struct bench_buf *live,
			    unsigned long *map, int n, u32 seed)
{
	unsigned long used = 0, nr, total = b->nr_pages;
	int nlive = 0, fits = 0, fit_fails = 0, other_fails = 0, allocs = 0;
	int run_fits = 0, run_fit_fails = 0, outside = 0, i, j, pct;
	int afits = 0, afit_fails = 0;
	unsigned long align;
	struct rnd_state rnd;
	bool alloc, run_fit, afit;

	bitmap_zero(map, total);
	prandom_seed_state(&rnd, seed);
	for (i = 0; i < n; i++) {
		pct = total ? used * 100 / total : 0;
		alloc = pct < 70 || (pct <= 90 && prandom_u32_state(&rnd) & 1);
		if (alloc && nlive < BENCH_CHURN_LIVE) {
			/* Two draws, in this order, as dcma_churn makes them */
			nr = prandom_u32_state(&rnd);
			nr = 1 + nr % (1U << (prandom_u32_state(&rnd) % 10));
			run_fit = bench_longest_free(map, total) >= nr;
			align = 1UL << min_t(unsigned int,
					     get_order(nr << PAGE_SHIFT),
					     CONFIG_CMA_ALIGNMENT);
			afit = bench_aligned_fit(map, total, b->base_pfn, nr,
						 align);
			live[nlive].size = nr << PAGE_SHIFT;
			live[nlive].cpu = dma_alloc_coherent(b->dev,
							     live[nlive].size,
							     &live[nlive].handle,
							     GFP_KERNEL | __GFP_NOWARN);
			allocs++;
			if (total - used >= nr)
				fits++;
			run_fits += run_fit;
			afits += afit;
			if (live[nlive].cpu &&
			    !bench_inside(b, live[nlive].cpu, live[nlive].size)) {
				dma_free_coherent(b->dev, live[nlive].size,
						  live[nlive].cpu,
						  live[nlive].handle);
				live[nlive].cpu = NULL;
				outside++;
			}
			if (live[nlive].cpu) {
				bench_mark(b, map, &live[nlive], true);
				used += nr;
				nlive++;
			} else if (total - used >= nr) {
				fit_fails++;
				run_fit_fails += run_fit;
				afit_fails += afit;
			} else {
				other_fails++;
			}
		} else if (nlive) {
			j = prandom_u32_state(&rnd) % nlive;
			bench_mark(b, map, &live[j], false);
			dma_free_coherent(b->dev, live[j].size, live[j].cpu,
					  live[j].handle);
			used -= live[j].size >> PAGE_SHIFT;
			live[j] = live[--nlive];
		}
		cond_resched();
	}
	while (nlive--)
		dma_free_coherent(b->dev, live[nlive].size, live[nlive].cpu,
				  live[nlive].handle);
	bench_printf("result scen=churn dev=%s n=%d allocs=%d fits=%d ",
		     bench_kind(b), n, allocs, fits);
	bench_printf("fit_fails=%d other_fails=%d outside=%d success_permille=%d ",
		     fit_fails, other_fails, outside,
		     fits ? 1000 * (fits - fit_fails) / fits : 1000);
	bench_printf("run_fits=%d run_fit_fails=%d run_success_permille=%d ",
		     run_fits, run_fit_fails,
		     run_fits ? 1000 * (run_fits - run_fit_fails) / run_fits :
				1000);
	bench_printf("afits=%d afit_fails=%d\n", afits, afit_fails);
}

static int bench_churn(int n, u32 seed)
{
	struct bench_dev *devs[2];
	struct bench_buf *live;
	unsigned long *map;
	int k, ret;

	ret = bench_a_devs(devs);
	if (ret)
		return ret;
	live = kvcalloc(BENCH_CHURN_LIVE, sizeof(*live), GFP_KERNEL);
	map = bitmap_zalloc(max(devs[0]->nr_pages, devs[1]->nr_pages),
			    GFP_KERNEL);
	if (!live || !map) {
		kvfree(live);
		bitmap_free(map);
		return -ENOMEM;
	}
	for (k = 0; k < 2; k++)
		bench_churn_dev(devs[k], live, map, n, seed);
	bitmap_free(map);
	kvfree(live);
	return 0;
}

/* What each concurrency kthread does with its N buffers */
enum bench_conc_op {
	BENCH_CONC,	/* allocate and free each in turn */
	BENCH_HOLD,	/* allocate them and keep them */
	BENCH_RELEASE,	/* free the ones a hold kept */
};

static const char * const bench_conc_names[] = {
	[BENCH_CONC] = "conc", [BENCH_HOLD] = "hold",
	[BENCH_RELEASE] = "release",
};

/**
 * struct bench_held - the buffers one kthread of a "hold" kept
 * @b: the device they came from
 * @size: their size
 * @n: how many were asked for
 * @cpu: their CPU addresses, NULL where an allocation failed
 * @handle: their DMA addresses
 */
struct bench_held {
	struct bench_dev *b;
	size_t size;
	int n;
	void **cpu;
	dma_addr_t *handle;
};

/* What the last "hold" kept, one entry per kthread; under bench_lock */
static struct bench_held bench_held[BENCH_MAX_THREADS];
static int bench_nr_held;

struct bench_thread {
	struct bench_dev *b;
	enum bench_conc_op op;
	struct bench_held *held;
	size_t size;
	int n;
	int fails;
	atomic_t *ready;
	struct completion *go;
	struct completion done;
	u64 start, end;
};

static int bench_thread_fn(void *data)
{
	struct bench_thread *t = data;
	struct bench_held *h = t->held;
	dma_addr_t handle;
	void *cpu;
	int i;

	atomic_inc(t->ready);
	wait_for_completion(t->go);
	t->start = ktime_get_ns();
	for (i = 0; i < t->n; i++) {
		if (t->op == BENCH_RELEASE) {
			if (h->cpu[i])
				dma_free_coherent(h->b->dev, h->size, h->cpu[i],
						  h->handle[i]);
			h->cpu[i] = NULL;
			continue;
		}
		cpu = dma_alloc_coherent(t->b->dev, t->size, &handle,
					 GFP_KERNEL | __GFP_NOWARN);
		if (cpu && !bench_inside(t->b, cpu, t->size))
			t->fails++;
		if (!cpu) {
			t->fails++;
			continue;
		}
		if (t->op == BENCH_HOLD) {
			h->cpu[i] = cpu;
			h->handle[i] = handle;
			continue;
		}
		dma_free_coherent(t->b->dev, t->size, cpu, handle);
	}
	t->end = ktime_get_ns();
	complete(&t->done);
	return 0;
}

/* Free what bench_held_alloc() allocated for the kthreads of a hold */
static void bench_held_free(void)
{
	int i;

	for (i = 0; i < BENCH_MAX_THREADS; i++) {
		kvfree(bench_held[i].cpu);
		kvfree(bench_held[i].handle);
		bench_held[i] = (struct bench_held){ };
	}
	bench_nr_held = 0;
}

/* Room for @threads kthreads to keep @n buffers of @size each */
static int bench_held_alloc(struct bench_thread *t, size_t size, int n,
			    int threads)
{
	struct bench_held *h;
	int i;

	for (i = 0; i < threads; i++) {
		h = &bench_held[i];
		h->cpu = kvcalloc(n, sizeof(*h->cpu), GFP_KERNEL);
		h->handle = kvcalloc(n, sizeof(*h->handle), GFP_KERNEL);
		if (!h->cpu || !h->handle) {
			bench_held_free();
			return -ENOMEM;
		}
		h->b = t[i].b;
		h->size = size;
		h->n = n;
	}
	bench_nr_held = threads;
	return 0;
}

/*
 * THREADS kthreads on CPUs 0.., alternating between the "a" and "b"
 * devices, doing @op; a release frees what the last hold kept, with as
 * many kthreads, each on the CPU and device that allocated its buffers.
 */
static int bench_conc_kind(enum bench_conc_op op, bool mainline, size_t size,
			   int n, int threads)
{
	struct bench_thread *t;
	struct task_struct *task;
	DECLARE_COMPLETION_ONSTACK(go);
	atomic_t ready = ATOMIC_INIT(0);
	u64 start = U64_MAX, end = 0;
	int i, fails = 0, ret = 0;

	t = kcalloc(threads, sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	for (i = 0; i < threads; i++) {
		t[i].b = bench_dev(mainline, i & 1) ?: bench_dev(mainline, 0);
		ret = bench_prepare(t[i].b);
		if (ret)
			goto out_free;
		t[i].held = &bench_held[i];
	}
	if (op == BENCH_HOLD) {
		ret = bench_held_alloc(t, size, n, threads);
		if (ret)
			goto out_free;
	}
	for (i = 0; i < threads; i++) {
		t[i].op = op;
		t[i].size = size;
		t[i].n = n;
		t[i].ready = &ready;
		t[i].go = &go;
		init_completion(&t[i].done);
		task = kthread_create(bench_thread_fn, &t[i], "dcma-bench/%d", i);
		if (IS_ERR(task)) {
			ret = PTR_ERR(task);
			threads = i;
			break;
		}
		kthread_bind(task, i);
		wake_up_process(task);
	}
	while (atomic_read(&ready) < threads)
		usleep_range(1000, 2000);
	complete_all(&go);
	for (i = 0; i < threads; i++) {
		wait_for_completion(&t[i].done);
		start = min(start, t[i].start);
		end = max(end, t[i].end);
		fails += t[i].fails;
	}
	/*
	 * a hold keeps what its kthreads got even if not all of them
	 * started; a release whose kthreads did not all start leaves the
	 * others' buffers to the next release
	 */
	if (op == BENCH_RELEASE && !ret)
		bench_held_free();
	if (!ret && threads) {
		bench_printf("result scen=%s dev=%s size=%zu threads=%d ",
			     bench_conc_names[op], bench_kind(t[0].b), size,
			     threads);
		bench_printf("ops=%d fails=%d ns=%llu ops_per_s=%llu\n",
			     n * threads, fails, end - start,
			     div64_u64((u64)n * threads * NSEC_PER_SEC,
				       max_t(u64, end - start, 1)));
	}
out_free:
	kfree(t);
	return ret;
}

/* Whether @threads kthreads, one per CPU, can run */
static bool bench_threads_ok(int threads)
{
	return threads >= 1 &&
	       threads <= min_t(int, BENCH_MAX_THREADS, num_online_cpus());
}

static int bench_conc(size_t size, int n, int threads)
{
	int ret;

	if (!bench_threads_ok(threads))
		return -EINVAL;
	if (!bench_dev(false, 0) || !bench_dev(true, 0))
		return -ENODEV;
	ret = bench_conc_kind(BENCH_CONC, false, size, n, threads);
	return ret ?: bench_conc_kind(BENCH_CONC, true, size, n, threads);
}

/*
 * "hold": THREADS kthreads allocate N buffers each on the dcma devices
 * and keep them, until "release" frees them with the same kthreads.
 */
static int bench_hold(size_t size, int n, int threads)
{
	if (!bench_threads_ok(threads))
		return -EINVAL;
	if (!bench_dev(false, 0))
		return -ENODEV;
	if (bench_nr_held)
		return -EBUSY;
	return bench_conc_kind(BENCH_HOLD, false, size, n, threads);
}

static int bench_release(void)
{
	if (!bench_nr_held)
		return -ENOENT;
	return bench_conc_kind(BENCH_RELEASE, false, bench_held[0].size,
			       bench_held[0].n, bench_nr_held);
}

/* Mean nanoseconds per round since @t0 */
static u64 bench_mean(u64 t0, int n)
{
	return div64_u64(ktime_get_ns() - t0, n);
}

/*
 * The fixed costs below an allocation, each timed over @n back-to-back
 * rounds so that the clock's own cost is spread thin: the page allocator
 * (zeroed, as dma-direct zeroes), dcma's region layer alone (zeroed, with
 * dma_alloc_contiguous()'s alignment), the DMA API on the dcma and the
 * mainline device, and the memset() of a buffer already mapped.  DMA API
 * buffers from outside their device's area are counted ("outside"): their
 * times are the page allocator's.  Longer than most: five timed loops
 * side by side, so that each is timed the same way as its neighbours.
 */
static int bench_parts(size_t size, int n)
{
	unsigned int order = get_order(size);
	u64 t0, page_ns, region_ns, dma_ns[2], memset_ns;
	size_t align = PAGE_SIZE << min_t(unsigned int, order,
					  CONFIG_CMA_ALIGNMENT);
	struct bench_dev *devs[2];
	dma_addr_t handle, *handles;
	struct dcma_buffer *buf;
	struct page *page;
	int i, k, ret, outside = 0;
	void *cpu;

	ret = bench_a_devs(devs);
	if (ret)
		return ret;
	if (!devs[0]->region || order > MAX_PAGE_ORDER)
		return -EINVAL;

	t0 = ktime_get_ns();
	for (i = 0; i < n; i++) {
		page = alloc_pages(GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN, order);
		if (!page)
			return -ENOMEM;
		__free_pages(page, order);
	}
	page_ns = bench_mean(t0, n);

	t0 = ktime_get_ns();
	for (i = 0; i < n; i++) {
		buf = dcma_region_alloc(devs[0]->region, size, align,
					GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN);
		if (IS_ERR(buf))
			return PTR_ERR(buf);
		dcma_put(dcma_buffer_phys(buf));
	}
	region_ns = bench_mean(t0, n);

	/* where each DMA API buffer was, checked once the clock is read */
	handles = kvmalloc_array(n, sizeof(*handles), GFP_KERNEL);
	if (!handles)
		return -ENOMEM;
	for (k = 0; k < 2; k++) {
		t0 = ktime_get_ns();
		for (i = 0; i < n; i++) {
			cpu = dma_alloc_coherent(devs[k]->dev, size, &handle,
						 GFP_KERNEL | __GFP_NOWARN);
			if (!cpu)
				goto out_free_handles;
			handles[i] = handle;
			dma_free_coherent(devs[k]->dev, size, cpu, handle);
			if (!(i % 64))
				cond_resched();
		}
		dma_ns[k] = bench_mean(t0, n);
		for (i = 0; i < n; i++)
			outside += !bench_inside_phys(devs[k],
					dma_to_phys(devs[k]->dev, handles[i]),
					size);
	}
	kvfree(handles);

	cpu = dma_alloc_coherent(devs[0]->dev, size, &handle, GFP_KERNEL);
	if (!cpu)
		return -ENOMEM;
	t0 = ktime_get_ns();
	for (i = 0; i < n; i++) {
		memset(cpu, i, size);
		barrier();
	}
	memset_ns = bench_mean(t0, n);
	dma_free_coherent(devs[0]->dev, size, cpu, handle);

	bench_printf("result scen=parts size=%zu n=%d page_alloc_ns=%llu ",
		     size, n, page_ns);
	bench_printf("region_ns=%llu dma_dcma_ns=%llu dma_mainline_ns=%llu ",
		     region_ns, dma_ns[0], dma_ns[1]);
	bench_printf("memset_ns=%llu outside=%d\n", memset_ns, outside);
	return 0;

out_free_handles:
	kvfree(handles);
	return -ENOMEM;
}

static int bench_run(char *cmd)
{
	unsigned long size, n, arg;
	char word[16];
	int got;

	got = sscanf(cmd, "%15s %lu %lu %lu", word, &size, &n, &arg);
	if (got == 1 && !strcmp(word, "release"))
		return bench_release();
	if (got < 3)
		return -EINVAL;
	if (!strcmp(word, "churn"))
		return n > U32_MAX || size > BENCH_MAX_SAMPLES ? -EINVAL :
		       bench_churn(size, n);
	if (!size || size > SZ_256M || !n || n > BENCH_MAX_SAMPLES)
		return -EINVAL;
	if (!strcmp(word, "idle") && got == 3)
		return bench_pairs(BENCH_IDLE, size, n, 0);
	if (!strcmp(word, "pinned") && got == 3)
		return bench_pairs(BENCH_PINNED, size, n, 0);
	if (!strcmp(word, "pressure") && got == 4 && arg <= 100)
		return bench_pairs(BENCH_PRESSURE, size, n, arg);
	if (!strcmp(word, "conc") && got == 4)
		return bench_conc(size, n, arg);
	if (!strcmp(word, "hold") && got == 4)
		return bench_hold(size, n, arg);
	if (!strcmp(word, "parts") && got == 3)
		return bench_parts(size, n);
	return -EINVAL;
}

static ssize_t bench_write(struct file *file, const char __user *ubuf,
			   size_t count, loff_t *ppos)
{
	char cmd[64];
	int ret;

	if (count >= sizeof(cmd))
		return -EINVAL;
	if (copy_from_user(cmd, ubuf, count))
		return -EFAULT;
	cmd[count] = '\0';

	mutex_lock(&bench_lock);
	bench_len = 0;
	ret = bench_run(cmd);
	if (ret)
		bench_len = 0;
	mutex_unlock(&bench_lock);
	return ret ?: count;
}

static ssize_t bench_read(struct file *file, char __user *ubuf, size_t count,
			  loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&bench_lock);
	ret = simple_read_from_buffer(ubuf, count, ppos, bench_out, bench_len);
	mutex_unlock(&bench_lock);
	return ret;
}

static const struct file_operations bench_fops = {
	.owner = THIS_MODULE,
	.write = bench_write,
	.read = bench_read,
	.llseek = default_llseek,
};

static int bench_find_default(struct cma *cma, void *data)
{
	struct cma **found = data;

	if (strcmp(cma_get_name(cma), "reserved"))
		return 0;
	*found = cma;
	return 1;
}

/* Mainline's default CMA area ("cma="), which mainline names "reserved" */
static struct cma *bench_default_cma(void)
{
	struct cma *cma = NULL;

	cma_for_each_area(bench_find_default, &cma);
	return cma;
}

static int bench_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct bench_dev *b;
	int ret;

	if (bench_nr_devs == BENCH_DEVS)
		return -ENOSPC;
	if (dev->of_node) {
		/* as a driver with a per-device CMA area does it */
		ret = of_reserved_mem_device_init(dev);
		if (ret && ret != -ENODEV)
			return dev_err_probe(dev, ret, "no reserved memory\n");
	} else if (pdev->id & 1) {
		/* the area of its own that a device-tree memory-region gives */
		dev->cma_area = bench_default_cma();
	}
	ret = dma_coerce_mask_and_coherent(dev, DMA_BIT_MASK(64));
	if (ret)
		return ret;

	mutex_lock(&bench_lock);
	b = &bench_devs[bench_nr_devs++];
	b->dev = dev;
	b->mainline = dev->cma_area;
	mutex_unlock(&bench_lock);
	dev_info(dev, "benchmark device on %s\n", bench_kind(b));
	return 0;
}

static const struct of_device_id bench_of_match[] = {
	{ .compatible = "linux,dcma-bench" },
	{ }
};

static struct platform_driver bench_driver = {
	.probe = bench_probe,
	.driver = {
		.name = "dcma-bench",
		.of_match_table = bench_of_match,
		.suppress_bind_attrs = true,
	},
};

static int __init bench_init(void)
{
	struct dentry *dir;
	int i, ret;

	bench_out = kvzalloc(BENCH_OUT_SIZE, GFP_KERNEL);
	if (!bench_out)
		return -ENOMEM;
	ret = platform_driver_register(&bench_driver);
	if (ret)
		goto out_free_out;
	/* without a device tree: two dcma devices and two on "cma=" */
	if (!of_have_populated_dt() && bench_default_cma())
		for (i = 0; i < BENCH_DEVS; i++)
			bench_pdevs[i] = platform_device_register_simple("dcma-bench",
									 i, NULL, 0);
	dir = debugfs_lookup("dcma", NULL);
	if (dir)
		debugfs_create_file("bench", 0600, dir, NULL, &bench_fops);
	dput(dir);
	return 0;

out_free_out:
	kvfree(bench_out);
	return ret;
}
late_initcall(bench_init);
