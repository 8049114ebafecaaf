/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Istio traffic configuration (networking.istio.io v1, v1beta1, v1alpha3) as plain C
 * values: the parts the kernel enforces at connect time, and the L7 parts (HTTP routes,
 * HTTP load-balancing keys, connection pool and outlier settings) that only sluice-proxy
 * can apply. The decoder checks the L7 values as Istio's validation does and keeps them
 * as written; the compiler (user/state/compile.c) refuses them while the proxy is not
 * enabled. Fields neither can apply are refused by the decoder, by name.
 *
 * Conventions: durations are nanoseconds (uint64_t), 0 meaning "not written" wherever
 * Istio's validation requires at least 1ms (a `_set` flag sits beside the few that may
 * be 0); regular expressions are kept as written, in RE2 syntax (checked by the decoder,
 * user/config/decode_regex.c); percentages are doubles in 0..100. Positions (struct
 * sl_pos) of L7 settings are for messages only: their `file` is the decoder's, not kept
 * alive by the store, so messages use the object's meta.pos.file with their line:col.
 * Included by objects-t.h (struct sl_meta_obj, struct sl_label, struct sl_pos, enum
 * sl_tristate come from there).
 */
#ifndef SLUICE_MODEL_ISTIO_T_H
#define SLUICE_MODEL_ISTIO_T_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sl_lb_simple {
	SL_LB_UNSET = 0, /* inherit (rule level: the default, RANDOM at L4) */
	SL_LB_RANDOM,
	SL_LB_ROUND_ROBIN,
	SL_LB_LEAST_REQUEST, /* also Istio's deprecated LEAST_CONN */
};

/* RegexRewrite: `match` (RE2) replaced by `rewrite` (\1.. refer to groups). Both NULL when
 * not written; both set (and non-empty) when written. */
struct sl_regex_rewrite {
	char *match;
	char *rewrite;
};

/* consistentHash.httpCookie (L7). */
struct sl_hash_cookie {
	char *name; /* never empty */
	char *path; /* NULL = not written */
	bool ttl_set; /* ttl written; 0 is a session cookie */
	uint64_t ttl_ns;
};

/* trafficPolicy.loadBalancer: `simple` and `consistentHash` are exclusive, and so are the
 * hash keys (useSourceIp, httpHeaderName, httpCookie, httpQueryParameterName). */
struct sl_lb_policy {
	bool set; /* loadBalancer was written at this level */
	enum sl_lb_simple simple;
	bool hash_source_ip; /* consistentHash.useSourceIp: true */
	uint32_t maglev_table_size; /* consistentHash.maglev.tableSize, 0 = default */
	/* HTTP hash keys (L7); at most one is set, and then hash_source_ip is false. */
	char *hash_header; /* httpHeaderName */
	struct sl_regex_rewrite hash_header_rewrite; /* httpHeaderRegexRewrite (with a header) */
	bool hash_cookie_set;
	struct sl_hash_cookie hash_cookie; /* httpCookie */
	char *hash_query; /* httpQueryParameterName */
	struct sl_pos hash_pos; /* the HTTP key's key, for messages; line 0 = none */
};

/* connectionPool.http.h2UpgradePolicy */
enum sl_h2_upgrade {
	SL_H2_DEFAULT = 0, /* the mesh-wide default */
	SL_H2_DO_NOT_UPGRADE,
	SL_H2_UPGRADE,
};

/* trafficPolicy.connectionPool.http (L7). Counts are as written: 0 is Istio's default
 * (2^32-1 for the limits, unlimited requests per connection). */
struct sl_http_pool {
	bool set; /* `http` was written at this level */
	uint32_t http1_max_pending_requests;
	uint32_t http2_max_requests;
	uint32_t max_requests_per_connection; /* 1 disables keep-alive */
	uint32_t max_retries;
	uint32_t max_concurrent_streams;
	uint64_t idle_timeout_ns; /* 0 = not written (1h) */
	enum sl_h2_upgrade h2_upgrade;
	bool use_client_protocol; /* never with SL_H2_UPGRADE */
	struct sl_pos pos;
};

