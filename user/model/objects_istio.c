// SPDX-License-Identifier: Apache-2.0
/*
 * Lifetime, copy and comparison of the networking.istio.io kinds: DestinationRule
 * (subsets, traffic policies with their L7 settings) and VirtualService (tcp and http
 * routes). Positions are copied but never compared.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model/objects.h"
#include "model/objects_int.h"

/* ---- free ---- */

static void regex_rw_free(struct sl_regex_rewrite *rw)
{
	free(rw->match);
	free(rw->rewrite);
}

static void lb_free(struct sl_lb_policy *lb)
{
	free(lb->hash_header);
	regex_rw_free(&lb->hash_header_rewrite);
	free(lb->hash_cookie.name);
	free(lb->hash_cookie.path);
	free(lb->hash_query);
}

static void policy_free(struct sl_traffic_policy *p)
{
	size_t i;

	lb_free(&p->lb);
	for (i = 0; i < p->nports; i++)
		lb_free(&p->ports[i].lb);
	free(p->ports);
}

void ob_dr_free(struct sl_destination_rule *dr)
{
	size_t i;

	free(dr->host);
	policy_free(&dr->policy);
	for (i = 0; i < dr->nsubsets; i++) {
		free(dr->subsets[i].name);
		ob_labels_free(dr->subsets[i].labels, dr->subsets[i].nlabels);
		policy_free(&dr->subsets[i].policy);
	}
	free(dr->subsets);
}

static void route_dest_free(struct sl_route_dest *d)
{
	free(d->host);
	free(d->subset);
}

static void named_free(struct sl_named_match *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].match.value);
	}
	free(v);
}

static void header_ops_free(struct sl_header_ops *ops)
{
	size_t i;

	ob_labels_free(ops->set, ops->nset);
	ob_labels_free(ops->add, ops->nadd);
	for (i = 0; i < ops->nremove; i++)
		free(ops->remove[i]);
	free(ops->remove);
}

static void headers_free(struct sl_headers *h)
{
	header_ops_free(&h->request);
	header_ops_free(&h->response);
}

static void http_match_free(struct sl_http_match *m)
{
	free(m->name);
	free(m->uri.value);
	free(m->scheme.value);
	free(m->method.value);
	free(m->authority.value);
	named_free(m->headers, m->nheaders);
	named_free(m->without_headers, m->nwithout_headers);
	named_free(m->query_params, m->nquery_params);
	ob_labels_free(m->source_labels, m->nsource_labels);
	free(m->source_namespace);
}

static void http_route_free(struct sl_http_route *r)
{
	size_t i;

	free(r->name);
	for (i = 0; i < r->nmatches; i++)
		http_match_free(&r->matches[i]);
	free(r->matches);
	for (i = 0; i < r->nroutes; i++) {
		route_dest_free(&r->routes[i].dest);
		headers_free(&r->routes[i].headers);
	}
	free(r->routes);
	free(r->redirect.uri);
	free(r->redirect.authority);
	free(r->redirect.scheme);
	free(r->rewrite.uri);
	free(r->rewrite.authority);
	regex_rw_free(&r->rewrite.uri_regex);
	free(r->retries.retry_codes);
	headers_free(&r->headers);
	for (i = 0; i < r->cors.norigins; i++)
		free(r->cors.origins[i].value);
	free(r->cors.origins);
	free(r->cors.allow_methods);
	free(r->cors.allow_headers);
	free(r->cors.expose_headers);
}

void ob_vs_free(struct sl_virtual_service *vs)
{
	size_t i, j;

	for (i = 0; i < vs->nhosts; i++)
		free(vs->hosts[i]);
	free(vs->hosts);
	for (i = 0; i < vs->ntcp; i++) {
		struct sl_tcp_route *t = &vs->tcp[i];

		for (j = 0; j < t->nmatches; j++) {
			ob_labels_free(t->matches[j].source_labels, t->matches[j].nsource_labels);
			free(t->matches[j].source_namespace);
		}
		free(t->matches);
		for (j = 0; j < t->nroutes; j++)
			route_dest_free(&t->routes[j]);
		free(t->routes);
	}
	free(vs->tcp);
	for (i = 0; i < vs->nhttp; i++)
		http_route_free(&vs->http[i]);
	free(vs->http);
}

/* ---- clone ---- */

