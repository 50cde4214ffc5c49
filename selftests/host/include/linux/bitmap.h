/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The part of the kernel's bitmap header that the first-fit allocator
 * uses, with the kernel's prototypes (the tools headers have other ones).
 * The functions live in the harness's lib directory.
 *
 * The include guard is the one of the tools header this one replaces:
 * the tools' <linux/find.h> insists on it.
 */
#ifndef _TOOLS_LINUX_BITMAP_H
#define _TOOLS_LINUX_BITMAP_H

#include <linux/bitops.h>
#include <linux/find.h>
#include <linux/gfp.h>
#include <linux/types.h>

#define BITMAP_FIRST_WORD_MASK(start) (~0UL << ((start) & (BITS_PER_LONG - 1)))
#define BITMAP_LAST_WORD_MASK(nbits) (~0UL >> (-(nbits) & (BITS_PER_LONG - 1)))

unsigned long *bitmap_zalloc(unsigned int nbits, gfp_t flags);
void bitmap_free(const unsigned long *bitmap);

void __bitmap_set(unsigned long *map, unsigned int start, int len);
void __bitmap_clear(unsigned long *map, unsigned int start, int len);
unsigned long bitmap_find_next_zero_area_off(unsigned long *map,
					     unsigned long size,
					     unsigned long start,
					     unsigned int nr,
					     unsigned long align_mask,
					     unsigned long align_offset);

static inline void bitmap_set(unsigned long *map, unsigned int start,
			      unsigned int nbits)
{
	__bitmap_set(map, start, nbits);
}

static inline void bitmap_clear(unsigned long *map, unsigned int start,
				unsigned int nbits)
{
	__bitmap_clear(map, start, nbits);
}

static inline bool bitmap_empty(const unsigned long *src, unsigned int nbits)
{
	return find_first_bit(src, nbits) >= nbits;
}

#endif /* _TOOLS_LINUX_BITMAP_H */