/* connectionPool.tcp.tcpKeepalive (L7: the proxy's sockets to destinations). */
struct sl_tcp_keepalive {
	bool set;
	uint32_t probes; /* 0 = the OS's */
	uint64_t time_ns; /* 0 = the OS's */
	uint64_t interval_ns; /* 0 = the OS's */
};

/* trafficPolicy.connectionPool */
struct sl_conn_pool {
	bool set; /* tcp.maxConnections was written at this level */
	uint32_t max_connections;
	/* L7: settings of the proxy's connections to destinations. */
	uint64_t connect_timeout_ns; /* tcp.connectTimeout, 0 = not written (10s) */
	uint64_t max_connection_duration_ns; /* tcp.maxConnectionDuration, 0 = not written */
	bool idle_timeout_set; /* tcp.idleTimeout written; 0 disables it */
	uint64_t idle_timeout_ns;
	struct sl_tcp_keepalive keepalive;
	struct sl_pos tcp_l7_pos; /* the first of the tcp L7 keys; line 0 = none */
	struct sl_http_pool http;
};

/* trafficPolicy.outlierDetection (L7: passive health checking of endpoints). The
 * UInt32Value counts remember whether they were written (0 disables a detector). */
struct sl_outlier {
	bool set; /* outlierDetection was written at this level */
	bool consecutive_5xx_set;
	uint32_t consecutive_5xx; /* consecutive5xxErrors (default 5) */
	bool consecutive_gateway_set;
	uint32_t consecutive_gateway; /* consecutiveGatewayErrors (default off) */
	bool consecutive_local_set; /* only with split_local_origin */
	uint32_t consecutive_local; /* consecutiveLocalOriginFailures (default 5) */
	bool split_local_origin; /* splitExternalLocalOriginErrors */
	uint64_t interval_ns; /* 0 = not written (10s) */
	uint64_t base_ejection_ns; /* baseEjectionTime, 0 = not written (30s) */
	uint32_t max_ejection_percent; /* 0..100, 0 = not written (10%) */
	uint32_t min_health_percent; /* 0..100, 0 = disabled (the default) */
	struct sl_pos pos;
};

struct sl_port_policy {
	uint16_t port; /* portLevelSettings[].port.number */
	struct sl_lb_policy lb;
	struct sl_conn_pool pool;
	struct sl_outlier outlier;
};

struct sl_traffic_policy {
	struct sl_lb_policy lb;
	struct sl_conn_pool pool;
	struct sl_outlier outlier;
	struct sl_port_policy *ports;
	size_t nports;
};

struct sl_subset {
	char *name;
	struct sl_label *labels; /* the endpoints whose Pod carries all of them */
	size_t nlabels;
	struct sl_traffic_policy policy; /* overrides the rule's, field by field */
};

struct sl_destination_rule {
	struct sl_meta_obj meta;
	char *host; /* as written: "reviews", "reviews.ns", "reviews.ns.svc.cluster.local" */
	struct sl_traffic_policy policy;
	struct sl_subset *subsets;
	size_t nsubsets;
};

/* VirtualService tcp[].match[] */
struct sl_l4_match {
	uint16_t port; /* 0 = any */
	struct sl_label *source_labels; /* the client Pod carries all of them; none = any */
	size_t nsource_labels;
	char *source_namespace; /* NULL = any */
};

/* VirtualService tcp[].route[] and, in struct sl_http_dest, http[].route[] */
struct sl_route_dest {
	char *host;
	char *subset; /* NULL = all endpoints */
	uint16_t port; /* destination.port.number, 0 = not written */
	/* tcp: a percentage 0..100 (a single route gets 100). http: the relative weight as
	 * written (a destination gets weight/sum; a single one gets everything). */
	uint32_t weight;
};

struct sl_tcp_route {
	struct sl_l4_match *matches; /* none = matches everything */
	size_t nmatches;
	struct sl_route_dest *routes; /* >= 1; weights sum to 100 */
	size_t nroutes;
};

