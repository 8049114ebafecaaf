// SPDX-License-Identifier: Apache-2.0
/*
 * VirtualService http[] (HTTPRoute): matches, weighted destinations with header
 * manipulation, redirects, rewrites, timeouts, retries and fault injection, checked as
 * Istio's validation (pkg/config/validation/virtualservice.go and validation.go) checks
 * them (corsPolicy: decode_http_cors.c). What sluice-proxy will not do (mirroring,
 * direct responses, delegation) is refused by name. Whether the node can apply HTTP routes at all is the compiler's call.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/decode_int.h"
#include "model/objects.h"

static const char *const route_keys[] = { "name",	   "match",	     "route",
					  "redirect",	   "directResponse", "delegate",
					  "rewrite",	   "timeout",	     "retries",
					  "fault",	   "mirror",	     "mirrors",
					  "mirrorPercent", "mirror_percent", "mirrorPercentage",
					  "corsPolicy",	   "headers",	     NULL };
static const char *const dest_keys[] = { "destination", "weight", "headers", NULL };
static const char *const redirect_keys[] = { "uri",    "authority",    "port", "derivePort",
					     "scheme", "redirectCode", NULL };
static const char *const rewrite_keys[] = { "uri", "authority", "uriRegexRewrite", NULL };
static const char *const retry_keys[] = { "attempts", "perTryTimeout",
					  "retryOn",  "retryRemoteLocalities",
					  "backoff",  "retryIgnorePreviousHosts",
					  NULL };
static const char *const fault_keys[] = { "delay", "abort", NULL };
static const char *const delay_keys[] = { "percent", "fixedDelay", "exponentialDelay", "percentage",
					  NULL };
static const char *const abort_keys[] = { "httpStatus", "grpcStatus", "http2Error", "percentage",
					  NULL };

/* The status codes Go's http.StatusText() knows: what Istio takes as a numeric retryOn. */
static const uint16_t known_status[] = {
	100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301,
	302, 303, 304, 305, 307, 308, 400, 401, 402, 403, 404, 405, 406, 407, 408, 409,
	410, 411, 412, 413, 414, 415, 416, 417, 418, 421, 422, 423, 424, 425, 426, 428,
	429, 431, 451, 500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511,
};

/* A string field where "" is protobuf's "not set": *out stays NULL for it. */
static int f_str_opt(struct d_ctx *c, const struct yt_node *map, const char *key, char **out)
{
	int r = f_str(c, map, key, false, out);

	if (!r && *out && !(*out)[0]) {
		free(*out);
		*out = NULL;
	}
	return r;
}

/* ---- route destinations ---- */

static int d_http_dest(struct d_ctx *c, const struct yt_node *rm, struct sl_http_dest *d,
		       long *weight)
{
	const struct yt_node *v;
	size_t mark;
	int r;

	r = d_want_map(c, rm);
	if (!r)
		r = d_check_keys(c, rm, dest_keys);
	if (!r)
		r = f_int(c, rm, "weight", false, 0, INT32_MAX, weight);
	if (r)
		return r;
	v = d_get(rm, "destination");
	if (!v)
		return d_missing(c, rm, "destination");
	mark = d_push_key(c, "destination");
	r = d_route_destination(c, v, &d->dest);
	d_pop(c, mark);
	if (r)
		return r;
	d->dest.weight = (uint32_t)*weight;
	v = d_get(rm, "headers");
	if (!v)
		return 0;
	mark = d_push_key(c, "headers");
	r = d_headers(c, v, NULL, &d->headers);
	d_pop(c, mark);
	return r;
}

/* Weights are relative (a destination gets weight/sum) and kept as written; with several
 * destinations they must not all be 0 (Istio's validateHTTPRouteDestinations). */
static int d_http_dests(struct d_ctx *c, const struct yt_node *seq, struct sl_http_route *h)
{
	long w, total = 0;
	size_t i, mark;
	int r;

	r = d_want_seq(c, seq);
	if (r || !seq->n)
		return r;
	h->routes = calloc(seq->n, sizeof(*h->routes));
	if (!h->routes)
		return d_nomem(c);
	for (i = 0; i < seq->n; i++) {
		mark = d_push_idx(c, i);
		h->nroutes++;
		w = 0;
		r = d_http_dest(c, seq->items[i], &h->routes[i], &w);
		d_pop(c, mark);
		if (r)
			return r;
		total += w;
	}
	if (seq->n > 1 && !total)
		return d_err(c, seq, "total destination weight = 0");
	return 0;
}

