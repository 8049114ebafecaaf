// SPDX-License-Identifier: Apache-2.0
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "agent/render.h"
#include "model/objects.h"

const char *sl_proto_name(uint8_t p)
{
	return p == 17 ? "UDP" : "TCP";
}

const char *sl_algo_name(uint8_t a)
{
	switch (a) {
	case SL_ALGO_ROUND_ROBIN:
		return "ROUND_ROBIN";
	case SL_ALGO_LEAST_REQUEST:
		return "LEAST_REQUEST";
	case SL_ALGO_MAGLEV:
		return "MAGLEV(source IP)";
	default:
		return "RANDOM";
	}
}

void sl_fmt_backend(const struct sl_backend *b, char *buf, size_t len)
{
	struct sl_ip ip;
	char a[64];

	memcpy(ip.b, &b->addr, 16);
	ip.family = !memcmp(ip.b, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) ? 4 : 6;
	sl_ip_format(&ip, a, sizeof(a));
	snprintf(buf, len, ip.family == 6 ? "[%s]:%u" : "%s:%u", a, ntohs(b->port));
}

size_t sl_service_frontends(const struct sl_agent *a, const struct sl_object *svc,
			    const struct sl_frontend **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < svc->svc.ncluster_ips; i++) {
		for (size_t p = 0; p < svc->svc.nports && n < max; p++) {
			struct sl_svc_key k = {};

			memcpy(&k.addr, svc->svc.cluster_ips[i].b, 16);
			k.port = htons(svc->svc.ports[p].port);
			k.proto = svc->svc.ports[p].protocol;
			out[n] = sl_htab_get(&a->compiled.fe, &k, sizeof(k));
			if (out[n])
				n++;
		}
	}
	return n;
}

uint32_t sl_route_backends(const struct sl_fe_route *rt)
{
	uint32_t n = 0;

	for (uint32_t d = 0; d < rt->ndest; d++)
		n += rt->dest[d].nbe;
	return n;
}

void sl_print_route(struct sl_buf *out, const struct sl_fe_route *rt, bool compact)
{
	for (uint32_t d = 0; d < rt->ndest; d++) {
		const struct sl_fe_dest *dst = &rt->dest[d];
		bool plain = compact && rt->ndest == 1 && !dst->subset &&
			     dst->algo == SL_ALGO_RANDOM && !dst->max_conns;
		char bb[80];

		if (!plain) {
			sl_buf_printf(out, "\n      %3u%% -> ", dst->weight);
			if (dst->svc)
				sl_buf_printf(out, "%s/%s:%u", dst->svc->meta.ns,
					      dst->svc->meta.name, dst->port);
			else
				sl_buf_printf(out, "<no such service>");
			if (dst->subset)
				sl_buf_printf(out, " subset %s%s", dst->subset,
					      dst->subset_missing
						      ? " (no DestinationRule defines it)"
						      : "");
			sl_buf_printf(out, " %s", sl_algo_name(dst->algo));
			if (dst->max_conns)
				sl_buf_printf(out, " maxConnections=%u", dst->max_conns);
			sl_buf_printf(out, ":");
		}
		for (uint32_t b = 0; b < dst->nbe; b++) {
			sl_fmt_backend(&dst->be[b], bb, sizeof(bb));
			sl_buf_printf(out, " %s", bb);
		}
		if (!dst->nbe)
			sl_buf_printf(out, " (no endpoints: refused)");
		else if (dst->serving_fallback)
			sl_buf_printf(out, " (none ready: serving endpoints)");
	}
	if (!rt->ndest)
		sl_buf_printf(out, " (no route: refused)");
	sl_buf_printf(out, "\n");
}
