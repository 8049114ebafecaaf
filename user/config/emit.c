// SPDX-License-Identifier: Apache-2.0
/*
 * The emitter: one walk over the objects (emit_*()) driving one of two writers, JSON
 * (hand-written, kubectl's layout: 4-space indent) or YAML (libyaml's emitter, so that
 * quoting is libyaml's and not ours). Strings that a YAML reader would take for a number,
 * boolean or null are forced into double quotes, or they would not read back as strings.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "config/emit.h"
#include "config/yaml_tree.h"
#include "model/objects.h"

#define EMIT_MAX_DEPTH 16

struct emitter {
	enum sl_emit_format fmt;
	FILE *f;
	int err; /* first error, sticky: later calls do nothing */
	/* JSON */
	int depth;
	size_t count[EMIT_MAX_DEPTH]; /* entries written at each open level */
	bool after_key;
	/* YAML */
	yaml_emitter_t ye;
};

static void j_raw(struct emitter *e, const char *s)
{
	if (!e->err && fputs(s, e->f) == EOF)
		e->err = -EIO;
}

static void j_indent(struct emitter *e)
{
	int i;

	j_raw(e, "\n");
	for (i = 0; i < e->depth; i++)
		j_raw(e, "    ");
}

/* Separator and indentation before a value or key at the current level. */
static void j_item(struct emitter *e)
{
	if (e->after_key) {
		e->after_key = false;
		return;
	}
	if (!e->depth)
		return;
	if (e->count[e->depth - 1]++)
		j_raw(e, ",");
	j_indent(e);
}

static void j_string(struct emitter *e, const char *s)
{
	const unsigned char *p;
	char esc[8];

	j_raw(e, "\"");
	for (p = (const unsigned char *)s; *p && !e->err; p++) {
		switch (*p) {
		case '"':
			j_raw(e, "\\\"");
			break;
		case '\\':
			j_raw(e, "\\\\");
			break;
		case '\n':
			j_raw(e, "\\n");
			break;
		case '\r':
			j_raw(e, "\\r");
			break;
		case '\t':
			j_raw(e, "\\t");
			break;
		default:
			/* Control characters, and DEL which YAML readers refuse raw. UTF-8 above
			 * ASCII is valid JSON as it is (the decoder only accepts valid UTF-8). */
			if (*p < 0x20 || *p == 0x7f) {
				snprintf(esc, sizeof(esc), "\\u%04x", *p);
				j_raw(e, esc);
			} else if (fputc(*p, e->f) == EOF) {
				e->err = -EIO;
			}
		}
	}
	j_raw(e, "\"");
}

static int y_write(void *data, unsigned char *buf, size_t size)
{
	FILE *f = data;

	return fwrite(buf, 1, size, f) == size;
}

static void y_event(struct emitter *e, yaml_event_t *ev, int ok)
{
	if (e->err) {
		if (ok)
			yaml_event_delete(ev);
		return;
	}
	if (!ok) {
		e->err = -ENOMEM;
		return;
	}
	/* yaml_emitter_emit() takes the event, whether it succeeds or not. */
	if (!yaml_emitter_emit(&e->ye, ev))
		e->err = e->ye.error == YAML_MEMORY_ERROR ? -ENOMEM : -EIO;
}

/* Would a YAML reader take this plain scalar for something else than a string? YAML 1.1
 * readers (Go's yaml.v2 in kubectl among them) also know yes/no/on/off and sexagesimal
 * numbers (1:20), so number-like strings are quoted too. */
static bool needs_quotes(const char *s)
{
	static const char *const yaml11[] = { "y",  "Y",   "yes", "Yes", "YES", "n",
					      "N",  "no",  "No",  "NO",	 "on",	"On",
					      "ON", "off", "Off", "OFF", NULL };
	size_t i, len = strlen(s);

	if (yt_resolve_plain(s, len) != YT_S_STR)
		return true;
	for (i = 0; yaml11[i]; i++)
		if (!strcmp(s, yaml11[i]))
			return true;
	if (strspn(s, "0123456789_:.+-eE") != len || !strpbrk(s, "0123456789"))
		return false;
	/* ... except dotted quads (10.96.0.1), which no YAML reader takes for a number. */
	return strchr(s, ':') || !strchr(s, '.') || strchr(s, '.') == strrchr(s, '.');
}

static void y_scalar(struct emitter *e, const char *s, bool quote)
{
	yaml_event_t ev;
	int ok;

	ok = yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)strlen(s), 1, 1,
					  quote ? YAML_DOUBLE_QUOTED_SCALAR_STYLE
						: YAML_ANY_SCALAR_STYLE);
	y_event(e, &ev, ok);
}

static void em_key(struct emitter *e, const char *k)
{
	if (e->fmt == SL_EMIT_YAML) {
		y_scalar(e, k, needs_quotes(k));
		return;
	}
	j_item(e);
	j_string(e, k);
	j_raw(e, ": ");
	e->after_key = true;
}

static void em_str(struct emitter *e, const char *v)
{
	if (e->fmt == SL_EMIT_YAML) {
		y_scalar(e, v, needs_quotes(v));
		return;
	}
	j_item(e);
	j_string(e, v);
}

static void em_int(struct emitter *e, long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", v);
	if (e->fmt == SL_EMIT_YAML) {
		y_scalar(e, buf, false);
		return;
	}
	j_item(e);
	j_raw(e, buf);
}

static void em_bool(struct emitter *e, bool v)
{
	if (e->fmt == SL_EMIT_YAML) {
		y_scalar(e, v ? "true" : "false", false);
		return;
	}
	j_item(e);
	j_raw(e, v ? "true" : "false");
}

