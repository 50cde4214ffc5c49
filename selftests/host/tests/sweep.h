/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _DCMA_HOST_SWEEP_H
#define _DCMA_HOST_SWEEP_H

#include "common.h"

void sweep_checks(void);

#endif /* _DCMA_HOST_SWEEP_H */
