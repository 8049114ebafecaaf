// SPDX-License-Identifier: Apache-2.0
/* sl_decode_stream() on networking.istio.io DestinationRule and VirtualService: every
 * supported field and default, every refused field with its exact position and path,
 * Istio's weight rules, and the Bookinfo sample files. */
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
#include "model/objects.h"

static int decode(const char *text, struct sl_objects *out, char *err, size_t errlen)
{
	return sl_decode_stream("t.yaml", text, strlen(text), out, NULL, err, errlen);
}

static void decode_ok(const char *text, struct sl_objects *out)
{
	char err[512] = "";

	if (decode(text, out, err, sizeof(err)))
		fail_msg("decode failed: %s", err);
}

static const char *label(const struct sl_label *l, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(l[i].key, key))
			return l[i].value;
	return NULL;
}

#define DRH                                                                                        \
	"apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: r\nspec:\n"
#define DR DRH "  host: reviews\n" /* 6 lines */
#define VSH                                                                                        \
	"apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: r\nspec:\n"
#define VS VSH "  hosts: [reviews]\n" /* 6 lines */
#define TCP1 "  tcp:\n  - route:\n    - destination: {host: a}\n"

/* ---- valid input ---- */

static void test_dr_full(void **state)
{
	static const char doc[] =
		"apiVersion: networking.istio.io/v1beta1\n"
		"kind: DestinationRule\n"
		"metadata:\n"
		"  name: reviews.rule\n"
		"  namespace: shop\n"
		"  annotations: {kubectl.kubernetes.io/last-applied-configuration: x}\n"
		"  generation: 3\n"
		"spec:\n"
		"  host: reviews.shop.svc.cluster.local\n"
		"  exportTo: [\"*\"]\n"
		"  trafficPolicy:\n"
		"    loadBalancer:\n"
		"      consistentHash:\n"
		"        useSourceIp: true\n"
		"        maglev: {tableSize: 65537}\n"
		"    connectionPool:\n"
		"      tcp: {maxConnections: 100}\n"
		"    portLevelSettings:\n"
		"    - port: {number: 9080}\n"
		"      loadBalancer: {simple: ROUND_ROBIN}\n"
		"      connectionPool: {tcp: {maxConnections: 5}}\n"
		"    - port: {number: 9443}\n"
		"      loadBalancer: {consistentHash: {useSourceIp: true}}\n"
		"  subsets:\n"
		"  - name: v1\n"
		"    labels: {version: v1, track: stable}\n"
		"    trafficPolicy:\n"
		"      loadBalancer: {simple: LEAST_CONN}\n"
		"      portLevelSettings:\n"
		"      - port: {number: 9080}\n"
		"        connectionPool: {tcp: {maxConnections: 1}}\n"
		"  - name: all\n"
		"  - name: none-either\n"
		"    labels: {}\n"
		"status:\n"
		"  conditions: [{type: Reconciled, status: \"True\"}]\n"
		"  observedGeneration: \"3\"\n";
	struct sl_objects l = { 0 };
	const struct sl_destination_rule *dr;
	const struct sl_traffic_policy *p;

	decode_ok(doc, &l);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0].kind, SL_KIND_DESTINATION_RULE);
	dr = &l.v[0].dr;
	assert_string_equal(dr->meta.name, "reviews.rule");
	assert_string_equal(dr->meta.ns, "shop");
	assert_string_equal(dr->host, "reviews.shop.svc.cluster.local");
	p = &dr->policy;
	assert_true(p->lb.set);
	assert_int_equal(p->lb.simple, SL_LB_UNSET);
	assert_true(p->lb.hash_source_ip);
	assert_int_equal(p->lb.maglev_table_size, 65537);
	assert_true(p->pool.set);
	assert_int_equal(p->pool.max_connections, 100);
	assert_int_equal(p->nports, 2);
	assert_int_equal(p->ports[0].port, 9080);
	assert_true(p->ports[0].lb.set);
	assert_int_equal(p->ports[0].lb.simple, SL_LB_ROUND_ROBIN);
	assert_false(p->ports[0].lb.hash_source_ip);
	assert_true(p->ports[0].pool.set);
	assert_int_equal(p->ports[0].pool.max_connections, 5);
	assert_int_equal(p->ports[1].port, 9443);
	assert_true(p->ports[1].lb.hash_source_ip);
	assert_int_equal(p->ports[1].lb.maglev_table_size, 0);
	assert_false(p->ports[1].pool.set);
	assert_int_equal(dr->nsubsets, 3);
	assert_string_equal(dr->subsets[0].name, "v1");
	assert_int_equal(dr->subsets[0].nlabels, 2);
	assert_string_equal(label(dr->subsets[0].labels, 2, "track"), "stable");
	p = &dr->subsets[0].policy;
	assert_true(p->lb.set);
	/* LEAST_CONN is Istio's deprecated name for LEAST_REQUEST. */
	assert_int_equal(p->lb.simple, SL_LB_LEAST_REQUEST);
	assert_false(p->pool.set);
	assert_int_equal(p->nports, 1);
	assert_int_equal(p->ports[0].pool.max_connections, 1);
	assert_false(p->ports[0].lb.set);
	/* No labels, or empty labels: every endpoint of the host. */
	assert_string_equal(dr->subsets[1].name, "all");
	assert_int_equal(dr->subsets[1].nlabels, 0);
	assert_false(dr->subsets[1].policy.lb.set);
	assert_int_equal(dr->subsets[2].nlabels, 0);
	sl_objects_free(&l);
}

