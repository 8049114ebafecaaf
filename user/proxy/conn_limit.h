/* SPDX-License-Identifier: Apache-2.0 */
/*
 * connectionPool.tcp.maxConnections and http.http1MaxPendingRequests for the
 * destinations sluice-proxy serves, per worker: each worker may have
 * ceil(maxConnections / workers) requests on upstream connections of a destination
 * at a time (its share; idle pooled connections are not counted). A request over the
 * share waits, in arrival order, for a request of that destination to end; more than
 * http1MaxPendingRequests waiting (0 or not written: no limit, Istio's 2^32-1) is
 * answered 503 with flag UO, as Envoy's circuit breaker does. Keyed by the
 * destination's pool_id (Service, port, subset, family), so the queue survives a
 * snapshot swap.
 *
 * The same per-worker shares bound two of Envoy's other circuit breakers:
 *  - http.http2MaxRequests (max_requests): requests in flight to the destination on
 *    its connections, whatever the protocol; a request arriving while the share of
 *    ceil(http2MaxRequests / workers) is taken is answered 503 UO at once (it does not
 *    wait). As in Envoy, which checks when a stream is asked for and counts it once
 *    attached to a connection, requests waiting for a slot are not counted, and one
 *    handed a slot is not checked again;
 *  - http.maxRetries (max_retries): retries in flight at once; a retry is held from
 *    when it is decided (its backoff included) until its try ends (the next retry
 *    decision or the end of the exchange). A retry over the share is not made: the
 *    try's answer goes to the client with the flag UO, counted in
 *    upstream_rq_retry_overflow (Envoy's RetryStatus::NoOverflow).
 * 0 or not written is Istio's default for both: no limit. A share rounds up, so the
 * proxy as a whole may allow up to workers - 1 more than written.
 */
#ifndef SLUICE_PROXY_CONN_LIMIT_H
#define SLUICE_PROXY_CONN_LIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "state/compile.h"

struct px_conn;
struct px_worker;

/* A destination's requests in flight and waiting, on one worker. */
struct px_dpool {
	uint32_t busy;
	uint32_t npending;
	uint32_t requests; /* holding a request (http2MaxRequests) */
	uint32_t retries; /* holding a retry (maxRetries) */
	struct px_conn *head, *tail; /* waiting, oldest first (px_conn.pnext) */
};

/* Takes a request (http2MaxRequests) and a slot (maxConnections) of destination d
 * for c's request. Returns 0 (taken, or no limit), 1 (c waits: it is handed a slot
 * and put on w->kicked when one frees), -ENOSPC (too many requests or too many
 * waiting: UO) or -ENOMEM. */
int px_slot_take(struct px_worker *w, struct px_conn *c, const struct sl_fe_dest *d);

/* Takes a retry of destination d for c (giving back the one c's last retry held).
 * Returns true (taken, or no limit) or false (over maxRetries: no retry). */
bool px_retry_take(struct px_worker *w, struct px_conn *c, const struct sl_fe_dest *d);

/* The share of limit for one of `workers` workers: ceil(limit / workers). */
uint32_t px_limit_share(uint32_t limit, unsigned int workers);

/* Gives back what c holds: its request and retry, and its slot (handing it to the
 * oldest waiting request) or its place in the queue. Accepts a c that holds none. */
void px_slot_release(struct px_worker *w, struct px_conn *c);

/* Frees w's destination table. */
void px_slots_free(struct px_worker *w);

#endif /* SLUICE_PROXY_CONN_LIMIT_H */
