/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The harness is single-threaded: a mutex is a flag that catches
 * recursive locking, unbalanced unlocking and locking in atomic context.
 */
#ifndef _LINUX_MUTEX_H
#define _LINUX_MUTEX_H

#include <dcma_host.h>

struct mutex {
	int locked;
};

#define DEFINE_MUTEX(name)	struct mutex name = { 0 }

static inline void mutex_lock(struct mutex *lock)
{
	if (host_atomic)
		host_atomic_violations++;
	if (lock->locked)
		host_warn(__FILE__, __LINE__, __func__);
	lock->locked = 1;
}

static inline void mutex_unlock(struct mutex *lock)
{
	if (!lock->locked)
		host_warn(__FILE__, __LINE__, __func__);
	lock->locked = 0;
}

static inline void lockdep_assert_held(struct mutex *lock)
{
	if (!lock->locked)
		host_warn(__FILE__, __LINE__, __func__);
}

#endif /* _LINUX_MUTEX_H */
