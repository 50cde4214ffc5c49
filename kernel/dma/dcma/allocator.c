// SPDX-License-Identifier: GPL-2.0-only
/*
 * dcma placement algorithms by name.
 *
 * A static table: the "dcma=" early parameter looks allocators up before
 * slab is up, and every allocator is built in.
 */

#include <linux/kernel.h>
#include <linux/string.h>

#include "allocator.h"

static const struct dcma_allocator_ops *const dcma_allocators[] = {
	&dcma_bestfit_ops,
	&dcma_firstfit_ops,
};

/**
 * dcma_allocator_find() - an allocator by its name
 * @name: "bf", "ff", ...; may be NULL
 *
 * Context: Any context, from early boot on; takes no lock.
 * Return: the allocator, or NULL when none has exactly that name.
 */
const struct dcma_allocator_ops *dcma_allocator_find(const char *name)
{
	unsigned int i;

	for (i = 0; name && i < ARRAY_SIZE(dcma_allocators); i++)
		if (!strcmp(dcma_allocators[i]->name, name))
			return dcma_allocators[i];
	return NULL;
}
