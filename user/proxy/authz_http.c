// SPDX-License-Identifier: Apache-2.0
/*
 * L7 authorization (authz_http-t.h): Istio's rule language over one request. A rule
 * matches when each part it writes matches: `from` (any source), `to` (any operation),
 * and every `when` condition. In a source or an operation every list written must
 * match: X when some value matches, notX when none does. An attribute the request does
 * not have matches no value (so its notX matches).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "model/objects.h"
#include "proxy/authz_http.h"
#include "proxy/http1.h"
#include "proxy/snapshot.h"
#include "proxy/stats.h"
#include "proxy/worker-t.h"
#include "state/authz.h"

/* ---- the per-pod sets ------------------------------------------------------------ */

static int set_push(const struct sl_object ***v, size_t *n, const struct sl_object *o)
{
	const struct sl_object **nv = realloc(*v, (*n + 1) * sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	nv[(*n)++] = o;
	*v = nv;
	return 0;
}

static void set_free(struct px_authz_set *a)
{
	if (!a)
		return;
	free(a->deny);
	free(a->allow);
	free(a->audit);
	free(a->dry_deny);
	free(a->dry_allow);
	free(a);
}

static int set_add(struct px_authz_set *a, const struct sl_object *ap)
{
	const struct sl_authz_policy *p = &ap->ap;

	if (p->action == SL_AUTHZ_AUDIT)
		return set_push(&a->audit, &a->naudit, ap);
	if (p->dry_run)
		return p->action == SL_AUTHZ_DENY ? set_push(&a->dry_deny, &a->ndry_deny, ap)
						  : set_push(&a->dry_allow, &a->ndry_allow, ap);
	return p->action == SL_AUTHZ_DENY ? set_push(&a->deny, &a->ndeny, ap)
					  : set_push(&a->allow, &a->nallow, ap);
}

/* The AuthorizationPolicies of one namespace. */
struct ns_list {
	const struct sl_object **v;
	size_t n;
};

static void ns_index_free(struct sl_htab *by_ns)
{
	size_t it = 0;
	void *val;

	while (sl_htab_next(by_ns, &it, NULL, NULL, &val)) {
		free(((struct ns_list *)val)->v);
		free(val);
	}
	sl_htab_free(by_ns);
}

/* Adds the policies of list l that select pod to its set (created in idx when needed). */
static int pod_add(struct sl_htab *idx, const struct sl_object *pod, const struct ns_list *l,
		   const char *root_ns, struct px_authz_set **a)
{
	for (size_t i = 0; l && i < l->n; i++) {
		if (!sl_authz_selects(l->v[i], pod, root_ns))
			continue;
		if (!*a) {
			*a = calloc(1, sizeof(**a));
			if (!*a || sl_htab_put(idx, &pod, sizeof(pod), *a, NULL)) {
				set_free(*a);
				return -ENOMEM;
			}
		}
		if (set_add(*a, l->v[i]))
			return -ENOMEM;
	}
	return 0;
}

int px_authz_index(const struct sl_store *st, const char *root_ns, struct sl_htab *idx)
{
	struct sl_htab by_ns = {};
	const struct ns_list *root;
	size_t it = 0;
	void *val;
	int ret = 0;

	/* Policies by namespace: a pod only looks at its own and the root namespace's. */
	while (!ret && sl_htab_next(&st->objs, &it, NULL, NULL, &val)) {
		const struct sl_object *ap = val;
		const char *ns = ap->meta.ns;
		struct ns_list *l;

		if (ap->kind != SL_KIND_AUTHORIZATION_POLICY)
			continue;
		l = sl_htab_get(&by_ns, ns, strlen(ns));
		if (!l) {
			l = calloc(1, sizeof(*l));
			if (!l || sl_htab_put(&by_ns, ns, strlen(ns), l, NULL)) {
				free(l);
				ret = -ENOMEM;
				break;
			}
		}
		ret = set_push(&l->v, &l->n, ap);
	}
	root = root_ns ? sl_htab_get(&by_ns, root_ns, strlen(root_ns)) : NULL;
	it = 0;
	while (!ret && by_ns.used && sl_htab_next(&st->objs, &it, NULL, NULL, &val)) {
		const struct sl_object *pod = val;
		const struct ns_list *own;
		struct px_authz_set *a = NULL;

		if (pod->kind != SL_KIND_POD)
			continue;
		own = sl_htab_get(&by_ns, pod->meta.ns, strlen(pod->meta.ns));
		ret = pod_add(idx, pod, own, root_ns, &a);
		if (!ret && root != own)
			ret = pod_add(idx, pod, root, root_ns, &a);
	}
	ns_index_free(&by_ns);
	return ret;
}

void px_authz_index_free(struct sl_htab *idx)
{
	size_t it = 0;
	void *val;

	while (sl_htab_next(idx, &it, NULL, NULL, &val))
		set_free(val);
	sl_htab_free(idx);
}

/* ---- matching one value ------------------------------------------------------------- */

/* The request's view of the source and destination, worked out once per request. */
struct attrs {
	const struct px_authz_req *rq;
	bool *oom; /* set when a value could not be worked out: the request is denied */
	const char *ns; /* the source pod's namespace; NULL: not a pod */
	char principal[512]; /* empty: no principal */
};

static bool slice_eq(struct sl_str s, const char *v, size_t vl, bool icase)
{
	return s.len == vl && (icase ? !strncasecmp(s.p, v, vl) : !memcmp(s.p, v, vl));
}

/* Istio's string match on a slice (pkg/security/authz/matcher StringMatcher): "*" any
 * non-empty value, "*abc" a suffix, else "abc*" a prefix, else exact; any other '*'
 * is a literal ("*a*" is the suffix "a*"). */
static bool str_match(const char *pat, struct sl_str v, bool icase)
{
	size_t pl = strlen(pat);
	int (*ncmp)(const char *, const char *, size_t) = icase ? strncasecmp : strncmp;

	if (pl == 1 && pat[0] == '*')
		return v.len > 0;
	if (pat[0] == '*')
		return v.len >= pl - 1 && !ncmp(pat + 1, v.p + v.len - (pl - 1), pl - 1);
	if (pl && pat[pl - 1] == '*')
		return v.len >= pl - 1 && !ncmp(pat, v.p, pl - 1);
	return slice_eq(v, pat, pl, icase);
}

static bool cstr_match(const char *pat, const char *v)
{
	return v && str_match(pat, (struct sl_str){ v, strlen(v) }, false);
}

bool px_authz_host_match(const char *pattern, struct sl_str a)
{
	const char *colon;
	size_t hl;

	if (str_match(pattern, a, true))
		return true;
	/* A value with its own port ("h:80", "[v6]:80") is matched as written. */
	if (!a.len ||
	    (pattern[0] == '[' ? strstr(pattern, "]:") != NULL : strchr(pattern, ':') != NULL))
		return false;
	/* "host:port", "[v6]:port": the host without the port. */
	colon = memrchr(a.p, ':', a.len);
	if (!colon || (a.p[0] == '[' && colon < (const char *)memrchr(a.p, ']', a.len)))
		return false;
	hl = (size_t)(colon - a.p);
	for (size_t i = hl + 1; i < a.len; i++)
		if (a.p[i] < '0' || a.p[i] > '9')
			return false;
	return str_match(pattern, (struct sl_str){ a.p, hl }, true);
}

/* RFC 3986 pchar without '/', as Envoy's path templates take a segment. */
static bool seg_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr("-._~%!$&'()+,;:@=", c);
}

