// SPDX-License-Identifier: Apache-2.0
/*
 * networking.istio.io VirtualService: hosts, tcp routes (match on port, client labels
 * and namespace; weighted destinations) and http routes (decode_http_route.c). TLS
 * routes are refused by name.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/decode_int.h"
#include "model/objects.h"

static const char *const vs_top_keys[] = {
	"apiVersion", "kind", "metadata", "spec", "status", NULL
};
static const char *const vs_spec_keys[] = { "hosts", "gateways", "http", "tls",
					    "tcp",   "exportTo", NULL };
static const char *const tcp_route_keys[] = { "match", "route", NULL };
static const char *const l4_match_keys[] = {
	"destinationSubnets", "port", "sourceSubnet", "sourceLabels", "gateways",
	"sourceNamespace",    NULL
};
static const char *const route_keys[] = { "destination", "weight", NULL };
static const char *const dest_keys[] = { "host", "subset", "port", NULL };
static const char *const port_sel_keys[] = { "number", NULL };

static int d_hosts(struct d_ctx *c, const struct yt_node *spec, struct sl_virtual_service *vs)
{
	const struct yt_node *seq = d_get(spec, "hosts");
	size_t i, mark, m2;
	int r;

	if (!seq)
		return d_missing(c, spec, "hosts");
	mark = d_push_key(c, "hosts");
	r = d_want_seq(c, seq);
	if (!r && !seq->n)
		r = d_err(c, seq, "at least one host is required");
	if (r)
		goto out;
	vs->hosts = calloc(seq->n, sizeof(*vs->hosts));
	if (!vs->hosts) {
		r = d_nomem(c);
		goto out;
	}
	for (i = 0; !r && i < seq->n; i++) {
		m2 = d_push_idx(c, i);
		vs->nhosts++;
		r = d_istio_host(c, seq->items[i], &vs->hosts[i]);
		d_pop(c, m2);
	}
out:
	d_pop(c, mark);
	return r;
}

static int d_l4_match(struct d_ctx *c, const struct yt_node *mm, struct sl_l4_match *m)
{
	const struct yt_node *v;
	size_t mark;
	long n = 0;
	int r;

	r = d_want_map(c, mm);
	if (!r)
		r = d_check_keys(c, mm, l4_match_keys);
	if (!r)
		r = f_refuse_nonempty(c, mm, "destinationSubnets",
				      "matching on destination subnets is not supported");
	if (!r)
		r = f_refuse_nonempty(c, mm, "sourceSubnet",
				      "matching on a source subnet is not supported");
	if (!r)
		r = f_gateways(c, mm);
	/* 0 is protobuf's "not set": any port, as Istio reads it. */
	if (!r)
		r = f_int(c, mm, "port", false, 0, 65535, &n);
	if (r)
		return r;
	m->port = (uint16_t)n;
	v = d_get(mm, "sourceLabels");
	if (v) {
		mark = d_push_key(c, "sourceLabels");
		r = d_label_map(c, v, &m->source_labels, &m->nsource_labels);
		d_pop(c, mark);
		if (r)
			return r;
	}
	r = f_str(c, mm, "sourceNamespace", false, &m->source_namespace);
	if (r || !m->source_namespace)
		return r;
	mark = d_push_key(c, "sourceNamespace");
	r = d_check_name(c, d_get(mm, "sourceNamespace"), m->source_namespace, D_NAME_LABEL);
	d_pop(c, mark);
	return r;
}

int d_route_destination(struct d_ctx *c, const struct yt_node *dm, struct sl_route_dest *d)
{
	const struct yt_node *v;
	size_t mark;
	long n = 0;
	int r;

	r = d_want_map(c, dm);
	if (!r)
		r = d_check_keys(c, dm, dest_keys);
	if (r)
		return r;
	v = d_get(dm, "host");
	if (!v)
		return d_missing(c, dm, "host");
	mark = d_push_key(c, "host");
	r = d_istio_host(c, v, &d->host);
	d_pop(c, mark);
	if (!r)
		r = f_str(c, dm, "subset", false, &d->subset);
	if (r)
		return r;
	if (d->subset && !d->subset[0]) {
		/* "" is protobuf's "not set": every endpoint of the host. */
		free(d->subset);
		d->subset = NULL;
	}
	if (d->subset) {
		mark = d_push_key(c, "subset");
		r = d_check_name(c, d_get(dm, "subset"), d->subset, D_NAME_LABEL);
		d_pop(c, mark);
		if (r)
			return r;
	}
	v = d_get(dm, "port");
	if (!v)
		return 0;
	mark = d_push_key(c, "port");
	r = d_want_map(c, v);
	if (!r)
		r = d_check_keys(c, v, port_sel_keys);
	if (!r)
		r = f_int(c, v, "number", false, 1, 65535, &n);
	d_pop(c, mark);
	d->port = (uint16_t)n;
	return r;
}

/*
 * Istio (pkg/config/validation, validateRouteDestinations) takes weights as relative:
 * each >= 0, and with several destinations the total must not be 0; a single destination
 * gets everything whatever its weight. The model holds percentages, so a total other than
 * 100 is scaled when that is exact (1:3 is 25:75) and refused when it is not (1:1:1),
 * rather than rounded into a split the user did not write.
 */
static int d_weights(struct d_ctx *c, const struct yt_node *seq, struct sl_route_dest *d, size_t n,
		     const long *w)
{
	long total = 0;
	size_t i;

	if (n == 1) {
		d[0].weight = 100;
		return 0;
	}
	for (i = 0; i < n; i++)
		total += w[i];
	if (!total)
		return d_err(c, seq, "total destination weight = 0");
	for (i = 0; i < n; i++)
		if ((w[i] * 100) % total)
			return d_err(
				c, seq,
				"total destination weight %ld: weights are relative, and these "
				"do not scale exactly to percentages (Sluice splits in whole "
				"percent); make them sum to 100",
				total);
	for (i = 0; i < n; i++)
		d[i].weight = (uint32_t)(w[i] * 100 / total);
	return 0;
}

