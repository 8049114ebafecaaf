// SPDX-License-Identifier: Apache-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/htab.h"
#include "model/objects.h"
#include "state/authz.h"
#include "state/compile.h"

#define KEYLEN 600

void sl_endpoint_usable(const struct sl_endpoint *ep, bool *ready, bool *serving)
{
	/* EndpointConditions: a missing `ready` means ready; a missing `serving` defers
	 * to `ready`. kube-proxy falls back to serving (terminating) endpoints only when
	 * no endpoint is ready. */
	*ready = ep->ready != SL_FALSE;
	*serving = ep->serving == SL_UNSET ? *ready : ep->serving == SL_TRUE;
}

static uint32_t hash32(const char *s, size_t n)
{
	uint64_t h = sl_hash_bytes(s, n);

	return (uint32_t)(h ^ (h >> 32)) | 1; /* never 0 */
}

uint32_t sl_svc_port_id(const struct sl_service *svc, const struct sl_svc_port *p)
{
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "%s/%s/%s/%u", svc->meta.ns, svc->meta.name, p->name,
			 p->protocol);

	return hash32(buf, n > 0 ? (size_t)n : 0);
}

uint32_t sl_pod_id(const struct sl_meta_obj *m)
{
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "pod/%s/%s", m->ns, m->name);

	return hash32(buf, n > 0 ? (size_t)n : 0);
}

bool sl_istio_host_service(const char *host, const char *ns, char *svc_ns, size_t nslen,
			   char *svc_name, size_t namelen)
{
	const char *dot = strchr(host, '.'), *rest;
	size_t nl;

	if (!dot) {
		snprintf(svc_name, namelen, "%s", host);
		snprintf(svc_ns, nslen, "%s", ns);
		return true;
	}
	nl = (size_t)(dot - host);
	rest = dot + 1;
	const char *dot2 = strchr(rest, '.');
	size_t rl = dot2 ? (size_t)(dot2 - rest) : strlen(rest);

	if (dot2 && strcmp(dot2, ".svc") && strcmp(dot2, ".svc.cluster.local"))
		return false;
	if (!nl || !rl || nl >= namelen || rl >= nslen)
		return false;
	memcpy(svc_name, host, nl);
	svc_name[nl] = '\0';
	memcpy(svc_ns, rest, rl);
	svc_ns[rl] = '\0';
	return true;
}

/* Incremental FNV-1a for digests. */
static void fnv(uint64_t *h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++) {
		*h ^= b[i];
		*h *= 1099511628211ull;
	}
}

/* Everything compile looks things up in. */
struct index {
	struct sl_htab slices; /* "ns/service" -> struct slice_list * */
	struct sl_htab dr; /* "ns/service" -> const struct sl_object * (DestinationRule) */
	struct sl_htab vs; /* "ns/service" -> const struct sl_object * (VirtualService) */
	struct sl_htab route_ids; /* uint32_t -> (void *)1 */
	const struct sl_object **local_pods;
	size_t nlocal;
	const struct sl_store *st;
	const char *node;
	bool l7; /* opts->l7: http route destinations are compiled too */
	/* With l7: 16-byte addresses of the pods an AuthorizationPolicy with HTTP fields
	 * selects -> (void *)1. Services with such endpoints need the proxy. */
	struct sl_htab authz_l7;
};

struct slice_list {
	const struct sl_endpoint_slice **v;
	size_t n, cap;
};

static int key_of(char *buf, const char *ns, const char *name)
{
	int n = snprintf(buf, KEYLEN, "%s/%s", ns, name);

	return n < 0 || n >= KEYLEN ? 0 : n;
}

static int index_slice(struct index *ix, const struct sl_object *o)
{
	struct slice_list *l;
	char key[KEYLEN];
	int n = key_of(key, o->meta.ns, o->eps.service_name);

	l = sl_htab_get(&ix->slices, key, n);
	if (!l) {
		l = calloc(1, sizeof(*l));
		if (!l || sl_htab_put(&ix->slices, key, n, l, NULL)) {
			free(l);
			return -ENOMEM;
		}
	}
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 4;
		const struct sl_endpoint_slice **nv = realloc(l->v, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		l->v = nv;
		l->cap = ncap;
	}
	l->v[l->n++] = &o->eps;
	return 0;
}

/* Of two objects in conflict, whether a is the one to name first: the one the apply
 * (opts->txn) creates or changes, else the later by namespace and name, so that the
 * message does not depend on the order the store is walked in. */
static bool blame_a(const struct sl_compile_opts *opts, const struct sl_object *a,
		    const struct sl_object *b)
{
	bool in_a = opts && opts->txn && sl_store_txn_touches(opts->txn, a);
	bool in_b = opts && opts->txn && sl_store_txn_touches(opts->txn, b);
	int c;

	if (in_a != in_b)
		return in_a;
	c = strcmp(a->meta.ns ? a->meta.ns : "", b->meta.ns ? b->meta.ns : "");
	return (c ? c
		  : strcmp(a->meta.name ? a->meta.name : "", b->meta.name ? b->meta.name : "")) > 0;
}

/* Istio allows one DestinationRule and one VirtualService per host (in the mesh, the
 * oldest wins); Sluice refuses the ambiguity instead of guessing. */
