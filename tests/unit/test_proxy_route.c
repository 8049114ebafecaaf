// SPDX-License-Identifier: Apache-2.0
/* sluice-proxy snapshots and routing: which endpoint a request to a VIP goes to. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "model/objects.h"
#include "proxy/route.h"
#include "proxy/snapshot.h"
#include "proxy/stats-t.h"

static const char *cluster =
	"apiVersion: v1\nkind: List\nitems:\n"
	"- apiVersion: v1\n  kind: Service\n  metadata: {name: web, namespace: shop}\n"
	"  spec:\n    clusterIPs: [10.96.0.10, 'fd00:10:96::a']\n"
	"    ports: [{name: http, port: 80, targetPort: web}, {name: admin, port: 81}]\n"
	"- apiVersion: discovery.k8s.io/v1\n  kind: EndpointSlice\n"
	"  metadata: {name: web-a, namespace: shop, labels: {kubernetes.io/service-name: web}}\n"
	"  addressType: IPv4\n  ports: [{name: http, port: 8080}, {name: admin, port: 9090}]\n"
	"  endpoints:\n  - addresses: [10.244.1.11]\n  - addresses: [10.244.1.12]\n"
	"  - addresses: [10.244.1.13]\n    conditions: {ready: false, serving: true}\n"
	"- apiVersion: discovery.k8s.io/v1\n  kind: EndpointSlice\n"
	"  metadata: {name: web-b, namespace: shop, labels: {kubernetes.io/service-name: web}}\n"
	"  addressType: IPv6\n  ports: [{name: http, port: 8080}]\n"
	"  endpoints:\n  - addresses: ['fd00:10:244:1::b']\n"
	"- apiVersion: v1\n  kind: Service\n  metadata: {name: drain, namespace: shop}\n"
	"  spec: {clusterIP: 10.96.0.20, ports: [{port: 80}]}\n"
	"- apiVersion: discovery.k8s.io/v1\n  kind: EndpointSlice\n"
	"  metadata: {name: drain, namespace: shop, labels: {kubernetes.io/service-name: drain}}\n"
	"  addressType: IPv4\n  ports: [{port: 80}]\n"
	"  endpoints:\n  - addresses: [10.244.2.11]\n    conditions: {ready: false, serving: true}\n"
	"- apiVersion: v1\n  kind: Service\n  metadata: {name: empty, namespace: shop}\n"
	"  spec: {clusterIP: 10.96.0.30, ports: [{port: 80}]}\n";

static struct px_snapshot *build(const char *yaml)
{
	struct px_snapshot *s;
	char err[512] = "";

	if (px_snapshot_build("t.yaml", yaml, strlen(yaml), "node1", 7, &s, err, sizeof(err)))
		fail_msg("%s", err);
	return s;
}

static struct sl_ip ip(const char *s)
{
	struct sl_ip a;

	assert_int_equal(sl_ip_parse(s, &a), 0);
	return a;
}

static void ep_is(const struct px_ep *ep, const char *addr, uint16_t port)
{
	struct sl_ip a = ip(addr);

	assert_memory_equal(ep->addr, a.b, 16);
	assert_int_equal(ep->port, port);
}

static void t_round_robin_named_port(void **state)
{
	struct px_snapshot *s = build(cluster);
	struct sl_ip vip = ip("10.96.0.10");
	struct px_route r;
	int seen11 = 0, seen12 = 0;

	assert_int_equal(s->version, 7);
	assert_int_equal(s->nfe, 6); /* web: 2 ClusterIPs x 2 ports; drain; empty */
	for (int i = 0; i < 10; i++) {
		assert_int_equal(px_route_pick(s, &vip, 80, NULL, NULL, (uint32_t)i, &r), 0);
		/* The pick does not advance the counter: taking the endpoint does. */
		px_route_next_ep(r.dest, r.rr, &r.ep);
		assert_int_equal(r.ep.port, 8080); /* targetPort "web" -> the slice's "http" port */
		seen11 += !memcmp(r.ep.addr, ip("10.244.1.11").b, 16);
		seen12 += !memcmp(r.ep.addr, ip("10.244.1.12").b, 16);
	}
	/* Ready endpoints only, in turn; the serving-only one is a fallback. */
	assert_int_equal(seen11, 5);
	assert_int_equal(seen12, 5);
	assert_int_equal(px_route_pick(s, &vip, 81, NULL, NULL, 0, &r), 0);
	assert_int_equal(r.ep.port, 9090);
	px_snapshot_put(s);
}

static void t_ipv6_and_serving_fallback(void **state)
{
	struct px_snapshot *s = build(cluster);
	struct sl_ip v6 = ip("fd00:10:96::a"), drain = ip("10.96.0.20");
	struct px_route r;

	assert_int_equal(px_route_pick(s, &v6, 80, NULL, NULL, 0, &r), 0);
	ep_is(&r.ep, "fd00:10:244:1::b", 8080);
	assert_int_equal(px_route_pick(s, &drain, 80, NULL, NULL, 0, &r), 0);
	ep_is(&r.ep, "10.244.2.11", 80);
	assert_true(r.dest->serving_fallback);
	px_snapshot_put(s);
}

