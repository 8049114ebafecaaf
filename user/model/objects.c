// SPDX-License-Identifier: Apache-2.0
/* Lifetime, copy and comparison of decoded objects, and IP address text. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model/objects.h"
#include "model/objects_int.h"

static void meta_free(struct sl_meta_obj *m)
{
	free(m->ns);
	free(m->name);
	free(m->uid);
	ob_labels_free(m->labels, m->nlabels);
}

void ob_labels_free(struct sl_label *l, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(l[i].key);
		free(l[i].value);
	}
	free(l);
}

static void svc_free(struct sl_service *s)
{
	size_t i;

	free(s->external_name);
	for (i = 0; i < s->nports; i++) {
		free(s->ports[i].name);
		free(s->ports[i].target_port_name);
	}
	free(s->ports);
}

static void endpoint_free(struct sl_endpoint *e)
{
	free(e->addrs);
	free(e->node_name);
	free(e->target_kind);
	free(e->target_ns);
	free(e->target_name);
	free(e->target_uid);
}

static void eps_free(struct sl_endpoint_slice *s)
{
	size_t i;

	free(s->service_name);
	for (i = 0; i < s->nendpoints; i++)
		endpoint_free(&s->endpoints[i]);
	free(s->endpoints);
	for (i = 0; i < s->nports; i++)
		free(s->ports[i].name);
	free(s->ports);
}

static void pod_free(struct sl_pod *p)
{
	free(p->service_account);
	free(p->node_name);
	free(p->pod_ips);
}

static void strlist_free(struct sl_strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

static void ap_source_free(struct sl_authz_source *s)
{
	strlist_free(&s->principals);
	strlist_free(&s->not_principals);
	strlist_free(&s->namespaces);
	strlist_free(&s->not_namespaces);
	strlist_free(&s->ip_blocks);
	strlist_free(&s->not_ip_blocks);
	strlist_free(&s->request_principals);
	strlist_free(&s->not_request_principals);
	strlist_free(&s->remote_ip_blocks);
	strlist_free(&s->not_remote_ip_blocks);
}

static void ap_operation_free(struct sl_authz_operation *op)
{
	strlist_free(&op->ports);
	strlist_free(&op->not_ports);
	strlist_free(&op->hosts);
	strlist_free(&op->not_hosts);
	strlist_free(&op->methods);
	strlist_free(&op->not_methods);
	strlist_free(&op->paths);
	strlist_free(&op->not_paths);
}

static void ap_rule_free(struct sl_authz_rule *r)
{
	size_t i;

	for (i = 0; i < r->nfrom; i++)
		ap_source_free(&r->from[i]);
	free(r->from);
	for (i = 0; i < r->nto; i++)
		ap_operation_free(&r->to[i]);
	free(r->to);
	for (i = 0; i < r->nwhen; i++) {
		free(r->when[i].key);
		strlist_free(&r->when[i].values);
		strlist_free(&r->when[i].not_values);
	}
	free(r->when);
}

static void ap_free(struct sl_authz_policy *ap)
{
	size_t i;

	ob_labels_free(ap->selector, ap->nselector);
	for (i = 0; i < ap->nrules; i++)
		ap_rule_free(&ap->rules[i]);
	free(ap->rules);
}

void sl_object_free(struct sl_object *o)
{
	if (!o)
		return;
	switch (o->kind) {
	case SL_KIND_SERVICE:
		svc_free(&o->svc);
		break;
	case SL_KIND_ENDPOINT_SLICE:
		eps_free(&o->eps);
		break;
	case SL_KIND_POD:
		pod_free(&o->pod);
		break;
	case SL_KIND_DESTINATION_RULE:
		ob_dr_free(&o->dr);
		break;
	case SL_KIND_VIRTUAL_SERVICE:
		ob_vs_free(&o->vs);
		break;
	case SL_KIND_AUTHORIZATION_POLICY:
		ap_free(&o->ap);
		break;
	}
	/* meta is the first member of every kind, so this is right whatever the kind. */
	meta_free(&o->meta);
	memset(o, 0, sizeof(*o));
}

void sl_objects_free(struct sl_objects *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->n; i++)
		sl_object_free(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

struct sl_object *sl_objects_push(struct sl_objects *l)
{
	struct sl_object *o;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct sl_object *v;

		if (cap > SIZE_MAX / sizeof(*v)) {
			errno = ENOMEM;
			return NULL;
		}
		v = realloc(l->v, cap * sizeof(*v));
		if (!v) {
			errno = ENOMEM;
			return NULL;
		}
		l->v = v;
		l->cap = cap;
	}
	o = &l->v[l->n++];
	memset(o, 0, sizeof(*o));
	return o;
}

