// SPDX-License-Identifier: Apache-2.0
/* v1 Service: ClusterIP (and headless, ExternalName) services, their VIPs and ports, ClientIP
 * session affinity and the Local internal traffic policy. */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "config/decode_int.h"
#include "model/objects.h"

static const char *const svc_top_keys[] = {
	"apiVersion", "kind", "metadata", "spec", "status", NULL
};

/* Every field of ServiceSpec (k8s.io/api/core/v1, 1.31). Those not decoded below either do
 * not apply to ClusterIP services (NodePort/LoadBalancer settings: the type itself is
 * rejected) or only choose how VIPs are allocated, which the cluster already did. */
static const char *const spec_keys[] = {
	"type",
	"clusterIP",
	"clusterIPs",
	"ports",
	"selector",
	"ipFamilies",
	"ipFamilyPolicy",
	"publishNotReadyAddresses",
	"externalTrafficPolicy",
	"healthCheckNodePort",
	"loadBalancerIP",
	"loadBalancerSourceRanges",
	"loadBalancerClass",
	"allocateLoadBalancerNodePorts",
	"externalName",
	"sessionAffinity",
	"sessionAffinityConfig",
	"internalTrafficPolicy",
	"externalIPs",
	"trafficDistribution",
	NULL,
};

static const char *const port_keys[] = { "name",     "protocol",    "port", "targetPort",
					 "nodePort", "appProtocol", NULL };

static int d_target_port(struct d_ctx *c, const struct yt_node *v, struct sl_svc_port *p)
{
	long n;

	if (v->type == YT_SCALAR && v->stype == YT_S_INT) {
		int r = d_int(c, v, 1, 65535, &n);

		if (!r)
			p->target_port = (uint16_t)n;
		return r;
	}
	if (v->type != YT_SCALAR || v->stype != YT_S_STR)
		return d_err(c, v, "expected an integer or a port name, got %s", d_type_name(v));
	if (!d_port_name_ok(v->str))
		return d_err(c, v,
			     "\"%s\" is neither a port number nor a port name (1-15 lowercase "
			     "letters, digits and '-', with at least one letter)",
			     v->str);
	p->target_port_name = strdup(v->str);
	if (!p->target_port_name)
		return d_nomem(c);
	return 0;
}

static int d_svc_port(struct d_ctx *c, const struct yt_node *pm, struct sl_svc_port *p)
{
	const struct yt_node *v;
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
	if (!r)
		r = f_int(c, pm, "port", true, 1, 65535, &n);
	if (r)
		return r;
	p->port = (uint16_t)n;
	v = d_get(pm, "targetPort");
	if (!v) {
		p->target_port = p->port;
		return 0;
	}
	mark = d_push_key(c, "targetPort");
	r = d_target_port(c, v, p);
	d_pop(c, mark);
	return r;
}

static int d_svc_ports(struct d_ctx *c, const struct yt_node *seq, struct sl_service *s)
{
	size_t i, j, mark;
	int r;

	r = d_want_seq(c, seq);
	if (r)
		return r;
	if (!seq->n)
		return 0;
	s->ports = calloc(seq->n, sizeof(*s->ports));
	if (!s->ports)
		return d_nomem(c);
	for (i = 0; i < seq->n; i++) {
		const struct yt_node *pm = seq->items[i];
		struct sl_svc_port *p = &s->ports[i];

		mark = d_push_idx(c, i);
		s->nports++;
		r = d_svc_port(c, pm, p);
		if (r)
			goto out;
		/* Kubernetes' rules: a name per port once there are several, all different,
		 * and no port/protocol pair twice. */
		if (seq->n > 1 && !p->name[0]) {
			r = d_missing(c, pm, "name");
			goto out;
		}
		for (j = 0; j < i; j++) {
			if (p->name[0] && !strcmp(p->name, s->ports[j].name)) {
				d_push_key(c, "name");
				r = d_err(c, d_get(pm, "name"), "duplicate port name \"%s\"",
					  p->name);
				goto out;
			}
			if (p->port == s->ports[j].port && p->protocol == s->ports[j].protocol) {
				d_push_key(c, "port");
				r = d_err(c, d_get(pm, "port"),
					  "port %u/%s is already used by ports[%zu]", p->port,
					  p->protocol == IPPROTO_UDP ? "UDP" : "TCP", j);
				goto out;
			}
		}
		d_pop(c, mark);
	}
	return 0;
out:
	d_pop(c, mark);
	return r;
}

/* One entry of clusterIP/clusterIPs: "None" (headless), "" (no VIP) or an address. */
enum vip_kind { VIP_EMPTY, VIP_NONE, VIP_ADDR };

