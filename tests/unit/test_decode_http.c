// SPDX-License-Identifier: Apache-2.0
/* sl_decode_stream() on the L7 parts of networking.istio.io: VirtualService http routes
 * and the L7 settings of DestinationRules. The Bookinfo files with their values, every
 * field, Istio's rules with their exact positions, durations, RE2 syntax, retryOn,
 * missing versus empty, and round trips through the emitter (JSON and YAML). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_files.h"

#include "config/decode.h"
#include "config/emit.h"
#include "model/objects.h"

#define S 1000000000ull
#define MS 1000000ull

static int decode(const char *text, struct sl_objects *out, char *err, size_t errlen)
{
	return sl_decode_stream("t.yaml", text, strlen(text), out, NULL, err, errlen);
}

static void decode_ok(const char *text, struct sl_objects *out)
{
	char err[512] = "";

	if (decode(text, out, err, sizeof(err)))
		fail_msg("decode failed: %s\n%s", err, text);
}

static char *emit(const struct sl_objects *l, enum sl_emit_format fmt, size_t *len)
{
	const struct sl_object **v = calloc(l->n + 1, sizeof(*v));
	char *buf = NULL;
	FILE *f;
	size_t i;

	assert_non_null(v);
	for (i = 0; i < l->n; i++)
		v[i] = &l->v[i];
	f = open_memstream(&buf, len);
	assert_non_null(f);
	assert_int_equal(sl_emit_objects(f, v, l->n, fmt), 0);
	fclose(f);
	free(v);
	return buf;
}

/* Emit -> decode -> equal, in both formats, and printing the copy gives the same bytes;
 * a clone is equal too. */
static void round_trip(const struct sl_objects *a)
{
	static const enum sl_emit_format fmts[] = { SL_EMIT_JSON, SL_EMIT_YAML };
	size_t f, i, len, len2;

	for (f = 0; f < 2; f++) {
		struct sl_objects b = { 0 };
		char err[512] = "", *out, *out2;

		out = emit(a, fmts[f], &len);
		if (sl_decode_stream("emitted", out, len, &b, NULL, err, sizeof(err)))
			fail_msg("%s in:\n%s", err, out);
		assert_int_equal(b.n, a->n);
		for (i = 0; i < a->n; i++)
			if (!sl_object_equal(&a->v[i], &b.v[i]))
				fail_msg("object %zu differs after the round trip:\n%s", i, out);
		out2 = emit(&b, fmts[f], &len2);
		assert_int_equal(len, len2);
		assert_memory_equal(out, out2, len);
		free(out);
		free(out2);
		sl_objects_free(&b);
	}
	for (i = 0; i < a->n; i++) {
		struct sl_object copy;

		assert_int_equal(sl_object_clone(&copy, &a->v[i]), 0);
		assert_true(sl_object_equal(&copy, &a->v[i]));
		sl_object_free(&copy);
	}
}

static const struct sl_named_match *named(const struct sl_named_match *v, size_t n,
					  const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return &v[i];
	return NULL;
}

static const char *label(const struct sl_label *l, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(l[i].key, key))
			return l[i].value;
	return NULL;
}

#define VSH                                                                                        \
	"apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: r\nspec:\n"
#define VS VSH "  hosts: [reviews]\n" /* 6 lines */
#define HTTP VS "  http:\n" /* 7 lines; the first route starts on line 8 */
#define R1 "  - route: [{destination: {host: reviews}}]\n" /* line 8 */
#define DRH                                                                                        \
	"apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: r\nspec:\n"
#define DR DRH "  host: reviews\n" /* 6 lines */
#define TP DR "  trafficPolicy:\n" /* 7 lines */

/* ---- the Bookinfo sample (../shared/compat, real Istio files) ---- */

static char *bookinfo(const char *name, struct sl_objects *l)
{
	char path[4200], err[512] = "";
	size_t len;
	char *buf;

	snprintf(path, sizeof(path), "%s/../shared/compat/istio-samples/%s", srcdir(), name);
	if (access(path, R_OK))
		return NULL;
	buf = read_file(path, &len);
	assert_non_null(buf);
	if (sl_decode_stream(name, buf, len, l, NULL, err, sizeof(err)))
		fail_msg("%s", err);
	round_trip(l);
	return buf;
}

/* One route to `host` subset `subset`, no match, no weight, nothing else. */
static void plain_route(const struct sl_http_route *h, const char *host, const char *subset)
{
	assert_int_equal(h->nmatches, 0);
	assert_int_equal(h->nroutes, 1);
	assert_string_equal(h->routes[0].dest.host, host);
	assert_string_equal(h->routes[0].dest.subset, subset);
	assert_int_equal(h->routes[0].dest.port, 0);
	assert_int_equal(h->routes[0].dest.weight, 0);
	assert_false(h->redirect.set);
	assert_false(h->rewrite.set);
	assert_false(h->retries.set);
	assert_int_equal(h->timeout_ns, 0);
}

/* match: [{headers: {end-user: {exact: jason}}}] and nothing else. */
static void jason_match(const struct sl_http_route *h)
{
	const struct sl_named_match *m;

	assert_int_equal(h->nmatches, 1);
	assert_int_equal(h->matches[0].nheaders, 1);
	m = named(h->matches[0].headers, 1, "end-user");
	assert_non_null(m);
	assert_int_equal(m->match.kind, SL_SM_EXACT);
	assert_string_equal(m->match.value, "jason");
	assert_int_equal(h->matches[0].uri.kind, SL_SM_NONE);
	assert_int_equal(h->matches[0].nquery_params, 0);
	assert_int_equal(h->matches[0].port, 0);
}

static void test_bookinfo_all_v1(void **state)
{
	static const char *const names[] = { "productpage", "reviews", "ratings", "details" };
	struct sl_objects l = { 0 };
	char *buf = bookinfo("bookinfo-networking-virtual-service-all-v1.yaml", &l);
	size_t i;

	if (!buf)
		skip();
	assert_int_equal(l.n, 4);
	for (i = 0; i < 4; i++) {
		const struct sl_virtual_service *vs = &l.v[i].vs;

		assert_int_equal(l.v[i].kind, SL_KIND_VIRTUAL_SERVICE);
		assert_string_equal(vs->meta.name, names[i]);
		assert_int_equal(vs->nhosts, 1);
		assert_string_equal(vs->hosts[0], names[i]);
		assert_int_equal(vs->ntcp, 0);
		assert_int_equal(vs->nhttp, 1);
		plain_route(&vs->http[0], names[i], "v1");
		assert_false(vs->http[0].fault.set);
	}
	sl_objects_free(&l);
	free(buf);
}

static void test_bookinfo_jason(void **state)
{
	struct sl_objects l = { 0 };
	char *buf = bookinfo("bookinfo-networking-virtual-service-reviews-jason-v2-v3.yaml", &l);
	const struct sl_virtual_service *vs;

	if (!buf)
		skip();
	assert_int_equal(l.n, 1);
	vs = &l.v[0].vs;
	assert_int_equal(vs->nhttp, 2);
	jason_match(&vs->http[0]);
	assert_int_equal(vs->http[0].nroutes, 1);
	assert_string_equal(vs->http[0].routes[0].dest.subset, "v2");
	plain_route(&vs->http[1], "reviews", "v3");
	sl_objects_free(&l);
	free(buf);
}

static void test_bookinfo_weights(void **state)
{
	static const struct {
		const char *file;
		const char *subset[2];
		uint32_t weight[2];
	} want[] = {
		{ "bookinfo-networking-virtual-service-reviews-90-10.yaml", { "v1", "v2" }, { 90, 10 } },
		{ "bookinfo-networking-virtual-service-reviews-50-v3.yaml", { "v1", "v3" }, { 50, 50 } },
	};
	size_t i, k;

	for (i = 0; i < 2; i++) {
		struct sl_objects l = { 0 };
		char *buf = bookinfo(want[i].file, &l);
		const struct sl_http_route *h;

		if (!buf)
			skip();
		assert_int_equal(l.n, 1);
		assert_int_equal(l.v[0].vs.nhttp, 1);
		h = &l.v[0].vs.http[0];
		assert_int_equal(h->nmatches, 0);
		assert_int_equal(h->nroutes, 2);
		for (k = 0; k < 2; k++) {
			assert_string_equal(h->routes[k].dest.host, "reviews");
			assert_string_equal(h->routes[k].dest.subset, want[i].subset[k]);
			assert_int_equal(h->routes[k].dest.weight, want[i].weight[k]);
		}
		sl_objects_free(&l);
		free(buf);
	}
}

static void test_bookinfo_ratings_faults(void **state)
{
	struct sl_objects l = { 0 };
	const struct sl_http_fault *f;
	char *buf;

	buf = bookinfo("bookinfo-networking-virtual-service-ratings-test-delay.yaml", &l);
	if (!buf)
		skip();
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0].vs.nhttp, 2);
	jason_match(&l.v[0].vs.http[0]);
	f = &l.v[0].vs.http[0].fault;
	assert_true(f->set);
	assert_true(f->delay_set);
	assert_int_equal(f->delay_ns, 7 * S);
	assert_true(f->delay_pct.set);
	assert_true(f->delay_pct.value == 100.0);
	assert_false(f->abort_set);
	assert_string_equal(l.v[0].vs.http[0].routes[0].dest.subset, "v1");
	plain_route(&l.v[0].vs.http[1], "ratings", "v1");
	assert_false(l.v[0].vs.http[1].fault.set);
	sl_objects_free(&l);
	free(buf);

	buf = bookinfo("bookinfo-networking-virtual-service-ratings-test-abort.yaml", &l);
	assert_non_null(buf);
	assert_int_equal(l.n, 1);
	jason_match(&l.v[0].vs.http[0]);
	f = &l.v[0].vs.http[0].fault;
	assert_true(f->abort_set);
	assert_int_equal(f->abort_status, 500);
	assert_true(f->abort_pct.set);
	assert_true(f->abort_pct.value == 100.0);
	assert_false(f->delay_set);
	sl_objects_free(&l);
	free(buf);
}

