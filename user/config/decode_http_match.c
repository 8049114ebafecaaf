// SPDX-License-Identifier: Apache-2.0
/*
 * VirtualService http[].match[] (HTTPMatchRequest): the request's uri, scheme, method and
 * authority, headers (present, absent, matching), query parameters, the client's labels
 * and namespace, and the port. Gateways other than "mesh" are refused as elsewhere.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/decode_int.h"
#include "model/objects.h"

static const char *const match_keys[] = { "name",
					  "uri",
					  "scheme",
					  "method",
					  "authority",
					  "headers",
					  "port",
					  "sourceLabels",
					  "gateways",
					  "queryParams",
					  "ignoreUriCase",
					  "withoutHeaders",
					  "sourceNamespace",
					  "statPrefix",
					  NULL };

enum map_kind {
	MAP_HEADERS,
	MAP_QUERY,
};

/* A header a match may name: a token, or one of HTTP/2's request pseudo-headers. */
static int match_header_name(struct d_ctx *c, const struct yt_node *k)
{
	static const char *const pseudo[] = { ":method", ":scheme", ":authority", ":path" };
	static const char *const ignored[] = { "uri", "scheme", "method", "authority" };
	const char *s = k->str;
	size_t i;

	for (i = 0; i < sizeof(pseudo) / sizeof(pseudo[0]); i++)
		if (!strcmp(s, pseudo[i]))
			return 0;
	/* Istio reads past these keys without a word; Sluice says so instead. */
	for (i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		if (!strcmp(s, ignored[i]))
			return d_err(c, k,
				     "Istio ignores a header named \"%s\" here; match on %s "
				     "beside headers",
				     s, s);
	if (!strncmp(s, "@request.auth.claims", 20))
		return d_err(c, k,
			     "routing on JWT claims needs RequestAuthentication, which is not "
			     "supported");
	if (!d_header_name_ok(s))
		return d_err(c, k, "\"%s\" is not a valid HTTP header name", s);
	return 0;
}

/* headers, withoutHeaders or queryParams: name -> StringMatch. */
static int named_map(struct d_ctx *c, const struct yt_node *mm, const char *key, enum map_kind kind,
		     struct sl_named_match **out, size_t *n)
{
	const struct yt_node *map = d_get(mm, key);
	size_t i, mark, m2;
	int r;

	if (!map)
		return 0;
	mark = d_push_key(c, key);
	r = d_want_map(c, map);
	if (!r && map->n) {
		*out = calloc(map->n, sizeof(**out));
		if (!*out)
			r = d_nomem(c);
	}
	for (i = 0; !r && i < map->n; i++) {
		const struct yt_node *k = map->items[2 * i], *v = map->items[2 * i + 1];
		struct sl_named_match *e = &(*out)[*n];

		m2 = d_push_label(c, k->str);
		if (kind == MAP_HEADERS)
			r = match_header_name(c, k);
		else if (!k->str[0])
			r = d_err(c, k, "a query parameter name cannot be empty");
		if (!r) {
			e->name = strdup(k->str);
			r = e->name ? 0 : d_nomem(c);
		}
		if (!r)
			(*n)++;
		/* Istio refuses a null match ("header match x cannot be null"). */
		if (!r && d_is_null(v))
			r = d_err(c, v, "expected a mapping ({} for any value)");
		else if (!r)
			r = d_str_match(c, v, &e->match);
		d_pop(c, m2);
	}
	d_pop(c, mark);
	return r;
}

/* uri, scheme, method, authority. */
static int f_str_match(struct d_ctx *c, const struct yt_node *mm, const char *key,
		       struct sl_str_match *m)
{
	const struct yt_node *v = d_get(mm, key);
	size_t mark;
	int r;

	if (!v)
		return 0;
	mark = d_push_key(c, key);
	r = d_str_match(c, v, m);
	d_pop(c, mark);
	return r;
}

int d_http_match(struct d_ctx *c, const struct yt_node *mm, struct sl_http_match *m)
{
	const struct yt_node *v;
	const char *s;
	size_t mark;
	long n = 0;
	int r;

	r = d_want_map(c, mm);
	if (!r)
		r = d_check_keys(c, mm, match_keys);
	if (!r)
		r = f_str(c, mm, "name", false, &m->name);
	if (!r && m->name && !m->name[0]) {
		free(m->name); /* "" is protobuf's "not set" */
		m->name = NULL;
	}
	if (!r)
		r = f_str_match(c, mm, "uri", &m->uri);
	if (!r)
		r = f_str_match(c, mm, "scheme", &m->scheme);
	if (!r)
		r = f_str_match(c, mm, "method", &m->method);
	if (!r)
		r = f_str_match(c, mm, "authority", &m->authority);
	if (!r)
		r = named_map(c, mm, "headers", MAP_HEADERS, &m->headers, &m->nheaders);
	if (!r)
		r = named_map(c, mm, "withoutHeaders", MAP_HEADERS, &m->without_headers,
			      &m->nwithout_headers);
	if (!r)
		r = named_map(c, mm, "queryParams", MAP_QUERY, &m->query_params, &m->nquery_params);
	/* 0 is protobuf's "not set": any port. */
	if (!r)
		r = f_int(c, mm, "port", false, 0, 65535, &n);
	if (!r)
		r = f_gateways(c, mm);
	/* statPrefix names Envoy's per-route statistics: no effect on traffic, read past. */
	if (!r)
		r = f_str_ref(c, mm, "statPrefix", &v, &s);
	if (r)
		return r;
	m->port = (uint16_t)n;
	v = d_get(mm, "ignoreUriCase");
	if (v) {
		mark = d_push_key(c, "ignoreUriCase");
		r = d_bool(c, v, &m->ignore_uri_case);
		d_pop(c, mark);
		if (r)
			return r;
	}
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
	if (!m->source_namespace[0]) {
		free(m->source_namespace);
		m->source_namespace = NULL;
		return 0;
	}
	mark = d_push_key(c, "sourceNamespace");
	r = d_check_name(c, d_get(mm, "sourceNamespace"), m->source_namespace, D_NAME_LABEL);
	d_pop(c, mark);
	return r;
}
