/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dcma: the "dcma=" and "dcma_map=" grammars.  Pure functions of their input, shared by
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
 * @pool: bytes of a reusable region kept claimed ahead of demand, a
 *	multiple of PAGE_SIZE, at most @size; 0 for none
 */
struct dcma_region_spec {
	char name[DCMA_NAME_LEN];
	char allocator[DCMA_ALLOCATOR_NAME_LEN];
	u64 size;
	u64 base;
	u64 align;
	u64 pool;
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

/* dcma_map=: most rules, regions per rule, longest glob (terminator included) */
#define DCMA_MAX_RULES		16
#define DCMA_RULE_REGIONS	8
#define DCMA_GLOB_LEN		64

/**
 * enum dcma_match - what a rule's device pattern is matched against
 * @DCMA_MATCH_NAME: dev_name(), e.g. "0000:00:02.0" or "a000000.virtio_mmio"
 * @DCMA_MATCH_DRIVER: the name of the driver bound to the device
 *	("driver:<glob>"); the rule applies from the driver's bind to its unbind
 * @DCMA_MATCH_PCI: a PCI device's "vvvv:dddd" vendor and device IDs, in
 *	lower-case hex ("pci:<glob>")
 */
enum dcma_match {
	DCMA_MATCH_NAME,
	DCMA_MATCH_DRIVER,
	DCMA_MATCH_PCI,
};

/**
 * struct dcma_rule_spec - one rule of "dcma_map="
 * @match: what @glob is matched against
 * @glob: the device pattern, for glob_match()
 * @kind: the kind pattern; empty for the DMA API's requests only
 * @regions: region names, in the order they are tried
 * @nr_regions: entries in @regions
 * @fallback: when every region is full, the device's request goes on down
 *	the normal DMA path instead of failing
 */
struct dcma_rule_spec {
	enum dcma_match match;
	char glob[DCMA_GLOB_LEN];
	char kind[DCMA_NAME_LEN];
	char regions[DCMA_RULE_REGIONS][DCMA_NAME_LEN];
	int nr_regions;
	bool fallback;
};

bool dcma_name_valid(const char *name, size_t len);
int dcma_parse_region(const char *token, struct dcma_region_spec *spec,
		      const char **reason);
const char *dcma_pool_problem(const struct dcma_region_spec *spec);
int dcma_parse_regions(const char *str, struct dcma_region_spec *specs,
		       int max, dcma_parse_error_fn error, void *data);

int dcma_parse_rule(const char *token, struct dcma_rule_spec *spec,
		    const char **reason);
int dcma_parse_map(const char *str, struct dcma_rule_spec *specs, int max,
		   dcma_parse_error_fn error, void *data);

#endif /* _KERNEL_DMA_DCMA_PARSE_H */
