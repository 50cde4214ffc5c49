// SPDX-License-Identifier: GPL-2.0-only
/*
 * dcma_churn: the benchmark driver's fragmentation churn
 * (kernel/dma/dcma_benchmark.c, "churn N SEED") replayed on the host against
 * the allocators themselves, so that a change of placement can be judged
 * in a second instead of a boot.
 *
 * Usage: dcma_churn [-n] [-a ORDER] [STEPS [SEED[-LAST] [PAGES [BASE_PFN]]]]
 *
 * Defaults: 3000 steps, seed 1, a region of 16384 pages (64 MiB) at pfn
 * 0, as in "make bench".  With SEED-LAST, every seed from SEED to LAST
 * runs, and a "total" line per allocator sums them.  "-a ORDER" caps the
 * alignment at 2^ORDER pages instead of 2^8, to see what alignment costs.
 * "-n" runs "bf" without the region's cached buffer (see below).
 *
 * The sequence is the kernel's: the same Tausworthe generator as
 * prandom_u32_state() seeded as prandom_seed_state() seeds it, the same
 * draws in the same order, and the alignment dma_alloc_contiguous() asks
 * of a region (the size's page order, at most CONFIG_CMA_ALIGNMENT, 8).  For each allocator the
 * program prints the line the bench driver prints, without the fields
 * that only a device has:
 *
 *   result scen=churn alloc=bf n=3000 allocs=... fits=... fit_fails=...
 *
 * "afits" counts the requests that a free run could hold at their
 * alignment; the allocators fail none of those ("afit_fails" 0), which a
 * region in the kernel can only miss when a claim fails.
 *
 * The bench driver's figures for mainline CMA are those of "ff" here (the
 * same first-fit bitmap search), and those for dcma those of "bf", as long
 * as nothing but the bench uses the regions.  "bf" is driven as dcma's
 * core drives it in a region that keeps its freed pages, as the bench's
 * does (kernel/dma/dcma/buffer.c): the last freed buffer stays cached,
 * its range allocated, and the next allocation of its size at an
 * alignment it meets takes it; any other allocation gives the cached
 * range back to the allocator first.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/types.h>
#include <dcma_host.h>

#include "allocator.h"

#define CHURN_LIVE		8192

/* CONFIG_CMA_ALIGNMENT's default, as dma_alloc_contiguous() caps it */
static unsigned int align_order = 8;

/* each allocator, and whether dcma's core caches the last freed buffer */
static struct {
	const struct dcma_allocator_ops *ops;
	bool cache;
} allocators[] = {
	{ &dcma_bestfit_ops, true }, { &dcma_firstfit_ops, false },
};

struct rnd_state {
	u32 s1, s2, s3, s4;
};

static u32 seed_one(u32 x, u32 m)
{
	return x < m ? x + m : x;
}

/* As prandom_seed_state() */
static void rnd_seed(struct rnd_state *st, u64 seed)
{
	u32 i = ((seed >> 32) ^ (seed << 10) ^ seed) & 0xffffffffUL;

	st->s1 = seed_one(i, 2U);
	st->s2 = seed_one(i, 8U);
	st->s3 = seed_one(i, 16U);
	st->s4 = seed_one(i, 128U);
}

static u32 tausworthe(u32 s, int a, int b, u32 c, int d)
{
	return ((s & c) << d) ^ (((s << a) ^ s) >> b);
}

/* As prandom_u32_state() */
static u32 rnd_u32(struct rnd_state *st)
{
	st->s1 = tausworthe(st->s1, 6, 13, 4294967294U, 18);
	st->s2 = tausworthe(st->s2, 2, 27, 4294967288U, 2);
	st->s3 = tausworthe(st->s3, 13, 21, 4294967280U, 7);
	st->s4 = tausworthe(st->s4, 3, 12, 4294967168U, 13);
	return st->s1 ^ st->s2 ^ st->s3 ^ st->s4;
}

struct churn_counts {
	int allocs, fits, fit_fails, other_fails, run_fits, run_fit_fails;
	int afits, afit_fails;
};

