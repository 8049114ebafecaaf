// SPDX-License-Identifier: Apache-2.0
/*
 * networking.istio.io DestinationRule: the host's subsets and their traffic policies:
 * what the kernel applies at connect time (load-balancing choice, source-IP Maglev
 * hashing, a connection cap) and what only sluice-proxy can (HTTP hash keys; connection
 * pool and outlier settings, in decode_dr_pool.c). mTLS, tunnels, the PROXY protocol,
 * retry budgets, locality load balancing, warmup and ring hashing are refused by name.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/decode_int.h"
#include "model/objects.h"

static const char *const dr_top_keys[] = {
	"apiVersion", "kind", "metadata", "spec", "status", NULL
};

static const char *const dr_spec_keys[] = { "host",	"trafficPolicy",    "subsets",
					    "exportTo", "workloadSelector", NULL };

/* Every field of TrafficPolicy (istio.io/api networking/v1alpha3, 1.26). */
static const char *const tp_keys[] = {
	"loadBalancer", "connectionPool", "outlierDetection", "tls", "portLevelSettings",
	"tunnel",	"proxyProtocol",  "retryBudget",      NULL,
};

/* TrafficPolicy.PortTrafficPolicy */
static const char *const port_tp_keys[] = {
	"port", "loadBalancer", "connectionPool", "outlierDetection", "tls", NULL
};

static const char *const lb_keys[] = {
	"simple", "consistentHash", "localityLbSetting", "warmupDurationSecs", "warmup", NULL
};

static const char *const ch_keys[] = { "httpHeaderName",
				       "httpCookie",
				       "useSourceIp",
				       "httpQueryParameterName",
				       "ringHash",
				       "maglev",
				       "minimumRingSize",
				       "httpHeaderRegexRewrite",
				       NULL };
/* The oneof hash_key: at most one may be written. */
static const char *const hash_keys[] = { "useSourceIp", "httpHeaderName", "httpCookie",
					 "httpQueryParameterName", NULL };
static const char *const cookie_keys[] = { "name", "path", "ttl", NULL };

static const char *const maglev_keys[] = { "tableSize", NULL };
static const char *const subset_keys[] = { "name", "labels", "trafficPolicy", NULL };
static const char *const port_sel_keys[] = { "number", NULL };
#define RING_HASH                                                                                  \
	"ring hash is not supported (Sluice hashes with Maglev: use consistentHash.maglev)"

/* Maglev needs a prime table size (Envoy checks it too); trial division is plenty for
 * numbers below 2^17. */
static bool is_prime(long n)
{
	long d;

	if (n < 2)
		return false;
	for (d = 2; d * d <= n; d++)
		if (n % d == 0)
			return false;
	return true;
}

static int d_maglev(struct d_ctx *c, const struct yt_node *m, struct sl_lb_policy *lb)
{
	const struct yt_node *v;
	size_t mark;
	long n = 0;
	int r;

	r = d_want_map(c, m);
	if (!r)
		r = d_check_keys(c, m, maglev_keys);
	if (!r)
		r = f_int(c, m, "tableSize", false, 1, 65537, &n);
	if (r || !n)
		return r;
	v = d_get(m, "tableSize");
	if (!is_prime(n)) {
		mark = d_push_key(c, "tableSize");
		r = d_err(c, v, "%ld is not a prime number (Maglev needs a prime table size)", n);
		d_pop(c, mark);
		return r;
	}
	lb->maglev_table_size = (uint32_t)n;
	return 0;
}

static int d_cookie(struct d_ctx *c, const struct yt_node *ck, struct sl_hash_cookie *hc)
{
	int r;

	r = d_want_map(c, ck);
	if (!r)
		r = d_check_keys(c, ck, cookie_keys);
	if (!r)
		r = f_str(c, ck, "name", true, &hc->name);
	if (!r && !hc->name[0])
		r = d_missing(c, ck, "name");
	if (!r)
		r = f_str(c, ck, "path", false, &hc->path);
	if (!r && hc->path && !hc->path[0]) {
		free(hc->path); /* "" is protobuf's "not set" */
		hc->path = NULL;
	}
	/* 0s is meaningful: a session cookie. */
	if (!r)
		r = f_duration(c, ck, "ttl", D_DUR_ANY, &hc->ttl_ns, &hc->ttl_set);
	return r;
}

/* httpHeaderName or httpQueryParameterName: a non-empty name ("" is not set). */
static int f_hash_name(struct d_ctx *c, const struct yt_node *ch, const char *key, bool header,
		       char **out)
{
	size_t mark;
	int r;

	r = f_str(c, ch, key, false, out);
	if (r || !*out)
		return r;
	mark = d_push_key(c, key);
	if (!(*out)[0])
		r = d_err(c, d_get(ch, key), "cannot be empty");
	else if (header && !d_header_name_ok(*out))
		r = d_err(c, d_get(ch, key), "\"%s\" is not a valid HTTP header name", *out);
	d_pop(c, mark);
	return r;
}

