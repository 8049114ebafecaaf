// SPDX-License-Identifier: Apache-2.0
/* Desired state -> frontends: which endpoints a Service port gets, and when it is refused. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/decode.h"
#include "model/objects.h"
#include "state/compile.h"
#include "state/store.h"
#include "test_store.h"

static const char *svc_yaml =
	"apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\n"
	"spec:\n  clusterIPs: [10.96.0.10, 'fd00:10:96::a']\n"
	"  ports:\n  - {name: http, port: 80, targetPort: web}\n"
	"  - {name: dns, port: 53, protocol: UDP}\n";

/* Decodes `yaml` and upserts it into the store in one committed transaction. */
static void apply(struct sl_store *st, const char *yaml)
{
	store_apply(st, "t.yaml", yaml, strlen(yaml));
}

static const struct sl_frontend *fe_get(const struct sl_compiled *c, const char *ip, uint16_t port,
					uint8_t proto)
{
	struct sl_svc_key k = {};
	struct sl_ip a;

	assert_int_equal(sl_ip_parse(ip, &a), 0);
	memcpy(&k.addr, a.b, 16);
	k.port = htons(port);
	k.proto = proto;
	return sl_htab_get(&c->fe, &k, sizeof(k));
}

static void backend_is(const struct sl_backend *b, const char *ip, uint16_t port)
{
	struct sl_ip a;

	assert_int_equal(sl_ip_parse(ip, &a), 0);
	assert_memory_equal(&b->addr, a.b, 16);
	assert_int_equal(ntohs(b->port), port);
}

static void test_named_port_dual_stack(void **state)
{
	struct sl_store st = {};
	struct sl_compiled c = {};
	const struct sl_frontend *fe;
	char err[512];

	apply(&st, svc_yaml);
	apply(&st, "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n"
		   "metadata: {name: web-1, namespace: shop, labels: {kubernetes.io/service-name: web}}\n"
		   "addressType: IPv4\n"
		   "endpoints:\n- addresses: [10.244.1.12]\n- addresses: [10.244.1.11]\n  conditions: {ready: true}\n"
		   "ports:\n- {name: http, port: 8080}\n- {name: dns, port: 5353, protocol: UDP}\n"
		   "---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n"
		   "metadata: {name: web-2, namespace: shop, labels: {kubernetes.io/service-name: web}}\n"
		   "addressType: IPv6\n"
		   "endpoints:\n- addresses: ['fd00:10:244:1::b']\n"
		   "ports:\n- {name: http, port: 8080}\n");
	assert_int_equal(sl_compile(&st, NULL, &c, err, sizeof(err)), 0);
	assert_int_equal(c.fe.used, 4);
	fe = fe_get(&c, "10.96.0.10", 80, 6);
	assert_non_null(fe);
	assert_int_equal(fe->routes[0].dest[0].nbe, 2);
	/* Sorted, and a missing `ready` counts as ready. */
	backend_is(&fe->routes[0].dest[0].be[0], "10.244.1.11", 8080);
	backend_is(&fe->routes[0].dest[0].be[1], "10.244.1.12", 8080);
	fe = fe_get(&c, "10.96.0.10", 53, 17);
	assert_non_null(fe);
	assert_int_equal(fe->routes[0].dest[0].nbe, 2);
	backend_is(&fe->routes[0].dest[0].be[0], "10.244.1.11", 5353);
	/* IPv6 ClusterIP gets the IPv6 slice only; its UDP port has no slice port. */
	fe = fe_get(&c, "fd00:10:96::a", 80, 6);
	assert_non_null(fe);
	assert_int_equal(fe->routes[0].dest[0].nbe, 1);
	backend_is(&fe->routes[0].dest[0].be[0], "fd00:10:244:1::b", 8080);
	fe = fe_get(&c, "fd00:10:96::a", 53, 17);
	assert_non_null(fe);
	assert_int_equal(fe->routes[0].dest[0].nbe, 0);
	sl_compiled_free(&c);
	sl_store_free(&st);
}

