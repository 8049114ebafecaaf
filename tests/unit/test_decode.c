// SPDX-License-Identifier: Apache-2.0
/* sl_decode_stream(): every supported field, the defaults, real kubectl output and the
 * Bookinfo sample, and one bad input per class of error with its exact position. */
#include <errno.h>
#include <netinet/in.h>
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

struct notices {
	int n;
	char last[512];
};

static void on_notice(void *arg, const char *msg)
{
	struct notices *ns = arg;

	ns->n++;
	snprintf(ns->last, sizeof(ns->last), "%s", msg);
}

static int decode_n(const char *text, size_t len, struct sl_objects *out, char *err, size_t errlen,
		    struct notices *ns)
{
	struct sl_decode_opts o = { .notice = on_notice, .arg = ns };

	return sl_decode_stream("t.yaml", text, len, out, ns ? &o : NULL, err, errlen);
}

static int decode(const char *text, struct sl_objects *out, char *err, struct notices *ns)
{
	return decode_n(text, strlen(text), out, err, 512, ns);
}

/* Decodes text that must be valid; fails the test with the message otherwise. */
static void decode_ok(const char *text, struct sl_objects *out, struct notices *ns)
{
	char err[512] = "";
	int r = decode(text, out, err, ns);

	if (r)
		fail_msg("decode failed (%d): %s", r, err);
}

static void assert_ip(const struct sl_ip *ip, const char *text)
{
	char buf[SL_IP_STRLEN];

	assert_string_equal(sl_ip_format(ip, buf, sizeof(buf)), text);
}

#define SVC_HEAD "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n"

/* ---- valid input ---- */

static void test_service_full(void **state)
{
	static const char doc[] = "apiVersion: v1\n"
				  "kind: Service\n"
				  "metadata:\n"
				  "  name: reviews\n"
				  "  namespace: shop\n"
				  "  uid: 1234-abcd\n"
				  "  labels:\n"
				  "    app: reviews\n"
				  "    example.com/tier: \"1\"\n"
				  "  annotations: {a: b}\n"
				  "spec:\n"
				  "  type: ClusterIP\n"
				  "  clusterIP: 10.96.0.5\n"
				  "  clusterIPs: [10.96.0.5, \"fd00::5\"]\n"
				  "  sessionAffinity: None\n"
				  "  sessionAffinityConfig: {clientIP: {timeoutSeconds: 10800}}\n"
				  "  internalTrafficPolicy: Cluster\n"
				  "  externalTrafficPolicy: Local\n"
				  "  externalIPs: []\n"
				  "  selector: {app: reviews}\n"
				  "  ports:\n"
				  "  - name: http\n"
				  "    port: 80\n"
				  "    targetPort: 8080\n"
				  "    appProtocol: http\n"
				  "  - name: dns\n"
				  "    protocol: UDP\n"
				  "    port: 53\n"
				  "    targetPort: dns-udp\n"
				  "  - name: grpc\n"
				  "    port: 9000\n";
	struct sl_objects l = { 0 };
	const struct sl_service *s;

	decode_ok(doc, &l, NULL);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0].kind, SL_KIND_SERVICE);
	s = &l.v[0].svc;
	assert_string_equal(s->meta.name, "reviews");
	assert_string_equal(s->meta.ns, "shop");
	assert_string_equal(s->meta.uid, "1234-abcd");
	assert_int_equal(s->meta.nlabels, 2);
	assert_string_equal(sl_label_get(&s->meta, "example.com/tier"), "1");
	assert_string_equal(s->meta.pos.file, "t.yaml");
	assert_int_equal(s->meta.pos.line, 1);
	assert_int_equal(s->meta.pos.col, 1);
	assert_int_equal(s->type, SL_SVC_CLUSTER_IP);
	assert_false(s->headless);
	assert_int_equal(s->ncluster_ips, 2);
	assert_ip(&s->cluster_ips[0], "10.96.0.5");
	assert_int_equal(s->cluster_ips[0].family, 4);
	assert_ip(&s->cluster_ips[1], "fd00::5");
	assert_int_equal(s->nports, 3);
	assert_string_equal(s->ports[0].name, "http");
	assert_int_equal(s->ports[0].protocol, IPPROTO_TCP);
	assert_int_equal(s->ports[0].port, 80);
	assert_int_equal(s->ports[0].target_port, 8080);
	assert_null(s->ports[0].target_port_name);
	assert_int_equal(s->ports[1].protocol, IPPROTO_UDP);
	assert_int_equal(s->ports[1].target_port, 0);
	assert_string_equal(s->ports[1].target_port_name, "dns-udp");
	/* absent targetPort is the port */
	assert_int_equal(s->ports[2].target_port, 9000);
	sl_objects_free(&l);
}

static void test_service_defaults(void **state)
{
	struct sl_objects l = { 0 };
	const struct sl_service *s;

	decode_ok("apiVersion: v1\nkind: Service\nmetadata: {name: a}\n"
		  "spec: {ports: [{port: 80}]}\n",
		  &l, NULL);
	s = &l.v[0].svc;
	assert_string_equal(s->meta.ns, "default");
	assert_null(s->meta.uid);
	assert_int_equal(s->meta.nlabels, 0);
	assert_int_equal(s->type, SL_SVC_CLUSTER_IP);
	assert_int_equal(s->ncluster_ips, 0);
	assert_string_equal(s->ports[0].name, "");
	assert_int_equal(s->ports[0].protocol, IPPROTO_TCP);
	assert_int_equal(s->ports[0].target_port, 80);
	sl_objects_free(&l);
}

