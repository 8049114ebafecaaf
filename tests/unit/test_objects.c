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

/* Every L7 field: a clone is equal, and a change to any one field of the clone is seen
 * (which also proves the clone's strings are its own). */
static const char rich_l7[] =
	"apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: v}\n"
	"spec:\n  hosts: [r]\n  http:\n"
	"  - name: n\n"
	"    match:\n"
	"    - {name: m, uri: {prefix: /a}, scheme: {exact: http}, method: {regex: GET},\n"
	"       authority: {exact: a}, headers: {h: {exact: x}, g: {}},\n"
	"       withoutHeaders: {w: {prefix: p}}, queryParams: {q: {exact: \"1\"}},\n"
	"       port: 80, sourceLabels: {app: a}, sourceNamespace: ns, ignoreUriCase: true}\n"
	"    route:\n"
	"    - destination: {host: r, subset: s, port: {number: 80}}\n"
	"      weight: 2\n"
	"      headers: {request: {set: {a: \"1\"}, add: {b: \"2\"}, remove: [c]},\n"
	"                response: {set: {d: \"3\"}}}\n"
	"    - {destination: {host: r2}, weight: 1}\n"
	"    rewrite: {authority: x, uriRegexRewrite: {match: \"^/a\", rewrite: /b}}\n"
	"    timeout: 1s\n"
	"    retries: {attempts: 2, perTryTimeout: 1s, retryOn: \"5xx,503\", backoff: 1s,\n"
	"              retryIgnorePreviousHosts: true}\n"
	"    fault: {delay: {fixedDelay: 1s, percentage: {value: 1}},\n"
	"            abort: {httpStatus: 500, percentage: {value: 2}}}\n"
	"    headers: {request: {set: {e: \"4\"}}}\n"
	"  - redirect: {uri: /u, authority: a, scheme: https, port: 8080, redirectCode: 302}\n"
	"---\n"
	"apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: d}\n"
	"spec:\n  host: r\n  trafficPolicy:\n"
	"    loadBalancer: {consistentHash: {httpHeaderName: h,\n"
	"                   httpHeaderRegexRewrite: {match: a, rewrite: b}}}\n"
	"    connectionPool:\n"
	"      tcp: {connectTimeout: 1s, maxConnectionDuration: 1s, idleTimeout: 1s,\n"
	"            tcpKeepalive: {probes: 1, time: 1s, interval: 1s}}\n"
	"      http: {http1MaxPendingRequests: 1, http2MaxRequests: 1, maxRequestsPerConnection: 1,\n"
	"             maxRetries: 1, maxConcurrentStreams: 1, idleTimeout: 1s,\n"
	"             h2UpgradePolicy: DO_NOT_UPGRADE, useClientProtocol: true}\n"
	"    outlierDetection: {consecutive5xxErrors: 1, consecutiveGatewayErrors: 1,\n"
	"                       splitExternalLocalOriginErrors: true,\n"
	"                       consecutiveLocalOriginFailures: 1, interval: 1s,\n"
	"                       baseEjectionTime: 1s, maxEjectionPercent: 1, minHealthPercent: 1}\n"
	"    portLevelSettings:\n"
	"    - port: {number: 80}\n"
	"      loadBalancer: {consistentHash: {httpQueryParameterName: q}}\n"
	"      outlierDetection: {interval: 1s}\n"
	"  subsets:\n"
	"  - name: v1\n"
	"    trafficPolicy:\n"
	"      loadBalancer: {consistentHash: {httpCookie: {name: c, path: /, ttl: 1s}}}\n";

#define H (&o->vs.http[0])
#define M (&o->vs.http[0].matches[0])
#define D (&o->vs.http[0].routes[0])
#define P (&o->dr.policy)
#define MUT(name, stmt)                                                                            \
	static void name(struct sl_object *o)                                                      \
	{                                                                                          \
		stmt;                                                                              \
	}
