// SPDX-License-Identifier: GPL-2.0-only
/*
 * Warnings from the code under test: counted for the harness, and shown
 * so that an unexpected one can be traced to its line.
 */
#include <stdio.h>
#include <dcma_host.h>

unsigned long host_warnings;

void host_warn(const char *file, int line, const char *what)
{
	host_warnings++;
	printf("# warning at %s:%d: %s\n", file, line, what);
}
