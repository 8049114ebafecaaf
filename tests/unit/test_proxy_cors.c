// SPDX-License-Identifier: Apache-2.0
/* sluice-proxy corsPolicy (cors.h): origin matching, preflight and actual request
 * verdicts, the fields they add, on policies decoded and compiled into a snapshot. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "model/objects.h"
#include "proxy/cors.h"
#include "proxy/head_edit.h"
#include "proxy/route.h"
#include "proxy/snapshot.h"

static const char base[] =
	"apiVersion: v1\nkind: Service\nmetadata: {name: reviews, namespace: shop}\n"
	"spec: {clusterIP: 10.96.0.10, ports: [{name: http, port: 9080}]}\n"
	"---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n"
	"metadata: {name: r, namespace: shop, labels: {kubernetes.io/service-name: reviews}}\n"
	"addressType: IPv4\nports: [{name: http, port: 9080}]\n"
	"endpoints:\n- {addresses: [10.244.1.11]}\n"
	"---\napiVersion: networking.istio.io/v1\nkind: VirtualService\n"
	"metadata: {name: reviews, namespace: shop}\nspec:\n  hosts: [reviews]\n"
	"  http:\n  - route: [{destination: {host: reviews}}]\n    corsPolicy:\n";

static int build(const char *cors, struct px_snapshot **s, char *err, size_t len)
{
	static char yaml[8192];

	snprintf(yaml, sizeof(yaml), "%s%s", base, cors);
	*s = NULL;
	return px_snapshot_build("t.yaml", yaml, strlen(yaml), "node1", 1, s, err, len);
}

static struct sl_str S(const char *s)
{
	return (struct sl_str){ s, strlen(s) };
}

struct req {
	struct sl_http_msg m;
	struct sl_http_field f[8];
};

/* method, then pairs of header name and value, NULL-terminated. */
static void mkreq(struct req *r, enum sl_http_method method, ...)
{
	va_list ap;
	const char *n;

	memset(r, 0, sizeof(*r));
	r->m.method = method;
	r->m.method_name = S(method == SL_HTTP_OPTIONS ? "OPTIONS" : "GET");
	r->m.path = S("/");
	r->m.authority = S("reviews:9080");
	r->m.fields = r->f;
	va_start(ap, method);
	while ((n = va_arg(ap, const char *))) {
		r->f[r->m.nfields].name = S(n);
		r->f[r->m.nfields++].value = S(va_arg(ap, const char *));
	}
	va_end(ap);
}

/* The route's policy, through the proxy's own routing. */
static const struct sl_http_cors *policy(const struct px_snapshot *s)
{
	struct sl_ip vip, c;
	struct px_route out;
	struct req r;

	mkreq(&r, SL_HTTP_GET, NULL);
	assert_int_equal(sl_ip_parse("10.96.0.10", &vip), 0);
	assert_int_equal(sl_ip_parse("10.244.1.99", &c), 0);
	assert_int_equal(px_route_pick(s, &vip, 9080, &c, &r.m, 0, &out), 0);
	assert_non_null(out.http);
	assert_true(out.http->cors.set);
	return &out.http->cors;
}

static const char *field(const struct px_cors_ops *o, const char *name)
{
	for (size_t i = 0; i < o->ops.nset; i++)
		if (!strcmp(o->ops.set[i].key, name))
			return o->ops.set[i].value;
	return NULL;
}

static const char full[] =
	"      allowOrigins: [{exact: 'https://a.example'}, {prefix: 'https://b.'},\n"
	"                     {regex: 'https://[a-z]+\\.c\\.example'}]\n"
	"      allowMethods: [GET, POST]\n      allowHeaders: [x-a, x-b]\n"
	"      exposeHeaders: [x-e, x-f]\n      maxAge: 1h\n      allowCredentials: true\n";

