// SPDX-License-Identifier: Apache-2.0
/* sluice-proxy's destination limits (http2MaxRequests, maxRetries beside maxConnections),
 * retry backoff bounds, uriRegexRewrite (captures, every match, the query kept) and the
 * connectionPool and rewrite settings now taken or still refused. */
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
#include "proxy/conn-t.h"
#include "proxy/conn_limit.h"
#include "proxy/regex.h"
#include "proxy/retry.h"
#include "proxy/rewrite.h"
#include "proxy/snapshot.h"
#include "proxy/worker-t.h"

static const char svc[] =
	"apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: d}\n"
	"spec: {clusterIP: 10.96.0.10, ports: [{port: 80}]}\n---\n"
	"apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n"
	"metadata: {name: s, namespace: d, labels: {kubernetes.io/service-name: s}}\n"
	"addressType: IPv4\nports: [{port: 80}]\n"
	"endpoints: [{addresses: [10.244.1.1]}, {addresses: [10.244.1.2]}]\n---\n";

/* A snapshot of Service s with DestinationRule traffic policy `policy` (indented four)
 * and VirtualService http routes `http` (indented two; NULL: none). */
static int build(const char *policy, const char *http, struct px_snapshot **s, char *err,
		 size_t len)
{
	static char yaml[8192];

	snprintf(yaml, sizeof(yaml),
		 "%sapiVersion: networking.istio.io/v1\nkind: DestinationRule\n"
		 "metadata: {name: s, namespace: d}\nspec:\n  host: s\n  trafficPolicy:\n%s"
		 "%s%s",
		 svc, policy,
		 http ? "---\napiVersion: networking.istio.io/v1\nkind: VirtualService\n"
			"metadata: {name: s, namespace: d}\nspec:\n  hosts: [s]\n  http:\n"
		      : "",
		 http ? http : "");
	*s = NULL;
	return px_snapshot_build("t.yaml", yaml, strlen(yaml), "node1", 1, s, err, len);
}

static const struct sl_fe_dest *dest_of(struct px_snapshot *s)
{
	struct sl_ip vip;

	sl_ip_parse("10.96.0.10", &vip);
	return &px_snapshot_frontend(s, &vip, 80)->fe->routes[0].dest[0];
}

static void t_shares(void **state)
{
	assert_int_equal(px_limit_share(1, 2), 1);
	assert_int_equal(px_limit_share(3, 2), 2);
	assert_int_equal(px_limit_share(4, 2), 2);
	assert_int_equal(px_limit_share(5, 0), 5);
	assert_int_equal(px_limit_share(UINT32_MAX, 1), UINT32_MAX);
	assert_int_equal(px_limit_share(UINT32_MAX, 2), 2147483648u);
}

/* http2MaxRequests 3 over 2 workers: a share of 2 requests, the third is refused (UO)
 * until one ends; maxRetries 1: one retry at a time, kept across its own next one. */