MUT(l7_h_name, H->name[0] = 'x')
MUT(l7_h_nmatches, H->nmatches = 0)
MUT(l7_m_name, M->name[0] = 'x')
MUT(l7_m_uri_kind, M->uri.kind = SL_SM_EXACT)
MUT(l7_m_uri, M->uri.value[1] = 'x')
MUT(l7_m_scheme, M->scheme.value[0] = 'x')
MUT(l7_m_method, M->method.kind = SL_SM_PREFIX)
MUT(l7_m_authority, M->authority.value[0] = 'x')
MUT(l7_m_header, M->headers[0].match.value[0] = 'y')
MUT(l7_m_header_name, M->headers[1].name[0] = 'z')
MUT(l7_m_header_any, M->headers[1].match.kind = SL_SM_EXACT; M->headers[1].match.value = strdup(""))
MUT(l7_m_without, M->without_headers[0].match.value[0] = 'x')
MUT(l7_m_query, M->query_params[0].match.value[0] = '2')
MUT(l7_m_mport, M->port = 81)
MUT(l7_m_mlabels, M->source_labels[0].value[0] = 'b')
MUT(l7_m_mns, M->source_namespace[0] = 'x')
MUT(l7_m_case, M->ignore_uri_case = false)
MUT(l7_d_host, D->dest.host[0] = 'x')
MUT(l7_d_subset, D->dest.subset[0] = 'x')
MUT(l7_d_port, D->dest.port = 81)
MUT(l7_d_weight, D->dest.weight = 3)
MUT(l7_d_set, D->headers.request.set[0].value[0] = '9')
MUT(l7_d_add, D->headers.request.add[0].key[0] = 'x')
MUT(l7_d_remove, D->headers.request.remove[0][0] = 'x')
MUT(l7_d_resp, D->headers.response.set[0].value[0] = '9')
MUT(l7_h_nroutes, H->nroutes = 1)
MUT(l7_rw_authority, H->rewrite.authority[0] = 'y')
MUT(l7_rw_match, H->rewrite.uri_regex.match[1] = 'b')
MUT(l7_rw_rewrite, H->rewrite.uri_regex.rewrite[1] = 'c')
MUT(l7_h_timeout, H->timeout_ns++)
MUT(l7_rt_attempts, H->retries.attempts++)
MUT(l7_rt_per_try, H->retries.per_try_timeout_ns++)
MUT(l7_rt_on, H->retries.retry_on = SL_RETRY_RESET)
MUT(l7_rt_codes, H->retries.retry_codes[0] = 502)
MUT(l7_rt_backoff, H->retries.backoff_ns++)
MUT(l7_rt_ignore, H->retries.ignore_previous_hosts = SL_FALSE)
MUT(l7_rt_set, H->retries.set = false)
MUT(l7_f_delay, H->fault.delay_ns++)
MUT(l7_f_delay_pct, H->fault.delay_pct.value = 1.5)
MUT(l7_f_abort, H->fault.abort_status = 501)
MUT(l7_f_abort_pct, H->fault.abort_pct.set = false)
MUT(l7_h_headers, H->headers.request.set[0].value[0] = '5')
MUT(l7_rd_uri, o->vs.http[1].redirect.uri[1] = 'x')
MUT(l7_rd_authority, o->vs.http[1].redirect.authority[0] = 'x')
MUT(l7_rd_scheme, o->vs.http[1].redirect.scheme[4] = '\0')
MUT(l7_rd_port, o->vs.http[1].redirect.port = 8081)
MUT(l7_rd_mode, o->vs.http[1].redirect.port_mode = SL_REDIRECT_PORT_FROM_REQUEST_PORT)
MUT(l7_rd_code, o->vs.http[1].redirect.code = 301)
MUT(l7_vs_nhttp, o->vs.nhttp = 1)
MUT(l7_lb_header, P->lb.hash_header[0] = 'x')
MUT(l7_lb_rw, P->lb.hash_header_rewrite.rewrite[0] = 'x')
MUT(l7_pool_connect, P->pool.connect_timeout_ns++)
MUT(l7_pool_duration, P->pool.max_connection_duration_ns++)
MUT(l7_pool_idle, P->pool.idle_timeout_ns++)
MUT(l7_pool_idle_set, P->pool.idle_timeout_set = false)
MUT(l7_ka_probes, P->pool.keepalive.probes++)
MUT(l7_ka_time, P->pool.keepalive.time_ns++)
MUT(l7_ka_interval, P->pool.keepalive.interval_ns++)
MUT(l7_hp_pending, P->pool.http.http1_max_pending_requests++)
MUT(l7_hp_h2, P->pool.http.http2_max_requests++)
MUT(l7_hp_per_conn, P->pool.http.max_requests_per_connection++)
MUT(l7_hp_retries, P->pool.http.max_retries++)
MUT(l7_hp_streams, P->pool.http.max_concurrent_streams++)
MUT(l7_hp_idle, P->pool.http.idle_timeout_ns++)
MUT(l7_hp_upgrade, P->pool.http.h2_upgrade = SL_H2_UPGRADE)
MUT(l7_hp_client, P->pool.http.use_client_protocol = false)
MUT(l7_hp_set, P->pool.http.set = false)
MUT(l7_od_5xx, P->outlier.consecutive_5xx++)
MUT(l7_od_5xx_set, P->outlier.consecutive_5xx_set = false)
MUT(l7_od_gw, P->outlier.consecutive_gateway++)
MUT(l7_od_local, P->outlier.consecutive_local++)
MUT(l7_od_split, P->outlier.split_local_origin = false)
MUT(l7_od_interval, P->outlier.interval_ns++)
MUT(l7_od_base, P->outlier.base_ejection_ns++)
MUT(l7_od_max, P->outlier.max_ejection_percent++)
MUT(l7_od_min, P->outlier.min_health_percent++)
MUT(l7_pl_query, P->ports[0].lb.hash_query[0] = 'x')
MUT(l7_pl_outlier, P->ports[0].outlier.interval_ns++)
MUT(l7_ss_cookie, o->dr.subsets[0].policy.lb.hash_cookie.name[0] = 'x')
MUT(l7_ss_path, o->dr.subsets[0].policy.lb.hash_cookie.path[0] = 'x')
MUT(l7_ss_ttl, o->dr.subsets[0].policy.lb.hash_cookie.ttl_ns++)
MUT(l7_ss_ttl_set, o->dr.subsets[0].policy.lb.hash_cookie.ttl_set = false)
#undef H
#undef M
#undef D
#undef P