static void em_open(struct emitter *e, bool map)
{
	yaml_event_t ev;
	int ok;

	if (e->fmt == SL_EMIT_YAML) {
		if (map)
			ok = yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
								 YAML_BLOCK_MAPPING_STYLE);
		else
			ok = yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
								  YAML_BLOCK_SEQUENCE_STYLE);
		y_event(e, &ev, ok);
		return;
	}
	j_item(e);
	j_raw(e, map ? "{" : "[");
	if (e->depth >= EMIT_MAX_DEPTH) {
		e->err = -EINVAL;
		return;
	}
	e->count[e->depth++] = 0;
}

static void em_close(struct emitter *e, bool map)
{
	yaml_event_t ev;
	int ok;

	if (e->fmt == SL_EMIT_YAML) {
		if (map)
			ok = yaml_mapping_end_event_initialize(&ev);
		else
			ok = yaml_sequence_end_event_initialize(&ev);
		y_event(e, &ev, ok);
		return;
	}
	if (e->err || !e->depth)
		return;
	e->depth--;
	if (e->count[e->depth])
		j_indent(e);
	j_raw(e, map ? "}" : "]");
}

static void em_kv_str(struct emitter *e, const char *k, const char *v)
{
	em_key(e, k);
	em_str(e, v);
}

static void em_kv_int(struct emitter *e, const char *k, long v)
{
	em_key(e, k);
	em_int(e, v);
}

static void em_kv_bool(struct emitter *e, const char *k, bool v)
{
	em_key(e, k);
	em_bool(e, v);
}

/* A double as the shortest text that reads back to the same value. */
static void em_double(struct emitter *e, double v)
{
	char buf[40];

	snprintf(buf, sizeof(buf), "%.15g", v);
	if (strtod(buf, NULL) != v)
		snprintf(buf, sizeof(buf), "%.17g", v);
	if (e->fmt == SL_EMIT_YAML) {
		y_scalar(e, buf, false);
		return;
	}
	j_item(e);
	j_raw(e, buf);
}

/* A duration in the largest unit that divides it exactly: "7s", "100ms", "1500ms". */
static void em_kv_duration(struct emitter *e, const char *k, uint64_t ns)
{
	static const struct {
		uint64_t ns;
		const char *unit;
	} units[] = {
		{ 3600000000000ull, "h" }, { 60000000000ull, "m" }, { 1000000000ull, "s" },
		{ 1000000ull, "ms" },	   { 1000ull, "us" },	    { 1ull, "ns" },
	};
	char buf[32];
	size_t i;

	for (i = 0; i + 1 < sizeof(units) / sizeof(units[0]); i++)
		if (ns && !(ns % units[i].ns))
			break;
	if (!ns)
		snprintf(buf, sizeof(buf), "0s");
	else
		snprintf(buf, sizeof(buf), "%llu%s", (unsigned long long)(ns / units[i].ns),
			 units[i].unit);
	em_kv_str(e, k, buf);
}

static void em_ip(struct emitter *e, const struct sl_ip *ip)
{
	char buf[SL_IP_STRLEN];

	if (ip->family != 4 && ip->family != 6) {
		e->err = e->err ?: -EINVAL;
		return;
	}
	em_str(e, sl_ip_format(ip, buf, sizeof(buf)));
}

static const char *proto_name(uint8_t proto)
{
	return proto == IPPROTO_UDP ? "UDP" : "TCP";
}

static int label_cmp(const void *a, const void *b)
{
	const struct sl_label *la = *(const struct sl_label *const *)a;
	const struct sl_label *lb = *(const struct sl_label *const *)b;

	return strcmp(la->key, lb->key);
}

/* `key`: {labels sorted by key}; `extra` (a label the object implies) first when set. */
static void emit_label_map(struct emitter *e, const char *key, const struct sl_label *l, size_t n,
			   const char *extra_key, const char *extra_value)
{
	const struct sl_label **sorted;
	size_t i;

	sorted = calloc(n + 1, sizeof(*sorted));
	if (!sorted) {
		e->err = e->err ?: -ENOMEM;
		return;
	}
	for (i = 0; i < n; i++)
		sorted[i] = &l[i];
	qsort(sorted, n, sizeof(*sorted), label_cmp);
	em_key(e, key);
	em_open(e, true);
	if (extra_key)
		em_kv_str(e, extra_key, extra_value);
	for (i = 0; i < n; i++)
		em_kv_str(e, sorted[i]->key, sorted[i]->value ?: "");
	em_close(e, true);
	free(sorted);
}

static void emit_labels(struct emitter *e, const struct sl_meta_obj *m, const char *svc_name)
{
	bool have_svc = !svc_name || sl_label_get(m, "kubernetes.io/service-name");

	if (!m->nlabels && have_svc)
		return;
	/* An EndpointSlice's service_name is the label: print it if the object lacks it. */
	emit_label_map(e, "labels", m->labels, m->nlabels,
		       have_svc ? NULL : "kubernetes.io/service-name", svc_name);
}

/* apiVersion, kind and metadata; `annot_key` (when set) is the one annotation printed,
 * for the kinds that read one. */
static void emit_head_annot(struct emitter *e, const char *api, const char *kind,
			    const struct sl_meta_obj *m, const char *svc_name,
			    const char *annot_key, const char *annot_value)
{
	em_kv_str(e, "apiVersion", api);
	em_kv_str(e, "kind", kind);
	em_key(e, "metadata");
	em_open(e, true);
	em_kv_str(e, "name", m->name ?: "");
	if (m->ns)
		em_kv_str(e, "namespace", m->ns);
	if (m->uid)
		em_kv_str(e, "uid", m->uid);
	emit_labels(e, m, svc_name);
	if (annot_key) {
		em_key(e, "annotations");
		em_open(e, true);
		em_kv_str(e, annot_key, annot_value);
		em_close(e, true);
	}
	em_close(e, true);
}

