/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Maglev consistent hashing (Eisenbud et al., NSDI 2016): a lookup table of M buckets
 * (M prime) in which every backend owns about M/N buckets, and removing one of N
 * backends moves only the buckets it owned (plus a little churn), so about 1/N of the
 * clients move. The table depends only on the backend list and M, so every node builds
 * the same one.
 */
#ifndef SLUICE_STATE_MAGLEV_H
#define SLUICE_STATE_MAGLEV_H

#include <stdbool.h>
#include <stdint.h>

#include "sluice/abi.h"

/* Fills table[0..m-1] with slot indexes into be[0..n-1]. m must be a prime > n.
 * Returns 0, or -EINVAL / -ENOMEM. */
int sl_maglev_build(const struct sl_backend *be, uint32_t n, uint32_t m, uint32_t *table);

bool sl_is_prime(uint32_t m);

#endif
