// SPDX-License-Identifier: Apache-2.0
/* sluice-proxy http routing: VirtualService matches, weighted destinations and subsets,
 * rewrites and redirects, header operations, regexes, faults. */
#include <arpa/inet.h>
#include <errno.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "model/objects.h"
#include "proxy/fault.h"
#include "proxy/head_edit.h"
#include "proxy/regex.h"
#include "proxy/rewrite.h"
#include "proxy/route.h"
#include "proxy/route_match.h"
#include "proxy/snapshot.h"
#include "proxy/stats-t.h"

/* reviews with v1 (10.244.1.11), v2 (.12), v3 (.13) pods; a client pod c in ns
 * shop labelled app=productpage at 10.244.1.99. */
static const char base[] =
	"apiVersion: v1\nkind: Service\nmetadata: {name: reviews, namespace: shop}\n"
	"spec: {clusterIP: 10.96.0.10, ports: [{name: http, port: 9080}, {name: alt, port: 9090}]}\n"
	"---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n"
	"metadata: {name: r, namespace: shop, labels: {kubernetes.io/service-name: reviews}}\n"
	"addressType: IPv4\nports: [{name: http, port: 9080}, {name: alt, port: 9090}]\n"
	"endpoints:\n"
	"- {addresses: [10.244.1.11], targetRef: {kind: Pod, name: r1, namespace: shop}}\n"
	"- {addresses: [10.244.1.12], targetRef: {kind: Pod, name: r2, namespace: shop}}\n"
	"- {addresses: [10.244.1.13], targetRef: {kind: Pod, name: r3, namespace: shop}}\n"
	"---\napiVersion: v1\nkind: Pod\nmetadata: {name: r1, namespace: shop, labels: {version: v1}}\n"
	"spec: {nodeName: node1}\nstatus: {podIP: 10.244.1.11}\n"
	"---\napiVersion: v1\nkind: Pod\nmetadata: {name: r2, namespace: shop, labels: {version: v2}}\n"
	"spec: {nodeName: node1}\nstatus: {podIP: 10.244.1.12}\n"
	"---\napiVersion: v1\nkind: Pod\nmetadata: {name: r3, namespace: shop, labels: {version: v3}}\n"
	"spec: {nodeName: node1}\nstatus: {podIP: 10.244.1.13}\n"
	"---\napiVersion: v1\nkind: Pod\nmetadata: {name: c, namespace: shop, labels: {app: productpage}}\n"
	"spec: {nodeName: node1}\nstatus: {podIP: 10.244.1.99}\n"
	"---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\n"
	"metadata: {name: reviews, namespace: shop}\nspec:\n  host: reviews\n  subsets:\n"
	"  - {name: v1, labels: {version: v1}}\n  - {name: v2, labels: {version: v2}}\n"
	"  - {name: v3, labels: {version: v3}}\n---\n";

static struct px_snapshot *build_vs(const char *vs_spec)
{
	static char yaml[8192];
	struct px_snapshot *s;
	char err[512] = "";

	snprintf(yaml, sizeof(yaml),
		 "%sapiVersion: networking.istio.io/v1\nkind: VirtualService\n"
		 "metadata: {name: reviews, namespace: shop}\nspec:\n  hosts: [reviews]\n%s",
		 base, vs_spec);
	if (px_snapshot_build("t.yaml", yaml, strlen(yaml), "node1", 1, &s, err, sizeof(err)))
		fail_msg("%s", err);
	return s;
}

static int build_err(const char *vs_spec, char *err, size_t len)
{
	static char yaml[8192];
	struct px_snapshot *s = NULL;
	int ret;

	snprintf(yaml, sizeof(yaml),
		 "%sapiVersion: networking.istio.io/v1\nkind: VirtualService\n"
		 "metadata: {name: reviews, namespace: shop}\nspec:\n  hosts: [reviews]\n%s",
		 base, vs_spec);
	ret = px_snapshot_build("t.yaml", yaml, strlen(yaml), "node1", 1, &s, err, len);
	px_snapshot_put(s);
	return ret;
}