static void emit_head(struct emitter *e, const char *api, const char *kind,
		      const struct sl_meta_obj *m, const char *svc_name)
{
	emit_head_annot(e, api, kind, m, svc_name, NULL, NULL);
}

static void emit_service(struct emitter *e, const struct sl_service *s)
{
	size_t i;

	emit_head(e, "v1", "Service", &s->meta, NULL);
	em_key(e, "spec");
	em_open(e, true);
	em_kv_str(e, "type", s->type == SL_SVC_EXTERNAL_NAME ? "ExternalName" : "ClusterIP");
	if (s->external_name)
		em_kv_str(e, "externalName", s->external_name);
	/* The defaults (None, Cluster) are left out, as the decoder reads their absence so. */
	if (s->affinity_client_ip) {
		em_kv_str(e, "sessionAffinity", "ClientIP");
		em_key(e, "sessionAffinityConfig");
		em_open(e, true);
		em_key(e, "clientIP");
		em_open(e, true);
		em_kv_int(e, "timeoutSeconds", s->affinity_timeout_s);
		em_close(e, true);
		em_close(e, true);
	}
	if (s->internal_local)
		em_kv_str(e, "internalTrafficPolicy", "Local");
	if (s->headless) {
		em_kv_str(e, "clusterIP", "None");
		em_key(e, "clusterIPs");
		em_open(e, false);
		em_str(e, "None");
		em_close(e, false);
	} else if (s->ncluster_ips) {
		em_key(e, "clusterIP");
		em_ip(e, &s->cluster_ips[0]);
		em_key(e, "clusterIPs");
		em_open(e, false);
		for (i = 0; i < s->ncluster_ips && i < 2; i++)
			em_ip(e, &s->cluster_ips[i]);
		em_close(e, false);
	}
	if (s->nports) {
		em_key(e, "ports");
		em_open(e, false);
		for (i = 0; i < s->nports; i++) {
			const struct sl_svc_port *p = &s->ports[i];

			em_open(e, true);
			if (p->name && p->name[0])
				em_kv_str(e, "name", p->name);
			em_kv_str(e, "protocol", proto_name(p->protocol));
			em_kv_int(e, "port", p->port);
			if (p->target_port_name)
				em_kv_str(e, "targetPort", p->target_port_name);
			else if (p->target_port)
				em_kv_int(e, "targetPort", p->target_port);
			em_close(e, true);
		}
		em_close(e, false);
	}
	em_close(e, true);
}

static void emit_cond(struct emitter *e, const char *k, enum sl_tristate t)
{
	if (t == SL_UNSET)
		return;
	em_key(e, k);
	em_bool(e, t == SL_TRUE);
}

static void emit_endpoint(struct emitter *e, const struct sl_endpoint *ep)
{
	size_t i;

	em_open(e, true);
	em_key(e, "addresses");
	em_open(e, false);
	for (i = 0; i < ep->naddrs; i++)
		em_ip(e, &ep->addrs[i]);
	em_close(e, false);
	if (ep->ready || ep->serving || ep->terminating) {
		em_key(e, "conditions");
		em_open(e, true);
		emit_cond(e, "ready", ep->ready);
		emit_cond(e, "serving", ep->serving);
		emit_cond(e, "terminating", ep->terminating);
		em_close(e, true);
	}
	if (ep->node_name)
		em_kv_str(e, "nodeName", ep->node_name);
	if (ep->target_kind || ep->target_ns || ep->target_name || ep->target_uid) {
		em_key(e, "targetRef");
		em_open(e, true);
		if (ep->target_kind)
			em_kv_str(e, "kind", ep->target_kind);
		if (ep->target_ns)
			em_kv_str(e, "namespace", ep->target_ns);
		if (ep->target_name)
			em_kv_str(e, "name", ep->target_name);
		if (ep->target_uid)
			em_kv_str(e, "uid", ep->target_uid);
		em_close(e, true);
	}
	em_close(e, true);
}

static void emit_eps(struct emitter *e, const struct sl_endpoint_slice *s)
{
	size_t i;

	emit_head(e, "discovery.k8s.io/v1", "EndpointSlice", &s->meta, s->service_name);
	em_kv_str(e, "addressType", s->address_type == 6 ? "IPv6" : "IPv4");
	em_key(e, "endpoints");
	em_open(e, false);
	for (i = 0; i < s->nendpoints; i++)
		emit_endpoint(e, &s->endpoints[i]);
	em_close(e, false);
	em_key(e, "ports");
	em_open(e, false);
	for (i = 0; i < s->nports; i++) {
		em_open(e, true);
		if (s->ports[i].name && s->ports[i].name[0])
			em_kv_str(e, "name", s->ports[i].name);
		em_kv_str(e, "protocol", proto_name(s->ports[i].protocol));
		em_kv_int(e, "port", s->ports[i].port);
		em_close(e, true);
	}
	em_close(e, false);
}

static void emit_pod(struct emitter *e, const struct sl_pod *p)
{
	size_t i;

	emit_head(e, "v1", "Pod", &p->meta, NULL);
	em_key(e, "spec");
	em_open(e, true);
	if (p->service_account)
		em_kv_str(e, "serviceAccountName", p->service_account);
	if (p->node_name)
		em_kv_str(e, "nodeName", p->node_name);
	em_close(e, true);
	if (!p->npod_ips)
		return;
	em_key(e, "status");
	em_open(e, true);
	em_key(e, "podIP");
	em_ip(e, &p->pod_ips[0]);
	em_key(e, "podIPs");
	em_open(e, false);
	for (i = 0; i < p->npod_ips; i++) {
		em_open(e, true);
		em_key(e, "ip");
		em_ip(e, &p->pod_ips[i]);
		em_close(e, true);
	}
	em_close(e, false);
	em_close(e, true);
}

