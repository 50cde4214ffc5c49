/* SPDX-License-Identifier: GPL-2.0-only */
/* The page size for the host: 4 KiB, as on the test kernels. */
#ifndef _LINUX_MM_H
#define _LINUX_MM_H

#include <linux/align.h>
#include <linux/const.h>

#define PAGE_SHIFT		12
#define PAGE_SIZE		(_AC(1, UL) << PAGE_SHIFT)
#define PAGE_MASK		(~(PAGE_SIZE - 1))
#define PAGE_ALIGN(addr)	ALIGN(addr, PAGE_SIZE)

#endif /* _LINUX_MM_H */