/* Template t (with {*} and {**} as whole segments) against p[0, n). {*}: one or more
 * segment characters; {**}: zero or more, '/' included. */
static bool tmpl_match(const char *t, const char *p, size_t n)
{
	while (*t) {
		if (!strncmp(t, "{**}", 4)) {
			t += 4;
			/* The rest of the template against every suffix {**} leaves. */
			for (size_t k = 0;; k++) {
				if (tmpl_match(t, p + k, n - k))
					return true;
				if (k == n || (p[k] != '/' && !seg_char(p[k])))
					return false;
			}
		}
		if (!strncmp(t, "{*}", 3)) {
			size_t k = 0;

			t += 3;
			while (k < n && seg_char(p[k]))
				k++;
			if (!k)
				return false;
			/* A segment is whole: what follows {*} is '/' or the end. */
			p += k;
			n -= k;
			continue;
		}
		if (!n || *t != *p)
			return false;
		t++;
		p++;
		n--;
	}
	return n == 0;
}

bool px_authz_path_match(const char *pattern, struct sl_str path)
{
	if (strstr(pattern, "{*}") || strstr(pattern, "{**}"))
		return tmpl_match(pattern, path.p ? path.p : "", path.len);
	return str_match(pattern, path, false);
}

static bool ip_in(const char *cidr, const struct sl_ip *a)
{
	struct sl_ip net;
	unsigned int plen, off, i;

	if (!a || sl_cidr_parse(cidr, &net, &plen) || net.family != a->family)
		return false;
	/* IPv4 addresses are IPv4-mapped: their prefix starts at byte 12. */
	off = net.family == 4 ? 96 : 0;
	plen += off;
	for (i = off / 8; i < plen / 8; i++)
		if (net.b[i] != a->b[i])
			return false;
	if (plen % 8) {
		uint8_t m = (uint8_t)(0xff00 >> (plen % 8));

		if ((net.b[i] & m) != (a->b[i] & m))
			return false;
	}
	return true;
}