static void test_dr_defaults(void **state)
{
	static const struct {
		const char *simple;
		enum sl_lb_simple want;
	} simple[] = {
		{ "UNSPECIFIED", SL_LB_UNSET },	       { "RANDOM", SL_LB_RANDOM },
		{ "ROUND_ROBIN", SL_LB_ROUND_ROBIN },  { "LEAST_REQUEST", SL_LB_LEAST_REQUEST },
		{ "LEAST_CONN", SL_LB_LEAST_REQUEST },
	};
	struct sl_objects l = { 0 };
	const struct sl_destination_rule *dr;
	char doc[512];
	size_t i;

	/* Host only; every version Istio serves; null fields are absent; exportTo []. */
	decode_ok(DR "---\n"
		     "apiVersion: networking.istio.io/v1alpha3\nkind: DestinationRule\n"
		     "metadata: {name: b}\nspec: {host: reviews.shop, trafficPolicy: null, "
		     "exportTo: [], subsets: []}\n"
		     "---\n"
		     "apiVersion: networking.istio.io/v1beta1\nkind: DestinationRuleList\n"
		     "items:\n- metadata: {name: c}\n  spec: {host: c, trafficPolicy: {}}\n",
		  &l);
	assert_int_equal(l.n, 3);
	for (i = 0; i < l.n; i++) {
		dr = &l.v[i].dr;
		assert_int_equal(l.v[i].kind, SL_KIND_DESTINATION_RULE);
		assert_string_equal(dr->meta.ns, "default");
		assert_false(dr->policy.lb.set);
		assert_false(dr->policy.pool.set);
		assert_int_equal(dr->policy.nports, 0);
		assert_int_equal(dr->nsubsets, 0);
	}
	assert_string_equal(l.v[0].dr.host, "reviews");
	assert_string_equal(l.v[1].dr.host, "reviews.shop");
	assert_string_equal(l.v[2].dr.meta.name, "c");
	sl_objects_free(&l);

	for (i = 0; i < sizeof(simple) / sizeof(simple[0]); i++) {
		snprintf(doc, sizeof(doc), DR "  trafficPolicy: {loadBalancer: {simple: %s}}\n",
			 simple[i].simple);
		decode_ok(doc, &l);
		assert_true(l.v[0].dr.policy.lb.set);
		assert_int_equal(l.v[0].dr.policy.lb.simple, simple[i].want);
		sl_objects_free(&l);
	}

	/* loadBalancer: {} is written (set) but chooses nothing; tcp: {} sets no cap. */
	decode_ok(DR "  trafficPolicy: {loadBalancer: {}, connectionPool: {tcp: {}}}\n", &l);
	assert_true(l.v[0].dr.policy.lb.set);
	assert_int_equal(l.v[0].dr.policy.lb.simple, SL_LB_UNSET);
	assert_false(l.v[0].dr.policy.pool.set);
	sl_objects_free(&l);

	/* Small primes for Maglev. */
	decode_ok(DR "  trafficPolicy:\n    loadBalancer:\n      consistentHash: {useSourceIp: "
		     "true, maglev: {tableSize: 2}}\n",
		  &l);
	assert_int_equal(l.v[0].dr.policy.lb.maglev_table_size, 2);
	sl_objects_free(&l);
}

static void test_vs_full(void **state)
{
	static const char doc[] =
		"apiVersion: networking.istio.io/v1\n"
		"kind: VirtualService\n"
		"metadata: {name: db, namespace: shop}\n"
		"spec:\n"
		"  hosts: [db, db.shop.svc.cluster.local]\n"
		"  gateways: [mesh]\n"
		"  exportTo: [\"*\"]\n"
		"  http: []\n"
		"  tls: []\n"
		"  tcp:\n"
		"  - match:\n"
		"    - port: 5432\n"
		"      sourceLabels: {app: web}\n"
		"      sourceNamespace: front\n"
		"      gateways: [mesh]\n"
		"      destinationSubnets: []\n"
		"    - {}\n"
		"    route:\n"
		"    - destination: {host: db, subset: v1, port: {number: 5432}}\n"
		"      weight: 90\n"
		"    - destination: {host: db, subset: v2}\n"
		"      weight: 10\n"
		"  - route:\n"
		"    - destination: {host: db.other, subset: \"\"}\n"
		"status: {}\n";
	struct sl_objects l = { 0 };
	const struct sl_virtual_service *vs;
	const struct sl_tcp_route *t;

	decode_ok(doc, &l);
	assert_int_equal(l.v[0].kind, SL_KIND_VIRTUAL_SERVICE);
	vs = &l.v[0].vs;
	assert_string_equal(vs->meta.ns, "shop");
	assert_int_equal(vs->nhosts, 2);
	assert_string_equal(vs->hosts[1], "db.shop.svc.cluster.local");
	assert_int_equal(vs->ntcp, 2);
	t = &vs->tcp[0];
	assert_int_equal(t->nmatches, 2);
	assert_int_equal(t->matches[0].port, 5432);
	assert_int_equal(t->matches[0].nsource_labels, 1);
	assert_string_equal(label(t->matches[0].source_labels, 1, "app"), "web");
	assert_string_equal(t->matches[0].source_namespace, "front");
	/* {} matches everything. */
	assert_int_equal(t->matches[1].port, 0);
	assert_int_equal(t->matches[1].nsource_labels, 0);
	assert_null(t->matches[1].source_namespace);
	assert_int_equal(t->nroutes, 2);
	assert_string_equal(t->routes[0].host, "db");
	assert_string_equal(t->routes[0].subset, "v1");
	assert_int_equal(t->routes[0].port, 5432);
	assert_int_equal(t->routes[0].weight, 90);
	assert_int_equal(t->routes[1].port, 0);
	assert_int_equal(t->routes[1].weight, 10);
	t = &vs->tcp[1];
	assert_int_equal(t->nmatches, 0);
	assert_int_equal(t->nroutes, 1);
	assert_string_equal(t->routes[0].host, "db.other");
	/* "" is protobuf's unset: no subset. */
	assert_null(t->routes[0].subset);
	/* A single destination takes everything. */
	assert_int_equal(t->routes[0].weight, 100);
	sl_objects_free(&l);
}

/* Istio's rules (validateRouteDestinations): weights >= 0 and relative; several
 * destinations must not total 0; one destination gets all, whatever its weight. */
