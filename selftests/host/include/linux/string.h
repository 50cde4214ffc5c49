/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The tools/include string helpers, the C library's, and strscpy() with
 * the kernel's semantics.
 */
#ifndef _DCMA_HOST_LINUX_STRING_H
#define _DCMA_HOST_LINUX_STRING_H

#include <string.h>
#include_next <linux/string.h>
#include <sys/types.h>

/* tools/include defines strscpy() as strcpy() (Linux 6.12); not here */
#undef strscpy
ssize_t strscpy(char *dest, const char *src, size_t count);

#endif /* _DCMA_HOST_LINUX_STRING_H */
