// SPDX-License-Identifier: Apache-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/route.h"
#include "proxy/snapshot.h"
#include "proxy/stats-t.h"

/* The route index of the client pod's source route on fe, or 0 (the default). */
static size_t source_route(const struct px_snapshot *s, const struct sl_frontend *fe,
			   const struct sl_ip *client)
{
	size_t lo = 0, hi = fe->nsrc;
	uint32_t id;

	if (!fe->nsrc || !client)
		return 0;
	id = px_snapshot_pod_id(s, client);
	if (!id)
		return 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (fe->src[mid].pod_id == id)
			return fe->src[mid].route;
		if (fe->src[mid].pod_id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

int px_route_pick(const struct px_snapshot *s, const struct sl_ip *orig, uint16_t port,
		  const struct sl_ip *client, const struct sl_http_msg *req, uint32_t rnd,
		  struct px_route *out)
{
	const struct sl_fe_route *r;
	const struct sl_fe_dest *d = NULL;
	uint32_t *rr, slot, draw, acc = 0;
	size_t ri, di;

	memset(out, 0, sizeof(*out));
	out->pf = px_snapshot_frontend(s, orig, port);
	if (!out->pf) {
		out->flags = PX_F_NR;
		out->status = 502;
		return -ENOENT;
	}
	ri = source_route(s, out->pf->fe, client);
	r = &out->pf->fe->routes[ri];
	/* Weights of a route add up to 100 (the default route: one destination of 100),
	 * as the kernel's cumulative weights do. */
	draw = rnd % 100;
	for (di = 0; di < r->ndest; di++) {
		acc += r->dest[di].weight;
		if (draw < acc)
			break;
	}
	if (di < r->ndest)
		d = &r->dest[di];
	out->dest = d;
	if (!d || !d->nbe) {
		out->flags = PX_F_UH;
		out->status = 503;
		return -EHOSTUNREACH;
	}
	rr = &out->pf->rr[ri * SL_MAX_DESTS + di];
	slot = __atomic_fetch_add(rr, 1, __ATOMIC_RELAXED) % d->nbe;
	memcpy(out->ep.addr, &d->be[slot].addr, 16);
	out->ep.port = ntohs(d->be[slot].port);
	(void)req;
	return 0;
}
