// SPDX-License-Identifier: Apache-2.0
/* sluicectl get / describe: what is applied, and what the kernel was given for it. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "config/emit.h"
#include "model/objects.h"

static const char *proto_name(uint8_t p)
{
	return p == 17 ? "UDP" : "TCP";
}

static void fmt_backend(const struct sl_backend *b, char *buf, size_t len)
{
	struct sl_ip ip = { .family = 6 };
	char a[INET6_ADDRSTRLEN];

	memcpy(ip.b, &b->addr, 16);
	ip.family = !memcmp(ip.b, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) ? 4 : 6;
	sl_ip_format(&ip, a, sizeof(a));
	snprintf(buf, len, ip.family == 6 ? "[%s]:%u" : "%s:%u", a, ntohs(b->port));
}

/* Frontends of one Service, in ClusterIP then port order. */
static size_t service_frontends(const struct sl_agent *a, const struct sl_object *svc,
				const struct sl_frontend **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < svc->svc.ncluster_ips; i++) {
		for (size_t p = 0; p < svc->svc.nports && n < max; p++) {
			struct sl_svc_key k = {};

			memcpy(&k.addr, svc->svc.cluster_ips[i].b, 16);
			k.port = htons(svc->svc.ports[p].port);
			k.proto = svc->svc.ports[p].protocol;
			out[n] = sl_htab_get(&a->compiled.fe, &k, sizeof(k));
			if (out[n])
				n++;
		}
	}
	return n;
}

static bool ns_match(const struct sl_request *r, const struct sl_object *o)
{
	const char *ns = sl_req_arg(r, "namespace");

	return !ns || !strcmp(ns, o->meta.ns);
}

static void list_services(struct sl_agent *a, struct sl_request *r, bool wide,
			  const struct sl_object **v, size_t n)
{
	sl_buf_printf(&r->out, "%-16s %-28s %-12s %-32s %-24s %s\n", "NAMESPACE", "NAME", "TYPE",
		      "CLUSTER-IPS", "PORT(S)", "ENDPOINTS");
	for (size_t i = 0; i < n; i++) {
		const struct sl_service *s = &v[i]->svc;
		const struct sl_frontend *fe[64];
		char ips[128] = "", ports[256] = "", ip[64];
		size_t nfe = service_frontends(a, v[i], fe, 64), ready = 0;

		for (size_t k = 0; k < s->ncluster_ips; k++) {
			sl_ip_format(&s->cluster_ips[k], ip, sizeof(ip));
			snprintf(ips + strlen(ips), sizeof(ips) - strlen(ips), "%s%s", k ? "," : "",
				 ip);
		}
		if (!s->ncluster_ips)
			snprintf(ips, sizeof(ips), "%s", s->headless ? "None" : "<none>");
		for (size_t p = 0; p < s->nports; p++)
			snprintf(ports + strlen(ports), sizeof(ports) - strlen(ports), "%s%u/%s",
				 p ? "," : "", s->ports[p].port, proto_name(s->ports[p].protocol));
		for (size_t f = 0; f < nfe; f++)
			ready = fe[f]->nbe > ready ? fe[f]->nbe : ready;
		sl_buf_printf(&r->out, "%-16s %-28s %-12s %-32s %-24s %zu\n", s->meta.ns,
			      s->meta.name,
			      s->type == SL_SVC_EXTERNAL_NAME ? "ExternalName" : "ClusterIP", ips,
			      ports[0] ? ports : "<none>", ready);
		if (!wide)
			continue;
		for (size_t f = 0; f < nfe; f++) {
			struct sl_backend vip = { .addr = fe[f]->key.addr,
						  .port = fe[f]->key.port };
			char vb[80], bb[80];

			fmt_backend(&vip, vb, sizeof(vb));
			sl_buf_printf(&r->out, "    %s/%s ->", vb, proto_name(fe[f]->key.proto));
			for (uint32_t b = 0; b < fe[f]->nbe; b++) {
				fmt_backend(&fe[f]->be[b], bb, sizeof(bb));
				sl_buf_printf(&r->out, " %s", bb);
			}
			sl_buf_printf(&r->out, "%s\n",
				      fe[f]->nbe ? "" : " (no endpoints: refused)");
		}
	}
}