static void test_bookinfo_details_fault(void **state)
{
	struct sl_objects l = { 0 };
	char *buf = bookinfo("bookinfo-networking-fault-injection-details-v1.yaml", &l);
	const struct sl_http_route *h;

	if (!buf)
		skip();
	assert_int_equal(l.n, 2);
	assert_int_equal(l.v[0].kind, SL_KIND_VIRTUAL_SERVICE);
	assert_int_equal(l.v[0].vs.nhttp, 2);
	h = &l.v[0].vs.http[0];
	assert_int_equal(h->nmatches, 0);
	/* 555 is no status HTTP defines, but Istio takes 200-599 (a test of clients). */
	assert_true(h->fault.abort_set);
	assert_int_equal(h->fault.abort_status, 555);
	assert_true(h->fault.abort_pct.value == 100.0);
	plain_route(&l.v[0].vs.http[1], "details", "v1");
	assert_int_equal(l.v[1].kind, SL_KIND_DESTINATION_RULE);
	assert_int_equal(l.v[1].dr.nsubsets, 1);
	sl_objects_free(&l);
	free(buf);
}

static void test_bookinfo_destination_rules(void **state)
{
	struct sl_objects l = { 0 };
	char *buf = bookinfo("bookinfo-networking-destination-rule-all.yaml", &l);
	size_t i;

	if (!buf)
		skip();
	assert_int_equal(l.n, 4);
	/* Subsets only: nothing L7, so nothing for the compiler to refuse. */
	for (i = 0; i < l.n; i++) {
		const struct sl_traffic_policy *p = &l.v[i].dr.policy;

		assert_false(p->outlier.set);
		assert_false(p->pool.http.set);
		assert_null(p->lb.hash_header);
	}
	sl_objects_free(&l);
	free(buf);
}

/* ---- every field ---- */

static const char http_full[] =
	VS "  gateways: [mesh]\n"
	   "  http:\n"
	   "  - name: api\n"
	   "    match:\n"
	   "    - name: v2\n"
	   "      uri: {prefix: /api/v2/}\n"
	   "      ignoreUriCase: true\n"
	   "      scheme: {exact: https}\n"
	   "      method: {regex: \"GET|HEAD\"}\n"
	   "      authority: {exact: reviews.shop:9080}\n"
	   "      headers:\n"
	   "        x-user: {exact: \"\"}\n"
	   "        x-any: {}\n"
	   "        x-re: {regex: '^(?i)[a-z]+\\d*$'}\n"
	   "        :path: {prefix: /}\n"
	   "      withoutHeaders: {x-debug: {}}\n"
	   "      queryParams: {v: {exact: \"2\"}, q: {prefix: ab}, r: {regex: \"\\\\d+$\"}}\n"
	   "      port: 9080\n"
	   "      sourceLabels: {app: web}\n"
	   "      sourceNamespace: front\n"
	   "      gateways: [mesh]\n"
	   "      statPrefix: api\n"
	   "    - uri: {exact: /}\n"
	   "    route:\n"
	   "    - destination: {host: reviews, subset: v2, port: {number: 9080}}\n"
	   "      weight: 1\n"
	   "      headers:\n"
	   "        request: {set: {x-a: \"1\", x-pct: \"100%%\"}, add: {x-b: \"%HOSTNAME%\"}, "
	   "remove: [x-c, x-d]}\n"
	   "        response: {remove: [server]}\n"
	   "    - destination: {host: reviews.other.svc.cluster.local}\n"
	   "      weight: 3\n"
	   "    rewrite: {uri: /v2/, authority: reviews.internal}\n"
	   "    timeout: 1.5s\n"
	   "    retries:\n"
	   "      attempts: 3\n"
	   "      perTryTimeout: 250ms\n"
	   "      retryOn: connect-failure,503,5xx,refused-stream,503,429,unavailable\n"
	   "      backoff: 25ms\n"
	   "      retryIgnorePreviousHosts: false\n"
	   "    fault:\n"
	   "      delay: {fixedDelay: 1m30s, percent: 5}\n"
	   "      abort: {httpStatus: 503, percentage: {value: 0.5}}\n"
	   "    headers:\n"
	   "      request: {set: {x-route: api}}\n"
	   "      response: {add: {x-served-by: sluice}}\n"
	   "  - match: [{uri: {exact: /old}}]\n"
	   "    redirect: {uri: /new, authority: new.example, scheme: https, derivePort: "
	   "FROM_PROTOCOL_DEFAULT, redirectCode: 308}\n"
	   "  - redirect: {port: 8443}\n"
	   "  - route: [{destination: {host: reviews}}]\n"
	   "    rewrite:\n"
	   "      uriRegexRewrite: {match: \"^/service/([^/]+)(/.*)$\", rewrite: \"/p/\\\\2/\\\\1\"}\n"
	   "    retries: {attempts: 0}\n"
	   "  tcp:\n"
	   "  - route: [{destination: {host: reviews}}]\n";

static void test_http_full(void **state)
{
	struct sl_objects l = { 0 };
	const struct sl_virtual_service *vs;
	const struct sl_http_route *h;
	const struct sl_http_match *m;
	const struct sl_named_match *nm;
	const struct sl_http_dest *d;

	decode_ok(http_full, &l);
	assert_int_equal(l.n, 1);
	vs = &l.v[0].vs;
	assert_int_equal(vs->ntcp, 1);
	assert_int_equal(vs->nhttp, 4);
	assert_int_equal(vs->http_pos.line, 8);
	assert_int_equal(vs->http_pos.col, 3);

	h = &vs->http[0];
	assert_string_equal(h->name, "api");
	assert_int_equal(h->pos.line, 9);
	assert_int_equal(h->nmatches, 2);
	m = &h->matches[0];
	assert_string_equal(m->name, "v2");
	assert_int_equal(m->uri.kind, SL_SM_PREFIX);
	assert_string_equal(m->uri.value, "/api/v2/");
	assert_true(m->ignore_uri_case);
	assert_int_equal(m->scheme.kind, SL_SM_EXACT);
	assert_string_equal(m->scheme.value, "https");
	assert_int_equal(m->method.kind, SL_SM_REGEX);
	assert_string_equal(m->method.value, "GET|HEAD");
	assert_string_equal(m->authority.value, "reviews.shop:9080");
	assert_int_equal(m->nheaders, 4);
	/* exact "" (the header, empty) is not {} (the header, any value). */
	nm = named(m->headers, m->nheaders, "x-user");
	assert_int_equal(nm->match.kind, SL_SM_EXACT);
	assert_string_equal(nm->match.value, "");
	nm = named(m->headers, m->nheaders, "x-any");
	assert_int_equal(nm->match.kind, SL_SM_ANY);
	assert_null(nm->match.value);
	assert_string_equal(named(m->headers, m->nheaders, "x-re")->match.value, "^(?i)[a-z]+\\d*$");
	assert_int_equal(named(m->headers, m->nheaders, ":path")->match.kind, SL_SM_PREFIX);
	assert_int_equal(m->nwithout_headers, 1);
	assert_int_equal(m->without_headers[0].match.kind, SL_SM_ANY);
	assert_int_equal(m->nquery_params, 3);
	assert_int_equal(named(m->query_params, 3, "q")->match.kind, SL_SM_PREFIX);
	assert_string_equal(named(m->query_params, 3, "r")->match.value, "\\d+$");
	assert_int_equal(m->port, 9080);
	assert_string_equal(label(m->source_labels, m->nsource_labels, "app"), "web");
	assert_string_equal(m->source_namespace, "front");
	assert_int_equal(h->matches[1].uri.kind, SL_SM_EXACT);
	assert_false(h->matches[1].ignore_uri_case);

	assert_int_equal(h->nroutes, 2);
	d = &h->routes[0];
	assert_string_equal(d->dest.host, "reviews");
	assert_string_equal(d->dest.subset, "v2");
	assert_int_equal(d->dest.port, 9080);
	/* Relative, as written: 1 of 4 and 3 of 4. */
	assert_int_equal(d->dest.weight, 1);
	assert_int_equal(h->routes[1].dest.weight, 3);
	assert_null(h->routes[1].dest.subset);
	assert_int_equal(d->headers.request.nset, 2);
	assert_string_equal(label(d->headers.request.set, 2, "x-pct"), "100%%");
	assert_string_equal(label(d->headers.request.add, 1, "x-b"), "%HOSTNAME%");
	assert_int_equal(d->headers.request.nremove, 2);
	assert_string_equal(d->headers.request.remove[1], "x-d");
	assert_string_equal(d->headers.response.remove[0], "server");

	assert_true(h->rewrite.set);
	assert_string_equal(h->rewrite.uri, "/v2/");
	assert_string_equal(h->rewrite.authority, "reviews.internal");
	assert_null(h->rewrite.uri_regex.match);
	assert_int_equal(h->timeout_ns, 1500 * MS);
	assert_true(h->retries.set);
	assert_int_equal(h->retries.attempts, 3);
	assert_int_equal(h->retries.per_try_timeout_ns, 250 * MS);
	assert_int_equal(h->retries.retry_on, SL_RETRY_CONNECT_FAILURE | SL_RETRY_5XX |
						      SL_RETRY_REFUSED_STREAM |
						      SL_RETRY_GRPC_UNAVAILABLE);
	/* Sorted, each once. */
	assert_int_equal(h->retries.nretry_codes, 2);
	assert_int_equal(h->retries.retry_codes[0], 429);
	assert_int_equal(h->retries.retry_codes[1], 503);
	assert_int_equal(h->retries.backoff_ns, 25 * MS);
	assert_int_equal(h->retries.ignore_previous_hosts, SL_FALSE);
	assert_true(h->fault.delay_set);
	assert_int_equal(h->fault.delay_ns, 90 * S);
	/* The deprecated integer percent is the same fraction as percentage. */
	assert_true(h->fault.delay_pct.set);
	assert_true(h->fault.delay_pct.value == 5.0);
	assert_int_equal(h->fault.abort_status, 503);
	assert_true(h->fault.abort_pct.value == 0.5);
	assert_string_equal(label(h->headers.request.set, 1, "x-route"), "api");
	assert_string_equal(label(h->headers.response.add, 1, "x-served-by"), "sluice");

	h = &vs->http[1];
	assert_null(h->name);
	assert_int_equal(h->nroutes, 0);
	assert_true(h->redirect.set);
	assert_string_equal(h->redirect.uri, "/new");
	assert_string_equal(h->redirect.authority, "new.example");
	assert_string_equal(h->redirect.scheme, "https");
	assert_int_equal(h->redirect.port_mode, SL_REDIRECT_PORT_FROM_PROTOCOL_DEFAULT);
	assert_int_equal(h->redirect.code, 308);
	h = &vs->http[2];
	assert_int_equal(h->redirect.port_mode, SL_REDIRECT_PORT_NUMBER);
	assert_int_equal(h->redirect.port, 8443);
	assert_null(h->redirect.uri);
	assert_int_equal(h->redirect.code, 0);
	h = &vs->http[3];
	assert_string_equal(h->rewrite.uri_regex.match, "^/service/([^/]+)(/.*)$");
	assert_string_equal(h->rewrite.uri_regex.rewrite, "/p/\\2/\\1");
	assert_null(h->rewrite.uri);
	/* attempts 0: written, and it turns retries off. */
	assert_true(h->retries.set);
	assert_int_equal(h->retries.attempts, 0);
	round_trip(&l);
	sl_objects_free(&l);
}

