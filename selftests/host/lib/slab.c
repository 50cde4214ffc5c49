// SPDX-License-Identifier: GPL-2.0-only
/*
 * kmalloc() and kfree() on top of malloc(), so that AddressSanitizer sees
 * every object.  kmalloc() counts calls made in atomic context and can be
 * told to fail; kfree() lets the harness see which objects go.
 */
#include <stdlib.h>
#include <string.h>
#include <linux/slab.h>
#include <dcma_host.h>

int host_atomic;
unsigned long host_atomic_violations;
unsigned long host_kmalloc_fail_in;
void (*host_kfree_hook)(const void *ptr);

void *kmalloc(size_t size, gfp_t flags)
{
	void *p;

	if (host_atomic)
		host_atomic_violations++;
	if (host_kmalloc_fail_in && !--host_kmalloc_fail_in)
		return NULL;

	p = malloc(size ? size : 1);
	if (p && (flags & __GFP_ZERO))
		memset(p, 0, size);
	return p;
}

void kfree(const void *objp)
{
	if (!objp)
		return;
	if (host_kfree_hook)
		host_kfree_hook(objp);
	free((void *)objp);
}
