/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where a request goes: the one place a request picks its destination and endpoint.
 * The frontend of the original destination (ClusterIP x port) gives the Service the
 * client dialed. When a VirtualService with http routes names it, the request takes
 * the first http route whose matches hold (route_match.h; none: 404 NR), a redirect
 * is answered by the proxy, and otherwise a destination of the route is drawn by its
 * relative weight (DestinationRule subsets and destination.port as the compiler
 * resolved them: user/state/compile.c, sl_frontend.http). Without http routes the
 * request goes where the kernel would have sent its connection: the client pod's
 * source route when a tcp route has one for it, else the default (a tcp route without
 * source conditions, else the Service itself), a destination by weight. Then an
 * endpoint of the destination, round robin.
 */
#ifndef SLUICE_PROXY_ROUTE_H
#define SLUICE_PROXY_ROUTE_H

#include <stddef.h>
#include <stdint.h>

#include "model/objects-t.h"
#include "proxy/http-t.h"
#include "proxy/snapshot-t.h"

/* px_route_pick(): the request is answered with a redirect (route.http->redirect). */
#define PX_ROUTE_REDIRECT 1

struct px_route {
	const struct px_frontend *pf; /* NULL: no frontend for the original destination */
	const struct sl_fe_dest *dest; /* the destination picked, when there is one */
	const struct sl_http_route *http; /* the VirtualService http route taken, or NULL */
	const struct sl_http_match *match; /* the match that held; NULL: the route has none */
	const struct sl_http_dest *http_dest; /* the http route's destination picked */
	struct px_ep ep; /* the endpoint, when 0 was returned */
	uint32_t *rr; /* the destination's round-robin counter (px_route_next_ep()) */
	unsigned int flags; /* enum px_flag: why there is no endpoint */
	int status; /* the status to answer when there is none */
	const char *body; /* and the text of that answer */
};

/*
 * Routes request `req` (may be NULL: a connection-level pick, no http routing) of a
 * client at address `client` that dialed `orig`:`port` (host order), in snapshot s.
 * `rnd` is a random value for the weighted choice between destinations. Returns 0 with
 * out->ep set (the endpoint the destination's round-robin counter points at; the
 * counter is not advanced: the load balancer, lb.h, takes the request's endpoint),
 * PX_ROUTE_REDIRECT with out->http set, or:
 *	-ENOENT: no frontend (no Service has that ClusterIP and TCP port in s): NR, 502;
 *	-ENOMSG: the Service has http routes and none matches the request: NR, 404;
 *	-EHOSTUNREACH: the destination has no usable endpoint (none ready or serving,
 *	   a missing subset or Service in the route): UH, 503.
 * out->flags, out->status and out->body say the same. Pointers in out live as long
 * as s.
 */
int px_route_pick(const struct px_snapshot *s, const struct sl_ip *orig, uint16_t port,
		  const struct sl_ip *client, const struct sl_http_msg *req, uint32_t rnd,
		  struct px_route *out);

/* The next endpoint of destination d (nbe > 0) by its round-robin counter rr, into
 * *ep: where a retry goes. */
void px_route_next_ep(const struct sl_fe_dest *d, uint32_t *rr, struct px_ep *ep);

/* Index of a weighted choice among n relative weights for random value rnd: i is
 * drawn with probability weights[i] / sum (all 0: equal shares). n >= 1. */
size_t px_route_weighted(const uint32_t *weights, size_t n, uint32_t rnd);

/* Istio's name of destination d's cluster: "outbound|PORT|SUBSET|HOST" with HOST the
 * Service's cluster-local name; "-" for none. Returns buf. */
const char *px_route_cluster(const struct sl_fe_dest *d, char *buf, size_t len);

#endif /* SLUICE_PROXY_ROUTE_H */
