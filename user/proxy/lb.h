/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which endpoint of a destination a try goes to: the DestinationRule's loadBalancer
 * for it (sl_fe_dest.lb, merged by the compiler), skipping endpoints this worker's
 * outlier detection ejected (outlier.h).
 *  - ROUND_ROBIN, and loadBalancer not written: the destination's round-robin counter
 *    in the snapshot (shared by the workers);
 *  - RANDOM: uniform;
 *  - LEAST_REQUEST: power of two choices: of two endpoints drawn at random, the one
 *    with fewer requests in flight on this worker;
 *  - consistentHash: a Maglev table over the endpoints (user/state/maglev.c; the
 *    table size written, else 65537) indexed by a 64-bit hash of the key:
 *    httpHeaderName (the header's value; several fields joined with ","),
 *    httpQueryParameterName, useSourceIp (the client's address), httpCookie (the
 *    cookie's value). A request without its key is hashed on a random value, as
 *    Envoy picks at random then; for httpCookie with a ttl, that value is returned
 *    as the cookie to set (name=VALUE; Path=...; Max-Age=TTL; HttpOnly), so the
 *    client's next requests reach the same endpoint. An ejected endpoint's buckets go
 *    to the next endpoint in the table that is not ejected.
 */
#ifndef SLUICE_PROXY_LB_H
#define SLUICE_PROXY_LB_H

#include <stddef.h>
#include <stdint.h>

#include "model/objects-t.h"
#include "proxy/http-t.h"
#include "proxy/outlier.h"
#include "proxy/snapshot-t.h"
#include "state/compile.h"

struct px_worker;

/* The request a pick is for. */
struct px_lb_req {
	const struct sl_http_msg *req; /* NULL: a retry (the hash is kept) */
	const struct sl_ip *client;
};

/* This worker's state of endpoint ep (created zeroed), or NULL on ENOMEM. */
struct px_ep_state *px_ep_state(struct px_worker *w, const struct px_ep *ep);

/* Frees every endpoint state of w. */
void px_ep_states_free(struct px_worker *w);

/* The 64-bit consistent hash of request r for lb (*has: the key was present). */
uint64_t px_lb_hash(const struct sl_lb_policy *lb, const struct px_lb_req *r, bool *has);

/* Whether requests to a destination with policy lb pick by fewest active requests:
 * LEAST_REQUEST, and Istio's default when no DestinationRule chooses (the kernel's L4
 * default is RANDOM; at L7 Istio's is LEAST_REQUEST). */
bool px_lb_least_request(const struct sl_lb_policy *lb);

/* Picks the endpoint of destination d (rr: its round-robin counter) in snapshot s for
 * request r, into *ep. *hash holds the request's hash (computed when has_hash is
 * false, kept for retries). A cookie to set is written to cookie[0, len) (empty:
 * none). Returns 0, or -EHOSTUNREACH: no endpoint (all ejected). */
int px_lb_pick(struct px_worker *w, const struct px_snapshot *s, const struct sl_fe_dest *d,
	       uint32_t *rr, const struct px_lb_req *r, struct px_ep *ep, char *cookie, size_t len);

/* Records the end of a try to ep of destination d (status 0: a local failure) in
 * this worker's outlier state. */
void px_lb_report(struct px_worker *w, const struct sl_fe_dest *d, const struct px_ep *ep,
		  unsigned int status);

#endif /* SLUICE_PROXY_LB_H */