static bool port_is(const char *s, uint16_t port)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	return *s && !*end && v == port;
}

static bool principal_match(const char *pat, const struct attrs *at)
{
	if (!strncmp(pat, "spiffe://", 9))
		pat += 9;
	return at->principal[0] && cstr_match(pat, at->principal);
}

/* ---- lists, sources, operations, conditions ------------------------------------------ */

enum what {
	W_PRINCIPAL,
	W_NAMESPACE,
	W_SRC_IP,
	W_DST_IP,
	W_PORT,
	W_HOST,
	W_METHOD,
	W_PATH,
	W_ABSENT, /* an attribute the proxy never has */
};

static bool value_match(enum what w, const char *v, const struct attrs *at)
{
	const struct px_authz_req *rq = at->rq;

	switch (w) {
	case W_PRINCIPAL:
		return principal_match(v, at);
	case W_NAMESPACE:
		return cstr_match(v, at->ns);
	case W_SRC_IP:
		return ip_in(v, rq->src);
	case W_DST_IP:
		return ip_in(v, rq->dst);
	case W_PORT:
		return port_is(v, rq->dst_port);
	case W_HOST:
		return px_authz_host_match(v, rq->m->authority);
	case W_METHOD:
		return str_match(v, rq->m->method_name, false);
	case W_PATH:
		return px_authz_path_match(v, rq->path);
	case W_ABSENT:
		return false;
	}
	return false;
}

/* A written list: some value matches (negate: none does). Not written: no constraint. */
static bool list_ok(const struct sl_strlist *l, bool negate, enum what w, const struct attrs *at)
{
	bool any = false;

	if (!l->set)
		return true;
	for (size_t i = 0; i < l->n && !any; i++)
		any = value_match(w, l->v[i], at);
	return any != negate;
}

#define PAIR(s, f, w, at) (list_ok(&(s)->f, false, w, at) && list_ok(&(s)->not_##f, true, w, at))

static bool source_ok(const struct sl_authz_source *s, const struct attrs *at)
{
	return PAIR(s, principals, W_PRINCIPAL, at) && PAIR(s, namespaces, W_NAMESPACE, at) &&
	       PAIR(s, ip_blocks, W_SRC_IP, at) && PAIR(s, remote_ip_blocks, W_SRC_IP, at) &&
	       PAIR(s, request_principals, W_ABSENT, at);
}

static bool operation_ok(const struct sl_authz_operation *op, const struct attrs *at)
{
	return PAIR(op, ports, W_PORT, at) && PAIR(op, hosts, W_HOST, at) &&
	       PAIR(op, methods, W_METHOD, at) && PAIR(op, paths, W_PATH, at);
}
#undef PAIR

/* request.headers[NAME]: every field of that name, joined with "," as Envoy's header
 * matcher sees several; matched against each value of the list. */
