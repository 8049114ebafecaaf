/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Retries of an http route (HTTPRetry), as Envoy applies Istio's policy:
 *  - absent: Istio's default policy, 2 retries on connect-failure, refused-stream and
 *    503 (retriable-status-codes); attempts 0: none;
 *  - retryOn: 5xx (any 5xx status, a reset, a connect failure or a per-try timeout),
 *    gateway-error (502, 503, 504, and the same failures), connect-failure, reset
 *    (the upstream connection closed or reset before a response), retriable-4xx
 *    (409), retriable-status-codes and numeric entries (the codes listed; 503 when
 *    none is), refused-stream and the grpc conditions (HTTP/2 and gRPC only: they
 *    never happen on HTTP/1.1), http3-post-connect-failure (never: no HTTP/3);
 *    retryOn not written: the default policy's conditions. retriable-headers,
 *    envoy-ratelimited and reset-before-request are refused (route_check.c);
 *  - attempts retries after the first try, each on the next endpoint of the same
 *    destination (round robin: another endpoint when there is one, as Istio's default
 *    retryIgnorePreviousHosts asks); perTryTimeout bounds each try (checked on the
 *    proxy's 250 ms timer tick), the route's timeout the whole request;
 *  - a request is tried again only while nothing of the response reached the client
 *    and when it can be sent again: requests without a body, or whose body
 *    (Content-Length, at most PX_RETRY_BODY_MAX bytes, no 100-continue) arrived with
 *    the head and is kept with it; other bodies are streamed as they arrive and not
 *    kept, so such requests are not retried; not upgrades;
 *  - backoff (Envoy's base_interval) spaces the retries as Envoy's jittered exponential
 *    backoff does: before retry n (0 for the first), a wait drawn uniformly from
 *    [0, min(base * 2^n, 10 * base)) ms (full jitter; max_interval is 10x base). The
 *    wait is the connection's deadline (like a fault delay), so it is run by the
 *    proxy's timer tick (PX_TICK_MS): it is at least the drawn time, rounded up to a
 *    tick, and the route's timeout still runs during it. Not written: retries start
 *    at once (Envoy's 25 ms default is not applied: a tick is 250 ms);
 *  - connectionPool.http.maxRetries of the destination bounds the retries in flight at
 *    once (conn_limit.h): a retry over it is not made, and the try's answer goes to
 *    the client with the flag UO;
 *  - when a condition asks for a retry and no attempt is left, the request gets the
 *    flag URX with the last try's answer.
 */
#ifndef SLUICE_PROXY_RETRY_H
#define SLUICE_PROXY_RETRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/objects-t.h"

/* The largest request body kept for retries (Envoy keeps up to its 1 MiB buffer). */
#define PX_RETRY_BODY_MAX (64 * 1024)

enum px_retry_cause {
	PX_RETRY_STATUS, /* a final response with this status */
	PX_RETRY_CONNECT_FAIL, /* connect() failed or timed out */
	PX_RETRY_RESET, /* the connection was closed or reset before a response */
	PX_RETRY_TIMEOUT, /* the per-try timeout expired */
};

struct px_retry_policy {
	uint32_t attempts; /* retries after the first try */
	uint32_t on; /* enum sl_retry_on */
	const uint16_t *codes; /* retriable-status-codes */
	size_t ncodes;
	uint64_t per_try_ms; /* 0: none */
	uint64_t backoff_ms; /* base interval; 0: retries start at once */
};

/* The effective policy of http route hr (NULL: a request without http routes, which
 * takes Istio's default policy too). */
void px_retry_policy(const struct sl_http_route *hr, struct px_retry_policy *p);

/* Whether policy p retries a try that ended by `cause` (status: for PX_RETRY_STATUS). */
bool px_retry_wants(const struct px_retry_policy *p, enum px_retry_cause cause,
		    unsigned int status);

/* The wait before retry n (0 for the first) with base interval base_ms (> 0), rnd a
 * uniform random number: in [0, min(base_ms * 2^n, 10 * base_ms)). */
uint64_t px_retry_backoff_ms(uint64_t base_ms, unsigned int n, uint32_t rnd);

#endif /* SLUICE_PROXY_RETRY_H */
