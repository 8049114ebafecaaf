// SPDX-License-Identifier: Apache-2.0
/* Endpoint choice by a destination's load balancer and outlier state (lb.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "proxy/lb.h"
#include "proxy/route_match.h"
#include "proxy/snapshot.h"
#include "proxy/worker.h"

struct px_ep_state *px_ep_state(struct px_worker *w, const struct px_ep *ep)
{
	struct px_ep_state *st = sl_htab_get(&w->eps, ep, sizeof(*ep));

	if (st)
		return st;
	st = calloc(1, sizeof(*st));
	if (!st || sl_htab_put(&w->eps, ep, sizeof(*ep), st, NULL)) {
		free(st);
		return NULL;
	}
	return st;
}

void px_ep_states_free(struct px_worker *w)
{
	size_t it = 0;
	void *val;

	while (sl_htab_next(&w->eps, &it, NULL, NULL, &val))
		free(val);
	sl_htab_free(&w->eps);
}

static void ep_of(const struct sl_fe_dest *d, uint32_t slot, struct px_ep *ep)
{
	memset(ep, 0, sizeof(*ep));
	memcpy(ep->addr, &d->be[slot].addr, 16);
	ep->port = ntohs(d->be[slot].port);
}

static bool is_hash(const struct sl_lb_policy *lb)
{
	return lb->hash_source_ip || lb->hash_header || lb->hash_cookie_set || lb->hash_query;
}

bool px_lb_least_request(const struct sl_lb_policy *lb)
{
	return lb->simple == SL_LB_LEAST_REQUEST || (lb->simple == SL_LB_UNSET && !is_hash(lb));
}

/* The value of cookie `name` in the request's Cookie fields. */
static bool cookie_value(const struct sl_http_msg *m, const char *name, struct sl_str *out)
{
	size_t nl = strlen(name);

	for (size_t i = 0; i < m->nfields; i++) {
		const struct sl_http_field *f = &m->fields[i];
		const char *p, *end;

		if (f->name.len != 6 || strncasecmp(f->name.p, "cookie", 6))
			continue;
		for (p = f->value.p, end = p + f->value.len; p < end;) {
			const char *semi = memchr(p, ';', (size_t)(end - p)),
				   *e = semi ? semi : end;

			while (p < e && *p == ' ')
				p++;
			if ((size_t)(e - p) > nl && !memcmp(p, name, nl) && p[nl] == '=') {
				*out = (struct sl_str){ p + nl + 1, (size_t)(e - p - nl - 1) };
				return true;
			}
			p = e + 1;
		}
	}
	return false;
}

uint64_t px_lb_hash(const struct sl_lb_policy *lb, const struct px_lb_req *r, bool *has)
{
	struct sl_str v = { NULL, 0 };
	char buf[4096];

	*has = false;
	if (lb->hash_source_ip && r->client) {
		*has = true;
		return sl_hash_bytes(r->client->b, 16);
	}
	if (!r->req)
		return 0;
	if (lb->hash_header)
		*has = px_header_value(r->req, lb->hash_header, buf, sizeof(buf), &v);
	else if (lb->hash_query)
		*has = px_query_param(r->req->path, lb->hash_query, &v);
	else if (lb->hash_cookie_set)
		*has = cookie_value(r->req, lb->hash_cookie.name, &v);
	return *has ? sl_hash_bytes(v.p ? v.p : "", v.len) : 0;
}

/* Whether the share of endpoints of d not ejected is under minHealthPercent: then
 * ejections are ignored (Envoy's panic mode). */
static bool panic(const struct sl_fe_dest *d, size_t healthy)
{
	return d->outlier.min_health_percent &&
	       healthy * 100 < (size_t)d->outlier.min_health_percent * d->nbe;
}

static bool ejected(struct px_worker *w, const struct sl_fe_dest *d, uint32_t slot)
{
	struct px_ep ep;
	struct px_ep_state *st;

	if (!d->outlier.set)
		return false;
	ep_of(d, slot, &ep);
	st = sl_htab_get(&w->eps, &ep, sizeof(ep));
	return st && px_outlier_ejected(st, w->now_ms);
}