static const char dr_full[] =
	TP "    loadBalancer:\n"
	   "      consistentHash:\n"
	   "        httpHeaderName: x-user\n"
	   "        httpHeaderRegexRewrite: {match: \"^(\\\\w+)-.*$\", rewrite: \"\\\\1\"}\n"
	   "        maglev: {tableSize: 65537}\n"
	   "    connectionPool:\n"
	   "      tcp:\n"
	   "        maxConnections: 100\n"
	   "        connectTimeout: 30ms\n"
	   "        maxConnectionDuration: 1h\n"
	   "        idleTimeout: 0s\n"
	   "        tcpKeepalive: {probes: 3, time: 7200s, interval: 75s}\n"
	   "      http:\n"
	   "        http1MaxPendingRequests: 10\n"
	   "        http2MaxRequests: 1000\n"
	   "        maxRequestsPerConnection: 1\n"
	   "        maxRetries: 3\n"
	   "        maxConcurrentStreams: 100\n"
	   "        idleTimeout: 1h\n"
	   "        h2UpgradePolicy: DO_NOT_UPGRADE\n"
	   "        useClientProtocol: true\n"
	   "    outlierDetection:\n"
	   "      consecutive5xxErrors: 0\n"
	   "      consecutiveGatewayErrors: 7\n"
	   "      splitExternalLocalOriginErrors: true\n"
	   "      consecutiveLocalOriginFailures: 4\n"
	   "      interval: 5m\n"
	   "      baseEjectionTime: 15m\n"
	   "      maxEjectionPercent: 50\n"
	   "      minHealthPercent: 20\n"
	   "    portLevelSettings:\n"
	   "    - port: {number: 9080}\n"
	   "      loadBalancer: {consistentHash: {httpQueryParameterName: session}}\n"
	   "      connectionPool: {http: {}}\n"
	   "      outlierDetection: {}\n"
	   "  subsets:\n"
	   "  - name: v1\n"
	   "    labels: {version: v1}\n"
	   "    trafficPolicy:\n"
	   "      loadBalancer:\n"
	   "        consistentHash: {httpCookie: {name: user, path: /, ttl: 0s}}\n"
	   "      connectionPool: {http: {h2UpgradePolicy: UPGRADE}}\n"
	   "  - name: v2\n"
	   "    trafficPolicy:\n"
	   "      loadBalancer: {consistentHash: {httpCookie: {name: u}}}\n";

static void test_dr_full(void **state)
{
	struct sl_objects l = { 0 };
	const struct sl_destination_rule *dr;
	const struct sl_traffic_policy *p;
	const struct sl_port_policy *pp;

	decode_ok(dr_full, &l);
	dr = &l.v[0].dr;
	p = &dr->policy;
	assert_string_equal(p->lb.hash_header, "x-user");
	assert_false(p->lb.hash_source_ip);
	assert_string_equal(p->lb.hash_header_rewrite.match, "^(\\w+)-.*$");
	assert_string_equal(p->lb.hash_header_rewrite.rewrite, "\\1");
	assert_int_equal(p->lb.maglev_table_size, 65537);
	assert_int_equal(p->lb.hash_pos.line, 10);
	assert_int_equal(p->lb.hash_pos.col, 9);
	assert_true(p->pool.set);
	assert_int_equal(p->pool.max_connections, 100);
	assert_int_equal(p->pool.connect_timeout_ns, 30 * MS);
	assert_int_equal(p->pool.max_connection_duration_ns, 3600 * S);
	/* 0s: written, and turns the idle timeout off. */
	assert_true(p->pool.idle_timeout_set);
	assert_int_equal(p->pool.idle_timeout_ns, 0);
	assert_true(p->pool.keepalive.set);
	assert_int_equal(p->pool.keepalive.probes, 3);
	assert_int_equal(p->pool.keepalive.time_ns, 7200 * S);
	assert_int_equal(p->pool.keepalive.interval_ns, 75 * S);
	assert_int_equal(p->pool.tcp_l7_pos.line, 16);
	assert_true(p->pool.http.set);
	assert_int_equal(p->pool.http.http1_max_pending_requests, 10);
	assert_int_equal(p->pool.http.http2_max_requests, 1000);
	assert_int_equal(p->pool.http.max_requests_per_connection, 1);
	assert_int_equal(p->pool.http.max_retries, 3);
	assert_int_equal(p->pool.http.max_concurrent_streams, 100);
	assert_int_equal(p->pool.http.idle_timeout_ns, 3600 * S);
	assert_int_equal(p->pool.http.h2_upgrade, SL_H2_DO_NOT_UPGRADE);
	assert_true(p->pool.http.use_client_protocol);
	assert_true(p->outlier.set);
	/* UInt32Value: 0 written (this detector off) is not "not written". */
	assert_true(p->outlier.consecutive_5xx_set);
	assert_int_equal(p->outlier.consecutive_5xx, 0);
	assert_true(p->outlier.consecutive_gateway_set);
	assert_int_equal(p->outlier.consecutive_gateway, 7);
	assert_true(p->outlier.split_local_origin);
	assert_int_equal(p->outlier.consecutive_local, 4);
	assert_int_equal(p->outlier.interval_ns, 300 * S);
	assert_int_equal(p->outlier.base_ejection_ns, 900 * S);
	assert_int_equal(p->outlier.max_ejection_percent, 50);
	assert_int_equal(p->outlier.min_health_percent, 20);
	assert_int_equal(p->outlier.pos.line, 29);
	assert_int_equal(p->nports, 1);
	pp = &p->ports[0];
	assert_string_equal(pp->lb.hash_query, "session");
	/* {} is written: Istio's defaults, applied by the proxy. */
	assert_true(pp->pool.http.set);
	assert_false(pp->pool.set);
	assert_true(pp->outlier.set);
	assert_false(pp->outlier.consecutive_5xx_set);
	assert_int_equal(dr->nsubsets, 2);
	p = &dr->subsets[0].policy;
	assert_true(p->lb.hash_cookie_set);
	assert_string_equal(p->lb.hash_cookie.name, "user");
	assert_string_equal(p->lb.hash_cookie.path, "/");
	/* ttl 0s (a session cookie) is not an absent ttl. */
	assert_true(p->lb.hash_cookie.ttl_set);
	assert_int_equal(p->lb.hash_cookie.ttl_ns, 0);
	assert_int_equal(p->pool.http.h2_upgrade, SL_H2_UPGRADE);
	p = &dr->subsets[1].policy;
	assert_false(p->lb.hash_cookie.ttl_set);
	assert_null(p->lb.hash_cookie.path);
	round_trip(&l);
	sl_objects_free(&l);
}

/* ---- durations, regexes, retryOn ---- */