/* StringMatch: one of exact, prefix, regex; or `{}`. */
enum sl_str_match_kind {
	SL_SM_NONE = 0, /* not written */
	SL_SM_EXACT, /* value may be "" (protobuf's oneof keeps it) */
	SL_SM_PREFIX,
	SL_SM_REGEX, /* RE2 syntax, matched against the whole value */
	SL_SM_ANY, /* `{}`: headers and queryParams: present with any value (withoutHeaders:
		    * absent); uri, scheme, method, authority: anything */
};

struct sl_str_match {
	enum sl_str_match_kind kind;
	char *value; /* NULL for SL_SM_NONE and SL_SM_ANY */
};

/* One entry of a name -> StringMatch map (headers, withoutHeaders, queryParams); the
 * entries of a map are a set (names unique, their order carries no meaning). */
struct sl_named_match {
	char *name;
	struct sl_str_match match; /* never SL_SM_NONE */
};

/* VirtualService http[].match[] (HTTPMatchRequest): every condition written must hold. */
struct sl_http_match {
	char *name; /* NULL = not written */
	struct sl_str_match uri, scheme, method, authority;
	struct sl_named_match *headers; /* keys as written; Istio asks for lowercase */
	size_t nheaders;
	struct sl_named_match *without_headers;
	size_t nwithout_headers;
	struct sl_named_match *query_params;
	size_t nquery_params;
	uint16_t port; /* 0 = any */
	struct sl_label *source_labels; /* none = any client */
	size_t nsource_labels;
	char *source_namespace; /* NULL = any */
	bool ignore_uri_case; /* exact and prefix uri matches ignore case */
};

/* Headers.HeaderOperations: set and add are maps (a set, as labels are), remove a list. */
struct sl_header_ops {
	struct sl_label *set; /* key: header name, value: its value (may hold %VAR%) */
	size_t nset;
	struct sl_label *add;
	size_t nadd;
	char **remove;
	size_t nremove;
};

struct sl_headers {
	struct sl_header_ops request, response;
};

/* VirtualService http[].route[] (HTTPRouteDestination) */
struct sl_http_dest {
	struct sl_route_dest dest; /* weight: relative, as written */
	struct sl_headers headers;
};

enum sl_redirect_port {
	SL_REDIRECT_PORT_UNSET = 0, /* the request's URL keeps its port */
	SL_REDIRECT_PORT_NUMBER, /* port */
	SL_REDIRECT_PORT_FROM_PROTOCOL_DEFAULT, /* derivePort: 80 for http, 443 for https */
	SL_REDIRECT_PORT_FROM_REQUEST_PORT, /* derivePort: the request's port */
};

/* HTTPRedirect: at least one of uri, authority, scheme, port is written. */
struct sl_http_redirect {
	bool set;
	char *uri; /* NULL = keep */
	char *authority; /* NULL = keep */
	char *scheme; /* "http" or "https"; NULL = keep */
	enum sl_redirect_port port_mode;
	uint16_t port; /* SL_REDIRECT_PORT_NUMBER */
	uint16_t code; /* 300..399; 0 = not written (301) */
};

/* HTTPRewrite: at least one of uri, uri_regex, authority; uri and uri_regex exclusive. */
struct sl_http_rewrite {
	bool set;
	char *uri; /* replaces the matched prefix (or the whole path) */
	char *authority;
	struct sl_regex_rewrite uri_regex; /* uriRegexRewrite */
};

/* HTTPRetry.retryOn conditions (Envoy's x-envoy-retry-on and x-envoy-retry-grpc-on
 * names, as Istio's validation lists them); numeric status codes are kept apart. */
enum sl_retry_on {
	SL_RETRY_5XX = 1u << 0,
	SL_RETRY_GATEWAY_ERROR = 1u << 1,
	SL_RETRY_RESET = 1u << 2,
	SL_RETRY_RESET_BEFORE_REQUEST = 1u << 3,
	SL_RETRY_CONNECT_FAILURE = 1u << 4,
	SL_RETRY_RETRIABLE_4XX = 1u << 5,
	SL_RETRY_REFUSED_STREAM = 1u << 6,
	SL_RETRY_RETRIABLE_STATUS_CODES = 1u << 7,
	SL_RETRY_RETRIABLE_HEADERS = 1u << 8,
	SL_RETRY_ENVOY_RATELIMITED = 1u << 9,
	SL_RETRY_HTTP3_POST_CONNECT_FAILURE = 1u << 10,
	SL_RETRY_GRPC_CANCELLED = 1u << 11,
	SL_RETRY_GRPC_DEADLINE_EXCEEDED = 1u << 12,
	SL_RETRY_GRPC_INTERNAL = 1u << 13,
	SL_RETRY_GRPC_RESOURCE_EXHAUSTED = 1u << 14,
	SL_RETRY_GRPC_UNAVAILABLE = 1u << 15,
};

