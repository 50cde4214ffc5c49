/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dcma: device contiguous memory areas.
 *
 * Named regions of physically contiguous memory, reserved at boot from
 * "dcma=" or the device tree.  Reusable regions lend their pages to movable
 * allocations while no device holds them.  Every allocation is a buffer
 * with a reference count; dcma_get() and dcma_put() take and drop
 * references by the buffer's physical address, so that a buffer can
 * outlive the driver that allocated it.  See
 * Documentation/admin-guide/mm/dcma.rst.
 */
#ifndef _LINUX_DCMA_H
#define _LINUX_DCMA_H

#include <linux/err.h>
#include <linux/errno.h>
#include <linux/gfp.h>
#include <linux/types.h>

struct dcma_region;
struct dcma_buffer;
struct device;
struct page;

#ifdef CONFIG_DCMA

struct dcma_region *dcma_region_find(const char *name);
int dcma_walk_regions(int (*it)(struct dcma_region *region, void *data),
		      void *data);
const char *dcma_region_name(const struct dcma_region *region);
phys_addr_t dcma_region_base(const struct dcma_region *region);
phys_addr_t dcma_region_size(const struct dcma_region *region);
bool dcma_region_reusable(const struct dcma_region *region);
unsigned long dcma_region_lendable(struct dcma_region *region);

struct dcma_buffer *dcma_region_alloc(struct dcma_region *region, size_t size,
				      size_t align, gfp_t gfp);
struct dcma_buffer *dcma_region_alloc_owned(struct dcma_region *region,
					    size_t size, size_t align,
					    gfp_t gfp, const char *owner);
phys_addr_t dcma_buffer_phys(const struct dcma_buffer *buf);
size_t dcma_buffer_size(const struct dcma_buffer *buf);
struct page *dcma_buffer_page(const struct dcma_buffer *buf);

int dcma_get(phys_addr_t phys);
int dcma_put(phys_addr_t phys);
int dcma_put_owned(phys_addr_t phys, const char *who);

int dcma_alloc(struct device *dev, const char *kind, size_t size,
	       size_t align, phys_addr_t *phys);

#else

static inline struct dcma_region *dcma_region_find(const char *name)
{
	return NULL;
}

static inline int dcma_walk_regions(int (*it)(struct dcma_region *region,
					      void *data), void *data)
{
	return 0;
}

static inline struct dcma_buffer *dcma_region_alloc(struct dcma_region *region,
						    size_t size, size_t align,
						    gfp_t gfp)
{
	return ERR_PTR(-ENODEV);
}

static inline struct dcma_buffer *
dcma_region_alloc_owned(struct dcma_region *region, size_t size, size_t align,
			gfp_t gfp, const char *owner)
{
	return ERR_PTR(-ENODEV);
}

static inline const char *dcma_region_name(const struct dcma_region *region)
{
	return NULL;
}

static inline phys_addr_t dcma_region_base(const struct dcma_region *region)
{
	return 0;
}

static inline phys_addr_t dcma_region_size(const struct dcma_region *region)
{
	return 0;
}

static inline bool dcma_region_reusable(const struct dcma_region *region)
{
	return false;
}

static inline unsigned long dcma_region_lendable(struct dcma_region *region)
{
	return 0;
}

static inline phys_addr_t dcma_buffer_phys(const struct dcma_buffer *buf)
{
	return 0;
}

static inline size_t dcma_buffer_size(const struct dcma_buffer *buf)
{
	return 0;
}

static inline struct page *dcma_buffer_page(const struct dcma_buffer *buf)
{
	return NULL;
}

static inline int dcma_get(phys_addr_t phys)
{
	return -ENOENT;
}

static inline int dcma_put(phys_addr_t phys)
{
	return -ENOENT;
}

static inline int dcma_put_owned(phys_addr_t phys, const char *who)
{
	return -ENOENT;
}

static inline int dcma_alloc(struct device *dev, const char *kind,
			     size_t size, size_t align, phys_addr_t *phys)
{
	return -ENODEV;
}

#endif /* CONFIG_DCMA */

#endif /* _LINUX_DCMA_H */
