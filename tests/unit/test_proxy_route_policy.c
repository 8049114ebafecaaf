// SPDX-License-Identifier: Apache-2.0
/* sluice-proxy route policies: retryOn decisions, the outlier ejection timeline,
 * consistent hash keys and their stability, DestinationRule settings refused by name. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "model/objects.h"
#include "proxy/lb.h"
#include "proxy/outlier.h"
#include "proxy/retry.h"
#include "proxy/snapshot.h"
#include "proxy/worker-t.h"

static void t_retry_on(void **state)
{
	struct sl_http_route hr = { 0 };
	uint16_t codes[] = { 418 };
	struct px_retry_policy p;

	px_retry_policy(NULL, &p); /* Istio's default policy */
	assert_int_equal(p.attempts, 2);
	assert_true(px_retry_wants(&p, PX_RETRY_STATUS, 503));
	assert_false(px_retry_wants(&p, PX_RETRY_STATUS, 500));
	assert_true(px_retry_wants(&p, PX_RETRY_CONNECT_FAIL, 0));
	assert_false(px_retry_wants(&p, PX_RETRY_RESET, 0));

	hr.retries = (struct sl_http_retry){ .set = true, .attempts = 3, .retry_on = SL_RETRY_5XX };
	px_retry_policy(&hr, &p);
	assert_int_equal(p.attempts, 3);
	assert_true(px_retry_wants(&p, PX_RETRY_STATUS, 500));
	assert_true(px_retry_wants(&p, PX_RETRY_RESET, 0));
	assert_true(px_retry_wants(&p, PX_RETRY_TIMEOUT, 0));
	assert_false(px_retry_wants(&p, PX_RETRY_STATUS, 409));

	hr.retries.retry_on = SL_RETRY_GATEWAY_ERROR;
	px_retry_policy(&hr, &p);
	assert_false(px_retry_wants(&p, PX_RETRY_STATUS, 500));
	assert_true(px_retry_wants(&p, PX_RETRY_STATUS, 504));

	hr.retries.retry_on = SL_RETRY_RETRIABLE_4XX | SL_RETRY_CONNECT_FAILURE;
	px_retry_policy(&hr, &p);
	assert_true(px_retry_wants(&p, PX_RETRY_STATUS, 409));
	assert_false(px_retry_wants(&p, PX_RETRY_STATUS, 503));
	assert_true(px_retry_wants(&p, PX_RETRY_CONNECT_FAIL, 0));
	assert_false(px_retry_wants(&p, PX_RETRY_RESET, 0));

	hr.retries.retry_on = SL_RETRY_RESET;
	px_retry_policy(&hr, &p);
	assert_true(px_retry_wants(&p, PX_RETRY_RESET, 0));
	assert_false(px_retry_wants(&p, PX_RETRY_STATUS, 503));

	hr.retries.retry_on = 0;
	hr.retries.retry_codes = codes;
	hr.retries.nretry_codes = 1;
	px_retry_policy(&hr, &p);
	assert_true(px_retry_wants(&p, PX_RETRY_STATUS, 418));
	assert_false(px_retry_wants(&p, PX_RETRY_STATUS, 503));

	hr.retries = (struct sl_http_retry){ .set = true, .attempts = 0 };
	px_retry_policy(&hr, &p);
	assert_int_equal(p.attempts, 0);
}

