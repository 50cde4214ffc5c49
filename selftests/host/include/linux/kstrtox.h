/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kstrtoull() and memparse() for the host, as lib/kstrtox.c and
 * lib/cmdline.c define them: see lib/cmdline.c.
 */
#ifndef _LINUX_KSTRTOX_H
#define _LINUX_KSTRTOX_H

#include <linux/types.h>

int kstrtoull(const char *s, unsigned int base, unsigned long long *res);
unsigned long long memparse(const char *ptr, char **retptr);

#endif /* _LINUX_KSTRTOX_H */