/* strdup() that keeps NULL as NULL; sets *err on allocation failure. */
char *ob_dup_str(const char *s, int *err)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		*err = -ENOMEM;
	return d;
}

void *ob_alloc(size_t n, size_t sz, int *err)
{
	void *d;

	if (!n)
		return NULL;
	d = calloc(n, sz);
	if (!d)
		*err = -ENOMEM;
	return d;
}

/* Copy of n elements of size sz; NULL for n == 0. */
void *ob_dup_mem(const void *p, size_t n, size_t sz, int *err)
{
	void *d;

	if (!n || !p)
		return NULL;
	d = calloc(n, sz);
	if (!d) {
		*err = -ENOMEM;
		return NULL;
	}
	memcpy(d, p, n * sz);
	return d;
}

/* Copies n labels into *d (NULL for none); on failure *dn counts what *d holds. */
void ob_labels_clone(struct sl_label **d, size_t *dn, const struct sl_label *s, size_t n, int *err)
{
	size_t i;

	if (!n)
		return;
	*d = calloc(n, sizeof(**d));
	if (!*d) {
		*err = -ENOMEM;
		return;
	}
	*dn = n;
	for (i = 0; i < n; i++) {
		(*d)[i].key = ob_dup_str(s[i].key, err);
		(*d)[i].value = ob_dup_str(s[i].value, err);
	}
}

static void meta_clone(struct sl_meta_obj *d, const struct sl_meta_obj *s, int *err)
{
	d->pos = s->pos;
	d->ns = ob_dup_str(s->ns, err);
	d->name = ob_dup_str(s->name, err);
	d->uid = ob_dup_str(s->uid, err);
	ob_labels_clone(&d->labels, &d->nlabels, s->labels, s->nlabels, err);
}

static void svc_clone(struct sl_service *d, const struct sl_service *s, int *err)
{
	size_t i;

	d->type = s->type;
	d->headless = s->headless;
	d->external_name = ob_dup_str(s->external_name, err);
	d->affinity_client_ip = s->affinity_client_ip;
	d->affinity_timeout_s = s->affinity_timeout_s;
	d->internal_local = s->internal_local;
	memcpy(d->cluster_ips, s->cluster_ips, sizeof(d->cluster_ips));
	d->ncluster_ips = s->ncluster_ips;
	d->ports = ob_dup_mem(s->ports, s->nports, sizeof(*s->ports), err);
	if (!d->ports)
		return;
	d->nports = s->nports;
	/* The memcpy above copied string pointers: replace them before anything can fail. */
	for (i = 0; i < s->nports; i++)
		d->ports[i].name = d->ports[i].target_port_name = NULL;
	for (i = 0; i < s->nports; i++) {
		d->ports[i].name = ob_dup_str(s->ports[i].name, err);
		d->ports[i].target_port_name = ob_dup_str(s->ports[i].target_port_name, err);
	}
}

static void eps_clone(struct sl_endpoint_slice *d, const struct sl_endpoint_slice *s, int *err)
{
	size_t i;

	d->service_name = ob_dup_str(s->service_name, err);
	d->address_type = s->address_type;
	d->endpoints = ob_alloc(s->nendpoints, sizeof(*d->endpoints), err);
	if (d->endpoints)
		d->nendpoints = s->nendpoints;
	for (i = 0; i < d->nendpoints; i++) {
		const struct sl_endpoint *se = &s->endpoints[i];
		struct sl_endpoint *de = &d->endpoints[i];

		de->addrs = ob_dup_mem(se->addrs, se->naddrs, sizeof(*se->addrs), err);
		if (de->addrs)
			de->naddrs = se->naddrs;
		de->ready = se->ready;
		de->serving = se->serving;
		de->terminating = se->terminating;
		de->node_name = ob_dup_str(se->node_name, err);
		de->target_kind = ob_dup_str(se->target_kind, err);
		de->target_ns = ob_dup_str(se->target_ns, err);
		de->target_name = ob_dup_str(se->target_name, err);
		de->target_uid = ob_dup_str(se->target_uid, err);
	}
	d->ports = ob_dup_mem(s->ports, s->nports, sizeof(*s->ports), err);
	if (!d->ports)
		return;
	d->nports = s->nports;
	for (i = 0; i < s->nports; i++)
		d->ports[i].name = NULL;
	for (i = 0; i < s->nports; i++)
		d->ports[i].name = ob_dup_str(s->ports[i].name, err);
}

