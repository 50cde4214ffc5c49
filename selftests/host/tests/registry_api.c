// SPDX-License-Identifier: GPL-2.0-only
/*
 * dcma_allocator_find() and dcma_allocator_register() (allocator.c).
 * Registrations are for good, so these checks run once, in order: the
 * first ones see no registered allocator at all.
 */
#include <stddef.h>
#include <string.h>
#include <linux/errno.h>
#include <dcma_host.h>

#include "common.h"
#include "registry_api.h"

/* An allocator of its own name that places pages like "bf" */
static void *wrap_create(unsigned long base_pfn, unsigned long nr_pages,
			 void *node)
{
	return dcma_bestfit_ops.create(base_pfn, nr_pages, node);
}

static void wrap_destroy(void *state)
{
	dcma_bestfit_ops.destroy(state);
}

static int wrap_alloc(void *state, unsigned long nr, unsigned long align,
		      unsigned long *pfn, void *node)
{
	return dcma_bestfit_ops.alloc(state, nr, align, pfn, node);
}

static void *wrap_free(void *state, unsigned long pfn, unsigned long nr)
{
	return dcma_bestfit_ops.free(state, pfn, nr);
}

static void wrap_info(void *state, struct dcma_alloc_info *info)
{
	dcma_bestfit_ops.info(state, info);
}

#define WRAP_OPS(_name) {				\
	.name = (_name),				\
	.create = wrap_create,				\
	.destroy = wrap_destroy,			\
	.alloc = wrap_alloc,				\
	.free = wrap_free,				\
	.info = wrap_info,				\
}

static struct dcma_allocator_ops test_ops = WRAP_OPS("test_bf");
static struct dcma_allocator_ops test_ops_again = WRAP_OPS("test_bf");
static struct dcma_allocator_ops long_ops = WRAP_OPS("abcdefghij-1234");
static struct dcma_allocator_ops bf_ops = WRAP_OPS("bf");
static struct dcma_allocator_ops ff_ops = WRAP_OPS("ff");

/*
 * The built-in allocators are found by their exact names, before anything
 * is registered and without taking the registry mutex: the early
 * parameter parser runs before the scheduler.  The mutex stub counts a
 * lock taken in atomic context as a violation, so simulate that context.
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

/*
 * Malformed allocators are refused: no name, an empty one, one of
 * DCMA_ALLOCATOR_NAME_LEN characters or more, characters the command line
 * or the device tree would split on, or a missing operation.
 */
static int register_invalid_check(const struct dcma_allocator_ops *unused)
{
	static const char *const bad_names[] = {
		"", "abcdefghij-12345", "a:b", "a,b", "a b", "a=b", "a/b",
	};
	static const size_t op_offsets[] = {
		offsetof(struct dcma_allocator_ops, create),
		offsetof(struct dcma_allocator_ops, destroy),
		offsetof(struct dcma_allocator_ops, alloc),
		offsetof(struct dcma_allocator_ops, free),
		offsetof(struct dcma_allocator_ops, info),
	};
	struct dcma_allocator_ops ops = WRAP_OPS("valid");
	struct dcma_allocator_ops bad;
	size_t i;

	ASSERT_EQ(-EINVAL, dcma_allocator_register(NULL));

	bad = ops;
	bad.name = NULL;
	ASSERT_EQ(-EINVAL, dcma_allocator_register(&bad));
	for (i = 0; i < ARRAY_SIZE(bad_names); i++) {
		bad = ops;
		bad.name = bad_names[i];
		ASSERT_EQ(-EINVAL, dcma_allocator_register(&bad));
	}

	/* each operation missing in turn */
	for (i = 0; i < ARRAY_SIZE(op_offsets); i++) {
		bad = ops;
		*(void **)((char *)&bad + op_offsets[i]) = NULL;
		ASSERT_EQ(-EINVAL, dcma_allocator_register(&bad));
	}

	ASSERT_TRUE(!dcma_allocator_find("valid"));
	return 0;
}

/*
 * A registered allocator is found by name; a second one of the same name,
 * the same one again, or one named like a built-in one is refused.
 */
static int register_duplicate_check(const struct dcma_allocator_ops *unused)
{
	test_ops.node_size = dcma_bestfit_ops.node_size;
	ASSERT_OK(dcma_allocator_register(&test_ops));
	ASSERT_TRUE(dcma_allocator_find("test_bf") == &test_ops);

	ASSERT_EQ(-EEXIST, dcma_allocator_register(&test_ops));
	ASSERT_EQ(-EEXIST, dcma_allocator_register(&test_ops_again));
	ASSERT_EQ(-EEXIST, dcma_allocator_register(&bf_ops));
	ASSERT_EQ(-EEXIST, dcma_allocator_register(&ff_ops));

	/* The longest name allowed */
	ASSERT_OK(dcma_allocator_register(&long_ops));
	ASSERT_TRUE(dcma_allocator_find("abcdefghij-1234") == &long_ops);

	ASSERT_TRUE(dcma_allocator_find("test_bf") == &test_ops);
	ASSERT_TRUE(dcma_allocator_find("bf") == &dcma_bestfit_ops);
	ASSERT_TRUE(dcma_allocator_find("ff") == &dcma_firstfit_ops);
	return 0;
}

/*
 * An allocator found by name drives a region like a built-in one:
 *
 *   pfn 100 104
 *   |....AAAA........|  4 pages aligned to 8
 */
static int register_usable_check(const struct dcma_allocator_ops *unused)
{
	const struct dcma_allocator_ops *ops = dcma_allocator_find("test_bf");
	struct hregion r;
	unsigned long pfn;

	ASSERT_TRUE(ops);
	ASSERT_OK(hr_create(&r, ops, 100, 16));
	ASSERT_OK(hr_alloc(&r, 4, 8, &pfn));
	ASSERT_EQ(104, pfn);
	ASSERT_INFO(&r, 12, 8, 2);
	ASSERT_OK(hr_teardown(&r));
	return 0;
}

void registry_api_checks(void)
{
	RUN_CHECK(find_builtin_check, NULL);
	RUN_CHECK(find_unknown_check, NULL);
	RUN_CHECK(register_invalid_check, NULL);
	RUN_CHECK(register_duplicate_check, NULL);
	RUN_CHECK(register_usable_check, NULL);
}