static void test_durations(void **state)
{
	static const struct {
		const char *text;
		uint64_t ns;
	} good[] = {
		/* timeout: >= 1ms, whole milliseconds (Istio's ValidateDuration). */
		{ "1ms", MS },
		{ "7s", 7 * S },
		{ "0.5s", 500 * MS },
		{ ".25s", 250 * MS },
		{ "1.s", S },
		{ "+2s", 2 * S },
		{ "1h30m", 5400 * S },
		{ "1.5h", 5400 * S },
		{ "100ms", 100 * MS },
		{ "1000us", MS },
		{ "1000\xc2\xb5s", MS },
		{ "1000000ns", MS },
		{ "2m0.5s", 120500 * MS },
		{ "2562047h", 2562047ull * 3600 * S },
	};
	static const struct {
		const char *text;
		const char *says;
	} bad[] = {
		{ "1", "is not a duration" },
		{ "s", "is not a duration" },
		{ "1d", "is not a duration" },
		{ "1 s", "is not a duration" },
		{ "1S", "is not a duration" },
		{ "1.5.s", "is not a duration" },
		{ "-1s", "a duration cannot be negative" },
		{ "2562048h", "is out of range" },
		{ "99999999999999999999ns", "is out of range" },
		{ "0", "is too short: a duration must be at least 1ms" },
		{ "0s", "is too short" },
		{ "999us", "is too short" },
		{ "1500us", "only whole milliseconds" },
		{ "1.0001s", "only whole milliseconds" },
	};
	char doc[512], err[512];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct sl_objects l = { 0 };

		snprintf(doc, sizeof(doc), HTTP R1 "    timeout: \"%s\"\n", good[i].text);
		decode_ok(doc, &l);
		if (l.v[0].vs.http[0].timeout_ns != good[i].ns)
			fail_msg("%s: %llu ns, want %llu", good[i].text,
				 (unsigned long long)l.v[0].vs.http[0].timeout_ns,
				 (unsigned long long)good[i].ns);
		round_trip(&l);
		sl_objects_free(&l);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sl_objects l = { 0 };

		snprintf(doc, sizeof(doc), HTTP R1 "    timeout: \"%s\"\n", bad[i].text);
		err[0] = '\0';
		assert_int_equal(decode(doc, &l, err, sizeof(err)), -EINVAL);
		if (strncmp(err, "t.yaml:9:14: spec.http[0].timeout: ", 35) ||
		    !strstr(err, bad[i].says))
			fail_msg("%s: got \"%s\", want \"%s\"", bad[i].text, err, bad[i].says);
		assert_int_equal(l.n, 0);
	}
	/* The cookie ttl takes any duration, 0 and sub-millisecond ones included. */
	{
		struct sl_objects l = { 0 };

		decode_ok(TP "    loadBalancer: {consistentHash: {httpCookie: {name: c, ttl: 1500ns}}}\n",
			  &l);
		assert_int_equal(l.v[0].dr.policy.lb.hash_cookie.ttl_ns, 1500);
		round_trip(&l);
		sl_objects_free(&l);
	}
	/* A duration is a string, not a number. */
	assert_int_equal(decode(HTTP R1 "    timeout: 5\n", &(struct sl_objects){ 0 }, err,
				sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "t.yaml:9:14: spec.http[0].timeout: expected a string, got an "
				    "integer"));
}

static void test_regex(void **state)
{
	static const char *const good[] = {
		"",
		"^/api/v[0-9]+/.*$",
		"(?i)jason",
		"(?i:ab)c",
		"(?-i)x",
		"(?ims-U)x",
		"(?:a|b)+?",
		"(?P<name>x)(?<other>y)",
		"\\d+\\D\\s\\S\\w\\W",
		"\\pL\\p{Greek}\\PN\\p{^Lu}\\p{Any}",
		"[[:alpha:][:^digit:]\\d_-]",
		"[]a]",
		"[^]a-]",
		"[\\x41-\\x{5A}]",
		"\\x{10FFFF}\\x7f\\0\\012\\a\\f\\t\\n\\r\\v",
		"\\A\\z\\b\\B",
		"\\Q.*+?\\E.",
		"a{2}b{2,}c{2,5}d{1000}",
		"a{,3}",
		"a{x}",
		"x{01}",
		"\\.\\*\\ \\-\\_",
		"^$.",
		"(|a)()",
		"\xc3\xa9+",
	};
	static const struct {
		const char *re;
		const char *says;
	} bad[] = {
		{ "(", "missing closing )" },
		{ "a)", "unexpected )" },
		{ "*a", "missing argument to repetition operator" },
		{ "a|*", "missing argument to repetition operator" },
		{ "(?i)*", "missing argument to repetition operator" },
		{ "a**", "invalid nested repetition operator" },
		{ "a*??", "invalid nested repetition operator" },
		{ "a{2}{3}", "invalid nested repetition operator" },
		{ "a{1001}", "invalid repeat count" },
		{ "a{3,2}", "invalid repeat count" },
		{ "(a)\\1", "backreferences are not supported" },
		{ "\\8", "invalid escape sequence" },
		{ "(?=a)", "invalid or unsupported Perl syntax" },
		{ "(?!a)", "invalid or unsupported Perl syntax" },
		{ "(?<=a)", "invalid or unsupported Perl syntax" },
		{ "(?#c)", "invalid or unsupported Perl syntax" },
		{ "(?-)", "invalid or unsupported Perl syntax" },
		{ "(?P=n)", "invalid or unsupported Perl syntax" },
		{ "(?P<>x)", "invalid named capture" },
		{ "(?P<a-b>x)", "invalid named capture" },
		{ "(?P<n>x)(?P<n>y)", "duplicate capture group name" },
		{ "\\", "trailing backslash" },
		{ "\\C", "invalid escape sequence" },
		{ "\\Z", "invalid escape sequence" },
		{ "\\x4", "invalid escape sequence" },
		{ "\\x{110000}", "invalid escape sequence" },
		{ "\\x{}", "invalid escape sequence" },
		{ "[a", "missing closing ]" },
		{ "[]", "missing closing ]" },
		{ "[z-a]", "invalid character class range" },
		{ "[[:alfa:]]", "invalid character class range" },
		{ "\\pX", "invalid character class range" },
		{ "\\p{lower}", "invalid character class range" },
		{ "[\\b]", "invalid escape sequence" },
	};
	char doc[512], err[512];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct sl_objects l = { 0 };
		char *q = doc;

		/* In a YAML single-quoted scalar: only ' needs care, and none has one. */
		q += snprintf(doc, sizeof(doc), HTTP "  - match: [{uri: {regex: '%s'}}]\n",
			      good[i]);
		snprintf(q, sizeof(doc) - (size_t)(q - doc),
			 "    route: [{destination: {host: reviews}}]\n");
		err[0] = '\0';
		if (decode(doc, &l, err, sizeof(err)))
			fail_msg("%s: %s", good[i], err);
		assert_string_equal(l.v[0].vs.http[0].matches[0].uri.value, good[i]);
		sl_objects_free(&l);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sl_objects l = { 0 };

		snprintf(doc, sizeof(doc),
			 HTTP "  - match: [{uri: {regex: '%s'}}]\n"
			      "    route: [{destination: {host: reviews}}]\n",
			 bad[i].re);
		err[0] = '\0';
		assert_int_equal(decode(doc, &l, err, sizeof(err)), -EINVAL);
		if (strncmp(err, "t.yaml:8:27: spec.http[0].match[0].uri.regex: \"", 47) ||
		    !strstr(err, "is not a valid RE2 regular expression: ") ||
		    !strstr(err, bad[i].says))
			fail_msg("%s: got \"%s\", want \"%s\"", bad[i].re, err, bad[i].says);
	}
	/* The byte offset of the offending construct. */
	assert_int_equal(decode(HTTP "  - match: [{uri: {regex: 'ab(c)\\1'}}]\n"
				     "    route: [{destination: {host: reviews}}]\n",
				&(struct sl_objects){ 0 }, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "backreferences are not supported (RE2) at byte 5"));
}

static void test_retry_on(void **state)
{
	static const struct {
		const char *text;
		uint32_t bits;
		size_t ncodes;
		uint16_t first;
	} good[] = {
		{ "5xx", SL_RETRY_5XX, 0, 0 },
		{ "gateway-error,connect-failure,refused-stream",
		  SL_RETRY_GATEWAY_ERROR | SL_RETRY_CONNECT_FAILURE | SL_RETRY_REFUSED_STREAM, 0,
		  0 },
		{ "reset,retriable-4xx,retriable-status-codes,503",
		  SL_RETRY_RESET | SL_RETRY_RETRIABLE_4XX | SL_RETRY_RETRIABLE_STATUS_CODES, 1,
		  503 },
		{ "reset-before-request,retriable-headers,envoy-ratelimited,"
		  "http3-post-connect-failure",
		  SL_RETRY_RESET_BEFORE_REQUEST | SL_RETRY_RETRIABLE_HEADERS |
			  SL_RETRY_ENVOY_RATELIMITED | SL_RETRY_HTTP3_POST_CONNECT_FAILURE,
		  0, 0 },
		{ "cancelled,deadline-exceeded,internal,resource-exhausted,unavailable",
		  SL_RETRY_GRPC_CANCELLED | SL_RETRY_GRPC_DEADLINE_EXCEEDED |
			  SL_RETRY_GRPC_INTERNAL | SL_RETRY_GRPC_RESOURCE_EXHAUSTED |
			  SL_RETRY_GRPC_UNAVAILABLE,
		  0, 0 },
		{ "504,502,504,418", 0, 3, 418 },
		{ "5xx,5xx", SL_RETRY_5XX, 0, 0 },
	};
	static const struct {
		const char *text;
		const char *says;
	} bad[] = {
		{ "5xx,bogus", "\"bogus\" is not a retryOn condition" },
		{ "5xx, reset", "\" reset\" is not a retryOn condition" },
		{ "5xx,", "\"\" is not a retryOn condition" },
		{ "5XX", "\"5XX\" is not a retryOn condition" },
		/* No status Go's http.StatusText knows. */
		{ "599", "\"599\" is not a retryOn condition" },
		{ "0503", "\"0503\" is not a retryOn condition" },
		{ "+503", "\"+503\" is not a retryOn condition" },
	};
	char doc[512], err[1024];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct sl_objects l = { 0 };
		const struct sl_http_retry *rt;

		snprintf(doc, sizeof(doc), HTTP R1 "    retries: {attempts: 2, retryOn: \"%s\"}\n",
			 good[i].text);
		decode_ok(doc, &l);
		rt = &l.v[0].vs.http[0].retries;
		assert_int_equal(rt->retry_on, good[i].bits);
		assert_int_equal(rt->nretry_codes, good[i].ncodes);
		if (good[i].ncodes)
			assert_int_equal(rt->retry_codes[0], good[i].first);
		round_trip(&l);
		sl_objects_free(&l);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(doc, sizeof(doc), HTTP R1 "    retries: {attempts: 2, retryOn: \"%s\"}\n",
			 bad[i].text);
		err[0] = '\0';
		assert_int_equal(decode(doc, &(struct sl_objects){ 0 }, err, sizeof(err)), -EINVAL);
		if (strncmp(err, "t.yaml:9:37: spec.http[0].retries.retryOn: ", 43) ||
		    !strstr(err, bad[i].says))
			fail_msg("%s: got \"%s\", want \"%s\"", bad[i].text, err, bad[i].says);
	}
}