static void pod_clone(struct sl_pod *d, const struct sl_pod *s, int *err)
{
	d->service_account = ob_dup_str(s->service_account, err);
	d->node_name = ob_dup_str(s->node_name, err);
	d->pod_ips = ob_dup_mem(s->pod_ips, s->npod_ips, sizeof(*s->pod_ips), err);
	if (d->pod_ips)
		d->npod_ips = s->npod_ips;
}

/* Copies a string list; on failure *d holds what was copied (n counts it). */
static void strlist_clone(struct sl_strlist *d, const struct sl_strlist *s, int *err)
{
	size_t i;

	d->set = s->set;
	d->v = ob_alloc(s->n, sizeof(*d->v), err);
	if (d->v)
		d->n = s->n;
	for (i = 0; i < d->n; i++)
		d->v[i] = ob_dup_str(s->v[i], err);
}

static void ap_source_clone(struct sl_authz_source *d, const struct sl_authz_source *s, int *err)
{
	d->pos = s->pos;
	strlist_clone(&d->principals, &s->principals, err);
	strlist_clone(&d->not_principals, &s->not_principals, err);
	strlist_clone(&d->namespaces, &s->namespaces, err);
	strlist_clone(&d->not_namespaces, &s->not_namespaces, err);
	strlist_clone(&d->ip_blocks, &s->ip_blocks, err);
	strlist_clone(&d->not_ip_blocks, &s->not_ip_blocks, err);
	strlist_clone(&d->request_principals, &s->request_principals, err);
	strlist_clone(&d->not_request_principals, &s->not_request_principals, err);
	strlist_clone(&d->remote_ip_blocks, &s->remote_ip_blocks, err);
	strlist_clone(&d->not_remote_ip_blocks, &s->not_remote_ip_blocks, err);
}

static void ap_operation_clone(struct sl_authz_operation *d, const struct sl_authz_operation *s,
			       int *err)
{
	d->pos = s->pos;
	strlist_clone(&d->ports, &s->ports, err);
	strlist_clone(&d->not_ports, &s->not_ports, err);
	strlist_clone(&d->hosts, &s->hosts, err);
	strlist_clone(&d->not_hosts, &s->not_hosts, err);
	strlist_clone(&d->methods, &s->methods, err);
	strlist_clone(&d->not_methods, &s->not_methods, err);
	strlist_clone(&d->paths, &s->paths, err);
	strlist_clone(&d->not_paths, &s->not_paths, err);
}

/* The element arrays are zeroed before anything is copied into them, so that a failure
 * half way leaves only NULLs for sl_object_free(). */
static void ap_rule_clone(struct sl_authz_rule *d, const struct sl_authz_rule *s, int *err)
{
	size_t i;

	d->pos = s->pos;
	d->from_set = s->from_set;
	d->to_set = s->to_set;
	d->when_set = s->when_set;
	d->from = ob_alloc(s->nfrom, sizeof(*d->from), err);
	if (d->from)
		d->nfrom = s->nfrom;
	for (i = 0; i < d->nfrom; i++)
		ap_source_clone(&d->from[i], &s->from[i], err);
	d->to = ob_alloc(s->nto, sizeof(*d->to), err);
	if (d->to)
		d->nto = s->nto;
	for (i = 0; i < d->nto; i++)
		ap_operation_clone(&d->to[i], &s->to[i], err);
	d->when = ob_alloc(s->nwhen, sizeof(*d->when), err);
	if (d->when)
		d->nwhen = s->nwhen;
	for (i = 0; i < d->nwhen; i++) {
		d->when[i].pos = s->when[i].pos;
		d->when[i].key = ob_dup_str(s->when[i].key, err);
		strlist_clone(&d->when[i].values, &s->when[i].values, err);
		strlist_clone(&d->when[i].not_values, &s->when[i].not_values, err);
	}
}

