/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * WARN_ON() and friends report to the harness, which counts them, instead
 * of printing a backtrace.  Every warning is reported, the _ONCE ones too,
 * so that a test can expect one.
 */
#ifndef _LINUX_BUG_H
#define _LINUX_BUG_H

#include <linux/build_bug.h>
#include <linux/compiler.h>
#include <dcma_host.h>

#define WARN_ON(condition) ({						\
	int __ret_warn_on = !!(condition);				\
	if (unlikely(__ret_warn_on))					\
		host_warn(__FILE__, __LINE__, #condition);		\
	unlikely(__ret_warn_on);					\
})

#define WARN_ON_ONCE(condition)	WARN_ON(condition)
#define WARN(condition, format...)	WARN_ON(condition)
#define WARN_ONCE(condition, format...)	WARN_ON(condition)

#endif /* _LINUX_BUG_H */