static void test_service_variants(void **state)
{
	struct sl_objects l = { 0 };

	/* headless, no ports needed */
	decode_ok("apiVersion: v1\nkind: Service\nmetadata: {name: h}\n"
		  "spec: {clusterIP: None, clusterIPs: [None]}\n",
		  &l, NULL);
	/* "" is no VIP; ExternalName */
	decode_ok("apiVersion: v1\nkind: Service\nmetadata: {name: e}\n"
		  "spec: {type: ExternalName, externalName: db.example.com, clusterIP: \"\"}\n",
		  &l, NULL);
	/* IPv6 only, single clusterIPs, null fields read as missing */
	decode_ok("apiVersion: v1\nkind: Service\nmetadata: {name: six, labels: ~}\n"
		  "spec: {clusterIPs: [\"fd00::10\"], type: null, ports: [{port: 443, "
		  "protocol: TCP, targetPort: 8443, nodePort: 30443}]}\n",
		  &l, NULL);
	assert_int_equal(l.n, 3);
	assert_true(l.v[0].svc.headless);
	assert_int_equal(l.v[0].svc.ncluster_ips, 0);
	assert_int_equal(l.v[1].svc.type, SL_SVC_EXTERNAL_NAME);
	assert_int_equal(l.v[1].svc.ncluster_ips, 0);
	assert_int_equal(l.v[2].svc.ncluster_ips, 1);
	assert_int_equal(l.v[2].svc.cluster_ips[0].family, 6);
	assert_int_equal(l.v[2].svc.type, SL_SVC_CLUSTER_IP);
	sl_objects_free(&l);
}

static void test_service_affinity_local(void **state)
{
	struct sl_objects l = { 0 };
	const struct sl_service *s;

	decode_ok(SVC_HEAD
		  "spec:\n  sessionAffinity: ClientIP\n"
		  "  sessionAffinityConfig: {clientIP: {timeoutSeconds: 60}}\n"
		  "  internalTrafficPolicy: Local\n  ports: [{port: 80}]\n"
		  "---\n" SVC_HEAD "spec:\n  sessionAffinity: ClientIP\n  ports: [{port: 80}]\n"
		  "---\n" SVC_HEAD "spec:\n  sessionAffinity: ClientIP\n"
		  "  sessionAffinityConfig: {clientIP: {}}\n  ports: [{port: 80}]\n"
		  "---\n" SVC_HEAD "spec:\n  sessionAffinity: None\n"
		  "  sessionAffinityConfig: {anything: 1}\n  internalTrafficPolicy: Cluster\n"
		  "  ports: [{port: 80}]\n"
		  "---\n" SVC_HEAD "spec:\n  type: ExternalName\n  externalName: db.example.com.\n"
		  "  ports: [{port: 5432}]\n"
		  "---\n" SVC_HEAD "spec:\n  externalName: ignored.example\n  ports: [{port: 1}]\n",
		  &l, NULL);
	assert_int_equal(l.n, 6);
	s = &l.v[0].svc;
	assert_true(s->affinity_client_ip);
	assert_int_equal(s->affinity_timeout_s, 60);
	assert_true(s->internal_local);
	assert_null(s->external_name);
	/* Kubernetes' default timeout, with or without an empty clientIP. */
	assert_true(l.v[1].svc.affinity_client_ip);
	assert_int_equal(l.v[1].svc.affinity_timeout_s, 10800);
	assert_int_equal(l.v[2].svc.affinity_timeout_s, 10800);
	/* None: the config is read past, whatever it holds. */
	s = &l.v[3].svc;
	assert_false(s->affinity_client_ip);
	assert_int_equal(s->affinity_timeout_s, 0);
	assert_false(s->internal_local);
	s = &l.v[4].svc;
	assert_int_equal(s->type, SL_SVC_EXTERNAL_NAME);
	assert_string_equal(s->external_name, "db.example.com.");
	assert_int_equal(s->nports, 1);
	assert_int_equal(s->ports[0].port, 5432);
	/* externalName means nothing on a ClusterIP service. */
	assert_null(l.v[5].svc.external_name);
	sl_objects_free(&l);
}