static bool header_list_ok(const struct sl_strlist *l, bool negate, const char *key,
			   const struct attrs *at)
{
	const struct sl_http_msg *m = at->rq->m;
	const char *name = key + strlen("request.headers[");
	size_t nl = strlen(name) - 1, count = 0, total = 0;
	struct sl_str v = { NULL, 0 };
	char *joined = NULL;
	bool any = false;

	if (!l->set)
		return true;
	for (size_t i = 0; i < m->nfields; i++)
		if (slice_eq(m->fields[i].name, name, nl, true)) {
			if (!count++)
				v = m->fields[i].value;
			total += m->fields[i].value.len + 1;
		}
	if (count > 1) {
		size_t n = 0;

		joined = malloc(total);
		if (!joined) {
			*at->oom = true;
			return false;
		}
		for (size_t i = 0; i < m->nfields; i++)
			if (slice_eq(m->fields[i].name, name, nl, true)) {
				if (n)
					joined[n++] = ',';
				memcpy(joined + n, m->fields[i].value.p, m->fields[i].value.len);
				n += m->fields[i].value.len;
			}
		v = (struct sl_str){ joined, n };
	}
	for (size_t i = 0; count && i < l->n && !any; i++)
		any = !strcmp(l->v[i], "*") ? true : str_match(l->v[i], v, false);
	free(joined);
	return any != negate;
}

static enum what cond_what(const char *key)
{
	static const struct {
		const char *key;
		enum what w;
	} keys[] = {
		{ "source.ip", W_SRC_IP },	     { "remote.ip", W_SRC_IP },
		{ "source.namespace", W_NAMESPACE }, { "source.principal", W_PRINCIPAL },
		{ "destination.ip", W_DST_IP },	     { "destination.port", W_PORT },
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(key, keys[i].key))
			return keys[i].w;
	/* request.auth.*, connection.sni, experimental.envoy.filters.*: absent. */
	return W_ABSENT;
}

static bool condition_ok(const struct sl_authz_condition *w, const struct attrs *at)
{
	enum what wh;

	if (!strncmp(w->key, "request.headers[", 16))
		return header_list_ok(&w->values, false, w->key, at) &&
		       header_list_ok(&w->not_values, true, w->key, at);
	wh = cond_what(w->key);
	return list_ok(&w->values, false, wh, at) && list_ok(&w->not_values, true, wh, at);
}

static bool rule_ok(const struct sl_authz_rule *r, const struct attrs *at)
{
	bool ok = !r->from_set;

	for (size_t i = 0; i < r->nfrom && !ok; i++)
		ok = source_ok(&r->from[i], at);
	if (!ok)
		return false;
	ok = !r->to_set;
	for (size_t i = 0; i < r->nto && !ok; i++)
		ok = operation_ok(&r->to[i], at);
	if (!ok)
		return false;
	for (size_t i = 0; i < r->nwhen; i++)
		if (!condition_ok(&r->when[i], at))
			return false;
	return true;
}

/* A policy matches when one of its rules does (Istio: no rules, no match). */
static bool policy_ok(const struct sl_object *ap, const struct attrs *at)
{
	for (size_t i = 0; i < ap->ap.nrules; i++)
		if (rule_ok(&ap->ap.rules[i], at))
			return true;
	return false;
}

static const struct sl_object *first_match(const struct sl_object *const *v, size_t n,
					   const struct attrs *at)
{
	for (size_t i = 0; i < n; i++)
		if (policy_ok(v[i], at))
			return v[i];
	return NULL;
}

static bool any_match(const struct sl_object *const *v, size_t n, const struct attrs *at)
{
	return first_match(v, n, at) != NULL;
}

bool px_authz_check(const struct px_snapshot *s, const struct px_authz_req *rq,
		    struct px_authz_result *res)
{
	const struct sl_object *dst = px_snapshot_pod(s, rq->dst), *src;
	const struct px_authz_set *a;
	bool oom = false;
	struct attrs at = { .rq = rq, .oom = &oom };