static void regex_rw_clone(struct sl_regex_rewrite *d, const struct sl_regex_rewrite *s, int *err)
{
	d->match = ob_dup_str(s->match, err);
	d->rewrite = ob_dup_str(s->rewrite, err);
}

/* *d holds a shallow copy of *s: every string of it is replaced, none left shared. */
static void lb_clone(struct sl_lb_policy *d, const struct sl_lb_policy *s, int *err)
{
	d->hash_header = ob_dup_str(s->hash_header, err);
	regex_rw_clone(&d->hash_header_rewrite, &s->hash_header_rewrite, err);
	d->hash_cookie.name = ob_dup_str(s->hash_cookie.name, err);
	d->hash_cookie.path = ob_dup_str(s->hash_cookie.path, err);
	d->hash_query = ob_dup_str(s->hash_query, err);
}

/* A shallow copy, then its own strings and port array. */
static void policy_clone(struct sl_traffic_policy *d, const struct sl_traffic_policy *s, int *err)
{
	size_t i;

	*d = *s;
	lb_clone(&d->lb, &s->lb, err);
	d->nports = 0;
	d->ports = ob_dup_mem(s->ports, s->nports, sizeof(*s->ports), err);
	if (!d->ports)
		return;
	d->nports = s->nports;
	for (i = 0; i < s->nports; i++)
		lb_clone(&d->ports[i].lb, &s->ports[i].lb, err);
}

void ob_dr_clone(struct sl_destination_rule *d, const struct sl_destination_rule *s, int *err)
{
	size_t i;

	d->host = ob_dup_str(s->host, err);
	policy_clone(&d->policy, &s->policy, err);
	d->subsets = ob_alloc(s->nsubsets, sizeof(*d->subsets), err);
	if (d->subsets)
		d->nsubsets = s->nsubsets;
	for (i = 0; i < d->nsubsets; i++) {
		d->subsets[i].name = ob_dup_str(s->subsets[i].name, err);
		ob_labels_clone(&d->subsets[i].labels, &d->subsets[i].nlabels, s->subsets[i].labels,
				s->subsets[i].nlabels, err);
		policy_clone(&d->subsets[i].policy, &s->subsets[i].policy, err);
	}
}

static void route_dest_clone(struct sl_route_dest *d, const struct sl_route_dest *s, int *err)
{
	d->host = ob_dup_str(s->host, err);
	d->subset = ob_dup_str(s->subset, err);
	d->port = s->port;
	d->weight = s->weight;
}

static void tcp_route_clone(struct sl_tcp_route *d, const struct sl_tcp_route *s, int *err)
{
	size_t i;

	d->matches = ob_alloc(s->nmatches, sizeof(*d->matches), err);
	if (d->matches)
		d->nmatches = s->nmatches;
	for (i = 0; i < d->nmatches; i++) {
		const struct sl_l4_match *sm = &s->matches[i];
		struct sl_l4_match *dm = &d->matches[i];

		dm->port = sm->port;
		ob_labels_clone(&dm->source_labels, &dm->nsource_labels, sm->source_labels,
				sm->nsource_labels, err);
		dm->source_namespace = ob_dup_str(sm->source_namespace, err);
	}
	d->routes = ob_alloc(s->nroutes, sizeof(*d->routes), err);
	if (d->routes)
		d->nroutes = s->nroutes;
	for (i = 0; i < d->nroutes; i++)
		route_dest_clone(&d->routes[i], &s->routes[i], err);
}

static void str_match_clone(struct sl_str_match *d, const struct sl_str_match *s, int *err)
{
	d->kind = s->kind;
	d->value = ob_dup_str(s->value, err);
}

static void named_clone(struct sl_named_match **d, size_t *dn, const struct sl_named_match *s,
			size_t n, int *err)
{
	size_t i;

	if (!n)
		return;
	*d = calloc(n, sizeof(**d));
	if (!*d) {
		*err = -ENOMEM;
		return;
	}
	*dn = n;
	for (i = 0; i < n; i++) {
		(*d)[i].name = ob_dup_str(s[i].name, err);
		str_match_clone(&(*d)[i].match, &s[i].match, err);
	}
}

static void header_ops_clone(struct sl_header_ops *d, const struct sl_header_ops *s, int *err)
{
	size_t i;

	ob_labels_clone(&d->set, &d->nset, s->set, s->nset, err);
	ob_labels_clone(&d->add, &d->nadd, s->add, s->nadd, err);
	d->remove = ob_alloc(s->nremove, sizeof(*d->remove), err);
	if (d->remove)
		d->nremove = s->nremove;
	for (i = 0; i < d->nremove; i++)
		d->remove[i] = ob_dup_str(s->remove[i], err);
}