static const char *lb_simple_name(enum sl_lb_simple v)
{
	switch (v) {
	case SL_LB_UNSET:
		break;
	case SL_LB_RANDOM:
		return "RANDOM";
	case SL_LB_ROUND_ROBIN:
		return "ROUND_ROBIN";
	case SL_LB_LEAST_REQUEST:
		return "LEAST_REQUEST";
	}
	return NULL;
}

static void emit_regex_rewrite(struct emitter *e, const char *key,
			       const struct sl_regex_rewrite *rw)
{
	if (!rw->match)
		return;
	em_key(e, key);
	em_open(e, true);
	em_kv_str(e, "match", rw->match);
	em_kv_str(e, "rewrite", rw->rewrite ?: "");
	em_close(e, true);
}

static void emit_hash_key(struct emitter *e, const struct sl_lb_policy *lb)
{
	if (lb->hash_source_ip)
		em_kv_bool(e, "useSourceIp", true);
	if (lb->hash_header)
		em_kv_str(e, "httpHeaderName", lb->hash_header);
	emit_regex_rewrite(e, "httpHeaderRegexRewrite", &lb->hash_header_rewrite);
	if (lb->hash_query)
		em_kv_str(e, "httpQueryParameterName", lb->hash_query);
	if (!lb->hash_cookie_set)
		return;
	em_key(e, "httpCookie");
	em_open(e, true);
	em_kv_str(e, "name", lb->hash_cookie.name ?: "");
	if (lb->hash_cookie.path)
		em_kv_str(e, "path", lb->hash_cookie.path);
	if (lb->hash_cookie.ttl_set)
		em_kv_duration(e, "ttl", lb->hash_cookie.ttl_ns);
	em_close(e, true);
}

static void emit_lb(struct emitter *e, const struct sl_lb_policy *lb)
{
	const char *simple = lb_simple_name(lb->simple);

	if (!lb->set)
		return;
	em_key(e, "loadBalancer");
	em_open(e, true);
	if (simple)
		em_kv_str(e, "simple", simple);
	if (lb->hash_source_ip || lb->hash_header || lb->hash_cookie_set || lb->hash_query) {
		em_key(e, "consistentHash");
		em_open(e, true);
		emit_hash_key(e, lb);
		if (lb->maglev_table_size) {
			em_key(e, "maglev");
			em_open(e, true);
			em_kv_int(e, "tableSize", lb->maglev_table_size);
			em_close(e, true);
		}
		em_close(e, true);
	}
	em_close(e, true);
}

static bool pool_tcp_l7(const struct sl_conn_pool *pool)
{
	return pool->connect_timeout_ns || pool->max_connection_duration_ns ||
	       pool->idle_timeout_set || pool->keepalive.set;
}

static bool pool_says(const struct sl_conn_pool *pool)
{
	return pool->set || pool_tcp_l7(pool) || pool->http.set;
}

static const char *h2_upgrade_name(enum sl_h2_upgrade v)
{
	switch (v) {
	case SL_H2_DEFAULT:
		break;
	case SL_H2_DO_NOT_UPGRADE:
		return "DO_NOT_UPGRADE";
	case SL_H2_UPGRADE:
		return "UPGRADE";
	}
	return NULL;
}

/* Counts are printed when not 0, which reads back the same (0 is "not written"). */
static void emit_http_pool(struct emitter *e, const struct sl_http_pool *hp)
{
	const char *h2 = h2_upgrade_name(hp->h2_upgrade);

	em_key(e, "http");
	em_open(e, true);
	if (hp->http1_max_pending_requests)
		em_kv_int(e, "http1MaxPendingRequests", hp->http1_max_pending_requests);
	if (hp->http2_max_requests)
		em_kv_int(e, "http2MaxRequests", hp->http2_max_requests);
	if (hp->max_requests_per_connection)
		em_kv_int(e, "maxRequestsPerConnection", hp->max_requests_per_connection);
	if (hp->max_retries)
		em_kv_int(e, "maxRetries", hp->max_retries);
	if (hp->max_concurrent_streams)
		em_kv_int(e, "maxConcurrentStreams", hp->max_concurrent_streams);
	if (hp->idle_timeout_ns)
		em_kv_duration(e, "idleTimeout", hp->idle_timeout_ns);
	if (h2)
		em_kv_str(e, "h2UpgradePolicy", h2);
	if (hp->use_client_protocol)
		em_kv_bool(e, "useClientProtocol", true);
	em_close(e, true);
}

static void emit_pool(struct emitter *e, const struct sl_conn_pool *pool)
{
	const struct sl_tcp_keepalive *ka = &pool->keepalive;

	if (!pool_says(pool))
		return;
	em_key(e, "connectionPool");
	em_open(e, true);
	if (pool->set || pool_tcp_l7(pool)) {
		em_key(e, "tcp");
		em_open(e, true);
		if (pool->set)
			em_kv_int(e, "maxConnections", pool->max_connections);
		if (pool->connect_timeout_ns)
			em_kv_duration(e, "connectTimeout", pool->connect_timeout_ns);
		if (pool->max_connection_duration_ns)
			em_kv_duration(e, "maxConnectionDuration",
				       pool->max_connection_duration_ns);
		if (pool->idle_timeout_set)
			em_kv_duration(e, "idleTimeout", pool->idle_timeout_ns);
		if (ka->set) {
			em_key(e, "tcpKeepalive");
			em_open(e, true);
			if (ka->probes)
				em_kv_int(e, "probes", ka->probes);
			if (ka->time_ns)
				em_kv_duration(e, "time", ka->time_ns);
			if (ka->interval_ns)
				em_kv_duration(e, "interval", ka->interval_ns);
			em_close(e, true);
		}
		em_close(e, true);
	}
	if (pool->http.set)
		emit_http_pool(e, &pool->http);
	em_close(e, true);
}