	memset(res, 0, sizeof(*res));
	a = dst ? sl_htab_get(&s->authz, &dst, sizeof(dst)) : NULL;
	if (!a)
		return false;
	src = px_snapshot_pod(s, rq->src);
	if (src) {
		at.ns = src->meta.ns;
		snprintf(at.principal, sizeof(at.principal), "%s/ns/%s/sa/%s", s->trust_domain,
			 src->meta.ns,
			 src->pod.service_account ? src->pod.service_account : "default");
	}
	res->policy = first_match(a->deny, a->ndeny, &at);
	if (res->policy)
		res->verdict = PX_AUTHZ_DENIED;
	else if (a->nallow && !any_match(a->allow, a->nallow, &at))
		res->verdict = PX_AUTHZ_DENIED;
	res->audit = first_match(a->audit, a->naudit, &at);
	res->shadow_set = a->ndry_deny || a->ndry_allow;
	res->shadow_denied = any_match(a->dry_deny, a->ndry_deny, &at) ||
			     (a->ndry_allow && !any_match(a->dry_allow, a->ndry_allow, &at));
	if (oom) {
		/* Never fail open. */
		res->verdict = PX_AUTHZ_DENIED;
		res->policy = NULL;
	}
	return true;
}

static struct sl_ip ep_ip(const struct px_ep *ep)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	struct sl_ip ip = { .family = 6 };

	memcpy(ip.b, ep->addr, 16);
	if (!memcmp(ep->addr, mapped, 12))
		ip.family = 4;
	return ip;
}

const struct px_authz_set *px_authz_set_of(const struct px_snapshot *s, const struct px_ep *ep)
{
	struct sl_ip ip = ep_ip(ep);
	const struct sl_object *pod = px_snapshot_pod(s, &ip);

	return pod ? sl_htab_get(&s->authz, &pod, sizeof(pod)) : NULL;
}

/* Reads back the head the proxy wrote for upstream, with the worker's field storage;
 * false when it cannot. */
static bool forwarded(struct px_worker *w, const char *head, size_t len, struct sl_h1_head *h)
{
	size_t want = w->cfg->limits.max_fields + 64;
	struct sl_h1_limits lim;
	struct sl_h1_parser p;

	if (w->naz_fields < want) {
		struct sl_http_field *f = realloc(w->az_fields, want * sizeof(*f));

		if (!f)
			return false;
		w->az_fields = f;
		w->naz_fields = want;
	}
	sl_h1_limits_default(&lim);
	lim.max_head = len > 16 ? len : 16;
	lim.max_uri = len ? len : 1;
	lim.max_fields = w->naz_fields;
	return !sl_h1_parser_init(&p, SL_H1_REQUEST, &lim, w->az_fields, w->naz_fields) &&
	       !sl_h1_parse_head(&p, head, len, h);
}

bool px_authz_request(struct px_worker *w, const struct px_snapshot *s, const struct sl_ip *peer,
		      const struct px_ep *ep, const char *head, size_t len,
		      const struct sl_http_msg *m)
{
	struct sl_ip dst = ep_ip(ep);
	struct sl_h1_head fh;
	struct px_authz_req rq = { .src = peer, .dst = &dst, .dst_port = ep->port };
	struct px_authz_result res;
	const char *q;

	if (!px_authz_set_of(s, ep))
		return true;
	if (forwarded(w, head, len, &fh))
		m = &fh.msg;
	q = m->path.len ? memchr(m->path.p, '?', m->path.len) : NULL;
	rq.m = m;
	rq.path = (struct sl_str){ m->path.p, q ? (size_t)(q - m->path.p) : m->path.len };
	if (!px_authz_check(s, &rq, &res))
		return true;
	if (res.audit)
		px_stat_inc(&w->stats, PX_ST_RBAC_AUDITED);
	if (res.shadow_set)
		px_stat_inc(&w->stats, res.shadow_denied ? PX_ST_RBAC_SHADOW_DENIED
							 : PX_ST_RBAC_SHADOW_ALLOWED);
	if (res.verdict == PX_AUTHZ_ALLOWED) {
		px_stat_inc(&w->stats, PX_ST_RBAC_ALLOWED);
		return true;
	}
	px_stat_inc(&w->stats, PX_ST_RBAC_DENIED);
	if (res.policy)
		pr_debug("rbac: denied by %s/%s", res.policy->meta.ns, res.policy->meta.name);
	else
		pr_debug("rbac: denied: no ALLOW policy matched");
	return false;
}
