// SPDX-License-Identifier: GPL-2.0-only
/*
 * The reference model.  Nothing clever: every question is answered by
 * walking the page array, so that the model is easy to trust.
 */
#include <stdlib.h>
#include <string.h>

#include "model.h"

static void *zalloc_or_die(size_t size)
{
	void *p = calloc(1, size ? size : 1);

	if (!p)
		abort();
	return p;
}

void model_init(struct model *m, unsigned long base, unsigned long nr_pages)
{
	m->base = base;
	m->nr_pages = nr_pages;
	m->used = zalloc_or_die(nr_pages);
	m->run = zalloc_or_die((nr_pages + 1) * sizeof(*m->run));
	m->holes = zalloc_or_die(nr_pages * sizeof(*m->holes));
	m->live = zalloc_or_die(nr_pages * sizeof(*m->live));
	m->nr_live = 0;
}

void model_exit(struct model *m)
{
	free(m->used);
	free(m->run);
	free(m->holes);
	free(m->live);
}

bool model_is_free(const struct model *m, unsigned long pfn, unsigned long nr)
{
	unsigned long i;

	if (pfn < m->base || pfn - m->base > m->nr_pages ||
	    nr > m->nr_pages - (pfn - m->base))
		return false;
	for (i = pfn - m->base; i < pfn - m->base + nr; i++)
		if (m->used[i])
			return false;
	return true;
}

void model_take(struct model *m, unsigned long pfn, unsigned long nr)
{
	memset(m->used + (pfn - m->base), 1, nr);
	m->live[m->nr_live].pfn = pfn;
	m->live[m->nr_live].nr = nr;
	m->nr_live++;
}

void model_release(struct model *m, size_t idx)
{
	memset(m->used + (m->live[idx].pfn - m->base), 0, m->live[idx].nr);
	memmove(&m->live[idx], &m->live[idx + 1],
		(m->nr_live - idx - 1) * sizeof(*m->live));
	m->nr_live--;
}

/* The holes, lowest first */
static size_t model_holes(struct model *m)
{
	unsigned long i = 0, start;
	size_t n = 0;

	while (i < m->nr_pages) {
		if (m->used[i]) {
			i++;
			continue;
		}
		start = i;
		while (i < m->nr_pages && !m->used[i])
			i++;
		m->holes[n].start = m->base + start;
		m->holes[n].nr = i - start;
		n++;
	}
	return n;
}

void model_info(struct model *m, struct dcma_alloc_info *info)
{
	size_t i, n = model_holes(m);

	memset(info, 0, sizeof(*info));
	for (i = 0; i < n; i++) {
		info->free_pages += m->holes[i].nr;
		if (m->holes[i].nr > info->largest_free)
			info->largest_free = m->holes[i].nr;
	}
	info->free_holes = n;
}

bool model_first_fit(struct model *m, unsigned long nr, unsigned long align,
		     unsigned long *pfn)
{
	unsigned long i;

	/* run[i]: free pages from page i on */
	m->run[m->nr_pages] = 0;
	for (i = m->nr_pages; i-- > 0;)
		m->run[i] = m->used[i] ? 0 : m->run[i + 1] + 1;

	for (i = 0; i < m->nr_pages; i++) {
		if ((m->base + i) % align == 0 && m->run[i] >= nr) {
			*pfn = m->base + i;
			return true;
		}
	}
	return false;
}

/* The first multiple of @align in @h, if @nr pages fit from there */
static bool hole_fits(const struct model_hole *h, unsigned long nr,
		      unsigned long align, unsigned long *pfn)
{
	unsigned long a = (h->start + align - 1) / align * align;

	if (a + nr > h->start + h->nr)
		return false;
	*pfn = a;
	return true;
}

static int hole_cmp(const void *a, const void *b)
{
	const struct model_hole *ha = a, *hb = b;

	if (ha->nr != hb->nr)
		return ha->nr < hb->nr ? -1 : 1;
	if (ha->start != hb->start)
		return ha->start < hb->start ? -1 : 1;
	return 0;
}

/*
 * The rule documented in alloc_bestfit.c.  S: the holes of at least @nr
 * pages by (size, start); W: the first MODEL_BF_SCAN of them smaller than
 * @nr + @align - 1.
 *  1. the first hole of W that fits;
 *  2. else the first hole of S of at least @nr + @align - 1 pages;
 *  3. else the first hole of S that fits.
 */
bool model_best_fit(struct model *m, unsigned long nr, unsigned long align,
		    unsigned long *pfn, struct model_bf_why *why)
{
	unsigned long sure = nr + align - 1, a, best_pfn = 0;
	size_t i, n_s = 0, n_w, n = model_holes(m);
	struct model_hole *s = m->holes;
	long best_fit = -1;

	memset(why, 0, sizeof(*why));

	/* S, in place */
	for (i = 0; i < n; i++)
		if (m->holes[i].nr >= nr)
			s[n_s++] = m->holes[i];
	qsort(s, n_s, sizeof(*s), hole_cmp);

	for (n_w = 0; n_w < n_s && n_w < MODEL_BF_SCAN; n_w++)
		if (s[n_w].nr >= sure)
			break;
	why->scanned = n_w;

	/* The smallest hole that fits at all */
	for (i = 0; i < n_s; i++) {
		if (hole_fits(&s[i], nr, align, &a)) {
			best_fit = i;
			best_pfn = a;
			break;
		}
	}

	if (best_fit >= 0 && (size_t)best_fit < n_w) {
		why->step = 1;
	} else {
		for (i = 0; i < n_s; i++)
			if (s[i].nr >= sure)
				break;
		if (i < n_s) {
			why->step = 2;
			why->better_skipped = s[best_fit].nr < sure;
			hole_fits(&s[i], nr, align, &best_pfn);
			best_fit = i;
		} else if (best_fit >= 0) {
			why->step = 3;
		} else {
			return false;
		}
	}
	why->tight = s[best_fit].nr < sure;
	*pfn = best_pfn;
	return true;
}