static void emit_outlier(struct emitter *e, const struct sl_outlier *o)
{
	if (!o->set)
		return;
	em_key(e, "outlierDetection");
	em_open(e, true);
	if (o->consecutive_5xx_set)
		em_kv_int(e, "consecutive5xxErrors", o->consecutive_5xx);
	if (o->consecutive_gateway_set)
		em_kv_int(e, "consecutiveGatewayErrors", o->consecutive_gateway);
	if (o->split_local_origin)
		em_kv_bool(e, "splitExternalLocalOriginErrors", true);
	if (o->consecutive_local_set)
		em_kv_int(e, "consecutiveLocalOriginFailures", o->consecutive_local);
	if (o->interval_ns)
		em_kv_duration(e, "interval", o->interval_ns);
	if (o->base_ejection_ns)
		em_kv_duration(e, "baseEjectionTime", o->base_ejection_ns);
	if (o->max_ejection_percent)
		em_kv_int(e, "maxEjectionPercent", o->max_ejection_percent);
	if (o->min_health_percent)
		em_kv_int(e, "minHealthPercent", o->min_health_percent);
	em_close(e, true);
}

/* `trafficPolicy: {...}`, left out when it says nothing. */
static void emit_traffic_policy(struct emitter *e, const struct sl_traffic_policy *p)
{
	size_t i;

	if (!p->lb.set && !pool_says(&p->pool) && !p->outlier.set && !p->nports)
		return;
	em_key(e, "trafficPolicy");
	em_open(e, true);
	emit_lb(e, &p->lb);
	emit_pool(e, &p->pool);
	emit_outlier(e, &p->outlier);
	if (p->nports) {
		em_key(e, "portLevelSettings");
		em_open(e, false);
		for (i = 0; i < p->nports; i++) {
			em_open(e, true);
			em_key(e, "port");
			em_open(e, true);
			em_kv_int(e, "number", p->ports[i].port);
			em_close(e, true);
			emit_lb(e, &p->ports[i].lb);
			emit_pool(e, &p->ports[i].pool);
			emit_outlier(e, &p->ports[i].outlier);
			em_close(e, true);
		}
		em_close(e, false);
	}
	em_close(e, true);
}

/* Printed as networking.istio.io/v1 whatever version was read: they are one schema. */
static void emit_dr(struct emitter *e, const struct sl_destination_rule *dr)
{
	size_t i;

	emit_head(e, "networking.istio.io/v1", "DestinationRule", &dr->meta, NULL);
	em_key(e, "spec");
	em_open(e, true);
	em_kv_str(e, "host", dr->host ?: "");
	emit_traffic_policy(e, &dr->policy);
	if (dr->nsubsets) {
		em_key(e, "subsets");
		em_open(e, false);
		for (i = 0; i < dr->nsubsets; i++) {
			const struct sl_subset *sb = &dr->subsets[i];

			em_open(e, true);
			em_kv_str(e, "name", sb->name ?: "");
			if (sb->nlabels)
				emit_label_map(e, "labels", sb->labels, sb->nlabels, NULL, NULL);
			emit_traffic_policy(e, &sb->policy);
			em_close(e, true);
		}
		em_close(e, false);
	}
	em_close(e, true);
}

static void emit_destination(struct emitter *e, const struct sl_route_dest *d)
{
	em_key(e, "destination");
	em_open(e, true);
	em_kv_str(e, "host", d->host ?: "");
	if (d->subset)
		em_kv_str(e, "subset", d->subset);
	if (d->port) {
		em_key(e, "port");
		em_open(e, true);
		em_kv_int(e, "number", d->port);
		em_close(e, true);
	}
	em_close(e, true);
}

static void emit_tcp_route(struct emitter *e, const struct sl_tcp_route *t)
{
	size_t i;

	em_open(e, true);
	if (t->nmatches) {
		em_key(e, "match");
		em_open(e, false);
		for (i = 0; i < t->nmatches; i++) {
			const struct sl_l4_match *m = &t->matches[i];

			em_open(e, true);
			if (m->port)
				em_kv_int(e, "port", m->port);
			if (m->nsource_labels)
				emit_label_map(e, "sourceLabels", m->source_labels,
					       m->nsource_labels, NULL, NULL);
			if (m->source_namespace)
				em_kv_str(e, "sourceNamespace", m->source_namespace);
			em_close(e, true);
		}
		em_close(e, false);
	}
	em_key(e, "route");
	em_open(e, false);
	for (i = 0; i < t->nroutes; i++) {
		const struct sl_route_dest *d = &t->routes[i];

		em_open(e, true);
		emit_destination(e, d);
		em_kv_int(e, "weight", d->weight);
		em_close(e, true);
	}
	em_close(e, false);
	em_close(e, true);
}

static void emit_str_match(struct emitter *e, const struct sl_str_match *m)
{
	static const char *const names[] = {
		[SL_SM_EXACT] = "exact",
		[SL_SM_PREFIX] = "prefix",
		[SL_SM_REGEX] = "regex",
	};

	em_open(e, true);
	if (m->kind == SL_SM_EXACT || m->kind == SL_SM_PREFIX || m->kind == SL_SM_REGEX)
		em_kv_str(e, names[m->kind], m->value ?: "");
	em_close(e, true);
}