static void test_ready_then_serving(void **state)
{
	struct sl_store st = {};
	struct sl_compiled c = {};
	const struct sl_frontend *fe;
	char err[512];

	apply(&st, svc_yaml);
	apply(&st, "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n"
		   "metadata: {name: web-1, namespace: shop, labels: {kubernetes.io/service-name: web}}\n"
		   "addressType: IPv4\n"
		   "endpoints:\n"
		   "- addresses: [10.244.1.11]\n  conditions: {ready: false, serving: true, terminating: true}\n"
		   "- addresses: [10.244.1.12]\n  conditions: {ready: true}\n"
		   "- addresses: [10.244.1.13]\n  conditions: {ready: false, serving: false}\n"
		   "ports:\n- {name: http, port: 8080}\n");
	assert_int_equal(sl_compile(&st, NULL, &c, err, sizeof(err)), 0);
	fe = fe_get(&c, "10.96.0.10", 80, 6);
	assert_int_equal(fe->routes[0].dest[0].nbe, 1);
	assert_false(fe->routes[0].dest[0].serving_fallback);
	backend_is(&fe->routes[0].dest[0].be[0], "10.244.1.12", 8080);
	sl_compiled_free(&c);

	/* No ready endpoint: the serving (terminating) one is used, as kube-proxy does. */
	apply(&st, "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n"
		   "metadata: {name: web-1, namespace: shop, labels: {kubernetes.io/service-name: web}}\n"
		   "addressType: IPv4\n"
		   "endpoints:\n"
		   "- addresses: [10.244.1.11]\n  conditions: {ready: false, serving: true, terminating: true}\n"
		   "- addresses: [10.244.1.13]\n  conditions: {ready: false, serving: false}\n"
		   "ports:\n- {name: http, port: 8080}\n");
	memset(&c, 0, sizeof(c));
	assert_int_equal(sl_compile(&st, NULL, &c, err, sizeof(err)), 0);
	fe = fe_get(&c, "10.96.0.10", 80, 6);
	assert_int_equal(fe->routes[0].dest[0].nbe, 1);
	assert_true(fe->routes[0].dest[0].serving_fallback);
	backend_is(&fe->routes[0].dest[0].be[0], "10.244.1.11", 8080);
	sl_compiled_free(&c);
	sl_store_free(&st);
}

static void test_duplicates_and_other_namespace(void **state)
{
	struct sl_store st = {};
	struct sl_compiled c = {};
	const struct sl_frontend *fe;
	char err[512];

	apply(&st, svc_yaml);
	/* Same address in two slices counts once; a slice of another namespace is not ours. */
	apply(&st, "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n"
		   "metadata: {name: a, namespace: shop, labels: {kubernetes.io/service-name: web}}\n"
		   "addressType: IPv4\nendpoints:\n- addresses: [10.244.1.11]\nports:\n- {name: http, port: 8080}\n"
		   "---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n"
		   "metadata: {name: b, namespace: shop, labels: {kubernetes.io/service-name: web}}\n"
		   "addressType: IPv4\nendpoints:\n- addresses: [10.244.1.11]\nports:\n- {name: http, port: 8080}\n"
		   "---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n"
		   "metadata: {name: c, namespace: other, labels: {kubernetes.io/service-name: web}}\n"
		   "addressType: IPv4\nendpoints:\n- addresses: [10.244.9.9]\nports:\n- {name: http, port: 8080}\n");
	assert_int_equal(sl_compile(&st, NULL, &c, err, sizeof(err)), 0);
	fe = fe_get(&c, "10.96.0.10", 80, 6);
	assert_int_equal(fe->routes[0].dest[0].nbe, 1);
	backend_is(&fe->routes[0].dest[0].be[0], "10.244.1.11", 8080);
	sl_compiled_free(&c);
	sl_store_free(&st);
}

static void test_conflicting_cluster_ip(void **state)
{
	struct sl_store st = {};
	struct sl_compiled c = {};
	char err[512] = "";

	apply(&st, svc_yaml);
	apply(&st, "apiVersion: v1\nkind: Service\nmetadata: {name: clash, namespace: shop}\n"
		   "spec:\n  clusterIP: 10.96.0.10\n  ports:\n  - {port: 80}\n");
	assert_int_equal(sl_compile(&st, NULL, &c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "t.yaml:1:1: "));
	assert_non_null(strstr(err, "already used by service"));
	assert_int_equal(c.fe.used, 0);
	sl_store_free(&st);
}

static const char *clash_yaml = "apiVersion: v1\nkind: Service\nmetadata: {name: clash, namespace: shop}\n"
				 "spec:\n  clusterIP: 10.96.0.10\n  ports:\n  - {port: 80}\n";

/* store holds `held` (from held.yaml); an apply brings `applied` (applied.yaml), and
 * compiling it fails: the error is expected to start with `first`. */
static void clash_case(const char *held, const char *applied, const char *first)
{
	struct sl_store st = {};
	struct sl_objects objs = {};
	struct sl_compiled c = {};
	struct sl_compile_opts o = {};
	struct sl_store_txn txn;
	enum sl_change ch;
	char err[512] = "";

	store_apply(&st, "held.yaml", held, strlen(held));
	assert_int_equal(sl_decode_stream("applied.yaml", applied, strlen(applied), &objs, NULL,
					  err, sizeof(err)),
			 0);
	sl_store_txn_begin(&txn, &st);
	assert_int_equal(sl_store_upsert(&txn, &objs.v[0], &ch), 0);
	o.txn = &txn;
	assert_int_equal(sl_compile(&st, &o, &c, err, sizeof(err)), -EINVAL);
	assert_true(strncmp(err, first, strlen(first)) == 0);
	assert_non_null(strstr(err, "held.yaml:1:1)"));
	sl_store_txn_rollback(&txn);
	sl_objects_free(&objs);
	sl_store_free(&st);
}

