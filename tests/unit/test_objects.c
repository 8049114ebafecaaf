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
		cmocka_unit_test(test_push),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