/* ---- redirect and rewrite ---- */

static int d_redirect(struct d_ctx *c, const struct yt_node *n, struct sl_http_redirect *rd)
{
	const struct yt_node *v;
	const char *s;
	size_t mark;
	long port = 0, code = 0;
	int r;

	r = d_want_map(c, n);
	if (!r)
		r = d_check_keys(c, n, redirect_keys);
	if (!r)
		r = f_str_opt(c, n, "uri", &rd->uri);
	if (!r)
		r = f_str_opt(c, n, "authority", &rd->authority);
	if (!r)
		r = f_str_opt(c, n, "scheme", &rd->scheme);
	if (!r && rd->scheme && strcmp(rd->scheme, "http") && strcmp(rd->scheme, "https")) {
		mark = d_push_key(c, "scheme");
		r = d_err(c, d_get(n, "scheme"), "\"%s\" is not a valid scheme (http, https)",
			  rd->scheme);
		d_pop(c, mark);
	}
	if (!r)
		r = f_int(c, n, "redirectCode", false, 0, 399, &code);
	if (!r && code && code < 300) {
		mark = d_push_key(c, "redirectCode");
		r = d_err(c, d_get(n, "redirectCode"), "%ld is not a redirect code (300-399)",
			  code);
		d_pop(c, mark);
	}
	if (!r)
		r = f_int(c, n, "port", false, 1, 65535, &port);
	if (!r)
		r = f_str_ref(c, n, "derivePort", &v, &s);
	if (r)
		return r;
	rd->code = (uint16_t)code;
	if (port) {
		rd->port_mode = SL_REDIRECT_PORT_NUMBER;
		rd->port = (uint16_t)port;
	}
	if (s) {
		mark = d_push_key(c, "derivePort");
		/* One oneof in the API: port or derivePort. */
		if (port)
			r = d_err_key(c, v, "port and derivePort cannot be used together");
		else if (!strcmp(s, "FROM_PROTOCOL_DEFAULT"))
			rd->port_mode = SL_REDIRECT_PORT_FROM_PROTOCOL_DEFAULT;
		else if (!strcmp(s, "FROM_REQUEST_PORT"))
			rd->port_mode = SL_REDIRECT_PORT_FROM_REQUEST_PORT;
		else
			r = d_err(c, v,
				  "\"%s\" is not a valid value (FROM_PROTOCOL_DEFAULT, "
				  "FROM_REQUEST_PORT)",
				  s);
		d_pop(c, mark);
		if (r)
			return r;
	}
	if (!rd->uri && !rd->authority && !rd->scheme && !rd->port_mode)
		return d_err(c, n, "a redirect must set uri, authority, scheme or port");
	rd->set = true;
	return 0;
}

static int d_rewrite(struct d_ctx *c, const struct yt_node *n, struct sl_http_rewrite *rw)
{
	int r;

	r = d_want_map(c, n);
	if (!r)
		r = d_check_keys(c, n, rewrite_keys);
	if (!r)
		r = f_str_opt(c, n, "uri", &rw->uri);
	if (!r)
		r = f_str_opt(c, n, "authority", &rw->authority);
	if (!r)
		r = f_regex_rewrite(c, n, "uriRegexRewrite", &rw->uri_regex);
	if (r)
		return r;
	if (rw->uri && rw->uri_regex.match)
		return d_err(c, n, "uri and uriRegexRewrite cannot be used together");
	if (!rw->uri && !rw->uri_regex.match && !rw->authority)
		return d_err(c, n, "a rewrite must set uri, uriRegexRewrite or authority");
	rw->set = true;
	return 0;
}

/* ---- retries ---- */