static void test_l7_clone_equal(void **state)
{
	static void (*const vs_changes[])(struct sl_object *) = {
		l7_h_name,	    l7_h_nmatches,	 l7_m_name,      l7_m_uri_kind,  l7_m_uri,	l7_m_scheme,
		l7_m_method,    l7_m_authority, l7_m_header,    l7_m_header_name, l7_m_header_any, l7_m_without,
		l7_m_query,     l7_m_mport,	  l7_m_mlabels,   l7_m_mns,	     l7_m_case,	 l7_d_host,
		l7_d_subset,    l7_d_port,	  l7_d_weight,    l7_d_set,	     l7_d_add,	 l7_d_remove,
		l7_d_resp,	     l7_h_nroutes,	  l7_rw_authority, l7_rw_match,    l7_rw_rewrite, l7_h_timeout,
		l7_rt_attempts, l7_rt_per_try,  l7_rt_on,       l7_rt_codes,     l7_rt_backoff, l7_rt_ignore,
		l7_rt_set,	     l7_f_delay,	  l7_f_delay_pct, l7_f_abort,	     l7_f_abort_pct, l7_h_headers,
		l7_rd_uri,	     l7_rd_authority, l7_rd_scheme,  l7_rd_port,	     l7_rd_mode,	 l7_rd_code,
		l7_vs_nhttp,
	};
	static void (*const dr_changes[])(struct sl_object *) = {
		l7_lb_header,  l7_lb_rw,	 l7_pool_connect, l7_pool_duration, l7_pool_idle,  l7_pool_idle_set,
		l7_ka_probes,  l7_ka_time,	 l7_ka_interval,  l7_hp_pending,    l7_hp_h2,	  l7_hp_per_conn,
		l7_hp_retries, l7_hp_streams,	 l7_hp_idle,      l7_hp_upgrade,    l7_hp_client,  l7_hp_set,
		l7_od_5xx,	    l7_od_5xx_set,	 l7_od_gw,	       l7_od_local,      l7_od_split,	  l7_od_interval,
		l7_od_base,    l7_od_max,	 l7_od_min,       l7_pl_query,      l7_pl_outlier, l7_ss_cookie,
		l7_ss_path,    l7_ss_ttl,	 l7_ss_ttl_set,
	};
	struct sl_objects l = { 0 };
	struct sl_object c;
	size_t i, n;
	char err[256];

	if (sl_decode_stream("r", rich_l7, strlen(rich_l7), &l, NULL, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(l.n, 2);
	for (i = 0; i < sizeof(vs_changes) / sizeof(vs_changes[0]); i++) {
		assert_int_equal(sl_object_clone(&c, &l.v[0]), 0);
		assert_true(sl_object_equal(&c, &l.v[0]));
		n = c.vs.http[0].nroutes;
		vs_changes[i](&c);
		if (sl_object_equal(&c, &l.v[0]))
			fail_msg("VirtualService change %zu went unnoticed", i);
		/* So that the free sees every array again. */
		c.vs.http[0].nroutes = n;
		c.vs.http[0].nmatches = l.v[0].vs.http[0].nmatches;
		c.vs.nhttp = l.v[0].vs.nhttp;
		sl_object_free(&c);
	}
	for (i = 0; i < sizeof(dr_changes) / sizeof(dr_changes[0]); i++) {
		assert_int_equal(sl_object_clone(&c, &l.v[1]), 0);
		assert_true(sl_object_equal(&c, &l.v[1]));
		dr_changes[i](&c);
		if (sl_object_equal(&c, &l.v[1]))
			fail_msg("DestinationRule change %zu went unnoticed", i);
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
		cmocka_unit_test(test_l7_clone_equal),
		cmocka_unit_test(test_push),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
