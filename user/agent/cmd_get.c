// SPDX-License-Identifier: Apache-2.0
/* sluicectl get / describe: what is applied, and what the kernel was given for it. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "agent/render.h"
#include "config/emit.h"
#include "model/objects.h"

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
		char ips[128] = "", ports[256] = "", ip[64], vb[80];
		size_t nfe = sl_service_frontends(a, v[i], fe, 64);
		uint32_t ready = 0;

		for (size_t k = 0; k < s->ncluster_ips; k++) {
			sl_ip_format(&s->cluster_ips[k], ip, sizeof(ip));
			snprintf(ips + strlen(ips), sizeof(ips) - strlen(ips), "%s%s", k ? "," : "",
				 ip);
		}
		if (!s->ncluster_ips)
			snprintf(ips, sizeof(ips), "%s", s->headless ? "None" : "<none>");
		for (size_t p = 0; p < s->nports; p++)
			snprintf(ports + strlen(ports), sizeof(ports) - strlen(ports), "%s%u/%s",
				 p ? "," : "", s->ports[p].port,
				 sl_proto_name(s->ports[p].protocol));
		for (size_t f = 0; f < nfe; f++)
			if (sl_route_backends(&fe[f]->routes[0]) > ready)
				ready = sl_route_backends(&fe[f]->routes[0]);
		sl_buf_printf(&r->out, "%-16s %-28s %-12s %-32s %-24s %u\n", s->meta.ns,
			      s->meta.name,
			      s->type == SL_SVC_EXTERNAL_NAME ? "ExternalName" : "ClusterIP", ips,
			      ports[0] ? ports : "<none>", ready);
		for (size_t f = 0; wide && f < nfe; f++) {
			struct sl_backend vip = { .addr = fe[f]->key.addr,
						  .port = fe[f]->key.port };

			sl_fmt_backend(&vip, vb, sizeof(vb));
			sl_buf_printf(&r->out, "    %s/%s ->", vb, sl_proto_name(fe[f]->key.proto));
			sl_print_route(&r->out, &fe[f]->routes[0], true);
		}
	}
}

static void list_endpoints(struct sl_agent *a, struct sl_request *r, bool wide,
			   const struct sl_object **v, size_t n)
{
	sl_buf_printf(&r->out, "%-16s %-28s %s\n", "NAMESPACE", "NAME", "ENDPOINTS");
	for (size_t i = 0; i < n; i++) {
		const struct sl_frontend *fe[64];
		size_t nfe = sl_service_frontends(a, v[i], fe, 64), shown = 0, total = 0;
		struct sl_buf line = {};
		char bb[80];

		for (size_t f = 0; f < nfe; f++) {
			const struct sl_fe_route *rt = &fe[f]->routes[0];

			for (uint32_t d = 0; d < rt->ndest; d++) {
				for (uint32_t b = 0; b < rt->dest[d].nbe; b++, total++) {
					if (!wide && shown == 3)
						continue;
					sl_fmt_backend(&rt->dest[d].be[b], bb, sizeof(bb));
					sl_buf_printf(&line, "%s%s", shown ? "," : "", bb);
					shown++;
				}
			}
		}
		if (total > shown)
			sl_buf_printf(&line, " + %zu more...", total - shown);
		sl_buf_printf(&r->out, "%-16s %-28s %s\n", v[i]->meta.ns, v[i]->meta.name,
			      line.len ? line.p : "<none>");
		sl_buf_free(&line);
	}
}

static void list_destination_rules(struct sl_request *r, const struct sl_object **v, size_t n)
{
	sl_buf_printf(&r->out, "%-16s %-28s %-40s %s\n", "NAMESPACE", "NAME", "HOST", "SUBSETS");
	for (size_t i = 0; i < n; i++) {
		const struct sl_destination_rule *dr = &v[i]->dr;
		struct sl_buf ss = {};

		for (size_t k = 0; k < dr->nsubsets; k++)
			sl_buf_printf(&ss, "%s%s", k ? "," : "", dr->subsets[k].name);
		sl_buf_printf(&r->out, "%-16s %-28s %-40s %s\n", dr->meta.ns, dr->meta.name,
			      dr->host, ss.len ? ss.p : "<none>");
		sl_buf_free(&ss);
	}
}

static void list_virtual_services(struct sl_request *r, const struct sl_object **v, size_t n)
{
	sl_buf_printf(&r->out, "%-16s %-28s %-40s %s\n", "NAMESPACE", "NAME", "HOSTS",
		      "TCP-ROUTES");
	for (size_t i = 0; i < n; i++) {
		const struct sl_virtual_service *vs = &v[i]->vs;
		struct sl_buf hs = {};

		for (size_t k = 0; k < vs->nhosts; k++)
			sl_buf_printf(&hs, "%s%s", k ? "," : "", vs->hosts[k]);
		sl_buf_printf(&r->out, "%-16s %-28s %-40s %zu\n", vs->meta.ns, vs->meta.name,
			      hs.len ? hs.p : "", vs->ntcp);
		sl_buf_free(&hs);
	}
}

static void list_authorization_policies(struct sl_request *r, const struct sl_object **v, size_t n)
{
	static const char *const actions[] = {
		[SL_AUTHZ_ALLOW] = "ALLOW",
		[SL_AUTHZ_DENY] = "DENY",
		[SL_AUTHZ_AUDIT] = "AUDIT",
	};

	sl_buf_printf(&r->out, "%-16s %-28s %-8s %-8s %-40s %s\n", "NAMESPACE", "NAME", "ACTION",
		      "DRY-RUN", "SELECTOR", "RULES");
	for (size_t i = 0; i < n; i++) {
		const struct sl_authz_policy *ap = &v[i]->ap;
		struct sl_buf sel = {};

		for (size_t k = 0; k < ap->nselector; k++)
			sl_buf_printf(&sel, "%s%s=%s", k ? "," : "", ap->selector[k].key,
				      ap->selector[k].value);
		/* No selector: every workload of the namespace. */
		sl_buf_printf(
			&r->out, "%-16s %-28s %-8s %-8s %-40s %zu\n", ap->meta.ns, ap->meta.name,
			(size_t)ap->action < sizeof(actions) / sizeof(actions[0])
				? actions[ap->action]
				: "?",
			ap->dry_run ? "true" : "false", sel.len ? sel.p : "<all>", ap->nrules);
		sl_buf_free(&sel);
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
	if (!strcmp(res, "destinationrules") || !strcmp(res, "destinationrule") ||
	    !strcmp(res, "dr"))
		return SL_KIND_DESTINATION_RULE;
	if (!strcmp(res, "virtualservices") || !strcmp(res, "virtualservice") || !strcmp(res, "vs"))
		return SL_KIND_VIRTUAL_SERVICE;
	if (!strcmp(res, "authorizationpolicies") || !strcmp(res, "authorizationpolicy") ||
	    !strcmp(res, "ap"))
		return SL_KIND_AUTHORIZATION_POLICY;
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
	else if (kind == SL_KIND_DESTINATION_RULE)
		list_destination_rules(r, v, k);
	else if (kind == SL_KIND_VIRTUAL_SERVICE)
		list_virtual_services(r, v, k);
	else if (kind == SL_KIND_AUTHORIZATION_POLICY)
		list_authorization_policies(r, v, k);
	else
		list_pods(r, v, k);
out:
	free(all);
}