static void headers_clone(struct sl_headers *d, const struct sl_headers *s, int *err)
{
	header_ops_clone(&d->request, &s->request, err);
	header_ops_clone(&d->response, &s->response, err);
}

static void http_match_clone(struct sl_http_match *d, const struct sl_http_match *s, int *err)
{
	d->name = ob_dup_str(s->name, err);
	str_match_clone(&d->uri, &s->uri, err);
	str_match_clone(&d->scheme, &s->scheme, err);
	str_match_clone(&d->method, &s->method, err);
	str_match_clone(&d->authority, &s->authority, err);
	named_clone(&d->headers, &d->nheaders, s->headers, s->nheaders, err);
	named_clone(&d->without_headers, &d->nwithout_headers, s->without_headers,
		    s->nwithout_headers, err);
	named_clone(&d->query_params, &d->nquery_params, s->query_params, s->nquery_params, err);
	d->port = s->port;
	ob_labels_clone(&d->source_labels, &d->nsource_labels, s->source_labels, s->nsource_labels,
			err);
	d->source_namespace = ob_dup_str(s->source_namespace, err);
	d->ignore_uri_case = s->ignore_uri_case;
}

static void cors_clone(struct sl_http_cors *d, const struct sl_http_cors *s, int *err)
{
	*d = *s;
	d->origins = NULL;
	d->norigins = 0;
	d->allow_methods = ob_dup_str(s->allow_methods, err);
	d->allow_headers = ob_dup_str(s->allow_headers, err);
	d->expose_headers = ob_dup_str(s->expose_headers, err);
	d->origins = ob_alloc(s->norigins, sizeof(*d->origins), err);
	if (d->origins)
		d->norigins = s->norigins;
	for (size_t i = 0; i < d->norigins; i++)
		str_match_clone(&d->origins[i], &s->origins[i], err);
}

/* Scalars by a shallow copy, whose pointers are all replaced before anything else. */
static void http_route_clone(struct sl_http_route *d, const struct sl_http_route *s, int *err)
{
	size_t i;

	d->pos = s->pos;
	d->name = ob_dup_str(s->name, err);
	d->redirect = s->redirect;
	d->redirect.uri = ob_dup_str(s->redirect.uri, err);
	d->redirect.authority = ob_dup_str(s->redirect.authority, err);
	d->redirect.scheme = ob_dup_str(s->redirect.scheme, err);
	d->rewrite.set = s->rewrite.set;
	d->rewrite.uri = ob_dup_str(s->rewrite.uri, err);
	d->rewrite.authority = ob_dup_str(s->rewrite.authority, err);
	regex_rw_clone(&d->rewrite.uri_regex, &s->rewrite.uri_regex, err);
	d->timeout_ns = s->timeout_ns;
	d->retries = s->retries;
	d->retries.nretry_codes = 0;
	d->retries.retry_codes = ob_dup_mem(s->retries.retry_codes, s->retries.nretry_codes,
					    sizeof(*s->retries.retry_codes), err);
	if (d->retries.retry_codes)
		d->retries.nretry_codes = s->retries.nretry_codes;
	d->fault = s->fault;
	headers_clone(&d->headers, &s->headers, err);
	cors_clone(&d->cors, &s->cors, err);
	d->matches = ob_alloc(s->nmatches, sizeof(*d->matches), err);
	if (d->matches)
		d->nmatches = s->nmatches;
	for (i = 0; i < d->nmatches; i++)
		http_match_clone(&d->matches[i], &s->matches[i], err);
	d->routes = ob_alloc(s->nroutes, sizeof(*d->routes), err);
	if (d->routes)
		d->nroutes = s->nroutes;
	for (i = 0; i < d->nroutes; i++) {
		route_dest_clone(&d->routes[i].dest, &s->routes[i].dest, err);
		headers_clone(&d->routes[i].headers, &s->routes[i].headers, err);
	}
}