static void test_vs_weights(void **state)
{
	static const struct {
		const char *weights; /* route entries */
		uint32_t want[3];
	} cases[] = {
		{ "    - {destination: {host: a}}\n", { 100 } },
		{ "    - {destination: {host: a}, weight: 0}\n", { 100 } },
		{ "    - {destination: {host: a}, weight: 30}\n", { 100 } },
		{ "    - {destination: {host: a}, weight: 250}\n", { 100 } },
		{ "    - {destination: {host: a}, weight: 50}\n    - {destination: {host: b}, "
		  "weight: 50}\n",
		  { 50, 50 } },
		{ "    - {destination: {host: a}, weight: 100}\n    - {destination: {host: b}}\n",
		  { 100, 0 } },
		{ "    - {destination: {host: a}, weight: 0}\n    - {destination: {host: b}, "
		  "weight: 100}\n",
		  { 0, 100 } },
		/* Relative weights that scale exactly to percentages. */
		{ "    - {destination: {host: a}, weight: 1}\n    - {destination: {host: b}, "
		  "weight: 3}\n",
		  { 25, 75 } },
		{ "    - {destination: {host: a}, weight: 3}\n    - {destination: {host: b}, "
		  "weight: 1}\n    - {destination: {host: c}, weight: 1}\n",
		  { 60, 20, 20 } },
		{ "    - {destination: {host: a}, weight: 1000000}\n    - {destination: {host: b}, "
		  "weight: 1000000}\n",
		  { 50, 50 } },
	};
	struct sl_objects l = { 0 };
	char doc[1024];
	size_t i, j;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(doc, sizeof(doc), VS "  tcp:\n  - route:\n%s", cases[i].weights);
		decode_ok(doc, &l);
		for (j = 0; j < l.v[0].vs.tcp[0].nroutes; j++)
			if (l.v[0].vs.tcp[0].routes[j].weight != cases[i].want[j])
				fail_msg("case %zu route %zu: weight %u, want %u", i, j,
					 l.v[0].vs.tcp[0].routes[j].weight, cases[i].want[j]);
		sl_objects_free(&l);
	}
}

/* ---- bad input ---- */