static void ap_clone(struct sl_authz_policy *d, const struct sl_authz_policy *s, int *err)
{
	size_t i;

	d->has_selector = s->has_selector;
	ob_labels_clone(&d->selector, &d->nselector, s->selector, s->nselector, err);
	d->action = s->action;
	d->dry_run = s->dry_run;
	d->rules_set = s->rules_set;
	d->rules = ob_alloc(s->nrules, sizeof(*d->rules), err);
	if (d->rules)
		d->nrules = s->nrules;
	for (i = 0; i < d->nrules; i++)
		ap_rule_clone(&d->rules[i], &s->rules[i], err);
}

int sl_object_clone(struct sl_object *dst, const struct sl_object *src)
{
	int err = 0;

	memset(dst, 0, sizeof(*dst));
	dst->kind = src->kind;
	/* Each helper records a failure in err and keeps going, leaving only NULLs behind, so
	 * one sl_object_free() undoes whatever was copied. */
	meta_clone(&dst->meta, &src->meta, &err);
	switch (src->kind) {
	case SL_KIND_SERVICE:
		svc_clone(&dst->svc, &src->svc, &err);
		break;
	case SL_KIND_ENDPOINT_SLICE:
		eps_clone(&dst->eps, &src->eps, &err);
		break;
	case SL_KIND_POD:
		pod_clone(&dst->pod, &src->pod, &err);
		break;
	case SL_KIND_DESTINATION_RULE:
		ob_dr_clone(&dst->dr, &src->dr, &err);
		break;
	case SL_KIND_VIRTUAL_SERVICE:
		ob_vs_clone(&dst->vs, &src->vs, &err);
		break;
	case SL_KIND_AUTHORIZATION_POLICY:
		ap_clone(&dst->ap, &src->ap, &err);
		break;
	}
	if (err) {
		sl_object_free(dst);
		return err;
	}
	return 0;
}

bool ob_str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return !strcmp(a, b);
}

static bool ip_eq(const struct sl_ip *a, const struct sl_ip *b)
{
	return a->family == b->family && !memcmp(a->b, b->b, sizeof(a->b));
}

static bool ips_eq(const struct sl_ip *a, size_t na, const struct sl_ip *b, size_t nb)
{
	size_t i;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++)
		if (!ip_eq(&a[i], &b[i]))
			return false;
	return true;
}

static const char *label_find(const struct sl_label *l, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(l[i].key, key))
			return l[i].value;
	return NULL;
}

bool ob_labels_eq(const struct sl_label *a, size_t na, const struct sl_label *b, size_t nb)
{
	size_t i;

	if (na != nb)
		return false;
	/* Keys are unique (the decoder rejects duplicates), so same count + every key of a
	 * found with the same value in b means the same set. */
	for (i = 0; i < na; i++)
		if (!ob_str_eq(label_find(b, nb, a[i].key), a[i].value))
			return false;
	return true;
}

static bool meta_eq(const struct sl_meta_obj *a, const struct sl_meta_obj *b)
{
	if (!ob_str_eq(a->ns, b->ns) || !ob_str_eq(a->name, b->name) || !ob_str_eq(a->uid, b->uid))
		return false;
	return ob_labels_eq(a->labels, a->nlabels, b->labels, b->nlabels);
}

static bool svc_eq(const struct sl_service *a, const struct sl_service *b)
{
	size_t i;

	if (a->type != b->type || a->headless != b->headless || a->nports != b->nports ||
	    !ob_str_eq(a->external_name, b->external_name) ||
	    a->affinity_client_ip != b->affinity_client_ip ||
	    a->affinity_timeout_s != b->affinity_timeout_s ||
	    a->internal_local != b->internal_local)
		return false;
	if (!ips_eq(a->cluster_ips, a->ncluster_ips, b->cluster_ips, b->ncluster_ips))
		return false;
	for (i = 0; i < a->nports; i++) {
		const struct sl_svc_port *pa = &a->ports[i], *pb = &b->ports[i];

		if (!ob_str_eq(pa->name, pb->name) || pa->protocol != pb->protocol ||
		    pa->port != pb->port || pa->target_port != pb->target_port ||
		    !ob_str_eq(pa->target_port_name, pb->target_port_name))
			return false;
	}
	return true;
}

static bool endpoint_eq(const struct sl_endpoint *a, const struct sl_endpoint *b)
{
	return ips_eq(a->addrs, a->naddrs, b->addrs, b->naddrs) && a->ready == b->ready &&
	       a->serving == b->serving && a->terminating == b->terminating &&
	       ob_str_eq(a->node_name, b->node_name) && ob_str_eq(a->target_kind, b->target_kind) &&
	       ob_str_eq(a->target_ns, b->target_ns) && ob_str_eq(a->target_name, b->target_name) &&
	       ob_str_eq(a->target_uid, b->target_uid);
}

