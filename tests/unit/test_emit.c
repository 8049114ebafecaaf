// SPDX-License-Identifier: Apache-2.0
/* sl_emit_objects(): JSON and YAML that read back to equal objects; exact JSON shape. */
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
#include "config/emit.h"
#include "model/objects.h"

/* Objects chosen to exercise every field the emitter prints, and strings that need care. */
static const char rich[] =
	"apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  namespace: n\n"
	"  uid: \"123\"\n  labels:\n    a: \"true\"\n    b: \"null\"\n    c: \"\"\n"
	"    d: \"1.5\"\n    e: \"yes\"\n    z.io/f: \"1e3\"\n    h: \"1_000\"\n    i: \"1-2\"\n    g: \"0x1F\"\n"
	"spec: {clusterIPs: [10.0.0.1, \"fd00::1\"], ports: [{name: x, port: 1, "
	"targetPort: web}, {name: y, port: 2, protocol: UDP, targetPort: 9}]}\n"
	"---\n"
	"apiVersion: v1\nkind: Service\nmetadata: {name: h}\nspec: {clusterIP: None}\n"
	"---\n"
	"apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec: {type: ExternalName, "
	"externalName: db.example.com}\n"
	"---\n"
	"apiVersion: v1\nkind: Service\nmetadata: {name: aff}\nspec: {sessionAffinity: ClientIP, "
	"sessionAffinityConfig: {clientIP: {timeoutSeconds: 7}}, internalTrafficPolicy: Local, "
	"ports: [{port: 80}]}\n"
	"---\n"
	"apiVersion: networking.istio.io/v1alpha3\nkind: DestinationRule\nmetadata: {name: r, "
	"namespace: shop, labels: {app: r}}\nspec:\n  host: reviews.shop.svc.cluster.local\n"
	"  trafficPolicy:\n    loadBalancer: {simple: LEAST_CONN}\n"
	"    connectionPool: {tcp: {maxConnections: 100}}\n"
	"    portLevelSettings:\n    - port: {number: 9080}\n"
	"      loadBalancer: {consistentHash: {useSourceIp: true, maglev: {tableSize: 65537}}}\n"
	"    - port: {number: 9081}\n      connectionPool: {tcp: {maxConnections: 1}}\n"
	"    - port: {number: 9082}\n      loadBalancer: {}\n"
	"  subsets:\n  - {name: v1, labels: {version: v1, \"true\": \"1.0\"}}\n"
	"  - name: all\n    trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}\n"
	"---\n"
	"apiVersion: networking.istio.io/v1beta1\nkind: DestinationRule\nmetadata: {name: bare}\n"
	"spec: {host: db}\n"
	"---\n"
	"apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: v}\nspec:\n"
	"  hosts: [reviews, reviews.shop]\n  gateways: [mesh]\n  exportTo: [\"*\"]\n  tcp:\n"
	"  - match:\n    - {port: 9080, sourceLabels: {app: web}, sourceNamespace: front}\n"
	"    - {}\n"
	"    route:\n    - {destination: {host: reviews, subset: v1, port: {number: 9080}}, "
	"weight: 1}\n    - {destination: {host: reviews, subset: v2}, weight: 3}\n"
	"  - route:\n    - destination: {host: \"1.2.3.4\"}\n"
	"---\n"
	"apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: e, labels: "
	"{kubernetes.io/service-name: s}}\naddressType: IPv4\nendpoints: [{addresses: "
	"[10.1.1.1, 10.1.1.2], conditions: {ready: true, terminating: false}, nodeName: n1, "
	"targetRef: {kind: Pod, name: p, namespace: n, uid: pu}}, {addresses: [10.1.1.3], "
	"conditions: {serving: false}}, {addresses: [10.1.1.4], targetRef: {name: only}}]\n"
	"ports: [{name: x, port: 8080}, {port: 53, protocol: UDP}]\n"
	"---\n"
	"apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: e6, labels: "
	"{kubernetes.io/service-name: s}}\naddressType: IPv6\n"
	"---\n"
	"apiVersion: v1\nkind: Pod\nmetadata: {name: p, uid: \"u\\\"q\\\\b\\t\\u00e9\\u0001\"}\n"
	"spec: {serviceAccountName: sa, nodeName: n1}\nstatus: {podIPs: [{ip: 10.1.1.1}, {ip: "
	"\"fd00::9\"}]}\n"
	"---\n"
	"apiVersion: v1\nkind: Pod\nmetadata: {name: q}\n";

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