/* ---- missing and empty ---- */

static void test_missing_vs_empty(void **state)
{
	struct sl_objects l = { 0 };
	const struct sl_http_route *h;

	decode_ok(HTTP R1 R1 "    retries: {}\n"
		     "    fault: {abort: {httpStatus: 500}}\n" R1
		     "    fault: {abort: {httpStatus: 500, percentage: {}}}\n"
		     "    rewrite: {uri: \"\", authority: a}\n"
		     "  - name: \"\"\n"
		     "    route:\n    - destination: {host: reviews, subset: \"\"}\n"
		     "      headers: {request: {set: {x-empty: \"\", x-null: null}}}\n",
		  &l);
	h = l.v[0].vs.http;
	/* No retries: Istio's default policy. retries: {}: attempts 0, retries off. */
	assert_false(h[0].retries.set);
	assert_true(h[1].retries.set);
	assert_int_equal(h[1].retries.attempts, 0);
	/* No percentage: Istio aborts no request. percentage: {}: written, 0. */
	assert_false(h[1].fault.abort_pct.set);
	assert_true(h[2].fault.abort_pct.set);
	assert_true(h[2].fault.abort_pct.value == 0.0);
	/* "" is protobuf's "not set". */
	assert_null(h[2].rewrite.uri);
	assert_null(h[3].name);
	assert_null(h[3].routes[0].dest.subset);
	/* Header values: "" and null are both the empty value. */
	assert_string_equal(label(h[3].routes[0].headers.request.set, 2, "x-empty"), "");
	assert_string_equal(label(h[3].routes[0].headers.request.set, 2, "x-null"), "");
	round_trip(&l);
	sl_objects_free(&l);

	/* An empty http list is no http route: tcp routes are then required. */
	decode_ok(VS "  http: []\n  tcp: [{route: [{destination: {host: reviews}}]}]\n", &l);
	assert_int_equal(l.v[0].vs.nhttp, 0);
	sl_objects_free(&l);

	/* outlierDetection: {} and connectionPool.http: {} are written (and L7). */
	decode_ok(TP "    outlierDetection: {}\n    connectionPool: {http: {}, tcp: {}}\n", &l);
	assert_true(l.v[0].dr.policy.outlier.set);
	assert_true(l.v[0].dr.policy.pool.http.set);
	assert_false(l.v[0].dr.policy.pool.set);
	assert_false(l.v[0].dr.policy.pool.idle_timeout_set);
	round_trip(&l);
	sl_objects_free(&l);
}

static void test_cors(void **state)
{
	const struct sl_http_cors *cp;
	struct sl_objects l = { 0 };

	(void)state;
	decode_ok(HTTP R1 "    corsPolicy:\n"
			  "      allowOrigins: [{exact: 'https://a.example'}, {prefix: 'https://b'},\n"
			  "                     {regex: 'https://.*\\.c\\.example'}]\n"
			  "      allowMethods: [GET, POST]\n"
			  "      allowHeaders: [x-a, X-B]\n"
			  "      exposeHeaders: [x-e]\n"
			  "      maxAge: 24h\n"
			  "      allowCredentials: true\n"
			  "      unmatchedPreflights: IGNORE\n",
		  &l);
	cp = &l.v[0].vs.http[0].cors;
	assert_true(cp->set);
	assert_int_equal(cp->norigins, 3);
	assert_int_equal(cp->origins[0].kind, SL_SM_EXACT);
	assert_string_equal(cp->origins[0].value, "https://a.example");
	assert_int_equal(cp->origins[1].kind, SL_SM_PREFIX);
	assert_int_equal(cp->origins[2].kind, SL_SM_REGEX);
	assert_string_equal(cp->allow_methods, "GET,POST");
	assert_string_equal(cp->allow_headers, "x-a,X-B");
	assert_string_equal(cp->expose_headers, "x-e");
	assert_int_equal(cp->max_age_ns, 86400ull * 1000000000ull);
	assert_int_equal(cp->allow_credentials, SL_TRUE);
	assert_int_equal(cp->unmatched, SL_CORS_IGNORE);
	round_trip(&l);
	sl_objects_free(&l);

	/* The deprecated allowOrigin: exact strings; FORWARD is the default. */
	decode_ok(HTTP R1 "    corsPolicy: {allowOrigin: ['*'], unmatchedPreflights: FORWARD,\n"
			  "                 allowCredentials: false, allowMethods: []}\n",
		  &l);
	cp = &l.v[0].vs.http[0].cors;
	assert_int_equal(cp->norigins, 1);
	assert_int_equal(cp->origins[0].kind, SL_SM_EXACT);
	assert_string_equal(cp->origins[0].value, "*");
	assert_null(cp->allow_methods);
	assert_null(cp->expose_headers);
	assert_int_equal(cp->max_age_ns, 0);
	assert_int_equal(cp->allow_credentials, SL_FALSE);
	assert_int_equal(cp->unmatched, SL_CORS_FORWARD);
	round_trip(&l);
	sl_objects_free(&l);

	/* An empty policy is written, and allows no origin. */
	decode_ok(HTTP R1 "    corsPolicy: {}\n", &l);
	assert_true(l.v[0].vs.http[0].cors.set);
	assert_int_equal(l.v[0].vs.http[0].cors.norigins, 0);
	round_trip(&l);
	sl_objects_free(&l);
}

/* ---- errors ---- */

struct bad_case {
	const char *name;
	const char *in;
	const char *prefix; /* "t.yaml:LINE:COL: " */
	const char *says;
};