/* HTTPRetry. Absent (set false) is Istio's default policy (2 attempts on connect-failure,
 * refused-stream, unavailable, cancelled and 503), not "no retries": attempts 0 is. */
struct sl_http_retry {
	bool set;
	uint32_t attempts; /* 0 disables retries; then nothing else is written */
	uint64_t per_try_timeout_ns; /* 0 = not written (the route's timeout) */
	uint32_t retry_on; /* enum sl_retry_on bits; with no codes either: Istio's default */
	uint16_t *retry_codes; /* numeric retryOn entries: sorted, unique */
	size_t nretry_codes;
	uint64_t backoff_ns; /* 0 = not written (25ms) */
	enum sl_tristate ignore_previous_hosts; /* retryIgnorePreviousHosts */
};

/* Percent {value}: set false when not written, which Istio reads as 0% (no request). */
struct sl_percent {
	bool set;
	double value; /* 0, or 0.0001..100 */
};

/* HTTPFaultInjection: at least one of delay and abort. A delay's deprecated integer
 * `percent` is kept as delay_pct (the same fraction); writing both is refused. */
struct sl_http_fault {
	bool set;
	bool delay_set;
	uint64_t delay_ns; /* fixedDelay, >= 1ms */
	struct sl_percent delay_pct;
	bool abort_set;
	uint16_t abort_status; /* httpStatus, 200..599 */
	struct sl_percent abort_pct;
};

/* CorsPolicy.unmatchedPreflights: what a preflight from an origin that is not allowed gets. */
enum sl_cors_unmatched {
	SL_CORS_FORWARD = 0, /* FORWARD (the default): it goes to the destination */
	SL_CORS_IGNORE, /* IGNORE: answered by the proxy, without Access-Control-Allow-Origin */
};

/* CorsPolicy (Envoy's CORS filter on the route). The lists are kept joined by "," as
 * Istio hands them to Envoy (methods and header names hold no comma, so the emitter
 * splits them back); NULL when not written or empty. */
struct sl_http_cors {
	bool set;
	struct sl_str_match *origins; /* allowOrigins; the deprecated allowOrigin as exact */
	size_t norigins;
	char *allow_methods;
	char *allow_headers;
	char *expose_headers;
	uint64_t max_age_ns; /* whole seconds; 0 = not written */
	enum sl_tristate allow_credentials;
	enum sl_cors_unmatched unmatched;
};

/* VirtualService http[] (HTTPRoute): forwards (routes) or redirects, never both. */
struct sl_http_route {
	char *name; /* NULL = not written */
	struct sl_http_match *matches; /* none = matches every request */
	size_t nmatches;
	struct sl_http_dest *routes; /* >= 1 unless redirect.set */
	size_t nroutes;
	struct sl_http_redirect redirect;
	struct sl_http_rewrite rewrite; /* not with a redirect */
	uint64_t timeout_ns; /* 0 = not written (no timeout) */
	struct sl_http_retry retries;
	struct sl_http_fault fault; /* not with a redirect */
	struct sl_headers headers; /* applied whatever the destination */
	struct sl_http_cors cors; /* corsPolicy */
	struct sl_pos pos;
};

struct sl_virtual_service {
	struct sl_meta_obj meta;
	char **hosts; /* >= 1, as written */
	size_t nhosts;
	struct sl_tcp_route *tcp; /* in order: the first matching route wins */
	size_t ntcp;
	struct sl_http_route *http; /* in order: the first matching route wins (L7) */
	size_t nhttp;
	struct sl_pos http_pos; /* the `http` key, for messages */
};

#endif /* SLUICE_MODEL_ISTIO_T_H */