static int d_routes(struct d_ctx *c, const struct yt_node *seq, struct sl_tcp_route *t)
{
	long *w = NULL;
	size_t i, mark;
	int r;

	r = d_want_seq(c, seq);
	if (!r && !seq->n)
		r = d_err(c, seq, "at least one destination is required");
	if (r)
		return r;
	t->routes = calloc(seq->n, sizeof(*t->routes));
	w = calloc(seq->n, sizeof(*w));
	if (!t->routes || !w) {
		r = d_nomem(c);
		goto out;
	}
	for (i = 0; !r && i < seq->n; i++) {
		const struct yt_node *rm = seq->items[i], *dm;

		mark = d_push_idx(c, i);
		t->nroutes++;
		r = d_want_map(c, rm);
		if (!r)
			r = d_check_keys(c, rm, route_keys);
		if (!r)
			r = f_int(c, rm, "weight", false, 0, INT32_MAX, &w[i]);
		if (!r) {
			dm = d_get(rm, "destination");
			if (!dm) {
				r = d_missing(c, rm, "destination");
			} else {
				d_push_key(c, "destination");
				r = d_route_destination(c, dm, &t->routes[i]);
			}
		}
		d_pop(c, mark);
	}
	if (!r)
		r = d_weights(c, seq, t->routes, t->nroutes, w);
out:
	free(w);
	return r;
}

static int d_tcp_route(struct d_ctx *c, const struct yt_node *tm, struct sl_tcp_route *t)
{
	const struct yt_node *v;
	size_t i, mark, m2;
	int r;

	r = d_want_map(c, tm);
	if (!r)
		r = d_check_keys(c, tm, tcp_route_keys);
	if (r)
		return r;
	v = d_get(tm, "match");
	if (v) {
		mark = d_push_key(c, "match");
		r = d_want_seq(c, v);
		if (!r && v->n) {
			t->matches = calloc(v->n, sizeof(*t->matches));
			if (!t->matches)
				r = d_nomem(c);
		}
		for (i = 0; !r && i < v->n; i++) {
			m2 = d_push_idx(c, i);
			t->nmatches++;
			r = d_l4_match(c, v->items[i], &t->matches[i]);
			d_pop(c, m2);
		}
		d_pop(c, mark);
		if (r)
			return r;
	}
	v = d_get(tm, "route");
	if (!v)
		return d_missing(c, tm, "route");
	mark = d_push_key(c, "route");
	r = d_routes(c, v, t);
	d_pop(c, mark);
	return r;
}

static int d_tcp_routes(struct d_ctx *c, const struct yt_node *spec, struct sl_virtual_service *vs)
{
	const struct yt_node *seq = d_get(spec, "tcp");
	size_t i, mark, m2;
	int r;

	if (!seq || (seq->type == YT_SEQ && !seq->n)) {
		if (vs->nhttp)
			return 0;
		/* As Istio: a VirtualService without any route is an error. */
		mark = d_push_key(c, "tcp");
		r = d_err_key(c, seq ?: spec,
			      "required (a VirtualService needs http or tcp routes)");
		d_pop(c, mark);
		return r;
	}
	mark = d_push_key(c, "tcp");
	r = d_want_seq(c, seq);
	if (r)
		goto out;
	vs->tcp = calloc(seq->n, sizeof(*vs->tcp));
	if (!vs->tcp) {
		r = d_nomem(c);
		goto out;
	}
	for (i = 0; !r && i < seq->n; i++) {
		m2 = d_push_idx(c, i);
		vs->ntcp++;
		r = d_tcp_route(c, seq->items[i], &vs->tcp[i]);
		d_pop(c, m2);
	}
out:
	d_pop(c, mark);
	return r;
}

static int f_http_routes(struct d_ctx *c, const struct yt_node *spec, struct sl_virtual_service *vs)
{
	const struct yt_node *seq = d_get(spec, "http");
	size_t mark;
	int r;

	if (!seq)
		return 0;
	d_key_pos(c, seq, &vs->http_pos);
	mark = d_push_key(c, "http");
	r = d_http_routes(c, seq, vs);
	d_pop(c, mark);
	return r;
}

static int d_vs_spec(struct d_ctx *c, const struct yt_node *spec, struct sl_virtual_service *vs)
{
	int r;

	r = d_want_map(c, spec);
	if (!r)
		r = d_check_keys(c, spec, vs_spec_keys);
	if (!r)
		r = d_hosts(c, spec, vs);
	if (!r)
		r = f_gateways(c, spec);
	if (!r)
		r = f_refuse_nonempty(c, spec, "tls",
				      "TLS routes need the L7 proxy, not supported yet");
	if (!r)
		r = f_export_to(c, spec);
	if (!r)
		r = f_http_routes(c, spec, vs);
	if (!r)
		r = d_tcp_routes(c, spec, vs);
	return r;
}

static int d_virtual_service_spec(struct d_ctx *c, const struct yt_node *spec, struct sl_object *o)
{
	return d_vs_spec(c, spec, &o->vs);
}

int d_virtual_service(struct d_ctx *c, const struct yt_node *root, struct sl_object *o)
{
	return d_object_with_spec(c, root, vs_top_keys, D_NAME_SUBDOMAIN, o,
				  d_virtual_service_spec);
}