static void test_endpointslice_full(void **state)
{
	static const char doc[] =
		"apiVersion: discovery.k8s.io/v1\n"
		"kind: EndpointSlice\n"
		"metadata:\n"
		"  name: reviews-abc.x\n"
		"  labels: {kubernetes.io/service-name: reviews}\n"
		"addressType: IPv6\n"
		"endpoints:\n"
		"- addresses: [\"fd00::1\", \"fd00::2\"]\n"
		"  conditions: {ready: true, serving: True, terminating: FALSE}\n"
		"  nodeName: node-1\n"
		"  hostname: h\n"
		"  zone: z\n"
		"  hints: {forZones: [{name: z}]}\n"
		"  targetRef: {kind: Pod, namespace: default, name: r-1, uid: u1, "
		"resourceVersion: \"5\", apiVersion: v1, fieldPath: x}\n"
		"- addresses: [\"fd00::3\"]\n"
		"ports:\n"
		"- {name: http, port: 9080, appProtocol: http}\n"
		"- {port: 53, protocol: UDP}\n";
	struct sl_objects l = { 0 };
	const struct sl_endpoint_slice *s;
	const struct sl_endpoint *e;

	decode_ok(doc, &l, NULL);
	s = &l.v[0].eps;
	assert_int_equal(l.v[0].kind, SL_KIND_ENDPOINT_SLICE);
	assert_string_equal(s->service_name, "reviews");
	assert_int_equal(s->address_type, 6);
	assert_int_equal(s->nendpoints, 2);
	e = &s->endpoints[0];
	assert_int_equal(e->naddrs, 2);
	assert_ip(&e->addrs[1], "fd00::2");
	assert_int_equal(e->ready, SL_TRUE);
	assert_int_equal(e->serving, SL_TRUE);
	assert_int_equal(e->terminating, SL_FALSE);
	assert_string_equal(e->node_name, "node-1");
	assert_string_equal(e->target_kind, "Pod");
	assert_string_equal(e->target_ns, "default");
	assert_string_equal(e->target_name, "r-1");
	assert_string_equal(e->target_uid, "u1");
	e = &s->endpoints[1];
	assert_int_equal(e->ready, SL_UNSET);
	assert_int_equal(e->serving, SL_UNSET);
	assert_int_equal(e->terminating, SL_UNSET);
	assert_null(e->node_name);
	assert_null(e->target_kind);
	assert_int_equal(s->nports, 2);
	assert_string_equal(s->ports[0].name, "http");
	assert_int_equal(s->ports[0].port, 9080);
	assert_int_equal(s->ports[0].protocol, IPPROTO_TCP);
	assert_string_equal(s->ports[1].name, "");
	assert_int_equal(s->ports[1].protocol, IPPROTO_UDP);
	sl_objects_free(&l);

	/* no endpoints, null ports */
	decode_ok("apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n"
		  "metadata: {name: e, labels: {kubernetes.io/service-name: s}}\n"
		  "addressType: IPv4\nendpoints: null\nports: null\n",
		  &l, NULL);
	assert_int_equal(l.v[0].eps.nendpoints, 0);
	assert_int_equal(l.v[0].eps.nports, 0);
	assert_int_equal(l.v[0].eps.address_type, 4);
	sl_objects_free(&l);
}

static void test_pod(void **state)
{
	struct sl_objects l = { 0 };
	const struct sl_pod *p;

	decode_ok("apiVersion: v1\nkind: Pod\nmetadata: {name: p.1, namespace: ns, uid: u, "
		  "labels: {app: a, version: v1}}\n"
		  "spec: {serviceAccountName: sa, nodeName: n1, containers: [{name: c}]}\n"
		  "status: {phase: Running, podIP: 10.0.0.7, podIPs: [{ip: 10.0.0.7}, "
		  "{ip: \"fd00::7\"}], hostIP: 1.2.3.4}\n"
		  "---\n"
		  "apiVersion: v1\nkind: Pod\nmetadata: {name: q}\n"
		  "spec: {serviceAccount: old}\nstatus: {podIP: 10.0.0.8}\n"
		  "---\n"
		  "apiVersion: v1\nkind: Pod\nmetadata: {name: r}\n",
		  &l, NULL);
	assert_int_equal(l.n, 3);
	p = &l.v[0].pod;
	assert_string_equal(p->service_account, "sa");
	assert_string_equal(p->node_name, "n1");
	assert_int_equal(p->npod_ips, 2);
	assert_ip(&p->pod_ips[0], "10.0.0.7");
	assert_ip(&p->pod_ips[1], "fd00::7");
	assert_string_equal(sl_label_get(&p->meta, "version"), "v1");
	p = &l.v[1].pod;
	assert_string_equal(p->service_account, "old");
	assert_int_equal(p->npod_ips, 1);
	assert_ip(&p->pod_ips[0], "10.0.0.8");
	p = &l.v[2].pod;
	assert_string_equal(p->service_account, "default");
	assert_null(p->node_name);
	assert_int_equal(p->npod_ips, 0);
	assert_int_equal(p->meta.pos.line, 13);
	sl_objects_free(&l);
}

