// SPDX-License-Identifier: GPL-2.0-only
/*
 * dcma_scale: how the cost of one allocation and one free grows with the
 * size of the region and the number of live buffers, for the best-fit
 * ("bf") and the first-fit ("ff") allocators.
 *
 * Usage: dcma_scale [--smoke]
 *
 * For every allocator, region size and number of live buffers N:
 *
 *  1. create the region and fill it with N live buffers of 1 to
 *     BENCH_MAX_PAGES pages, freeing a random live buffer every fourth
 *     step or so, so that the region has holes;
 *  2. the measured phase: ops times, allocate a buffer of 1 to
 *     BENCH_MAX_PAGES pages (alignment 1), then free a random live
 *     buffer, which keeps N buffers live;
 *  3. check the allocator's figures, free everything and destroy.
 *
 * Sizes and choices come from a fixed pseudo-random sequence, the same for
 * both allocators.  A combination runs only when N buffers of the largest
 * size take at most half the region.
 *
 * Callgrind's client requests bracket the measured phase: with
 * "--instr-atstart=no" only that phase is instrumented, and each one ends
 * in a dump labelled "alloc=bf region=64MiB buffers=10 ops=1000".
 * bench/scale.py also passes "--collect-atstart=no" and
 * "--toggle-collect=" bench_op_alloc and bench_op_free, so that the dumps
 * count the allocator's ->alloc() and ->free() calls only, and turns them
 * into instructions per alloc+free.  Outside valgrind the client requests
 * do nothing and the program just runs; it prints one line per
 * combination, the label followed by ": " and the state of the region.
 *
 * Built without sanitizers at -O2, and with a one-instruction __ffs() as
 * the kernel has on x86 and arm64 (bench/include), so that the counts are
 * those of the code the kernel runs.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <valgrind/callgrind.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <dcma_host.h>

#include "allocator.h"

#define PAGE_SHIFT		12
#define MiB			(1ULL << 20)
#define GiB			(1ULL << 30)

/* Buffers take 1 to BENCH_MAX_PAGES pages. */
#define BENCH_MAX_PAGES		64

/* Measured operations per combination, and with --smoke */
#define BENCH_OPS		1000
#define BENCH_SMOKE_OPS		200

/* While filling, one step in BENCH_FREE_ONE_IN frees a buffer. */
#define BENCH_FREE_ONE_IN	4

static const unsigned long long region_sizes[] = {
	64 * MiB, 1 * GiB, 16 * GiB, 64 * GiB,
};

static const unsigned long buffer_counts[] = { 10, 1000, 100000 };

static const struct dcma_allocator_ops *const allocators[] = {
	&dcma_bestfit_ops, &dcma_firstfit_ops,
};

struct bench_buf {
	unsigned long pfn;
	unsigned long nr;
};

/*
 * struct bench - one region under test
 * @ops: its allocator
 * @state: what ->create() returned
 * @nr_pages: pages in the region
 * @live: the live buffers, in no particular order
 * @nr_live: entries of @live
 * @live_pages: pages in the live buffers
 * @pool: bookkeeping nodes ready for ->alloc(), when the allocator asks
 *	for one; nodes ->free() hands back go here too
 * @nr_pool: entries of @pool
 * @pool_cap: room in @pool
 * @seed: state of the pseudo-random sequence
 */
struct bench {
	const struct dcma_allocator_ops *ops;
	void *state;
	unsigned long nr_pages;
	struct bench_buf *live;
	size_t nr_live;
	unsigned long live_pages;
	void **pool;
	size_t nr_pool;
	size_t pool_cap;
	unsigned long long seed;
};

static __noreturn void die(const struct bench *b, const char *what)
{
	fprintf(stderr, "dcma_scale: %s: %s, %zu buffers live\n",
		b->ops->name, what, b->nr_live);
	exit(1);
}