static void emit_kv_str_match(struct emitter *e, const char *key, const struct sl_str_match *m)
{
	if (m->kind == SL_SM_NONE)
		return;
	em_key(e, key);
	emit_str_match(e, m);
}

static int named_cmp(const void *a, const void *b)
{
	const struct sl_named_match *x = *(const struct sl_named_match *const *)a;
	const struct sl_named_match *y = *(const struct sl_named_match *const *)b;

	return strcmp(x->name, y->name);
}

/* `key: {name: StringMatch}`, sorted by name (a map: its order carries no meaning). */
static void emit_named(struct emitter *e, const char *key, const struct sl_named_match *v, size_t n)
{
	const struct sl_named_match **sorted;
	size_t i;

	if (!n)
		return;
	sorted = calloc(n, sizeof(*sorted));
	if (!sorted) {
		e->err = e->err ?: -ENOMEM;
		return;
	}
	for (i = 0; i < n; i++)
		sorted[i] = &v[i];
	qsort(sorted, n, sizeof(*sorted), named_cmp);
	em_key(e, key);
	em_open(e, true);
	for (i = 0; i < n; i++) {
		em_key(e, sorted[i]->name);
		emit_str_match(e, &sorted[i]->match);
	}
	em_close(e, true);
	free(sorted);
}

static void emit_http_match(struct emitter *e, const struct sl_http_match *m)
{
	em_open(e, true);
	if (m->name)
		em_kv_str(e, "name", m->name);
	emit_kv_str_match(e, "uri", &m->uri);
	emit_kv_str_match(e, "scheme", &m->scheme);
	emit_kv_str_match(e, "method", &m->method);
	emit_kv_str_match(e, "authority", &m->authority);
	emit_named(e, "headers", m->headers, m->nheaders);
	emit_named(e, "withoutHeaders", m->without_headers, m->nwithout_headers);
	emit_named(e, "queryParams", m->query_params, m->nquery_params);
	if (m->port)
		em_kv_int(e, "port", m->port);
	if (m->nsource_labels)
		emit_label_map(e, "sourceLabels", m->source_labels, m->nsource_labels, NULL, NULL);
	if (m->source_namespace)
		em_kv_str(e, "sourceNamespace", m->source_namespace);
	if (m->ignore_uri_case)
		em_kv_bool(e, "ignoreUriCase", true);
	em_close(e, true);
}

static void emit_header_ops(struct emitter *e, const char *key, const struct sl_header_ops *ops)
{
	size_t i;

	if (!ops->nset && !ops->nadd && !ops->nremove)
		return;
	em_key(e, key);
	em_open(e, true);
	if (ops->nset)
		emit_label_map(e, "set", ops->set, ops->nset, NULL, NULL);
	if (ops->nadd)
		emit_label_map(e, "add", ops->add, ops->nadd, NULL, NULL);
	if (ops->nremove) {
		em_key(e, "remove");
		em_open(e, false);
		for (i = 0; i < ops->nremove; i++)
			em_str(e, ops->remove[i] ?: "");
		em_close(e, false);
	}
	em_close(e, true);
}

static void emit_headers(struct emitter *e, const struct sl_headers *h)
{
	const struct sl_header_ops *rq = &h->request, *rs = &h->response;

	if (!rq->nset && !rq->nadd && !rq->nremove && !rs->nset && !rs->nadd && !rs->nremove)
		return;
	em_key(e, "headers");
	em_open(e, true);
	emit_header_ops(e, "request", rq);
	emit_header_ops(e, "response", rs);
	em_close(e, true);
}

static void emit_redirect(struct emitter *e, const struct sl_http_redirect *rd)
{
	em_key(e, "redirect");
	em_open(e, true);
	if (rd->uri)
		em_kv_str(e, "uri", rd->uri);
	if (rd->authority)
		em_kv_str(e, "authority", rd->authority);
	if (rd->scheme)
		em_kv_str(e, "scheme", rd->scheme);
	if (rd->port_mode == SL_REDIRECT_PORT_NUMBER)
		em_kv_int(e, "port", rd->port);
	else if (rd->port_mode == SL_REDIRECT_PORT_FROM_PROTOCOL_DEFAULT)
		em_kv_str(e, "derivePort", "FROM_PROTOCOL_DEFAULT");
	else if (rd->port_mode == SL_REDIRECT_PORT_FROM_REQUEST_PORT)
		em_kv_str(e, "derivePort", "FROM_REQUEST_PORT");
	if (rd->code)
		em_kv_int(e, "redirectCode", rd->code);
	em_close(e, true);
}

static void emit_rewrite(struct emitter *e, const struct sl_http_rewrite *rw)
{
	em_key(e, "rewrite");
	em_open(e, true);
	if (rw->uri)
		em_kv_str(e, "uri", rw->uri);
	if (rw->authority)
		em_kv_str(e, "authority", rw->authority);
	emit_regex_rewrite(e, "uriRegexRewrite", &rw->uri_regex);
	em_close(e, true);
}