static void list_endpoints(struct sl_agent *a, struct sl_request *r, bool wide,
			   const struct sl_object **v, size_t n)
{
	sl_buf_printf(&r->out, "%-16s %-28s %s\n", "NAMESPACE", "NAME", "ENDPOINTS");
	for (size_t i = 0; i < n; i++) {
		const struct sl_frontend *fe[64];
		size_t nfe = service_frontends(a, v[i], fe, 64), shown = 0, total = 0;
		struct sl_buf line = {};

		for (size_t f = 0; f < nfe; f++) {
			for (uint32_t b = 0; b < fe[f]->nbe; b++, total++) {
				char bb[80];

				if (!wide && shown == 3)
					continue;
				fmt_backend(&fe[f]->be[b], bb, sizeof(bb));
				sl_buf_printf(&line, "%s%s", shown ? "," : "", bb);
				shown++;
			}
		}
		if (total > shown)
			sl_buf_printf(&line, " + %zu more...", total - shown);
		sl_buf_printf(&r->out, "%-16s %-28s %s\n", v[i]->meta.ns, v[i]->meta.name,
			      line.len ? line.p : "<none>");
		sl_buf_free(&line);
	}
}

static void list_slices(struct sl_request *r, const struct sl_object **v, size_t n)
{
	sl_buf_printf(&r->out, "%-16s %-36s %-12s %-24s %s\n", "NAMESPACE", "NAME", "ADDRESSTYPE",
		      "PORTS", "ENDPOINTS");
	for (size_t i = 0; i < n; i++) {
		const struct sl_endpoint_slice *e = &v[i]->eps;
		char ports[128] = "";
		size_t addrs = 0;

		for (size_t p = 0; p < e->nports; p++)
			snprintf(ports + strlen(ports), sizeof(ports) - strlen(ports), "%s%u",
				 p ? "," : "", e->ports[p].port);
		for (size_t k = 0; k < e->nendpoints; k++)
			addrs += e->endpoints[k].naddrs;
		sl_buf_printf(&r->out, "%-16s %-36s %-12s %-24s %zu\n", e->meta.ns, e->meta.name,
			      e->address_type == 6 ? "IPv6" : "IPv4", ports[0] ? ports : "<unset>",
			      addrs);
	}
}

static void list_pods(struct sl_request *r, const struct sl_object **v, size_t n)
{
	sl_buf_printf(&r->out, "%-16s %-32s %-12s %-16s %s\n", "NAMESPACE", "NAME", "NODE",
		      "SERVICEACCOUNT", "IPS");
	for (size_t i = 0; i < n; i++) {
		const struct sl_pod *p = &v[i]->pod;
		char ips[128] = "", ip[64];

		for (size_t k = 0; k < p->npod_ips; k++) {
			sl_ip_format(&p->pod_ips[k], ip, sizeof(ip));
			snprintf(ips + strlen(ips), sizeof(ips) - strlen(ips), "%s%s", k ? "," : "",
				 ip);
		}
		sl_buf_printf(&r->out, "%-16s %-32s %-12s %-16s %s\n", p->meta.ns, p->meta.name,
			      p->node_name ? p->node_name : "<none>", p->service_account,
			      ips[0] ? ips : "<none>");
	}
}

static int resource_kind(const char *res, bool *endpoints)
{
	*endpoints = false;
	if (!strcmp(res, "services") || !strcmp(res, "service") || !strcmp(res, "svc"))
		return SL_KIND_SERVICE;
	if (!strcmp(res, "endpoints") || !strcmp(res, "ep")) {
		*endpoints = true;
		return SL_KIND_SERVICE;
	}
	if (!strcmp(res, "endpointslices") || !strcmp(res, "endpointslice"))
		return SL_KIND_ENDPOINT_SLICE;
	if (!strcmp(res, "pods") || !strcmp(res, "pod") || !strcmp(res, "po"))
		return SL_KIND_POD;
	return -EINVAL;
}

void sl_cmd_get(struct sl_agent *a, struct sl_request *r)
{
	const char *res = sl_req_arg(r, "resource"), *out = sl_req_arg(r, "output");
	const char *name = sl_req_arg(r, "name");
	const struct sl_object **all, **v;
	bool endpoints;
	size_t n, k = 0;
	int kind;

	kind = res ? resource_kind(res, &endpoints) : -EINVAL;
	if (kind < 0) {
		sl_buf_printf(
			&r->err,
			"error: unknown resource '%s' (services, endpoints, endpointslices, pods)\n",
			res ? res : "");
		r->status = 2;
		return;
	}
	all = sl_store_sorted(&a->store, kind, &n);
	v = all;
	if (!all) {
		sl_buf_printf(&r->err, "error: out of memory\n");
		r->status = 1;
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (ns_match(r, all[i]) && (!name || !strcmp(name, all[i]->meta.name)))
			v[k++] = all[i];
	if (name && !k) {
		sl_buf_printf(&r->err, "error: %s \"%s\" not found\n", res, name);
		r->status = 1;
		goto out;
	}
	if (out && (!strcmp(out, "json") || !strcmp(out, "yaml"))) {
		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);

		if (!f || sl_emit_objects(f, (const struct sl_object *const *)v, k,
					  !strcmp(out, "json") ? SL_EMIT_JSON : SL_EMIT_YAML)) {
			sl_buf_printf(&r->err, "error: cannot format the output\n");
			r->status = 1;
		}
		if (f)
			fclose(f);
		if (text && !r->status)
			sl_buf_append(&r->out, text, len);
		free(text);
		goto out;
	}
	if (out && strcmp(out, "wide")) {
		sl_buf_printf(&r->err, "error: unknown output format '%s' (wide, json, yaml)\n",
			      out);
		r->status = 2;
		goto out;
	}
	if (kind == SL_KIND_SERVICE && endpoints)
		list_endpoints(a, r, out != NULL, v, k);
	else if (kind == SL_KIND_SERVICE)
		list_services(a, r, out != NULL, v, k);
	else if (kind == SL_KIND_ENDPOINT_SLICE)
		list_slices(r, v, k);
	else
		list_pods(r, v, k);
out:
	free(all);
}