static const struct bad_case bad_cases[] = {
	/* HTTPRoute */
	{ "route-unknown", HTTP R1 "    timeouts: 1s\n", "t.yaml:9:5: ",
	  "spec.http[0].timeouts: unknown field" },
	{ "route-mirror", HTTP R1 "    mirror: {host: b}\n", "t.yaml:9:5: ",
	  "spec.http[0].mirror: traffic mirroring is not supported" },
	{ "route-mirrors", HTTP R1 "    mirrors: [{destination: {host: b}}]\n", "t.yaml:9:5: ",
	  "spec.http[0].mirrors: traffic mirroring is not supported" },
	{ "route-mirrors-empty", HTTP "  - route: [{destination: {host: r}}]\n    mirrors: []\n"
				      "    mirror_percent: 5\n",
	  "t.yaml:10:5: ", "spec.http[0].mirror_percent: traffic mirroring is not supported" },
	{ "route-mirror-percent", HTTP R1 "    mirrorPercent: 5\n", "t.yaml:9:5: ",
	  "spec.http[0].mirrorPercent: traffic mirroring" },
	{ "route-mirror-percentage", HTTP R1 "    mirrorPercentage: {value: 5}\n", "t.yaml:9:5: ",
	  "spec.http[0].mirrorPercentage: traffic mirroring" },
	/* corsPolicy */
	{ "cors-unknown", HTTP R1 "    corsPolicy: {allowOrigins: [{exact: x}], origin: y}\n",
	  "t.yaml:9:46: ", "spec.http[0].corsPolicy.origin: unknown field" },
	{ "cors-not-map", HTTP R1 "    corsPolicy: [x]\n", "t.yaml:9:17: ",
	  "spec.http[0].corsPolicy: expected a mapping" },
	{ "cors-origin-any", HTTP R1 "    corsPolicy:\n      allowOrigins: [{exact: a}, {}]\n",
	  "t.yaml:10:34: ",
	  "spec.http[0].corsPolicy.allowOrigins[1]: an origin needs a non-empty exact, prefix or "
	  "regex" },
	{ "cors-origin-empty", HTTP R1 "    corsPolicy:\n      allowOrigins: [{prefix: ''}]\n",
	  "t.yaml:10:22: ", "spec.http[0].corsPolicy.allowOrigins[0]: an origin needs" },
	{ "cors-origin-regex", HTTP R1 "    corsPolicy:\n      allowOrigins: [{regex: 'a(b'}]\n",
	  "t.yaml:10:30: ", "spec.http[0].corsPolicy.allowOrigins[0].regex: " },
	{ "cors-origin-both", HTTP R1 "    corsPolicy:\n      allowOrigins: [{exact: a}]\n"
				      "      allowOrigin: [b]\n",
	  "t.yaml:11:7: ",
	  "spec.http[0].corsPolicy.allowOrigin: deprecated, and allowOrigins is set too" },
	{ "cors-method", HTTP R1 "    corsPolicy:\n      allowMethods: [GET, get]\n",
	  "t.yaml:10:27: ",
	  "spec.http[0].corsPolicy.allowMethods[1]: \"get\" is not an HTTP method (GET, " },
	{ "cors-header", HTTP R1 "    corsPolicy:\n      allowHeaders: [x-ok, 'x bad']\n",
	  "t.yaml:10:28: ",
	  "spec.http[0].corsPolicy.allowHeaders[1]: \"x bad\" is not a valid header name" },
	{ "cors-expose-seq", HTTP R1 "    corsPolicy:\n      exposeHeaders: x-a\n", "t.yaml:10:22: ",
	  "spec.http[0].corsPolicy.exposeHeaders: expected a sequence" },
	{ "cors-max-age-ms", HTTP R1 "    corsPolicy:\n      maxAge: 1500ms\n", "t.yaml:10:15: ",
	  "spec.http[0].corsPolicy.maxAge: max_age duration is accurate only to seconds precision" },
	{ "cors-max-age-bad", HTTP R1 "    corsPolicy:\n      maxAge: 10\n", "t.yaml:10:15: ",
	  "spec.http[0].corsPolicy.maxAge: " },
	{ "cors-credentials", HTTP R1 "    corsPolicy:\n      allowCredentials: yes\n",
	  "t.yaml:10:25: ", "spec.http[0].corsPolicy.allowCredentials: " },
	{ "cors-unmatched", HTTP R1 "    corsPolicy:\n      unmatchedPreflights: DROP\n",
	  "t.yaml:10:28: ",
	  "spec.http[0].corsPolicy.unmatchedPreflights: \"DROP\" is not a valid value (FORWARD, "
	  "IGNORE)" },
	{ "route-delegate", HTTP "  - delegate: {name: d}\n", "t.yaml:8:5: ",
	  "spec.http[0].delegate: delegating to other VirtualServices is not supported" },
	{ "route-direct", HTTP "  - directResponse: {status: 503}\n", "t.yaml:8:5: ",
	  "spec.http[0].directResponse: direct responses are not supported" },
	{ "route-nothing", HTTP "  - name: x\n", "t.yaml:8:5: ",
	  "spec.http[0]: a route needs route (destinations) or redirect" },
	{ "route-empty-route", HTTP "  - route: []\n", "t.yaml:8:5: ",
	  "spec.http[0]: a route needs route (destinations) or redirect" },
	{ "route-and-redirect", HTTP R1 "    redirect: {uri: /x}\n", "t.yaml:9:5: ",
	  "spec.http[0].redirect: a route cannot have both redirect and route" },
	{ "redirect-and-fault", HTTP "  - redirect: {uri: /x}\n    fault: {abort: {httpStatus: 500}}\n",
	  "t.yaml:8:5: ", "spec.http[0].redirect: a route cannot have both redirect and fault" },
	{ "redirect-and-rewrite", HTTP "  - redirect: {uri: /x}\n    rewrite: {uri: /y}\n",
	  "t.yaml:8:5: ", "spec.http[0].redirect: a route cannot have both redirect and rewrite" },
	{ "tls-route", VS "  http:\n" R1 "  tls: [{match: [{sniHosts: [a]}]}]\n", "t.yaml:9:3: ",
	  "spec.tls: TLS routes need the L7 proxy, not supported yet" },
	{ "http-map", VS "  http: {route: []}\n", "t.yaml:7:9: ",
	  "spec.http: expected a sequence, got a mapping" },
	{ "no-routes", VS "  http: []\n", "t.yaml:5:1: ", "spec.tcp: required (a VirtualService "
							  "needs http or tcp routes)" },

	/* destinations and weights */
	{ "dest-missing", HTTP "  - route: [{weight: 1}]\n", "t.yaml:8:13: ",
	  "spec.http[0].route[0].destination: required" },
	{ "dest-weights-zero",
	  HTTP "  - route:\n    - destination: {host: a}\n    - destination: {host: b}\n",
	  "t.yaml:9:5: ", "spec.http[0].route: total destination weight = 0" },
	{ "dest-weight-negative", HTTP "  - route: [{destination: {host: a}, weight: -5}]\n",
	  "t.yaml:8:46: ", "spec.http[0].route[0].weight: -5 is out of range (0-2147483647)" },
	{ "dest-host-wildcard", HTTP "  - route: [{destination: {host: \"*.a\"}}]\n",
	  "t.yaml:8:34: ", "spec.http[0].route[0].destination.host: wildcard hosts" },
	{ "dest-mirror-field", HTTP "  - route: [{destination: {host: a}, mirror: {}}]\n",
	  "t.yaml:8:38: ", "spec.http[0].route[0].mirror: unknown field" },

	/* match */
	{ "match-unknown", HTTP "  - match: [{path: {exact: /}}]\n    route: [{destination: {host: a}}]\n",
	  "t.yaml:8:14: ", "spec.http[0].match[0].path: unknown field" },
	{ "match-two-kinds",
	  HTTP "  - match: [{uri: {exact: /, prefix: /a}}]\n    route: [{destination: {host: a}}]\n",
	  "t.yaml:8:30: ",
	  "spec.http[0].match[0].uri.prefix: only one of exact, prefix and regex can be set" },
	{ "match-suffix",
	  HTTP "  - match: [{uri: {suffix: x}}]\n    route: [{destination: {host: a}}]\n",
	  "t.yaml:8:20: ", "spec.http[0].match[0].uri.suffix: unknown field" },
	{ "match-str", HTTP "  - match: [{uri: /a}]\n    route: [{destination: {host: a}}]\n",
	  "t.yaml:8:19: ", "spec.http[0].match[0].uri: expected a mapping, got a string" },
	{ "match-exact-int",
	  HTTP "  - match: [{headers: {x-v: {exact: 1}}}]\n    route: [{destination: {host: a}}]\n",
	  "t.yaml:8:37: ",
	  "spec.http[0].match[0].headers[\"x-v\"].exact: expected a string, got an integer" },
	{ "match-header-null",
	  HTTP "  - match: [{headers: {x-v: null}}]\n    route: [{destination: {host: a}}]\n",
	  "t.yaml:8:29: ", "spec.http[0].match[0].headers[\"x-v\"]: expected a mapping ({} for any" },
	{ "match-header-name",
	  HTTP "  - match: [{headers: {\"x v\": {}}}]\n    route: [{destination: {host: a}}]\n",
	  "t.yaml:8:24: ",
	  "spec.http[0].match[0].headers[\"x v\"]: \"x v\" is not a valid HTTP header name" },
	{ "match-header-uri",
	  HTTP "  - match: [{headers: {uri: {exact: /}}}]\n    route: [{destination: {host: a}}]\n",
	  "t.yaml:8:24: ",
	  "spec.http[0].match[0].headers[\"uri\"]: Istio ignores a header named \"uri\" here" },
	{ "match-header-jwt",
	  HTTP "  - match: [{headers: {\"@request.auth.claims.group\": {exact: a}}}]\n"
	       "    route: [{destination: {host: a}}]\n",
	  "t.yaml:8:24: ", "routing on JWT claims needs RequestAuthentication" },
	{ "match-without-pseudo",
	  HTTP "  - match: [{withoutHeaders: {\":status\": {}}}]\n"
	       "    route: [{destination: {host: a}}]\n",
	  "t.yaml:8:31: ", "\":status\" is not a valid HTTP header name" },
	{ "match-query-empty-name",
	  HTTP "  - match: [{queryParams: {\"\": {exact: a}}}]\n    route: [{destination: {host: a}}]\n",
	  "t.yaml:8:28: ",
	  "spec.http[0].match[0].queryParams[\"\"]: a query parameter name cannot be empty" },
	{ "match-bad-regex",
	  HTTP "  - match: [{queryParams: {q: {regex: \"(a\"}}}]\n"
	       "    route: [{destination: {host: a}}]\n",
	  "t.yaml:8:39: ",
	  "spec.http[0].match[0].queryParams[\"q\"].regex: \"(a\" is not a valid RE2 regular "
	  "expression: missing closing ) at byte 2" },
	{ "match-port", HTTP "  - match: [{port: 70000}]\n    route: [{destination: {host: a}}]\n",
	  "t.yaml:8:20: ", "spec.http[0].match[0].port: 70000 is out of range (0-65535)" },
	{ "match-gateway",
	  HTTP "  - match: [{gateways: [gw]}]\n    route: [{destination: {host: a}}]\n",
	  "t.yaml:8:25: ", "spec.http[0].match[0].gateways[0]: gateway \"gw\": ingress gateways" },
	{ "match-ns", HTTP "  - match: [{sourceNamespace: A}]\n    route: [{destination: {host: a}}]\n",
	  "t.yaml:8:31: ", "spec.http[0].match[0].sourceNamespace: \"A\" is not a DNS-1123 label" },
	{ "match-labels",
	  HTTP "  - match: [{sourceLabels: {app: \"a b\"}}]\n    route: [{destination: {host: a}}]\n",
	  "t.yaml:8:34: ", "spec.http[0].match[0].sourceLabels[\"app\"]: \"a b\" is not a valid label" },
	{ "match-ignore-case",
	  HTTP "  - match: [{ignoreUriCase: \"yes\"}]\n    route: [{destination: {host: a}}]\n",
	  "t.yaml:8:29: ", "spec.http[0].match[0].ignoreUriCase: expected a boolean" },

	/* redirect and rewrite */
	{ "redirect-empty", HTTP "  - redirect: {redirectCode: 302}\n", "t.yaml:8:15: ",
	  "spec.http[0].redirect: a redirect must set uri, authority, scheme or port" },
	{ "redirect-code", HTTP "  - redirect: {uri: /a, redirectCode: 200}\n", "t.yaml:8:39: ",
	  "spec.http[0].redirect.redirectCode: 200 is not a redirect code (300-399)" },
	{ "redirect-code-big", HTTP "  - redirect: {uri: /a, redirectCode: 400}\n", "t.yaml:8:39: ",
	  "spec.http[0].redirect.redirectCode: 400 is out of range (0-399)" },
	{ "redirect-scheme", HTTP "  - redirect: {scheme: ftp}\n", "t.yaml:8:24: ",
	  "spec.http[0].redirect.scheme: \"ftp\" is not a valid scheme (http, https)" },
	{ "redirect-both-ports", HTTP "  - redirect: {port: 80, derivePort: FROM_REQUEST_PORT}\n",
	  "t.yaml:8:26: ",
	  "spec.http[0].redirect.derivePort: port and derivePort cannot be used together" },
	{ "redirect-derive", HTTP "  - redirect: {derivePort: FROM_SOMEWHERE}\n", "t.yaml:8:28: ",
	  "spec.http[0].redirect.derivePort: \"FROM_SOMEWHERE\" is not a valid value" },
	{ "redirect-port-zero", HTTP "  - redirect: {port: 0}\n", "t.yaml:8:22: ",
	  "spec.http[0].redirect.port: 0 is out of range (1-65535)" },
	{ "rewrite-empty", HTTP R1 "    rewrite: {}\n", "t.yaml:9:14: ",
	  "spec.http[0].rewrite: a rewrite must set uri, uriRegexRewrite or authority" },
	{ "rewrite-both", HTTP R1 "    rewrite: {uri: /a, uriRegexRewrite: {match: a, rewrite: b}}\n",
	  "t.yaml:9:14: ", "spec.http[0].rewrite: uri and uriRegexRewrite cannot be used together" },
	{ "rewrite-regex-half", HTTP R1 "    rewrite: {uriRegexRewrite: {match: a}}\n",
	  "t.yaml:9:15: ", "spec.http[0].rewrite.uriRegexRewrite.rewrite: required" },
	{ "rewrite-regex-bad", HTTP R1 "    rewrite: {uriRegexRewrite: {match: \"a{2,1}\", rewrite: b}}\n",
	  "t.yaml:9:40: ", "spec.http[0].rewrite.uriRegexRewrite.match: \"a{2,1}\" is not a valid" },
	{ "rewrite-authority-twice",
	  HTTP R1 "    rewrite: {authority: a}\n    headers: {request: {set: {host: b}}}\n",
	  "t.yaml:10:24: ",
	  "spec.http[0].headers.request: the authority is rewritten twice (\"a\" and \"b\")" },

	/* headers */
	{ "headers-pseudo", HTTP R1 "    headers: {request: {set: {\":path\": /x}}}\n", "t.yaml:9:31: ",
	  "spec.http[0].headers.request.set[\":path\"]: \":path\": pseudo-headers (':') cannot be "
	  "changed" },
	{ "headers-remove-host", HTTP R1 "    headers: {request: {remove: [Host]}}\n", "t.yaml:9:34: ",
	  "spec.http[0].headers.request.remove[0]: the Host header cannot be changed here" },
	{ "headers-response-authority",
	  HTTP R1 "    headers: {response: {set: {\":authority\": x}}}\n", "t.yaml:9:32: ",
	  "spec.http[0].headers.response.set[\":authority\"]: \":authority\": pseudo-headers" },
	{ "headers-value-percent", HTTP R1 "    headers: {request: {add: {x-a: \"50%\"}}}\n",
	  "t.yaml:9:36: ",
	  "spec.http[0].headers.request.add[\"x-a\"]: \"50%\": an unclosed % variable" },
	{ "headers-value-var", HTTP R1 "    headers: {request: {add: {x-a: \"%START_TIME%%\"}}}\n",
	  "t.yaml:9:36: ", "an unclosed % variable" },
	{ "headers-value-ctl", HTTP R1 "    headers: {request: {add: {x-a: \"a\\nb\"}}}\n",
	  "t.yaml:9:36: ", "header values cannot hold control characters" },
	{ "headers-value-int", HTTP R1 "    headers: {request: {add: {x-a: 1}}}\n", "t.yaml:9:36: ",
	  "spec.http[0].headers.request.add[\"x-a\"]: expected a string, got an integer" },
	{ "headers-unknown", HTTP R1 "    headers: {request: {append: {}}}\n", "t.yaml:9:25: ",
	  "spec.http[0].headers.request.append: unknown field" },
	{ "dest-headers-bad",
	  HTTP "  - route: [{destination: {host: a}, headers: {response: {remove: [\"\"]}}}]\n",
	  "t.yaml:8:68: ", "spec.http[0].route[0].headers.response.remove[0]: \"\" is not a valid" },

	/* retries */
	{ "retry-remote", HTTP R1 "    retries: {attempts: 1, retryRemoteLocalities: true}\n",
	  "t.yaml:9:28: ",
	  "spec.http[0].retries.retryRemoteLocalities: retrying in other localities is not "
	  "supported" },
	{ "retry-negative", HTTP R1 "    retries: {attempts: -1}\n", "t.yaml:9:25: ",
	  "spec.http[0].retries.attempts: -1 is out of range (0-2147483647)" },
	{ "retry-zero-with", HTTP R1 "    retries: {perTryTimeout: 1s}\n", "t.yaml:9:14: ",
	  "spec.http[0].retries: perTryTimeout and retryOn need attempts > 0" },
	{ "retry-zero-on", HTTP R1 "    retries: {attempts: 0, retryOn: 5xx}\n", "t.yaml:9:14: ",
	  "perTryTimeout and retryOn need attempts > 0 (0 disables retries)" },
	{ "retry-per-try", HTTP R1 "    retries: {attempts: 1, perTryTimeout: 0.1ms}\n",
	  "t.yaml:9:43: ", "spec.http[0].retries.perTryTimeout: 0.1ms is too short" },
	{ "retry-on-list", HTTP R1 "    retries: {attempts: 1, retryOn: [5xx]}\n", "t.yaml:9:37: ",
	  "spec.http[0].retries.retryOn: expected a string, got a sequence" },
	{ "retry-ignore-hosts", HTTP R1 "    retries: {attempts: 1, retryIgnorePreviousHosts: 1}\n",
	  "t.yaml:9:54: ", "spec.http[0].retries.retryIgnorePreviousHosts: expected a boolean" },

	/* fault */
	{ "fault-empty", HTTP R1 "    fault: {}\n", "t.yaml:9:12: ",
	  "spec.http[0].fault: a fault needs a delay, an abort or both" },
	{ "fault-delay-missing", HTTP R1 "    fault: {delay: {percentage: {value: 1}}}\n",
	  "t.yaml:9:13: ", "spec.http[0].fault.delay.fixedDelay: required" },
	{ "fault-delay-exp", HTTP R1 "    fault: {delay: {exponentialDelay: 1s}}\n", "t.yaml:9:21: ",
	  "spec.http[0].fault.delay.exponentialDelay: exponential delays are not supported" },
	{ "fault-delay-both-pct",
	  HTTP R1 "    fault: {delay: {fixedDelay: 1s, percent: 5, percentage: {value: 5}}}\n",
	  "t.yaml:9:37: ",
	  "spec.http[0].fault.delay.percent: deprecated, and percentage is set too" },
	{ "fault-delay-percent", HTTP R1 "    fault: {delay: {fixedDelay: 1s, percent: 101}}\n",
	  "t.yaml:9:46: ", "spec.http[0].fault.delay.percent: 101 is out of range (0-100)" },
	{ "fault-abort-missing", HTTP R1 "    fault: {abort: {percentage: {value: 1}}}\n",
	  "t.yaml:9:13: ", "spec.http[0].fault.abort.httpStatus: required" },
	{ "fault-abort-grpc", HTTP R1 "    fault: {abort: {grpcStatus: UNAVAILABLE}}\n",
	  "t.yaml:9:21: ", "spec.http[0].fault.abort.grpcStatus: aborting with a gRPC status is not" },
	{ "fault-abort-http2", HTTP R1 "    fault: {abort: {http2Error: x}}\n", "t.yaml:9:21: ",
	  "spec.http[0].fault.abort.http2Error: aborting with an HTTP/2 error" },
	{ "fault-abort-status", HTTP R1 "    fault: {abort: {httpStatus: 600}}\n", "t.yaml:9:33: ",
	  "spec.http[0].fault.abort.httpStatus: 600 is out of range (200-599)" },
	{ "fault-abort-percent", HTTP R1 "    fault: {abort: {httpStatus: 500, percent: 5}}\n",
	  "t.yaml:9:38: ", "spec.http[0].fault.abort.percent: unknown field" },
	{ "fault-pct-range", HTTP R1 "    fault: {abort: {httpStatus: 500, percentage: {value: 100.5}}}\n",
	  "t.yaml:9:58: ",
	  "spec.http[0].fault.abort.percentage.value: 100.5 is neither 0 nor in the range "
	  "0.0001-100" },
	{ "fault-pct-negative",
	  HTTP R1 "    fault: {abort: {httpStatus: 500, percentage: {value: -1}}}\n", "t.yaml:9:58: ",
	  "-1 is neither 0 nor in the range 0.0001-100" },
	{ "fault-pct-tiny",
	  HTTP R1 "    fault: {abort: {httpStatus: 500, percentage: {value: 0.00001}}}\n",
	  "t.yaml:9:58: ", "0.00001 is neither 0 nor in the range" },
	{ "fault-pct-string",
	  HTTP R1 "    fault: {abort: {httpStatus: 500, percentage: {value: \"5\"}}}\n",
	  "t.yaml:9:58: ", "spec.http[0].fault.abort.percentage.value: expected a number, got a "
			   "string" },
	{ "fault-pct-inf", HTTP R1 "    fault: {abort: {httpStatus: 500, percentage: {value: .inf}}}\n",
	  "t.yaml:9:58: ", "expected a finite decimal number, got .inf" },
	{ "fault-pct-hex", HTTP R1 "    fault: {abort: {httpStatus: 500, percentage: {value: 0x10}}}\n",
	  "t.yaml:9:58: ", "expected a decimal number, got 0x10" },
	{ "fault-pct-key",
	  HTTP R1 "    fault: {abort: {httpStatus: 500, percentage: {percent: 5}}}\n",
	  "t.yaml:9:51: ", "spec.http[0].fault.abort.percentage.percent: unknown field" },

	/* DestinationRule L7 settings */
	{ "dr-cookie-unknown", TP "    loadBalancer: {consistentHash: {httpCookie: {name: a, max: 1}}}\n",
	  "t.yaml:8:59: ",
	  "spec.trafficPolicy.loadBalancer.consistentHash.httpCookie.max: unknown field" },
	{ "dr-cookie-ttl", TP "    loadBalancer: {consistentHash: {httpCookie: {name: a, ttl: 1x}}}\n",
	  "t.yaml:8:64: ", "httpCookie.ttl: \"1x\" is not a duration" },
	{ "dr-header-rewrite-alone",
	  TP "    loadBalancer: {consistentHash: {useSourceIp: true, "
	     "httpHeaderRegexRewrite: {match: a, rewrite: b}}}\n",
	  "t.yaml:8:56: ",
	  "spec.trafficPolicy.loadBalancer.consistentHash.httpHeaderRegexRewrite: applies only "
	  "with httpHeaderName" },
	{ "dr-header-cookie",
	  TP "    loadBalancer: {consistentHash: {httpHeaderName: a, httpCookie: {name: c}}}\n",
	  "t.yaml:8:56: ",
	  "spec.trafficPolicy.loadBalancer.consistentHash.httpCookie: only one hash key can be set" },
	{ "dr-http-pool-unknown", TP "    connectionPool: {http: {maxRequests: 1}}\n", "t.yaml:8:29: ",
	  "spec.trafficPolicy.connectionPool.http.maxRequests: unknown field" },
	{ "dr-http-pool-upgrade", TP "    connectionPool: {http: {h2UpgradePolicy: upgrade}}\n",
	  "t.yaml:8:46: ",
	  "spec.trafficPolicy.connectionPool.http.h2UpgradePolicy: \"upgrade\" is not a valid value" },
	{ "dr-http-pool-idle", TP "    connectionPool: {http: {idleTimeout: 0s}}\n", "t.yaml:8:42: ",
	  "spec.trafficPolicy.connectionPool.http.idleTimeout: 0s is too short" },
	{ "dr-keepalive-unknown", TP "    connectionPool: {tcp: {tcpKeepalive: {count: 1}}}\n",
	  "t.yaml:8:43: ",
	  "spec.trafficPolicy.connectionPool.tcp.tcpKeepalive.count: unknown field" },
	{ "dr-outlier-unknown", TP "    outlierDetection: {consecutive5xx: 1}\n", "t.yaml:8:24: ",
	  "spec.trafficPolicy.outlierDetection.consecutive5xx: unknown field" },
	{ "dr-outlier-local",
	  TP "    outlierDetection: {consecutiveLocalOriginFailures: 3}\n", "t.yaml:8:56: ",
	  "spec.trafficPolicy.outlierDetection.consecutiveLocalOriginFailures: needs "
	  "splitExternalLocalOriginErrors: true" },
	{ "dr-outlier-interval", TP "    outlierDetection: {interval: 0s}\n", "t.yaml:8:34: ",
	  "spec.trafficPolicy.outlierDetection.interval: 0s is too short" },
	{ "dr-outlier-min-health", TP "    outlierDetection: {minHealthPercent: -1}\n",
	  "t.yaml:8:42: ",
	  "spec.trafficPolicy.outlierDetection.minHealthPercent: -1 is out of range (0-100)" },
	{ "dr-outlier-5xx", TP "    outlierDetection: {consecutive5xxErrors: 4294967296}\n",
	  "t.yaml:8:46: ", "4294967296 is out of range (0-4294967295)" },
	{ "dr-subset-outlier",
	  DR "  subsets:\n  - name: v1\n    trafficPolicy: {outlierDetection: {interval: 1}}\n",
	  "t.yaml:9:50: ",
	  "spec.subsets[0].trafficPolicy.outlierDetection.interval: expected a string" },
	/* Still refused as before. */
	{ "dr-retry-budget", TP "    retryBudget: {percent: {value: 20}}\n", "t.yaml:8:5: ",
	  "spec.trafficPolicy.retryBudget: retry budgets" },
	{ "dr-warmup", TP "    loadBalancer: {warmup: {duration: 1s}}\n", "t.yaml:8:20: ",
	  "spec.trafficPolicy.loadBalancer.warmup: slow start (warmup) is not supported" },
	{ "dr-ring", TP "    loadBalancer: {consistentHash: {httpHeaderName: a, ringHash: {}}}\n",
	  "t.yaml:8:56: ", "consistentHash.ringHash: ring hash is not supported" },
};

