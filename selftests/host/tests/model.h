/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The reference model: a plain array with the state of every page, and
 * the placement rules written as directly as possible over it.
 */
#ifndef _DCMA_HOST_MODEL_H
#define _DCMA_HOST_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "common.h"

/* A maximal run of free pages */
struct model_hole {
	unsigned long start;
	unsigned long nr;
};

struct model {
	unsigned long base;
	unsigned long nr_pages;
	unsigned char *used;		/* per page: 1 if allocated */
	unsigned long *run;		/* scratch: free pages from each page on */
	struct model_hole *holes;	/* scratch */
	struct hregion_alloc *live;	/* in allocation order */
	size_t nr_live;
};

/* Which step of the best-fit rule (see alloc_bestfit.c) made the choice */
struct model_bf_why {
	int step;		/* 1, 2 or 3; 0 when nothing fits */
	size_t scanned;		/* holes in W */
	bool tight;		/* the hole is smaller than nr + align - 1 */
	bool better_skipped;	/* a smaller hole fits: the scan gave up */
};

/* The number of holes the best-fit allocator's bounded scan examines */
#define MODEL_BF_SCAN	32

void model_init(struct model *m, unsigned long base, unsigned long nr_pages);
void model_exit(struct model *m);

/* [@pfn, @pfn + @nr) lies in the region and is free */
bool model_is_free(const struct model *m, unsigned long pfn, unsigned long nr);
void model_take(struct model *m, unsigned long pfn, unsigned long nr);
/* Free the live allocation number @idx (in allocation order). */
void model_release(struct model *m, size_t idx);

void model_info(struct model *m, struct dcma_alloc_info *info);

/* The lowest aligned free run of @nr pages */
bool model_first_fit(struct model *m, unsigned long nr, unsigned long align,
		     unsigned long *pfn);
/* Where the best-fit rule puts @nr pages aligned to @align */
bool model_best_fit(struct model *m, unsigned long nr, unsigned long align,
		    unsigned long *pfn, struct model_bf_why *why);

#endif /* _DCMA_HOST_MODEL_H */