static void t_no_route_no_endpoint(void **state)
{
	struct px_snapshot *s = build(cluster);
	struct sl_ip unknown = ip("10.96.9.9"), empty = ip("10.96.0.30"), vip = ip("10.96.0.10");
	struct px_route r;

	assert_int_equal(px_route_pick(s, &unknown, 80, NULL, NULL, 0, &r), -ENOENT);
	assert_int_equal(r.flags, PX_F_NR);
	assert_int_equal(r.status, 502);
	/* A known VIP on a port the Service does not have is no route either. */
	assert_int_equal(px_route_pick(s, &vip, 82, NULL, NULL, 0, &r), -ENOENT);
	assert_int_equal(px_route_pick(s, &empty, 80, NULL, NULL, 0, &r), -EHOSTUNREACH);
	assert_int_equal(r.flags, PX_F_UH);
	assert_int_equal(r.status, 503);
	px_snapshot_put(s);
}

static void t_endpoints_index(void **state)
{
	struct px_snapshot *s = build(cluster);
	struct px_ep ep = { 0 };
	struct sl_ip a = ip("10.244.1.11");

	memcpy(ep.addr, a.b, 16);
	ep.port = 8080;
	assert_true(px_snapshot_has_endpoint(s, &ep));
	ep.port = 8081;
	assert_false(px_snapshot_has_endpoint(s, &ep));
	px_snapshot_put(s);
}

static void t_refused_with_position(void **state)
{
	static const char bad[] = "apiVersion: v1\nkind: Service\nmetadata: {name: x}\n"
				  "spec:\n  clusterIP: 10.96.0.1\n  bogus: 1\n";
	struct px_snapshot *s = (void *)1;
	char err[512];

	assert_int_equal(
		px_snapshot_build("bad.yaml", bad, strlen(bad), NULL, 1, &s, err, sizeof(err)),
		-EINVAL);
	assert_null(s);
	assert_non_null(strstr(err, "bad.yaml:6:3: "));
}

static void t_source_route(void **state)
{
	/* A VirtualService tcp route for pods labelled canary: the proxy routes a canary
	 * client's request where the kernel would have sent its connection. */
	static const char vs[] =
		"apiVersion: v1\nkind: Service\nmetadata: {name: web}\n"
		"spec: {clusterIP: 10.96.0.10, ports: [{name: http, port: 80}]}\n---\n"
		"apiVersion: v1\nkind: Service\nmetadata: {name: web2}\n"
		"spec: {clusterIP: 10.96.0.11, ports: [{name: http, port: 80}]}\n---\n"
		"apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n"
		"metadata: {name: web, labels: {kubernetes.io/service-name: web}}\n"
		"addressType: IPv4\nports: [{name: http, port: 80}]\n"
		"endpoints: [{addresses: [10.244.1.20]}]\n---\n"
		"apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n"
		"metadata: {name: web2, labels: {kubernetes.io/service-name: web2}}\n"
		"addressType: IPv4\nports: [{name: http, port: 80}]\n"
		"endpoints: [{addresses: [10.244.1.30]}]\n---\n"
		"apiVersion: v1\nkind: Pod\nmetadata: {name: c, labels: {canary: 'yes'}}\n"
		"spec: {nodeName: node1}\nstatus: {podIP: 10.244.1.99}\n---\n"
		"apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: web}\n"
		"spec:\n  hosts: [web]\n  tcp:\n  - match: [{sourceLabels: {canary: 'yes'}}]\n"
		"    route: [{destination: {host: web2}}]\n  - route: [{destination: {host: web}}]\n";
	struct px_snapshot *s = build(vs);
	struct sl_ip vip = ip("10.96.0.10"), canary = ip("10.244.1.99"), other = ip("10.244.1.98");
	struct px_route r;

	assert_int_equal(px_route_pick(s, &vip, 80, &canary, NULL, 0, &r), 0);
	ep_is(&r.ep, "10.244.1.30", 80);
	assert_int_equal(px_route_pick(s, &vip, 80, &other, NULL, 0, &r), 0);
	ep_is(&r.ep, "10.244.1.20", 80);
	px_snapshot_put(s);
}

static void t_refcount(void **state)
{
	struct px_snapshot *s = build(cluster);

	assert_ptr_equal(px_snapshot_get(s), s);
	px_snapshot_put(s);
	assert_int_equal(s->refs, 1);
	px_snapshot_put(s);
	px_snapshot_put(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_round_robin_named_port),
		cmocka_unit_test(t_ipv6_and_serving_fallback),
		cmocka_unit_test(t_no_route_no_endpoint),
		cmocka_unit_test(t_endpoints_index),
		cmocka_unit_test(t_refused_with_position),
		cmocka_unit_test(t_source_route),
		cmocka_unit_test(t_refcount),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
