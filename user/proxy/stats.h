/* SPDX-License-Identifier: Apache-2.0 */
/* Counter updates by their owning worker, sums for readers, names (stats-t.h). */
#ifndef SLUICE_PROXY_STATS_H
#define SLUICE_PROXY_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "proxy/stats-t.h"

/* Only the worker owning s may call these: a load and a store, no read-modify-write
 * instruction, which is correct because there is exactly one writer. */
static inline void px_stat_add(struct px_stats *s, enum px_stat i, uint64_t n)
{
	__atomic_store_n(&s->v[i], s->v[i] + n, __ATOMIC_RELAXED);
}

static inline void px_stat_inc(struct px_stats *s, enum px_stat i)
{
	px_stat_add(s, i, 1);
}

static inline void px_stat_dec(struct px_stats *s, enum px_stat i)
{
	px_stat_add(s, i, (uint64_t)-1);
}

/* Adds every counter of src into dst (any thread). */
void px_stats_sum(struct px_stats *dst, const struct px_stats *src);

/* "downstream_cx_total", ...; NULL past the end. */
const char *px_stat_name(enum px_stat i);

/* Counts one request's flags into s (PX_ST_FLAG_*). */
void px_stats_flags(struct px_stats *s, unsigned int flags);

/* Writes the flags as Envoy prints them ("UF,URX", or "-" for none) into buf, which
 * must hold at least 40 bytes. Returns buf. */
const char *px_flags_format(unsigned int flags, char *buf, size_t len);

#endif /* SLUICE_PROXY_STATS_H */
