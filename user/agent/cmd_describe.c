// SPDX-License-Identifier: Apache-2.0
/* sluicectl describe service: a Service and exactly what the kernel was given for it. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "agent/agent.h"
#include "agent/render.h"
#include "model/objects.h"

static void describe_frontend(struct sl_request *r, const struct sl_frontend *fe)
{
	struct sl_backend vip = { .addr = fe->key.addr, .port = fe->key.port };
	char vb[80];

	sl_fmt_backend(&vip, vb, sizeof(vb));
	sl_buf_printf(&r->out, "  Frontend %s/%s (service id %#x)", vb,
		      sl_proto_name(fe->key.proto), fe->svc_id);
	if (fe->flags & SL_SVC_F_AFFINITY)
		sl_buf_printf(&r->out, ", sessionAffinity ClientIP for %us",
			      fe->affinity_timeout_s);
	if (fe->vs)
		sl_buf_printf(&r->out, ", routed by VirtualService %s/%s", fe->vs->meta.ns,
			      fe->vs->meta.name);
	sl_buf_printf(&r->out, "\n    default route:");
	sl_print_route(&r->out, &fe->routes[0], false);
	for (size_t i = 0; i < fe->nsrc; i++) {
		sl_buf_printf(&r->out,
			      "    clients in pod %s/%s (tcp route %d):", fe->src[i].pod->meta.ns,
			      fe->src[i].pod->meta.name, fe->routes[fe->src[i].route].vs_route);
		sl_print_route(&r->out, &fe->routes[fe->src[i].route], false);
	}
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
	sl_buf_printf(&r->out, "Name:         %s\nNamespace:    %s\n", s->meta.name, s->meta.ns);
	sl_buf_printf(&r->out, "Type:         %s%s\n",
		      s->type == SL_SVC_EXTERNAL_NAME ? "ExternalName" : "ClusterIP",
		      s->headless ? " (headless: nothing to load-balance)" : "");
	sl_buf_printf(&r->out, "IPs:         ");
	for (size_t k = 0; k < s->ncluster_ips; k++)
		sl_buf_printf(&r->out, " %s", sl_ip_format(&s->cluster_ips[k], ip, sizeof(ip)));
	sl_buf_printf(&r->out, "%s\n", s->ncluster_ips ? "" : " <none>");
	if (s->internal_local)
		sl_buf_printf(
			&r->out,
			"Traffic:      internalTrafficPolicy Local (endpoints on node %s only)\n",
			a->node);
	sl_buf_printf(&r->out, "Applied from: %s:%d:%d\n", s->meta.pos.file, s->meta.pos.line,
		      s->meta.pos.col);
	for (size_t p = 0; p < s->nports; p++) {
		const struct sl_svc_port *sp = &s->ports[p];
		char tp[80];

		if (sp->target_port_name)
			snprintf(tp, sizeof(tp), "%s (named)", sp->target_port_name);
		else
			snprintf(tp, sizeof(tp), "%u", sp->target_port);
		sl_buf_printf(&r->out, "Port:         %s %u/%s -> targetPort %s\n",
			      sp->name[0] ? sp->name : "<unnamed>", sp->port,
			      sl_proto_name(sp->protocol), tp);
		for (size_t k = 0; k < s->ncluster_ips; k++) {
			struct sl_svc_key key = {};
			const struct sl_frontend *fe;

			memcpy(&key.addr, s->cluster_ips[k].b, 16);
			key.port = htons(sp->port);
			key.proto = sp->protocol;
			fe = sl_htab_get(&a->compiled.fe, &key, sizeof(key));
			if (fe)
				describe_frontend(r, fe);
			else
				sl_buf_printf(&r->out, "  %s: not programmed\n",
					      sl_ip_format(&s->cluster_ips[k], ip, sizeof(ip)));
		}
	}
}