static const struct bad_case {
	const char *name;
	const char *in;
	const char *prefix; /* exact "t.yaml:L:C: " */
	const char *says;
} bad_cases[] = {
	/* kinds and versions */
	{ "dr-v2",
	  "apiVersion: networking.istio.io/v2\nkind: DestinationRule\nmetadata: {name: r}\n",
	  "t.yaml:1:13: ",
	  "apiVersion: networking.istio.io/v2 is not supported for kind DestinationRule (expected "
	  "networking.istio.io/v1, networking.istio.io/v1beta1 or networking.istio.io/v1alpha3)" },
	{ "vs-core", "apiVersion: v1\nkind: VirtualService\nmetadata: {name: r}\n",
	  "t.yaml:1:13: ", "apiVersion: v1 is not supported for kind VirtualService" },
	{ "dr-no-spec",
	  "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: r}\n",
	  "t.yaml:1:1: ", "spec: required" },
	{ "dr-top-unknown", DR "weight: 1\n", "t.yaml:7:1: ", "weight: unknown field" },
	{ "dr-bad-name",
	  "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: R}\n",
	  "t.yaml:3:18: ", "metadata.name: \"R\" is not a DNS-1123 subdomain" },
	{ "gateway", "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: g}\n",
	  "t.yaml:2:7: ", "kind Gateway (networking.istio.io/v1) is not supported" },
	{ "service-entry",
	  "apiVersion: networking.istio.io/v1beta1\nkind: ServiceEntry\nmetadata: {name: g}\n",
	  "t.yaml:2:7: ", "kind ServiceEntry (networking.istio.io/v1beta1) is not supported" },
	{ "sidecar", "apiVersion: networking.istio.io/v1\nkind: Sidecar\n",
	  "t.yaml:2:7: ", "kind Sidecar" },
	{ "envoy-filter", "apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\n",
	  "t.yaml:2:7: ", "kind EnvoyFilter" },
	{ "workload-entry", "apiVersion: networking.istio.io/v1\nkind: WorkloadEntry\n",
	  "t.yaml:2:7: ", "kind WorkloadEntry" },
	{ "workload-group", "apiVersion: networking.istio.io/v1\nkind: WorkloadGroup\n",
	  "t.yaml:2:7: ", "kind WorkloadGroup" },
	{ "proxy-config", "apiVersion: networking.istio.io/v1beta1\nkind: ProxyConfig\n",
	  "t.yaml:2:7: ", "kind ProxyConfig" },
	{ "peer-authn", "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\n",
	  "t.yaml:2:7: ", "kind PeerAuthentication (security.istio.io/v1) is not supported" },
	{ "request-authn", "apiVersion: security.istio.io/v1\nkind: RequestAuthentication\n",
	  "t.yaml:2:7: ", "kind RequestAuthentication" },
	{ "telemetry", "apiVersion: telemetry.istio.io/v1\nkind: Telemetry\n",
	  "t.yaml:2:7: ", "kind Telemetry (telemetry.istio.io/v1) is not supported" },
	{ "wasm", "apiVersion: extensions.istio.io/v1alpha1\nkind: WasmPlugin\n",
	  "t.yaml:2:7: ", "kind WasmPlugin" },
	{ "dr-in-other-istio-group",
	  "apiVersion: security.istio.io/v1\nkind: DestinationRule\nmetadata: {name: r}\n",
	  "t.yaml:2:7: ", "kind DestinationRule (security.istio.io/v1) is not supported" },

	/* DestinationRule spec */
	{ "dr-host-missing", DRH "  subsets: []\n", "t.yaml:5:1: ", "spec.host: required" },
	{ "dr-host-star", DRH "  host: \"*\"\n",
	  "t.yaml:6:9: ", "spec.host: wildcard hosts (\"*\") are not supported" },
	{ "dr-host-wildcard", DRH "  host: \"*.shop.svc.cluster.local\"\n",
	  "t.yaml:6:9: ", "spec.host: wildcard hosts" },
	{ "dr-host-bad", DRH "  host: Reviews_1\n",
	  "t.yaml:6:9: ", "spec.host: \"Reviews_1\" is not a host name" },
	{ "dr-host-int", DRH "  host: 5\n", "t.yaml:6:9: ", "spec.host: expected a string" },
	{ "dr-spec-unknown", DR "  foo: 1\n", "t.yaml:7:3: ", "spec.foo: unknown field" },
	{ "dr-workload-selector", DR "  workloadSelector:\n    matchLabels: {app: a}\n",
	  "t.yaml:7:3: ", "spec.workloadSelector: workload selectors are not supported" },
	{ "dr-export-dot", DR "  exportTo: [\".\"]\n",
	  "t.yaml:7:13: ", "spec.exportTo: visibility scoping is not supported" },
	{ "dr-export-two", DR "  exportTo: [\"*\", shop]\n",
	  "t.yaml:7:13: ", "spec.exportTo: visibility scoping is not supported" },
	{ "dr-export-map", DR "  exportTo: {a: b}\n",
	  "t.yaml:7:13: ", "spec.exportTo: expected a sequence" },
	{ "dr-tp-unknown", DR "  trafficPolicy: {loadbalancer: {}}\n",
	  "t.yaml:7:19: ", "spec.trafficPolicy.loadbalancer: unknown field" },
	{ "dr-tp-seq", DR "  trafficPolicy: []\n",
	  "t.yaml:7:18: ", "spec.trafficPolicy: expected a mapping" },

	/* loadBalancer */
	{ "dr-lb-passthrough",
	  DR "  trafficPolicy:\n    loadBalancer:\n      simple: PASSTHROUGH\n",
	  "t.yaml:9:15: ", "spec.trafficPolicy.loadBalancer.simple: PASSTHROUGH is not supported" },
	{ "dr-lb-bad", DR "  trafficPolicy:\n    loadBalancer:\n      simple: FASTEST\n",
	  "t.yaml:9:15: ",
	  "spec.trafficPolicy.loadBalancer.simple: \"FASTEST\" is not a valid value" },
	{ "dr-lb-lower", DR "  trafficPolicy:\n    loadBalancer:\n      simple: random\n",
	  "t.yaml:9:15: ", "\"random\" is not a valid value" },
	{ "dr-lb-int", DR "  trafficPolicy:\n    loadBalancer:\n      simple: 1\n", "t.yaml:9:15: ",
	  "spec.trafficPolicy.loadBalancer.simple: expected a string, got an integer" },
	{ "dr-lb-unknown", DR "  trafficPolicy:\n    loadBalancer: {simplex: RANDOM}\n",
	  "t.yaml:8:20: ", "spec.trafficPolicy.loadBalancer.simplex: unknown field" },
	{ "dr-lb-both",
	  DR "  trafficPolicy:\n    loadBalancer:\n      simple: RANDOM\n"
	     "      consistentHash: {useSourceIp: true}\n",
	  "t.yaml:10:23: ",
	  "spec.trafficPolicy.loadBalancer.consistentHash: simple and consistentHash cannot be "
	  "used together" },
	{ "dr-lb-both-unspecified",
	  DR "  trafficPolicy:\n    loadBalancer:\n      consistentHash: {useSourceIp: true}\n"
	     "      simple: UNSPECIFIED\n",
	  "t.yaml:9:23: ", "simple and consistentHash cannot be used together" },
	{ "dr-locality",
	  DR "  trafficPolicy:\n    loadBalancer:\n      localityLbSetting: {enabled: true}\n",
	  "t.yaml:9:7: ",
	  "spec.trafficPolicy.loadBalancer.localityLbSetting: locality-aware load balancing is "
	  "not supported" },
	{ "dr-warmup-secs",
	  DR "  trafficPolicy:\n    loadBalancer:\n      warmupDurationSecs: 10s\n",
	  "t.yaml:9:7: ", "spec.trafficPolicy.loadBalancer.warmupDurationSecs: slow start" },
	{ "dr-warmup",
	  DR "  trafficPolicy:\n    loadBalancer:\n      simple: ROUND_ROBIN\n"
	     "      warmup: {duration: 10s}\n",
	  "t.yaml:10:7: ",
	  "spec.trafficPolicy.loadBalancer.warmup: slow start (warmup) is not supported" },

	/* consistentHash */
	{ "dr-hash-false",
	  DR "  trafficPolicy:\n    loadBalancer:\n      consistentHash: {useSourceIp: false}\n",
	  "t.yaml:9:23: ",
	  "spec.trafficPolicy.loadBalancer.consistentHash: consistentHash needs a hash key" },
	{ "dr-hash-empty", DR "  trafficPolicy:\n    loadBalancer:\n      consistentHash: {}\n",
	  "t.yaml:9:23: ", "consistentHash needs a hash key" },
	{ "dr-hash-maglev-only",
	  DR "  trafficPolicy:\n    loadBalancer:\n      consistentHash:\n"
	     "        maglev: {tableSize: 7}\n",
	  "t.yaml:10:9: ",
	  "spec.trafficPolicy.loadBalancer.consistentHash: consistentHash needs a hash key" },
	{ "dr-hash-source-str",
	  DR "  trafficPolicy:\n    loadBalancer:\n      consistentHash: {useSourceIp: \"true\"}\n",
	  "t.yaml:9:37: ",
	  "spec.trafficPolicy.loadBalancer.consistentHash.useSourceIp: expected a boolean" },
	/* The HTTP hash keys decode (test_decode_http.c); these are their errors. */
	{ "dr-hash-two-keys",
	  DR "  trafficPolicy:\n    loadBalancer:\n      consistentHash: {useSourceIp: true, "
	     "httpHeaderName: x-user}\n",
	  "t.yaml:9:43: ",
	  "spec.trafficPolicy.loadBalancer.consistentHash.httpHeaderName: only one hash key can "
	  "be set" },
	{ "dr-hash-cookie-no-name",
	  DR "  trafficPolicy:\n    loadBalancer:\n      consistentHash:\n"
	     "        httpCookie: {ttl: 0s}\n",
	  "t.yaml:10:9: ",
	  "spec.trafficPolicy.loadBalancer.consistentHash.httpCookie.name: required" },
	{ "dr-hash-query-empty",
	  DR "  trafficPolicy:\n    loadBalancer:\n      consistentHash: {httpQueryParameterName: "
	     "\"\"}\n",
	  "t.yaml:9:48: ",
	  "spec.trafficPolicy.loadBalancer.consistentHash.httpQueryParameterName: cannot be empty" },
	{ "dr-hash-ring",
	  DR "  trafficPolicy:\n    loadBalancer:\n      consistentHash: {useSourceIp: true, "
	     "ringHash: {minimumRingSize: 1024}}\n",
	  "t.yaml:9:43: ",
	  "spec.trafficPolicy.loadBalancer.consistentHash.ringHash: ring hash is not supported "
	  "(Sluice hashes with Maglev" },
	{ "dr-hash-min-ring",
	  DR "  trafficPolicy:\n    loadBalancer:\n      consistentHash: {useSourceIp: true, "
	     "minimumRingSize: 1024}\n",
	  "t.yaml:9:43: ",
	  "spec.trafficPolicy.loadBalancer.consistentHash.minimumRingSize: ring hash is not "
	  "supported (Sluice hashes with Maglev" },
	{ "dr-hash-unknown",
	  DR "  trafficPolicy:\n    loadBalancer:\n      consistentHash: {useSourceIP: true}\n",
	  "t.yaml:9:24: ",
	  "spec.trafficPolicy.loadBalancer.consistentHash.useSourceIP: unknown field" },
	{ "dr-maglev-not-prime",
	  DR "  trafficPolicy:\n    loadBalancer:\n      consistentHash: {useSourceIp: true, "
	     "maglev: {tableSize: 65536}}\n",
	  "t.yaml:9:63: ",
	  "spec.trafficPolicy.loadBalancer.consistentHash.maglev.tableSize: 65536 is not a prime "
	  "number" },
	{ "dr-maglev-one",
	  DR "  trafficPolicy:\n    loadBalancer:\n      consistentHash: {useSourceIp: true, "
	     "maglev: {tableSize: 1}}\n",
	  "t.yaml:9:63: ", "1 is not a prime number" },
	{ "dr-maglev-range",
	  DR "  trafficPolicy:\n    loadBalancer:\n      consistentHash: {useSourceIp: true, "
	     "maglev: {tableSize: 65539}}\n",
	  "t.yaml:9:63: ", "maglev.tableSize: 65539 is out of range (1-65537)" },
	{ "dr-maglev-unknown",
	  DR "  trafficPolicy:\n    loadBalancer:\n      consistentHash: {useSourceIp: true, "
	     "maglev: {size: 7}}\n",
	  "t.yaml:9:52: ", "consistentHash.maglev.size: unknown field" },

	/* connectionPool */
	{ "dr-pool-zero",
	  DR "  trafficPolicy:\n    connectionPool:\n      tcp: {maxConnections: 0}\n",
	  "t.yaml:9:29: ",
	  "spec.trafficPolicy.connectionPool.tcp.maxConnections: 0 is out of range (1-2147483647)" },
	{ "dr-pool-str",
	  DR "  trafficPolicy:\n    connectionPool:\n      tcp: {maxConnections: \"10\"}\n",
	  "t.yaml:9:29: ", "maxConnections: expected an integer, got a string" },
	{ "dr-pool-connect-timeout-short",
	  DR "  trafficPolicy:\n    connectionPool:\n      tcp: {connectTimeout: 500us}\n",
	  "t.yaml:9:29: ",
	  "spec.trafficPolicy.connectionPool.tcp.connectTimeout: 500us is too short" },
	{ "dr-pool-keepalive-int",
	  DR "  trafficPolicy:\n    connectionPool:\n      tcp:\n        maxConnections: 5\n"
	     "        tcpKeepalive: {time: 7200}\n",
	  "t.yaml:11:30: ",
	  "spec.trafficPolicy.connectionPool.tcp.tcpKeepalive.time: expected a string, got an "
	  "integer" },
	{ "dr-pool-max-duration-us",
	  DR "  trafficPolicy:\n    connectionPool:\n      tcp: {maxConnectionDuration: 1.5ms}\n",
	  "t.yaml:9:36: ", "connectionPool.tcp.maxConnectionDuration: 1.5ms: only whole milliseconds" },
	{ "dr-pool-idle-negative",
	  DR "  trafficPolicy:\n    connectionPool:\n      tcp: {idleTimeout: -1s}\n",
	  "t.yaml:9:26: ", "connectionPool.tcp.idleTimeout: \"-1s\": a duration cannot be negative" },
	{ "dr-pool-http-upgrade-client",
	  DR "  trafficPolicy:\n    connectionPool:\n"
	     "      http: {h2UpgradePolicy: UPGRADE, useClientProtocol: true}\n",
	  "t.yaml:9:59: ",
	  "spec.trafficPolicy.connectionPool.http.useClientProtocol: cannot be true with "
	  "h2UpgradePolicy: UPGRADE" },
	{ "dr-pool-unknown", DR "  trafficPolicy:\n    connectionPool:\n      udp: {}\n",
	  "t.yaml:9:7: ", "spec.trafficPolicy.connectionPool.udp: unknown field" },

	/* the rest of TrafficPolicy */
	{ "dr-outlier-deprecated",
	  DR "  trafficPolicy:\n    outlierDetection:\n      consecutiveErrors: 7\n",
	  "t.yaml:9:7: ",
	  "spec.trafficPolicy.outlierDetection.consecutiveErrors: deprecated" },
	{ "dr-tls", DR "  trafficPolicy:\n    tls: {mode: ISTIO_MUTUAL}\n", "t.yaml:8:5: ",
	  "spec.trafficPolicy.tls: TLS to the destination (mutual TLS) is not supported yet" },
	{ "dr-tunnel",
	  DR "  trafficPolicy:\n    tunnel: {protocol: CONNECT, targetHost: a, "
	     "targetPort: 1}\n",
	  "t.yaml:8:5: ", "spec.trafficPolicy.tunnel: tunneling is not supported" },
	{ "dr-proxy-protocol", DR "  trafficPolicy:\n    proxyProtocol: {version: V1}\n",
	  "t.yaml:8:5: ", "spec.trafficPolicy.proxyProtocol: the PROXY protocol is not supported" },
	{ "dr-retry-budget", DR "  trafficPolicy:\n    retryBudget: {percent: {value: 20}}\n",
	  "t.yaml:8:5: ", "spec.trafficPolicy.retryBudget: retry budgets need the L7 proxy" },

	/* portLevelSettings */
	{ "dr-pls-no-port",
	  DR "  trafficPolicy:\n    portLevelSettings:\n    - loadBalancer: {simple: RANDOM}\n",
	  "t.yaml:9:7: ", "spec.trafficPolicy.portLevelSettings[0].port: required" },
	{ "dr-pls-no-number", DR "  trafficPolicy:\n    portLevelSettings:\n    - port: {}\n",
	  "t.yaml:9:7: ", "spec.trafficPolicy.portLevelSettings[0].port.number: required" },
	{ "dr-pls-port-zero",
	  DR "  trafficPolicy:\n    portLevelSettings:\n    - port: {number: 0}\n", "t.yaml:9:22: ",
	  "spec.trafficPolicy.portLevelSettings[0].port.number: 0 is out of range (1-65535)" },
	{ "dr-pls-port-name",
	  DR "  trafficPolicy:\n    portLevelSettings:\n    - port: {name: http}\n",
	  "t.yaml:9:14: ", "spec.trafficPolicy.portLevelSettings[0].port.name: unknown field" },
	{ "dr-pls-dup",
	  DR "  trafficPolicy:\n    portLevelSettings:\n    - port: {number: 80}\n"
	     "    - port: {number: 80}\n",
	  "t.yaml:10:22: ",
	  "spec.trafficPolicy.portLevelSettings[1].port.number: port 80 is already set in "
	  "portLevelSettings[0]" },
	{ "dr-pls-outlier",
	  DR "  trafficPolicy:\n    portLevelSettings:\n    - port: {number: 80}\n"
	     "      outlierDetection: {maxEjectionPercent: 101}\n",
	  "t.yaml:10:46: ",
	  "spec.trafficPolicy.portLevelSettings[0].outlierDetection.maxEjectionPercent: 101 is "
	  "out of range (0-100)" },
	{ "dr-pls-tls",
	  DR "  trafficPolicy:\n    portLevelSettings:\n    - port: {number: 80}\n"
	     "      tls: {mode: SIMPLE}\n",
	  "t.yaml:10:7: ", "spec.trafficPolicy.portLevelSettings[0].tls: TLS to the destination" },
	{ "dr-pls-tunnel",
	  DR "  trafficPolicy:\n    portLevelSettings:\n    - port: {number: 80}\n"
	     "      tunnel: {}\n",
	  "t.yaml:10:7: ", "spec.trafficPolicy.portLevelSettings[0].tunnel: unknown field" },
	{ "dr-pls-hash",
	  DR "  trafficPolicy:\n    portLevelSettings:\n    - port: {number: 80}\n"
	     "      loadBalancer: {consistentHash: {httpHeaderName: \"bad header\"}}\n",
	  "t.yaml:10:55: ",
	  "spec.trafficPolicy.portLevelSettings[0].loadBalancer.consistentHash.httpHeaderName: "
	  "\"bad header\" is not a valid HTTP header name" },
	{ "dr-pls-pool",
	  DR "  trafficPolicy:\n    portLevelSettings:\n    - port: {number: 80}\n"
	     "      connectionPool: {http: {maxRetries: -1}}\n",
	  "t.yaml:10:43: ",
	  "spec.trafficPolicy.portLevelSettings[0].connectionPool.http.maxRetries: -1 is out of "
	  "range (0-2147483647)" },

	/* subsets */
	{ "dr-subset-no-name", DR "  subsets:\n  - labels: {version: v1}\n",
	  "t.yaml:8:5: ", "spec.subsets[0].name: required" },
	{ "dr-subset-bad-name", DR "  subsets:\n  - name: V1\n",
	  "t.yaml:8:11: ", "spec.subsets[0].name: \"V1\" is not a DNS-1123 label" },
	{ "dr-subset-dup", DR "  subsets:\n  - name: v1\n  - name: v2\n  - name: v1\n",
	  "t.yaml:10:11: ", "spec.subsets[2].name: duplicate subset name \"v1\"" },
	{ "dr-subset-label-int", DR "  subsets:\n  - name: v1\n    labels: {version: 1}\n",
	  "t.yaml:9:23: ",
	  "spec.subsets[0].labels[\"version\"]: expected a string, got an integer" },
	{ "dr-subset-label-key", DR "  subsets:\n  - name: v1\n    labels: {-v: a}\n",
	  "t.yaml:9:14: ", "spec.subsets[0].labels[\"-v\"]: not a valid label key" },
	{ "dr-subset-unknown", DR "  subsets:\n  - name: v1\n    weight: 1\n",
	  "t.yaml:9:5: ", "spec.subsets[0].weight: unknown field" },
	{ "dr-subset-tls",
	  DR "  subsets:\n  - name: v1\n    trafficPolicy:\n      tls: {mode: SIMPLE}\n",
	  "t.yaml:10:7: ", "spec.subsets[0].trafficPolicy.tls: TLS to the destination" },
	{ "dr-subset-pls",
	  DR "  subsets:\n  - name: v1\n    trafficPolicy:\n      portLevelSettings:\n"
	     "      - port: {number: 1}\n        loadBalancer: {simple: PASSTHROUGH}\n",
	  "t.yaml:12:32: ",
	  "spec.subsets[0].trafficPolicy.portLevelSettings[0].loadBalancer.simple: PASSTHROUGH" },

	/* VirtualService spec */
	{ "vs-hosts-missing", VSH TCP1, "t.yaml:5:1: ", "spec.hosts: required" },
	{ "vs-hosts-empty", VSH "  hosts: []\n" TCP1,
	  "t.yaml:6:10: ", "spec.hosts: at least one host is required" },
	{ "vs-hosts-star", VSH "  hosts: [\"*\"]\n" TCP1,
	  "t.yaml:6:11: ", "spec.hosts[0]: wildcard hosts (\"*\") are not supported" },
	{ "vs-hosts-wildcard", VSH "  hosts: [a, \"*.example.com\"]\n" TCP1,
	  "t.yaml:6:14: ", "spec.hosts[1]: wildcard hosts (\"*.example.com\") are not supported" },
	{ "vs-hosts-str", VSH "  hosts: reviews\n" TCP1,
	  "t.yaml:6:10: ", "spec.hosts: expected a sequence" },
	{ "vs-gateway", VS "  gateways: [mesh, istio-system/gw]\n" TCP1, "t.yaml:7:20: ",
	  "spec.gateways[1]: gateway \"istio-system/gw\": ingress gateways are not supported" },
	/* HTTP routes decode (test_decode_http.c); the compiler refuses them without
	 * sluice-proxy (test_compile.c). */
	{ "vs-http-mirror",
	  VS "  http:\n  - route:\n    - destination: {host: reviews}\n    mirror: {host: x}\n",
	  "t.yaml:10:5: ", "spec.http[0].mirror: traffic mirroring is not supported" },
	{ "vs-http-flow", VS "  tcp: []\n  http: [{redirect: {}}]\n",
	  "t.yaml:8:21: ", "spec.http[0].redirect: a redirect must set uri, authority, scheme or port" },
	{ "vs-tls",
	  VS "  tls:\n  - match: [{sniHosts: [reviews]}]\n"
	     "    route: [{destination: {host: reviews}}]\n",
	  "t.yaml:7:3: ", "spec.tls: TLS routes need the L7 proxy, not supported yet" },
	{ "vs-export-to", VS "  exportTo: [\".\"]\n" TCP1,
	  "t.yaml:7:13: ", "spec.exportTo: visibility scoping is not supported" },
	{ "vs-unknown", VS "  tcpRoutes: []\n", "t.yaml:7:3: ", "spec.tcpRoutes: unknown field" },
	{ "vs-no-routes", VS, "t.yaml:5:1: ", "spec.tcp: required" },
	{ "vs-tcp-empty", VS "  tcp: []\n", "t.yaml:7:3: ", "spec.tcp: required" },
	{ "vs-tcp-map", VS "  tcp: {route: []}\n",
	  "t.yaml:7:8: ", "spec.tcp: expected a sequence" },
	{ "vs-tcp-unknown", VS "  tcp:\n  - route: [{destination: {host: a}}]\n    timeout: 1s\n",
	  "t.yaml:9:5: ", "spec.tcp[0].timeout: unknown field" },

	/* tcp route */
	{ "vs-route-missing", VS "  tcp:\n  - match: [{port: 80}]\n",
	  "t.yaml:8:5: ", "spec.tcp[0].route: required" },
	{ "vs-route-empty", VS "  tcp:\n  - route: []\n",
	  "t.yaml:8:12: ", "spec.tcp[0].route: at least one destination is required" },
	{ "vs-dest-missing", VS "  tcp:\n  - route:\n    - weight: 100\n",
	  "t.yaml:9:7: ", "spec.tcp[0].route[0].destination: required" },
	{ "vs-dest-host-missing", VS "  tcp:\n  - route:\n    - destination: {subset: v1}\n",
	  "t.yaml:9:7: ", "spec.tcp[0].route[0].destination.host: required" },
	{ "vs-dest-host-star", VS "  tcp:\n  - route:\n    - destination: {host: \"*\"}\n",
	  "t.yaml:9:27: ", "spec.tcp[0].route[0].destination.host: wildcard hosts" },
	{ "vs-dest-subset", VS "  tcp:\n  - route:\n    - destination: {host: a, subset: V1}\n",
	  "t.yaml:9:38: ",
	  "spec.tcp[0].route[0].destination.subset: \"V1\" is not a DNS-1123 label" },
	{ "vs-dest-port",
	  VS "  tcp:\n  - route:\n    - destination: {host: a, port: {number: 70000}}\n",
	  "t.yaml:9:45: ",
	  "spec.tcp[0].route[0].destination.port.number: 70000 is out of range (1-65535)" },
	{ "vs-dest-unknown", VS "  tcp:\n  - route:\n    - destination: {host: a, ns: b}\n",
	  "t.yaml:9:30: ", "spec.tcp[0].route[0].destination.ns: unknown field" },
	{ "vs-route-unknown",
	  VS "  tcp:\n  - route:\n    - destination: {host: a}\n      headers: {}\n",
	  "t.yaml:10:7: ", "spec.tcp[0].route[0].headers: unknown field" },
	{ "vs-weight-negative",
	  VS "  tcp:\n  - route:\n    - destination: {host: a}\n      weight: -1\n",
	  "t.yaml:10:15: ", "spec.tcp[0].route[0].weight: -1 is out of range (0-2147483647)" },
	{ "vs-weight-float",
	  VS "  tcp:\n  - route:\n    - destination: {host: a}\n      weight: 50.5\n",
	  "t.yaml:10:15: ", "spec.tcp[0].route[0].weight: expected an integer, got a float" },
	{ "vs-weights-zero",
	  VS "  tcp:\n  - route:\n    - destination: {host: a}\n    - destination: {host: b}\n",
	  "t.yaml:9:5: ", "spec.tcp[0].route: total destination weight = 0" },
	{ "vs-weights-inexact",
	  VS
	  "  tcp:\n  - route: [{destination: {host: a}}]\n  - route:\n"
	  "    - {destination: {host: a}, weight: 1}\n    - {destination: {host: b}, weight: 1}\n"
	  "    - {destination: {host: c}, weight: 1}\n",
	  "t.yaml:10:5: ",
	  "spec.tcp[1].route: total destination weight 3: weights are relative, and these do not "
	  "scale exactly to percentages" },
	{ "vs-weights-90",
	  VS "  tcp:\n  - route:\n    - {destination: {host: a}, weight: 50}\n"
	     "    - {destination: {host: b}, weight: 40}\n",
	  "t.yaml:9:5: ", "spec.tcp[0].route: total destination weight 90" },

	/* tcp match */
	{ "vs-match-dst-subnets",
	  VS "  tcp:\n  - match:\n    - destinationSubnets: [10.0.0.0/8]\n"
	     "    route: [{destination: {host: a}}]\n",
	  "t.yaml:9:7: ",
	  "spec.tcp[0].match[0].destinationSubnets: matching on destination subnets is not "
	  "supported" },
	{ "vs-match-src-subnet",
	  VS "  tcp:\n  - match:\n    - sourceSubnet: 10.0.0.0/8\n"
	     "    route: [{destination: {host: a}}]\n",
	  "t.yaml:9:7: ",
	  "spec.tcp[0].match[0].sourceSubnet: matching on a source subnet is not supported" },
	{ "vs-match-gateway",
	  VS "  tcp:\n  - match:\n    - gateways: [my-gw]\n    route: [{destination: {host: a}}]\n",
	  "t.yaml:9:18: ",
	  "spec.tcp[0].match[0].gateways[0]: gateway \"my-gw\": ingress gateways are not supported" },
	{ "vs-match-port",
	  VS "  tcp:\n  - match:\n    - port: 65536\n    route: [{destination: {host: a}}]\n",
	  "t.yaml:9:13: ", "spec.tcp[0].match[0].port: 65536 is out of range (0-65535)" },
	{ "vs-match-ns",
	  VS "  tcp:\n  - match:\n    - sourceNamespace: Front\n"
	     "    route: [{destination: {host: a}}]\n",
	  "t.yaml:9:24: ",
	  "spec.tcp[0].match[0].sourceNamespace: \"Front\" is not a DNS-1123 label" },
	{ "vs-match-labels",
	  VS "  tcp:\n  - match:\n    - sourceLabels: {app: [a]}\n"
	     "    route: [{destination: {host: a}}]\n",
	  "t.yaml:9:27: ", "spec.tcp[0].match[0].sourceLabels[\"app\"]: expected a string" },
	{ "vs-match-unknown",
	  VS "  tcp:\n  - match:\n    - sniHosts: [a]\n    route: [{destination: {host: a}}]\n",
	  "t.yaml:9:7: ", "spec.tcp[0].match[0].sniHosts: unknown field" },
	{ "vs-match-map",
	  VS "  tcp:\n  - match: {port: 1}\n    route: [{destination: {host: a}}]\n",
	  "t.yaml:8:12: ", "spec.tcp[0].match: expected a sequence" },
};