static int index_rule(const struct sl_compile_opts *opts, struct sl_htab *h,
		      const struct sl_object *o, const char *host, const char *what, char *err,
		      size_t errlen)
{
	char ns[256], name[256], key[KEYLEN];
	const struct sl_object *other;
	int n;

	if (!sl_istio_host_service(host, o->meta.ns, ns, sizeof(ns), name, sizeof(name)))
		return 0; /* not a cluster Service: nothing for the kernel to do */
	n = key_of(key, ns, name);
	other = sl_htab_get(h, key, n);
	if (other && other != o) {
		const struct sl_meta_obj *m = blame_a(opts, o, other) ? &o->meta : &other->meta;
		const struct sl_meta_obj *om = m == &o->meta ? &other->meta : &o->meta;

		snprintf(
			err, errlen,
			"%s:%d:%d: %s %s/%s: host %s is already configured by %s/%s (%s:%d:%d); Sluice takes one %s per host",
			m->pos.file, m->pos.line, m->pos.col, what, m->ns, m->name, host, om->ns,
			om->name, om->pos.file, om->pos.line, om->pos.col, what);
		return -EINVAL;
	}
	return sl_htab_put(h, key, n, (void *)o, NULL);
}

/* ---- L7 configuration: only sluice-proxy can apply it ---- */

/* The first L7-only setting of a policy level (`where`: "spec.trafficPolicy",
 * "spec.subsets[1].trafficPolicy.portLevelSettings[0]", ...): its field in *field and
 * position in *pos. Checked in the order the model keeps them. */
static bool policy_l7(const struct sl_lb_policy *lb, const struct sl_conn_pool *pool,
		      const struct sl_outlier *od, const char **field, struct sl_pos *pos)
{
	if (lb->hash_header || lb->hash_cookie_set || lb->hash_query) {
		*field = lb->hash_header  ? "loadBalancer.consistentHash.httpHeaderName"
			 : lb->hash_query ? "loadBalancer.consistentHash.httpQueryParameterName"
					  : "loadBalancer.consistentHash.httpCookie";
		*pos = lb->hash_pos;
		return true;
	}
	if (pool->connect_timeout_ns || pool->max_connection_duration_ns ||
	    pool->idle_timeout_set || pool->keepalive.set) {
		*field = pool->connect_timeout_ns ? "connectionPool.tcp.connectTimeout"
			 : pool->max_connection_duration_ns
				 ? "connectionPool.tcp.maxConnectionDuration"
			 : pool->idle_timeout_set ? "connectionPool.tcp.idleTimeout"
						  : "connectionPool.tcp.tcpKeepalive";
		*pos = pool->tcp_l7_pos;
		return true;
	}
	if (pool->http.set) {
		*field = "connectionPool.http";
		*pos = pool->http.pos;
		return true;
	}
	if (od->set) {
		*field = "outlierDetection";
		*pos = od->pos;
		return true;
	}
	return false;
}

/* The first L7-only setting of a traffic policy at `prefix` (its path), into path. */
static bool traffic_policy_l7(const struct sl_traffic_policy *tp, const char *prefix, char *path,
			      size_t len, struct sl_pos *pos)
{
	const char *field;

	if (policy_l7(&tp->lb, &tp->pool, &tp->outlier, &field, pos)) {
		snprintf(path, len, "%s.%s", prefix, field);
		return true;
	}
	for (size_t i = 0; i < tp->nports; i++) {
		const struct sl_port_policy *pp = &tp->ports[i];

		if (policy_l7(&pp->lb, &pp->pool, &pp->outlier, &field, pos)) {
			snprintf(path, len, "%s.portLevelSettings[%zu].%s", prefix, i, field);
			return true;
		}
	}
	return false;
}

bool sl_dr_l7_setting(const struct sl_object *dr, char *path, size_t len, struct sl_pos *pos)
{
	if (traffic_policy_l7(&dr->dr.policy, "spec.trafficPolicy", path, len, pos))
		return true;
	for (size_t i = 0; i < dr->dr.nsubsets; i++) {
		char prefix[64];

		snprintf(prefix, sizeof(prefix), "spec.subsets[%zu].trafficPolicy", i);
		if (traffic_policy_l7(&dr->dr.subsets[i].policy, prefix, path, len, pos))
			return true;
	}
	return false;
}

/*
 * The gate: without sluice-proxy, a VirtualService with http routes or a DestinationRule
 * with L7-only settings is refused, naming the field where it was written. The kernel
 * would otherwise route such traffic by its L4 rules alone, less than was asked for.
 */
