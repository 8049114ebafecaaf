/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Istio's request metrics (istio_requests_total, istio_request_duration_milliseconds,
 * istio_request_bytes, istio_response_bytes), counted per worker.
 *
 * Each worker owns one table of series. A series is keyed by a compact key (source pod
 * id, destination pod id, destination Service id, response code, response flags):
 * nothing is formatted per request, the label strings are made from the ids only when
 * the metrics are read (metrics.c, with the main thread's name directory, names.h).
 * The series live in one array allocated when the worker starts (--max-request-series
 * of them), found through a worker-private open-addressing index of slot numbers, so
 * a request whose series exists does a hash, a probe and a few stores: no lock, no
 * allocation. A request that would need a series past the limit is not counted in
 * them; it is counted in `overflow` (sluice_proxy_request_series_overflow_total).
 *
 * Readers (the main thread) copy series while the worker writes them. Every series
 * carries a sequence number, odd while its worker changes it (a request counted, the
 * series created or evicted): a copy is good when the number was even and the same
 * before and after it (a seqlock with one writer: plain stores, no locked instruction;
 * the reader retries). So a copy is never torn: its bucket counts add up to at most
 * its count, and the key matches the values.
 *
 * Eviction is by age: a series no request has updated for --request-series-idle is
 * freed by its worker (px_rqm_evict(), run once a second), so the series of pods and
 * Services that left the snapshot end, as a deleted pod's series do in Prometheus.
 * A live pair that is quiet that long starts again from zero (a counter reset, which
 * Prometheus' rate() and increase() handle).
 */
#ifndef SLUICE_PROXY_RQ_METRICS_T_H
#define SLUICE_PROXY_RQ_METRICS_T_H

#include <stdint.h>

/* Envoy's default histogram buckets, which Istio's standard metrics use for the
 * durations (ms) and the sizes (bytes) alike. */
#define PX_RQM_NBOUNDS 19

/* Zeroed before filling: hashed and compared as bytes. 0 ids: unknown. */
struct px_rqm_key {
	uint32_t src_pod; /* px_obj_id() of the downstream peer's Pod */
	uint32_t dst_pod; /* of the endpoint's Pod */
	uint32_t svc; /* of the destination Service */
	uint16_t code; /* the status sent downstream; 0: none */
	uint16_t flags; /* enum px_flag */
};
_Static_assert(sizeof(struct px_rqm_key) == 16, "px_rqm_key size");

/* What one series counted. Histograms hold per-bucket counts: dur[i] observations v
 * with bound[i-1] < v <= bound[i]; those above the last bound are count - sum. */
struct px_rqm_vals {
	uint64_t count;
	uint64_t dur_sum_ms, req_sum, resp_sum;
	uint64_t dur[PX_RQM_NBOUNDS], req[PX_RQM_NBOUNDS], resp[PX_RQM_NBOUNDS];
};

struct px_rqm_series {
	uint32_t seq; /* odd while the owner writes; atomic */
	uint32_t live; /* 0: free; atomic */
	struct px_rqm_key key;
	int64_t last_ms; /* CLOCK_MONOTONIC of the last request; owner only */
	struct px_rqm_vals v;
};

struct px_rqm {
	struct px_rqm_series *series; /* max of them */
	uint32_t max;
	uint32_t hwm; /* series[0, hwm) were ever used (atomic: readers scan them) */
	/* Owner only: the index (slot + 1; 0 empty; PX_RQM_TOMB deleted), icap a power
	 * of two at least twice max, and the freed slots. */
	uint32_t *index;
	uint32_t icap, itombs;
	uint32_t *freed;
	uint32_t nfreed;
	uint32_t nlive; /* atomic: a gauge for readers */
	uint64_t overflow; /* requests not counted: no room (atomic) */
	uint64_t evicted; /* series freed by age (atomic) */
};

#endif /* SLUICE_PROXY_RQ_METRICS_T_H */