static int d_vip(struct d_ctx *c, const struct yt_node *v, enum vip_kind *k, struct sl_ip *ip)
{
	const char *s = NULL;
	int r;

	r = d_str(c, v, &s);
	if (r)
		return r;
	if (!s[0]) {
		*k = VIP_EMPTY;
	} else if (!strcmp(s, "None")) {
		*k = VIP_NONE;
	} else {
		r = d_ip(c, v, ip);
		*k = VIP_ADDR;
	}
	return r;
}

static int d_cluster_ips(struct d_ctx *c, const struct yt_node *spec, struct sl_service *s)
{
	const struct yt_node *one = d_get(spec, "clusterIP"), *list = d_get(spec, "clusterIPs");
	enum vip_kind k1 = VIP_EMPTY, k;
	struct sl_ip ip1 = { 0 }, ip;
	size_t i, mark;
	int r = 0;

	if (one) {
		mark = d_push_key(c, "clusterIP");
		r = d_vip(c, one, &k1, &ip1);
		d_pop(c, mark);
		if (r)
			return r;
	}
	if (!list) {
		if (k1 == VIP_NONE)
			s->headless = true;
		else if (k1 == VIP_ADDR)
			s->cluster_ips[s->ncluster_ips++] = ip1;
		return 0;
	}
	mark = d_push_key(c, "clusterIPs");
	r = d_want_seq(c, list);
	if (r)
		goto out;
	if (list->n > 2) {
		r = d_err(c, list, "at most 2 addresses (one per family), got %zu", list->n);
		goto out;
	}
	for (i = 0; i < list->n; i++) {
		const struct yt_node *v = list->items[i];
		size_t m2 = d_push_idx(c, i);

		r = d_vip(c, v, &k, &ip);
		if (r)
			goto out;
		if (k == VIP_EMPTY) {
			r = d_err(c, v, "expected an IP address or None, got \"\"");
			goto out;
		}
		if (k == VIP_NONE && list->n > 1) {
			r = d_err(c, v, "None must be the only entry");
			goto out;
		}
		if (k == VIP_NONE) {
			s->headless = true;
		} else {
			if (i == 1 && s->cluster_ips[0].family == ip.family) {
				r = d_err(c, v,
					  "both addresses are IPv%u: dual-stack needs one of each",
					  ip.family);
				goto out;
			}
			s->cluster_ips[s->ncluster_ips++] = ip;
		}
		/* clusterIP is clusterIPs[0] written twice; disagreeing copies are an error. */
		if (i == 0 && one && k1 != VIP_EMPTY &&
		    (k1 != k || (k == VIP_ADDR && memcmp(&ip, &ip1, sizeof(ip))))) {
			d_pop(c, mark);
			mark = d_push_key(c, "clusterIP");
			r = d_err(c, one, "\"%s\" does not match clusterIPs[0] \"%s\"", one->str,
				  v->str);
			goto out;
		}
		d_pop(c, m2);
	}
out:
	d_pop(c, mark);
	return r;
}

/* A string-valued spec field with two valid values: *second is set when it holds `b`, left
 * as it is when absent. */
static int d_enum2_field(struct d_ctx *c, const struct yt_node *spec, const char *key,
			 const char *a, const char *b, bool *second)
{
	const struct yt_node *v;
	const char *s = NULL;
	size_t mark;
	int r;

	r = f_str_ref(c, spec, key, &v, &s);
	if (r || !s)
		return r;
	mark = d_push_key(c, key);
	if (!strcmp(s, a) || !strcmp(s, b))
		*second = !strcmp(s, b);
	else
		r = d_err(c, v, "\"%s\" is not a valid value (%s, %s)", s, a, b);
	d_pop(c, mark);
	return r;
}

/* Kubernetes' limits on sessionAffinityConfig.clientIP.timeoutSeconds. */
#define AFFINITY_TIMEOUT_DEFAULT 10800
#define AFFINITY_TIMEOUT_MAX 86400

/* sessionAffinity and, with ClientIP, sessionAffinityConfig.clientIP.timeoutSeconds. With
 * None the config is read past, as the API server keeps it but nothing uses it. */
static int d_affinity(struct d_ctx *c, const struct yt_node *spec, struct sl_service *s)
{
	static const char *const cfg_keys[] = { "clientIP", NULL };
	static const char *const cip_keys[] = { "timeoutSeconds", NULL };
	const struct yt_node *cfg, *cip;
	long t = AFFINITY_TIMEOUT_DEFAULT;
	size_t mark;
	int r;

	r = d_enum2_field(c, spec, "sessionAffinity", "None", "ClientIP", &s->affinity_client_ip);
	if (r || !s->affinity_client_ip)
		return r;
	cfg = d_get(spec, "sessionAffinityConfig");
	if (cfg) {
		mark = d_push_key(c, "sessionAffinityConfig");
		r = d_want_map(c, cfg);
		if (!r)
			r = d_check_keys(c, cfg, cfg_keys);
		cip = r ? NULL : d_get(cfg, "clientIP");
		if (cip) {
			d_push_key(c, "clientIP");
			r = d_want_map(c, cip);
			if (!r)
				r = d_check_keys(c, cip, cip_keys);
			if (!r)
				r = f_int(c, cip, "timeoutSeconds", false, 1, AFFINITY_TIMEOUT_MAX,
					  &t);
		}
		d_pop(c, mark);
		if (r)
			return r;
	}
	s->affinity_timeout_s = (uint32_t)t;
	return 0;
}

