// SPDX-License-Identifier: Apache-2.0
/* corsPolicy decisions and the fields they add (cors.h has the rules). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "proxy/cors.h"
#include "proxy/route_match.h"

bool px_cors_origin_allowed(const struct px_snapshot *s, const struct sl_http_cors *cp,
			    struct sl_str o)
{
	static const struct sl_str star = { "*", 1 };

	for (size_t i = 0; i < cp->norigins; i++)
		if (px_str_match(s, &cp->origins[i], star, false) ||
		    px_str_match(s, &cp->origins[i], o, false))
			return true;
	return false;
}

void px_cors_request(const struct px_snapshot *s, const struct sl_http_cors *cp,
		     const struct sl_http_msg *req, struct px_cors *out)
{
	char buf[PX_CORS_ORIGIN_MAX];
	struct sl_str o, rm;
	char rmbuf[2];

	out->verdict = PX_CORS_NONE;
	out->allowed = false;
	out->origin[0] = '\0';
	/* Several Origin fields are joined by "," and matched as one value. */
	if (!cp->set || !px_header_value(req, "origin", buf, sizeof(buf), &o) || !o.len)
		return;
	if (o.len < sizeof(out->origin) - 1 && px_cors_origin_allowed(s, cp, o)) {
		out->allowed = true;
		memcpy(out->origin, o.p, o.len);
		out->origin[o.len] = '\0';
	}
	if (req->method == SL_HTTP_OPTIONS &&
	    px_header_value(req, "access-control-request-method", rmbuf, sizeof(rmbuf), &rm) &&
	    rm.len && (out->allowed || cp->unmatched == SL_CORS_IGNORE)) {
		out->verdict = PX_CORS_PREFLIGHT;
		return;
	}
	if (out->allowed)
		out->verdict = PX_CORS_ACTUAL;
}

static void field(struct px_cors_ops *out, const char *name, const char *value)
{
	/* head_edit.c only reads the strings of an operation. */
	out->f[out->ops.nset++] = (struct sl_label){ (char *)name, (char *)value };
}

/* cp's list, or with a lone "*" the request's field `echo` (into buf). */
static const char *listed(const char *list, const struct sl_http_msg *req, const char *echo,
			  char *buf, size_t cap)
{
	struct sl_str v;

	if (!list || strcmp(list, "*"))
		return list;
	if (!px_header_value(req, echo, buf, cap, &v))
		buf[0] = '\0';
	return buf;
}

static void ops_init(struct px_cors_ops *out)
{
	memset(&out->ops, 0, sizeof(out->ops));
	out->ops.set = out->f;
}

void px_cors_preflight_ops(const struct sl_http_cors *cp, const struct px_cors *st,
			   const struct sl_http_msg *req, struct px_cors_ops *out)
{
	const char *v;

	ops_init(out);
	if (st->allowed)
		field(out, "access-control-allow-origin", st->origin);
	if (cp->allow_credentials == SL_TRUE)
		field(out, "access-control-allow-credentials", "true");
	v = listed(cp->allow_methods, req, "access-control-request-method", out->methods,
		   sizeof(out->methods));
	if (v)
		field(out, "access-control-allow-methods", v);
	v = listed(cp->allow_headers, req, "access-control-request-headers", out->headers,
		   sizeof(out->headers));
	if (v)
		field(out, "access-control-allow-headers", v);
	if (cp->max_age_ns) {
		snprintf(out->max_age, sizeof(out->max_age), "%" PRIu64,
			 cp->max_age_ns / 1000000000u);
		field(out, "access-control-max-age", out->max_age);
	}
}

void px_cors_response_ops(const struct sl_http_cors *cp, const struct px_cors *st,
			  struct px_cors_ops *out)
{
	ops_init(out);
	field(out, "access-control-allow-origin", st->origin);
	if (cp->allow_credentials == SL_TRUE)
		field(out, "access-control-allow-credentials", "true");
	if (cp->expose_headers)
		field(out, "access-control-expose-headers", cp->expose_headers);
}