static struct sl_str S(const char *s) {
	return (struct sl_str){ s, strlen(s) };
}

struct req {
	struct sl_http_msg m;
	struct sl_http_field f[8];
};

/* A request: method, path, then pairs of header name and value, NULL-terminated. */
static void mkreq(struct req *r, const char *method, const char *path, ...)
{
	va_list ap;
	const char *n;

	memset(r, 0, sizeof(*r));
	r->m.method_name = S(method);
	r->m.path = S(path);
	r->m.authority = S("reviews:9080");
	r->m.fields = r->f;
	va_start(ap, path);
	while ((n = va_arg(ap, const char *))) {
		r->f[r->m.nfields].name = S(n);
		r->f[r->m.nfields++].value = S(va_arg(ap, const char *));
	}
	va_end(ap);
}

static struct sl_ip ip(const char *s)
{
	struct sl_ip a;

	assert_int_equal(sl_ip_parse(s, &a), 0);
	return a;
}

/* The last octet of the endpoint a request goes to (11, 12, 13), or -errno. */
static int pick(struct px_snapshot *s, const struct req *r, const char *client, uint16_t port)
{
	struct sl_ip vip = ip("10.96.0.10"), c = ip(client);
	struct px_route out;
	int ret = px_route_pick(s, &vip, port, &c, &r->m, 0, &out);

	return ret ? (ret > 0 ? 1000 + ret : ret) : out.ep.addr[15];
}

static void t_header_match_jason(void **state)
{
	struct px_snapshot *s =
		build_vs("  http:\n  - match: [{headers: {end-user: {exact: jason}}}]\n"
			 "    route: [{destination: {host: reviews, subset: v2}}]\n"
			 "  - route: [{destination: {host: reviews, subset: v3}}]\n");
	struct req r;

	mkreq(&r, "GET", "/reviews/1", "End-User", "jason", NULL);
	assert_int_equal(pick(s, &r, "10.244.1.99", 9080), 12);
	mkreq(&r, "GET", "/reviews/1", "end-user", "mary", NULL);
	assert_int_equal(pick(s, &r, "10.244.1.99", 9080), 13);
	mkreq(&r, "GET", "/reviews/1", NULL);
	assert_int_equal(pick(s, &r, "10.244.1.99", 9080), 13);
	px_snapshot_put(s);
}

