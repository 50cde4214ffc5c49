/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _DCMA_HOST_ALLOC_API_H
#define _DCMA_HOST_ALLOC_API_H

void alloc_api_checks(void);

#endif /* _DCMA_HOST_ALLOC_API_H */
