// SPDX-License-Identifier: Apache-2.0
/* discovery.k8s.io/v1 EndpointSlice: the backends of a Service. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/decode_int.h"
#include "model/objects.h"

#define SERVICE_NAME_LABEL "kubernetes.io/service-name"

static const char *const eps_top_keys[] = { "apiVersion", "kind",  "metadata", "addressType",
					    "endpoints",  "ports", NULL };
/* hostname, zone, hints and deprecatedTopology only matter to DNS and topology-aware
 * routing, which Sluice does not do; the Service's trafficDistribution (which turns
 * hints on) is rejected instead. */
static const char *const ep_keys[] = { "addresses", "conditions",	  "nodeName",
				       "targetRef", "hostname",		  "zone",
				       "hints",	    "deprecatedTopology", NULL };
static const char *const cond_keys[] = { "ready", "serving", "terminating", NULL };
static const char *const ref_keys[] = { "kind",	      "namespace",	 "name",      "uid",
					"apiVersion", "resourceVersion", "fieldPath", NULL };
static const char *const port_keys[] = { "name", "protocol", "port", "appProtocol", NULL };

static int d_addresses(struct d_ctx *c, const struct yt_node *ep, uint8_t family,
		       struct sl_endpoint *e)
{
	const struct yt_node *seq = d_get(ep, "addresses");
	size_t i, mark;
	int r;

	if (!seq)
		return d_missing(c, ep, "addresses");
	mark = d_push_key(c, "addresses");
	r = d_want_seq(c, seq);
	if (r)
		goto out;
	if (!seq->n) {
		r = d_err(c, seq, "at least one address is required");
		goto out;
	}
	e->addrs = calloc(seq->n, sizeof(*e->addrs));
	if (!e->addrs) {
		r = d_nomem(c);
		goto out;
	}
	for (i = 0; i < seq->n; i++) {
		const struct yt_node *v = seq->items[i];
		size_t m2 = d_push_idx(c, i);

		r = d_ip(c, v, &e->addrs[i]);
		if (!r && e->addrs[i].family != family)
			r = d_err(c, v, "%s is not an IPv%u address (addressType is IPv%u)", v->str,
				  family, family);
		if (r)
			goto out;
		e->naddrs++;
		d_pop(c, m2);
	}
out:
	d_pop(c, mark);
	return r;
}

static int d_target_ref(struct d_ctx *c, const struct yt_node *ref, struct sl_endpoint *e)
{
	int r;

	r = d_want_map(c, ref);
	if (!r)
		r = d_check_keys(c, ref, ref_keys);
	if (!r)
		r = f_str(c, ref, "kind", false, &e->target_kind);
	if (!r)
		r = f_str(c, ref, "namespace", false, &e->target_ns);
	if (!r)
		r = f_str(c, ref, "name", false, &e->target_name);
	if (!r)
		r = f_str(c, ref, "uid", false, &e->target_uid);
	return r;
}

static int d_endpoint(struct d_ctx *c, const struct yt_node *ep, uint8_t family,
		      struct sl_endpoint *e)
{
	const struct yt_node *v;
	size_t mark;
	int r;

	r = d_want_map(c, ep);
	if (!r)
		r = d_check_keys(c, ep, ep_keys);
	if (!r)
		r = d_addresses(c, ep, family, e);
	if (r)
		return r;
	v = d_get(ep, "conditions");
	if (v) {
		mark = d_push_key(c, "conditions");
		r = d_want_map(c, v);
		if (!r)
			r = d_check_keys(c, v, cond_keys);
		if (!r)
			r = f_tristate(c, v, "ready", &e->ready);
		if (!r)
			r = f_tristate(c, v, "serving", &e->serving);
		if (!r)
			r = f_tristate(c, v, "terminating", &e->terminating);
		d_pop(c, mark);
		if (r)
			return r;
	}
	r = f_str(c, ep, "nodeName", false, &e->node_name);
	if (r)
		return r;
	if (e->node_name) {
		mark = d_push_key(c, "nodeName");
		r = d_check_name(c, d_get(ep, "nodeName"), e->node_name, D_NAME_SUBDOMAIN);
		d_pop(c, mark);
		if (r)
			return r;
	}
	v = d_get(ep, "targetRef");
	if (v) {
		mark = d_push_key(c, "targetRef");
		r = d_target_ref(c, v, e);
		d_pop(c, mark);
	}
	return r;
}