static void test_list_multidoc_json(void **state)
{
	static const char json[] =
		"{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [\n"
		"  {\"apiVersion\": \"v1\", \"kind\": \"Service\",\n"
		"   \"metadata\": {\"name\": \"a\", \"labels\": {\"x\": \"y\"}},\n"
		"   \"spec\": {\"ports\": [{\"port\": 80, \"targetPort\": \"web\"}]}},\n"
		"  {\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": "
		"\"c\"}},\n"
		"  {\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"p\"}}\n"
		"]}\n";
	struct notices ns = { 0 };
	struct sl_objects l = { 0 };

	decode_ok(json, &l, &ns);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.v[0].kind, SL_KIND_SERVICE);
	assert_string_equal(l.v[0].svc.ports[0].target_port_name, "web");
	assert_int_equal(l.v[1].kind, SL_KIND_POD);
	assert_int_equal(l.v[1].meta.pos.line, 6);
	assert_int_equal(ns.n, 1);
	assert_string_equal(ns.last,
			    "t.yaml:5:4: skipped ConfigMap default/c (not a kind Sluice uses)");
	sl_objects_free(&l);

	/* Several documents, empty ones and comments ignored; order kept; appends. */
	ns.n = 0;
	decode_ok("---\n# nothing\n---\n"
		  "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n"
		  "---\n---\n"
		  "apiVersion: v1\nkind: Pod\nmetadata: {name: one}\n"
		  "...\n---\n"
		  "apiVersion: v1\nkind: Pod\nmetadata: {name: two}\n",
		  &l, &ns);
	decode_ok("kind: Pod\napiVersion: v1\nmetadata: {name: three}\n", &l, NULL);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[0].meta.name, "one");
	assert_string_equal(l.v[1].meta.name, "two");
	assert_string_equal(l.v[2].meta.name, "three");
	assert_int_equal(ns.n, 1);
	assert_string_equal(ns.last, "t.yaml:4:1: skipped Namespace shop (not a kind Sluice uses)");
	sl_objects_free(&l);

	/* Empty input and typed lists (ServiceList items carry no kind). */
	decode_ok("", &l, NULL);
	decode_ok("apiVersion: v1\nkind: ServiceList\nmetadata: {resourceVersion: \"1\"}\n"
		  "items:\n- metadata: {name: s}\n  spec: {ports: [{port: 1}]}\n",
		  &l, NULL);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0].kind, SL_KIND_SERVICE);
	sl_objects_free(&l);
}

static void test_yaml_features(void **state)
{
	struct sl_objects l = { 0 };

	/* Anchors and aliases within the budget, tags that are standard, block scalars. */
	decode_ok("apiVersion: v1\nkind: Pod\nmetadata:\n  name: &n web\n"
		  "  labels: &l {app: *n, tier: !!str 1}\n"
		  "  annotations:\n    note: |\n      multi\n      line\n"
		  "spec: !!map {nodeName: *n}\n",
		  &l, NULL);
	assert_string_equal(l.v[0].pod.node_name, "web");
	assert_string_equal(sl_label_get(&l.v[0].meta, "app"), "web");
	assert_string_equal(sl_label_get(&l.v[0].meta, "tier"), "1");
	sl_objects_free(&l);
}

static void test_kubectl_fixture(void **state)
{
	struct notices ns = { 0 };
	struct sl_objects l = { 0 };
	char path[4096], err[512] = "";
	const struct sl_endpoint_slice *e;
	const struct sl_service *s;
	size_t len;
	char *buf;
	int r;

	snprintf(path, sizeof(path), "%s/tests/unit/fixtures/kubectl-get-all.yaml", srcdir());
	buf = read_file(path, &len);
	if (!buf)
		fail_msg("cannot read %s (set SLUICE_SRCDIR to the source tree)", path);
	r = sl_decode_stream(path, buf, len, &l,
			     &(struct sl_decode_opts){ .notice = on_notice, .arg = &ns }, err,
			     sizeof(err));
	if (r)
		fail_msg("%s", err);
	assert_int_equal(ns.n, 0);
	assert_int_equal(l.n, 8);
	s = &l.v[0].svc;
	assert_string_equal(s->meta.name, "kubernetes");
	assert_ip(&s->cluster_ips[0], "10.96.0.1");
	assert_int_equal(s->ports[0].port, 443);
	assert_int_equal(s->ports[0].target_port, 6443);
	s = &l.v[1].svc;
	assert_string_equal(s->meta.ns, "kube-system");
	assert_int_equal(s->nports, 3);
	assert_int_equal(s->ports[0].protocol, IPPROTO_UDP);
	assert_string_equal(s->ports[1].name, "dns-tcp");
	assert_string_equal(sl_label_get(&s->meta, "kubernetes.io/cluster-service"), "true");
	s = &l.v[2].svc;
	assert_int_equal(s->ncluster_ips, 2);
	assert_ip(&s->cluster_ips[1], "fd00:10:96::1234");
	assert_string_equal(s->ports[0].target_port_name, "http-alt");
	e = &l.v[3].eps;
	assert_string_equal(e->service_name, "kubernetes");
	assert_int_equal(e->endpoints[0].ready, SL_TRUE);
	assert_int_equal(e->endpoints[0].serving, SL_UNSET);
	e = &l.v[4].eps;
	assert_int_equal(e->nendpoints, 2);
	assert_int_equal(e->endpoints[1].ready, SL_FALSE);
	assert_string_equal(e->endpoints[0].target_name, "coredns-7db6d8ff4d-4xk2p");
	assert_int_equal(e->nports, 3);
	e = &l.v[5].eps;
	assert_int_equal(e->address_type, 6);
	assert_int_equal(e->endpoints[1].terminating, SL_TRUE);
	assert_int_equal(e->endpoints[1].serving, SL_TRUE);
	assert_string_equal(l.v[6].pod.service_account, "coredns");
	assert_string_equal(l.v[6].pod.node_name, "kind-control-plane");
	assert_int_equal(l.v[7].pod.npod_ips, 2);
	assert_int_equal(l.v[7].meta.pos.line, l.v[7].meta.pos.line);
	assert_int_equal(l.v[0].meta.pos.line, 3);
	assert_int_equal(l.v[0].meta.pos.col, 3);
	sl_objects_free(&l);
	free(buf);
}

