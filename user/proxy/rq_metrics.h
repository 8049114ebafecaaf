/* SPDX-License-Identifier: Apache-2.0 */
/* Per-worker request metric tables (rq_metrics-t.h). */
#ifndef SLUICE_PROXY_RQ_METRICS_H
#define SLUICE_PROXY_RQ_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "proxy/rq_metrics-t.h"

/* The bucket bounds (ms or bytes), in increasing order. */
extern const double px_rqm_bounds[PX_RQM_NBOUNDS];

/* The bucket of value v: the first i with v <= px_rqm_bounds[i], PX_RQM_NBOUNDS above
 * them all. */
unsigned int px_rqm_bucket(uint64_t v);

/* A table for up to max series (1..2^24). Returns 0 or -ENOMEM/-EINVAL. */
int px_rqm_init(struct px_rqm *t, uint32_t max);
/* Releases the table; accepts a zeroed one. No reader may be using it. */
void px_rqm_free(struct px_rqm *t);

/* Owner only: counts one request of series k (created if needed; when the table is
 * full the request goes to t->overflow and false is returned). now_ms is
 * CLOCK_MONOTONIC, the age eviction compares with it. */
bool px_rqm_record(struct px_rqm *t, const struct px_rqm_key *k, int64_t now_ms, uint64_t dur_ms,
		   uint64_t req_bytes, uint64_t resp_bytes);

/* Owner only: frees the series no request updated since before_ms. Returns how many. */
uint32_t px_rqm_evict(struct px_rqm *t, int64_t before_ms);

/* Any thread: the slots a reader must look at are [0, px_rqm_bound()). */
uint32_t px_rqm_bound(const struct px_rqm *t);
/* Any thread: a consistent copy of series `slot` if it is live. */
bool px_rqm_read(const struct px_rqm *t, uint32_t slot, struct px_rqm_key *k,
		 struct px_rqm_vals *v);

#endif /* SLUICE_PROXY_RQ_METRICS_H */
