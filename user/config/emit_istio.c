// SPDX-License-Identifier: Apache-2.0
/*
 * The emitter's networking.istio.io kinds: DestinationRule (subsets, traffic policies
 * with their L7 settings) and VirtualService (http and tcp routes), printed as
 * networking.istio.io/v1 whatever version was read (they are one schema). Values that
 * mean "not written" are left out, so that the output decodes back equal.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/emit_int.h"
#include "model/objects.h"

static const char *lb_simple_name(enum sl_lb_simple v)
{
	switch (v) {
	case SL_LB_UNSET:
		break;
	case SL_LB_RANDOM:
		return "RANDOM";
	case SL_LB_ROUND_ROBIN:
		return "ROUND_ROBIN";
	case SL_LB_LEAST_REQUEST:
		return "LEAST_REQUEST";
	}
	return NULL;
}

static void emit_regex_rewrite(struct emitter *e, const char *key,
			       const struct sl_regex_rewrite *rw)
{
	if (!rw->match)
		return;
	em_key(e, key);
	em_open(e, true);
	em_kv_str(e, "match", rw->match);
	em_kv_str(e, "rewrite", rw->rewrite ?: "");
	em_close(e, true);
}

static void emit_hash_key(struct emitter *e, const struct sl_lb_policy *lb)
{
	if (lb->hash_source_ip)
		em_kv_bool(e, "useSourceIp", true);
	if (lb->hash_header)
		em_kv_str(e, "httpHeaderName", lb->hash_header);
	emit_regex_rewrite(e, "httpHeaderRegexRewrite", &lb->hash_header_rewrite);
	if (lb->hash_query)
		em_kv_str(e, "httpQueryParameterName", lb->hash_query);
	if (!lb->hash_cookie_set)
		return;
	em_key(e, "httpCookie");
	em_open(e, true);
	em_kv_str(e, "name", lb->hash_cookie.name ?: "");
	if (lb->hash_cookie.path)
		em_kv_str(e, "path", lb->hash_cookie.path);
	if (lb->hash_cookie.ttl_set)
		em_kv_duration(e, "ttl", lb->hash_cookie.ttl_ns);
	em_close(e, true);
}

static void emit_lb(struct emitter *e, const struct sl_lb_policy *lb)
{
	const char *simple = lb_simple_name(lb->simple);

	if (!lb->set)
		return;
	em_key(e, "loadBalancer");
	em_open(e, true);
	if (simple)
		em_kv_str(e, "simple", simple);
	if (lb->hash_source_ip || lb->hash_header || lb->hash_cookie_set || lb->hash_query) {
		em_key(e, "consistentHash");
		em_open(e, true);
		emit_hash_key(e, lb);
		if (lb->maglev_table_size) {
			em_key(e, "maglev");
			em_open(e, true);
			em_kv_int(e, "tableSize", lb->maglev_table_size);
			em_close(e, true);
		}
		em_close(e, true);
	}
	em_close(e, true);
}

static bool pool_tcp_l7(const struct sl_conn_pool *pool)
{
	return pool->connect_timeout_ns || pool->max_connection_duration_ns ||
	       pool->idle_timeout_set || pool->keepalive.set;
}

static bool pool_says(const struct sl_conn_pool *pool)
{
	return pool->set || pool_tcp_l7(pool) || pool->http.set;
}

static const char *h2_upgrade_name(enum sl_h2_upgrade v)
{
	switch (v) {
	case SL_H2_DEFAULT:
		break;
	case SL_H2_DO_NOT_UPGRADE:
		return "DO_NOT_UPGRADE";
	case SL_H2_UPGRADE:
		return "UPGRADE";
	}
	return NULL;
}

/* Counts are printed when not 0, which reads back the same (0 is "not written"). */
static void emit_http_pool(struct emitter *e, const struct sl_http_pool *hp)
{
	const char *h2 = h2_upgrade_name(hp->h2_upgrade);

	em_key(e, "http");
	em_open(e, true);
	if (hp->http1_max_pending_requests)
		em_kv_int(e, "http1MaxPendingRequests", hp->http1_max_pending_requests);
	if (hp->http2_max_requests)
		em_kv_int(e, "http2MaxRequests", hp->http2_max_requests);
	if (hp->max_requests_per_connection)
		em_kv_int(e, "maxRequestsPerConnection", hp->max_requests_per_connection);
	if (hp->max_retries)
		em_kv_int(e, "maxRetries", hp->max_retries);
	if (hp->max_concurrent_streams)
		em_kv_int(e, "maxConcurrentStreams", hp->max_concurrent_streams);
	if (hp->idle_timeout_ns)
		em_kv_duration(e, "idleTimeout", hp->idle_timeout_ns);
	if (h2)
		em_kv_str(e, "h2UpgradePolicy", h2);
	if (hp->use_client_protocol)
		em_kv_bool(e, "useClientProtocol", true);
	em_close(e, true);
}

