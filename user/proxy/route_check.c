// SPDX-License-Identifier: Apache-2.0
/* Refuses, by name, the L7 configuration this proxy does not apply (route_check.h). */
#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model/objects.h"
#include "proxy/regex.h"
#include "proxy/route_check.h"
#include "state/compile.h"

struct check {
	const struct sl_object *vs;
	const struct sl_http_route *hr;
	size_t r;
	struct sl_htab *regex;
	char *err;
	size_t errlen;
};

/* "FILE:LINE:COL: VirtualService NS/NAME: spec.http[R]." + what. */
static int refuse(const struct check *k, const char *fmt, ...)
{
	const struct sl_meta_obj *m = &k->vs->meta;
	int n = snprintf(k->err, k->errlen, "%s:%d:%d: VirtualService %s/%s: spec.http[%zu].",
			 m->pos.file, k->hr->pos.line ? k->hr->pos.line : m->pos.line,
			 k->hr->pos.line ? k->hr->pos.col : m->pos.col, m->ns, m->name, k->r);
	va_list ap;

	if (n > 0 && (size_t)n < k->errlen) {
		va_start(ap, fmt);
		vsnprintf(k->err + n, k->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int add_regex(const struct check *k, const char *pattern, const char *where)
{
	regex_t *re;
	char why[160];
	int ret;

	if (sl_htab_get(k->regex, &pattern, sizeof(pattern)))
		return 0;
	re = malloc(sizeof(*re));
	if (!re)
		return -ENOMEM;
	ret = px_regex_compile(pattern, re, why, sizeof(why));
	if (ret) {
		free(re);
		if (ret == -EINVAL)
			return refuse(k,
				      "%s: regex \"%s\" uses %s, which sluice-proxy does not match",
				      where, pattern, why);
		return ret;
	}
	if (sl_htab_put(k->regex, &pattern, sizeof(pattern), re, NULL)) {
		regfree(re);
		free(re);
		return -ENOMEM;
	}
	return 0;
}

/* uriRegexRewrite: the pattern compiled for a search (regex.h) into the table, and a
 * rewrite string RE2 takes: \0..\9 naming groups the pattern has, \\. */
static int add_rewrite(const struct check *k, const struct sl_regex_rewrite *rw)
{
	struct px_regex_sub *rx;
	const char *pattern = rw->match;
	char why[160];
	int ret;

	if (sl_htab_get(k->regex, &pattern, sizeof(pattern)))
		return 0;
	rx = malloc(sizeof(*rx));
	if (!rx)
		return -ENOMEM;
	ret = px_regex_compile_search(pattern, rx, why, sizeof(why));
	if (ret) {
		free(rx);
		if (ret == -EINVAL)
			return refuse(
				k,
				"rewrite.uriRegexRewrite.match: regex \"%s\" uses %s, which sluice-proxy does not apply in a rewrite",
				pattern, why);
		return ret;
	}
	for (const char *c = rw->rewrite; *c; c++) {
		if (*c != '\\')
			continue;
		c++;
		if (*c == '\\')
			continue;
		if (*c < '0' || *c > '9' || (unsigned int)(*c - '0') > rx->groups.n) {
			regfree(&rx->re);
			free(rx);
			if (*c >= '0' && *c <= '9')
				return refuse(
					k,
					"rewrite.uriRegexRewrite.rewrite: \\%c names a group the pattern does not have",
					*c);
			return refuse(
				k,
				"rewrite.uriRegexRewrite.rewrite: a backslash must be followed by a digit or a backslash");
		}
	}
	if (sl_htab_put(k->regex, &pattern, sizeof(pattern), rx, NULL)) {
		regfree(&rx->re);
		free(rx);
		return -ENOMEM;
	}
	return 0;
}

static int str_match(const struct check *k, const struct sl_str_match *sm, const char *where)
{
	return sm->kind == SL_SM_REGEX ? add_regex(k, sm->value, where) : 0;
}

static int named(const struct check *k, const struct sl_named_match *v, size_t n, const char *where)
{
	char w[128];
	int ret;

	for (size_t i = 0; i < n; i++) {
		snprintf(w, sizeof(w), "%s.%s", where, v[i].name);
		/* Pseudo-header matches (":path") are not looked up among the fields. */
		if (v[i].name[0] == ':')
			return refuse(
				k, "%s: pseudo-header matches are not applied by sluice-proxy", w);
		ret = str_match(k, &v[i].match, w);
		if (ret)
			return ret;
	}
	return 0;
}

/* Fields a header operation must not touch: the framing and connection management
 * of the hop, which the proxy owns, and Host (rewrite.authority changes it). */
static bool reserved_header(const char *name)
{
	static const char *const v[] = { "content-length",  "transfer-encoding",
					 "connection",	    "keep-alive",
					 "upgrade",	    "te",
					 "trailer",	    "host",
					 "proxy-connection" };

	if (name[0] == ':')
		return true;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (!strcasecmp(name, v[i]))
			return true;
	return false;
}

static int header_ops(const struct check *k, const struct sl_header_ops *o, const char *where)
{
	for (size_t i = 0; i < o->nset + o->nadd; i++) {
		const struct sl_label *l = i < o->nset ? &o->set[i] : &o->add[i - o->nset];
		const char *op = i < o->nset ? "set" : "add";

		if (reserved_header(l->key))
			return refuse(k, "%s.%s.%s: sluice-proxy does not change this header",
				      where, op, l->key);
		/* Envoy's %VARIABLE% substitutions are not implemented: a value with one
		 * would be sent literally. */
		if (strchr(l->value, '%'))
			return refuse(
				k,
				"%s.%s.%s: %%VARIABLE%% substitution is not applied by sluice-proxy",
				where, op, l->key);
	}
	for (size_t i = 0; i < o->nremove; i++)
		if (reserved_header(o->remove[i]))
			return refuse(k, "%s.remove: sluice-proxy does not change header %s", where,
				      o->remove[i]);
	return 0;
}

static int headers(const struct check *k, const struct sl_headers *h, const char *where)
{
	char w[96];
	int ret;

	snprintf(w, sizeof(w), "%s.request", where);
	ret = header_ops(k, &h->request, w);
	if (ret)
		return ret;
	snprintf(w, sizeof(w), "%s.response", where);
	return header_ops(k, &h->response, w);
}

static int check_route(struct check *k)
{
	const struct sl_http_route *hr = k->hr;
	char w[64];
	int ret;

	for (size_t m = 0; m < hr->nmatches; m++) {
		const struct sl_http_match *hm = &hr->matches[m];

		const struct {
			const struct sl_str_match *sm;
			const char *name;
		} sv[] = { { &hm->uri, "uri" },
			   { &hm->scheme, "scheme" },
			   { &hm->method, "method" },
			   { &hm->authority, "authority" } };

		for (size_t i = 0; i < sizeof(sv) / sizeof(sv[0]); i++) {
			snprintf(w, sizeof(w), "match[%zu].%s", m, sv[i].name);
			ret = str_match(k, sv[i].sm, w);
			if (ret)
				return ret;
		}
		snprintf(w, sizeof(w), "match[%zu].headers", m);
		ret = named(k, hm->headers, hm->nheaders, w);
		snprintf(w, sizeof(w), "match[%zu].withoutHeaders", m);
		if (!ret)
			ret = named(k, hm->without_headers, hm->nwithout_headers, w);
		snprintf(w, sizeof(w), "match[%zu].queryParams", m);
		if (!ret)
			ret = named(k, hm->query_params, hm->nquery_params, w);
		if (ret)
			return ret;
		/* A prefix rewrite replaces what a prefix or exact match matched; Istio
		 * refuses it on a regex match (Envoy takes no prefix rewrite there). */
		if (hr->rewrite.uri && hm->uri.kind == SL_SM_REGEX)
			return refuse(
				k,
				"rewrite.uri with a regex uri match (match[%zu]): Istio does not allow this combination; use rewrite.uriRegexRewrite",
				m);
	}
	if (hr->rewrite.uri_regex.match) {
		ret = add_rewrite(k, &hr->rewrite.uri_regex);
		if (ret)
			return ret;
	}
	if (hr->retries.retry_on & (SL_RETRY_RETRIABLE_HEADERS | SL_RETRY_ENVOY_RATELIMITED |
				    SL_RETRY_RESET_BEFORE_REQUEST))
		return refuse(
			k,
			"retries.retryOn: retriable-headers, envoy-ratelimited and reset-before-request are not applied by sluice-proxy");
	for (size_t i = 0; i < hr->cors.norigins; i++) {
		snprintf(w, sizeof(w), "corsPolicy.allowOrigins[%zu]", i);
		ret = str_match(k, &hr->cors.origins[i], w);
		if (ret)
			return ret;
	}
	ret = headers(k, &hr->headers, "headers");
	for (size_t d = 0; !ret && d < hr->nroutes; d++) {
		snprintf(w, sizeof(w), "route[%zu].headers", d);
		ret = headers(k, &hr->routes[d].headers, w);
	}
	return ret;
}

/* The first setting of one DestinationRule policy level this proxy does not apply
 * (lb.h, outlier.h, docs/architecture.md say what it applies), or NULL. */
static const char *level_unapplied(const struct sl_lb_policy *lb, const struct sl_conn_pool *pool,
				   const struct sl_outlier *od, struct sl_pos *pos)
{
	const struct sl_http_pool *hp = &pool->http;

	*pos = (struct sl_pos){ 0 };
	if (lb->hash_header_rewrite.match) {
		*pos = lb->hash_pos;
		return "loadBalancer.consistentHash.httpHeaderRegexRewrite";
	}
	/* tcp.idleTimeout is Envoy's tcp_proxy idle timeout, which Istio sets for TCP
	 * traffic only; the HTTP connections' idle timeout is http.idleTimeout. */
	*pos = pool->tcp_l7_pos;
	if (pool->idle_timeout_set)
		return "connectionPool.tcp.idleTimeout";
	*pos = hp->pos;
	if (hp->h2_upgrade == SL_H2_UPGRADE)
		return "connectionPool.http.h2UpgradePolicy";
	*pos = od->pos;
	if (od->split_local_origin || od->consecutive_local_set)
		return "outlierDetection.splitExternalLocalOriginErrors";
	return NULL;
}

static int policy_unapplied(const struct sl_object *o, const struct sl_traffic_policy *tp,
			    const char *prefix, char *err, size_t errlen)
{
	const char *f;
	struct sl_pos pos;
	char where[96];

	f = level_unapplied(&tp->lb, &tp->pool, &tp->outlier, &pos);
	snprintf(where, sizeof(where), "%s", prefix);
	for (size_t i = 0; !f && i < tp->nports; i++) {
		const struct sl_port_policy *pp = &tp->ports[i];

		f = level_unapplied(&pp->lb, &pp->pool, &pp->outlier, &pos);
		snprintf(where, sizeof(where), "%s.portLevelSettings[%zu]", prefix, i);
	}
	if (!f)
		return 0;
	if (!pos.line)
		pos = o->meta.pos;
	snprintf(
		err, errlen,
		"%s:%d:%d: DestinationRule %s/%s: %s.%s is not applied by this sluice-proxy yet; the previous snapshot stays in force",
		o->meta.pos.file, pos.line, pos.col, o->meta.ns, o->meta.name, where, f);
	return -EINVAL;
}

static int check_dr(const struct sl_object *o, char *err, size_t errlen)
{
	char prefix[64];
	int ret = policy_unapplied(o, &o->dr.policy, "spec.trafficPolicy", err, errlen);

	for (size_t i = 0; !ret && i < o->dr.nsubsets; i++) {
		snprintf(prefix, sizeof(prefix), "spec.subsets[%zu].trafficPolicy", i);
		ret = policy_unapplied(o, &o->dr.subsets[i].policy, prefix, err, errlen);
	}
	return ret;
}

int px_route_check(const struct sl_store *st, struct sl_htab *regex, char *err, size_t errlen)
{
	size_t it = 0;
	void *val;
	int ret = 0;

	while (!ret && sl_htab_next(&st->objs, &it, NULL, NULL, &val)) {
		const struct sl_object *o = val;

		if (o->kind == SL_KIND_DESTINATION_RULE) {
			ret = check_dr(o, err, errlen);
			continue;
		}
		if (o->kind != SL_KIND_VIRTUAL_SERVICE)
			continue;
		for (size_t r = 0; !ret && r < o->vs.nhttp; r++) {
			struct check k = { o, &o->vs.http[r], r, regex, err, errlen };

			ret = check_route(&k);
		}
	}
	return ret;
}

void px_regex_table_free(struct sl_htab *regex)
{
	size_t it = 0;
	void *val;

	while (sl_htab_next(regex, &it, NULL, NULL, &val)) {
		regfree(val);
		free(val);
	}
	sl_htab_free(regex);
}
