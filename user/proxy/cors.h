/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A VirtualService route's corsPolicy, as Envoy's CORS filter applies it:
 *  - A request with a non-empty Origin is a CORS request. Its origin is allowed when an
 *    allowOrigins entry matches it, or matches "*" (an exact "*" allows every origin);
 *    origins compare case-sensitively, regexes are full matches (regex.h).
 *  - A preflight (OPTIONS with Origin and Access-Control-Request-Method) is answered
 *    by the proxy, 200 without a body, when its origin is allowed: with
 *    Access-Control-Allow-Origin (the request's origin), -Allow-Credentials ("true",
 *    when allowCredentials is), -Allow-Methods, -Allow-Headers (a lone "*" echoes the
 *    request's Access-Control-Request-Method / -Headers) and -Max-Age (seconds). A
 *    preflight from another origin goes to the destination (unmatchedPreflights
 *    FORWARD), or with IGNORE gets the same answer without Access-Control-Allow-Origin
 *    (which the browser reads as a refusal).
 *  - Any other request from an allowed origin is forwarded; its response gets
 *    Access-Control-Allow-Origin (the origin), -Allow-Credentials and -Expose-Headers,
 *    set (replacing what the destination sent), after the route's header operations.
 * The functions are pure: conn.c answers and edits heads with what they build.
 */
#ifndef SLUICE_PROXY_CORS_H
#define SLUICE_PROXY_CORS_H

#include <stdbool.h>
#include <stddef.h>

#include "model/objects-t.h"
#include "proxy/http-t.h"
#include "proxy/snapshot-t.h"

/* An allowed origin kept for the response; longer ones are not (the headers are then
 * not added, which the browser reads as a refusal; real origins are far shorter). */
#define PX_CORS_ORIGIN_MAX 256

/* px_cors_request() */
enum px_cors_verdict {
	PX_CORS_NONE = 0, /* not a CORS request, or its origin is not allowed: forward as is */
	PX_CORS_ACTUAL, /* forward; the response gets the headers (px_cors_response_ops()) */
	PX_CORS_PREFLIGHT, /* answer locally (px_cors_preflight_ops()) */
};

struct px_cors {
	enum px_cors_verdict verdict;
	bool allowed; /* the origin is allowed (and kept in origin) */
	char origin[PX_CORS_ORIGIN_MAX];
};

/* Up to six response fields, as a header operation `set` (head_edit.h) whose strings
 * live in this struct or in what it was built from. */
struct px_cors_ops {
	struct sl_header_ops ops;
	struct sl_label f[6];
	char max_age[24];
	char methods[256];
	char headers[1024];
};

/* Whether origin o is allowed by cp (regexes compiled in s). */
bool px_cors_origin_allowed(const struct px_snapshot *s, const struct sl_http_cors *cp,
			    struct sl_str o);

/* What the route's policy cp (set) makes of request req, into *out. */
void px_cors_request(const struct px_snapshot *s, const struct sl_http_cors *cp,
		     const struct sl_http_msg *req, struct px_cors *out);

/* The fields of the answer to preflight req (verdict PX_CORS_PREFLIGHT) into *out.
 * out must outlive out->ops' use; st too. */
void px_cors_preflight_ops(const struct sl_http_cors *cp, const struct px_cors *st,
			   const struct sl_http_msg *req, struct px_cors_ops *out);

/* The fields added to the response of an actual request (verdict PX_CORS_ACTUAL). */
void px_cors_response_ops(const struct sl_http_cors *cp, const struct px_cors *st,
			  struct px_cors_ops *out);

#endif /* SLUICE_PROXY_CORS_H */