static void t_origins(void **state)
{
	struct px_snapshot *s;
	const struct sl_http_cors *cp;
	char err[512];

	(void)state;
	if (build(full, &s, err, sizeof(err)))
		fail_msg("%s", err);
	cp = policy(s);
	assert_true(px_cors_origin_allowed(s, cp, S("https://a.example")));
	assert_false(px_cors_origin_allowed(s, cp, S("https://a.example.evil")));
	assert_false(px_cors_origin_allowed(s, cp, S("HTTPS://A.EXAMPLE"))); /* case matters */
	assert_true(px_cors_origin_allowed(s, cp, S("https://b.anything")));
	assert_true(px_cors_origin_allowed(s, cp, S("https://xyz.c.example")));
	assert_false(px_cors_origin_allowed(s, cp, S("https://xyz.c.example.org"))); /* full */
	assert_false(px_cors_origin_allowed(s, cp, S("https://x1.c.example")));
	px_snapshot_put(s);

	/* An exact "*" allows any origin (Envoy matches each entry against "*" too). */
	if (build("      allowOrigin: ['*']\n", &s, err, sizeof(err)))
		fail_msg("%s", err);
	assert_true(px_cors_origin_allowed(s, policy(s), S("http://anything:8080")));
	px_snapshot_put(s);

	/* No origins: none allowed. */
	if (build("      allowMethods: [GET]\n", &s, err, sizeof(err)))
		fail_msg("%s", err);
	assert_false(px_cors_origin_allowed(s, policy(s), S("https://a.example")));
	px_snapshot_put(s);
}

static void t_verdicts_and_fields(void **state)
{
	struct px_snapshot *s;
	const struct sl_http_cors *cp;
	struct px_cors st;
	struct px_cors_ops o;
	struct req r;
	char err[512];

	(void)state;
	if (build(full, &s, err, sizeof(err)))
		fail_msg("%s", err);
	cp = policy(s);

	/* A preflight from an allowed origin: answered, with every configured field. */
	mkreq(&r, SL_HTTP_OPTIONS, "Origin", "https://a.example", "Access-Control-Request-Method",
	      "POST", NULL);
	px_cors_request(s, cp, &r.m, &st);
	assert_int_equal(st.verdict, PX_CORS_PREFLIGHT);
	assert_true(st.allowed);
	px_cors_preflight_ops(cp, &st, &r.m, &o);
	assert_int_equal(o.ops.nset, 5);
	assert_string_equal(field(&o, "access-control-allow-origin"), "https://a.example");
	assert_string_equal(field(&o, "access-control-allow-methods"), "GET,POST");
	assert_string_equal(field(&o, "access-control-allow-headers"), "x-a,x-b");
	assert_string_equal(field(&o, "access-control-max-age"), "3600");
	assert_string_equal(field(&o, "access-control-allow-credentials"), "true");

	/* A preflight from another origin is forwarded untouched (FORWARD). */
	mkreq(&r, SL_HTTP_OPTIONS, "origin", "https://z.example", "access-control-request-method",
	      "GET", NULL);
	px_cors_request(s, cp, &r.m, &st);
	assert_int_equal(st.verdict, PX_CORS_NONE);

	/* OPTIONS without Access-Control-Request-Method is not a preflight. */
	mkreq(&r, SL_HTTP_OPTIONS, "origin", "https://a.example", NULL);
	px_cors_request(s, cp, &r.m, &st);
	assert_int_equal(st.verdict, PX_CORS_ACTUAL);

	/* An actual request from an allowed origin: its response gets three fields. */
	mkreq(&r, SL_HTTP_GET, "origin", "https://b.x", NULL);
	px_cors_request(s, cp, &r.m, &st);
	assert_int_equal(st.verdict, PX_CORS_ACTUAL);
	px_cors_response_ops(cp, &st, &o);
	assert_int_equal(o.ops.nset, 3);
	assert_string_equal(field(&o, "access-control-allow-origin"), "https://b.x");
	assert_string_equal(field(&o, "access-control-expose-headers"), "x-e,x-f");
	assert_string_equal(field(&o, "access-control-allow-credentials"), "true");

	/* No Origin, an empty one, or one not allowed: nothing. */
	mkreq(&r, SL_HTTP_GET, NULL);
	px_cors_request(s, cp, &r.m, &st);
	assert_int_equal(st.verdict, PX_CORS_NONE);
	mkreq(&r, SL_HTTP_GET, "origin", "", NULL);
	px_cors_request(s, cp, &r.m, &st);
	assert_int_equal(st.verdict, PX_CORS_NONE);
	mkreq(&r, SL_HTTP_GET, "origin", "https://z.example", NULL);
	px_cors_request(s, cp, &r.m, &st);
	assert_int_equal(st.verdict, PX_CORS_NONE);
	px_snapshot_put(s);
}