static void test_bookinfo(void **state)
{
	static const struct {
		const char *file;
		size_t services;
		int skipped;
	} files[] = {
		{ "bookinfo-platform-kube-bookinfo.yaml", 4, 10 },
		{ "bookinfo-platform-kube-bookinfo-dualstack.yaml", 4, 10 },
		{ "bookinfo-platform-kube-bookinfo-versions.yaml", 6, 0 },
	};
	char dir[4096], path[4200], err[512];
	size_t i, j, len;

	snprintf(dir, sizeof(dir), "%s/../shared/compat/istio-samples", srcdir());
	if (access(dir, R_OK))
		skip();
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct notices ns = { 0 };
		struct sl_objects l = { 0 };
		char *buf;
		int r;

		snprintf(path, sizeof(path), "%s/%s", dir, files[i].file);
		buf = read_file(path, &len);
		assert_non_null(buf);
		r = sl_decode_stream(path, buf, len, &l,
				     &(struct sl_decode_opts){ .notice = on_notice, .arg = &ns },
				     err, sizeof(err));
		if (r)
			fail_msg("%s", err);
		assert_int_equal(l.n, files[i].services);
		assert_int_equal(ns.n, files[i].skipped);
		for (j = 0; j < l.n; j++) {
			assert_int_equal(l.v[j].kind, SL_KIND_SERVICE);
			assert_int_equal(l.v[j].svc.ncluster_ips, 0);
			assert_int_equal(l.v[j].svc.ports[0].port, 9080);
			assert_string_equal(l.v[j].svc.ports[0].name, "http");
		}
		sl_objects_free(&l);
		free(buf);
	}
}

/* ---- bad input: position and field named, `out` untouched ---- */

#define SVC "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n" /* 4 lines */
#define EPS                                                                                        \
	"apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: web-1\n"         \
	"  labels: {kubernetes.io/service-name: web}\naddressType: IPv4\n" /* 6 lines */

