/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dcma placement algorithms.
 *
 * A region's allocator decides which page frames an allocation gets; the
 * region core (region.c) claims those pages from the page allocator and
 * keeps the buffers.  Allocators are pure bookkeeping over one range of
 * page frame numbers: they include no device, DMA or page-allocator
 * header, so that a userspace harness can compile these very files and
 * check them against a reference model.
 *
 * Memory and locking contract:
 *
 * - ->alloc() and ->free() run under the region's spinlock: they must not
 *   sleep or allocate memory.
 * - An allocator that needs per-range bookkeeping (a hole node) declares
 *   its size in ->node_size and keeps the nodes it is given: the first
 *   from ->create(), the others from ->alloc() calls that asked for one.
 *   An ->alloc() that needs a node it does not have changes nothing and
 *   returns -EAGAIN; the caller allocates one outside the lock, its
 *   contents undefined (the allocator sets what it uses), and calls again
 *   with it.  A node handed to ->alloc() is the allocator's whatever the
 *   call returns.  ->free() needs no node; it hands back one it no longer
 *   needs, or NULL, and the caller frees it after dropping the lock.  An
 *   allocator keeps enough nodes for the frees to come (a range of pages
 *   never has more free holes than allocations plus one) and should give
 *   back what goes beyond a small slack, so that a steady stream of
 *   allocations and frees neither sleeps nor hands nodes to and fro.
 */
#ifndef _KERNEL_DMA_DCMA_ALLOCATOR_H
#define _KERNEL_DMA_DCMA_ALLOCATOR_H

#include <linux/types.h>

#define DCMA_ALLOCATOR_NAME_LEN	16

/**
 * struct dcma_alloc_info - what an allocator tells about its range
 * @free_pages: pages not allocated
 * @largest_free: the longest run of free pages
 * @free_holes: number of separate runs of free pages
 */
struct dcma_alloc_info {
	unsigned long free_pages;
	unsigned long largest_free;
	unsigned long free_holes;
};

/**
 * struct dcma_allocator_ops - a placement algorithm
 * @name: name used on the command line ("dcma=cam=64M:bf") and in the
 *	device tree ("dcma,allocator = "bf""); at most
 *	DCMA_ALLOCATOR_NAME_LEN - 1 characters
 * @node_size: bytes of one bookkeeping node, 0 if none (see above)
 * @create: set up the state for the page frames [@base_pfn,
 *	@base_pfn + @nr_pages), all free.  @node is the first bookkeeping
 *	node (NULL when @node_size is 0).  May sleep.  Returns the state or
 *	an ERR_PTR(); on failure @node stays with the caller.
 * @destroy: free the state and every node it owns; the range must be
 *	entirely free.  May sleep.
 * @alloc: find @nr free page frames whose first pfn is a multiple of
 *	@align (a power of two), mark them used and store the first pfn in
 *	*@pfn.  @node is NULL, or a node the allocator asked for (see
 *	above), which it keeps.  Returns 0, -ENOMEM when no such run
 *	exists, -EAGAIN when it needs a node and @node is NULL, or -EINVAL
 *	when @nr is 0 or @align is not a power of two.
 * @free: mark [@pfn, @pfn + @nr) free again; the range must be exactly
 *	one earlier allocation.  Returns a node for the caller to free, or
 *	NULL.
 * @info: fill *@info.
 */
struct dcma_allocator_ops {
	const char *name;
	size_t node_size;
	void *(*create)(unsigned long base_pfn, unsigned long nr_pages,
			void *node);
	void (*destroy)(void *state);
	int (*alloc)(void *state, unsigned long nr, unsigned long align,
		     unsigned long *pfn, void *node);
	void *(*free)(void *state, unsigned long pfn, unsigned long nr);
	void (*info)(void *state, struct dcma_alloc_info *info);
};

const struct dcma_allocator_ops *dcma_allocator_find(const char *name);

extern const struct dcma_allocator_ops dcma_bestfit_ops;
extern const struct dcma_allocator_ops dcma_firstfit_ops;

#endif /* _KERNEL_DMA_DCMA_ALLOCATOR_H */