static void t_ignore_and_wildcards(void **state)
{
	struct px_snapshot *s;
	const struct sl_http_cors *cp;
	struct px_cors st;
	struct px_cors_ops o;
	struct req r;
	char err[512];

	(void)state;
	if (build("      allowOrigins: [{exact: 'https://a.example'}]\n"
		  "      allowMethods: ['*']\n      allowHeaders: ['*']\n"
		  "      unmatchedPreflights: IGNORE\n",
		  &s, err, sizeof(err)))
		fail_msg("%s", err);
	cp = policy(s);

	/* "*" echoes what the preflight asks for. */
	mkreq(&r, SL_HTTP_OPTIONS, "origin", "https://a.example", "access-control-request-method",
	      "PUT", "access-control-request-headers", "x-one, x-two", NULL);
	px_cors_request(s, cp, &r.m, &st);
	assert_int_equal(st.verdict, PX_CORS_PREFLIGHT);
	px_cors_preflight_ops(cp, &st, &r.m, &o);
	assert_string_equal(field(&o, "access-control-allow-methods"), "PUT");
	assert_string_equal(field(&o, "access-control-allow-headers"), "x-one, x-two");
	assert_null(field(&o, "access-control-allow-credentials"));
	assert_null(field(&o, "access-control-max-age"));

	/* IGNORE: a preflight from another origin is answered, without Allow-Origin. */
	mkreq(&r, SL_HTTP_OPTIONS, "origin", "https://z.example", "access-control-request-method",
	      "PUT", NULL);
	px_cors_request(s, cp, &r.m, &st);
	assert_int_equal(st.verdict, PX_CORS_PREFLIGHT);
	assert_false(st.allowed);
	px_cors_preflight_ops(cp, &st, &r.m, &o);
	assert_null(field(&o, "access-control-allow-origin"));
	assert_string_equal(field(&o, "access-control-allow-methods"), "PUT");
	px_snapshot_put(s);
}

/* The response fields replace what the destination sent (head_edit.h `set`). */
static void t_response_edit(void **state)
{
	static const char head[] = "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n"
				   "Access-Control-Allow-Origin: *\r\n\r\n";
	struct sl_http_cors cp = { .set = true, .expose_headers = "x-e" };
	struct px_cors st = { .verdict = PX_CORS_ACTUAL, .allowed = true };
	struct px_cors_ops o;
	struct px_head_edit e = { 0 };
	char buf[512];
	size_t len = sizeof(head) - 1;

	(void)state;
	strcpy(st.origin, "https://a.example");
	px_cors_response_ops(&cp, &st, &o);
	e.ops[0] = &o.ops;
	memcpy(buf, head, len);
	assert_int_equal(px_head_edit(buf, &len, sizeof(buf), &e), 0);
	buf[len] = '\0';
	assert_string_equal(buf, "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n"
				 "access-control-allow-origin: https://a.example\r\n"
				 "access-control-expose-headers: x-e\r\n\r\n");
}

/* An origin regex sluice-proxy cannot match is refused with the snapshot. */
static void t_regex_refused(void **state)
{
	struct px_snapshot *s;
	char err[512] = "";

	(void)state;
	assert_int_equal(build("      allowOrigins: [{regex: 'https://\\bx'}]\n", &s, err,
			       sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "spec.http[0].corsPolicy.allowOrigins[0]: regex"));
	px_snapshot_put(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_origins),
		cmocka_unit_test(t_verdicts_and_fields),
		cmocka_unit_test(t_ignore_and_wildcards),
		cmocka_unit_test(t_response_edit),
		cmocka_unit_test(t_regex_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