static void t_match_kinds(void **state)
{
	struct px_snapshot *s = build_vs(
		"  http:\n"
		"  - match: [{uri: {exact: /exact}, ignoreUriCase: true}]\n"
		"    route: [{destination: {host: reviews, subset: v1}}]\n"
		"  - match: [{uri: {regex: '/r/[a-z]+\\d{2}'}}]\n"
		"    route: [{destination: {host: reviews, subset: v2}}]\n"
		"  - match: [{method: {exact: POST}, uri: {prefix: /p}}, {queryParams: {q: {prefix: ab}}}]\n"
		"    route: [{destination: {host: reviews, subset: v3}}]\n"
		"  - match: [{headers: {x-any: {}}, withoutHeaders: {x-no: {exact: '1'}}}]\n"
		"    route: [{destination: {host: reviews, subset: v1}}]\n"
		"  - match: [{port: 9090}]\n"
		"    route: [{destination: {host: reviews, subset: v2}}]\n"
		"  - match: [{sourceLabels: {app: productpage}, sourceNamespace: shop}]\n"
		"    route: [{destination: {host: reviews, subset: v3}}]\n"
		"  - match: [{authority: {prefix: other}, scheme: {exact: http}}]\n"
		"    route: [{destination: {host: reviews, subset: v1}}]\n");
	struct req r;

	mkreq(&r, "GET", "/EXACT?x=1", NULL); /* exact: without the query, any case */
	assert_int_equal(pick(s, &r, "10.244.2.1", 9080), 11);
	mkreq(&r, "GET", "/exact/more", NULL);
	assert_int_equal(pick(s, &r, "10.244.2.1", 9080), -ENOMSG);
	mkreq(&r, "GET", "/r/abc12", NULL);
	assert_int_equal(pick(s, &r, "10.244.2.1", 9080), 12);
	mkreq(&r, "GET", "/r/abc123", NULL); /* a full match only */
	assert_int_equal(pick(s, &r, "10.244.2.1", 9080), -ENOMSG);
	mkreq(&r, "POST", "/p/x", NULL);
	assert_int_equal(pick(s, &r, "10.244.2.1", 9080), 13);
	mkreq(&r, "GET", "/p/x", NULL); /* AND within a match */
	assert_int_equal(pick(s, &r, "10.244.2.1", 9080), -ENOMSG);
	mkreq(&r, "GET", "/z?a=1&q=abc", NULL); /* OR between matches */
	assert_int_equal(pick(s, &r, "10.244.2.1", 9080), 13);
	mkreq(&r, "GET", "/z", "X-Any", "", NULL);
	assert_int_equal(pick(s, &r, "10.244.2.1", 9080), 11);
	mkreq(&r, "GET", "/z", "x-any", "v", "x-no", "1", NULL);
	assert_int_equal(pick(s, &r, "10.244.2.1", 9080), -ENOMSG);
	mkreq(&r, "GET", "/z", NULL);
	assert_int_equal(pick(s, &r, "10.244.2.1", 9090), 12);
	assert_int_equal(pick(s, &r, "10.244.1.99", 9080), 13);
	r.m.authority = S("other.example");
	assert_int_equal(pick(s, &r, "10.244.2.1", 9080), 11);
	px_snapshot_put(s);
}

static void t_precedence_first_wins(void **state)
{
	struct px_snapshot *s =
		build_vs("  http:\n  - match: [{uri: {prefix: /a}}]\n"
			 "    route: [{destination: {host: reviews, subset: v1}}]\n"
			 "  - match: [{uri: {prefix: /a/b}}]\n"
			 "    route: [{destination: {host: reviews, subset: v2}}]\n");
	struct req r;

	mkreq(&r, "GET", "/a/b/c", NULL);
	assert_int_equal(pick(s, &r, "10.244.2.1", 9080), 11);
	mkreq(&r, "GET", "/A/b/c", NULL); /* case-sensitive without ignoreUriCase */
	assert_int_equal(pick(s, &r, "10.244.2.1", 9080), -ENOMSG);
	px_snapshot_put(s);
}

static void t_weighted_distribution(void **state)
{
	struct px_snapshot *s =
		build_vs("  http:\n  - route:\n"
			 "    - {destination: {host: reviews, subset: v1}, weight: 90}\n"
			 "    - {destination: {host: reviews, subset: v2}, weight: 10}\n");
	struct sl_ip vip = ip("10.96.0.10");
	uint32_t seed = 12345, n11 = 0, n12 = 0;
	uint32_t w[3] = { 1, 0, 3 };
	struct px_route out;
	char cl[128];
	struct req r;

	mkreq(&r, "GET", "/", NULL);
	for (int i = 0; i < 10000; i++) {
		seed = seed * 1664525u + 1013904223u; /* fixed LCG: reproducible */
		assert_int_equal(px_route_pick(s, &vip, 9080, NULL, &r.m, seed, &out), 0);
		n11 += out.ep.addr[15] == 11;
		n12 += out.ep.addr[15] == 12;
	}
	assert_int_equal(n11 + n12, 10000);
	assert_true(n11 > 8800 && n11 < 9200);
	/* Relative weights: 1:0:3; a zero weight never wins. */
	assert_int_equal(px_route_weighted(w, 3, 0), 0);
	assert_int_equal(px_route_weighted(w, 3, 0x3fffffff), 0);
	assert_int_equal(px_route_weighted(w, 3, 0x40000000), 2);
	assert_int_equal(px_route_weighted(w, 3, 0xffffffff), 2);
	assert_string_equal(px_route_cluster(out.dest, cl, sizeof(cl)),
			    out.ep.addr[15] == 11
				    ? "outbound|9080|v1|reviews.shop.svc.cluster.local"
				    : "outbound|9080|v2|reviews.shop.svc.cluster.local");
	px_snapshot_put(s);
}

