/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The URLs a VirtualService http route makes of a request, as Envoy makes them from
 * the route Istio generates:
 *  - rewrite.uri replaces what the uri match matched: the prefix of a prefix match
 *    (Envoy's prefix_rewrite; "/" when the route has no uri match, as Istio's
 *    generated route matches prefix "/"), the path of an exact match (the query is
 *    kept). Regex uri matches with rewrite.uri are refused (route_check.c), as Istio
 *    refuses them: uriRegexRewrite is the rewrite for those.
 *  - rewrite.uriRegexRewrite {match, rewrite} replaces every match of the RE2 pattern
 *    in the path (the query is not searched, and is kept) by the rewrite string, in
 *    which \0 is the match and \1..\9 its groups (Envoy's regex_rewrite, which is
 *    RE2::GlobalReplace); regex.h says how matches are found.
 *  - redirect: scheme://authority/path. The scheme is redirect.scheme, else the
 *    request's (http); the authority is redirect.authority (host and port, as
 *    written), else the request's; a port (redirect.port, or derivePort) replaces the
 *    authority's port (FROM_PROTOCOL_DEFAULT: none, for 80 with http and 443 with
 *    https); the path is redirect.uri, keeping the request's query unless the uri has
 *    one of its own (Envoy's path_redirect), else the request's path.
 */
#ifndef SLUICE_PROXY_REWRITE_H
#define SLUICE_PROXY_REWRITE_H

#include <stddef.h>
#include <stdint.h>

#include "model/objects-t.h"
#include "proxy/http-t.h"

/* The target route hr's rewrite.uri makes of request target t, whose match m (NULL:
 * the route has none) held, into buf[0, cap). Returns its length, 0 when hr rewrites
 * no uri, or -ENOSPC. */
int px_rewrite_target(const struct sl_http_route *hr, const struct sl_http_match *m,
		      struct sl_str t, char *buf, size_t cap);

struct px_regex_sub;

/* The target uriRegexRewrite (pattern rx, rewrite string rw) makes of request target
 * t, into buf[0, cap) NUL-terminated. Returns its length or -ENOSPC. */
int px_rewrite_regex(const struct px_regex_sub *rx, const char *rw, struct sl_str t, char *buf,
		     size_t cap);

/* The Location of redirect rd for request req that dialed port (host order), into
 * buf[0, cap) NUL-terminated. Returns its length or -ENOSPC. */
int px_redirect_location(const struct sl_http_redirect *rd, const struct sl_http_msg *req,
			 uint16_t port, char *buf, size_t cap);

/* The status of redirect rd: redirectCode, 301 when not written. */
int px_redirect_status(const struct sl_http_redirect *rd);

#endif /* SLUICE_PROXY_REWRITE_H */
