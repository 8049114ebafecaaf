/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Whether a request meets a VirtualService http match (HTTPMatchRequest), as Envoy
 * decides it for the routes Istio generates:
 *  - uri: exact and regex compare the path without its query, prefix the whole
 *    request target (Envoy's path, safe_regex and prefix); ignoreUriCase makes exact
 *    and prefix (only) case-insensitive;
 *  - scheme (the request's, else "http"), method, authority (the target's authority,
 *    else Host, as written: with its port when it has one);
 *  - headers: names case-insensitive; a field given several times is matched as its
 *    values joined with "," (Envoy's rule); `{}` only asks for presence; a missing
 *    header matches nothing;
 *  - withoutHeaders: holds unless the header is present and its match holds (`{}`:
 *    the header is absent);
 *  - queryParams: the first parameter of that name, compared as written (not
 *    percent-decoded, as Envoy's query parameter matcher); `{}`: present;
 *  - port: the port the client dialed; sourceLabels and sourceNamespace: the client
 *    Pod, found by the connection's peer address among the snapshot's Pods (an
 *    unknown client meets no source condition).
 * Regexes are full matches (regex.h); every pattern was compiled with the snapshot.
 */
#ifndef SLUICE_PROXY_ROUTE_MATCH_H
#define SLUICE_PROXY_ROUTE_MATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "model/objects-t.h"
#include "proxy/http-t.h"
#include "proxy/snapshot-t.h"

struct px_match_ctx {
	const struct px_snapshot *s;
	const struct sl_http_msg *req;
	uint16_t port; /* dialed, host order */
	const struct sl_object *pod; /* the client Pod; NULL: not a known Pod */
};

/* Whether string match sm holds for value v (icase: ASCII case-insensitive exact and
 * prefix). SL_SM_NONE and SL_SM_ANY hold for anything. */
bool px_str_match(const struct px_snapshot *s, const struct sl_str_match *sm, struct sl_str v,
		  bool icase);

/* Whether every condition of m holds for the request in x. */
bool px_http_match(const struct px_match_ctx *x, const struct sl_http_match *m);

/* The value of the first field named `name` (case-insensitive), joined with "," with
 * the values of the others of that name, into buf (of cap bytes, NUL-terminated).
 * Returns false when there is none; a value that does not fit is cut. */
bool px_header_value(const struct sl_http_msg *req, const char *name, char *buf, size_t cap,
		     struct sl_str *out);

/* The path of a request target without its query. */
struct sl_str px_path_only(struct sl_str target);

/* The value of query parameter `name` in request target t. false: absent. */
bool px_query_param(struct sl_str t, const char *name, struct sl_str *out);

#endif /* SLUICE_PROXY_ROUTE_MATCH_H */