static int d_consistent_hash(struct d_ctx *c, const struct yt_node *ch, struct sl_lb_policy *lb)
{
	const struct yt_node *v, *key = NULL;
	size_t i, mark;
	int r;

	r = d_want_map(c, ch);
	if (!r)
		r = d_check_keys(c, ch, ch_keys);
	if (!r)
		r = f_refuse(c, ch, "ringHash", RING_HASH);
	if (!r)
		r = f_refuse(c, ch, "minimumRingSize", RING_HASH);
	for (i = 0; !r && hash_keys[i]; i++) {
		v = d_get(ch, hash_keys[i]);
		if (!v)
			continue;
		if (key) {
			mark = d_push_key(c, hash_keys[i]);
			r = d_err_key(c, v,
				      "only one hash key can be set (useSourceIp, httpHeaderName, "
				      "httpCookie, httpQueryParameterName)");
			d_pop(c, mark);
		}
		key = v;
	}
	if (r)
		return r;
	v = d_get(ch, "useSourceIp");
	if (v) {
		mark = d_push_key(c, "useSourceIp");
		r = d_bool(c, v, &lb->hash_source_ip);
		d_pop(c, mark);
		if (r)
			return r;
	}
	r = f_hash_name(c, ch, "httpHeaderName", true, &lb->hash_header);
	if (!r)
		r = f_hash_name(c, ch, "httpQueryParameterName", false, &lb->hash_query);
	if (!r)
		r = f_regex_rewrite(c, ch, "httpHeaderRegexRewrite", &lb->hash_header_rewrite);
	if (!r && lb->hash_header_rewrite.match && !lb->hash_header)
		r = f_refuse(c, ch, "httpHeaderRegexRewrite", "applies only with httpHeaderName");
	if (r)
		return r;
	v = d_get(ch, "httpCookie");
	if (v) {
		mark = d_push_key(c, "httpCookie");
		r = d_cookie(c, v, &lb->hash_cookie);
		d_pop(c, mark);
		if (r)
			return r;
		lb->hash_cookie_set = true;
	}
	if (key && key != d_get(ch, "useSourceIp"))
		d_key_pos(c, key, &lb->hash_pos);
	v = d_get(ch, "maglev");
	if (v) {
		mark = d_push_key(c, "maglev");
		r = d_maglev(c, v, lb);
		d_pop(c, mark);
		if (r)
			return r;
	}
	/* useSourceIp: false, or only maglev: there is nothing to hash, and silently
	 * falling back to random would not be what was asked for. */
	if (!lb->hash_source_ip && !lb->hash_header && !lb->hash_cookie_set && !lb->hash_query)
		return d_err(c, ch,
			     "consistentHash needs a hash key (useSourceIp: true, httpHeaderName, "
			     "httpCookie or httpQueryParameterName)");
	return 0;
}

static int d_simple(struct d_ctx *c, const struct yt_node *lbn, struct sl_lb_policy *lb)
{
	static const struct {
		const char *name;
		enum sl_lb_simple v;
	} simple[] = {
		{ "UNSPECIFIED", SL_LB_UNSET },
		{ "RANDOM", SL_LB_RANDOM },
		{ "ROUND_ROBIN", SL_LB_ROUND_ROBIN },
		{ "LEAST_REQUEST", SL_LB_LEAST_REQUEST },
		/* Deprecated by Istio in favour of LEAST_REQUEST, and the same to Envoy. */
		{ "LEAST_CONN", SL_LB_LEAST_REQUEST },
	};
	const struct yt_node *v;
	const char *s;
	size_t i, mark;
	int r;

	r = f_str_ref(c, lbn, "simple", &v, &s);
	if (r || !s)
		return r;
	mark = d_push_key(c, "simple");
	for (i = 0; i < sizeof(simple) / sizeof(simple[0]); i++)
		if (!strcmp(s, simple[i].name))
			break;
	if (i < sizeof(simple) / sizeof(simple[0]))
		lb->simple = simple[i].v;
	else if (!strcmp(s, "PASSTHROUGH"))
		r = d_err(c, v,
			  "PASSTHROUGH is not supported (Sluice always picks an endpoint of the "
			  "service)");
	else
		r = d_err(c, v,
			  "\"%s\" is not a valid value (UNSPECIFIED, RANDOM, ROUND_ROBIN, "
			  "LEAST_REQUEST, LEAST_CONN)",
			  s);
	d_pop(c, mark);
	return r;
}

