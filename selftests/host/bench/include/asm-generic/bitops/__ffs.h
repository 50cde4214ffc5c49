/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * __ffs() for the scaling benchmark: one instruction, as the kernel has it
 * on x86 (tzcnt) and arm64 (rbit, clz), instead of tools/include's generic
 * C version, whose six tests and shifts would be counted against the
 * bitmap search of the first-fit allocator.
 *
 * The include guard is the one of the tools header this one replaces.
 */
#ifndef _TOOLS_LINUX_ASM_GENERIC_BITOPS___FFS_H_
#define _TOOLS_LINUX_ASM_GENERIC_BITOPS___FFS_H_

#include <linux/compiler.h>

/**
 * __ffs - find first bit in word.
 * @word: The word to search
 *
 * Undefined if no bit exists, so code should check against 0 first.
 */
static __always_inline unsigned long __ffs(unsigned long word)
{
	return __builtin_ctzl(word);
}

#endif /* _TOOLS_LINUX_ASM_GENERIC_BITOPS___FFS_H_ */