static bool eps_eq(const struct sl_endpoint_slice *a, const struct sl_endpoint_slice *b)
{
	size_t i;

	if (!ob_str_eq(a->service_name, b->service_name) || a->address_type != b->address_type ||
	    a->nendpoints != b->nendpoints || a->nports != b->nports)
		return false;
	for (i = 0; i < a->nendpoints; i++)
		if (!endpoint_eq(&a->endpoints[i], &b->endpoints[i]))
			return false;
	for (i = 0; i < a->nports; i++)
		if (!ob_str_eq(a->ports[i].name, b->ports[i].name) ||
		    a->ports[i].protocol != b->ports[i].protocol ||
		    a->ports[i].port != b->ports[i].port)
			return false;
	return true;
}

static bool pod_eq(const struct sl_pod *a, const struct sl_pod *b)
{
	return ob_str_eq(a->service_account, b->service_account) &&
	       ob_str_eq(a->node_name, b->node_name) &&
	       ips_eq(a->pod_ips, a->npod_ips, b->pod_ips, b->npod_ips);
}

/* Values in order: the order carries no meaning, but the decoder keeps it as written and
 * comparing in order keeps this simple. */
static bool strlist_eq(const struct sl_strlist *a, const struct sl_strlist *b)
{
	size_t i;

	if (a->set != b->set || a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (!ob_str_eq(a->v[i], b->v[i]))
			return false;
	return true;
}

static bool ap_source_eq(const struct sl_authz_source *a, const struct sl_authz_source *b)
{
	return strlist_eq(&a->principals, &b->principals) &&
	       strlist_eq(&a->not_principals, &b->not_principals) &&
	       strlist_eq(&a->namespaces, &b->namespaces) &&
	       strlist_eq(&a->not_namespaces, &b->not_namespaces) &&
	       strlist_eq(&a->ip_blocks, &b->ip_blocks) &&
	       strlist_eq(&a->not_ip_blocks, &b->not_ip_blocks) &&
	       strlist_eq(&a->request_principals, &b->request_principals) &&
	       strlist_eq(&a->not_request_principals, &b->not_request_principals) &&
	       strlist_eq(&a->remote_ip_blocks, &b->remote_ip_blocks) &&
	       strlist_eq(&a->not_remote_ip_blocks, &b->not_remote_ip_blocks);
}

static bool ap_operation_eq(const struct sl_authz_operation *a, const struct sl_authz_operation *b)
{
	return strlist_eq(&a->ports, &b->ports) && strlist_eq(&a->not_ports, &b->not_ports) &&
	       strlist_eq(&a->hosts, &b->hosts) && strlist_eq(&a->not_hosts, &b->not_hosts) &&
	       strlist_eq(&a->methods, &b->methods) &&
	       strlist_eq(&a->not_methods, &b->not_methods) && strlist_eq(&a->paths, &b->paths) &&
	       strlist_eq(&a->not_paths, &b->not_paths);
}

static bool ap_rule_eq(const struct sl_authz_rule *a, const struct sl_authz_rule *b)
{
	size_t i;

	if (a->from_set != b->from_set || a->nfrom != b->nfrom || a->to_set != b->to_set ||
	    a->nto != b->nto || a->when_set != b->when_set || a->nwhen != b->nwhen)
		return false;
	for (i = 0; i < a->nfrom; i++)
		if (!ap_source_eq(&a->from[i], &b->from[i]))
			return false;
	for (i = 0; i < a->nto; i++)
		if (!ap_operation_eq(&a->to[i], &b->to[i]))
			return false;
	for (i = 0; i < a->nwhen; i++)
		if (!ob_str_eq(a->when[i].key, b->when[i].key) ||
		    !strlist_eq(&a->when[i].values, &b->when[i].values) ||
		    !strlist_eq(&a->when[i].not_values, &b->when[i].not_values))
			return false;
	return true;
}

static bool ap_eq(const struct sl_authz_policy *a, const struct sl_authz_policy *b)
{
	size_t i;

	if (a->has_selector != b->has_selector || a->action != b->action ||
	    a->dry_run != b->dry_run || a->rules_set != b->rules_set || a->nrules != b->nrules ||
	    !ob_labels_eq(a->selector, a->nselector, b->selector, b->nselector))
		return false;
	for (i = 0; i < a->nrules; i++)
		if (!ap_rule_eq(&a->rules[i], &b->rules[i]))
			return false;
	return true;
}

bool sl_object_equal(const struct sl_object *a, const struct sl_object *b)
{
	if (a->kind != b->kind || !meta_eq(&a->meta, &b->meta))
		return false;
	switch (a->kind) {
	case SL_KIND_SERVICE:
		return svc_eq(&a->svc, &b->svc);
	case SL_KIND_ENDPOINT_SLICE:
		return eps_eq(&a->eps, &b->eps);
	case SL_KIND_POD:
		return pod_eq(&a->pod, &b->pod);
	case SL_KIND_DESTINATION_RULE:
		return ob_dr_eq(&a->dr, &b->dr);
	case SL_KIND_VIRTUAL_SERVICE:
		return ob_vs_eq(&a->vs, &b->vs);
	case SL_KIND_AUTHORIZATION_POLICY:
		return ap_eq(&a->ap, &b->ap);
	}
	return true;
}

const char *sl_kind_name(enum sl_kind kind)
{
	switch (kind) {
	case SL_KIND_SERVICE:
		return "Service";
	case SL_KIND_ENDPOINT_SLICE:
		return "EndpointSlice";
	case SL_KIND_POD:
		return "Pod";
	case SL_KIND_DESTINATION_RULE:
		return "DestinationRule";
	case SL_KIND_VIRTUAL_SERVICE:
		return "VirtualService";
	case SL_KIND_AUTHORIZATION_POLICY:
		return "AuthorizationPolicy";
	}
	return "?";
}

static const uint8_t v4_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

int sl_ip_parse(const char *s, struct sl_ip *out)
{
	struct sl_ip ip = { 0 };

	if (!s)
		return -EINVAL;
	if (inet_pton(AF_INET, s, &ip.b[12]) == 1) {
		memcpy(ip.b, v4_prefix, sizeof(v4_prefix));
		ip.family = 4;
	} else if (inet_pton(AF_INET6, s, ip.b) == 1) {
		if (!memcmp(ip.b, v4_prefix, sizeof(v4_prefix)))
			return -EINVAL;
		ip.family = 6;
	} else {
		return -EINVAL;
	}
	*out = ip;
	return 0;
}

int sl_cidr_parse(const char *s, struct sl_ip *out, unsigned int *prefix)
{
	const char *slash;
	char addr[SL_IP_STRLEN];
	unsigned int max, n = 0;
	struct sl_ip ip;
	size_t len, i;

	if (!s)
		return -EINVAL;
	slash = strchr(s, '/');
	len = slash ? (size_t)(slash - s) : strlen(s);
	if (len >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, s, len);
	addr[len] = '\0';
	if (sl_ip_parse(addr, &ip))
		return -EINVAL;
	max = ip.family == 4 ? 32 : 128;
	if (slash) {
		const char *p = slash + 1;

		/* Decimal, no sign, no leading zero: as Go's netip.ParsePrefix (Istio) reads
		 * it. Four digits are out of range whatever they are. */
		len = strlen(p);
		if (!len || (p[0] == '0' && len > 1))
			return -EINVAL;
		for (i = 0; i < len; i++)
			if (p[i] < '0' || p[i] > '9')
				return -EINVAL;
		if (len > 3)
			return -ERANGE;
		for (i = 0; i < len; i++)
			n = n * 10 + (unsigned int)(p[i] - '0');
		if (n > max)
			return -ERANGE;
	} else {
		n = max;
	}
	*out = ip;
	*prefix = n;
	return 0;
}

const char *sl_ip_format(const struct sl_ip *ip, char *buf, size_t len)
{
	const char *r = NULL;

	if (len > (size_t)~0U >> 1)
		len = (size_t)~0U >> 1;
	if (ip->family == 4)
		r = inet_ntop(AF_INET, &ip->b[12], buf, len);
	else if (ip->family == 6)
		r = inet_ntop(AF_INET6, ip->b, buf, len);
	if (!r && len) {
		if (len >= 2) {
			buf[0] = '?';
			buf[1] = '\0';
		} else {
			buf[0] = '\0';
		}
	}
	return buf;
}

const char *sl_label_get(const struct sl_meta_obj *m, const char *key)
{
	size_t i;

	for (i = 0; i < m->nlabels; i++)
		if (!strcmp(m->labels[i].key, key))
			return m->labels[i].value;
	return NULL;
}