struct churn_buf {
	unsigned long pfn;
	unsigned long nr;
	void *node;
};

static void *xmalloc(size_t size)
{
	void *p = calloc(1, size ? size : 1);

	if (!p) {
		perror("dcma_churn");
		exit(1);
	}
	return p;
}

/*
 * Whether @used, one byte per page of the region from @base on, has @nr
 * free pages in a row from a multiple of @align: the benchmark's
 * bench_aligned_fit(), on the program's own map
 */
static bool aligned_fit(const unsigned char *used, unsigned long total,
			unsigned long base, unsigned long nr,
			unsigned long align)
{
	unsigned long b = 0, e, start;

	while (b < total) {
		if (used[b]) {
			b++;
			continue;
		}
		for (e = b; e < total && !used[e]; e++)
			;
		start = ((base + b + align - 1) & ~(align - 1)) - base;
		if (start < e && e - start >= nr)
			return true;
		b = e;
	}
	return false;
}

/* The longest run of free pages in @used: the benchmark's bench_longest_free() */
static unsigned long longest_free(const unsigned char *used,
				  unsigned long total)
{
	unsigned long b, run = 0, longest = 0;

	for (b = 0; b < total; b++) {
		run = used[b] ? 0 : run + 1;
		if (run > longest)
			longest = run;
	}
	return longest;
}

/* The page order of @nr pages, as get_order() of their size */
static unsigned int order_of(unsigned long nr)
{
	unsigned int order = 0;

	while ((1UL << order) < nr)
		order++;
	return order;
}

static void print_counts(const char *what, const char *alloc, int n,
			 const struct churn_counts *c)
{
	printf("%s scen=churn alloc=%s n=%d allocs=%d fits=%d fit_fails=%d ",
	       what, alloc, n, c->allocs, c->fits, c->fit_fails);
	printf("other_fails=%d success_permille=%d ", c->other_fails,
	       c->fits ? 1000 * (c->fits - c->fit_fails) / c->fits : 1000);
	printf("run_fits=%d run_fit_fails=%d run_success_permille=%d ",
	       c->run_fits, c->run_fit_fails,
	       c->run_fits ? 1000 * (c->run_fits - c->run_fit_fails) /
			     c->run_fits : 1000);
	printf("afits=%d afit_fails=%d\n", c->afits, c->afit_fails);
}

/* The cached range, if any, back to the allocator: dcma_cached_return_locked() */
static void cached_return(const struct dcma_allocator_ops *ops, void *state,
			  struct churn_buf *cached)
{
	if (cached->nr)
		free(ops->free(state, cached->pfn, cached->nr));
	cached->nr = 0;
}

static void churn(const struct dcma_allocator_ops *ops, bool cache, int n,
		  u32 seed, unsigned long base, unsigned long total,
		  struct churn_counts *c)
{
	int nlive = 0, i, j, pct, ret;
	struct churn_buf *live = xmalloc(CHURN_LIVE * sizeof(*live));
	unsigned char *used_map = xmalloc(total);
	struct churn_buf cached = {};
	unsigned long used = 0;
	struct rnd_state rnd;
	void *state, *node;
	bool alloc;

