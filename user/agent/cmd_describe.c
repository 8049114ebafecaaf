// SPDX-License-Identifier: Apache-2.0
/* sluicectl describe: a Service and exactly what the kernel was given for it; an
 * AuthorizationPolicy, the pods it selects and what L4 enforcement leaves out. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
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

static const char *const action_names[] = { "ALLOW", "DENY", "AUDIT" };

/* An AuthorizationPolicy: its scope, the pods it selects (and where), and what L4
 * enforcement leaves out of it (the compile warnings). */
static void describe_policy(struct sl_agent *a, struct sl_request *r, const char *ns,
			    const char *name)
{
	const struct sl_object *o = sl_store_get(&a->store, SL_KIND_AUTHORIZATION_POLICY, ns, name);
	const struct sl_object **pods;
	const struct sl_authz_policy *ap;
	char needle[600];
	size_t n = 0, nsel = 0;
	const char *w;

	if (!o) {
		sl_buf_printf(&r->err, "error: authorizationpolicy %s/%s not found\n", ns, name);
		r->status = 1;
		return;
	}
	ap = &o->ap;
	sl_buf_printf(&r->out, "Name:         %s\nNamespace:    %s\n", o->meta.name, o->meta.ns);
	sl_buf_printf(&r->out, "Action:       %s%s\n", action_names[ap->action],
		      ap->dry_run ? " (dry-run: flagged only, no effect on verdicts)" : "");
	sl_buf_printf(&r->out, "Scope:        %s",
		      !strcmp(o->meta.ns, a->root_ns) ? "every namespace (root namespace)"
						      : "namespace");
	if (strcmp(o->meta.ns, a->root_ns))
		sl_buf_printf(&r->out, " %s", o->meta.ns);
	if (ap->has_selector) {
		sl_buf_printf(&r->out, ", pods with");
		for (size_t i = 0; i < ap->nselector; i++)
			sl_buf_printf(&r->out, " %s=%s", ap->selector[i].key,
				      ap->selector[i].value);
	} else {
		sl_buf_printf(&r->out, ", every pod");
	}
	sl_buf_printf(&r->out, "\nRules:        %zu%s\n", ap->nrules,
		      ap->nrules ? "" : " (an ALLOW without rules allows nothing)");
	sl_buf_printf(&r->out, "Applied from: %s:%d:%d\nSelects:\n", o->meta.pos.file,
		      o->meta.pos.line, o->meta.pos.col);
	pods = sl_store_sorted(&a->store, SL_KIND_POD, &n);
	for (size_t i = 0; pods && i < n; i++) {
		const struct sl_object *p = pods[i];
		bool local = p->pod.node_name && !strcmp(p->pod.node_name, a->node);

		if (!sl_authz_selects(o, p, a->root_ns))
			continue;
		nsel++;
		sl_buf_printf(&r->out, "  %s/%s on %s%s\n", p->meta.ns, p->meta.name,
			      p->pod.node_name ? p->pod.node_name : "?",
			      local ? " (this node: enforced here)" : "");
	}
	free(pods);
	if (!nsel)
		sl_buf_printf(&r->out, "  <no applied Pod>\n");
	snprintf(needle, sizeof(needle), "authorizationpolicy %s/%s ", o->meta.ns, o->meta.name);
	for (w = a->authz.warnings; w && *w;) {
		const char *eol = strchr(w, '\n');
		size_t len = eol ? (size_t)(eol - w) : strlen(w);

		if (memmem(w, len, needle, strlen(needle)))
			sl_buf_printf(&r->out, "Warning:      %.*s\n", (int)len, w);
		w += len + (eol ? 1 : 0);
	}
}

void sl_cmd_describe(struct sl_agent *a, struct sl_request *r)
{
	const char *res = sl_req_arg(r, "resource"), *ns = sl_req_arg(r, "namespace");
	const char *name = sl_req_arg(r, "name");
	const struct sl_object *o;
	const struct sl_service *s;
	char ip[64];

	if (res && name &&
	    (!strcmp(res, "authorizationpolicy") || !strcmp(res, "authorizationpolicies") ||
	     !strcmp(res, "ap"))) {
		describe_policy(a, r, ns ? ns : "default", name);
		return;
	}
	if (!res || !name ||
	    (strcmp(res, "service") && strcmp(res, "services") && strcmp(res, "svc"))) {
		sl_buf_printf(&r->err,
			      "error: usage: sluicectl describe service|authorizationpolicy "
			      "NAMESPACE/NAME\n");
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
