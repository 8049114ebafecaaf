/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The proxy's Prometheus exposition: Istio's request metrics summed over the workers
 * (rq_metrics-t.h) and named (names.h), then sluice_proxy_* counters. Served on the
 * control socket (`metrics`, which the agent appends to its own /metrics) and on the
 * admin endpoint (GET /stats/prometheus). Main thread only.
 *
 * Family names never collide with the agent's: the agent concatenates the two
 * expositions, so each family must appear in only one of them (it adds
 * sluice_proxy_up itself, which the proxy never writes).
 */
#ifndef SLUICE_PROXY_METRICS_H
#define SLUICE_PROXY_METRICS_H

#include <stdint.h>

#include "common/buf.h"
#include "common/prom.h"
#include "proxy/worker-t.h"

/* The reporter label: Istio's L7 proxy of ambient mode (a waypoint) reports as one. */
#define PX_REPORTER "waypoint"
/* The cluster domain of destination_service, as the agent's istio_tcp_* series have it. */
#define PX_CLUSTER_DOMAIN "cluster.local"

/* Adds Istio's request metric families with the series of every worker of px to p,
 * names synced with px->current at now_ms (CLOCK_MONOTONIC). Returns 0 or -ENOMEM. */
int px_metrics_requests(struct px_proxy *px, struct sl_prom *p, int64_t now_ms);

/* Brings the name directory up to px->current: called where a snapshot is put in
 * force, so the names of objects a short-lived snapshot held are learnt too (the
 * render syncs as well). */
void px_metrics_sync_names(struct px_proxy *px);

/* Appends the whole exposition to out. Returns 0 or -ENOMEM. */
int px_metrics_render(struct px_proxy *px, struct sl_buf *out);

#endif /* SLUICE_PROXY_METRICS_H */