static void test_bad_table(void **state)
{
	size_t i, failed = 0;

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *b = &bad_cases[i];
		struct sl_objects l = { 0 };
		char err[1024] = "";
		int r;

		/* Every case is run and every mismatch printed, then the test fails. */
		r = decode(b->in, &l, err, sizeof(err));
		if (r != -EINVAL) {
			print_error("%s: expected -EINVAL, got %d (%s)\n", b->name, r, err);
			failed++;
		} else if (strncmp(err, b->prefix, strlen(b->prefix)) || !strstr(err, b->says)) {
			print_error("%s: got \"%s\", want prefix \"%s\" and \"%s\"\n", b->name, err,
				    b->prefix, b->says);
			failed++;
		}
		assert_int_equal(l.n, 0);
		sl_objects_free(&l);
	}
	assert_int_equal(failed, 0);
}

/* ---- equality ---- */

static void test_equality(void **state)
{
	struct sl_objects a = { 0 }, b = { 0 };

	/* Map order carries no meaning; list order does. */
	decode_ok(HTTP "  - match: [{headers: {a: {exact: x}, b: {}}}]\n"
		       "    route: [{destination: {host: r}, headers: {request: {set: {x: \"1\", y: \"2\"}}}}]\n",
		  &a);
	decode_ok(HTTP "  - match: [{headers: {b: {}, a: {exact: x}}}]\n"
		       "    route: [{destination: {host: r}, headers: {request: {set: {y: \"2\", x: \"1\"}}}}]\n",
		  &b);
	assert_true(sl_object_equal(&a.v[0], &b.v[0]));
	sl_objects_free(&b);
	/* {} is not exact "". */
	decode_ok(HTTP "  - match: [{headers: {a: {exact: x}, b: {exact: \"\"}}}]\n"
		       "    route: [{destination: {host: r}, headers: {request: {set: {x: \"1\", y: \"2\"}}}}]\n",
		  &b);
	assert_false(sl_object_equal(&a.v[0], &b.v[0]));
	sl_objects_free(&b);
	/* retries absent is not retries: {attempts: 0}. */
	sl_objects_free(&a);
	decode_ok(HTTP R1, &a);
	decode_ok(HTTP R1 "    retries: {attempts: 0}\n", &b);
	assert_false(sl_object_equal(&a.v[0], &b.v[0]));
	sl_objects_free(&a);
	sl_objects_free(&b);
	/* The deprecated percent and percentage say the same. */
	decode_ok(HTTP R1 "    fault: {delay: {fixedDelay: 5s, percent: 10}}\n", &a);
	decode_ok(HTTP R1 "    fault: {delay: {fixedDelay: 5000ms, percentage: {value: 10.0}}}\n", &b);
	assert_true(sl_object_equal(&a.v[0], &b.v[0]));
	sl_objects_free(&a);
	sl_objects_free(&b);
	/* One DestinationRule setting changed at the port level. */
	decode_ok(TP "    portLevelSettings: [{port: {number: 1}, outlierDetection: {interval: 1s}}]\n",
		  &a);
	decode_ok(TP "    portLevelSettings: [{port: {number: 1}, outlierDetection: {interval: 2s}}]\n",
		  &b);
	assert_false(sl_object_equal(&a.v[0], &b.v[0]));
	sl_objects_free(&a);
	sl_objects_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bookinfo_all_v1),
		cmocka_unit_test(test_bookinfo_jason),
		cmocka_unit_test(test_bookinfo_weights),
		cmocka_unit_test(test_bookinfo_ratings_faults),
		cmocka_unit_test(test_bookinfo_details_fault),
		cmocka_unit_test(test_bookinfo_destination_rules),
		cmocka_unit_test(test_http_full),
		cmocka_unit_test(test_dr_full),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_regex),
		cmocka_unit_test(test_retry_on),
		cmocka_unit_test(test_missing_vs_empty),
		cmocka_unit_test(test_cors),
		cmocka_unit_test(test_bad_table),
		cmocka_unit_test(test_equality),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