	node = ops->node_size ? xmalloc(ops->node_size) : NULL;
	state = ops->create(base, total, node);
	if (IS_ERR_OR_NULL(state)) {
		fprintf(stderr, "dcma_churn: %s: ->create() failed\n", ops->name);
		exit(1);
	}
	rnd_seed(&rnd, seed);
	for (i = 0; i < n; i++) {
		pct = used * 100 / total;
		alloc = pct < 70 || (pct <= 90 && rnd_u32(&rnd) & 1);
		if (alloc && nlive < CHURN_LIVE) {
			u32 r = rnd_u32(&rnd);
			unsigned long nr = 1 + r % (1U << (rnd_u32(&rnd) % 10));
			unsigned long align;
			bool run_fit, afit;

			align = 1UL << min(order_of(nr), align_order);
			run_fit = longest_free(used_map, total) >= nr;
			afit = aligned_fit(used_map, total, base, nr, align);
			c->allocs++;
			c->fits += total - used >= nr;
			c->run_fits += run_fit;
			c->afits += afit;
			if (cached.nr == nr && !(cached.pfn & (align - 1))) {
				/* dcma_cached_take(): the cached range whole */
				live[nlive].pfn = cached.pfn;
				cached.nr = 0;
				ret = 0;
			} else {
				/* any other request: the range back first */
				cached_return(ops, state, &cached);
				ret = ops->alloc(state, nr, align,
						 &live[nlive].pfn, NULL);
			}
			/* a node when the allocator asks, which it keeps */
			if (ret == -EAGAIN)
				ret = ops->alloc(state, nr, align,
						 &live[nlive].pfn,
						 xmalloc(ops->node_size));
			if (!ret) {
				live[nlive].nr = nr;
				memset(used_map + live[nlive].pfn - base, 1, nr);
				used += nr;
				nlive++;
			} else {
				if (total - used >= nr) {
					c->fit_fails++;
					c->run_fit_fails += run_fit;
					c->afit_fails += afit;
				} else {
					c->other_fails++;
				}
			}
		} else if (nlive) {
			j = rnd_u32(&rnd) % nlive;
			if (cache) {
				/* the last freed buffer cached, the one before back */
				cached_return(ops, state, &cached);
				cached = live[j];
			} else {
				free(ops->free(state, live[j].pfn, live[j].nr));
			}
			memset(used_map + live[j].pfn - base, 0, live[j].nr);
			used -= live[j].nr;
			live[j] = live[--nlive];
		}
	}
	cached_return(ops, state, &cached);
	while (nlive--)
		free(ops->free(state, live[nlive].pfn, live[nlive].nr));
	ops->destroy(state);
	free(used_map);
	free(live);
}

int main(int argc, char **argv)
{
	struct churn_counts total[ARRAY_SIZE(allocators)] = {};
	unsigned long pages = 16384, base = 0;
	u32 seed = 1, last = 1, s;
	char *end;
	int n = 3000;
	size_t a;

	if (argc > 1 && !strcmp(argv[1], "-n")) {
		allocators[0].cache = false;
		argv++;
		argc--;
	}
	if (argc > 2 && !strcmp(argv[1], "-a")) {
		align_order = strtoul(argv[2], NULL, 0);
		argv += 2;
		argc -= 2;
	}
	if (argc > 5 || align_order > 30) {
		fprintf(stderr, "usage: dcma_churn [-n] [-a ORDER] %s\n",
			"[STEPS [SEED[-LAST] [PAGES [BASE]]]]");
		return 2;
	}
	if (argc > 1)
		n = strtol(argv[1], NULL, 0);
	if (argc > 2) {
		seed = strtoul(argv[2], &end, 0);
		last = *end == '-' ? strtoul(end + 1, NULL, 0) : seed;
	}
	if (argc > 3)
		pages = strtoul(argv[3], NULL, 0);
	if (argc > 4)
		base = strtoul(argv[4], NULL, 0);
	if (n < 0 || !pages || last < seed) {
		fprintf(stderr, "dcma_churn: bad steps, seeds or pages\n");
		return 2;
	}
	for (s = seed; ; s++) {
		for (a = 0; a < ARRAY_SIZE(allocators); a++) {
			struct churn_counts c = {};

			churn(allocators[a].ops, allocators[a].cache, n, s,
			      base, pages, &c);
			print_counts("result", allocators[a].ops->name, n, &c);
			total[a].allocs += c.allocs;
			total[a].fits += c.fits;
			total[a].fit_fails += c.fit_fails;
			total[a].other_fails += c.other_fails;
			total[a].run_fits += c.run_fits;
			total[a].run_fit_fails += c.run_fit_fails;
			total[a].afits += c.afits;
			total[a].afit_fails += c.afit_fails;
		}
		if (s == last)
			break;
	}
	if (last != seed)
		for (a = 0; a < ARRAY_SIZE(allocators); a++)
			print_counts("total", allocators[a].ops->name, n,
				     &total[a]);
	return 0;
}
