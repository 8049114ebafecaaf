// SPDX-License-Identifier: Apache-2.0
/*
 * DestinationRule connectionPool (tcp and http) and outlierDetection, with Istio's
 * validation rules (pkg/config/validation: validateConnectionPool,
 * validateOutlierDetection). Only tcp.maxConnections is enforced by the kernel; the rest
 * configures sluice-proxy's connections to destinations, and the compiler refuses it
 * while the proxy is not enabled.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/decode_int.h"
#include "model/objects.h"

static const char *const pool_keys[] = { "tcp", "http", NULL };
static const char *const tcp_keys[] = { "maxConnections",	 "connectTimeout", "tcpKeepalive",
					"maxConnectionDuration", "idleTimeout",	   NULL };
/* The tcp keys only the proxy can apply, in the order the compiler names them. */
static const char *const tcp_l7_keys[] = { "connectTimeout", "maxConnectionDuration", "idleTimeout",
					   "tcpKeepalive", NULL };
static const char *const keepalive_keys[] = { "probes", "time", "interval", NULL };
static const char *const http_keys[] = { "http1MaxPendingRequests",
					 "http2MaxRequests",
					 "maxRequestsPerConnection",
					 "maxRetries",
					 "idleTimeout",
					 "h2UpgradePolicy",
					 "useClientProtocol",
					 "maxConcurrentStreams",
					 NULL };
static const char *const outlier_keys[] = { "consecutiveErrors",
					    "splitExternalLocalOriginErrors",
					    "consecutiveLocalOriginFailures",
					    "consecutiveGatewayErrors",
					    "consecutive5xxErrors",
					    "interval",
					    "baseEjectionTime",
					    "maxEjectionPercent",
					    "minHealthPercent",
					    NULL };

/* An int32 count that must not be negative, into *out when present. */
static int f_count(struct d_ctx *c, const struct yt_node *map, const char *key, uint32_t *out)
{
	long n = 0;
	int r;

	if (!d_get(map, key))
		return 0;
	r = f_int(c, map, key, false, 0, INT32_MAX, &n);
	if (!r)
		*out = (uint32_t)n;
	return r;
}

/* A UInt32Value, remembering that it was written. */
static int f_uint32(struct d_ctx *c, const struct yt_node *map, const char *key, bool *set,
		    uint32_t *out)
{
	long n = 0;
	int r;

	if (!d_get(map, key))
		return 0;
	r = f_int(c, map, key, false, 0, UINT32_MAX, &n);
	if (!r) {
		*set = true;
		*out = (uint32_t)n;
	}
	return r;
}

static int d_keepalive(struct d_ctx *c, const struct yt_node *ka, struct sl_tcp_keepalive *k)
{
	int r;

	r = d_want_map(c, ka);
	if (!r)
		r = d_check_keys(c, ka, keepalive_keys);
	if (!r)
		r = f_count(c, ka, "probes", &k->probes);
	if (!r)
		r = f_duration(c, ka, "time", D_DUR_MS, &k->time_ns, NULL);
	if (!r)
		r = f_duration(c, ka, "interval", D_DUR_MS, &k->interval_ns, NULL);
	if (!r)
		k->set = true;
	return r;
}

static int d_tcp_pool(struct d_ctx *c, const struct yt_node *tcp, struct sl_conn_pool *pool)
{
	const struct yt_node *v;
	size_t i, mark;
	long n = 0;
	int r;

	r = d_want_map(c, tcp);
	if (!r)
		r = d_check_keys(c, tcp, tcp_keys);
	if (!r && d_get(tcp, "maxConnections")) {
		r = f_int(c, tcp, "maxConnections", false, 1, INT32_MAX, &n);
		if (!r) {
			pool->set = true;
			pool->max_connections = (uint32_t)n;
		}
	}
	if (!r)
		r = f_duration(c, tcp, "connectTimeout", D_DUR_MS, &pool->connect_timeout_ns, NULL);
	if (!r)
		r = f_duration(c, tcp, "maxConnectionDuration", D_DUR_MS,
			       &pool->max_connection_duration_ns, NULL);
	/* 0s turns the idle timeout off (Istio skips its check for it). */
	if (!r)
		r = f_duration(c, tcp, "idleTimeout", D_DUR_MS_OR_ZERO, &pool->idle_timeout_ns,
			       &pool->idle_timeout_set);
	v = r ? NULL : d_get(tcp, "tcpKeepalive");
	if (v) {
		mark = d_push_key(c, "tcpKeepalive");
		r = d_keepalive(c, v, &pool->keepalive);
		d_pop(c, mark);
	}
	for (i = 0; !r && tcp_l7_keys[i]; i++) {
		v = d_get(tcp, tcp_l7_keys[i]);
		if (v) {
			d_key_pos(c, v, &pool->tcp_l7_pos);
			break;
		}
	}
	return r;
}