static int d_ep_port(struct d_ctx *c, const struct yt_node *pm, struct sl_ep_port *p)
{
	size_t mark;
	long n = 0;
	int r;

	r = d_want_map(c, pm);
	if (!r)
		r = d_check_keys(c, pm, port_keys);
	if (!r)
		r = f_str(c, pm, "name", false, &p->name);
	if (r)
		return r;
	if (p->name && p->name[0]) {
		mark = d_push_key(c, "name");
		r = d_check_name(c, d_get(pm, "name"), p->name, D_NAME_LABEL);
		d_pop(c, mark);
		if (r)
			return r;
	}
	if (!p->name) {
		p->name = strdup("");
		if (!p->name)
			return d_nomem(c);
	}
	r = f_protocol(c, pm, &p->protocol);
	/* Kubernetes allows a nil port ("all ports"), which Sluice has no way to program. */
	if (!r)
		r = f_int(c, pm, "port", true, 1, 65535, &n);
	p->port = (uint16_t)n;
	return r;
}

static int d_ep_ports(struct d_ctx *c, const struct yt_node *seq, struct sl_endpoint_slice *s)
{
	size_t i, j, mark;
	int r;

	r = d_want_seq(c, seq);
	if (r || !seq->n)
		return r;
	s->ports = calloc(seq->n, sizeof(*s->ports));
	if (!s->ports)
		return d_nomem(c);
	for (i = 0; i < seq->n; i++) {
		mark = d_push_idx(c, i);
		s->nports++;
		r = d_ep_port(c, seq->items[i], &s->ports[i]);
		for (j = 0; !r && j < i; j++)
			if (!strcmp(s->ports[i].name, s->ports[j].name)) {
				d_push_key(c, "name");
				r = d_err(c, d_get(seq->items[i], "name") ?: seq->items[i],
					  "duplicate port name \"%s\"", s->ports[i].name);
			}
		d_pop(c, mark);
		if (r)
			return r;
	}
	return 0;
}

static int d_endpoints(struct d_ctx *c, const struct yt_node *seq, struct sl_endpoint_slice *s)
{
	size_t i, mark;
	int r;

	r = d_want_seq(c, seq);
	if (r || !seq->n)
		return r;
	s->endpoints = calloc(seq->n, sizeof(*s->endpoints));
	if (!s->endpoints)
		return d_nomem(c);
	for (i = 0; i < seq->n; i++) {
		mark = d_push_idx(c, i);
		s->nendpoints++;
		r = d_endpoint(c, seq->items[i], s->address_type, &s->endpoints[i]);
		d_pop(c, mark);
		if (r)
			return r;
	}
	return 0;
}

static int d_address_type(struct d_ctx *c, const struct yt_node *root, uint8_t *out)
{
	const struct yt_node *v = d_get(root, "addressType");
	const char *s = NULL;
	size_t mark;
	int r;

	if (!v)
		return d_missing(c, root, "addressType");
	mark = d_push_key(c, "addressType");
	r = d_str(c, v, &s);
	if (r)
		goto out;
	if (!strcmp(s, "IPv4"))
		*out = 4;
	else if (!strcmp(s, "IPv6"))
		*out = 6;
	else if (!strcmp(s, "FQDN"))
		r = d_err(c, v, "FQDN is not supported (Sluice balances to IP addresses)");
	else
		r = d_err(c, v, "\"%s\" is not a valid address type (IPv4, IPv6)", s);
out:
	d_pop(c, mark);
	return r;
}

int d_endpoint_slice(struct d_ctx *c, const struct yt_node *root, struct sl_object *o)
{
	struct sl_endpoint_slice *s = &o->eps;
	const struct yt_node *v, *md;
	const char *svc;
	size_t mark;
	int r;

	r = d_check_keys(c, root, eps_top_keys);
	if (!r)
		r = d_meta(c, root, D_NAME_SUBDOMAIN, &o->meta);
	if (r)
		return r;
	svc = sl_label_get(&o->meta, SERVICE_NAME_LABEL);
	if (!svc) {
		md = d_get(root, "metadata");
		v = d_get(md, "labels");
		mark = d_push_key(c, "metadata");
		d_push_key(c, "labels");
		d_push_label(c, SERVICE_NAME_LABEL);
		r = d_err_key(c, v ?: md, "required (the Service this slice belongs to)");
		d_pop(c, mark);
		return r;
	}
	s->service_name = strdup(svc);
	if (!s->service_name)
		return d_nomem(c);
	r = d_address_type(c, root, &s->address_type);
	if (r)
		return r;
	v = d_get(root, "endpoints");
	if (v) {
		mark = d_push_key(c, "endpoints");
		r = d_endpoints(c, v, s);
		d_pop(c, mark);
		if (r)
			return r;
	}
	v = d_get(root, "ports");
	if (v) {
		mark = d_push_key(c, "ports");
		r = d_ep_ports(c, v, s);
		d_pop(c, mark);
	}
	return r;
}
