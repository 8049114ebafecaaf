// SPDX-License-Identifier: Apache-2.0
/* model/objects.c: IP text, object lifetime, deep copy and semantic equality. */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/decode.h"
#include "model/objects.h"

static void test_ip_parse_format(void **state)
{
	static const struct {
		const char *in;
		int ret;
		uint8_t family;
		const char *out;
	} cases[] = {
		{ "10.0.0.1", 0, 4, "10.0.0.1" },
		{ "0.0.0.0", 0, 4, "0.0.0.0" },
		{ "255.255.255.255", 0, 4, "255.255.255.255" },
		{ "fd00::1", 0, 6, "fd00::1" },
		{ "FD00:0:0::0001", 0, 6, "fd00::1" },
		{ "::", 0, 6, "::" },
		{ "2001:db8::10.1.2.3", 0, 6, "2001:db8::a01:203" },
		{ "::ffff:10.0.0.1", -EINVAL, 0, NULL },
		{ "010.0.0.1", -EINVAL, 0, NULL },
		{ "10.0.0", -EINVAL, 0, NULL },
		{ "10.0.0.256", -EINVAL, 0, NULL },
		{ " 10.0.0.1", -EINVAL, 0, NULL },
		{ "10.0.0.1 ", -EINVAL, 0, NULL },
		{ "10.0.0.1/32", -EINVAL, 0, NULL },
		{ "fd00::1%eth0", -EINVAL, 0, NULL },
		{ "", -EINVAL, 0, NULL },
		{ "None", -EINVAL, 0, NULL },
	};
	char buf[SL_IP_STRLEN];
	struct sl_ip ip;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&ip, 0xaa, sizeof(ip));
		assert_int_equal(sl_ip_parse(cases[i].in, &ip), cases[i].ret);
		if (cases[i].ret)
			continue;
		assert_int_equal(ip.family, cases[i].family);
		assert_string_equal(sl_ip_format(&ip, buf, sizeof(buf)), cases[i].out);
	}
	/* IPv4 is stored mapped, as the kernel ABI wants it. */
	assert_int_equal(sl_ip_parse("1.2.3.4", &ip), 0);
	assert_memory_equal(ip.b, "\0\0\0\0\0\0\0\0\0\0\xff\xff\x01\x02\x03\x04", 16);
	assert_int_equal(sl_ip_parse(NULL, &ip), -EINVAL);
	/* Too small a buffer, bad family. */
	assert_string_equal(sl_ip_format(&ip, buf, 4), "?");
	ip.family = 5;
	assert_string_equal(sl_ip_format(&ip, buf, sizeof(buf)), "?");
}

static void test_kind_name(void **state)
{
	assert_string_equal(sl_kind_name(SL_KIND_SERVICE), "Service");
	assert_string_equal(sl_kind_name(SL_KIND_ENDPOINT_SLICE), "EndpointSlice");
	assert_string_equal(sl_kind_name(SL_KIND_POD), "Pod");
	assert_string_equal(sl_kind_name(SL_KIND_DESTINATION_RULE), "DestinationRule");
	assert_string_equal(sl_kind_name(SL_KIND_VIRTUAL_SERVICE), "VirtualService");
	assert_string_equal(sl_kind_name(0), "?");
}

static const char rich[] =
	"apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: n, uid: u, labels: "
	"{a: b, c: d}}\nspec: {clusterIPs: [10.0.0.1, \"fd00::1\"], ports: [{name: x, port: 1, "
	"targetPort: web}, {name: y, port: 2, protocol: UDP}]}\n"
	"---\n"
	"apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: e, labels: "
	"{kubernetes.io/service-name: s}}\naddressType: IPv4\nendpoints: [{addresses: "
	"[10.1.1.1, 10.1.1.2], conditions: {ready: true, terminating: false}, nodeName: n1, "
	"targetRef: {kind: Pod, name: p, namespace: n, uid: pu}}, {addresses: [10.1.1.3]}]\n"
	"ports: [{name: x, port: 8080}, {name: y, port: 53, protocol: UDP}]\n"
	"---\n"
	"apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {app: a}}\nspec: "
	"{serviceAccountName: sa, nodeName: n1}\nstatus: {podIPs: [{ip: 10.1.1.1}, {ip: "
	"\"fd00::9\"}]}\n";