/* retryOn: the named conditions in enum order, then the status codes. */
static void emit_retry_on(struct emitter *e, const struct sl_http_retry *rt)
{
	static const char *const names[] = {
		"5xx",
		"gateway-error",
		"reset",
		"reset-before-request",
		"connect-failure",
		"retriable-4xx",
		"refused-stream",
		"retriable-status-codes",
		"retriable-headers",
		"envoy-ratelimited",
		"http3-post-connect-failure",
		"cancelled",
		"deadline-exceeded",
		"internal",
		"resource-exhausted",
		"unavailable",
	};
	char *buf = NULL;
	size_t i, len = 0;
	FILE *f;

	if (!rt->retry_on && !rt->nretry_codes)
		return;
	f = open_memstream(&buf, &len);
	if (!f) {
		e->err = e->err ?: -ENOMEM;
		return;
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (rt->retry_on & (1u << i))
			fprintf(f, "%s%s", ftell(f) ? "," : "", names[i]);
	for (i = 0; i < rt->nretry_codes; i++)
		fprintf(f, "%s%u", ftell(f) ? "," : "", rt->retry_codes[i]);
	if (fclose(f) || !buf) {
		free(buf);
		e->err = e->err ?: -ENOMEM;
		return;
	}
	em_kv_str(e, "retryOn", buf);
	free(buf);
}

static void emit_retries(struct emitter *e, const struct sl_http_retry *rt)
{
	em_key(e, "retries");
	em_open(e, true);
	em_kv_int(e, "attempts", rt->attempts);
	if (rt->per_try_timeout_ns)
		em_kv_duration(e, "perTryTimeout", rt->per_try_timeout_ns);
	emit_retry_on(e, rt);
	if (rt->backoff_ns)
		em_kv_duration(e, "backoff", rt->backoff_ns);
	if (rt->ignore_previous_hosts != SL_UNSET)
		em_kv_bool(e, "retryIgnorePreviousHosts", rt->ignore_previous_hosts == SL_TRUE);
	em_close(e, true);
}

static void emit_percent(struct emitter *e, const struct sl_percent *p)
{
	if (!p->set)
		return;
	em_key(e, "percentage");
	em_open(e, true);
	em_key(e, "value");
	em_double(e, p->value);
	em_close(e, true);
}

static void emit_fault(struct emitter *e, const struct sl_http_fault *f)
{
	em_key(e, "fault");
	em_open(e, true);
	if (f->delay_set) {
		em_key(e, "delay");
		em_open(e, true);
		em_kv_duration(e, "fixedDelay", f->delay_ns);
		emit_percent(e, &f->delay_pct);
		em_close(e, true);
	}
	if (f->abort_set) {
		em_key(e, "abort");
		em_open(e, true);
		em_kv_int(e, "httpStatus", f->abort_status);
		emit_percent(e, &f->abort_pct);
		em_close(e, true);
	}
	em_close(e, true);
}

static void emit_http_route(struct emitter *e, const struct sl_http_route *h)
{
	size_t i;

	em_open(e, true);
	if (h->name)
		em_kv_str(e, "name", h->name);
	if (h->nmatches) {
		em_key(e, "match");
		em_open(e, false);
		for (i = 0; i < h->nmatches; i++)
			emit_http_match(e, &h->matches[i]);
		em_close(e, false);
	}
	if (h->nroutes) {
		em_key(e, "route");
		em_open(e, false);
		for (i = 0; i < h->nroutes; i++) {
			em_open(e, true);
			emit_destination(e, &h->routes[i].dest);
			if (h->routes[i].dest.weight)
				em_kv_int(e, "weight", h->routes[i].dest.weight);
			emit_headers(e, &h->routes[i].headers);
			em_close(e, true);
		}
		em_close(e, false);
	}
	if (h->redirect.set)
		emit_redirect(e, &h->redirect);
	if (h->rewrite.set)
		emit_rewrite(e, &h->rewrite);
	if (h->timeout_ns)
		em_kv_duration(e, "timeout", h->timeout_ns);
	if (h->retries.set)
		emit_retries(e, &h->retries);
	if (h->fault.set)
		emit_fault(e, &h->fault);
	emit_headers(e, &h->headers);
	em_close(e, true);
}

static void emit_vs(struct emitter *e, const struct sl_virtual_service *vs)
{
	size_t i;

	emit_head(e, "networking.istio.io/v1", "VirtualService", &vs->meta, NULL);
	em_key(e, "spec");
	em_open(e, true);
	em_key(e, "hosts");
	em_open(e, false);
	for (i = 0; i < vs->nhosts; i++)
		em_str(e, vs->hosts[i]);
	em_close(e, false);
	if (vs->nhttp) {
		em_key(e, "http");
		em_open(e, false);
		for (i = 0; i < vs->nhttp; i++)
			emit_http_route(e, &vs->http[i]);
		em_close(e, false);
	}
	if (vs->ntcp || !vs->nhttp) {
		em_key(e, "tcp");
		em_open(e, false);
		for (i = 0; i < vs->ntcp; i++)
			emit_tcp_route(e, &vs->tcp[i]);
		em_close(e, false);
	}
	em_close(e, true);
}

/* `key: [values]` when the list was written, `[]` included: missing and empty differ. */
static void emit_strlist(struct emitter *e, const char *key, const struct sl_strlist *l)
{
	size_t i;

	if (!l->set)
		return;
	em_key(e, key);
	em_open(e, false);
	for (i = 0; i < l->n; i++)
		em_str(e, l->v[i] ?: "");
	em_close(e, false);
}

static void emit_ap_source(struct emitter *e, const struct sl_authz_source *s)
{
	em_open(e, true);
	em_key(e, "source");
	em_open(e, true);
	emit_strlist(e, "principals", &s->principals);
	emit_strlist(e, "notPrincipals", &s->not_principals);
	emit_strlist(e, "namespaces", &s->namespaces);
	emit_strlist(e, "notNamespaces", &s->not_namespaces);
	emit_strlist(e, "ipBlocks", &s->ip_blocks);
	emit_strlist(e, "notIpBlocks", &s->not_ip_blocks);
	emit_strlist(e, "requestPrincipals", &s->request_principals);
	emit_strlist(e, "notRequestPrincipals", &s->not_request_principals);
	emit_strlist(e, "remoteIpBlocks", &s->remote_ip_blocks);
	emit_strlist(e, "notRemoteIpBlocks", &s->not_remote_ip_blocks);
	em_close(e, true);
	em_close(e, true);
}

static void emit_ap_operation(struct emitter *e, const struct sl_authz_operation *op)
{
	em_open(e, true);
	em_key(e, "operation");
	em_open(e, true);
	emit_strlist(e, "ports", &op->ports);
	emit_strlist(e, "notPorts", &op->not_ports);
	emit_strlist(e, "hosts", &op->hosts);
	emit_strlist(e, "notHosts", &op->not_hosts);
	emit_strlist(e, "methods", &op->methods);
	emit_strlist(e, "notMethods", &op->not_methods);
	emit_strlist(e, "paths", &op->paths);
	emit_strlist(e, "notPaths", &op->not_paths);
	em_close(e, true);
	em_close(e, true);
}

static void emit_ap_rule(struct emitter *e, const struct sl_authz_rule *r)
{
	size_t i;

	em_open(e, true);
	if (r->from_set) {
		em_key(e, "from");
		em_open(e, false);
		for (i = 0; i < r->nfrom; i++)
			emit_ap_source(e, &r->from[i]);
		em_close(e, false);
	}
	if (r->to_set) {
		em_key(e, "to");
		em_open(e, false);
		for (i = 0; i < r->nto; i++)
			emit_ap_operation(e, &r->to[i]);
		em_close(e, false);
	}
	if (r->when_set) {
		em_key(e, "when");
		em_open(e, false);
		for (i = 0; i < r->nwhen; i++) {
			em_open(e, true);
			em_kv_str(e, "key", r->when[i].key ?: "");
			emit_strlist(e, "values", &r->when[i].values);
			emit_strlist(e, "notValues", &r->when[i].not_values);
			em_close(e, true);
		}
		em_close(e, false);
	}
	em_close(e, true);
}

static const char *ap_action_name(enum sl_authz_action a)
{
	switch (a) {
	case SL_AUTHZ_ALLOW:
		break;
	case SL_AUTHZ_DENY:
		return "DENY";
	case SL_AUTHZ_AUDIT:
		return "AUDIT";
	}
	return "ALLOW";
}

/* Printed as security.istio.io/v1 whatever version was read: they are one schema. The
 * dry-run annotation is printed only when true (absent reads as false). */
static void emit_ap(struct emitter *e, const struct sl_authz_policy *ap)
{
	size_t i;

	emit_head_annot(e, "security.istio.io/v1", "AuthorizationPolicy", &ap->meta, NULL,
			ap->dry_run ? "istio.io/dry-run" : NULL, "true");
	em_key(e, "spec");
	em_open(e, true);
	if (ap->has_selector) {
		em_key(e, "selector");
		em_open(e, true);
		emit_label_map(e, "matchLabels", ap->selector, ap->nselector, NULL, NULL);
		em_close(e, true);
	}
	em_kv_str(e, "action", ap_action_name(ap->action));
	if (ap->rules_set) {
		em_key(e, "rules");
		em_open(e, false);
		for (i = 0; i < ap->nrules; i++)
			emit_ap_rule(e, &ap->rules[i]);
		em_close(e, false);
	}
	em_close(e, true);
}

static void emit_object(struct emitter *e, const struct sl_object *o)
{
	em_open(e, true);
	switch (o->kind) {
	case SL_KIND_SERVICE:
		emit_service(e, &o->svc);
		break;
	case SL_KIND_ENDPOINT_SLICE:
		emit_eps(e, &o->eps);
		break;
	case SL_KIND_POD:
		emit_pod(e, &o->pod);
		break;
	case SL_KIND_DESTINATION_RULE:
		emit_dr(e, &o->dr);
		break;
	case SL_KIND_VIRTUAL_SERVICE:
		emit_vs(e, &o->vs);
		break;
	case SL_KIND_AUTHORIZATION_POLICY:
		emit_ap(e, &o->ap);
		break;
	default:
		e->err = e->err ?: -EINVAL;
	}
	em_close(e, true);
}

static void emit_list(struct emitter *e, const struct sl_object *const *objs, size_t n)
{
	size_t i;

	em_open(e, true);
	em_kv_str(e, "apiVersion", "v1");
	em_kv_str(e, "kind", "List");
	em_key(e, "items");
	em_open(e, false);
	for (i = 0; i < n; i++)
		emit_object(e, objs[i]);
	em_close(e, false);
	em_close(e, true);
}

int sl_emit_objects(FILE *f, const struct sl_object *const *objs, size_t n, enum sl_emit_format fmt)
{
	struct emitter *e;
	yaml_event_t ev;
	int r;

	if (fmt != SL_EMIT_JSON && fmt != SL_EMIT_YAML)
		return -EINVAL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->fmt = fmt;
	e->f = f;
	if (fmt == SL_EMIT_JSON) {
		emit_list(e, objs, n);
		j_raw(e, "\n");
		goto out;
	}
	if (!yaml_emitter_initialize(&e->ye)) {
		e->err = -ENOMEM;
		goto out;
	}
	yaml_emitter_set_output(&e->ye, y_write, f);
	yaml_emitter_set_unicode(&e->ye, 1);
	yaml_emitter_set_width(&e->ye, -1); /* no folding of long strings */
	yaml_emitter_set_indent(&e->ye, 2);
	y_event(e, &ev, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING));
	y_event(e, &ev, yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1));
	emit_list(e, objs, n);
	y_event(e, &ev, yaml_document_end_event_initialize(&ev, 1));
	y_event(e, &ev, yaml_stream_end_event_initialize(&ev));
	if (!e->err && !yaml_emitter_flush(&e->ye))
		e->err = -EIO;
	yaml_emitter_delete(&e->ye);
out:
	if (!e->err && fflush(f) == EOF)
		e->err = -EIO;
	r = e->err;
	free(e);
	return r;
}
