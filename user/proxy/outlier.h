/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Outlier detection (DestinationRule outlierDetection), Envoy's consecutive-errors
 * detectors, per worker: each worker keeps the state of the endpoints it sends to
 * (struct px_ep_state) and ejects by what it saw itself, so with W workers an
 * endpoint is ejected by each worker that sees its errors (a client on one keep-alive
 * connection meets one worker). Documented in docs/architecture.md.
 *
 *  - Every try that ends counts: a 5xx response, a connect failure, a reset before the
 *    response or a per-try timeout is an error (local failures count as 503, Envoy's
 *    mapping without splitExternalLocalOriginErrors, which is refused); anything else
 *    resets both counters.
 *  - consecutive5xxErrors (default 5; 0 disables) consecutive 5xx errors, or
 *    consecutiveGatewayErrors (default off) consecutive 502/503/504 errors, eject the
 *    endpoint at once, unless more than maxEjectionPercent (default 10) of the
 *    destination's endpoints would then be ejected; one endpoint may always be.
 *  - An ejection lasts baseEjectionTime (default 30 s) times the number of times the
 *    endpoint was ejected, at most max(baseEjectionTime, 300 s); the count drops by one
 *    for every `interval` (default 10 s) the endpoint spent not ejected (Envoy does it
 *    on its interval timer; here it is computed at the next ejection). The endpoint is
 *    used again as soon as the ejection time has passed.
 *  - minHealthPercent: when fewer than that share of the endpoints are not ejected,
 *    ejections are ignored (Envoy's panic threshold); 0 (the default): never.
 */
#ifndef SLUICE_PROXY_OUTLIER_H
#define SLUICE_PROXY_OUTLIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/objects-t.h"

struct px_ep_state {
	uint32_t active; /* requests in flight on this worker (LEAST_REQUEST) */
	uint32_t c5xx, cgw; /* consecutive errors */
	uint32_t ejections; /* the ejection time multiplier */
	int64_t ejected_until; /* CLOCK_MONOTONIC ms; 0: never ejected */
};

/* Whether st's endpoint is ejected at now. */
bool px_outlier_ejected(const struct px_ep_state *st, int64_t now);

/* Records a try to st's endpoint that ended with status (0: a local failure) at now,
 * under od, for a destination of nhosts endpoints of which nejected are ejected now.
 * Returns true when the endpoint was ejected by it. */
bool px_outlier_record(struct px_ep_state *st, const struct sl_outlier *od, unsigned int status,
		       int64_t now, size_t nhosts, size_t nejected);

#endif /* SLUICE_PROXY_OUTLIER_H */