static void t_outlier_timeline(void **state)
{
	struct sl_outlier od = { .set = true,
				 .consecutive_5xx_set = true,
				 .consecutive_5xx = 2,
				 .interval_ns = 1000000000ull,
				 .base_ejection_ns = 30000000000ull };
	struct px_ep_state st = { 0 };
	int64_t t = 1000;

	assert_false(px_outlier_record(&st, &od, 500, t, 2, 0));
	assert_false(px_outlier_record(&st, &od, 200, t, 2, 0)); /* a success resets */
	assert_false(px_outlier_record(&st, &od, 500, t, 2, 0));
	assert_true(px_outlier_record(&st, &od, 0, t, 2, 0)); /* a local failure is a 503 */
	assert_true(px_outlier_ejected(&st, t + 29999));
	assert_false(px_outlier_ejected(&st, t + 30000));
	/* Ejected again at once: the time doubles. */
	t += 30000;
	px_outlier_record(&st, &od, 500, t, 2, 0);
	assert_true(px_outlier_record(&st, &od, 500, t, 2, 0));
	assert_int_equal(st.ejections, 2);
	assert_true(px_outlier_ejected(&st, t + 59999));
	assert_false(px_outlier_ejected(&st, t + 60000));
	/* Long healthy (interval 1 s): the multiplier has decayed back. */
	t += 60000 + 10000;
	px_outlier_record(&st, &od, 500, t, 2, 0);
	assert_true(px_outlier_record(&st, &od, 500, t, 2, 0));
	assert_int_equal(st.ejections, 1);
	/* maxEjectionPercent (default 10): a second endpoint of two is not ejected. */
	st = (struct px_ep_state){ 0 };
	px_outlier_record(&st, &od, 500, t, 2, 1);
	assert_false(px_outlier_record(&st, &od, 500, t, 2, 1));
	/* consecutiveGatewayErrors only counts 502..504. */
	od = (struct sl_outlier){ .set = true,
				  .consecutive_5xx_set = true,
				  .consecutive_5xx = 0,
				  .consecutive_gateway_set = true,
				  .consecutive_gateway = 2 };
	st = (struct px_ep_state){ 0 };
	assert_false(px_outlier_record(&st, &od, 502, t, 4, 0));
	assert_false(px_outlier_record(&st, &od, 500, t, 4, 0));
	assert_false(px_outlier_record(&st, &od, 503, t, 4, 0));
	assert_true(px_outlier_record(&st, &od, 504, t, 4, 0));
}

static void t_hash_keys(void **state)
{
	struct sl_http_field f[] = { { { "x-user", 6 }, { "alice", 5 }, 0 },
				     { { "Cookie", 6 }, { "a=1; sid=xyz", 12 }, 0 } };
	struct sl_http_msg m = { .path = { "/p?u=bob&k=2", 12 }, .fields = f, .nfields = 2 };
	struct sl_lb_policy lb = { .set = true, .hash_header = "x-user" };
	struct px_lb_req r = { &m, NULL };
	uint64_t h1, h2;
	bool has;

	h1 = px_lb_hash(&lb, &r, &has);
	assert_true(has);
	assert_int_equal(h1, sl_hash_bytes("alice", 5));
	h2 = px_lb_hash(&lb, &r, &has);
	assert_int_equal(h1, h2); /* stable */
	lb = (struct sl_lb_policy){ .set = true, .hash_query = "u" };
	assert_int_equal(px_lb_hash(&lb, &r, &has), sl_hash_bytes("bob", 3));
	lb = (struct sl_lb_policy){ .set = true,
				    .hash_cookie_set = true,
				    .hash_cookie = { .name = "sid" } };
	assert_int_equal(px_lb_hash(&lb, &r, &has), sl_hash_bytes("xyz", 3));
	lb.hash_cookie.name = "none";
	px_lb_hash(&lb, &r, &has);
	assert_false(has);
}

static const char sticky[] =
	"apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: d}\n"
	"spec: {clusterIP: 10.96.0.10, ports: [{port: 80}]}\n---\n"
	"apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n"
	"metadata: {name: s, namespace: d, labels: {kubernetes.io/service-name: s}}\n"
	"addressType: IPv4\nports: [{port: 80}]\n"
	"endpoints: [{addresses: [10.244.1.1]}, {addresses: [10.244.1.2]}, "
	"{addresses: [10.244.1.3]}]\n---\n"
	"apiVersion: networking.istio.io/v1\nkind: DestinationRule\n"
	"metadata: {name: s, namespace: d}\nspec:\n  host: s\n  trafficPolicy:\n";

static int build_dr(const char *policy, struct px_snapshot **s, char *err, size_t len)
{
	char yaml[4096];

	snprintf(yaml, sizeof(yaml), "%s%s", sticky, policy);
	return px_snapshot_build("t.yaml", yaml, strlen(yaml), "node1", 1, s, err, len);
}

static void t_consistent_hash_table(void **state)
{
	struct px_snapshot *s = NULL;
	struct sl_ip vip;
	const struct px_frontend *pf;
	const struct sl_fe_dest *d;
	const uint32_t *t;
	char err[512];
	uint32_t hits[3] = { 0 };

	if (build_dr("    loadBalancer: {consistentHash: {httpHeaderName: x-user}}\n", &s, err,
		     sizeof(err)))
		fail_msg("%s", err);
	sl_ip_parse("10.96.0.10", &vip);
	pf = px_snapshot_frontend(s, &vip, 80);
	assert_non_null(pf);
	d = &pf->fe->routes[0].dest[0];
	t = px_snapshot_maglev(s, d);
	assert_non_null(t);
	for (uint32_t i = 0; i < SL_MAGLEV_DEFAULT; i++)
		hits[t[i]]++;
	/* Maglev: every endpoint owns about a third of the buckets. */
	for (int i = 0; i < 3; i++)
		assert_true(hits[i] > SL_MAGLEV_DEFAULT / 3 - 200 &&
			    hits[i] < SL_MAGLEV_DEFAULT / 3 + 200);
	px_snapshot_put(s);
}

