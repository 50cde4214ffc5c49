/* SPDX-License-Identifier: GPL-2.0-only */
/* The fixed-size limits of include/linux/limits.h, for the host. */
#ifndef _LINUX_LIMITS_H
#define _LINUX_LIMITS_H

#include <limits.h>
#include <stdint.h>

#define U8_MAX		UINT8_MAX
#define U16_MAX		UINT16_MAX
#define U32_MAX		UINT32_MAX
#define U64_MAX		UINT64_MAX
#define S64_MAX		INT64_MAX

#endif /* _LINUX_LIMITS_H */