static void round_trip(enum sl_emit_format fmt)
{
	struct sl_objects a = { 0 }, b = { 0 };
	char err[512] = "", *out, *out2;
	size_t i, len, len2;

	if (sl_decode_stream("rich", rich, strlen(rich), &a, NULL, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(a.n, 11);
	out = emit(&a, fmt, &len);
	if (sl_decode_stream("emitted", out, len, &b, NULL, err, sizeof(err)))
		fail_msg("%s in:\n%s", err, out);
	assert_int_equal(b.n, a.n);
	for (i = 0; i < a.n; i++)
		if (!sl_object_equal(&a.v[i], &b.v[i]))
			fail_msg("object %zu differs after the round trip:\n%s", i, out);
	/* Deterministic: printing the decoded copy gives the same bytes. */
	out2 = emit(&b, fmt, &len2);
	assert_int_equal(len, len2);
	assert_memory_equal(out, out2, len);
	free(out);
	free(out2);
	sl_objects_free(&a);
	sl_objects_free(&b);
}

static void test_round_trip_json(void **state)
{
	round_trip(SL_EMIT_JSON);
}

static void test_round_trip_yaml(void **state)
{
	round_trip(SL_EMIT_YAML);
}

static void test_json_shape(void **state)
{
	static const char in[] = "apiVersion: v1\nkind: Service\nmetadata: {name: s, labels: "
				 "{z: \"1\", a: b}}\nspec: {ports: [{port: 80}]}\n";
	static const char want[] =
		"{\n"
		"    \"apiVersion\": \"v1\",\n"
		"    \"kind\": \"List\",\n"
		"    \"items\": [\n"
		"        {\n"
		"            \"apiVersion\": \"v1\",\n"
		"            \"kind\": \"Service\",\n"
		"            \"metadata\": {\n"
		"                \"name\": \"s\",\n"
		"                \"namespace\": \"default\",\n"
		"                \"labels\": {\n"
		"                    \"a\": \"q\\\"\\\\\\n\\u0007\xc3\xa9\\u007f\",\n"
		"                    \"z\": \"1\"\n"
		"                }\n"
		"            },\n"
		"            \"spec\": {\n"
		"                \"type\": \"ClusterIP\",\n"
		"                \"ports\": [\n"
		"                    {\n"
		"                        \"protocol\": \"TCP\",\n"
		"                        \"port\": 80,\n"
		"                        \"targetPort\": 80\n"
		"                    }\n"
		"                ]\n"
		"            }\n"
		"        }\n"
		"    ]\n"
		"}\n";
	struct sl_objects a = { 0 };
	char err[512] = "", *out;
	size_t len;

	/* The decoder checks label values, so the odd string is put in by hand. */
	if (sl_decode_stream("s", in, strlen(in), &a, NULL, err, sizeof(err)))
		fail_msg("%s", err);
	free(a.v[0].meta.labels[1].value);
	a.v[0].meta.labels[1].value = strdup("q\"\\\n\a\xc3\xa9\x7f");
	out = emit(&a, SL_EMIT_JSON, &len);
	assert_string_equal(out, want);
	free(out);
	sl_objects_free(&a);
}

static void test_empty_and_errors(void **state)
{
	struct sl_objects a = { 0 }, b = { 0 };
	struct sl_object bad = { 0 };
	const struct sl_object *v[1] = { &bad };
	char err[256], *out;
	size_t len;
	FILE *f;

	out = emit(&a, SL_EMIT_JSON, &len);
	assert_string_equal(out, "{\n    \"apiVersion\": \"v1\",\n    \"kind\": \"List\",\n"
				 "    \"items\": []\n}\n");
	assert_int_equal(sl_decode_stream("e", out, len, &b, NULL, err, sizeof(err)), 0);
	assert_int_equal(b.n, 0);
	free(out);
	out = emit(&a, SL_EMIT_YAML, &len);
	assert_int_equal(sl_decode_stream("e", out, len, &b, NULL, err, sizeof(err)), 0);
	assert_int_equal(b.n, 0);
	free(out);

	f = open_memstream(&out, &len);
	assert_int_equal(sl_emit_objects(f, v, 1, SL_EMIT_JSON), -EINVAL);
	assert_int_equal(sl_emit_objects(f, v, 0, 7), -EINVAL);
	fclose(f);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_json),
		cmocka_unit_test(test_round_trip_yaml),
		cmocka_unit_test(test_json_shape),
		cmocka_unit_test(test_empty_and_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
