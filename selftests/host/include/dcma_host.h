/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Hooks between the kernel stubs and the harness: the stubs report what
 * the code under test does (warnings, allocations, frees) and the harness
 * decides whether that breaks a rule.
 */
#ifndef _DCMA_HOST_H
#define _DCMA_HOST_H

#include <stdbool.h>
#include <stddef.h>

/* Warnings (WARN_ON() and friends) raised since the harness last looked */
extern unsigned long host_warnings;
void host_warn(const char *file, int line, const char *what);

/*
 * Non-zero while the code under test runs where the kernel holds a
 * spinlock: kmalloc() and mutex_lock() count as violations there.
 */
extern int host_atomic;
extern unsigned long host_atomic_violations;

/* Make the n-th next kmalloc() fail (1 is the very next); 0 never fails. */
extern unsigned long host_kmalloc_fail_in;

/* Called by kfree() before the memory goes back to libc */
extern void (*host_kfree_hook)(const void *ptr);

#endif /* _DCMA_HOST_H */