static int d_load_balancer(struct d_ctx *c, const struct yt_node *lbn, struct sl_lb_policy *lb)
{
	const struct yt_node *ch;
	size_t mark;
	int r;

	r = d_want_map(c, lbn);
	if (!r)
		r = d_check_keys(c, lbn, lb_keys);
	if (!r)
		r = f_refuse(c, lbn, "localityLbSetting",
			     "locality-aware load balancing is not supported");
	if (!r)
		r = f_refuse(c, lbn, "warmupDurationSecs", "slow start (warmup) is not supported");
	if (!r)
		r = f_refuse(c, lbn, "warmup", "slow start (warmup) is not supported");
	if (!r)
		r = d_simple(c, lbn, lb);
	if (r)
		return r;
	lb->set = true;
	ch = d_get(lbn, "consistentHash");
	if (!ch)
		return 0;
	mark = d_push_key(c, "consistentHash");
	/* One oneof in the API: protobuf refuses both, even with simple: UNSPECIFIED. */
	if (d_get(lbn, "simple"))
		r = d_err(c, ch, "simple and consistentHash cannot be used together");
	else
		r = d_consistent_hash(c, ch, lb);
	d_pop(c, mark);
	return r;
}

/* loadBalancer, connectionPool and outlierDetection of `map` (a TrafficPolicy or a
 * PortTrafficPolicy), and the refusals both share. */
static int d_policy_common(struct d_ctx *c, const struct yt_node *map, struct sl_lb_policy *lb,
			   struct sl_conn_pool *pool, struct sl_outlier *outlier)
{
	const struct yt_node *v;
	size_t mark;
	int r;

	r = f_refuse(c, map, "tls", "TLS to the destination (mutual TLS) is not supported yet");
	if (r)
		return r;
	v = d_get(map, "outlierDetection");
	if (v) {
		mark = d_push_key(c, "outlierDetection");
		r = d_outlier(c, v, outlier);
		d_pop(c, mark);
		if (r)
			return r;
	}
	v = d_get(map, "loadBalancer");
	if (v) {
		mark = d_push_key(c, "loadBalancer");
		r = d_load_balancer(c, v, lb);
		d_pop(c, mark);
		if (r)
			return r;
	}
	v = d_get(map, "connectionPool");
	if (v) {
		mark = d_push_key(c, "connectionPool");
		r = d_conn_pool(c, v, pool);
		d_pop(c, mark);
	}
	return r;
}

static int d_port_policy(struct d_ctx *c, const struct yt_node *pm, struct sl_port_policy *pp)
{
	const struct yt_node *port;
	size_t mark;
	long n = 0;
	int r;

	r = d_want_map(c, pm);
	if (!r)
		r = d_check_keys(c, pm, port_tp_keys);
	if (r)
		return r;
	port = d_get(pm, "port");
	if (!port)
		return d_missing(c, pm, "port");
	mark = d_push_key(c, "port");
	r = d_want_map(c, port);
	if (!r)
		r = d_check_keys(c, port, port_sel_keys);
	if (!r)
		r = f_int(c, port, "number", true, 1, 65535, &n);
	d_pop(c, mark);
	if (r)
		return r;
	pp->port = (uint16_t)n;
	return d_policy_common(c, pm, &pp->lb, &pp->pool, &pp->outlier);
}

static int d_port_policies(struct d_ctx *c, const struct yt_node *seq, struct sl_traffic_policy *p)
{
	size_t i, j, mark;
	int r;

	r = d_want_seq(c, seq);
	if (r || !seq->n)
		return r;
	p->ports = calloc(seq->n, sizeof(*p->ports));
	if (!p->ports)
		return d_nomem(c);
	for (i = 0; i < seq->n; i++) {
		const struct yt_node *pm = seq->items[i];

		mark = d_push_idx(c, i);
		p->nports++;
		r = d_port_policy(c, pm, &p->ports[i]);
		for (j = 0; !r && j < i; j++) {
			if (p->ports[j].port != p->ports[i].port)
				continue;
			d_push_key(c, "port");
			d_push_key(c, "number");
			r = d_err(c, d_get(d_get(pm, "port"), "number"),
				  "port %u is already set in portLevelSettings[%zu]",
				  p->ports[i].port, j);
		}
		d_pop(c, mark);
		if (r)
			return r;
	}
	return 0;
}