void ob_vs_clone(struct sl_virtual_service *d, const struct sl_virtual_service *s, int *err)
{
	size_t i;

	d->http_pos = s->http_pos;
	d->hosts = ob_alloc(s->nhosts, sizeof(*d->hosts), err);
	if (d->hosts)
		d->nhosts = s->nhosts;
	for (i = 0; i < d->nhosts; i++)
		d->hosts[i] = ob_dup_str(s->hosts[i], err);
	d->tcp = ob_alloc(s->ntcp, sizeof(*d->tcp), err);
	if (d->tcp)
		d->ntcp = s->ntcp;
	for (i = 0; i < d->ntcp; i++)
		tcp_route_clone(&d->tcp[i], &s->tcp[i], err);
	d->http = ob_alloc(s->nhttp, sizeof(*d->http), err);
	if (d->http)
		d->nhttp = s->nhttp;
	for (i = 0; i < d->nhttp; i++)
		http_route_clone(&d->http[i], &s->http[i], err);
}

/* ---- equality ---- */

static bool regex_rw_eq(const struct sl_regex_rewrite *a, const struct sl_regex_rewrite *b)
{
	return ob_str_eq(a->match, b->match) && ob_str_eq(a->rewrite, b->rewrite);
}

static bool lb_eq(const struct sl_lb_policy *a, const struct sl_lb_policy *b)
{
	return a->set == b->set && a->simple == b->simple &&
	       a->hash_source_ip == b->hash_source_ip &&
	       a->maglev_table_size == b->maglev_table_size &&
	       ob_str_eq(a->hash_header, b->hash_header) &&
	       regex_rw_eq(&a->hash_header_rewrite, &b->hash_header_rewrite) &&
	       a->hash_cookie_set == b->hash_cookie_set &&
	       ob_str_eq(a->hash_cookie.name, b->hash_cookie.name) &&
	       ob_str_eq(a->hash_cookie.path, b->hash_cookie.path) &&
	       a->hash_cookie.ttl_set == b->hash_cookie.ttl_set &&
	       a->hash_cookie.ttl_ns == b->hash_cookie.ttl_ns &&
	       ob_str_eq(a->hash_query, b->hash_query);
}

static bool http_pool_eq(const struct sl_http_pool *a, const struct sl_http_pool *b)
{
	return a->set == b->set && a->http1_max_pending_requests == b->http1_max_pending_requests &&
	       a->http2_max_requests == b->http2_max_requests &&
	       a->max_requests_per_connection == b->max_requests_per_connection &&
	       a->max_retries == b->max_retries &&
	       a->max_concurrent_streams == b->max_concurrent_streams &&
	       a->idle_timeout_ns == b->idle_timeout_ns && a->h2_upgrade == b->h2_upgrade &&
	       a->use_client_protocol == b->use_client_protocol;
}

static bool pool_eq(const struct sl_conn_pool *a, const struct sl_conn_pool *b)
{
	return a->set == b->set && a->max_connections == b->max_connections &&
	       a->connect_timeout_ns == b->connect_timeout_ns &&
	       a->max_connection_duration_ns == b->max_connection_duration_ns &&
	       a->idle_timeout_set == b->idle_timeout_set &&
	       a->idle_timeout_ns == b->idle_timeout_ns && a->keepalive.set == b->keepalive.set &&
	       a->keepalive.probes == b->keepalive.probes &&
	       a->keepalive.time_ns == b->keepalive.time_ns &&
	       a->keepalive.interval_ns == b->keepalive.interval_ns &&
	       http_pool_eq(&a->http, &b->http);
}

static bool outlier_eq(const struct sl_outlier *a, const struct sl_outlier *b)
{
	return a->set == b->set && a->consecutive_5xx_set == b->consecutive_5xx_set &&
	       a->consecutive_5xx == b->consecutive_5xx &&
	       a->consecutive_gateway_set == b->consecutive_gateway_set &&
	       a->consecutive_gateway == b->consecutive_gateway &&
	       a->consecutive_local_set == b->consecutive_local_set &&
	       a->consecutive_local == b->consecutive_local &&
	       a->split_local_origin == b->split_local_origin && a->interval_ns == b->interval_ns &&
	       a->base_ejection_ns == b->base_ejection_ns &&
	       a->max_ejection_percent == b->max_ejection_percent &&
	       a->min_health_percent == b->min_health_percent;
}

static bool policy_eq(const struct sl_traffic_policy *a, const struct sl_traffic_policy *b)
{
	size_t i;

	if (!lb_eq(&a->lb, &b->lb) || !pool_eq(&a->pool, &b->pool) ||
	    !outlier_eq(&a->outlier, &b->outlier) || a->nports != b->nports)
		return false;
	for (i = 0; i < a->nports; i++)
		if (a->ports[i].port != b->ports[i].port ||
		    !lb_eq(&a->ports[i].lb, &b->ports[i].lb) ||
		    !pool_eq(&a->ports[i].pool, &b->ports[i].pool) ||
		    !outlier_eq(&a->ports[i].outlier, &b->ports[i].outlier))
			return false;
	return true;
}

