// SPDX-License-Identifier: GPL-2.0-only
/*
 * Exhaustive small sweeps: every region size up to a bound, every base
 * phase that matters to alignment, every alignment, and request sequences
 * (all short ones over a small alphabet, pseudo-random long ones, and
 * requests into fragmented layouts).  After every step the allocator is
 * held against the reference model of model.c:
 *
 *  - a returned run lies in the region, is aligned and overlaps no live
 *    allocation;
 *  - a request fails only when the model has no aligned free run for it;
 *  - "ff" returns the lowest aligned run, "bf" the run its documented rule
 *    picks (see alloc_bestfit.c and model_best_fit());
 *  - ->info() agrees with the model;
 *  - node accounting holds (struct hregion checks it).
 *
 * A failure prints the allocator, region size, base pfn and the request
 * sequence that led to it ("aN/A": allocate N pages aligned to A; "fK":
 * free the K-th oldest live allocation).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <linux/errno.h>
#include <linux/kernel.h>

#include "model.h"
#include "sweep.h"

/* Base pfns: aligned to everything, odd, two phases, and a large odd one */
static const unsigned long sweep_bases[] = { 0, 1, 3, 8, 1000003 };

#define SINGLE_MAX_PAGES	128	/* one request into an empty region */
#define SEQ_MAX_PAGES		64	/* all sequences of SEQ_LEN requests */
#define SEQ_LEN			3
#define RANDOM_MAX_PAGES	200	/* pseudo-random sequences */
#define RANDOM_STEPS		512
#define FRAG_MAX_PAGES		128	/* requests into fragmented layouts */
#define FRAG_LARGE_PAGES	1024	/* and a few larger ones, up to this */
#define FRAG_LARGE_STEP		97
#define FRAG_PATTERNS		5
#define MAX_ALIGN		512

#define SEQ_BUF			8192
#define SEQ_SHOWN		240	/* the end of a sequence that is printed */

struct sweep {
	const struct dcma_allocator_ops *ops;
	const char *kind;
	struct hregion r;
	struct model m;
	unsigned long size;
	unsigned long base;
	unsigned long long seed;
	unsigned long step;
	char seq[SEQ_BUF];
	size_t seq_len;
	bool broken;
};

/* How often each case of the placement rules came up */
struct sweep_coverage {
	unsigned long requests;
	unsigned long bf_step[4];
	unsigned long bf_tight;
	unsigned long bf_gave_up;
	unsigned long bf_better_skipped;
	unsigned long ff_aligned_skip;
	unsigned long fragmented_fail;
	unsigned int sweeps_run;
};

static struct sweep_coverage coverage[2];

static inline bool is_bf(const struct dcma_allocator_ops *ops)
{
	return ops == &dcma_bestfit_ops;
}

static inline bool is_ff(const struct dcma_allocator_ops *ops)
{
	return ops == &dcma_firstfit_ops;
}

static struct sweep_coverage *cov(const struct sweep *s)
{
	return &coverage[is_ff(s->ops)];
}