/* xorshift64*: small, fast and the same everywhere */
static unsigned long rnd_below(struct bench *b, unsigned long n)
{
	unsigned long long x = b->seed;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	b->seed = x;
	return (unsigned long)((x * 0x2545f4914f6cdd1dULL) >> 11) % n;
}

static unsigned long rnd_pages(struct bench *b)
{
	return 1 + rnd_below(b, BENCH_MAX_PAGES);
}

static void *xmalloc(size_t size)
{
	void *p = malloc(size);

	if (!p) {
		perror("dcma_scale");
		exit(1);
	}
	return p;
}

/*
 * Bookkeeping nodes for "bf": the nodes ->free() hands back serve the next
 * ->alloc() calls that ask for one, so that once the region is filled no
 * step allocates or frees memory.  The dcma core's kmalloc() and kfree()
 * of nodes are not the allocator's cost, and are not counted.
 */
static void pool_put(struct bench *b, void *node)
{
	if (b->nr_pool == b->pool_cap) {
		b->pool_cap = b->pool_cap ? 2 * b->pool_cap : 64;
		b->pool = realloc(b->pool, b->pool_cap * sizeof(*b->pool));
		if (!b->pool)
			die(b, "out of memory");
	}
	b->pool[b->nr_pool++] = node;
}

static void *pool_get(struct bench *b)
{
	if (!b->ops->node_size)
		return NULL;
	if (!b->nr_pool)
		pool_put(b, xmalloc(b->ops->node_size));
	return b->pool[--b->nr_pool];
}

/*
 * The two calls callgrind counts: bench/scale.py runs it with
 * "--toggle-collect" on these functions, so that the counts hold the
 * allocator's code and the indirect call into it, and nothing of the
 * benchmark's own bookkeeping.  Out of line and never cloned, to keep
 * their names.
 */
#ifndef __noclone
#if __has_attribute(__noclone__)
#define __noclone	__attribute__((__noclone__))
#else
#define __noclone
#endif
#endif

static noinline __noclone int
bench_op_alloc(struct bench *b, unsigned long nr, unsigned long *pfn,
	       void *node)
{
	return b->ops->alloc(b->state, nr, 1, pfn, node);
}

static noinline __noclone void *
bench_op_free(struct bench *b, unsigned long pfn, unsigned long nr)
{
	return b->ops->free(b->state, pfn, nr);
}

/* Allocate a buffer of @nr pages, alignment 1. */
static void bench_alloc(struct bench *b, unsigned long nr)
{
	unsigned long pfn;
	int ret;

	ret = bench_op_alloc(b, nr, &pfn, NULL);
	if (ret == -EAGAIN)
		ret = bench_op_alloc(b, nr, &pfn, pool_get(b));
	if (ret)
		die(b, "allocation failed");
	b->live[b->nr_live].pfn = pfn;
	b->live[b->nr_live].nr = nr;
	b->nr_live++;
	b->live_pages += nr;
}

/* Free the live buffer at index @i of b->live. */
static void bench_free(struct bench *b, size_t i)
{
	struct bench_buf buf = b->live[i];
	void *node;

	b->live[i] = b->live[--b->nr_live];
	b->live_pages -= buf.nr;
	node = bench_op_free(b, buf.pfn, buf.nr);
	if (node && !b->ops->node_size)
		die(b, "->free() handed back a node, which it should not");
	if (node)
		pool_put(b, node);
}

static void bench_fill(struct bench *b, unsigned long buffers)
{
	while (b->nr_live < buffers) {
		if (b->nr_live && !rnd_below(b, BENCH_FREE_ONE_IN))
			bench_free(b, rnd_below(b, b->nr_live));
		else
			bench_alloc(b, rnd_pages(b));
	}
}