bool ob_dr_eq(const struct sl_destination_rule *a, const struct sl_destination_rule *b)
{
	size_t i;

	if (!ob_str_eq(a->host, b->host) || !policy_eq(&a->policy, &b->policy) ||
	    a->nsubsets != b->nsubsets)
		return false;
	for (i = 0; i < a->nsubsets; i++) {
		const struct sl_subset *sa = &a->subsets[i], *sb = &b->subsets[i];

		if (!ob_str_eq(sa->name, sb->name) ||
		    !ob_labels_eq(sa->labels, sa->nlabels, sb->labels, sb->nlabels) ||
		    !policy_eq(&sa->policy, &sb->policy))
			return false;
	}
	return true;
}

static bool route_dest_eq(const struct sl_route_dest *a, const struct sl_route_dest *b)
{
	return ob_str_eq(a->host, b->host) && ob_str_eq(a->subset, b->subset) &&
	       a->port == b->port && a->weight == b->weight;
}

static bool tcp_route_eq(const struct sl_tcp_route *a, const struct sl_tcp_route *b)
{
	size_t i;

	if (a->nmatches != b->nmatches || a->nroutes != b->nroutes)
		return false;
	for (i = 0; i < a->nmatches; i++) {
		const struct sl_l4_match *ma = &a->matches[i], *mb = &b->matches[i];

		if (ma->port != mb->port ||
		    !ob_str_eq(ma->source_namespace, mb->source_namespace) ||
		    !ob_labels_eq(ma->source_labels, ma->nsource_labels, mb->source_labels,
				  mb->nsource_labels))
			return false;
	}
	for (i = 0; i < a->nroutes; i++)
		if (!route_dest_eq(&a->routes[i], &b->routes[i]))
			return false;
	return true;
}

static bool str_match_eq(const struct sl_str_match *a, const struct sl_str_match *b)
{
	return a->kind == b->kind && ob_str_eq(a->value, b->value);
}

/* As a set: names are unique within a map (the YAML reader refuses duplicate keys). */
static bool named_eq(const struct sl_named_match *a, size_t na, const struct sl_named_match *b,
		     size_t nb)
{
	size_t i, j;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++) {
		for (j = 0; j < nb; j++)
			if (ob_str_eq(a[i].name, b[j].name))
				break;
		if (j == nb || !str_match_eq(&a[i].match, &b[j].match))
			return false;
	}
	return true;
}

/* set and add as sets; remove in order (as written, like the other lists). */
static bool header_ops_eq(const struct sl_header_ops *a, const struct sl_header_ops *b)
{
	size_t i;

	if (!ob_labels_eq(a->set, a->nset, b->set, b->nset) ||
	    !ob_labels_eq(a->add, a->nadd, b->add, b->nadd) || a->nremove != b->nremove)
		return false;
	for (i = 0; i < a->nremove; i++)
		if (!ob_str_eq(a->remove[i], b->remove[i]))
			return false;
	return true;
}

static bool headers_eq(const struct sl_headers *a, const struct sl_headers *b)
{
	return header_ops_eq(&a->request, &b->request) && header_ops_eq(&a->response, &b->response);
}

static bool http_match_eq(const struct sl_http_match *a, const struct sl_http_match *b)
{
	return ob_str_eq(a->name, b->name) && str_match_eq(&a->uri, &b->uri) &&
	       str_match_eq(&a->scheme, &b->scheme) && str_match_eq(&a->method, &b->method) &&
	       str_match_eq(&a->authority, &b->authority) &&
	       named_eq(a->headers, a->nheaders, b->headers, b->nheaders) &&
	       named_eq(a->without_headers, a->nwithout_headers, b->without_headers,
			b->nwithout_headers) &&
	       named_eq(a->query_params, a->nquery_params, b->query_params, b->nquery_params) &&
	       a->port == b->port &&
	       ob_labels_eq(a->source_labels, a->nsource_labels, b->source_labels,
			    b->nsource_labels) &&
	       ob_str_eq(a->source_namespace, b->source_namespace) &&
	       a->ignore_uri_case == b->ignore_uri_case;
}

