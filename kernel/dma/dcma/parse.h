/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dcma: the "dcma=" grammar.  Pure functions of their input, shared by
 * the early_param handler, KUnit, the host harness and the fuzzer.
 */
#ifndef _KERNEL_DMA_DCMA_PARSE_H
#define _KERNEL_DMA_DCMA_PARSE_H

#include <linux/types.h>

#include "allocator.h"

/* Longest region name, terminator included: it names debugfs and heaps. */
#define DCMA_NAME_LEN		32
/* Most regions one boot may declare, from the command line and DT. */
#define DCMA_MAX_REGIONS	16
/* Longest "dcma=" value and longest single region in it. */
#define DCMA_CMDLINE_MAX	1024
#define DCMA_TOKEN_MAX		128

/**
 * struct dcma_region_spec - a region as the command line or DT asks for it
 * @name: region name, [A-Za-z0-9_-], 1 to DCMA_NAME_LEN - 1 characters
 * @allocator: allocator name; empty for the default ("bf")
 * @size: bytes, a non-zero multiple of PAGE_SIZE
 * @base: physical base when @fixed, else 0
 * @align: alignment of the base in bytes (a power of two, at least
 *	PAGE_SIZE), or 0 for the default
 * @fixed: the region must sit at @base
 * @exclusive: never lend the pages to the page allocator (a carve-out)
 */
struct dcma_region_spec {
	char name[DCMA_NAME_LEN];
	char allocator[DCMA_ALLOCATOR_NAME_LEN];
	u64 size;
	u64 base;
	u64 align;
	bool fixed;
	bool exclusive;
};

/**
 * typedef dcma_parse_error_fn - report one rejected token
 * @token: the token as written (possibly cut at DCMA_TOKEN_MAX)
 * @reason: what is wrong with it, a static string
 * @data: the caller's cookie
 */
typedef void (*dcma_parse_error_fn)(const char *token, const char *reason,
				    void *data);

bool dcma_name_valid(const char *name, size_t len);
int dcma_parse_region(const char *token, struct dcma_region_spec *spec,
		      const char **reason);
int dcma_parse_regions(const char *str, struct dcma_region_spec *specs,
		       int max, dcma_parse_error_fn error, void *data);

#endif /* _KERNEL_DMA_DCMA_PARSE_H */