static void bench_measure(struct bench *b, unsigned long ops,
			  const char *label)
{
	unsigned long i;

	/* Only the phase's first step may ask for a node: one is enough. */
	if (b->ops->node_size && !b->nr_pool)
		pool_put(b, xmalloc(b->ops->node_size));

	CALLGRIND_START_INSTRUMENTATION;
	CALLGRIND_ZERO_STATS;
	for (i = 0; i < ops; i++) {
		bench_alloc(b, rnd_pages(b));
		bench_free(b, rnd_below(b, b->nr_live));
	}
	CALLGRIND_DUMP_STATS_AT(label);
	CALLGRIND_STOP_INSTRUMENTATION;
}

static void format_size(char *buf, size_t len, unsigned long long bytes)
{
	if (bytes >= GiB && !(bytes % GiB))
		snprintf(buf, len, "%lluGiB", bytes / GiB);
	else
		snprintf(buf, len, "%lluMiB", bytes / MiB);
}

static void run_one(const struct dcma_allocator_ops *ops,
		    unsigned long long bytes, unsigned long buffers,
		    unsigned long ops_count)
{
	struct bench b = {
		.ops = ops,
		.nr_pages = bytes >> PAGE_SHIFT,
		/* The same sequence for every allocator */
		.seed = 0x9e3779b97f4a7c15ULL ^ (bytes >> PAGE_SHIFT) ^
			((unsigned long long)buffers << 40),
	};
	struct dcma_alloc_info info;
	unsigned long warnings = host_warnings;
	char size[16], label[96];

	format_size(size, sizeof(size), bytes);
	snprintf(label, sizeof(label), "alloc=%s region=%s buffers=%lu ops=%lu",
		 ops->name, size, buffers, ops_count);

	/* One more entry for the buffer each measured step adds first */
	b.live = xmalloc((buffers + 1) * sizeof(*b.live));
	b.state = ops->create(0, b.nr_pages, pool_get(&b));
	if (IS_ERR_OR_NULL(b.state))
		die(&b, "->create() failed");

	bench_fill(&b, buffers);
	bench_measure(&b, ops_count, label);

	ops->info(b.state, &info);
	if (info.free_pages != b.nr_pages - b.live_pages)
		die(&b, "->info() disagrees on the free pages");
	printf("%s: %lu holes, %.1f%% used\n", label, info.free_holes,
	       100.0 * b.live_pages / b.nr_pages);
	fflush(stdout);

	while (b.nr_live)
		bench_free(&b, b.nr_live - 1);
	ops->destroy(b.state);
	if (host_warnings != warnings)
		die(&b, "the allocator warned");

	while (b.nr_pool)
		free(b.pool[--b.nr_pool]);
	free(b.pool);
	free(b.live);
}

/* Room for twice @buffers buffers of the largest size */
static bool fits(unsigned long long bytes, unsigned long buffers)
{
	return 2ULL * buffers * BENCH_MAX_PAGES <= bytes >> PAGE_SHIFT;
}

int main(int argc, char **argv)
{
	unsigned long long max_bytes = 64 * GiB;
	unsigned long max_buffers = 100000;
	unsigned long ops_count = BENCH_OPS;
	size_t a, s, n;

	if (argc == 2 && !strcmp(argv[1], "--smoke")) {
		max_bytes = 1 * GiB;
		max_buffers = 1000;
		ops_count = BENCH_SMOKE_OPS;
	} else if (argc != 1) {
		fprintf(stderr, "usage: %s [--smoke]\n", argv[0]);
		return 2;
	}

	for (a = 0; a < ARRAY_SIZE(allocators); a++)
		for (s = 0; s < ARRAY_SIZE(region_sizes); s++)
			for (n = 0; n < ARRAY_SIZE(buffer_counts); n++)
				if (region_sizes[s] <= max_bytes &&
				    buffer_counts[n] <= max_buffers &&
				    fits(region_sizes[s], buffer_counts[n]))
					run_one(allocators[a], region_sizes[s],
						buffer_counts[n], ops_count);
	return 0;
}
