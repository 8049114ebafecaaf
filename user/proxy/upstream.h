/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Upstream connections and the per-worker, per-endpoint pools of idle ones. A pool is
 * bounded (PX_POOL_MAX_IDLE), its connections close after PX_UPSTREAM_IDLE_MS idle or
 * as soon as the server closes them (an idle connection stays registered with epoll,
 * and any input on it ends it), and a pool whose endpoint left the snapshot is emptied
 * when the worker installs that snapshot. Worker thread only.
 *
 * The connectionPool.tcp settings of the destination a connection serves apply to it:
 * tcpKeepalive (SO_KEEPALIVE, and TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT as written,
 * in whole seconds, at least 1) and maxConnectionDuration (Envoy's
 * max_connection_duration: a connection that old, counted from its connect(), serves
 * the exchange it has, then is not reused; an idle one is closed at the next sweep,
 * within PX_TICK_MS). Pools are per endpoint, not per destination as Envoy's clusters'
 * are: a pooled connection may serve another destination on the same endpoint
 * (another subset, say), and then takes that destination's settings (keepalive options
 * set again when they differ; a connection older than its duration is left in the
 * pool for others).
 */
#ifndef SLUICE_PROXY_UPSTREAM_H
#define SLUICE_PROXY_UPSTREAM_H

#include <stdbool.h>
#include <stdint.h>

#include "proxy/conn-t.h"

/* A connection to ep: the most recently idle one of ep's pool pooled before this round
 * (else the most recent one a peek finds quiet; up->reused) unless `fresh`, else a new
 * non-blocking connect() (up->connected false until it completes) with the settings of
 * connection pool cp (NULL: none).
 * The caller sets up->owner. Returns NULL with errno set when the socket or connect()
 * fails at once. */
struct px_up *px_up_get(struct px_worker *w, const struct px_ep *ep, bool fresh,
			const struct sl_conn_pool *cp);

/* Gives up back: to its endpoint's pool when `reusable`, no hang-up was seen on it, its
 * last read drained it (else a peek must find nothing), the endpoint is still in the
 * worker's snapshot and the pool has room; closed otherwise. */
void px_up_release(struct px_worker *w, struct px_up *up, bool reusable);

/* Closes up now (and takes it out of its pool if idle); freed after the round. */
void px_up_close(struct px_worker *w, struct px_up *up);

/* An event for an idle pooled connection: input or hang-up ends it. The worker runs
 * these before the other events of a round (worker.c idle_first). */
void px_up_idle_event(struct px_worker *w, struct px_up *up, uint32_t events);

/* Closes idle connections past PX_UPSTREAM_IDLE_MS, and, with s, those whose endpoint
 * s no longer has. */
void px_pools_sweep(struct px_worker *w, const struct px_snapshot *s);

/* Closes every pooled connection and frees the pools. */
void px_pools_free(struct px_worker *w);

/* Frees the upstream connections closed in this round. */
void px_up_reap(struct px_worker *w);

#endif /* SLUICE_PROXY_UPSTREAM_H */