static void test_clone_equal_free(void **state)
{
	struct sl_objects l = { 0 }, m = { 0 };
	struct sl_object c;
	char err[256];
	size_t i;

	assert_int_equal(sl_decode_stream("r", rich, strlen(rich), &l, NULL, err, sizeof(err)), 0);
	assert_int_equal(sl_decode_stream("r2", rich, strlen(rich), &m, NULL, err, sizeof(err)), 0);
	assert_int_equal(l.n, 3);
	for (i = 0; i < l.n; i++) {
		assert_int_equal(sl_object_clone(&c, &l.v[i]), 0);
		assert_true(sl_object_equal(&c, &l.v[i]));
		/* Deep: no string shared with the original. */
		assert_ptr_not_equal(c.meta.name, l.v[i].meta.name);
		assert_ptr_equal(c.meta.pos.file, l.v[i].meta.pos.file);
		/* Equality ignores positions (other file name). */
		assert_true(sl_object_equal(&l.v[i], &m.v[i]));
		sl_object_free(&c);
		assert_int_equal(c.kind, 0);
		if (i)
			assert_false(sl_object_equal(&l.v[i], &l.v[0]));
	}

	/* Labels compare as a set. */
	assert_int_equal(sl_object_clone(&c, &l.v[0]), 0);
	{
		struct sl_label t = c.meta.labels[0];

		c.meta.labels[0] = c.meta.labels[1];
		c.meta.labels[1] = t;
	}
	assert_true(sl_object_equal(&c, &l.v[0]));
	free(c.meta.labels[0].value);
	c.meta.labels[0].value = strdup("other");
	assert_false(sl_object_equal(&c, &l.v[0]));
	sl_object_free(&c);

	/* Each field matters. */
	assert_int_equal(sl_object_clone(&c, &l.v[0]), 0);
	c.svc.ports[1].protocol = IPPROTO_TCP;
	assert_false(sl_object_equal(&c, &l.v[0]));
	sl_object_free(&c);
	assert_int_equal(sl_object_clone(&c, &l.v[1]), 0);
	c.eps.endpoints[0].terminating = SL_UNSET;
	assert_false(sl_object_equal(&c, &l.v[1]));
	sl_object_free(&c);
	assert_int_equal(sl_object_clone(&c, &l.v[1]), 0);
	free(c.eps.endpoints[0].target_uid);
	c.eps.endpoints[0].target_uid = NULL;
	assert_false(sl_object_equal(&c, &l.v[1]));
	sl_object_free(&c);
	assert_int_equal(sl_object_clone(&c, &l.v[2]), 0);
	c.pod.pod_ips[1].b[15] ^= 1;
	assert_false(sl_object_equal(&c, &l.v[2]));
	sl_object_free(&c);

	/* Destructors take NULL and empty things. */
	sl_object_free(NULL);
	sl_objects_free(NULL);
	sl_objects_free(&l);
	sl_objects_free(&l);
	sl_objects_free(&m);
	assert_null(l.v);
	assert_int_equal(l.n, 0);
}

static const char rich_istio[] =
	"apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {type: ExternalName, "
	"externalName: db.example.com, sessionAffinity: ClientIP, internalTrafficPolicy: Local, "
	"ports: [{port: 1}]}\n"
	"---\n"
	"apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: r}\n"
	"spec:\n  host: reviews\n  trafficPolicy:\n"
	"    loadBalancer: {consistentHash: {useSourceIp: true, maglev: {tableSize: 7}}}\n"
	"    connectionPool: {tcp: {maxConnections: 10}}\n"
	"    portLevelSettings: [{port: {number: 80}, loadBalancer: {simple: RANDOM}}]\n"
	"  subsets:\n  - {name: v1, labels: {version: v1, track: a}, trafficPolicy: "
	"{portLevelSettings: [{port: {number: 81}, connectionPool: {tcp: {maxConnections: 2}}}]}}\n"
	"---\n"
	"apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: v}\nspec:\n"
	"  hosts: [a, b]\n  tcp:\n  - match: [{port: 80, sourceLabels: {app: w, x: y}, "
	"sourceNamespace: ns}]\n    route:\n"
	"    - {destination: {host: a, subset: v1, port: {number: 8080}}, weight: 60}\n"
	"    - {destination: {host: b}, weight: 40}\n";

