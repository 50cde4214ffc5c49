// SPDX-License-Identifier: GPL-2.0-only
/*
 * dcma placement algorithms by name: the built-in ones and those
 * registered later.
 */

#include <linux/ctype.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/string.h>

#include "allocator.h"

/*
 * A static table, so that the "dcma=" early parameter finds these before
 * slab is up and before anything registers.
 */
static const struct dcma_allocator_ops *const dcma_builtin_allocators[] = {
	&dcma_bestfit_ops,
	&dcma_firstfit_ops,
};

/* Registered allocators stay for good: the list only grows. */
static LIST_HEAD(dcma_allocators);
static DEFINE_MUTEX(dcma_allocators_lock);

static const struct dcma_allocator_ops *dcma_builtin_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(dcma_builtin_allocators); i++)
		if (!strcmp(dcma_builtin_allocators[i]->name, name))
			return dcma_builtin_allocators[i];
	return NULL;
}

static const struct dcma_allocator_ops *dcma_registered_find(const char *name)
{
	const struct dcma_allocator_ops *ops;

	lockdep_assert_held(&dcma_allocators_lock);

	list_for_each_entry(ops, &dcma_allocators, list)
		if (!strcmp(ops->name, name))
			return ops;
	return NULL;
}

/* Names go on the command line and in the device tree: keep them plain. */
static bool dcma_allocator_name_valid(const char *name)
{
	size_t len = strnlen(name, DCMA_ALLOCATOR_NAME_LEN);
	size_t i;

	if (!len || len >= DCMA_ALLOCATOR_NAME_LEN)
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum(name[i]) && name[i] != '_' && name[i] != '-')
			return false;
	return true;
}

/**
 * dcma_allocator_find() - look up a placement algorithm by name
 * @name: the name, as given in "dcma=" or in "dcma,allocator"
 *
 * The built-in allocators are found without taking any lock or touching
 * any allocated memory, so early parameter handlers may call this before
 * slab is up.
 *
 * Context: Process context, or early boot before the scheduler runs.
 * Takes a mutex when @name is not a built-in allocator.
 * Return: the allocator, or NULL when no allocator has that name.
 */
const struct dcma_allocator_ops *dcma_allocator_find(const char *name)
{
	const struct dcma_allocator_ops *ops;

	if (!name)
		return NULL;

	ops = dcma_builtin_find(name);
	if (ops)
		return ops;

	mutex_lock(&dcma_allocators_lock);
	ops = dcma_registered_find(name);
	mutex_unlock(&dcma_allocators_lock);
	return ops;
}

/**
 * dcma_allocator_register() - make a placement algorithm available
 * @ops: the allocator; it must stay in memory for good, since nothing
 *	unregisters it
 *
 * The name must be 1 to DCMA_ALLOCATOR_NAME_LEN - 1 characters from
 * [A-Za-z0-9_-], and @ops must provide every operation.  Only regions set
 * up after this returns can find @ops by name.
 *
 * Context: Process context.  Takes a mutex.
 * Return: 0 on success, -EINVAL when @ops is malformed, -EEXIST when an
 * allocator already has its name.
 */
int dcma_allocator_register(struct dcma_allocator_ops *ops)
{
	int ret = 0;

	if (!ops || !ops->name || !ops->create || !ops->destroy ||
	    !ops->alloc || !ops->free || !ops->info)
		return -EINVAL;
	if (!dcma_allocator_name_valid(ops->name))
		return -EINVAL;
	if (dcma_builtin_find(ops->name))
		return -EEXIST;

	mutex_lock(&dcma_allocators_lock);
	if (dcma_registered_find(ops->name))
		ret = -EEXIST;
	else
		list_add_tail(&ops->list, &dcma_allocators);
	mutex_unlock(&dcma_allocators_lock);
	return ret;
}
