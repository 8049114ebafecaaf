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
 */
#ifndef SLUICE_PROXY_CONN_LIMIT_H
#define SLUICE_PROXY_CONN_LIMIT_H

#include <stdint.h>

#include "state/compile.h"

struct px_conn;
struct px_worker;

/* A destination's requests in flight and waiting, on one worker. */
struct px_dpool {
	uint32_t busy;
	uint32_t npending;
	struct px_conn *head, *tail; /* waiting, oldest first (px_conn.pnext) */
};

/* Takes a slot of destination d for c's request. Returns 0 (taken, or no limit),
 * 1 (c waits: it is handed a slot and put on w->kicked when one frees), -ENOSPC (too
 * many waiting: UO) or -ENOMEM. */
int px_slot_take(struct px_worker *w, struct px_conn *c, const struct sl_fe_dest *d);

/* Gives back c's slot (handing it to the oldest waiting request) or takes c off the
 * queue. Accepts a c that holds neither. */
void px_slot_release(struct px_worker *w, struct px_conn *c);

/* Frees w's destination table. */
void px_slots_free(struct px_worker *w);

#endif /* SLUICE_PROXY_CONN_LIMIT_H */