/* A clash is reported on the Service the apply brings, whichever of the two the store
 * happens to list first. */
static void test_clash_names_the_applied_service(void **state)
{
	clash_case(svc_yaml, clash_yaml, "applied.yaml:1:1: service shop/clash: 10.96.0.10 port 80/TCP");
	clash_case(clash_yaml, svc_yaml, "applied.yaml:1:1: service shop/web: 10.96.0.10 port 80/TCP");
}

/* Likewise for two VirtualServices for one host. */
static void test_rule_conflict_names_the_applied_rule(void **state)
{
	const char *a = "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
			"metadata: {name: a, namespace: shop}\n"
			"spec:\n  hosts: [web]\n  tcp:\n  - route:\n    - destination: {host: web}\n";
	const char *b = "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
			"metadata: {name: b, namespace: shop}\n"
			"spec:\n  hosts: [web]\n  tcp:\n  - route:\n    - destination: {host: web}\n";

	clash_case(a, b, "applied.yaml:1:1: VirtualService shop/b: host web");
	clash_case(b, a, "applied.yaml:1:1: VirtualService shop/a: host web");
}

static void test_txn_rollback(void **state)
{
	struct sl_store st = {};
	struct sl_objects objs = {};
	struct sl_store_txn txn;
	enum sl_change ch;
	char err[256];
	const struct sl_object *o;

	apply(&st, svc_yaml);
	assert_int_equal(sl_decode_stream("u.yaml", svc_yaml, strlen(svc_yaml), &objs, NULL, err,
					  sizeof(err)), 0);
	/* Unchanged input is reported as unchanged. */
	sl_store_txn_begin(&txn, &st);
	assert_int_equal(sl_store_upsert(&txn, &objs.v[0], &ch), 0);
	assert_int_equal(ch, SL_CHANGE_UNCHANGED);
	/* Changed, then removed, then rolled back: the original is back. */
	objs.v[0].svc.ports[0].port = 81;
	assert_int_equal(sl_store_upsert(&txn, &objs.v[0], &ch), 0);
	assert_int_equal(ch, SL_CHANGE_CONFIGURED);
	assert_int_equal(sl_store_remove(&txn, &objs.v[0]), 0);
	assert_int_equal(sl_store_remove(&txn, &objs.v[0]), -ENOENT);
	sl_store_txn_rollback(&txn);
	o = sl_store_get(&st, SL_KIND_SERVICE, "shop", "web");
	assert_non_null(o);
	assert_int_equal(o->svc.ports[0].port, 80);
	assert_string_equal(o->meta.pos.file, "t.yaml");
	assert_int_equal(sl_store_count(&st), 1);
	sl_objects_free(&objs);
	sl_store_free(&st);
}

/* The L7 gate: without sluice-proxy, HTTP routes and L7-only DestinationRule settings
 * fail the compile, naming the field; with it (opts.l7), they compile; L4 config is
 * untouched either way. */