/* spec.externalName of an ExternalName service: a DNS name (a trailing dot allowed, as
 * the API server allows it). */
static int d_external_name(struct d_ctx *c, const struct yt_node *spec, struct sl_service *s)
{
	const struct yt_node *v = d_get(spec, "externalName");
	char name[254];
	size_t mark, len;
	bool ok = false;
	int r;

	if (!v)
		return d_missing(c, spec, "externalName");
	mark = d_push_key(c, "externalName");
	r = d_strdup(c, v, &s->external_name);
	if (r)
		goto out;
	len = strlen(s->external_name);
	if (len && s->external_name[len - 1] == '.')
		len--;
	if (len < sizeof(name)) {
		memcpy(name, s->external_name, len);
		name[len] = '\0';
		ok = d_name_ok(name, D_NAME_SUBDOMAIN);
	}
	if (!ok)
		r = d_err(c, v,
			  "\"%s\" is not a DNS name (lowercase letters, digits, '-' and '.', at "
			  "most 253 characters)",
			  s->external_name);
out:
	d_pop(c, mark);
	return r;
}

static int d_svc_spec(struct d_ctx *c, const struct yt_node *spec, struct sl_service *s)
{
	const struct yt_node *v, *ports;
	const char *type = NULL;
	size_t mark;
	int r;

	r = d_want_map(c, spec);
	if (!r)
		r = d_check_keys(c, spec, spec_keys);
	if (!r)
		r = f_str_ref(c, spec, "type", &v, &type);
	if (r)
		return r;
	if (type) {
		mark = d_push_key(c, "type");
		if (!strcmp(type, "ClusterIP"))
			s->type = SL_SVC_CLUSTER_IP;
		else if (!strcmp(type, "ExternalName"))
			s->type = SL_SVC_EXTERNAL_NAME;
		else if (!strcmp(type, "NodePort") || !strcmp(type, "LoadBalancer"))
			r = d_err(c, v,
				  "%s is not supported (Sluice programs ClusterIP services "
				  "only)",
				  type);
		else
			r = d_err(c, v, "\"%s\" is not a valid service type", type);
		d_pop(c, mark);
		if (r)
			return r;
	}
	/* For other types externalName means nothing (the API server ignores it): read past. */
	if (s->type == SL_SVC_EXTERNAL_NAME) {
		r = d_external_name(c, spec, s);
		if (r)
			return r;
	}
	r = d_affinity(c, spec, s);
	if (!r)
		r = d_enum2_field(c, spec, "internalTrafficPolicy", "Cluster", "Local",
				  &s->internal_local);
	if (r)
		return r;
	v = d_get(spec, "externalIPs");
	if (v) {
		mark = d_push_key(c, "externalIPs");
		r = d_want_seq(c, v);
		if (!r && v->n)
			r = d_err(c, v, "external IPs are not supported");
		d_pop(c, mark);
		if (r)
			return r;
	}
	v = d_get(spec, "trafficDistribution");
	if (v) {
		mark = d_push_key(c, "trafficDistribution");
		r = d_err(c, v, "not supported (Sluice does not do topology-aware routing)");
		d_pop(c, mark);
		return r;
	}
	r = d_cluster_ips(c, spec, s);
	if (r)
		return r;
	ports = d_get(spec, "ports");
	if (ports) {
		mark = d_push_key(c, "ports");
		r = d_svc_ports(c, ports, s);
		d_pop(c, mark);
		if (r)
			return r;
	}
	/* As the API server: a ClusterIP service with a VIP needs ports. */
	if (s->type == SL_SVC_CLUSTER_IP && !s->headless && !s->nports)
		return d_missing(c, spec, "ports");
	return 0;
}

static int d_service_spec(struct d_ctx *c, const struct yt_node *spec, struct sl_object *o)
{
	return d_svc_spec(c, spec, &o->svc);
}

int d_service(struct d_ctx *c, const struct yt_node *root, struct sl_object *o)
{
	/* status (load balancer ingress, conditions) does not apply to ClusterIP: read past. */
	return d_object_with_spec(c, root, svc_top_keys, D_NAME_1035, o, d_service_spec);
}