static void t_request_and_retry_limits(void **state)
{
	static struct px_worker w; /* zeroed: tables empty */
	static struct px_conn c[4];
	struct px_config cfg = { .workers = 2 };
	struct px_snapshot *s;
	const struct sl_fe_dest *d;
	char err[512];

	w.cfg = &cfg;
	if (build("    connectionPool: {http: {http2MaxRequests: 3, maxRetries: 1}}\n", NULL, &s,
		  err, sizeof(err)))
		fail_msg("%s", err);
	d = dest_of(s);
	assert_int_equal(px_slot_take(&w, &c[0], d), 0);
	assert_int_equal(px_slot_take(&w, &c[1], d), 0);
	assert_int_equal(px_slot_take(&w, &c[2], d), -ENOSPC);
	/* A request takes its one request once, whatever its tries. */
	assert_int_equal(px_slot_take(&w, &c[0], d), 0);
	px_slot_release(&w, &c[2]); /* held nothing */
	px_slot_release(&w, &c[1]);
	assert_false(c[1].rq_held);
	assert_int_equal(px_slot_take(&w, &c[2], d), 0);

	assert_true(px_retry_take(&w, &c[0], d));
	assert_false(px_retry_take(&w, &c[2], d)); /* over maxRetries */
	assert_true(px_retry_take(&w, &c[0], d)); /* its second retry replaces the first */
	px_slot_release(&w, &c[0]);
	assert_false(c[0].retry_held);
	assert_true(px_retry_take(&w, &c[2], d));
	px_slot_release(&w, &c[2]);
	px_snapshot_put(s);

	/* With maxConnections 1: waiting requests hold no request (as in Envoy), one
	 * handed a slot takes it unchecked; over the requests, 503 UO at once. */
	cfg.workers = 1;
	if (build("    connectionPool: {tcp: {maxConnections: 1},\n"
		  "      http: {http1MaxPendingRequests: 5, http2MaxRequests: 1}}\n",
		  NULL, &s, err, sizeof(err)))
		fail_msg("%s", err);
	d = dest_of(s);
	assert_int_equal(px_slot_take(&w, &c[0], d), 0);
	assert_true(c[0].rq_held && c[0].slot_held);
	assert_int_equal(px_slot_take(&w, &c[1], d), -ENOSPC); /* 1 request in flight */
	px_slot_release(&w, &c[1]);
	px_snapshot_put(s);
	if (build("    connectionPool: {tcp: {maxConnections: 1},\n"
		  "      http: {http1MaxPendingRequests: 5, http2MaxRequests: 2}}\n",
		  NULL, &s, err, sizeof(err)))
		fail_msg("%s", err);
	px_slot_release(&w, &c[0]);
	d = dest_of(s);
	assert_int_equal(px_slot_take(&w, &c[0], d), 0);
	assert_int_equal(px_slot_take(&w, &c[1], d), 1); /* waits, holding no request */
	assert_int_equal(px_slot_take(&w, &c[2], d), 1);
	assert_false(c[1].rq_held || c[2].rq_held);
	px_slot_release(&w, &c[0]); /* c[1] is handed the slot */
	assert_true(c[1].slot_held && w.kicked == &c[1]);
	assert_int_equal(px_slot_take(&w, &c[1], d), 0);
	assert_true(c[1].rq_held);
	px_slot_release(&w, &c[2]);
	px_slot_release(&w, &c[1]);
	w.kicked = NULL;
	c[1].kick_listed = false;
	px_snapshot_put(s);

	/* Not written: no limit, nothing held. */
	if (build("    connectionPool: {http: {maxRequestsPerConnection: 1}}\n", NULL, &s, err,
		  sizeof(err)))
		fail_msg("%s", err);
	d = dest_of(s);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(px_slot_take(&w, &c[i], d), 0);
		assert_true(px_retry_take(&w, &c[i], d));
		assert_false(c[i].rq_held || c[i].retry_held || c[i].slot_held);
	}
	px_snapshot_put(s);
	px_slots_free(&w);
}

/* Full jitter over [0, base * 2^n), at most 10 * base. */
static void t_backoff_bounds(void **state)
{
	uint64_t hi[6] = { 0 };

	for (uint32_t r = 0; r < 20000; r++)
		for (unsigned int n = 0; n < 6; n++) {
			uint64_t b = px_retry_backoff_ms(25, n, r * 2654435761u);

			if (b > hi[n])
				hi[n] = b;
		}
	assert_int_equal(hi[0], 24);
	assert_int_equal(hi[1], 49);
	assert_int_equal(hi[2], 99);
	assert_int_equal(hi[3], 199);
	assert_int_equal(hi[4], 249); /* 400 capped at max_interval 250 */
	assert_int_equal(hi[5], 249);
	assert_int_equal(px_retry_backoff_ms(1, 0, 12345), 0);
	assert_int_equal(px_retry_backoff_ms(100, 40, 999), 999 % 1000);
}

static struct sl_str S(const char *s)
{
	return (struct sl_str){ s, strlen(s) };
}

/* rw applied with pattern re to target t. */
static const char *rewrite(const char *re, const char *rw, const char *t)
{
	static char buf[512];
	struct px_regex_sub rx;
	char why[160];
	int n;

	if (px_regex_compile_search(re, &rx, why, sizeof(why)))
		fail_msg("%s: %s", re, why);
	n = px_rewrite_regex(&rx, rw, S(t), buf, sizeof(buf));
	regfree(&rx.re);
	if (n < 0)
		return "(error)";
	assert_int_equal((size_t)n, strlen(buf));
	return buf;
}