static uint32_t active(struct px_worker *w, const struct sl_fe_dest *d, uint32_t slot)
{
	struct px_ep ep;
	struct px_ep_state *st;

	ep_of(d, slot, &ep);
	st = sl_htab_get(&w->eps, &ep, sizeof(ep));
	return st ? st->active : 0;
}

int px_lb_pick(struct px_worker *w, const struct px_snapshot *s, const struct sl_fe_dest *d,
	       uint32_t *rr, const struct px_lb_req *r, struct px_ep *ep, char *cookie, size_t len)
{
	const struct sl_lb_policy *lb = &d->lb;
	size_t healthy = d->nbe;
	uint32_t slot = 0, n = d->nbe;
	bool skip;

	if (len)
		cookie[0] = '\0';
	if (!n)
		return -EHOSTUNREACH;
	if (d->outlier.set) {
		healthy = 0;
		for (uint32_t i = 0; i < n; i++)
			healthy += !ejected(w, d, i);
	}
	skip = !panic(d, healthy);
	if (skip && !healthy)
		return -EHOSTUNREACH;
	if (is_hash(lb)) {
		const uint32_t *table = px_snapshot_maglev(s, d);
		uint32_t m = 0;
		bool has;
		uint64_t h = px_lb_hash(lb, r, &has);

		if (!has) {
			uint64_t rv = ((uint64_t)px_worker_rand32(w) << 32) | px_worker_rand32(w);

			if (lb->hash_cookie_set && lb->hash_cookie.ttl_set && r->req && len) {
				char val[17];

				snprintf(val, sizeof(val), "%016llx", (unsigned long long)rv);
				h = sl_hash_bytes(val, 16);
				if (lb->hash_cookie.ttl_ns)
					snprintf(cookie, len,
						 "%s=%s; Path=%s; Max-Age=%llu; HttpOnly",
						 lb->hash_cookie.name, val,
						 lb->hash_cookie.path ? lb->hash_cookie.path : "/",
						 (unsigned long long)(lb->hash_cookie.ttl_ns /
								      1000000000ull));
				else /* ttl 0: a session cookie */
					snprintf(cookie, len, "%s=%s; Path=%s; HttpOnly",
						 lb->hash_cookie.name, val,
						 lb->hash_cookie.path ? lb->hash_cookie.path : "/");
			} else {
				h = rv;
			}
		}
		if (table) {
			m = d->lb.maglev_table_size ? d->lb.maglev_table_size : SL_MAGLEV_DEFAULT;
			for (uint32_t k = 0; k < m; k++) {
				slot = table[(h + k) % m];
				if (!skip || !ejected(w, d, slot))
					break;
			}
		} else {
			slot = (uint32_t)(h % n);
		}
	} else if (lb->simple == SL_LB_RANDOM) {
		slot = px_worker_rand32(w) % n;
		for (uint32_t k = 0; skip && k < n && ejected(w, d, slot); k++)
			slot = (slot + 1) % n;
	} else if (px_lb_least_request(lb) && n > 1) {
		uint32_t a = px_worker_rand32(w) % n, b = px_worker_rand32(w) % n;

		for (uint32_t k = 0; skip && k < n && ejected(w, d, a); k++)
			a = (a + 1) % n;
		for (uint32_t k = 0; skip && k < n && ejected(w, d, b); k++)
			b = (b + 1) % n;
		slot = active(w, d, b) < active(w, d, a) ? b : a;
	} else {
		for (uint32_t k = 0; k < n; k++) {
			slot = __atomic_fetch_add(rr, 1, __ATOMIC_RELAXED) % n;
			if (!skip || !ejected(w, d, slot))
				break;
		}
	}
	ep_of(d, slot, ep);
	return 0;
}

void px_lb_report(struct px_worker *w, const struct sl_fe_dest *d, const struct px_ep *ep,
		  unsigned int status)
{
	struct px_ep_state *st;
	size_t nej = 0;

	if (!d || !d->outlier.set || !(st = px_ep_state(w, ep)))
		return;
	for (uint32_t i = 0; i < d->nbe; i++)
		nej += ejected(w, d, i);
	if (px_outlier_record(st, &d->outlier, status, w->now_ms, d->nbe, nej))
		pr_info("outlier detection: %s/%s endpoint ejected for this worker",
			d->svc ? d->svc->meta.ns : "-", d->svc ? d->svc->meta.name : "-");
}