static void emit_pool(struct emitter *e, const struct sl_conn_pool *pool)
{
	const struct sl_tcp_keepalive *ka = &pool->keepalive;

	if (!pool_says(pool))
		return;
	em_key(e, "connectionPool");
	em_open(e, true);
	if (pool->set || pool_tcp_l7(pool)) {
		em_key(e, "tcp");
		em_open(e, true);
		if (pool->set)
			em_kv_int(e, "maxConnections", pool->max_connections);
		if (pool->connect_timeout_ns)
			em_kv_duration(e, "connectTimeout", pool->connect_timeout_ns);
		if (pool->max_connection_duration_ns)
			em_kv_duration(e, "maxConnectionDuration",
				       pool->max_connection_duration_ns);
		if (pool->idle_timeout_set)
			em_kv_duration(e, "idleTimeout", pool->idle_timeout_ns);
		if (ka->set) {
			em_key(e, "tcpKeepalive");
			em_open(e, true);
			if (ka->probes)
				em_kv_int(e, "probes", ka->probes);
			if (ka->time_ns)
				em_kv_duration(e, "time", ka->time_ns);
			if (ka->interval_ns)
				em_kv_duration(e, "interval", ka->interval_ns);
			em_close(e, true);
		}
		em_close(e, true);
	}
	if (pool->http.set)
		emit_http_pool(e, &pool->http);
	em_close(e, true);
}

static void emit_outlier(struct emitter *e, const struct sl_outlier *o)
{
	if (!o->set)
		return;
	em_key(e, "outlierDetection");
	em_open(e, true);
	if (o->consecutive_5xx_set)
		em_kv_int(e, "consecutive5xxErrors", o->consecutive_5xx);
	if (o->consecutive_gateway_set)
		em_kv_int(e, "consecutiveGatewayErrors", o->consecutive_gateway);
	if (o->split_local_origin)
		em_kv_bool(e, "splitExternalLocalOriginErrors", true);
	if (o->consecutive_local_set)
		em_kv_int(e, "consecutiveLocalOriginFailures", o->consecutive_local);
	if (o->interval_ns)
		em_kv_duration(e, "interval", o->interval_ns);
	if (o->base_ejection_ns)
		em_kv_duration(e, "baseEjectionTime", o->base_ejection_ns);
	if (o->max_ejection_percent)
		em_kv_int(e, "maxEjectionPercent", o->max_ejection_percent);
	if (o->min_health_percent)
		em_kv_int(e, "minHealthPercent", o->min_health_percent);
	em_close(e, true);
}

