// SPDX-License-Identifier: Apache-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/route.h"
#include "proxy/route_match.h"
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

size_t px_route_weighted(const uint32_t *weights, size_t n, uint32_t rnd)
{
	uint64_t sum = 0, acc = 0, draw;

	for (size_t i = 0; i < n; i++)
		sum += weights[i];
	if (!sum)
		return n ? (size_t)(((uint64_t)rnd * n) >> 32) : 0; /* all 0: equal shares */
	/* Scaled rather than taken modulo the sum: no bias toward the first ones. */
	draw = ((uint64_t)rnd * sum) >> 32;
	for (size_t i = 0; i < n; i++) {
		acc += weights[i];
		if (draw < acc)
			return i;
	}
	return n - 1;
}

/* The first http route of fe's VirtualService whose matches (any of them) hold. */
static int http_route(const struct px_snapshot *s, const struct sl_frontend *fe,
		      const struct sl_ip *client, const struct sl_http_msg *req, uint16_t port,
		      struct px_route *out)
{
	const struct sl_virtual_service *vs = &fe->vs->vs;
	struct px_match_ctx x = { s, req, port, client ? px_snapshot_pod(s, client) : NULL };

	for (size_t r = 0; r < vs->nhttp; r++) {
		const struct sl_http_route *hr = &vs->http[r];
		size_t m = 0;

		while (m < hr->nmatches && !px_http_match(&x, &hr->matches[m]))
			m++;
		if (hr->nmatches && m == hr->nmatches)
			continue;
		out->http = hr;
		out->match = hr->nmatches ? &hr->matches[m] : NULL;
		return (int)r;
	}
	return -1;
}

static int no_endpoint(struct px_route *out)
{
	out->flags = PX_F_UH;
	out->status = 503;
	out->body = "no healthy upstream";
	return -EHOSTUNREACH;
}

static void ep_at(const struct sl_fe_dest *d, uint32_t slot, struct px_ep *ep)
{
	memset(ep, 0, sizeof(*ep));
	memcpy(ep->addr, &d->be[slot].addr, 16);
	ep->port = ntohs(d->be[slot].port);
}

int px_route_pick(const struct px_snapshot *s, const struct sl_ip *orig, uint16_t port,
		  const struct sl_ip *client, const struct sl_http_msg *req, uint32_t rnd,
		  struct px_route *out)
{
	const struct sl_fe_route *r;
	const struct sl_fe_dest *d = NULL;
	uint32_t *rr, draw, acc = 0;
	size_t ri, di;

	memset(out, 0, sizeof(*out));
	out->pf = px_snapshot_frontend(s, orig, port);
	if (!out->pf) {
		out->flags = PX_F_NR;
		out->status = 502;
		out->body = "no route: no Service is known for the original destination";
		return -ENOENT;
	}
	if (req && out->pf->fe->nhttp) {
		const struct sl_frontend *fe = out->pf->fe;
		uint32_t w[SL_MAX_DESTS];
		int h = http_route(s, fe, client, req, port, out);

		if (h < 0) {
			/* Envoy's answer when no route matches. */
			out->flags = PX_F_NR;
			out->status = 404;
			out->body = "no route: no http route matches the request";
			return -ENOMSG;
		}
		if (out->http->redirect.set)
			return PX_ROUTE_REDIRECT;
		r = &fe->http[h];
		ri = fe->nroutes + (size_t)h;
		for (di = 0; di < r->ndest; di++)
			w[di] = r->dest[di].weight;
		/* One destination gets everything, whatever its weight says. */
		di = r->ndest > 1 ? px_route_weighted(w, r->ndest, rnd) : 0;
		if (di >= r->ndest)
			return no_endpoint(out);
		d = &r->dest[di];
		out->http_dest = &out->http->routes[di];
	} else {
		ri = source_route(s, out->pf->fe, client);
		r = &out->pf->fe->routes[ri];
		/* Weights of a tcp route add up to 100 (the default route: one destination
		 * of 100), as the kernel's cumulative weights do. */
		draw = rnd % 100;
		for (di = 0; di < r->ndest; di++) {
			acc += r->dest[di].weight;
			if (draw < acc)
				break;
		}
		if (di < r->ndest)
			d = &r->dest[di];
	}
	out->dest = d;
	if (!d || !d->nbe)
		return no_endpoint(out);
	rr = &out->pf->rr[ri * SL_MAX_DESTS + di];
	out->rr = rr;
	/* The endpoint the counter points at, not taken: the load balancer (lb.c) takes
	 * the request's, and ROUND_ROBIN advances the counter then. Advancing it here
	 * too moved it by two a request, so with an even number of endpoints first tries
	 * only ever went to every other one. */
	ep_at(d, __atomic_load_n(rr, __ATOMIC_RELAXED) % d->nbe, &out->ep);
	return 0;
}

void px_route_next_ep(const struct sl_fe_dest *d, uint32_t *rr, struct px_ep *ep)
{
	ep_at(d, __atomic_fetch_add(rr, 1, __ATOMIC_RELAXED) % d->nbe, ep);
}

const char *px_route_cluster(const struct sl_fe_dest *d, char *buf, size_t len)
{
	if (!d || !d->svc) {
		snprintf(buf, len, "-");
		return buf;
	}
	/* "outbound|PORT|SUBSET|NAME.NS.svc.cluster.local", without printf: every request
	 * names its cluster */
	const char *parts[] = { "outbound|",
				NULL,
				"|",
				d->subset ? d->subset : "",
				"|",
				d->svc->meta.name,
				".",
				d->svc->meta.ns,
				".svc.cluster.local" };
	char port[6], *p = port + sizeof(port);
	unsigned int v = d->port;
	size_t n = 0;

	if (!len)
		return buf;
	*--p = '\0';
	do
		*--p = (char)('0' + v % 10);
	while ((v /= 10));
	parts[1] = p;
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		size_t k = strlen(parts[i]);

		if (k > len - 1 - n)
			k = len - 1 - n;
		memcpy(buf + n, parts[i], k);
		n += k;
	}
	buf[n] = '\0';
	return buf;
}