static void t_redirect_and_rewrite(void **state)
{
	struct px_snapshot *s = build_vs(
		"  http:\n  - match: [{uri: {prefix: /old}}]\n"
		"    redirect: {uri: /new, authority: b.example, port: 8443, scheme: https,"
		" redirectCode: 308}\n"
		"  - match: [{uri: {prefix: /api/v1/}}]\n    rewrite: {uri: /v2/}\n"
		"    route: [{destination: {host: reviews, port: {number: 9090}}}]\n"
		"  - match: [{uri: {exact: /e}}]\n    rewrite: {uri: /full}\n"
		"    route: [{destination: {host: reviews}}]\n");
	struct sl_ip vip = ip("10.96.0.10");
	struct px_route out;
	char buf[256];
	struct req r;

	mkreq(&r, "GET", "/old/x?k=v", NULL);
	assert_int_equal(px_route_pick(s, &vip, 9080, NULL, &r.m, 0, &out), PX_ROUTE_REDIRECT);
	assert_int_equal(px_redirect_status(&out.http->redirect), 308);
	px_redirect_location(&out.http->redirect, &r.m, 9080, buf, sizeof(buf));
	assert_string_equal(buf, "https://b.example:8443/new?k=v");

	mkreq(&r, "GET", "/api/v1/items?x=1", NULL);
	assert_int_equal(px_route_pick(s, &vip, 9080, NULL, &r.m, 0, &out), 0);
	assert_int_equal(out.ep.port, 9090); /* destination.port */
	assert_int_equal(px_rewrite_target(out.http, out.match, r.m.path, buf, sizeof(buf)), 13);
	assert_string_equal(buf, "/v2/items?x=1");

	mkreq(&r, "GET", "/e?q", NULL);
	assert_int_equal(px_route_pick(s, &vip, 9080, NULL, &r.m, 0, &out), 0);
	px_rewrite_target(out.http, out.match, r.m.path, buf, sizeof(buf));
	assert_string_equal(buf, "/full?q");
	px_snapshot_put(s);
}

static void t_header_ops(void **state)
{
	struct sl_label set_r[] = { { "x-a", "route" } }, add_r[] = { { "x-b", "2" } };
	struct sl_label set_d[] = { { "x-a", "dest" }, { "x-c", "3" } };
	char *rm[] = { "x-drop" };
	struct sl_header_ops dest = { .set = set_d, .nset = 2 };
	struct sl_header_ops route = {
		.set = set_r, .nset = 1, .add = add_r, .nadd = 1, .remove = rm, .nremove = 1
	};
	struct px_head_edit e = { .target = S("/new"), .host = S("h2"), .ops = { &dest, &route } };
	char buf[512] = "GET /old HTTP/1.1\r\nHost: h1\r\nX-Drop: 1\r\nx-a: client\r\n"
			"x-b: 1\r\n\r\n";
	size_t len = strlen(buf);

	assert_int_equal(px_head_edit(buf, &len, sizeof(buf), &e), 0);
	buf[len] = '\0';
	assert_string_equal(buf, "GET /new HTTP/1.1\r\nhost: h2\r\nx-b: 1\r\nx-c: 3\r\n"
				 "x-a: route\r\nx-b: 2\r\n\r\n");
	len = strlen(buf);
	assert_int_equal(px_head_edit(buf, &len, len + 3, &e), -ENOSPC);
}

/* Empty operation sets and no rewrite: the head is left as it is (no pass is made);
 * a Host rewrite alone still edits it. */