static const struct bad_case {
	const char *name;
	const char *in;
	const char *prefix; /* exact "t.yaml:L:C: " start of the message */
	const char *says; /* substring the message must contain */
} bad_cases[] = {
	{ "syntax", "apiVersion: v1\nkind: [Service\n", "t.yaml:3:1: ", "YAML syntax error" },
	{ "syntax-indent", "a: b\n c: d\n", "t.yaml:2:3: ", "YAML syntax error" },
	{ "not-a-map", "- a\n- b\n", "t.yaml:1:1: ", "expected a mapping" },
	{ "no-kind", "apiVersion: v1\nmetadata: {}\n", "t.yaml:1:1: ", "kind: required" },
	{ "wrong-type-port", SVC "spec:\n  ports:\n  - port: {a: 1}\n",
	  "t.yaml:7:11: ", "spec.ports[0].port: expected an integer, got a mapping" },
	{ "quoted-int", SVC "spec:\n  ports:\n  - port: \"80\"\n",
	  "t.yaml:7:11: ", "spec.ports[0].port: expected an integer, got a string" },
	{ "hex-int", SVC "spec:\n  ports:\n  - port: 0x50\n",
	  "t.yaml:7:11: ", "spec.ports[0].port: expected a decimal integer" },
	{ "float-port", SVC "spec:\n  ports:\n  - port: 80.0\n", "t.yaml:7:11: ", "got a float" },
	{ "port-range", SVC "spec:\n  ports:\n  - port: 70000\n",
	  "t.yaml:7:11: ", "spec.ports[0].port: 70000 is out of range (1-65535)" },
	{ "port-zero", SVC "spec:\n  ports:\n  - port: 0\n",
	  "t.yaml:7:11: ", "spec.ports[0].port: 0 is out of range (1-65535)" },
	{ "port-missing", SVC "spec:\n  ports:\n  - name: x\n",
	  "t.yaml:7:5: ", "spec.ports[0].port: required" },
	{ "target-port-range", SVC "spec:\n  ports:\n  - {port: 1, targetPort: 65536}\n",
	  "t.yaml:7:27: ", "spec.ports[0].targetPort: 65536 is out of range" },
	{ "target-port-name", SVC "spec:\n  ports:\n  - {port: 1, targetPort: \"8080\"}\n",
	  "t.yaml:7:27: ", "spec.ports[0].targetPort: \"8080\" is neither a port number" },
	{ "port-name-needed", SVC "spec:\n  ports:\n  - {name: a, port: 1}\n  - {port: 2}\n",
	  "t.yaml:8:5: ", "spec.ports[1].name: required" },
	{ "port-name-dup", SVC "spec:\n  ports:\n  - {name: a, port: 1}\n  - {name: a, port: 2}\n",
	  "t.yaml:8:12: ", "spec.ports[1].name: duplicate port name" },
	{ "nodeport", SVC "spec:\n  type: NodePort\n  ports: [{port: 1}]\n", "t.yaml:6:9: ",
	  "spec.type: NodePort is not supported (Sluice programs ClusterIP services only)" },
	{ "loadbalancer", SVC "spec:\n  type: LoadBalancer\n",
	  "t.yaml:6:9: ", "spec.type: LoadBalancer is not supported" },
	{ "affinity-bad", SVC "spec:\n  sessionAffinity: Cookie\n", "t.yaml:6:20: ",
	  "spec.sessionAffinity: \"Cookie\" is not a valid value (None, ClientIP)" },
	{ "affinity-timeout-zero",
	  SVC "spec:\n  sessionAffinity: ClientIP\n"
	      "  sessionAffinityConfig: {clientIP: {timeoutSeconds: 0}}\n",
	  "t.yaml:7:54: ",
	  "spec.sessionAffinityConfig.clientIP.timeoutSeconds: 0 is out of range (1-86400)" },
	{ "affinity-timeout-big",
	  SVC "spec:\n  sessionAffinity: ClientIP\n"
	      "  sessionAffinityConfig:\n    clientIP:\n      timeoutSeconds: 86401\n",
	  "t.yaml:9:23: ",
	  "spec.sessionAffinityConfig.clientIP.timeoutSeconds: 86401 is out of range" },
	{ "affinity-config-unknown",
	  SVC "spec:\n  sessionAffinity: ClientIP\n  sessionAffinityConfig: {cookie: {}}\n",
	  "t.yaml:7:27: ", "spec.sessionAffinityConfig.cookie: unknown field" },
	{ "local-bad", SVC "spec:\n  internalTrafficPolicy: local\n", "t.yaml:6:26: ",
	  "spec.internalTrafficPolicy: \"local\" is not a valid value (Cluster, Local)" },
	{ "external-name-missing", SVC "spec:\n  type: ExternalName\n",
	  "t.yaml:5:1: ", "spec.externalName: required" },
	{ "external-name-bad", SVC "spec:\n  type: ExternalName\n  externalName: Db_1\n",
	  "t.yaml:7:17: ", "spec.externalName: \"Db_1\" is not a DNS name" },
	{ "external-name-int", SVC "spec:\n  type: ExternalName\n  externalName: 5\n",
	  "t.yaml:7:17: ", "spec.externalName: expected a string, got an integer" },
	{ "external-ips", SVC "spec:\n  externalIPs: [1.2.3.4]\n",
	  "t.yaml:6:16: ", "spec.externalIPs: external IPs are not supported" },
	{ "traffic-distribution", SVC "spec:\n  trafficDistribution: PreferClose\n",
	  "t.yaml:6:24: ", "spec.trafficDistribution: not supported" },
	{ "sctp", SVC "spec:\n  ports:\n  - {port: 1, protocol: SCTP}\n",
	  "t.yaml:7:25: ", "spec.ports[0].protocol: SCTP is not supported" },
	{ "unknown-spec", SVC "spec:\n  ports: [{port: 1}]\n  foo: 1\n",
	  "t.yaml:7:3: ", "spec.foo: unknown field" },
	{ "unknown-port-field", SVC "spec:\n  ports: [{port: 1, hostPort: 2}]\n",
	  "t.yaml:6:21: ", "spec.ports[0].hostPort: unknown field" },
	{ "unknown-top", SVC "spec: {ports: [{port: 1}]}\nextra: 1\n",
	  "t.yaml:6:1: ", "extra: unknown field" },
	{ "dup-key", SVC "  name: again\nspec: {}\n", "t.yaml:5:3: ", "duplicate key \"name\"" },
	{ "dup-key-json", "{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"kind\": \"Pod\"}",
	  "t.yaml:1:37: ", "duplicate key \"kind\"" },
	{ "bad-cluster-ip", SVC "spec:\n  clusterIP: 10.96.0.300\n  ports: [{port: 1}]\n",
	  "t.yaml:6:14: ", "spec.clusterIP: \"10.96.0.300\" is not a valid IP address" },
	{ "cluster-ips-mismatch",
	  SVC "spec:\n  clusterIP: 10.0.0.1\n  clusterIPs: [10.0.0.2]\n  ports: [{port: 1}]\n",
	  "t.yaml:6:14: ", "spec.clusterIP: \"10.0.0.1\" does not match clusterIPs[0]" },
	{ "cluster-ips-same-family",
	  SVC "spec:\n  clusterIPs: [10.0.0.1, 10.0.0.2]\n  ports: [{port: 1}]\n",
	  "t.yaml:6:26: ", "spec.clusterIPs[1]: both addresses are IPv4" },
	{ "no-ports", SVC "spec:\n  clusterIP: 10.0.0.1\n",
	  "t.yaml:5:1: ", "spec.ports: required" },
	{ "missing-name", "apiVersion: v1\nkind: Service\nmetadata:\n  namespace: x\nspec: {}\n",
	  "t.yaml:3:1: ", "metadata.name: required" },
	{ "bad-name", "apiVersion: v1\nkind: Service\nmetadata: {name: 9web}\nspec: {}\n",
	  "t.yaml:3:18: ", "metadata.name: \"9web\" is not a DNS-1035 label" },
	{ "bad-namespace", "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: A_b}\n",
	  "t.yaml:3:32: ", "metadata.namespace: \"A_b\" is not a DNS-1123 label" },
	{ "label-int", "apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {v: 1}}\n",
	  "t.yaml:3:33: ", "metadata.labels[\"v\"]: expected a string, got an integer" },
	{ "label-bad-key", "apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {-x: a}}\n",
	  "t.yaml:3:30: ", "metadata.labels[\"-x\"]: not a valid label key" },
	{ "bad-address", EPS "endpoints:\n- addresses: [10.1.2]\n",
	  "t.yaml:8:15: ", "endpoints[0].addresses[0]: \"10.1.2\" is not a valid IP address" },
	{ "wrong-family", EPS "endpoints:\n- addresses: [10.0.0.1, \"fd00::1\"]\n",
	  "t.yaml:8:25: ", "endpoints[0].addresses[1]: fd00::1 is not an IPv4 address" },
	{ "mapped-v6", EPS "endpoints:\n- addresses: [\"::ffff:10.0.0.1\"]\n",
	  "t.yaml:8:15: ", "is not a valid IP address" },
	{ "no-addresses", EPS "endpoints:\n- nodeName: n\n",
	  "t.yaml:8:3: ", "endpoints[0].addresses: required" },
	{ "cond-not-bool", EPS "endpoints:\n- addresses: [10.0.0.1]\n  conditions: {ready: yes}\n",
	  "t.yaml:9:23: ", "endpoints[0].conditions.ready: expected a boolean, got a string" },
	{ "cond-quoted",
	  EPS "endpoints:\n- addresses: [10.0.0.1]\n  conditions: {ready: \"true\"}\n",
	  "t.yaml:9:23: ", "expected a boolean, got a string" },
	{ "eps-fqdn",
	  "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: web-1\n"
	  "  labels: {kubernetes.io/service-name: web}\naddressType: FQDN\n",
	  "t.yaml:6:14: ", "addressType: FQDN is not supported" },
	{ "eps-no-service",
	  "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: web-1\n"
	  "  labels: {app: web}\naddressType: IPv4\n",
	  "t.yaml:5:3: ", "metadata.labels[\"kubernetes.io/service-name\"]: required" },
	{ "eps-unknown-top", EPS "endpoint: []\n", "t.yaml:7:1: ", "endpoint: unknown field" },
	{ "eps-port-missing", EPS "ports:\n- name: http\n",
	  "t.yaml:8:3: ", "ports[0].port: required" },
	{ "eps-sctp", EPS "ports:\n- {port: 1, protocol: SCTP}\n",
	  "t.yaml:8:23: ", "ports[0].protocol: SCTP is not supported" },
	{ "eps-v1beta1",
	  "apiVersion: discovery.k8s.io/v1beta1\nkind: EndpointSlice\nmetadata: {name: x}\n",
	  "t.yaml:1:13: ",
	  "apiVersion: discovery.k8s.io/v1beta1 is not supported for kind "
	  "EndpointSlice (expected discovery.k8s.io/v1)" },
	{ "service-v2", "apiVersion: v2\nkind: Service\nmetadata: {name: x}\n",
	  "t.yaml:1:13: ", "apiVersion: v2 is not supported for kind Service" },
	{ "pod-ip-mismatch",
	  "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
	  "status: {podIP: 10.0.0.1, podIPs: [{ip: 10.0.0.2}]}\n",
	  "t.yaml:4:17: ", "status.podIP: \"10.0.0.1\" does not match podIPs[0]" },
	{ "pod-ips-three",
	  "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
	  "status: {podIPs: [{ip: 10.0.0.1}, {ip: \"fd00::1\"}, {ip: 10.0.0.3}]}\n",
	  "t.yaml:4:18: ", "status.podIPs: at most 2 addresses" },
	{ "istio-gateway",
	  "apiVersion: networking.istio.io/v1beta1\nkind: Gateway\nmetadata: {name: r}\n",
	  "t.yaml:2:7: ",
	  "kind Gateway (networking.istio.io/v1beta1) is not supported by this version "
	  "of Sluice" },
	{ "istio-authz-in-list",
	  "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n"
	  "  metadata: {name: ok}\n- apiVersion: security.istio.io/v1\n"
	  "  kind: PeerAuthentication\n  metadata: {name: strict}\n",
	  "t.yaml:8:9: ", "kind PeerAuthentication (security.istio.io/v1) is not supported" },
	{ "merge-key", "apiVersion: v1\nkind: Pod\nbase: &b {name: p}\nmetadata:\n  <<: *b\n",
	  "t.yaml:5:3: ", "merge keys (<<) are not supported" },
	{ "alias-unknown", "apiVersion: v1\nkind: Pod\nmetadata: *nope\n",
	  "t.yaml:3:11: ", "unknown YAML alias" },
	{ "bad-tag", "apiVersion: v1\nkind: Pod\nmetadata: !custom {name: p}\n",
	  "t.yaml:3:11: ", "YAML tag !custom is not supported" },
	{ "binary-tag", "apiVersion: v1\nkind: Pod\nmetadata: {name: !!binary cA==}\n",
	  "t.yaml:3:18: ", "YAML tag tag:yaml.org,2002:binary is not supported" },
	{ "complex-key", "apiVersion: v1\nkind: Pod\n? [a]\n: b\n",
	  "t.yaml:3:3: ", "mapping keys must be scalars" },
	{ "nul-char", "apiVersion: v1\nkind: Pod\nmetadata: {name: \"a\\0b\"}\n",
	  "t.yaml:3:18: ", "NUL character" },
	{ "list-in-list",
	  "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: List\n  items: []\n",
	  "t.yaml:4:3: ", "a List inside a List" },
};