void sl_cmd_describe(struct sl_agent *a, struct sl_request *r)
{
	const char *res = sl_req_arg(r, "resource"), *ns = sl_req_arg(r, "namespace");
	const char *name = sl_req_arg(r, "name");
	const struct sl_object *o;
	const struct sl_service *s;
	char ip[64];

	if (!res || !name ||
	    (strcmp(res, "service") && strcmp(res, "services") && strcmp(res, "svc"))) {
		sl_buf_printf(&r->err, "error: usage: sluicectl describe service NAMESPACE/NAME\n");
		r->status = 2;
		return;
	}
	o = sl_store_get(&a->store, SL_KIND_SERVICE, ns ? ns : "default", name);
	if (!o) {
		sl_buf_printf(&r->err, "error: service %s/%s not found\n", ns ? ns : "default",
			      name);
		r->status = 1;
		return;
	}
	s = &o->svc;
	sl_buf_printf(&r->out, "Name:        %s\nNamespace:   %s\n", s->meta.name, s->meta.ns);
	sl_buf_printf(&r->out, "Type:        %s%s\n",
		      s->type == SL_SVC_EXTERNAL_NAME ? "ExternalName" : "ClusterIP",
		      s->headless ? " (headless: nothing to load-balance)" : "");
	sl_buf_printf(&r->out, "IPs:        ");
	for (size_t k = 0; k < s->ncluster_ips; k++)
		sl_buf_printf(&r->out, " %s", sl_ip_format(&s->cluster_ips[k], ip, sizeof(ip)));
	sl_buf_printf(&r->out, "%s\nApplied from: %s:%d:%d\n", s->ncluster_ips ? "" : " <none>",
		      s->meta.pos.file, s->meta.pos.line, s->meta.pos.col);
	for (size_t p = 0; p < s->nports; p++) {
		const struct sl_svc_port *sp = &s->ports[p];
		char tp[80];

		if (sp->target_port_name)
			snprintf(tp, sizeof(tp), "%s (named)", sp->target_port_name);
		else
			snprintf(tp, sizeof(tp), "%u", sp->target_port);
		sl_buf_printf(&r->out, "Port:        %s %u/%s -> targetPort %s\n",
			      sp->name[0] ? sp->name : "<unnamed>", sp->port,
			      proto_name(sp->protocol), tp);
		for (size_t k = 0; k < s->ncluster_ips; k++) {
			struct sl_svc_key key = {};
			const struct sl_frontend *fe;
			struct sl_backend vip;
			char vb[80], bb[80];

			memcpy(&key.addr, s->cluster_ips[k].b, 16);
			key.port = htons(sp->port);
			key.proto = sp->protocol;
			fe = sl_htab_get(&a->compiled.fe, &key, sizeof(key));
			vip = (struct sl_backend){ .addr = key.addr, .port = key.port };
			fmt_backend(&vip, vb, sizeof(vb));
			if (!fe) {
				sl_buf_printf(&r->out, "  %s: not programmed\n", vb);
				continue;
			}
			sl_buf_printf(
				&r->out, "  Frontend %s/%s (service id %#x): %u backend%s%s\n", vb,
				proto_name(sp->protocol), fe->svc_id, fe->nbe,
				fe->nbe == 1 ? "" : "s",
				fe->serving_fallback ? " (none ready: using serving endpoints)"
				: fe->nbe	     ? ""
						     : " (connections are refused)");
			for (uint32_t b = 0; b < fe->nbe; b++) {
				fmt_backend(&fe->be[b], bb, sizeof(bb));
				sl_buf_printf(&r->out, "    %s\n", bb);
			}
		}
	}
}
