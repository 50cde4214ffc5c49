// SPDX-License-Identifier: GPL-2.0-only
/*
 * dcma host harness: runs every group of checks and ends with
 * "N passed, N failed".
 *
 * Usage: dcma_host [-v] [FILTER]
 *   -v      also print what the sweeps covered
 *   FILTER  run only the checks whose name, e.g. "alloc_align_check(bf)",
 *           contains FILTER
 */
#include <stdio.h>
#include <string.h>

#include "tests/alloc_api.h"
#include "tests/common.h"
#include "tests/registry_api.h"
#include "tests/sweep.h"

/*
 * Every check ends with a leak check of its own; the one at exit would
 * only repeat them, after the summary line.  The sweeps free millions of
 * small objects: a smaller quarantine keeps the memory use modest.
 */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=1:leak_check_at_exit=0:quarantine_size_mb=64";
}

int main(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-v"))
			verbose = true;
		else if (argv[i][0] != '-')
			check_filter = argv[i];
		else
			break;
	}
	if (i < argc) {
		fprintf(stderr, "usage: %s [-v] [FILTER]\n", argv[0]);
		return 2;
	}

	registry_api_checks();
	alloc_api_checks();
	sweep_checks();

	return test_summary();
}