static int l7_gate(const struct sl_object *o, bool l7, char *err, size_t errlen)
{
	const struct sl_pos *mp = &o->meta.pos;
	struct sl_pos pos = { 0 };
	char path[256] = "";
	const char *what;

	if (l7)
		return 0;
	if (o->kind == SL_KIND_VIRTUAL_SERVICE && o->vs.nhttp) {
		what = "VirtualService";
		pos = o->vs.http_pos;
		snprintf(path, sizeof(path), "spec.http (HTTP routes)");
	} else if (o->kind == SL_KIND_DESTINATION_RULE) {
		what = "DestinationRule";
		sl_dr_l7_setting(o, path, sizeof(path), &pos);
		if (!path[0])
			return 0;
	} else {
		return 0;
	}
	/* The inner positions' file is the decoder's; the store keeps the object's alive. */
	if (!pos.line)
		pos = *mp;
	snprintf(err, errlen,
		 "%s:%d:%d: %s %s/%s: %s needs sluice-proxy (the L7 proxy is not enabled on this "
		 "node)",
		 mp->file, pos.line, pos.col, what, o->meta.ns, o->meta.name, path);
	return -EINVAL;
}

/* Whether a Service's TCP ports need the node proxy: a VirtualService with http
 * routes, or a DestinationRule with L7-only settings, names it. */
static bool needs_proxy(const struct sl_object *vs, const struct sl_object *dr)
{
	struct sl_pos pos;
	char path[256];

	if (vs && vs->vs.nhttp)
		return true;
	if (!dr)
		return false;
	if (traffic_policy_l7(&dr->dr.policy, "", path, sizeof(path), &pos))
		return true;
	for (size_t i = 0; i < dr->dr.nsubsets; i++)
		if (traffic_policy_l7(&dr->dr.subsets[i].policy, "", path, sizeof(path), &pos))
			return true;
	return false;
}

/* The addresses of every pod an AuthorizationPolicy with HTTP fields selects: only the
 * proxy can judge requests to them (the kernel would apply Istio's TCP reading of the
 * policy, which allows less or denies more than was written). */
static int index_authz_l7(struct index *ix, const char *root_ns)
{
	size_t it = 0;
	void *val;

	while (sl_htab_next(&ix->st->objs, &it, NULL, NULL, &val)) {
		const struct sl_object *ap = val;
		size_t jt = 0;
		void *pv;

		if (ap->kind != SL_KIND_AUTHORIZATION_POLICY || !sl_authz_policy_http(ap))
			continue;
		while (sl_htab_next(&ix->st->objs, &jt, NULL, NULL, &pv)) {
			const struct sl_object *pod = pv;

			if (pod->kind != SL_KIND_POD || !sl_authz_selects(ap, pod, root_ns))
				continue;
			for (size_t i = 0; i < pod->pod.npod_ips; i++)
				if (sl_htab_put(&ix->authz_l7, pod->pod.pod_ips[i].b, 16, (void *)1,
						NULL))
					return -ENOMEM;
		}
	}
	return 0;
}

/* Whether some endpoint of fe is a pod that an HTTP authorization rule protects. */
static bool authz_needs_proxy(const struct index *ix, const struct sl_frontend *fe)
{
	if (!ix->authz_l7.used)
		return false;
	for (size_t r = 0; r < fe->nroutes; r++)
		for (uint32_t d = 0; d < fe->routes[r].ndest; d++)
			for (uint32_t b = 0; b < fe->routes[r].dest[d].nbe; b++)
				if (sl_htab_get(&ix->authz_l7, &fe->routes[r].dest[d].be[b].addr,
						16))
					return true;
	return false;
}

static int build_index(const struct sl_store *st, const struct sl_compile_opts *opts,
		       struct index *ix, char *err, size_t errlen)
{
	const char *node = opts ? opts->node : NULL;
	bool l7 = opts && opts->l7;

	size_t it = 0, cap = 0;
	void *val;
	int ret = 0;

	ix->st = st;
	ix->node = node;
	ix->l7 = l7;
	while (!ret && sl_htab_next(&st->objs, &it, NULL, NULL, &val)) {
		const struct sl_object *o = val;

		switch (o->kind) {
		case SL_KIND_ENDPOINT_SLICE:
			if (o->eps.service_name)
				ret = index_slice(ix, o);
			break;
		case SL_KIND_DESTINATION_RULE:
			ret = l7_gate(o, l7, err, errlen);
			if (!ret)
				ret = index_rule(opts, &ix->dr, o, o->dr.host, "DestinationRule",
						 err, errlen);
			break;
		case SL_KIND_VIRTUAL_SERVICE:
			ret = l7_gate(o, l7, err, errlen);
			for (size_t h = 0; !ret && h < o->vs.nhosts; h++)
				ret = index_rule(opts, &ix->vs, o, o->vs.hosts[h], "VirtualService",
						 err, errlen);
			break;
		case SL_KIND_POD:
			if (!node || !o->pod.node_name || strcmp(o->pod.node_name, node))
				break;
			if (ix->nlocal == cap) {
				size_t ncap = cap ? cap * 2 : 16;
				const struct sl_object **nv =
					realloc(ix->local_pods, ncap * sizeof(*nv));

				if (!nv)
					return -ENOMEM;
				ix->local_pods = nv;
				cap = ncap;
			}
			ix->local_pods[ix->nlocal++] = o;
			break;
		default:
			break;
		}
	}
	if (!ret && l7)
		ret = index_authz_l7(ix, opts->root_ns);
	return ret;
}

