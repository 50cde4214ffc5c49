// SPDX-License-Identifier: GPL-2.0-only
/*
 * dcma_allocator_find() (allocator.c): the static table of allocators.
 */
#include <stddef.h>
#include <string.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <dcma_host.h>

#include "common.h"
#include "registry_api.h"

/*
 * The allocators are found by their exact names, without taking any
 * lock: the early parameter parser runs before the scheduler.  The mutex
 * stub counts a lock taken in atomic context as a violation, so simulate
 * that context.
 */
static int find_builtin_check(const struct dcma_allocator_ops *unused)
{
	const struct dcma_allocator_ops *bf, *ff;

	host_atomic++;
	bf = dcma_allocator_find("bf");
	ff = dcma_allocator_find("ff");
	host_atomic--;

	ASSERT_TRUE(bf == &dcma_bestfit_ops);
	ASSERT_TRUE(ff == &dcma_firstfit_ops);
	ASSERT_EQ(0, strcmp(dcma_bestfit_ops.name, "bf"));
	ASSERT_EQ(0, strcmp(dcma_firstfit_ops.name, "ff"));
	ASSERT_TRUE(dcma_bestfit_ops.node_size > 0);
	ASSERT_EQ(0, dcma_firstfit_ops.node_size);
	return 0;
}

/* Near misses find nothing. */
static int find_unknown_check(const struct dcma_allocator_ops *unused)
{
	static const char *const names[] = {
		"", "b", "BF", "bf ", " bf", "bff", "f", "test_bf",
	};
	size_t i;

	ASSERT_TRUE(!dcma_allocator_find(NULL));
	for (i = 0; i < ARRAY_SIZE(names); i++)
		ASSERT_TRUE(!dcma_allocator_find(names[i]));
	return 0;
}

void registry_api_checks(void)
{
	RUN_CHECK(find_builtin_check, NULL);
	RUN_CHECK(find_unknown_check, NULL);
}