static void test_l7_gate(void **state)
{
	static const struct {
		const char *yaml;
		const char *want;
	} refused[] = {
		{ "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
		  "metadata: {name: web, namespace: shop}\nspec:\n  hosts: [web]\n"
		  "  tcp: [{route: [{destination: {host: web}}]}]\n"
		  "  http:\n  - route: [{destination: {host: web}}]\n",
		  "t.yaml:7:3: VirtualService shop/web: spec.http (HTTP routes) needs sluice-proxy (the "
		  "L7 proxy is not enabled on this node)" },
		{ "apiVersion: networking.istio.io/v1\nkind: DestinationRule\n"
		  "metadata: {name: web, namespace: shop}\nspec:\n  host: web\n"
		  "  trafficPolicy:\n    loadBalancer: {consistentHash: {httpCookie: {name: u}}}\n",
		  "t.yaml:7:37: DestinationRule shop/web: "
		  "spec.trafficPolicy.loadBalancer.consistentHash.httpCookie needs sluice-proxy" },
		{ "apiVersion: networking.istio.io/v1\nkind: DestinationRule\n"
		  "metadata: {name: web, namespace: shop}\nspec:\n  host: web\n"
		  "  trafficPolicy:\n    connectionPool:\n      tcp:\n        maxConnections: 5\n"
		  "        idleTimeout: 0s\n",
		  "t.yaml:10:9: DestinationRule shop/web: "
		  "spec.trafficPolicy.connectionPool.tcp.idleTimeout needs sluice-proxy" },
		{ "apiVersion: networking.istio.io/v1\nkind: DestinationRule\n"
		  "metadata: {name: web, namespace: shop}\nspec:\n  host: web\n"
		  "  trafficPolicy:\n    portLevelSettings:\n    - port: {number: 80}\n"
		  "      connectionPool: {http: {maxRetries: 1}}\n",
		  "t.yaml:9:24: DestinationRule shop/web: "
		  "spec.trafficPolicy.portLevelSettings[0].connectionPool.http needs sluice-proxy" },
		{ "apiVersion: networking.istio.io/v1\nkind: DestinationRule\n"
		  "metadata: {name: web, namespace: shop}\nspec:\n  host: web\n"
		  "  subsets:\n  - name: v1\n  - name: v2\n    trafficPolicy:\n"
		  "      portLevelSettings:\n      - port: {number: 80}\n"
		  "        outlierDetection: {consecutive5xxErrors: 3}\n",
		  "t.yaml:12:9: DestinationRule shop/web: "
		  "spec.subsets[1].trafficPolicy.portLevelSettings[0].outlierDetection needs "
		  "sluice-proxy" },
	};
	struct sl_compile_opts l7 = { .l7 = true }, l4 = { 0 };
	size_t i;

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		struct sl_store st = {};
		struct sl_compiled c = {};
		char err[512] = "";

		apply(&st, svc_yaml);
		apply(&st, refused[i].yaml);
		/* NULL options are the default: no proxy. */
		assert_int_equal(sl_compile(&st, NULL, &c, err, sizeof(err)), -EINVAL);
		if (strncmp(err, refused[i].want, strlen(refused[i].want)))
			fail_msg("got \"%s\", want \"%s\"", err, refused[i].want);
		assert_int_equal(c.fe.used, 0);
		err[0] = '\0';
		assert_int_equal(sl_compile(&st, &l4, &c, err, sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, "(the L7 proxy is not enabled on this node)"));
		assert_int_equal(sl_compile(&st, &l7, &c, err, sizeof(err)), 0);
		assert_int_equal(c.fe.used, 4);
		/* With the proxy, the Service's TCP frontends go to it; UDP ones never. */
		assert_true(fe_get(&c, "10.96.0.10", 80, 6)->flags & SL_SVC_F_L7);
		assert_true(fe_get(&c, "fd00:10:96::a", 80, 6)->flags & SL_SVC_F_L7);
		assert_false(fe_get(&c, "10.96.0.10", 53, 17)->flags & SL_SVC_F_L7);
		sl_compiled_free(&c);
		sl_store_free(&st);
	}

	/* L4 only: tcp routes, source-IP hashing, a connection cap, subsets compile as
	 * before with or without the proxy. */
	for (i = 0; i < 2; i++) {
		struct sl_store st = {};
		struct sl_compiled c = {};
		const struct sl_frontend *fe;
		char err[512] = "";

		apply(&st, svc_yaml);
		apply(&st, "apiVersion: networking.istio.io/v1\nkind: DestinationRule\n"
			   "metadata: {name: web, namespace: shop}\nspec:\n  host: web\n"
			   "  trafficPolicy:\n    loadBalancer: {consistentHash: {useSourceIp: true}}\n"
			   "    connectionPool: {tcp: {maxConnections: 7}}\n"
			   "  subsets: [{name: v1, labels: {version: v1}}]\n"
			   "---\napiVersion: networking.istio.io/v1\nkind: VirtualService\n"
			   "metadata: {name: web, namespace: shop}\nspec:\n  hosts: [web]\n"
			   "  http: []\n  tcp: [{route: [{destination: {host: web}}]}]\n");
		assert_int_equal(sl_compile(&st, i ? &l7 : NULL, &c, err, sizeof(err)), 0);
		fe = fe_get(&c, "10.96.0.10", 80, 6);
		assert_non_null(fe);
		assert_non_null(fe->vs);
		assert_int_equal(fe->routes[0].dest[0].algo, SL_ALGO_MAGLEV);
		assert_int_equal(fe->routes[0].dest[0].max_conns, 7);
		assert_false(fe->flags & SL_SVC_F_L7); /* L4 configuration stays in the kernel */
		sl_compiled_free(&c);
		sl_store_free(&st);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_named_port_dual_stack),
		cmocka_unit_test(test_ready_then_serving),
		cmocka_unit_test(test_duplicates_and_other_namespace),
		cmocka_unit_test(test_conflicting_cluster_ip),
		cmocka_unit_test(test_clash_names_the_applied_service),
		cmocka_unit_test(test_rule_conflict_names_the_applied_rule),
		cmocka_unit_test(test_txn_rollback),
		cmocka_unit_test(test_l7_gate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