static void free_index(struct index *ix)
{
	size_t it = 0;
	void *val;

	while (sl_htab_next(&ix->slices, &it, NULL, NULL, &val)) {
		struct slice_list *l = val;

		free(l->v);
		free(l);
	}
	sl_htab_free(&ix->slices);
	sl_htab_free(&ix->dr);
	sl_htab_free(&ix->vs);
	sl_htab_free(&ix->route_ids);
	sl_htab_free(&ix->authz_l7);
	free(ix->local_pods);
}

static bool labels_subset(const struct sl_label *want, size_t nwant, const struct sl_meta_obj *m)
{
	for (size_t i = 0; i < nwant; i++) {
		const char *v = sl_label_get(m, want[i].key);

		if (!v || strcmp(v, want[i].value))
			return false;
	}
	return true;
}

/* Does the endpoint belong to the subset? Its Pod (targetRef) must carry the labels. */
static bool endpoint_in_subset(const struct index *ix, const struct sl_endpoint_slice *eps,
			       const struct sl_endpoint *ep, const struct sl_subset *ss)
{
	const struct sl_object *pod;

	if (!ss || !ss->nlabels)
		return true;
	if (!ep->target_name || (ep->target_kind && strcmp(ep->target_kind, "Pod")))
		return false;
	pod = sl_store_get(ix->st, SL_KIND_POD, ep->target_ns ? ep->target_ns : eps->meta.ns,
			   ep->target_name);
	return pod && labels_subset(ss->labels, ss->nlabels, &pod->meta);
}

static int cmp_backend(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct sl_backend));
}