static void seq_add(struct sweep *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (s->seq_len >= SEQ_BUF - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(s->seq + s->seq_len, SEQ_BUF - s->seq_len, fmt, ap);
	va_end(ap);
	if (n > 0)
		s->seq_len = s->seq_len + n < SEQ_BUF ? s->seq_len + n :
							SEQ_BUF - 1;
}

static void sweep_fail(struct sweep *s, const char *fmt, ...)
{
	const char *seq = s->seq;
	char what[256], seed[64] = "";
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (s->seq_len > SEQ_SHOWN)
		seq += s->seq_len - SEQ_SHOWN;
	if (s->seed)
		snprintf(seed, sizeof(seed), " seed=%#llx step=%lu", s->seed,
			 s->step);
	test_fail("%s alloc=%s size=%lu base=%lu%s seq=[%s%s]: %s", s->kind,
		  s->ops->name, s->size, s->base, seed,
		  seq == s->seq ? "" : "...", seq, what);
}

static void sweep_check_info(struct sweep *s)
{
	struct dcma_alloc_info got, want;

	hr_info(&s->r, &got);
	model_info(&s->m, &want);
	if (got.free_pages != want.free_pages ||
	    got.largest_free != want.largest_free ||
	    got.free_holes != want.free_holes)
		sweep_fail(s, "info free/largest/holes %lu/%lu/%lu, model %lu/%lu/%lu",
			   got.free_pages, got.largest_free, got.free_holes,
			   want.free_pages, want.largest_free, want.free_holes);
}

static bool sweep_start(struct sweep *s, const struct dcma_allocator_ops *ops,
			const char *kind, unsigned long size,
			unsigned long base)
{
	int ret;

	s->ops = ops;
	s->kind = kind;
	s->size = size;
	s->base = base;
	s->seed = 0;
	s->step = 0;
	s->seq_len = 0;
	s->seq[0] = '\0';
	s->broken = false;

	ret = hr_create(&s->r, ops, base, size);
	if (ret) {
		sweep_fail(s, "create failed: %d", ret);
		return false;
	}
	model_init(&s->m, base, size);
	sweep_check_info(s);
	return true;
}

static void sweep_end(struct sweep *s)
{
	if (s->broken) {
		/* The allocator and the model disagree: just clean up. */
		hr_teardown(&s->r);
		model_exit(&s->m);
		return;
	}
	seq_add(s, "| ");
	while (s->m.nr_live && !s->broken) {
		seq_add(s, "f0 ");
		if (hr_free(&s->r, s->m.live[0].pfn)) {
			sweep_fail(s, "free failed");
			s->broken = true;
			break;
		}
		model_release(&s->m, 0);
	}
	if (!s->broken)
		sweep_check_info(s);
	hr_teardown(&s->r);
	model_exit(&s->m);
}

static void sweep_alloc(struct sweep *s, unsigned long nr, unsigned long align)
{
	struct sweep_coverage *c = cov(s);
	unsigned long want = 0, pfn = 0;
	struct dcma_alloc_info info;
	struct model_bf_why why;
	bool exists;
	int ret;

	if (s->broken)
		return;
	seq_add(s, "a%lu/%lu ", nr, align);

	if (is_bf(s->ops))
		exists = model_best_fit(&s->m, nr, align, &want, &why);
	else
		exists = model_first_fit(&s->m, nr, align, &want);

	c->requests++;
	ret = hr_alloc(&s->r, nr, align, &pfn);
	if (ret) {
		if (ret != -ENOMEM)
			sweep_fail(s, "alloc returned %d", ret);
		else if (exists)
			sweep_fail(s, "alloc failed, but pfn %lu fits", want);
		model_info(&s->m, &info);
		if (info.free_pages >= nr)
			c->fragmented_fail++;
		sweep_check_info(s);
		return;
	}

	if (pfn < s->base || pfn - s->base >= s->size ||
	    nr > s->size - (pfn - s->base)) {
		sweep_fail(s, "alloc returned pfn %lu, outside the region", pfn);
		s->broken = true;
		return;
	}
	if (pfn % align) {
		sweep_fail(s, "alloc returned pfn %lu, not aligned", pfn);
		s->broken = true;
		return;
	}
	if (!model_is_free(&s->m, pfn, nr)) {
		sweep_fail(s, "alloc returned pfn %lu, overlapping", pfn);
		s->broken = true;
		return;
	}
	if (!exists) {
		sweep_fail(s, "alloc returned pfn %lu; the model finds no fit",
			   pfn);
		s->broken = true;
		return;
	}

	if ((is_bf(s->ops) || is_ff(s->ops)) && pfn != want)
		sweep_fail(s, "alloc returned pfn %lu, the rule says %lu",
			   pfn, want);

	if (is_bf(s->ops)) {
		c->bf_step[why.step]++;
		c->bf_tight += why.step == 1 && why.tight;
		c->bf_gave_up += why.step == 2 && why.scanned == MODEL_BF_SCAN;
		c->bf_better_skipped += why.better_skipped;
	} else if (align > 1 && pfn > s->base &&
		   model_is_free(&s->m, pfn - 1, 1)) {
		c->ff_aligned_skip++;
	}

	/* Stay in step with the allocator even after a placement mismatch. */
	model_take(&s->m, pfn, nr);
	sweep_check_info(s);
}

/* Free the @idx-th oldest live allocation. */
static void sweep_free(struct sweep *s, size_t idx)
{
	if (s->broken)
		return;
	seq_add(s, "f%zu ", idx);
	if (hr_free(&s->r, s->m.live[idx].pfn)) {
		sweep_fail(s, "free of pfn %lu failed", s->m.live[idx].pfn);
		s->broken = true;
		return;
	}
	model_release(&s->m, idx);
	sweep_check_info(s);
}

static unsigned long max_align(unsigned long size)
{
	unsigned long a = 1;

	while (a < 2 * size && a < MAX_ALIGN)
		a *= 2;
	return a;
}

/*
 * One request into an empty region, for every size, base, alignment and
 * request size (one too many pages included), freed straight away.
 *
 *   |........................|    size pages from base
 *      ^ first multiple of align
 */
static int sweep_single_check(const struct dcma_allocator_ops *ops)
{
	unsigned long size, align, nr;
	struct sweep *s = calloc(1, sizeof(*s));
	size_t b;

	if (!s)
		abort();
	for (b = 0; b < ARRAY_SIZE(sweep_bases); b++) {
		for (size = 1; size <= SINGLE_MAX_PAGES; size++) {
			if (!sweep_start(s, ops, "single", size, sweep_bases[b]))
				continue;
			for (align = 1; align <= max_align(size); align *= 2) {
				for (nr = 1; nr <= size + 1 && !s->broken;
				     nr++) {
					s->seq_len = 0;
					sweep_alloc(s, nr, align);
					if (s->m.nr_live)
						sweep_free(s, 0);
				}
			}
			sweep_end(s);
		}
	}
	cov(s)->sweeps_run++;
	free(s);
	return 0;
}

/* The request alphabet of sweep_seq_check() for a region of @n pages */
static void seq_symbol(struct sweep *s, unsigned int sym)
{
	unsigned long n = s->size, half = n / 2 ? n / 2 : 1, p = 1;

	while (p * 2 <= half)
		p *= 2;

	switch (sym) {
	case 0:
		sweep_alloc(s, 1, 1);
		break;
	case 1:
		sweep_alloc(s, 1, 4);
		break;
	case 2:
		sweep_alloc(s, 2, 2);
		break;
	case 3:
		sweep_alloc(s, 3, 1);
		break;
	case 4:
		sweep_alloc(s, 3, 4);
		break;
	case 5:
		sweep_alloc(s, 5, 8);
		break;
	case 6:
		sweep_alloc(s, (n + 1) / 2, 1);
		break;
	case 7:
		sweep_alloc(s, half, p);
		break;
	case 8:
		sweep_alloc(s, n > 1 ? n - 1 : 1, 1);
		break;
	case 9:
		sweep_alloc(s, n, 1);
		break;
	case 10:
		if (s->m.nr_live)
			sweep_free(s, 0);
		break;
	case 11:
		if (s->m.nr_live)
			sweep_free(s, s->m.nr_live - 1);
		break;
	}
}

#define SEQ_SYMBOLS	12

/*
 * Every sequence of SEQ_LEN requests over a 12-symbol alphabet (small and
 * region-relative sizes and alignments, free the oldest, free the newest),
 * for every region size up to SEQ_MAX_PAGES and every base.  Shorter
 * sequences are the prefixes, checked on the way.
 */
static int sweep_seq_check(const struct dcma_allocator_ops *ops)
{
	unsigned int code, ncodes = 1, i, c;
	struct sweep *s = calloc(1, sizeof(*s));
	unsigned long size;
	size_t b;

	if (!s)
		abort();
	for (i = 0; i < SEQ_LEN; i++)
		ncodes *= SEQ_SYMBOLS;

	for (b = 0; b < ARRAY_SIZE(sweep_bases); b++) {
		for (size = 1; size <= SEQ_MAX_PAGES; size++) {
			for (code = 0; code < ncodes; code++) {
				if (!sweep_start(s, ops, "seq", size,
						 sweep_bases[b]))
					continue;
				for (i = 0, c = code; i < SEQ_LEN; i++) {
					seq_symbol(s, c % SEQ_SYMBOLS);
					c /= SEQ_SYMBOLS;
				}
				sweep_end(s);
			}
		}
	}
	cov(s)->sweeps_run++;
	free(s);
	return 0;
}

static unsigned long random_nr(unsigned long long *st, unsigned long n)
{
	unsigned long r = prng_below(st, 100);

	if (r < 50)
		return 1 + prng_below(st, 4);
	if (r < 80)
		return 1 + prng_below(st, n / 8 ? n / 8 : 1);
	if (r < 95)
		return 1 + prng_below(st, n / 2 ? n / 2 : 1);
	return 1 + prng_below(st, n + 2);
}

static unsigned long random_align(unsigned long long *st, unsigned long n)
{
	unsigned long max = max_align(n), a = 1;

	if (prng_below(st, 100) < 40)
		return 1;
	for (a = 2UL << prng_below(st, 7); a > max; a /= 2)
		;
	return a;
}

/*
 * Pseudo-random sequences of RANDOM_STEPS requests, with a fixed seed per
 * region size and base: phases of 32 requests that mostly allocate
 * alternate with phases that mostly free, which fragments the region.
 */
static int sweep_random_check(const struct dcma_allocator_ops *ops)
{
	struct sweep *s = calloc(1, sizeof(*s));
	unsigned long long st;
	unsigned long size, step;
	size_t b;

	if (!s)
		abort();
	for (b = 0; b < ARRAY_SIZE(sweep_bases); b++) {
		for (size = 1; size <= RANDOM_MAX_PAGES; size++) {
			if (!sweep_start(s, ops, "random", size,
					 sweep_bases[b]))
				continue;
			s->seed = 0x9e3779b97f4a7c15ULL ^ (size << 8) ^ b;
			st = s->seed;
			for (step = 0; step < RANDOM_STEPS && !s->broken;
			     step++) {
				s->step = step;
				bool grow = !((step / 32) & 1);
				unsigned long r = prng_below(&st, 100);

				if (s->m.nr_live && r < (grow ? 30 : 75)) {
					sweep_free(s, prng_below(&st,
								 s->m.nr_live));
				} else {
					unsigned long nr = random_nr(&st, size);

					sweep_alloc(s, nr,
						    random_align(&st, size));
				}
			}
			sweep_end(s);
		}
	}
	cov(s)->sweeps_run++;
	free(s);
	return 0;
}

/* Which pages of a fully allocated region a fragmented layout frees */
static bool frag_free_page(unsigned int pattern, unsigned long long *st,
			   unsigned long i, bool prev_freed)
{
	switch (pattern) {
	case 0:		/* each page with probability 1/2 */
		return prng_below(st, 2);
	case 1:		/* single free pages */
		return !prev_freed && prng_below(st, 3);
	case 2:		/* pairs, at both phases */
		return (i + prng_below(st, 2)) % 3 != 0;
	case 3:		/* short runs and long ones */
		return prng_below(st, 8) < (i % 16 < 8 ? 2 : 6);
	default:
		/*
		 * Pairs at an odd pfn, more of them than the best-fit scan
		 * looks at; a pair at an even pfn after 63 of them, and a
		 * long run after 100: the scan gives up with a smaller fit
		 * left behind it.
		 */
		if (i / 4 % 128 >= 100 && i / 4 % 128 < 110)
			return true;
		if (i / 4 % 64 == 63)
			return i % 4 >= 2;
		return i % 4 == 1 || i % 4 == 2;
	}
}

/*
 * Requests into a fragmented layout: the region is allocated page by page
 * and some pages are freed again, then every request of 1 to 6 pages at
 * every alignment up to 32 is made and undone:
 *
 *   |x..x.xx...x.x..xxx.x.x....x|
 *
 * Many small holes of one size, at all phases, exercise the bounded scan
 * of the best-fit allocator and its fallback.
 */
/* One fragmented layout of @s->size pages, then all the requests */
static void fragmented_layout(struct sweep *s, unsigned int pattern,
			      unsigned long long seed, bool *freed)
{
	unsigned long long st = seed;
	unsigned long i, nr, align;
	size_t mark, live;

	for (i = 0; i < s->size; i++) {
		freed[i] = frag_free_page(pattern, &st, i, i && freed[i - 1]);
		sweep_alloc(s, 1, 1);
	}
	/* Highest first, so that live allocation i stays page i */
	for (i = s->size; i-- > 0;)
		if (freed[i])
			sweep_free(s, i);

	/* Describe the layout rather than its making. */
	s->seq_len = 0;
	seq_add(s, "layout |");
	for (i = 0; i < s->size; i++)
		seq_add(s, "%c", freed[i] ? '.' : 'x');
	seq_add(s, "| ");
	mark = s->seq_len;

	for (nr = 1; nr <= 6; nr++) {
		for (align = 1; align <= 32; align *= 2) {
			live = s->m.nr_live;
			s->seq_len = mark;
			sweep_alloc(s, nr, align);
			if (s->m.nr_live > live)
				sweep_free(s, live);
		}
	}
}

static int sweep_fragmented_check(const struct dcma_allocator_ops *ops)
{
	struct sweep *s = calloc(1, sizeof(*s));
	bool *freed = calloc(FRAG_LARGE_PAGES, sizeof(*freed));
	unsigned long long seed;
	unsigned int pattern;
	unsigned long size;
	size_t b;

	if (!s || !freed)
		abort();
	for (b = 0; b < ARRAY_SIZE(sweep_bases); b++) {
		for (size = 2; size <= FRAG_LARGE_PAGES;
		     size += size < FRAG_MAX_PAGES ? 1 : FRAG_LARGE_STEP) {
			for (pattern = 0; pattern < FRAG_PATTERNS; pattern++) {
				if (!sweep_start(s, ops, "fragmented", size,
						 sweep_bases[b]))
					continue;
				seed = 0x2545f4914f6cdd1dULL ^ (size << 4) ^
				       (pattern << 1) ^ (b << 12);
				fragmented_layout(s, pattern, seed, freed);
				sweep_end(s);
			}
		}
	}
	cov(s)->sweeps_run++;
	free(freed);
	free(s);
	return 0;
}

/*
 * The sweeps reached every case of the placement rules: otherwise they
 * prove less than they seem to.
 */
static int sweep_coverage_check(const struct dcma_allocator_ops *ops)
{
	struct sweep_coverage *c = &coverage[is_ff(ops)];

	test_info("%lu requests, %lu failed while enough pages were free",
		  c->requests, c->fragmented_fail);
	if (is_bf(ops))
		test_info("rule steps 1/2/3: %lu/%lu/%lu; scan gave up %lu times, %lu of them passing over a smaller fit",
			  c->bf_step[1], c->bf_step[2], c->bf_step[3],
			  c->bf_gave_up, c->bf_better_skipped);
	else
		test_info("%lu runs placed above free pages for alignment",
			  c->ff_aligned_skip);
	if (c->sweeps_run < 4) {
		test_info("not every sweep ran: coverage not judged");
		return 0;
	}
	if (is_bf(ops)) {
		ASSERT_TRUE(c->bf_step[1] && c->bf_step[2] && c->bf_step[3]);
		ASSERT_TRUE(c->bf_tight);
		ASSERT_TRUE(c->bf_gave_up);
		ASSERT_TRUE(c->bf_better_skipped);
	} else {
		ASSERT_TRUE(c->ff_aligned_skip);
	}
	ASSERT_TRUE(c->fragmented_fail);
	return 0;
}

void sweep_checks(void)
{
	const struct dcma_allocator_ops *const *ops = host_allocators;
	size_t i;

	for (i = 0; i < HOST_NR_ALLOCATORS; i++) {
		RUN_CHECK(sweep_single_check, ops[i]);
		RUN_CHECK(sweep_seq_check, ops[i]);
		RUN_CHECK(sweep_random_check, ops[i]);
		RUN_CHECK(sweep_fragmented_check, ops[i]);
		RUN_CHECK(sweep_coverage_check, ops[i]);
	}
}