static void t_empty_edit_keeps_the_head(void **state)
{
	struct sl_header_ops none = { 0 };
	struct px_head_edit e = { .ops = { &none, &none } };
	char buf[64] = "GET /a HTTP/1.1\r\nHost: h\r\n\r\n";
	size_t len = strlen(buf);

	assert_int_equal(px_head_edit(buf, &len, len, &e), 0);
	assert_int_equal(len, strlen(buf));
	assert_string_equal(buf, "GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
	e.ops[1] = NULL;
	e.host = S("other");
	assert_int_equal(px_head_edit(buf, &len, sizeof(buf), &e), 0);
	buf[len] = '\0';
	assert_string_equal(buf, "GET /a HTTP/1.1\r\nhost: other\r\n\r\n");
}

static void t_regex_translation(void **state)
{
	char out[256], why[128];
	regex_t re;

	assert_int_equal(
		px_regex_translate("a\\d+(?:x|y)*?\\.[\\w-]", out, sizeof(out), why, sizeof(why)),
		0);
	assert_string_equal(out, "^(a[0-9]+(x|y)*\\.[0-9A-Za-z_-])$");
	assert_int_equal(px_regex_translate("\\bword", out, sizeof(out), why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "\\b"));
	assert_int_equal(px_regex_translate("(?i)abc", out, sizeof(out), why, sizeof(why)),
			 -EINVAL);
	assert_int_equal(px_regex_translate("a{,3}", out, sizeof(out), why, sizeof(why)), -EINVAL);
	assert_int_equal(px_regex_compile("v[12]|beta", &re, why, sizeof(why)), 0);
	assert_int_equal(regexec(&re, "v2", 0, NULL, 0), 0);
	assert_int_equal(regexec(&re, "v2x", 0, NULL, 0), REG_NOMATCH);
	assert_int_equal(regexec(&re, "beta", 0, NULL, 0), 0);
	regfree(&re);
}

static void t_refused_by_name(void **state)
{
	char err[512];

	assert_int_equal(build_err("  http:\n  - match: [{uri: {regex: '\\bx'}}]\n"
				   "    route: [{destination: {host: reviews}}]\n",
				   err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "t.yaml:"));
	assert_non_null(
		strstr(err, "VirtualService shop/reviews: spec.http[0].match[0].uri: regex"));
	assert_int_equal(
		build_err("  http:\n  - route: [{destination: {host: reviews}}]\n"
			  "    headers: {request: {set: {x-a: '%DOWNSTREAM_REMOTE_ADDRESS%'}}}\n",
			  err, sizeof(err)),
		-EINVAL);
	assert_non_null(strstr(err, "spec.http[0].headers.request.set.x-a"));
}

static void t_fault_decisions(void **state)
{
	struct sl_http_fault f = { .set = true,
				   .delay_set = true,
				   .delay_ns = 7000000000ull,
				   .delay_pct = { true, 100 },
				   .abort_set = true,
				   .abort_status = 500,
				   .abort_pct = { true, 50 } };
	struct px_fault r = px_fault_decide(&f, 0xffffffff, 0x7fffffff);
	struct sl_percent unset = { 0 };

	assert_int_equal(r.delay_ms, 7000);
	assert_int_equal(r.abort_status, 500);
	r = px_fault_decide(&f, 0, 0x80000000);
	assert_int_equal(r.abort_status, 0);
	assert_false(px_fault_hit(&unset, 0)); /* not written: 0% */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_header_match_jason),
		cmocka_unit_test(t_match_kinds),
		cmocka_unit_test(t_precedence_first_wins),
		cmocka_unit_test(t_weighted_distribution),
		cmocka_unit_test(t_redirect_and_rewrite),
		cmocka_unit_test(t_header_ops),
		cmocka_unit_test(t_empty_edit_keeps_the_head),
		cmocka_unit_test(t_regex_translation),
		cmocka_unit_test(t_refused_by_name),
		cmocka_unit_test(t_fault_decisions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
