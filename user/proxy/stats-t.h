/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sluice-proxy's counters. Each worker owns one array of PX_ST__COUNT 64-bit counters
 * that only it writes (relaxed atomic stores, so a plain load/add/store: no locked
 * instruction on the hot path); readers (the admin endpoint, later the agent's
 * metrics) sum the arrays of every worker with relaxed loads. Gauges (the *_ACTIVE and
 * *_IDLE entries) go up and down per worker: a single worker's value may wrap below 0
 * while the sum is right, so sums are taken modulo 2^64.
 *
 * The enum order and names (stats.c) are the external shape: append, never renumber.
 */
#ifndef SLUICE_PROXY_STATS_T_H
#define SLUICE_PROXY_STATS_T_H

#include <stdint.h>

enum px_stat {
	PX_ST_DS_CX_TOTAL, /* downstream connections accepted */
	PX_ST_DS_CX_ACTIVE, /* gauge */
	PX_ST_DS_CX_NO_ORIG_DST, /* accepted without an original destination: refused */
	PX_ST_DS_RQ_TOTAL, /* requests with a complete head, and refused heads */
	PX_ST_DS_RQ_1XX, /* final responses sent downstream, by class (forwarded or local) */
	PX_ST_DS_RQ_2XX,
	PX_ST_DS_RQ_3XX,
	PX_ST_DS_RQ_4XX,
	PX_ST_DS_RQ_5XX,
	PX_ST_DS_RQ_PARSE_ERROR, /* heads or bodies the parser refused */
	PX_ST_DS_HEADER_TIMEOUT,
	PX_ST_DS_IDLE_TIMEOUT,
	PX_ST_US_CX_TOTAL, /* upstream connections opened (connect() started) */
	PX_ST_US_CX_CONNECT_FAIL,
	PX_ST_US_CX_CONNECT_TIMEOUT,
	PX_ST_US_CX_POOL_REUSE, /* requests sent on an idle pooled connection */
	PX_ST_US_CX_IDLE, /* gauge: connections idle in the pools */
	PX_ST_US_CX_POOL_RETIRED, /* idle connections closed: endpoint left the snapshot */
	PX_ST_US_RQ_RESEND, /* reused connection closed before answering: sent again */
	PX_ST_UPGRADES, /* 101 responses: tunnels */
	PX_ST_FLAG_UH, /* requests by response flag (Envoy's short codes) */
	PX_ST_FLAG_UF,
	PX_ST_FLAG_UC,
	PX_ST_FLAG_URX,
	PX_ST_FLAG_UT,
	PX_ST_FLAG_DC,
	PX_ST_FLAG_NR,
	PX_ST_FLAG_UPE,
	PX_ST_FLAG_DPE,
	PX_ST_SNAPSHOT_SWAPS, /* configuration snapshots a worker switched to */
	PX_ST_FLAG_FI, /* the flags after DPE, in enum px_flag's order */
	PX_ST_FLAG_DI,
	PX_ST_FLAG_UO,
	PX_ST_US_RQ_RETRY, /* tries started again by a route's retry policy */
	PX_ST_FLAG_RBAC,
	/* L7 authorization (authz_http-t.h), Envoy's rbac.* counters: requests some policy
	 * judged, allowed or denied; what the dry-run policies would have done; requests
	 * an AUDIT policy matched. */
	PX_ST_RBAC_ALLOWED,
	PX_ST_RBAC_DENIED,
	PX_ST_RBAC_SHADOW_ALLOWED,
	PX_ST_RBAC_SHADOW_DENIED,
	PX_ST_RBAC_AUDITED,
	PX_ST_US_RQ_RETRY_OVERFLOW, /* retries not made: over the destination's maxRetries */
	PX_ST_US_RQ_RETRY_BACKOFF, /* retries that waited for a backoff first */
	PX_ST_US_CX_MAX_DURATION, /* connections not reused: past maxConnectionDuration */
	PX_ST_WRITES_BATCHED, /* socket writes sent through io_uring (batch_io.c) */
	PX_ST_WRITE_BATCHES, /* io_uring_enter() calls that sent them */
	PX_ST__COUNT,
};

/* Response flags of one request, as bits; px_flags_format() writes Envoy's codes. */
enum px_flag {
	PX_F_UH = 1u << 0, /* no healthy upstream: the destination has no usable endpoint */
	PX_F_UF = 1u << 1, /* upstream connection failure (refused, unreachable, timeout) */
	PX_F_UC = 1u << 2, /* upstream connection termination (reset or closed early) */
	PX_F_URX = 1u << 3, /* upstream retry limit exceeded: the last try's answer */
	PX_F_UT = 1u << 4, /* upstream request timeout: the route's timeout */
	PX_F_DC = 1u << 5, /* downstream connection termination */
	PX_F_NR = 1u << 6, /* no route: nothing known for the original destination */
	PX_F_UPE = 1u << 7, /* upstream protocol error: a response the parser refused */
	PX_F_DPE = 1u << 8, /* downstream protocol error: a request the parser refused */
	PX_F_FI = 1u << 9, /* fault injection: aborted */
	PX_F_DI = 1u << 10, /* fault injection: delayed */
	PX_F_UO = 1u << 11, /* upstream overflow: a circuit breaker (conn_limit.h) */
	PX_F_RBAC = 1u << 12, /* denied by an AuthorizationPolicy (403) */
};
#define PX_F_COUNT 13

struct px_stats {
	uint64_t v[PX_ST__COUNT];
};

#endif /* SLUICE_PROXY_STATS_T_H */