static bool percent_eq(const struct sl_percent *a, const struct sl_percent *b)
{
	return a->set == b->set && a->value == b->value;
}

static bool retry_eq(const struct sl_http_retry *a, const struct sl_http_retry *b)
{
	return a->set == b->set && a->attempts == b->attempts &&
	       a->per_try_timeout_ns == b->per_try_timeout_ns && a->retry_on == b->retry_on &&
	       a->nretry_codes == b->nretry_codes &&
	       (!a->nretry_codes || !memcmp(a->retry_codes, b->retry_codes,
					    a->nretry_codes * sizeof(*a->retry_codes))) &&
	       a->backoff_ns == b->backoff_ns &&
	       a->ignore_previous_hosts == b->ignore_previous_hosts;
}

static bool fault_eq(const struct sl_http_fault *a, const struct sl_http_fault *b)
{
	return a->set == b->set && a->delay_set == b->delay_set && a->delay_ns == b->delay_ns &&
	       percent_eq(&a->delay_pct, &b->delay_pct) && a->abort_set == b->abort_set &&
	       a->abort_status == b->abort_status && percent_eq(&a->abort_pct, &b->abort_pct);
}

/* Origins in order: the decoder keeps them as written. */
static bool cors_eq(const struct sl_http_cors *a, const struct sl_http_cors *b)
{
	if (a->set != b->set || a->norigins != b->norigins ||
	    !ob_str_eq(a->allow_methods, b->allow_methods) ||
	    !ob_str_eq(a->allow_headers, b->allow_headers) ||
	    !ob_str_eq(a->expose_headers, b->expose_headers) || a->max_age_ns != b->max_age_ns ||
	    a->allow_credentials != b->allow_credentials || a->unmatched != b->unmatched)
		return false;
	for (size_t i = 0; i < a->norigins; i++)
		if (!str_match_eq(&a->origins[i], &b->origins[i]))
			return false;
	return true;
}

static bool http_route_eq(const struct sl_http_route *a, const struct sl_http_route *b)
{
	const struct sl_http_redirect *ra = &a->redirect, *rb = &b->redirect;
	const struct sl_http_rewrite *wa = &a->rewrite, *wb = &b->rewrite;
	size_t i;

	if (!ob_str_eq(a->name, b->name) || a->nmatches != b->nmatches ||
	    a->nroutes != b->nroutes || a->timeout_ns != b->timeout_ns ||
	    !retry_eq(&a->retries, &b->retries) || !fault_eq(&a->fault, &b->fault) ||
	    !headers_eq(&a->headers, &b->headers) || !cors_eq(&a->cors, &b->cors))
		return false;
	if (ra->set != rb->set || !ob_str_eq(ra->uri, rb->uri) ||
	    !ob_str_eq(ra->authority, rb->authority) || !ob_str_eq(ra->scheme, rb->scheme) ||
	    ra->port_mode != rb->port_mode || ra->port != rb->port || ra->code != rb->code)
		return false;
	if (wa->set != wb->set || !ob_str_eq(wa->uri, wb->uri) ||
	    !ob_str_eq(wa->authority, wb->authority) ||
	    !regex_rw_eq(&wa->uri_regex, &wb->uri_regex))
		return false;
	/* Matches are alternatives, but compared in order as the decoder keeps them. */
	for (i = 0; i < a->nmatches; i++)
		if (!http_match_eq(&a->matches[i], &b->matches[i]))
			return false;
	for (i = 0; i < a->nroutes; i++)
		if (!route_dest_eq(&a->routes[i].dest, &b->routes[i].dest) ||
		    !headers_eq(&a->routes[i].headers, &b->routes[i].headers))
			return false;
	return true;
}

bool ob_vs_eq(const struct sl_virtual_service *a, const struct sl_virtual_service *b)
{
	size_t i;

	if (a->nhosts != b->nhosts || a->ntcp != b->ntcp || a->nhttp != b->nhttp)
		return false;
	for (i = 0; i < a->nhosts; i++)
		if (!ob_str_eq(a->hosts[i], b->hosts[i]))
			return false;
	/* Route order is meaning (the first match wins): compared in order. */
	for (i = 0; i < a->ntcp; i++)
		if (!tcp_route_eq(&a->tcp[i], &b->tcp[i]))
			return false;
	for (i = 0; i < a->nhttp; i++)
		if (!http_route_eq(&a->http[i], &b->http[i]))
			return false;
	return true;
}