static int code_cmp(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

/* One retryOn condition of `len` bytes at s: a name into *bits or a status code into
 * codes (deduplicated later). */
static int retry_condition(struct d_ctx *c, const struct yt_node *v, const char *s, size_t len,
			   uint32_t *bits, uint16_t *codes, size_t *ncodes)
{
	static const struct {
		const char *name;
		uint32_t bit;
	} conds[] = {
		{ "5xx", SL_RETRY_5XX },
		{ "gateway-error", SL_RETRY_GATEWAY_ERROR },
		{ "reset", SL_RETRY_RESET },
		{ "reset-before-request", SL_RETRY_RESET_BEFORE_REQUEST },
		{ "connect-failure", SL_RETRY_CONNECT_FAILURE },
		{ "retriable-4xx", SL_RETRY_RETRIABLE_4XX },
		{ "refused-stream", SL_RETRY_REFUSED_STREAM },
		{ "retriable-status-codes", SL_RETRY_RETRIABLE_STATUS_CODES },
		{ "retriable-headers", SL_RETRY_RETRIABLE_HEADERS },
		{ "envoy-ratelimited", SL_RETRY_ENVOY_RATELIMITED },
		{ "http3-post-connect-failure", SL_RETRY_HTTP3_POST_CONNECT_FAILURE },
		{ "cancelled", SL_RETRY_GRPC_CANCELLED },
		{ "deadline-exceeded", SL_RETRY_GRPC_DEADLINE_EXCEEDED },
		{ "internal", SL_RETRY_GRPC_INTERNAL },
		{ "resource-exhausted", SL_RETRY_GRPC_RESOURCE_EXHAUSTED },
		{ "unavailable", SL_RETRY_GRPC_UNAVAILABLE },
	};
	size_t i;

	for (i = 0; i < sizeof(conds) / sizeof(conds[0]); i++)
		if (strlen(conds[i].name) == len && !memcmp(s, conds[i].name, len)) {
			*bits |= conds[i].bit;
			return 0;
		}
	if (len == 3 && s[0] >= '1' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' && s[2] >= '0' &&
	    s[2] <= '9') {
		uint16_t code = (uint16_t)((s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0'));

		for (i = 0; i < sizeof(known_status) / sizeof(known_status[0]); i++)
			if (known_status[i] == code) {
				codes[(*ncodes)++] = code;
				return 0;
			}
	}
	return d_err(c, v,
		     "\"%.*s\" is not a retryOn condition (5xx, gateway-error, reset, "
		     "reset-before-request, connect-failure, retriable-4xx, refused-stream, "
		     "retriable-status-codes, retriable-headers, envoy-ratelimited, "
		     "http3-post-connect-failure, cancelled, deadline-exceeded, internal, "
		     "resource-exhausted, unavailable, or an HTTP status code; comma-separated, "
		     "no spaces)",
		     (int)len, s);
}

/* retryOn: comma-separated conditions, split as Istio does (no trimming of spaces). */
static int d_retry_on(struct d_ctx *c, const struct yt_node *v, const char *s,
		      struct sl_http_retry *rt)
{
	const char *p = s, *comma;
	uint16_t *codes;
	size_t ncodes = 0, i, k = 0, parts = 1;
	int r = 0;

	for (comma = s; (comma = strchr(comma, ',')); comma++)
		parts++;
	codes = calloc(parts, sizeof(*codes));
	if (!codes)
		return d_nomem(c);
	for (;;) {
		comma = strchr(p, ',');
		r = retry_condition(c, v, p, comma ? (size_t)(comma - p) : strlen(p), &rt->retry_on,
				    codes, &ncodes);
		if (r || !comma)
			break;
		p = comma + 1;
	}
	if (r || !ncodes) {
		free(codes);
		return r;
	}
	qsort(codes, ncodes, sizeof(*codes), code_cmp);
	for (i = 0; i < ncodes; i++)
		if (!k || codes[k - 1] != codes[i])
			codes[k++] = codes[i];
	rt->retry_codes = codes;
	rt->nretry_codes = k;
	return 0;
}

static int d_retries(struct d_ctx *c, const struct yt_node *n, struct sl_http_retry *rt)
{
	const struct yt_node *v;
	const char *s;
	size_t mark;
	long attempts = 0;
	int r;

	r = d_want_map(c, n);
	if (!r)
		r = d_check_keys(c, n, retry_keys);
	if (!r)
		r = f_refuse(c, n, "retryRemoteLocalities",
			     "retrying in other localities is not supported (Sluice has no "
			     "locality-aware load balancing)");
	if (!r)
		r = f_int(c, n, "attempts", false, 0, INT32_MAX, &attempts);
	if (!r)
		r = f_duration(c, n, "perTryTimeout", D_DUR_MS, &rt->per_try_timeout_ns, NULL);
	if (!r)
		r = f_duration(c, n, "backoff", D_DUR_MS, &rt->backoff_ns, NULL);
	if (!r)
		r = f_tristate(c, n, "retryIgnorePreviousHosts", &rt->ignore_previous_hosts);
	if (!r)
		r = f_str_ref(c, n, "retryOn", &v, &s);
	if (r)
		return r;
	rt->attempts = (uint32_t)attempts;
	if (s && s[0]) {
		mark = d_push_key(c, "retryOn");
		r = d_retry_on(c, v, s, rt);
		d_pop(c, mark);
		if (r)
			return r;
	}
	/* Istio: 0 attempts disables retries, and then nothing else may be said of them. */
	if (!attempts && (rt->per_try_timeout_ns || rt->retry_on || rt->nretry_codes))
		return d_err(c, n,
			     "perTryTimeout and retryOn need attempts > 0 (0 disables retries)");
	rt->set = true;
	return 0;
}

/* ---- fault injection ---- */

static int d_delay(struct d_ctx *c, const struct yt_node *n, struct sl_http_fault *f)
{
	const struct yt_node *pv;
	size_t mark;
	long pct = 0;
	int r;

	r = d_want_map(c, n);
	if (!r)
		r = d_check_keys(c, n, delay_keys);
	if (!r)
		r = f_refuse(c, n, "exponentialDelay",
			     "exponential delays are not supported (by Istio either)");
	if (!r && !d_get(n, "fixedDelay"))
		r = d_missing(c, n, "fixedDelay");
	if (!r)
		r = f_duration(c, n, "fixedDelay", D_DUR_MS, &f->delay_ns, NULL);
	if (!r)
		r = f_percent(c, n, "percentage", &f->delay_pct);
	if (!r)
		r = f_int(c, n, "percent", false, 0, 100, &pct);
	if (r)
		return r;
	pv = d_get(n, "percent");
	if (pv && f->delay_pct.set) {
		/* Istio would take percentage and drop percent without a word. */
		mark = d_push_key(c, "percent");
		r = d_err_key(c, pv,
			      "deprecated, and percentage is set too: write only percentage");
		d_pop(c, mark);
		return r;
	}
	if (pv) {
		f->delay_pct.set = true;
		f->delay_pct.value = (double)pct;
	}
	f->delay_set = true;
	return 0;
}

static int d_abort(struct d_ctx *c, const struct yt_node *n, struct sl_http_fault *f)
{
	long status = 0;
	int r;

	r = d_want_map(c, n);
	if (!r)
		r = d_check_keys(c, n, abort_keys);
	if (!r)
		r = f_refuse(c, n, "grpcStatus",
			     "aborting with a gRPC status is not supported (use httpStatus)");
	if (!r)
		r = f_refuse(c, n, "http2Error",
			     "aborting with an HTTP/2 error is not supported (by Istio either)");
	if (!r)
		r = f_int(c, n, "httpStatus", true, 200, 599, &status);
	if (!r)
		r = f_percent(c, n, "percentage", &f->abort_pct);
	if (r)
		return r;
	f->abort_status = (uint16_t)status;
	f->abort_set = true;
	return 0;
}

static int d_fault(struct d_ctx *c, const struct yt_node *n, struct sl_http_fault *f)
{
	const struct yt_node *v;
	size_t mark;
	int r;

	r = d_want_map(c, n);
	if (!r)
		r = d_check_keys(c, n, fault_keys);
	if (r)
		return r;
	v = d_get(n, "delay");
	if (v) {
		mark = d_push_key(c, "delay");
		r = d_delay(c, v, f);
		d_pop(c, mark);
		if (r)
			return r;
	}
	v = d_get(n, "abort");
	if (v) {
		mark = d_push_key(c, "abort");
		r = d_abort(c, v, f);
		d_pop(c, mark);
		if (r)
			return r;
	}
	if (!f->delay_set && !f->abort_set)
		return d_err(c, n, "a fault needs a delay, an abort or both");
	f->set = true;
	return 0;
}

/* ---- the route ---- */

/* Field `key` of route `hm` decoded by fn into `out`, with the path extended. */
#define SUB(key, fn, out)                                                                          \
	do {                                                                                       \
		const struct yt_node *sub_ = r ? NULL : d_get(hm, key);                            \
		size_t mark_;                                                                      \
		if (!r && sub_) {                                                                  \
			mark_ = d_push_key(c, key);                                                \
			r = fn(c, sub_, out);                                                      \
			d_pop(c, mark_);                                                           \
		}                                                                                  \
	} while (0)

static int d_matches(struct d_ctx *c, const struct yt_node *seq, struct sl_http_route *h)
{
	size_t i, mark;
	int r;

	r = d_want_seq(c, seq);
	if (r || !seq->n)
		return r;
	h->matches = calloc(seq->n, sizeof(*h->matches));
	if (!h->matches)
		return d_nomem(c);
	for (i = 0; !r && i < seq->n; i++) {
		mark = d_push_idx(c, i);
		h->nmatches++;
		r = d_http_match(c, seq->items[i], &h->matches[i]);
		d_pop(c, mark);
	}
	return r;
}

static int d_route_headers(struct d_ctx *c, const struct yt_node *n, struct sl_http_route *h)
{
	return d_headers(c, n, h->rewrite.authority, &h->headers);
}

/* What cannot go together (Istio's validateHTTPRouteConflict). */
static int route_conflicts(struct d_ctx *c, const struct yt_node *hm, struct sl_http_route *h)
{
	const char *with = !h->redirect.set ? NULL
			   : h->nroutes	    ? "route"
			   : h->fault.set   ? "fault"
			   : h->rewrite.set ? "rewrite"
					    : NULL;
	size_t mark;
	int r;

	if (with) {
		mark = d_push_key(c, "redirect");
		r = d_err_key(c, d_get(hm, "redirect"), "a route cannot have both redirect and %s",
			      with);
		d_pop(c, mark);
		return r;
	}
	if (!h->redirect.set && !h->nroutes)
		return d_err(c, hm, "a route needs route (destinations) or redirect");
	return 0;
}

static int d_http_route(struct d_ctx *c, const struct yt_node *hm, struct sl_http_route *h)
{
	int r;

	r = d_want_map(c, hm);
	if (!r)
		r = d_check_keys(c, hm, route_keys);
	if (!r)
		r = f_refuse(c, hm, "directResponse",
			     "direct responses are not supported (routes forward or redirect)");
	if (!r)
		r = f_refuse(c, hm, "delegate",
			     "delegating to other VirtualServices is not supported");
	if (!r)
		r = f_refuse(c, hm, "mirror", "traffic mirroring is not supported");
	if (!r)
		r = f_refuse_nonempty(c, hm, "mirrors", "traffic mirroring is not supported");
	if (!r)
		r = f_refuse(c, hm, "mirrorPercent", "traffic mirroring is not supported");
	if (!r)
		r = f_refuse(c, hm, "mirror_percent", "traffic mirroring is not supported");
	if (!r)
		r = f_refuse(c, hm, "mirrorPercentage", "traffic mirroring is not supported");
	if (!r)
		r = f_str_opt(c, hm, "name", &h->name);
	if (!r)
		r = f_duration(c, hm, "timeout", D_DUR_MS, &h->timeout_ns, NULL);
	SUB("match", d_matches, h);
	SUB("route", d_http_dests, h);
	SUB("redirect", d_redirect, &h->redirect);
	SUB("rewrite", d_rewrite, &h->rewrite);
	SUB("retries", d_retries, &h->retries);
	SUB("fault", d_fault, &h->fault);
	SUB("corsPolicy", d_cors, &h->cors);
	/* After rewrite: the authority may be rewritten in one place only. */
	SUB("headers", d_route_headers, h);
	if (!r)
		r = route_conflicts(c, hm, h);
	return r;
}

int d_http_routes(struct d_ctx *c, const struct yt_node *seq, struct sl_virtual_service *vs)
{
	size_t i, mark;
	int r;

	r = d_want_seq(c, seq);
	if (r || !seq->n)
		return r;
	vs->http = calloc(seq->n, sizeof(*vs->http));
	if (!vs->http)
		return d_nomem(c);
	for (i = 0; !r && i < seq->n; i++) {
		mark = d_push_idx(c, i);
		vs->nhttp++;
		vs->http[i].pos.file = c->fname;
		vs->http[i].pos.line = seq->items[i]->line;
		vs->http[i].pos.col = seq->items[i]->col;
		r = d_http_route(c, seq->items[i], &vs->http[i]);
		d_pop(c, mark);
	}
	return r;
}
