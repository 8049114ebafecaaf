/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where a request goes: the one place a request picks its destination and endpoint.
 * Today a request goes where the kernel would have sent its connection: the frontend
 * of the original destination (ClusterIP x port), its route (the client pod's source
 * route when the VirtualService has one for it, else the default: a tcp route without
 * source conditions, else the Service itself), a destination of that route by weight,
 * and an endpoint of the destination, round robin. VirtualService http routes will
 * choose the route from the request (px_route_pick() already takes it) and keep the
 * rest.
 */
#ifndef SLUICE_PROXY_ROUTE_H
#define SLUICE_PROXY_ROUTE_H

#include <stdint.h>

#include "model/objects-t.h"
#include "proxy/http-t.h"
#include "proxy/snapshot-t.h"

struct px_route {
	const struct px_frontend *pf; /* NULL: no frontend for the original destination */
	const struct sl_fe_dest *dest; /* the destination picked, when there is one */
	struct px_ep ep; /* the endpoint, when 0 was returned */
	unsigned int flags; /* enum px_flag: why there is no endpoint */
	int status; /* the status to answer when there is none */
};

/*
 * Routes request `req` (may be NULL: a connection-level pick) of a client at address
 * `client` that dialed `orig`:`port` (host order), in snapshot s. `rnd` is a random
 * value for the weighted choice between destinations. Returns 0 with out->ep set, or:
 *	-ENOENT: no frontend (no Service has that ClusterIP and TCP port in s): NR, 502;
 *	-EHOSTUNREACH: the destination has no usable endpoint (none ready or serving,
 *	   a missing subset or Service in the route): UH, 503.
 * out->flags and out->status say the same.
 */
int px_route_pick(const struct px_snapshot *s, const struct sl_ip *orig, uint16_t port,
		  const struct sl_ip *client, const struct sl_http_msg *req, uint32_t rnd,
		  struct px_route *out);

#endif /* SLUICE_PROXY_ROUTE_H */