/* `trafficPolicy: {...}`, left out when it says nothing. */
static void emit_traffic_policy(struct emitter *e, const struct sl_traffic_policy *p)
{
	size_t i;

	if (!p->lb.set && !pool_says(&p->pool) && !p->outlier.set && !p->nports)
		return;
	em_key(e, "trafficPolicy");
	em_open(e, true);
	emit_lb(e, &p->lb);
	emit_pool(e, &p->pool);
	emit_outlier(e, &p->outlier);
	if (p->nports) {
		em_key(e, "portLevelSettings");
		em_open(e, false);
		for (i = 0; i < p->nports; i++) {
			em_open(e, true);
			em_key(e, "port");
			em_open(e, true);
			em_kv_int(e, "number", p->ports[i].port);
			em_close(e, true);
			emit_lb(e, &p->ports[i].lb);
			emit_pool(e, &p->ports[i].pool);
			emit_outlier(e, &p->ports[i].outlier);
			em_close(e, true);
		}
		em_close(e, false);
	}
	em_close(e, true);
}

/* Printed as networking.istio.io/v1 whatever version was read: they are one schema. */
void emit_dr(struct emitter *e, const struct sl_destination_rule *dr)
{
	size_t i;

	emit_head(e, "networking.istio.io/v1", "DestinationRule", &dr->meta, NULL);
	em_key(e, "spec");
	em_open(e, true);
	em_kv_str(e, "host", dr->host ?: "");
	emit_traffic_policy(e, &dr->policy);
	if (dr->nsubsets) {
		em_key(e, "subsets");
		em_open(e, false);
		for (i = 0; i < dr->nsubsets; i++) {
			const struct sl_subset *sb = &dr->subsets[i];

			em_open(e, true);
			em_kv_str(e, "name", sb->name ?: "");
			if (sb->nlabels)
				emit_label_map(e, "labels", sb->labels, sb->nlabels, NULL, NULL);
			emit_traffic_policy(e, &sb->policy);
			em_close(e, true);
		}
		em_close(e, false);
	}
	em_close(e, true);
}

static void emit_destination(struct emitter *e, const struct sl_route_dest *d)
{
	em_key(e, "destination");
	em_open(e, true);
	em_kv_str(e, "host", d->host ?: "");
	if (d->subset)
		em_kv_str(e, "subset", d->subset);
	if (d->port) {
		em_key(e, "port");
		em_open(e, true);
		em_kv_int(e, "number", d->port);
		em_close(e, true);
	}
	em_close(e, true);
}

static void emit_tcp_route(struct emitter *e, const struct sl_tcp_route *t)
{
	size_t i;

	em_open(e, true);
	if (t->nmatches) {
		em_key(e, "match");
		em_open(e, false);
		for (i = 0; i < t->nmatches; i++) {
			const struct sl_l4_match *m = &t->matches[i];

			em_open(e, true);
			if (m->port)
				em_kv_int(e, "port", m->port);
			if (m->nsource_labels)
				emit_label_map(e, "sourceLabels", m->source_labels,
					       m->nsource_labels, NULL, NULL);
			if (m->source_namespace)
				em_kv_str(e, "sourceNamespace", m->source_namespace);
			em_close(e, true);
		}
		em_close(e, false);
	}
	em_key(e, "route");
	em_open(e, false);
	for (i = 0; i < t->nroutes; i++) {
		const struct sl_route_dest *d = &t->routes[i];

		em_open(e, true);
		emit_destination(e, d);
		em_kv_int(e, "weight", d->weight);
		em_close(e, true);
	}
	em_close(e, false);
	em_close(e, true);
}

static void emit_str_match(struct emitter *e, const struct sl_str_match *m)
{
	static const char *const names[] = {
		[SL_SM_EXACT] = "exact",
		[SL_SM_PREFIX] = "prefix",
		[SL_SM_REGEX] = "regex",
	};

	em_open(e, true);
	if (m->kind == SL_SM_EXACT || m->kind == SL_SM_PREFIX || m->kind == SL_SM_REGEX)
		em_kv_str(e, names[m->kind], m->value ?: "");
	em_close(e, true);
}

static void emit_kv_str_match(struct emitter *e, const char *key, const struct sl_str_match *m)
{
	if (m->kind == SL_SM_NONE)
		return;
	em_key(e, key);
	emit_str_match(e, m);
}