/* One object already in `out`, to check that a failed decode leaves it exactly so. */
static void prefill(struct sl_objects *l)
{
	decode_ok("apiVersion: v1\nkind: Pod\nmetadata: {name: before}\n", l, NULL);
}

static void check_bad(const char *name, const char *in, size_t len, const char *prefix,
		      const char *says)
{
	struct sl_objects l = { 0 }, copy;
	char err[512] = "";
	int r;

	prefill(&l);
	copy = l;
	r = decode_n(in, len, &l, err, sizeof(err), NULL);
	if (r != -EINVAL)
		fail_msg("%s: expected -EINVAL, got %d (%s)", name, r, err);
	if (strncmp(err, prefix, strlen(prefix)) || !strstr(err, says))
		fail_msg("%s: got \"%s\", want prefix \"%s\" and \"%s\"", name, err, prefix, says);
	assert_memory_equal(&l, &copy, sizeof(l));
	assert_string_equal(l.v[0].meta.name, "before");
	sl_objects_free(&l);
}

static void test_bad_table(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *b = &bad_cases[i];

		check_bad(b->name, b->in, strlen(b->in), b->prefix, b->says);
	}
}

/* Generated inputs: too big, too deep, bombs, encodings. */

static void test_alias_bomb(void **state)
{
	static const char bomb[] = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
				   "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
				   "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
				   "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
				   "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
				   "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
				   "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
				   "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
				   "i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]\n";

	/* 10 + 110 + 1,110 + ... nodes: the 1,000,000 budget runs out within line 6. */
	check_bad("alias-bomb", bomb, strlen(bomb), "t.yaml:6:36: ", "alias bomb");
}

