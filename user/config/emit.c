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
#include "config/emit_int.h"
#include "config/yaml_tree.h"
#include "model/objects.h"

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

void em_key(struct emitter *e, const char *k)
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

void em_str(struct emitter *e, const char *v)
{
	if (e->fmt == SL_EMIT_YAML) {
		y_scalar(e, v, needs_quotes(v));
		return;
	}
	j_item(e);
	j_string(e, v);
}

void em_int(struct emitter *e, long v)
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

void em_bool(struct emitter *e, bool v)
{
	if (e->fmt == SL_EMIT_YAML) {
		y_scalar(e, v ? "true" : "false", false);
		return;
	}
	j_item(e);
	j_raw(e, v ? "true" : "false");
}

void em_open(struct emitter *e, bool map)
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

void em_close(struct emitter *e, bool map)
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

void em_kv_str(struct emitter *e, const char *k, const char *v)
{
	em_key(e, k);
	em_str(e, v);
}

void em_kv_int(struct emitter *e, const char *k, long v)
{
	em_key(e, k);
	em_int(e, v);
}

void em_kv_bool(struct emitter *e, const char *k, bool v)
{
	em_key(e, k);
	em_bool(e, v);
}

/* A double as the shortest text that reads back to the same value. */
void em_double(struct emitter *e, double v)
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
void em_kv_duration(struct emitter *e, const char *k, uint64_t ns)
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
void emit_label_map(struct emitter *e, const char *key, const struct sl_label *l, size_t n,
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

void emit_head(struct emitter *e, const char *api, const char *kind, const struct sl_meta_obj *m,
	       const char *svc_name)
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