/* One change each to a copy of rich_istio's objects: each must make it unequal. */
static void m_ext(struct sl_object *o)
{
	o->svc.external_name[0] = 'x';
}
static void m_aff(struct sl_object *o)
{
	o->svc.affinity_client_ip = false;
}
static void m_aff_t(struct sl_object *o)
{
	o->svc.affinity_timeout_s++;
}
static void m_local(struct sl_object *o)
{
	o->svc.internal_local = false;
}
static void m_host(struct sl_object *o)
{
	o->dr.host[0] = 'x';
}
static void m_lb_set(struct sl_object *o)
{
	o->dr.policy.lb.set = false;
}
static void m_hash(struct sl_object *o)
{
	o->dr.policy.lb.hash_source_ip = false;
}
static void m_maglev(struct sl_object *o)
{
	o->dr.policy.lb.maglev_table_size = 11;
}
static void m_pool(struct sl_object *o)
{
	o->dr.policy.pool.max_connections = 11;
}
static void m_port(struct sl_object *o)
{
	o->dr.policy.ports[0].port = 81;
}
static void m_port_lb(struct sl_object *o)
{
	o->dr.policy.ports[0].lb.simple = SL_LB_ROUND_ROBIN;
}
static void m_nports(struct sl_object *o)
{
	o->dr.policy.nports = 0;
}
static void m_subset(struct sl_object *o)
{
	o->dr.subsets[0].name[0] = 'x';
}
static void m_subset_label(struct sl_object *o)
{
	o->dr.subsets[0].labels[1].value[0] = 'x';
}
static void m_subset_pool(struct sl_object *o)
{
	o->dr.subsets[0].policy.ports[0].pool.max_connections = 3;
}
static void m_vhost(struct sl_object *o)
{
	o->vs.hosts[1][0] = 'x';
}
static void m_mport(struct sl_object *o)
{
	o->vs.tcp[0].matches[0].port = 81;
}
static void m_mlabel(struct sl_object *o)
{
	o->vs.tcp[0].matches[0].source_labels[0].value[0] = 'x';
}
static void m_mns(struct sl_object *o)
{
	free(o->vs.tcp[0].matches[0].source_namespace);
	o->vs.tcp[0].matches[0].source_namespace = NULL;
}
static void m_rsubset(struct sl_object *o)
{
	free(o->vs.tcp[0].routes[0].subset);
	o->vs.tcp[0].routes[0].subset = NULL;
}
static void m_rport(struct sl_object *o)
{
	o->vs.tcp[0].routes[0].port = 1;
}
static void m_weight(struct sl_object *o)
{
	o->vs.tcp[0].routes[1].weight = 41;
}
static void m_rhost(struct sl_object *o)
{
	o->vs.tcp[0].routes[1].host[0] = 'x';
}

static void test_istio_clone_equal(void **state)
{
	static const struct {
		size_t obj;
		void (*mutate)(struct sl_object *o);
	} changes[] = {
		{ 0, m_ext },	 { 0, m_aff },		{ 0, m_aff_t },	      { 0, m_local },
		{ 1, m_host },	 { 1, m_lb_set },	{ 1, m_hash },	      { 1, m_maglev },
		{ 1, m_pool },	 { 1, m_port },		{ 1, m_port_lb },     { 1, m_nports },
		{ 1, m_subset }, { 1, m_subset_label }, { 1, m_subset_pool }, { 2, m_vhost },
		{ 2, m_mport },	 { 2, m_mlabel },	{ 2, m_mns },	      { 2, m_rsubset },
		{ 2, m_rport },	 { 2, m_weight },	{ 2, m_rhost },
	};
	struct sl_objects l = { 0 };
	struct sl_object c;
	char err[256];
	size_t i, n;

	if (sl_decode_stream("r", rich_istio, strlen(rich_istio), &l, NULL, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(l.n, 3);
	for (i = 0; i < l.n; i++) {
		assert_int_equal(sl_object_clone(&c, &l.v[i]), 0);
		assert_true(sl_object_equal(&c, &l.v[i]));
		sl_object_free(&c);
	}
	/* Deep copies. */
	assert_int_equal(sl_object_clone(&c, &l.v[1]), 0);
	assert_ptr_not_equal(c.dr.subsets[0].labels, l.v[1].dr.subsets[0].labels);
	assert_ptr_not_equal(c.dr.policy.ports, l.v[1].dr.policy.ports);
	/* Subset labels compare as a set. */
	{
		struct sl_label t = c.dr.subsets[0].labels[0];

		c.dr.subsets[0].labels[0] = c.dr.subsets[0].labels[1];
		c.dr.subsets[0].labels[1] = t;
	}
	assert_true(sl_object_equal(&c, &l.v[1]));
	sl_object_free(&c);
	for (i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
		assert_int_equal(sl_object_clone(&c, &l.v[changes[i].obj]), 0);
		n = c.dr.policy.nports;
		changes[i].mutate(&c);
		if (sl_object_equal(&c, &l.v[changes[i].obj]))
			fail_msg("change %zu went unnoticed", i);
		if (changes[i].mutate == m_nports)
			c.dr.policy.nports = n; /* so that the free sees the array */
		sl_object_free(&c);
	}
	sl_objects_free(&l);
}

static void test_push(void **state)
{
	struct sl_objects l = { 0 };
	struct sl_object *o;
	size_t i;

	for (i = 0; i < 100; i++) {
		o = sl_objects_push(&l);
		assert_non_null(o);
		assert_int_equal(o->kind, 0);
		o->kind = SL_KIND_POD;
		o->pod.meta.name = strdup("x");
	}
	assert_int_equal(l.n, 100);
	assert_true(l.cap >= 100);
	assert_string_equal(sl_label_get(&l.v[0].meta, "nope") ?: "null", "null");
	sl_objects_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ip_parse_format),
		cmocka_unit_test(test_kind_name),
		cmocka_unit_test(test_clone_equal_free),
		cmocka_unit_test(test_istio_clone_equal),
		cmocka_unit_test(test_push),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