static void test_too_deep(void **state)
{
	char buf[512];
	size_t i, n = 0;

	n += snprintf(buf, sizeof(buf), "apiVersion: v1\nkind: Pod\nx: ");
	for (i = 0; i < 70; i++)
		buf[n++] = '[';
	for (i = 0; i < 70; i++)
		buf[n++] = ']';
	buf[n] = '\0';
	/* The 64th '[' is the 65th level (the document's mapping is the first). */
	check_bad("too-deep", buf, n, "t.yaml:3:67: ", "nesting deeper than 64 levels");
}

static void test_huge_scalar(void **state)
{
	size_t len = (1u << 20) + 100, n;
	char *buf = malloc(len + 64);

	assert_non_null(buf);
	n = snprintf(buf, 64, "apiVersion: v1\nkind: Pod\nx: ");
	memset(buf + n, 'a', len);
	buf[n + len] = '\0';
	check_bad("huge-scalar", buf, n + len, "t.yaml:3:4: ", "longer than the limit");
	free(buf);
}

static void test_too_big(void **state)
{
	static const char doc[] = "apiVersion: v1\n";

	/* The size check comes before reading: no need for the bytes to exist beyond doc. */
	check_bad("too-big", doc, (64u << 20) + 1, "t.yaml:1:1: ", "larger than 64 MiB");
}

static void test_invalid_utf8(void **state)
{
	static const char doc[] = "apiVersion: v1\nkind: Pod\nmetadata: {name: p\xc3\x28}\n";
	static const char utf16[] = "\xff\xfe"
				    "a\0p\0i\0";

	/* The position is the byte that breaks the sequence. */
	check_bad("utf8", doc, strlen(doc), "t.yaml:3:20: ", "invalid trailing UTF-8 octet");
	check_bad("utf16", utf16, sizeof(utf16) - 1, "t.yaml:1:1: ", "invalid input");
	check_bad("control", "a: \x01\n", 4, "t.yaml:1:4: ", "control characters");
}

static void test_err_truncation(void **state)
{
	struct sl_objects l = { 0 };
	char err[16];

	memset(err, 'x', sizeof(err));
	assert_int_equal(decode_n("a: [", 4, &l, err, sizeof(err), NULL), -EINVAL);
	assert_int_equal(strlen(err), sizeof(err) - 1);
	assert_int_equal(decode_n("a: [", 4, &l, NULL, 0, NULL), -EINVAL);
	assert_int_equal(l.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_service_full),
		cmocka_unit_test(test_service_defaults),
		cmocka_unit_test(test_service_variants),
		cmocka_unit_test(test_service_affinity_local),
		cmocka_unit_test(test_endpointslice_full),
		cmocka_unit_test(test_pod),
		cmocka_unit_test(test_list_multidoc_json),
		cmocka_unit_test(test_yaml_features),
		cmocka_unit_test(test_kubectl_fixture),
		cmocka_unit_test(test_bookinfo),
		cmocka_unit_test(test_bad_table),
		cmocka_unit_test(test_alias_bomb),
		cmocka_unit_test(test_too_deep),
		cmocka_unit_test(test_huge_scalar),
		cmocka_unit_test(test_too_big),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_err_truncation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