static void t_dr_refused_by_name(void **state)
{
	struct px_snapshot *s = NULL;
	char err[512];

	assert_int_equal(build_dr("    connectionPool: {tcp: {idleTimeout: 1s}}\n", &s, err,
				  sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "DestinationRule d/s: spec.trafficPolicy."
				    "connectionPool.tcp.idleTimeout is not applied"));
	assert_int_equal(build_dr("    outlierDetection: {consecutive5xxErrors: 2}\n"
				  "    connectionPool: {http: {maxRequestsPerConnection: 1}}\n",
				  &s, err, sizeof(err)),
			 0);
	px_snapshot_put(s);
}

/* The endpoint of s's only destination, by its load balancer, on worker w. */
static const struct sl_fe_dest *dest_of(struct px_snapshot *s)
{
	struct sl_ip vip;

	sl_ip_parse("10.96.0.10", &vip);
	return &px_snapshot_frontend(s, &vip, 80)->fe->routes[0].dest[0];
}

static void t_lb_pick_skips_ejected(void **state)
{
	static struct px_worker w; /* zeroed: tables empty */
	struct px_config cfg = { .workers = 1 };
	struct px_snapshot *s = NULL;
	struct px_lb_req r = { NULL, NULL };
	const struct sl_fe_dest *d;
	struct px_ep ep, bad;
	uint32_t rr = 0;
	char err[512];
	int seen[256] = { 0 };

	w.cfg = &cfg;
	w.xs = 88172645463325252ull;
	w.now_ms = 1000;
	if (build_dr("    loadBalancer: {simple: ROUND_ROBIN}\n"
		     "    outlierDetection: {consecutive5xxErrors: 2, baseEjectionTime: 30s}\n",
		     &s, err, sizeof(err)))
		fail_msg("%s", err);
	d = dest_of(s);
	assert_int_equal(px_lb_pick(&w, s, d, &rr, &r, &bad, NULL, 0), 0);
	px_lb_report(&w, d, &bad, 500);
	px_lb_report(&w, d, &bad, 502);
	for (int i = 0; i < 30; i++) {
		assert_int_equal(px_lb_pick(&w, s, d, &rr, &r, &ep, NULL, 0), 0);
		assert_memory_not_equal(ep.addr, bad.addr, 16);
		seen[ep.addr[15]]++;
	}
	assert_int_equal(seen[1] + seen[2] + seen[3], 30);
	w.now_ms += 30000; /* the ejection is over */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(px_lb_pick(&w, s, d, &rr, &r, &ep, NULL, 0), 0);
		seen[ep.addr[15]] += 100;
	}
	assert_true(seen[bad.addr[15]] >= 100);
	px_snapshot_put(s);

	/* LEAST_REQUEST: the endpoint with requests in flight loses both draws' ties. */
	if (build_dr("    loadBalancer: {simple: LEAST_REQUEST}\n", &s, err, sizeof(err)))
		fail_msg("%s", err);
	d = dest_of(s);
	memset(&ep, 0, sizeof(ep));
	memcpy(ep.addr, &d->be[0].addr, 16);
	ep.port = 80;
	px_ep_state(&w, &ep)->active = 100;
	for (int i = 0; i < 50; i++) {
		struct px_ep got;

		assert_int_equal(px_lb_pick(&w, s, d, &rr, &r, &got, NULL, 0), 0);
		/* Chosen only when both draws named it. */
		if (!memcmp(got.addr, ep.addr, 16))
			seen[0]++;
	}
	assert_true(seen[0] < 20);
	px_snapshot_put(s);
	px_ep_states_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_retry_on),		cmocka_unit_test(t_outlier_timeline),
		cmocka_unit_test(t_hash_keys),		cmocka_unit_test(t_consistent_hash_table),
		cmocka_unit_test(t_dr_refused_by_name), cmocka_unit_test(t_lb_pick_skips_ejected),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