static int named_cmp(const void *a, const void *b)
{
	const struct sl_named_match *x = *(const struct sl_named_match *const *)a;
	const struct sl_named_match *y = *(const struct sl_named_match *const *)b;

	return strcmp(x->name, y->name);
}

/* `key: {name: StringMatch}`, sorted by name (a map: its order carries no meaning). */
static void emit_named(struct emitter *e, const char *key, const struct sl_named_match *v, size_t n)
{
	const struct sl_named_match **sorted;
	size_t i;

	if (!n)
		return;
	sorted = calloc(n, sizeof(*sorted));
	if (!sorted) {
		e->err = e->err ?: -ENOMEM;
		return;
	}
	for (i = 0; i < n; i++)
		sorted[i] = &v[i];
	qsort(sorted, n, sizeof(*sorted), named_cmp);
	em_key(e, key);
	em_open(e, true);
	for (i = 0; i < n; i++) {
		em_key(e, sorted[i]->name);
		emit_str_match(e, &sorted[i]->match);
	}
	em_close(e, true);
	free(sorted);
}

static void emit_http_match(struct emitter *e, const struct sl_http_match *m)
{
	em_open(e, true);
	if (m->name)
		em_kv_str(e, "name", m->name);
	emit_kv_str_match(e, "uri", &m->uri);
	emit_kv_str_match(e, "scheme", &m->scheme);
	emit_kv_str_match(e, "method", &m->method);
	emit_kv_str_match(e, "authority", &m->authority);
	emit_named(e, "headers", m->headers, m->nheaders);
	emit_named(e, "withoutHeaders", m->without_headers, m->nwithout_headers);
	emit_named(e, "queryParams", m->query_params, m->nquery_params);
	if (m->port)
		em_kv_int(e, "port", m->port);
	if (m->nsource_labels)
		emit_label_map(e, "sourceLabels", m->source_labels, m->nsource_labels, NULL, NULL);
	if (m->source_namespace)
		em_kv_str(e, "sourceNamespace", m->source_namespace);
	if (m->ignore_uri_case)
		em_kv_bool(e, "ignoreUriCase", true);
	em_close(e, true);
}

static void emit_header_ops(struct emitter *e, const char *key, const struct sl_header_ops *ops)
{
	size_t i;

	if (!ops->nset && !ops->nadd && !ops->nremove)
		return;
	em_key(e, key);
	em_open(e, true);
	if (ops->nset)
		emit_label_map(e, "set", ops->set, ops->nset, NULL, NULL);
	if (ops->nadd)
		emit_label_map(e, "add", ops->add, ops->nadd, NULL, NULL);
	if (ops->nremove) {
		em_key(e, "remove");
		em_open(e, false);
		for (i = 0; i < ops->nremove; i++)
			em_str(e, ops->remove[i] ?: "");
		em_close(e, false);
	}
	em_close(e, true);
}

static void emit_headers(struct emitter *e, const struct sl_headers *h)
{
	const struct sl_header_ops *rq = &h->request, *rs = &h->response;

	if (!rq->nset && !rq->nadd && !rq->nremove && !rs->nset && !rs->nadd && !rs->nremove)
		return;
	em_key(e, "headers");
	em_open(e, true);
	emit_header_ops(e, "request", rq);
	emit_header_ops(e, "response", rs);
	em_close(e, true);
}

static void emit_redirect(struct emitter *e, const struct sl_http_redirect *rd)
{
	em_key(e, "redirect");
	em_open(e, true);
	if (rd->uri)
		em_kv_str(e, "uri", rd->uri);
	if (rd->authority)
		em_kv_str(e, "authority", rd->authority);
	if (rd->scheme)
		em_kv_str(e, "scheme", rd->scheme);
	if (rd->port_mode == SL_REDIRECT_PORT_NUMBER)
		em_kv_int(e, "port", rd->port);
	else if (rd->port_mode == SL_REDIRECT_PORT_FROM_PROTOCOL_DEFAULT)
		em_kv_str(e, "derivePort", "FROM_PROTOCOL_DEFAULT");
	else if (rd->port_mode == SL_REDIRECT_PORT_FROM_REQUEST_PORT)
		em_kv_str(e, "derivePort", "FROM_REQUEST_PORT");
	if (rd->code)
		em_kv_int(e, "redirectCode", rd->code);
	em_close(e, true);
}