static int d_traffic_policy(struct d_ctx *c, const struct yt_node *tp, struct sl_traffic_policy *p)
{
	const struct yt_node *v;
	size_t mark;
	int r;

	r = d_want_map(c, tp);
	if (!r)
		r = d_check_keys(c, tp, tp_keys);
	if (!r)
		r = f_refuse(c, tp, "tunnel", "tunneling is not supported");
	if (!r)
		r = f_refuse(c, tp, "proxyProtocol", "the PROXY protocol is not supported");
	if (!r)
		r = f_refuse(c, tp, "retryBudget",
			     "retry budgets need the L7 proxy, not supported yet");
	if (!r)
		r = d_policy_common(c, tp, &p->lb, &p->pool, &p->outlier);
	if (r)
		return r;
	v = d_get(tp, "portLevelSettings");
	if (!v)
		return 0;
	mark = d_push_key(c, "portLevelSettings");
	r = d_port_policies(c, v, p);
	d_pop(c, mark);
	return r;
}

/* trafficPolicy field of `map`, when present. */
static int f_traffic_policy(struct d_ctx *c, const struct yt_node *map, struct sl_traffic_policy *p)
{
	const struct yt_node *v = d_get(map, "trafficPolicy");
	size_t mark;
	int r;

	if (!v)
		return 0;
	mark = d_push_key(c, "trafficPolicy");
	r = d_traffic_policy(c, v, p);
	d_pop(c, mark);
	return r;
}

static int d_subset(struct d_ctx *c, const struct yt_node *sm, struct sl_subset *s)
{
	const struct yt_node *v;
	size_t mark;
	int r;

	r = d_want_map(c, sm);
	if (!r)
		r = d_check_keys(c, sm, subset_keys);
	if (!r)
		r = f_str(c, sm, "name", true, &s->name);
	if (r)
		return r;
	mark = d_push_key(c, "name");
	r = d_check_name(c, d_get(sm, "name"), s->name, D_NAME_LABEL);
	d_pop(c, mark);
	if (r)
		return r;
	/* No labels (or {}) selects every endpoint of the host, as in Istio. */
	v = d_get(sm, "labels");
	if (v) {
		mark = d_push_key(c, "labels");
		r = d_label_map(c, v, &s->labels, &s->nlabels);
		d_pop(c, mark);
		if (r)
			return r;
	}
	return f_traffic_policy(c, sm, &s->policy);
}

static int d_subsets(struct d_ctx *c, const struct yt_node *seq, struct sl_destination_rule *dr)
{
	size_t i, j, mark;
	int r;

	r = d_want_seq(c, seq);
	if (r || !seq->n)
		return r;
	dr->subsets = calloc(seq->n, sizeof(*dr->subsets));
	if (!dr->subsets)
		return d_nomem(c);
	for (i = 0; i < seq->n; i++) {
		const struct yt_node *sm = seq->items[i];

		mark = d_push_idx(c, i);
		dr->nsubsets++;
		r = d_subset(c, sm, &dr->subsets[i]);
		for (j = 0; !r && j < i; j++) {
			if (strcmp(dr->subsets[j].name, dr->subsets[i].name))
				continue;
			d_push_key(c, "name");
			r = d_err(c, d_get(sm, "name"), "duplicate subset name \"%s\"",
				  dr->subsets[i].name);
		}
		d_pop(c, mark);
		if (r)
			return r;
	}
	return 0;
}

static int d_dr_spec(struct d_ctx *c, const struct yt_node *spec, struct sl_destination_rule *dr)
{
	const struct yt_node *v;
	size_t mark;
	int r;

	r = d_want_map(c, spec);
	if (!r)
		r = d_check_keys(c, spec, dr_spec_keys);
	if (r)
		return r;
	v = d_get(spec, "host");
	if (!v)
		return d_missing(c, spec, "host");
	mark = d_push_key(c, "host");
	r = d_istio_host(c, v, &dr->host);
	d_pop(c, mark);
	if (!r)
		r = f_refuse(
			c, spec, "workloadSelector",
			"workload selectors are not supported (a rule applies to every client)");
	if (!r)
		r = f_export_to(c, spec);
	if (!r)
		r = f_traffic_policy(c, spec, &dr->policy);
	if (r)
		return r;
	v = d_get(spec, "subsets");
	if (!v)
		return 0;
	mark = d_push_key(c, "subsets");
	r = d_subsets(c, v, dr);
	d_pop(c, mark);
	return r;
}

static int d_destination_rule_spec(struct d_ctx *c, const struct yt_node *spec, struct sl_object *o)
{
	return d_dr_spec(c, spec, &o->dr);
}

int d_destination_rule(struct d_ctx *c, const struct yt_node *root, struct sl_object *o)
{
	/* status (Istio's validation and reconciliation conditions) is read past. */
	return d_object_with_spec(c, root, dr_top_keys, D_NAME_SUBDOMAIN, o,
				  d_destination_rule_spec);
}