static void t_regex_rewrite(void **state)
{
	char out[128], why[160];
	struct px_regex_groups g;
	struct px_regex_sub rx;
	char small[8];

	/* Istio's example: groups swapped, the query kept and not searched. */
	assert_string_equal(rewrite("^/service/([^/]+)(/.*)$", "\\2/instance/\\1",
				    "/service/foo/v1/api?id=service"),
			    "/v1/api/instance/foo?id=service");
	/* Every match, left to right. */
	assert_string_equal(rewrite("o", "0", "/foo/boo"), "/f00/b00");
	assert_string_equal(rewrite("/v[0-9]+/", "/", "/v1/v22/x"), "/v22/x");
	/* No match: the path as it is. */
	assert_string_equal(rewrite("^/api", "/v2", "/web/api?x"), "/web/api?x");
	/* \0 is the match, \\ a backslash, a group that did not take part adds nothing. */
	assert_string_equal(rewrite("b+", "[\\0\\\\]", "/abbc"), "/a[bb\\]c");
	assert_string_equal(rewrite("/(x)?y", "/<\\1>", "/y/xy"), "/<>/<x>");
	/* (?:) numbers no group. */
	assert_string_equal(rewrite("^/(?:a|b)/(\\w+)", "/\\1", "/b/item/z"), "/item/z");
	/* Empty matches: one between characters, none right after a match (RE2). */
	assert_string_equal(rewrite("x*", "-", "/ab"), "-/-a-b-");
	assert_string_equal(rewrite("b*", "-", "/abc"), "-/-a-c-");
	/* Everything rewritten away: "/". */
	assert_string_equal(rewrite("^/drop", "", "/drop?k"), "/?k");
	/* ^ only at the path's start on later searches. */
	assert_string_equal(rewrite("^/", "/p/", "/a/b"), "/p/a/b");

	assert_int_equal(px_regex_compile_search("/(a)", &rx, why, sizeof(why)), 0);
	assert_int_equal(px_rewrite_regex(&rx, "/long/rewrite", S("/a/a"), small, sizeof(small)),
			 -ENOSPC);
	regfree(&rx.re);

	assert_int_equal(
		px_regex_translate_search("(?:x)(y)\\d+", out, sizeof(out), &g, why, sizeof(why)),
		0);
	assert_string_equal(out, "(x)(y)[0-9]+");
	assert_int_equal(g.n, 1);
	assert_int_equal(g.map[1], 2);
	assert_int_equal(px_regex_translate_search("a+?", out, sizeof(out), &g, why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "lazy"));
	/* What regcomp() would copy beyond any use: refused, in both kinds. */
	assert_int_equal(px_regex_translate("a++", out, sizeof(out), why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "a repetition of a repetition"));
	assert_int_equal(px_regex_translate("x{1001}", out, sizeof(out), why, sizeof(why)), -EINVAL);
	assert_int_equal(
		px_regex_translate("((a{1,200}){1,200})", out, sizeof(out), why, sizeof(why)),
		-EINVAL);
	assert_non_null(strstr(why, "too large"));
	assert_int_equal(px_regex_translate_search("(a{1,100}b){1,100}", out, sizeof(out), &g, why,
						   sizeof(why)),
			 0);
	assert_int_equal(px_regex_translate("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{12}|a*?b??", out,
					    sizeof(out), why, sizeof(why)),
			 0);
}

static void t_settings_taken_or_refused(void **state)
{
	struct px_snapshot *s;
	char err[512];

	if (build("    connectionPool:\n"
		  "      tcp: {maxConnectionDuration: 30s, tcpKeepalive: {time: 7s, interval: 3s,"
		  " probes: 4}}\n"
		  "      http: {http2MaxRequests: 10, maxRetries: 2}\n",
		  "  - rewrite: {uriRegexRewrite: {match: \"^/v([0-9]+)/(.*)\", rewrite: "
		  "\"/\\\\2?v=\\\\1\"}}\n"
		  "    retries: {attempts: 2, backoff: 100ms}\n"
		  "    route: [{destination: {host: s}}]\n",
		  &s, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(dest_of(s)->pool.http.http2_max_requests, 10);
	px_snapshot_put(s);

	assert_int_equal(build("    connectionPool: {http: {maxRetries: 1}}\n",
			       "  - match: [{uri: {regex: \"/a.*\"}}]\n    rewrite: {uri: /b}\n"
			       "    route: [{destination: {host: s}}]\n",
			       &s, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "Istio does not allow this combination; use "
				    "rewrite.uriRegexRewrite"));
	assert_int_equal(build("    connectionPool: {http: {maxRetries: 1}}\n",
			       "  - rewrite: {uriRegexRewrite: {match: \"^/(a)\", rewrite: "
			       "\"/\\\\2\"}}\n    route: [{destination: {host: s}}]\n",
			       &s, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "spec.http[0].rewrite.uriRegexRewrite.rewrite: \\2 names a "
				    "group the pattern does not have"));
	assert_int_equal(build("    connectionPool: {http: {maxRetries: 1}}\n",
			       "  - rewrite: {uriRegexRewrite: {match: \"^/a.*?b\", rewrite: "
			       "/\"}}\n    route: [{destination: {host: s}}]\n",
			       &s, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "uses a lazy quantifier"));
	assert_int_equal(build("    connectionPool: {http: {h2UpgradePolicy: UPGRADE}}\n", NULL,
			       &s, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "connectionPool.http.h2UpgradePolicy is not applied"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_shares),
		cmocka_unit_test(t_request_and_retry_limits),
		cmocka_unit_test(t_backoff_bounds),
		cmocka_unit_test(t_regex_rewrite),
		cmocka_unit_test(t_settings_taken_or_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
