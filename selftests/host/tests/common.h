/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _DCMA_HOST_COMMON_H
#define _DCMA_HOST_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/compiler.h>
#include <linux/err.h>
#include <linux/types.h>

#include "allocator.h"

/*
 * Runs one check function, counts it as passed or failed and prints
 * "ok NAME" or "FAIL NAME".  Besides its own assertions, a check fails on
 * a warning it did not expect, on a kmalloc() or mutex_lock() under the
 * region lock, on a node handed back wrongly and on a leak.
 */
typedef int (*check_fn)(const struct dcma_allocator_ops *ops);

void run_check(const char *name, check_fn fn,
	       const struct dcma_allocator_ops *ops);

#define RUN_CHECK(fn, ops)	run_check(#fn, fn, ops)

/* Print "N passed, N failed"; returns the exit code for main(). */
int test_summary(void);

/* Only checks whose name contains this run (set by main()) */
extern const char *check_filter;
extern bool verbose;

/*
 * Record a failure of the current check.  Prints at most a few lines per
 * check; the check goes on.
 */
__printf(1, 2) void test_fail(const char *fmt, ...);
/* Print a line in verbose mode */
__printf(1, 2) void test_info(const char *fmt, ...);
/* Failures of the current check so far */
unsigned long test_failures(void);

void assert_fail(const char *file, int line, const char *expected,
		 const char *seen, long long e, long long s);

/*
 * ASSERT_*() end the check on failure: the region under test may be left
 * behind, and the leak check of the failed check reports it.
 */
#define ASSERT_EQ(_expected, _seen) do {				\
	long long __e = (long long)(_expected);				\
	long long __s = (long long)(_seen);				\
	if (__e != __s) {						\
		assert_fail(__FILE__, __LINE__, #_expected, #_seen,	\
			    __e, __s);					\
		return -1;						\
	}								\
} while (0)

#define ASSERT_TRUE(_cond)	ASSERT_EQ(1, !!(_cond))

#define ASSERT_OK(_call)	ASSERT_EQ(0, (_call))

/* The code under test raised exactly @_n warnings since the last look. */
#define ASSERT_WARNINGS(_n)	ASSERT_EQ((_n), test_take_warnings())
unsigned long test_take_warnings(void);

/*
 * The nodes an allocator may own beyond one per live allocation and one
 * more: the slack that spares a steady stream of allocations and frees
 * handing nodes to and fro (allocator.h)
 */
#define HR_NODE_SLACK	1

/*
 * struct hregion - a region the way the dcma core drives an allocator
 *
 * Calls ->alloc() without a node and again with one when it asks
 * (-EAGAIN), frees the nodes ->free() hands back, runs ->alloc(),
 * ->free() and ->info() in (simulated) atomic context, and checks that
 * the nodes an allocator hands back are nodes it owns, that it owns at
 * least one more than there are live allocations and at most
 * HR_NODE_SLACK more than that, and that ->destroy() frees exactly those
 * it still owns.  @nodes_given and @nodes_back count the nodes handed
 * over each way.
 */
struct hregion_alloc {
	unsigned long pfn;
	unsigned long nr;
};

struct hregion {
	const struct dcma_allocator_ops *ops;
	void *state;
	unsigned long base;
	unsigned long nr_pages;
	struct hregion_alloc *live;	/* in allocation order */
	size_t nr_live;
	size_t live_cap;
	bool destroying;
	unsigned long nodes_given;
	unsigned long nodes_back;
};

int hr_create(struct hregion *r, const struct dcma_allocator_ops *ops,
	      unsigned long base, unsigned long nr_pages);
int hr_alloc(struct hregion *r, unsigned long nr, unsigned long align,
	     unsigned long *pfn);
/* Free the live allocation at @pfn; -ENOENT if there is none. */
int hr_free(struct hregion *r, unsigned long pfn);
/* Free any range: for misuse checks.  Returns what ->free() returned. */
void *hr_free_raw(struct hregion *r, unsigned long pfn, unsigned long nr);
void hr_info(struct hregion *r, struct dcma_alloc_info *info);
/* Nodes the allocator owns now, per the harness's count */
size_t hr_nodes(struct hregion *r);
/* Whether that count is within the bounds described above */
bool hr_nodes_ok(struct hregion *r);
/* Free every live allocation, newest first, then destroy. */
int hr_teardown(struct hregion *r);
void hr_destroy(struct hregion *r);

/*
 * Set up a region from a map of its pages: 'x' allocated, '.' free; any
 * other character is ignored.  Every 'x' page is one live allocation.
 */
int hr_layout(struct hregion *r, const struct dcma_allocator_ops *ops,
	      unsigned long base, const char *map);

#define ASSERT_INFO(_r, _free, _largest, _holes) do {			\
	struct dcma_alloc_info __i;					\
	hr_info((_r), &__i);						\
	ASSERT_EQ((_free), __i.free_pages);				\
	ASSERT_EQ((_largest), __i.largest_free);			\
	ASSERT_EQ((_holes), __i.free_holes);				\
} while (0)

/* Small deterministic pseudo-random numbers (xorshift64*) */
static inline unsigned long long prng_next(unsigned long long *state)
{
	unsigned long long x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

/* A number in [0, @n) */
static inline unsigned long prng_below(unsigned long long *state,
				       unsigned long n)
{
	return n ? (unsigned long)(prng_next(state) >> 11) % n : 0;
}

/* The built-in allocators, which every allocator check runs against */
#define HOST_NR_ALLOCATORS	2
extern const struct dcma_allocator_ops *const host_allocators[HOST_NR_ALLOCATORS];

#endif /* _DCMA_HOST_COMMON_H */
