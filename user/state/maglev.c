// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/htab.h"
#include "state/maglev.h"

bool sl_is_prime(uint32_t m)
{
	if (m < 2)
		return false;
	for (uint32_t d = 2; (uint64_t)d * d <= m; d++)
		if (m % d == 0)
			return false;
	return true;
}

int sl_maglev_build(const struct sl_backend *be, uint32_t n, uint32_t m, uint32_t *table)
{
	uint32_t *offset, *skip, *next, filled = 0;

	if (!n || m <= n || !sl_is_prime(m))
		return -EINVAL;
	offset = calloc(n, sizeof(*offset));
	skip = calloc(n, sizeof(*skip));
	next = calloc(n, sizeof(*next));
	if (!offset || !skip || !next) {
		free(offset);
		free(skip);
		free(next);
		return -ENOMEM;
	}
	/* Each backend's preference list is a permutation of the buckets, derived from
	 * its address alone (two independent hashes), so it does not depend on its slot. */
	for (uint32_t i = 0; i < n; i++) {
		uint64_t h = sl_hash_bytes(&be[i], sizeof(be[i]));
		uint64_t h2 = sl_hash_bytes(&h, sizeof(h));

		offset[i] = (uint32_t)(h % m);
		skip[i] = (uint32_t)(h2 % (m - 1)) + 1;
	}
	for (uint32_t j = 0; j < m; j++)
		table[j] = UINT32_MAX;
	while (filled < m) {
		for (uint32_t i = 0; i < n && filled < m; i++) {
			uint32_t c;

			do {
				c = (uint32_t)((offset[i] + (uint64_t)next[i] * skip[i]) % m);
				next[i]++;
			} while (table[c] != UINT32_MAX);
			table[c] = i;
			filled++;
		}
	}
	free(offset);
	free(skip);
	free(next);
	return 0;
}