static int push_backend(struct sl_backend **v, uint32_t *n, uint32_t *cap, struct sl_backend b)
{
	if (*n == *cap) {
		uint32_t ncap = *cap ? *cap * 2 : 8;
		struct sl_backend *nv = realloc(*v, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = ncap;
	}
	(*v)[(*n)++] = b;
	return 0;
}

/* Backends of Service `svc` port `sp` for one address family, restricted to a subset
 * and, for internalTrafficPolicy Local, to this node: ready endpoints, or serving ones
 * when none is ready. */
static int collect_backends(const struct index *ix, const struct sl_object *svc,
			    const struct sl_svc_port *sp, uint8_t family,
			    const struct sl_subset *ss, struct sl_fe_dest *d)
{
	struct sl_backend *ready = NULL, *serving = NULL;
	uint32_t nready = 0, nserving = 0, capr = 0, caps = 0;
	const struct slice_list *slices;
	char key[KEYLEN];
	int n = key_of(key, svc->meta.ns, svc->meta.name);

	slices = sl_htab_get(&ix->slices, key, n);
	for (size_t s = 0; slices && s < slices->n; s++) {
		const struct sl_endpoint_slice *eps = slices->v[s];
		uint16_t port = 0;

		if (eps->address_type != family)
			continue;
		for (size_t p = 0; p < eps->nports; p++) {
			if (!strcmp(eps->ports[p].name, sp->name) &&
			    eps->ports[p].protocol == sp->protocol) {
				port = eps->ports[p].port;
				break;
			}
		}
		if (!port)
			continue;
		for (size_t e = 0; e < eps->nendpoints; e++) {
			const struct sl_endpoint *ep = &eps->endpoints[e];
			bool r, sv;

			sl_endpoint_usable(ep, &r, &sv);
			if (!r && !sv)
				continue;
			if (svc->svc.internal_local &&
			    (!ix->node || !ep->node_name || strcmp(ep->node_name, ix->node)))
				continue;
			if (!endpoint_in_subset(ix, eps, ep, ss))
				continue;
			for (size_t a = 0; a < ep->naddrs; a++) {
				struct sl_backend b = {};

				memcpy(&b.addr, ep->addrs[a].b, 16);
				b.port = htons(port);
				if (push_backend(r ? &ready : &serving, r ? &nready : &nserving,
						 r ? &capr : &caps, b))
					goto enomem;
			}
		}
	}
	if (nready) {
		d->be = ready;
		d->nbe = nready;
		free(serving);
	} else {
		d->be = serving;
		d->nbe = nserving;
		d->serving_fallback = nserving > 0;
		free(ready);
	}
	if (d->nbe) {
		uint32_t k = 0;

		qsort(d->be, d->nbe, sizeof(*d->be), cmp_backend);
		for (uint32_t i = 0; i < d->nbe; i++)
			if (!k || memcmp(&d->be[k - 1], &d->be[i], sizeof(*d->be)))
				d->be[k++] = d->be[i];
		d->nbe = k;
	} else {
		free(d->be);
		d->be = NULL;
	}
	return 0;
enomem:
	free(ready);
	free(serving);
	return -ENOMEM;
}

/* The effective load balancing and pool of a destination: the rule's policy, then its
 * port-level settings, then the subset's, then the subset's port level; each level
 * overrides only what it sets. */
/* A level's connection pool over the levels below: tcp.maxConnections, the tcp L7
 * settings and the http settings each override only when written at that level. */
static void merge_pool(struct sl_conn_pool *dst, const struct sl_conn_pool *src)
{
	if (src->set) {
		dst->set = true;
		dst->max_connections = src->max_connections;
	}
	if (src->tcp_l7_pos.line) {
		dst->connect_timeout_ns = src->connect_timeout_ns;
		dst->max_connection_duration_ns = src->max_connection_duration_ns;
		dst->idle_timeout_set = src->idle_timeout_set;
		dst->idle_timeout_ns = src->idle_timeout_ns;
		dst->keepalive = src->keepalive;
		dst->tcp_l7_pos = src->tcp_l7_pos;
	}
	if (src->http.set)
		dst->http = src->http;
}

static void apply_policy(const struct sl_traffic_policy *tp, uint16_t port, struct sl_lb_policy *lb,
			 struct sl_conn_pool *pool, struct sl_outlier *od)
{
	if (tp->lb.set)
		*lb = tp->lb;
	merge_pool(pool, &tp->pool);
	if (tp->outlier.set)
		*od = tp->outlier;
	for (size_t i = 0; i < tp->nports; i++) {
		const struct sl_port_policy *pp = &tp->ports[i];

		if (pp->port != port)
			continue;
		if (pp->lb.set)
			*lb = pp->lb;
		merge_pool(pool, &pp->pool);
		if (pp->outlier.set)
			*od = pp->outlier;
	}
}

static const struct sl_subset *find_subset(const struct sl_object *dr, const char *name)
{
	for (size_t i = 0; dr && i < dr->dr.nsubsets; i++)
		if (!strcmp(dr->dr.subsets[i].name, name))
			return &dr->dr.subsets[i];
	return NULL;
}

/* Fills destination d: Service dsvc, port dport, optional subset, for `family`. */
static int fill_dest(const struct index *ix, const struct sl_object *dsvc,
		     const struct sl_svc_port *dp, const char *subset, uint8_t family,
		     uint32_t weight, struct sl_fe_dest *d)
{
	struct sl_lb_policy lb = {};
	struct sl_conn_pool pool = {};
	const struct sl_object *dr;
	const struct sl_subset *ss = NULL;
	char key[KEYLEN], pool_key[KEYLEN];
	int n;

	d->svc = dsvc;
	d->subset = subset;
	d->port = dp->port;
	d->weight = weight;
	n = key_of(key, dsvc->meta.ns, dsvc->meta.name);
	dr = sl_htab_get(&ix->dr, key, n);
	if (subset) {
		ss = find_subset(dr, subset);
		if (!ss) {
			d->subset_missing = true;
			return 0; /* Envoy: no such cluster; the share is refused */
		}
	}
	if (dr)
		apply_policy(&dr->dr.policy, dp->port, &lb, &pool, &d->outlier);
	if (ss)
		apply_policy(&ss->policy, dp->port, &lb, &pool, &d->outlier);
	d->lb = lb;
	d->pool = pool;
	if (lb.hash_source_ip) {
		d->algo = SL_ALGO_MAGLEV;
		d->maglev_size = lb.maglev_table_size ? lb.maglev_table_size : SL_MAGLEV_DEFAULT;
	} else if (lb.simple == SL_LB_ROUND_ROBIN) {
		d->algo = SL_ALGO_ROUND_ROBIN;
	} else if (lb.simple == SL_LB_LEAST_REQUEST) {
		d->algo = SL_ALGO_LEAST_REQUEST;
	} else {
		d->algo = SL_ALGO_RANDOM; /* kube-proxy's behaviour, and the cheapest */
	}
	d->max_conns = pool.set ? pool.max_connections : 0;
	n = snprintf(pool_key, sizeof(pool_key), "%s/%s/%u/%s/%u", dsvc->meta.ns, dsvc->meta.name,
		     dp->port, subset ? subset : "", family);
	d->pool_id = hash32(pool_key, n > 0 ? (size_t)n : 0);
	return collect_backends(ix, dsvc, dp, family, ss, d);
}

static void fe_free(struct sl_frontend *fe)
{
	if (!fe)
		return;
	for (size_t r = 0; r < fe->nroutes; r++)
		for (uint32_t d = 0; d < fe->routes[r].ndest; d++)
			free(fe->routes[r].dest[d].be);
	free(fe->routes);
	for (size_t r = 0; r < fe->nhttp; r++)
		for (uint32_t d = 0; d < fe->http[r].ndest; d++)
			free(fe->http[r].dest[d].be);
	free(fe->http);
	free(fe->src);
	free(fe);
}

static const struct sl_svc_port *port_by_number(const struct sl_service *s, uint16_t port,
						uint8_t proto)
{
	for (size_t i = 0; i < s->nports; i++)
		if (s->ports[i].port == port && s->ports[i].protocol == proto)
			return &s->ports[i];
	return NULL;
}

/* Compiles route destination rd of frontend fe's VirtualService into d. A host that
 * names no Service leaves d without endpoints (its share is refused, as Envoy's
 * missing cluster is); a destination Service without the port is an error. */
static int compile_route_dest(const struct index *ix, const struct sl_frontend *fe,
			      const struct sl_route_dest *rd, uint8_t family, struct sl_fe_dest *d,
			      char *err, size_t errlen)
{
	const struct sl_object *vs = fe->vs;
	const struct sl_svc_port *fp = &fe->svc->svc.ports[fe->port_idx];
	const struct sl_svc_port *dp;
	const struct sl_object *dsvc;
	char ns[256], name[256];

	d->weight = rd->weight;
	if (!sl_istio_host_service(rd->host, vs->meta.ns, ns, sizeof(ns), name, sizeof(name)) ||
	    !(dsvc = sl_store_get(ix->st, SL_KIND_SERVICE, ns, name)))
		return 0;
	dp = rd->port ? port_by_number(&dsvc->svc, rd->port, fp->protocol)
		      : port_by_number(&dsvc->svc, fp->port, fp->protocol);
	if (!dp && !rd->port && dsvc->svc.nports == 1 &&
	    dsvc->svc.ports[0].protocol == fp->protocol)
		dp = &dsvc->svc.ports[0];
	if (!dp) {
		snprintf(
			err, errlen,
			"%s:%d:%d: VirtualService %s/%s: destination %s has no %s port %u; set destination.port",
			vs->meta.pos.file, vs->meta.pos.line, vs->meta.pos.col, vs->meta.ns,
			vs->meta.name, rd->host, fp->protocol == 17 ? "UDP" : "TCP",
			rd->port ? rd->port : fp->port);
		return -EINVAL;
	}
	d->svc = dsvc;
	return fill_dest(ix, dsvc, dp, rd->subset, family, rd->weight, d);
}

/* Compiles VirtualService tcp route `r` for frontend fe into route out. */
static int compile_vs_route(const struct index *ix, const struct sl_frontend *fe,
			    const struct sl_tcp_route *tr, uint8_t family, struct sl_fe_route *out,
			    char *err, size_t errlen)
{
	const struct sl_object *vs = fe->vs;

	if (tr->nroutes > SL_MAX_DESTS) {
		snprintf(
			err, errlen,
			"%s:%d:%d: VirtualService %s/%s: a tcp route has %zu destinations, more than the %d Sluice supports",
			vs->meta.pos.file, vs->meta.pos.line, vs->meta.pos.col, vs->meta.ns,
			vs->meta.name, tr->nroutes, SL_MAX_DESTS);
		return -EINVAL;
	}
	for (size_t i = 0; i < tr->nroutes; i++) {
		int ret = compile_route_dest(ix, fe, &tr->routes[i], family,
					     &out->dest[out->ndest++], err, errlen);

		if (ret)
			return ret;
	}
	return 0;
}

/* The destinations of every http route of fe's VirtualService, for sluice-proxy:
 * fe->http[i] is vs.http[i] (no destinations for a redirect), weights as written. */
static int compile_http_routes(const struct index *ix, struct sl_frontend *fe, uint8_t family,
			       char *err, size_t errlen)
{
	const struct sl_object *vs = fe->vs;

	fe->http = calloc(vs->vs.nhttp, sizeof(*fe->http));
	if (!fe->http)
		return -ENOMEM;
	fe->nhttp = vs->vs.nhttp;
	for (size_t r = 0; r < vs->vs.nhttp; r++) {
		const struct sl_http_route *hr = &vs->vs.http[r];

		fe->http[r].vs_route = (int)r;
		if (hr->nroutes > SL_MAX_DESTS) {
			snprintf(
				err, errlen,
				"%s:%d:%d: VirtualService %s/%s: spec.http[%zu].route has %zu destinations, more than the %d Sluice supports",
				vs->meta.pos.file, hr->pos.line, hr->pos.col, vs->meta.ns,
				vs->meta.name, r, hr->nroutes, SL_MAX_DESTS);
			return -EINVAL;
		}
		for (size_t i = 0; i < hr->nroutes; i++) {
			int ret = compile_route_dest(ix, fe, &hr->routes[i].dest, family,
						     &fe->http[r].dest[fe->http[r].ndest++], err,
						     errlen);

			if (ret)
				return ret;
		}
	}
	return 0;
}

/* Which tcp route of the VirtualService a client takes on this frontend: the first
 * with a match for the port and, when pod is given, its labels and namespace. With
 * pod NULL, only matches without source conditions count. -1: none. */
static int vs_route_for(const struct sl_virtual_service *vs, uint16_t port,
			const struct sl_object *pod)
{
	for (size_t r = 0; r < vs->ntcp; r++) {
		const struct sl_tcp_route *tr = &vs->tcp[r];

		if (!tr->nmatches)
			return (int)r;
		for (size_t m = 0; m < tr->nmatches; m++) {
			const struct sl_l4_match *lm = &tr->matches[m];
			bool has_src = lm->nsource_labels || lm->source_namespace;

			if (lm->port && lm->port != port)
				continue;
			if (has_src && !pod)
				continue;
			if (lm->source_namespace && strcmp(lm->source_namespace, pod->meta.ns))
				continue;
			if (has_src &&
			    !labels_subset(lm->source_labels, lm->nsource_labels, &pod->meta))
				continue;
			return (int)r;
		}
	}
	return -1;
}

static void digest_route(uint64_t *h, const struct sl_fe_route *r)
{
	fnv(h, &r->ndest, sizeof(r->ndest));
	for (uint32_t i = 0; i < r->ndest; i++) {
		const struct sl_fe_dest *d = &r->dest[i];

		fnv(h, &d->nbe, sizeof(d->nbe));
		fnv(h, &d->weight, sizeof(d->weight));
		fnv(h, &d->algo, sizeof(d->algo));
		fnv(h, &d->maglev_size, sizeof(d->maglev_size));
		fnv(h, &d->max_conns, sizeof(d->max_conns));
		fnv(h, &d->pool_id, sizeof(d->pool_id));
		if (d->nbe)
			fnv(h, d->be, d->nbe * sizeof(*d->be));
	}
}

static int cmp_src(const void *a, const void *b)
{
	const struct sl_fe_src *x = a, *y = b;

	return x->pod_id < y->pod_id ? -1 : x->pod_id > y->pod_id;
}

static uint32_t unique_route_id(struct index *ix, const struct sl_svc_key *k)
{
	uint32_t id = hash32((const char *)k, sizeof(*k));

	while (sl_htab_get(&ix->route_ids, &id, sizeof(id)))
		id = id + 2; /* stays odd, so never 0 */
	sl_htab_put(&ix->route_ids, &id, sizeof(id), (void *)1, NULL);
	return id;
}

static int compile_frontend(struct index *ix, struct sl_frontend *fe, uint8_t family, char *err,
			    size_t errlen)
{
	const struct sl_service *s = &fe->svc->svc;
	const struct sl_svc_port *sp = &s->ports[fe->port_idx];
	const struct sl_virtual_service *vs = fe->vs ? &fe->vs->vs : NULL;
	size_t nroutes = 1 + (vs ? vs->ntcp : 0);
	int def, ret;
	uint64_t h = 1469598103934665603ull;

	/* routes[0]: the default; routes[1 + r]: VirtualService tcp route r, compiled only
	 * when some client takes it. */
	fe->routes = calloc(nroutes, sizeof(*fe->routes));
	if (!fe->routes)
		return -ENOMEM;
	fe->nroutes = nroutes;
	for (size_t r = 0; r < nroutes; r++)
		fe->routes[r].vs_route = (int)r - 1;
	def = vs ? vs_route_for(vs, sp->port, NULL) : -1;
	if (def < 0) {
		fe->routes[0].ndest = 1;
		ret = fill_dest(ix, fe->svc, sp, NULL, family, 100, &fe->routes[0].dest[0]);
	} else {
		fe->routes[0].vs_route = def;
		ret = compile_vs_route(ix, fe, &vs->tcp[def], family, &fe->routes[0], err, errlen);
	}
	if (!ret && vs && vs->nhttp && ix->l7)
		ret = compile_http_routes(ix, fe, family, err, errlen);
	if (ret)
		return ret;
	if (vs) {
		bool any_src = false;

		for (size_t r = 0; r < vs->ntcp && !any_src; r++)
			for (size_t m = 0; m < vs->tcp[r].nmatches; m++)
				if (vs->tcp[r].matches[m].nsource_labels ||
				    vs->tcp[r].matches[m].source_namespace)
					any_src = true;
		for (size_t p = 0; any_src && p < ix->nlocal; p++) {
			int r = vs_route_for(vs, sp->port, ix->local_pods[p]);
			struct sl_fe_src *nv;

			if (r < 0 || r == def)
				continue;
			if (!fe->routes[1 + r].ndest) {
				ret = compile_vs_route(ix, fe, &vs->tcp[r], family,
						       &fe->routes[1 + r], err, errlen);
				if (ret)
					return ret;
			}
			nv = realloc(fe->src, (fe->nsrc + 1) * sizeof(*nv));
			if (!nv)
				return -ENOMEM;
			fe->src = nv;
			fe->src[fe->nsrc++] = (struct sl_fe_src){
				.pod_id = sl_pod_id(&ix->local_pods[p]->meta),
				.pod = ix->local_pods[p],
				.route = 1 + (size_t)r,
			};
		}
		qsort(fe->src, fe->nsrc, sizeof(*fe->src), cmp_src);
	}
	if (fe->nsrc) {
		fe->flags |= SL_SVC_F_SRC_ROUTES;
		fe->route_id = unique_route_id(ix, &fe->key);
	}
	if (s->affinity_client_ip) {
		fe->flags |= SL_SVC_F_AFFINITY;
		fe->affinity_timeout_s = s->affinity_timeout_s;
	}
	/* Cumulative weights end at 100; slots over every route that is used. */
	for (size_t r = 0; r < fe->nroutes; r++) {
		for (uint32_t d = 0; d < fe->routes[r].ndest; d++) {
			fe->nslots += fe->routes[r].dest[d].nbe;
			if (fe->routes[r].dest[d].nbe > SL_MAX_BACKENDS_PER_SVC) {
				snprintf(
					err, errlen,
					"%s:%d:%d: service %s/%s port %u has %u endpoints, more than the %u one service port can have",
					s->meta.pos.file, s->meta.pos.line, s->meta.pos.col,
					s->meta.ns, s->meta.name, sp->port,
					fe->routes[r].dest[d].nbe, SL_MAX_BACKENDS_PER_SVC);
				return -EINVAL;
			}
		}
	}
	/* The third L7 reason (next to a VirtualService's http routes and a
	 * DestinationRule's L7 settings, decided by the caller): an endpoint that an
	 * AuthorizationPolicy with HTTP fields selects. TCP only: UDP has no requests. */
	if (ix->l7 && fe->key.proto == 6 && authz_needs_proxy(ix, fe))
		fe->flags |= SL_SVC_F_L7;
	fnv(&h, &fe->key, sizeof(fe->key));
	fnv(&h, &fe->svc_id, sizeof(fe->svc_id));
	fnv(&h, &fe->flags, sizeof(fe->flags));
	fnv(&h, &fe->affinity_timeout_s, sizeof(fe->affinity_timeout_s));
	fnv(&h, &fe->route_id, sizeof(fe->route_id));
	digest_route(&h, &fe->routes[0]);
	for (size_t i = 0; i < fe->nsrc; i++) {
		fnv(&h, &fe->src[i].pod_id, sizeof(fe->src[i].pod_id));
		digest_route(&h, &fe->routes[fe->src[i].route]);
	}
	fe->digest = h;
	return 0;
}

/* Two Services a and b claiming ip and sp's port: the error names first the one
 * blame_a() picks. */
static void clash_error(const struct sl_compile_opts *o, const struct sl_object *a,
			const struct sl_object *b, const struct sl_ip *ip_,
			const struct sl_svc_port *sp, char *err, size_t errlen)
{
	const struct sl_meta_obj *m = blame_a(o, a, b) ? &a->meta : &b->meta;
	const struct sl_meta_obj *om = m == &a->meta ? &b->meta : &a->meta;
	char ip[64];

	sl_ip_format(ip_, ip, sizeof(ip));
	snprintf(
		err, errlen,
		"%s:%d:%d: service %s/%s: %s port %u/%s is already used by service %s/%s (%s:%d:%d)",
		m->pos.file, m->pos.line, m->pos.col, m->ns, m->name, ip, sp->port,
		sp->protocol == 17 ? "UDP" : "TCP", om->ns, om->name, om->pos.file, om->pos.line,
		om->pos.col);
}

int sl_compile(const struct sl_store *st, const struct sl_compile_opts *o, struct sl_compiled *out,
	       char *err, size_t errlen)
{
	struct index ix = {};
	size_t it = 0;
	void *val;
	int ret;

	ret = build_index(st, o, &ix, err, errlen);
	if (ret)
		goto fail;
	while (sl_htab_next(&st->objs, &it, NULL, NULL, &val)) {
		const struct sl_object *obj = val;
		const struct sl_service *svc = &obj->svc;
		char key[KEYLEN];
		int n;

		if (obj->kind != SL_KIND_SERVICE || svc->type != SL_SVC_CLUSTER_IP || svc->headless)
			continue;
		n = key_of(key, svc->meta.ns, svc->meta.name);
		for (size_t i = 0; i < svc->ncluster_ips; i++) {
			for (size_t p = 0; p < svc->nports; p++) {
				const struct sl_svc_port *sp = &svc->ports[p];
				struct sl_frontend *fe = calloc(1, sizeof(*fe)), *other;

				if (!fe) {
					ret = -ENOMEM;
					goto fail;
				}
				memcpy(&fe->key.addr, svc->cluster_ips[i].b, 16);
				fe->key.port = htons(sp->port);
				fe->key.proto = sp->protocol;
				fe->svc_id = sl_svc_port_id(svc, sp);
				fe->svc = obj;
				fe->port_idx = p;
				fe->vs = sp->protocol == 6 ? sl_htab_get(&ix.vs, key, n) : NULL;
				if (o && o->l7 && sp->protocol == 6 &&
				    needs_proxy(fe->vs, sl_htab_get(&ix.dr, key, n)))
					fe->flags |= SL_SVC_F_L7;
				other = sl_htab_get(&out->fe, &fe->key, sizeof(fe->key));
				if (other) {
					clash_error(o, obj, other->svc, &svc->cluster_ips[i], sp,
						    err, errlen);
					fe_free(fe);
					ret = -EINVAL;
					goto fail;
				}
				ret = compile_frontend(&ix, fe, svc->cluster_ips[i].family, err,
						       errlen);
				if (!ret)
					ret = sl_htab_put(&out->fe, &fe->key, sizeof(fe->key), fe,
							  NULL);
				if (ret) {
					fe_free(fe);
					goto fail;
				}
				out->nslots += fe->nslots;
				out->nsrc += fe->nsrc;
				for (size_t r = 0; r < fe->nroutes; r++)
					for (uint32_t d = 0; d < fe->routes[r].ndest; d++)
						out->nmaglev += fe->routes[r].dest[d].algo ==
									SL_ALGO_MAGLEV &&
								fe->routes[r].dest[d].nbe;
			}
		}
	}
	free_index(&ix);
	return 0;
fail:
	if (ret == -ENOMEM)
		snprintf(err, errlen, "out of memory while compiling the desired state");
	free_index(&ix);
	sl_compiled_free(out);
	return ret;
}

void sl_compiled_free(struct sl_compiled *c)
{
	size_t it = 0;
	void *val;

	if (!c)
		return;
	while (sl_htab_next(&c->fe, &it, NULL, NULL, &val))
		fe_free(val);
	sl_htab_free(&c->fe);
	c->nslots = c->nsrc = c->nmaglev = 0;
}