static void emit_rewrite(struct emitter *e, const struct sl_http_rewrite *rw)
{
	em_key(e, "rewrite");
	em_open(e, true);
	if (rw->uri)
		em_kv_str(e, "uri", rw->uri);
	if (rw->authority)
		em_kv_str(e, "authority", rw->authority);
	emit_regex_rewrite(e, "uriRegexRewrite", &rw->uri_regex);
	em_close(e, true);
}

/* retryOn: the named conditions in enum order, then the status codes. */
static void emit_retry_on(struct emitter *e, const struct sl_http_retry *rt)
{
	static const char *const names[] = {
		"5xx",
		"gateway-error",
		"reset",
		"reset-before-request",
		"connect-failure",
		"retriable-4xx",
		"refused-stream",
		"retriable-status-codes",
		"retriable-headers",
		"envoy-ratelimited",
		"http3-post-connect-failure",
		"cancelled",
		"deadline-exceeded",
		"internal",
		"resource-exhausted",
		"unavailable",
	};
	char *buf = NULL;
	size_t i, len = 0;
	FILE *f;

	if (!rt->retry_on && !rt->nretry_codes)
		return;
	f = open_memstream(&buf, &len);
	if (!f) {
		e->err = e->err ?: -ENOMEM;
		return;
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (rt->retry_on & (1u << i))
			fprintf(f, "%s%s", ftell(f) ? "," : "", names[i]);
	for (i = 0; i < rt->nretry_codes; i++)
		fprintf(f, "%s%u", ftell(f) ? "," : "", rt->retry_codes[i]);
	if (fclose(f) || !buf) {
		free(buf);
		e->err = e->err ?: -ENOMEM;
		return;
	}
	em_kv_str(e, "retryOn", buf);
	free(buf);
}

static void emit_retries(struct emitter *e, const struct sl_http_retry *rt)
{
	em_key(e, "retries");
	em_open(e, true);
	em_kv_int(e, "attempts", rt->attempts);
	if (rt->per_try_timeout_ns)
		em_kv_duration(e, "perTryTimeout", rt->per_try_timeout_ns);
	emit_retry_on(e, rt);
	if (rt->backoff_ns)
		em_kv_duration(e, "backoff", rt->backoff_ns);
	if (rt->ignore_previous_hosts != SL_UNSET)
		em_kv_bool(e, "retryIgnorePreviousHosts", rt->ignore_previous_hosts == SL_TRUE);
	em_close(e, true);
}

static void emit_percent(struct emitter *e, const struct sl_percent *p)
{
	if (!p->set)
		return;
	em_key(e, "percentage");
	em_open(e, true);
	em_key(e, "value");
	em_double(e, p->value);
	em_close(e, true);
}

static void emit_fault(struct emitter *e, const struct sl_http_fault *f)
{
	em_key(e, "fault");
	em_open(e, true);
	if (f->delay_set) {
		em_key(e, "delay");
		em_open(e, true);
		em_kv_duration(e, "fixedDelay", f->delay_ns);
		emit_percent(e, &f->delay_pct);
		em_close(e, true);
	}
	if (f->abort_set) {
		em_key(e, "abort");
		em_open(e, true);
		em_kv_int(e, "httpStatus", f->abort_status);
		emit_percent(e, &f->abort_pct);
		em_close(e, true);
	}
	em_close(e, true);
}

/* A list the model keeps joined by "," (istio-t.h), as a sequence again. */
static void emit_joined(struct emitter *e, const char *key, const char *joined)
{
	char item[256];
	const char *p = joined, *comma;
	size_t n;

	if (!joined)
		return;
	em_key(e, key);
	em_open(e, false);
	for (;;) {
		comma = strchr(p, ',');
		n = comma ? (size_t)(comma - p) : strlen(p);
		if (n >= sizeof(item))
			n = sizeof(item) - 1; /* methods and header names are short */
		memcpy(item, p, n);
		item[n] = '\0';
		em_str(e, item);
		if (!comma)
			break;
		p = comma + 1;
	}
	em_close(e, false);
}

static void emit_cors(struct emitter *e, const struct sl_http_cors *cp)
{
	em_key(e, "corsPolicy");
	em_open(e, true);
	if (cp->norigins) {
		em_key(e, "allowOrigins");
		em_open(e, false);
		for (size_t i = 0; i < cp->norigins; i++)
			emit_str_match(e, &cp->origins[i]);
		em_close(e, false);
	}
	emit_joined(e, "allowMethods", cp->allow_methods);
	emit_joined(e, "allowHeaders", cp->allow_headers);
	emit_joined(e, "exposeHeaders", cp->expose_headers);
	if (cp->max_age_ns)
		em_kv_duration(e, "maxAge", cp->max_age_ns);
	if (cp->allow_credentials != SL_UNSET)
		em_kv_bool(e, "allowCredentials", cp->allow_credentials == SL_TRUE);
	if (cp->unmatched == SL_CORS_IGNORE)
		em_kv_str(e, "unmatchedPreflights", "IGNORE");
	em_close(e, true);
}

static void emit_http_route(struct emitter *e, const struct sl_http_route *h)
{
	size_t i;

	em_open(e, true);
	if (h->name)
		em_kv_str(e, "name", h->name);
	if (h->nmatches) {
		em_key(e, "match");
		em_open(e, false);
		for (i = 0; i < h->nmatches; i++)
			emit_http_match(e, &h->matches[i]);
		em_close(e, false);
	}
	if (h->nroutes) {
		em_key(e, "route");
		em_open(e, false);
		for (i = 0; i < h->nroutes; i++) {
			em_open(e, true);
			emit_destination(e, &h->routes[i].dest);
			if (h->routes[i].dest.weight)
				em_kv_int(e, "weight", h->routes[i].dest.weight);
			emit_headers(e, &h->routes[i].headers);
			em_close(e, true);
		}
		em_close(e, false);
	}
	if (h->redirect.set)
		emit_redirect(e, &h->redirect);
	if (h->rewrite.set)
		emit_rewrite(e, &h->rewrite);
	if (h->timeout_ns)
		em_kv_duration(e, "timeout", h->timeout_ns);
	if (h->retries.set)
		emit_retries(e, &h->retries);
	if (h->fault.set)
		emit_fault(e, &h->fault);
	if (h->cors.set)
		emit_cors(e, &h->cors);
	emit_headers(e, &h->headers);
	em_close(e, true);
}

void emit_vs(struct emitter *e, const struct sl_virtual_service *vs)
{
	size_t i;

	emit_head(e, "networking.istio.io/v1", "VirtualService", &vs->meta, NULL);
	em_key(e, "spec");
	em_open(e, true);
	em_key(e, "hosts");
	em_open(e, false);
	for (i = 0; i < vs->nhosts; i++)
		em_str(e, vs->hosts[i]);
	em_close(e, false);
	if (vs->nhttp) {
		em_key(e, "http");
		em_open(e, false);
		for (i = 0; i < vs->nhttp; i++)
			emit_http_route(e, &vs->http[i]);
		em_close(e, false);
	}
	if (vs->ntcp || !vs->nhttp) {
		em_key(e, "tcp");
		em_open(e, false);
		for (i = 0; i < vs->ntcp; i++)
			emit_tcp_route(e, &vs->tcp[i]);
		em_close(e, false);
	}
	em_close(e, true);
}