static int d_h2_upgrade(struct d_ctx *c, const struct yt_node *http, struct sl_http_pool *hp)
{
	const struct yt_node *v;
	const char *s;
	size_t mark;
	int r;

	r = f_str_ref(c, http, "h2UpgradePolicy", &v, &s);
	if (r || !s)
		return r;
	mark = d_push_key(c, "h2UpgradePolicy");
	if (!strcmp(s, "DEFAULT"))
		hp->h2_upgrade = SL_H2_DEFAULT;
	else if (!strcmp(s, "DO_NOT_UPGRADE"))
		hp->h2_upgrade = SL_H2_DO_NOT_UPGRADE;
	else if (!strcmp(s, "UPGRADE"))
		hp->h2_upgrade = SL_H2_UPGRADE;
	else
		r = d_err(c, v, "\"%s\" is not a valid value (DEFAULT, DO_NOT_UPGRADE, UPGRADE)",
			  s);
	d_pop(c, mark);
	return r;
}

static int d_http_pool(struct d_ctx *c, const struct yt_node *http, struct sl_http_pool *hp)
{
	const struct yt_node *v;
	size_t mark;
	int r;

	r = d_want_map(c, http);
	if (!r)
		r = d_check_keys(c, http, http_keys);
	if (!r)
		r = f_count(c, http, "http1MaxPendingRequests", &hp->http1_max_pending_requests);
	if (!r)
		r = f_count(c, http, "http2MaxRequests", &hp->http2_max_requests);
	if (!r)
		r = f_count(c, http, "maxRequestsPerConnection", &hp->max_requests_per_connection);
	if (!r)
		r = f_count(c, http, "maxRetries", &hp->max_retries);
	if (!r)
		r = f_count(c, http, "maxConcurrentStreams", &hp->max_concurrent_streams);
	if (!r)
		r = f_duration(c, http, "idleTimeout", D_DUR_MS, &hp->idle_timeout_ns, NULL);
	if (!r)
		r = d_h2_upgrade(c, http, hp);
	if (r)
		return r;
	v = d_get(http, "useClientProtocol");
	if (v) {
		mark = d_push_key(c, "useClientProtocol");
		r = d_bool(c, v, &hp->use_client_protocol);
		if (!r && hp->use_client_protocol && hp->h2_upgrade == SL_H2_UPGRADE)
			r = d_err(c, v, "cannot be true with h2UpgradePolicy: UPGRADE");
		d_pop(c, mark);
		if (r)
			return r;
	}
	hp->set = true;
	d_key_pos(c, http, &hp->pos);
	return 0;
}

int d_conn_pool(struct d_ctx *c, const struct yt_node *cp, struct sl_conn_pool *pool)
{
	const struct yt_node *v;
	size_t mark;
	int r;

	r = d_want_map(c, cp);
	if (!r)
		r = d_check_keys(c, cp, pool_keys);
	if (r)
		return r;
	v = d_get(cp, "tcp");
	if (v) {
		mark = d_push_key(c, "tcp");
		r = d_tcp_pool(c, v, pool);
		d_pop(c, mark);
		if (r)
			return r;
	}
	v = d_get(cp, "http");
	if (!v)
		return 0;
	mark = d_push_key(c, "http");
	r = d_http_pool(c, v, &pool->http);
	d_pop(c, mark);
	return r;
}

int d_outlier(struct d_ctx *c, const struct yt_node *od, struct sl_outlier *o)
{
	long n = 0;
	int r;

	r = d_want_map(c, od);
	if (!r)
		r = d_check_keys(c, od, outlier_keys);
	if (!r)
		r = f_refuse(c, od, "consecutiveErrors",
			     "deprecated (and hidden) by Istio: use consecutive5xxErrors or "
			     "consecutiveGatewayErrors");
	if (!r)
		r = f_uint32(c, od, "consecutive5xxErrors", &o->consecutive_5xx_set,
			     &o->consecutive_5xx);
	if (!r)
		r = f_uint32(c, od, "consecutiveGatewayErrors", &o->consecutive_gateway_set,
			     &o->consecutive_gateway);
	if (!r)
		r = f_uint32(c, od, "consecutiveLocalOriginFailures", &o->consecutive_local_set,
			     &o->consecutive_local);
	if (!r && d_get(od, "splitExternalLocalOriginErrors")) {
		size_t mark = d_push_key(c, "splitExternalLocalOriginErrors");

		r = d_bool(c, d_get(od, "splitExternalLocalOriginErrors"), &o->split_local_origin);
		d_pop(c, mark);
	}
	if (!r && o->consecutive_local && !o->split_local_origin) {
		size_t mark = d_push_key(c, "consecutiveLocalOriginFailures");

		r = d_err(c, d_get(od, "consecutiveLocalOriginFailures"),
			  "needs splitExternalLocalOriginErrors: true");
		d_pop(c, mark);
	}
	if (!r)
		r = f_duration(c, od, "interval", D_DUR_MS, &o->interval_ns, NULL);
	if (!r)
		r = f_duration(c, od, "baseEjectionTime", D_DUR_MS, &o->base_ejection_ns, NULL);
	if (!r)
		r = f_int(c, od, "maxEjectionPercent", false, 0, 100, &n);
	if (r)
		return r;
	o->max_ejection_percent = (uint32_t)n;
	n = 0;
	r = f_int(c, od, "minHealthPercent", false, 0, 100, &n);
	if (r)
		return r;
	o->min_health_percent = (uint32_t)n;
	o->set = true;
	d_key_pos(c, od, &o->pos);
	return 0;
}