static void test_bad_table(void **state)
{
	size_t i, failed = 0;

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *b = &bad_cases[i];
		struct sl_objects l = { 0 };
		char err[512] = "";
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
		assert_null(l.v);
		sl_objects_free(&l);
	}
	assert_int_equal(failed, 0);
}

/* ---- the Bookinfo sample (../shared/compat, real Istio files) ---- */

static int compat_dir(char *dir, size_t len)
{
	snprintf(dir, len, "%s/../shared/compat/istio-samples", srcdir());
	return access(dir, R_OK);
}

static void test_bookinfo_destination_rules(void **state)
{
	static const struct {
		const char *name;
		size_t nsubsets;
		const char *last; /* name (and version label) of the last subset */
	} want[] = {
		{ "productpage", 1, "v1" },
		{ "reviews", 3, "v3" },
		{ "ratings", 4, "v2-mysql-vm" },
		{ "details", 2, "v2" },
	};
	char dir[4096], path[4200], err[512] = "";
	struct sl_objects l = { 0 };
	size_t i, len;
	char *buf;

	if (compat_dir(dir, sizeof(dir)))
		skip();
	snprintf(path, sizeof(path), "%s/bookinfo-networking-destination-rule-all.yaml", dir);
	buf = read_file(path, &len);
	assert_non_null(buf);
	if (sl_decode_stream(path, buf, len, &l, NULL, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(l.n, 4);
	for (i = 0; i < l.n; i++) {
		const struct sl_destination_rule *dr = &l.v[i].dr;
		const struct sl_subset *last;

		assert_int_equal(l.v[i].kind, SL_KIND_DESTINATION_RULE);
		assert_string_equal(dr->meta.name, want[i].name);
		assert_string_equal(dr->meta.ns, "default");
		/* Short host names, as written. */
		assert_string_equal(dr->host, want[i].name);
		assert_false(dr->policy.lb.set);
		assert_int_equal(dr->nsubsets, want[i].nsubsets);
		last = &dr->subsets[dr->nsubsets - 1];
		assert_string_equal(last->name, want[i].last);
		assert_int_equal(last->nlabels, 1);
		assert_string_equal(label(last->labels, 1, "version"), want[i].last);
	}
	sl_objects_free(&l);
	free(buf);
}

static void test_bookinfo_virtual_services(void **state)
{
	/* All HTTP routes: they decode (their values are checked in test_decode_http.c). */
	static const char *const files[] = {
		"bookinfo-networking-virtual-service-all-v1.yaml",
		"bookinfo-networking-virtual-service-ratings-test-abort.yaml",
		"bookinfo-networking-virtual-service-ratings-test-delay.yaml",
		"bookinfo-networking-virtual-service-reviews-50-v3.yaml",
		"bookinfo-networking-virtual-service-reviews-90-10.yaml",
		"bookinfo-networking-virtual-service-reviews-jason-v2-v3.yaml",
		"bookinfo-networking-fault-injection-details-v1.yaml",
	};
	char dir[4096], path[4200], err[512];
	size_t i, len;

	if (compat_dir(dir, sizeof(dir)))
		skip();
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct sl_objects l = { 0 };
		char *buf;
		int r;

		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		buf = read_file(path, &len);
		assert_non_null(buf);
		err[0] = '\0';
		r = sl_decode_stream(path, buf, len, &l, NULL, err, sizeof(err));
		if (r)
			fail_msg("%s", err);
		assert_true(l.n >= 1);
		assert_int_equal(l.v[0].kind, SL_KIND_VIRTUAL_SERVICE);
		assert_true(l.v[0].vs.nhttp >= 1);
		assert_int_equal(l.v[0].vs.ntcp, 0);
		/* The `http` key, on line 8 of every one of them. */
		assert_int_equal(l.v[0].vs.http_pos.line, 8);
		sl_objects_free(&l);
		free(buf);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dr_full),
		cmocka_unit_test(test_dr_defaults),
		cmocka_unit_test(test_vs_full),
		cmocka_unit_test(test_vs_weights),
		cmocka_unit_test(test_bad_table),
		cmocka_unit_test(test_bookinfo_destination_rules),
		cmocka_unit_test(test_bookinfo_virtual_services),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
