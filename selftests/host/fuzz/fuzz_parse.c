// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for the "dcma=" and "dcma_map=" parsers
 * (kernel/dma/dcma/parse.c).
 *
 * Any byte string is a possible kernel command line.  Besides the
 * sanitizers' own checks, every region the parser accepts must satisfy
 * what the rest of dcma relies on; a violation aborts the run.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/log2.h>
#include <linux/mm.h>

#include "parse.h"

static int errors;

static void count_error(const char *token, const char *reason, void *data)
{
	if (!reason || !*reason || strlen(token) >= DCMA_TOKEN_MAX)
		abort();
	errors++;
}

static void check_spec(const struct dcma_region_spec *s)
{
	if (!dcma_name_valid(s->name, strlen(s->name)))
		abort();
	if (!s->size || s->size % PAGE_SIZE)
		abort();
	if (s->align && (!is_power_of_2(s->align) || s->align < PAGE_SIZE))
		abort();
	if (s->fixed && (s->base % PAGE_SIZE || s->base + s->size - 1 < s->base))
		abort();
	if (s->fixed && s->align && s->base % s->align)
		abort();
	if (!s->fixed && s->base)
		abort();
	if (s->allocator[0] && !dcma_allocator_find(s->allocator))
		abort();
	if (s->pool % PAGE_SIZE || s->pool > s->size ||
	    (s->pool && s->exclusive))
		abort();
}

static void check_glob(const char *g, size_t max)
{
	size_t len = strlen(g);

	if (!len || len >= max)
		abort();
	for (; *g; g++) {
		if (*g <= ' ' || *g > '~' || strchr(";=/,", *g))
			abort();
	}
}

static void check_rule(const struct dcma_rule_spec *r)
{
	int i, j;

	if (r->match != DCMA_MATCH_NAME && r->match != DCMA_MATCH_DRIVER &&
	    r->match != DCMA_MATCH_PCI)
		abort();
	check_glob(r->glob, DCMA_GLOB_LEN);
	if (r->kind[0])
		check_glob(r->kind, DCMA_NAME_LEN);
	if (r->nr_regions < 1 || r->nr_regions > DCMA_RULE_REGIONS)
		abort();
	for (i = 0; i < r->nr_regions; i++) {
		if (!dcma_name_valid(r->regions[i], strlen(r->regions[i])))
			abort();
		for (j = 0; j < i; j++)
			if (!strcmp(r->regions[i], r->regions[j]))
				abort();
	}
}

static void fuzz_map(const char *str)
{
	struct dcma_rule_spec rules[DCMA_MAX_RULES], one;
	const char *reason = NULL;
	int n, i, j;

	n = dcma_parse_map(str, rules, DCMA_MAX_RULES, count_error, NULL);
	if (n < 0 || n > DCMA_MAX_RULES)
		abort();
	for (i = 0; i < n; i++) {
		check_rule(&rules[i]);
		for (j = 0; j < i; j++)
			if (rules[i].match == rules[j].match &&
			    !strcmp(rules[i].glob, rules[j].glob) &&
			    !strcmp(rules[i].kind, rules[j].kind))
				abort();
	}
	if (dcma_parse_rule(str, &one, &reason) == 0)
		check_rule(&one);
	else if (!reason)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dcma_region_spec specs[DCMA_MAX_REGIONS], one;
	const char *reason = NULL;
	char *str;
	int n, i, j;

	str = malloc(size + 1);
	if (!str)
		return 0;
	memcpy(str, data, size);
	str[size] = '\0';

	errors = 0;
	n = dcma_parse_regions(str, specs, DCMA_MAX_REGIONS, count_error, NULL);
	if (n < 0 || n > DCMA_MAX_REGIONS)
		abort();
	for (i = 0; i < n; i++) {
		check_spec(&specs[i]);
		for (j = 0; j < i; j++)
			if (!strcmp(specs[i].name, specs[j].name))
				abort();
	}

	if (dcma_parse_region(str, &one, &reason) == 0)
		check_spec(&one);
	else if (!reason)
		abort();

	fuzz_map(str);
	free(str);
	return 0;
}
