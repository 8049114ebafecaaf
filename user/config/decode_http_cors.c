// SPDX-License-Identifier: Apache-2.0
/*
 * VirtualService http[].corsPolicy (CorsPolicy), checked as Istio's validateCORSPolicy
 * checks it: origins are non-empty StringMatches, methods the HTTP methods Istio knows,
 * header names of [-_A-Za-z0-9], maxAge a duration of whole seconds. The lists are kept
 * joined by "," as Istio gives them to Envoy's CORS filter (istio-t.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/decode_int.h"
#include "model/objects.h"

static const char *const cors_keys[] = { "allowOrigin",	     "allowOrigins",	    "allowMethods",
					 "allowHeaders",     "exposeHeaders",	    "maxAge",
					 "allowCredentials", "unmatchedPreflights", NULL };

/* Istio's supportedMethods, and "*" (Envoy then echoes the requested method). */
static bool method_ok(const char *s)
{
	static const char *const v[] = { "GET",	    "HEAD",    "POST",	"PUT",	 "DELETE",
					 "CONNECT", "OPTIONS", "TRACE", "PATCH", "*" };

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (!strcmp(s, v[i]))
			return true;
	return false;
}

/* Istio's ValidateHTTPHeaderName (^[-_A-Za-z0-9]+$), and "*" for the whole list. */
static bool cors_header_ok(const char *s)
{
	if (!strcmp(s, "*"))
		return true;
	if (!s[0])
		return false;
	for (; *s; s++)
		if (!(*s >= '0' && *s <= '9') && !(*s >= 'a' && *s <= 'z') &&
		    !(*s >= 'A' && *s <= 'Z') && *s != '-' && *s != '_')
			return false;
	return true;
}

/* A list of strings under `key` joined by "," into *out (NULL when absent or empty);
 * each item checked by ok(), `what` naming it in the error. */
static int f_joined(struct d_ctx *c, const struct yt_node *map, const char *key,
		    bool (*ok)(const char *), const char *what, char **out)
{
	const struct yt_node *seq = d_get(map, key);
	size_t mark, imark, len = 0, i;
	const char *s;
	char *buf;
	int r;

	if (!seq)
		return 0;
	mark = d_push_key(c, key);
	r = d_want_seq(c, seq);
	for (i = 0; !r && i < seq->n; i++) {
		imark = d_push_idx(c, i);
		r = d_str(c, seq->items[i], &s);
		if (!r && !ok(s))
			r = d_err(c, seq->items[i], "\"%s\" is not %s", s, what);
		d_pop(c, imark);
		if (!r)
			len += strlen(s) + 1;
	}
	d_pop(c, mark);
	if (r || !seq->n)
		return r;
	buf = malloc(len);
	if (!buf)
		return d_nomem(c);
	buf[0] = '\0';
	for (i = 0; i < seq->n; i++) {
		d_str(c, seq->items[i], &s);
		if (i)
			strcat(buf, ",");
		strcat(buf, s);
	}
	*out = buf;
	return 0;
}

/* allowOrigins (StringMatch) or the deprecated allowOrigin (exact strings). */
static int cors_origins(struct d_ctx *c, const struct yt_node *n, struct sl_http_cors *cp)
{
	const struct yt_node *ao = d_get(n, "allowOrigins"), *old = d_get(n, "allowOrigin");
	const struct yt_node *seq = ao ? ao : old;
	size_t mark, imark, i;
	int r;

	if (ao && old && old->n) {
		mark = d_push_key(c, "allowOrigin");
		r = d_err_key(c, old,
			      "deprecated, and allowOrigins is set too: write only "
			      "allowOrigins");
		d_pop(c, mark);
		return r;
	}
	if (!seq)
		return 0;
	mark = d_push_key(c, ao ? "allowOrigins" : "allowOrigin");
	r = d_want_seq(c, seq);
	if (!r && seq->n) {
		cp->origins = calloc(seq->n, sizeof(*cp->origins));
		if (!cp->origins)
			r = d_nomem(c);
	}
	for (i = 0; !r && i < seq->n; i++) {
		struct sl_str_match *m = &cp->origins[i];

		imark = d_push_idx(c, i);
		cp->norigins++;
		if (ao) {
			r = d_str_match(c, seq->items[i], m);
		} else {
			r = d_strdup(c, seq->items[i], &m->value);
			m->kind = SL_SM_EXACT;
		}
		/* Istio's validateAllowOrigins: a match type, with a non-empty string. */
		if (!r && (m->kind == SL_SM_ANY || !m->value[0]))
			r = d_err(c, seq->items[i],
				  "an origin needs a non-empty exact, prefix or "
				  "regex");
		d_pop(c, imark);
	}
	d_pop(c, mark);
	return r;
}

int d_cors(struct d_ctx *c, const struct yt_node *n, struct sl_http_cors *cp)
{
	const struct yt_node *v;
	const char *s;
	size_t mark;
	int r;

	r = d_want_map(c, n);
	if (!r)
		r = d_check_keys(c, n, cors_keys);
	if (!r)
		r = cors_origins(c, n, cp);
	if (!r)
		r = f_joined(c, n, "allowMethods", method_ok,
			     "an HTTP method (GET, HEAD, POST, PUT, DELETE, CONNECT, OPTIONS, "
			     "TRACE, PATCH)",
			     &cp->allow_methods);
	if (!r)
		r = f_joined(c, n, "allowHeaders", cors_header_ok, "a valid header name",
			     &cp->allow_headers);
	if (!r)
		r = f_joined(c, n, "exposeHeaders", cors_header_ok, "a valid header name",
			     &cp->expose_headers);
	if (!r)
		r = f_duration(c, n, "maxAge", D_DUR_MS, &cp->max_age_ns, NULL);
	if (!r && cp->max_age_ns % 1000000000ull) {
		mark = d_push_key(c, "maxAge");
		r = d_err(c, d_get(n, "maxAge"),
			  "max_age duration is accurate only to seconds "
			  "precision");
		d_pop(c, mark);
	}
	if (!r)
		r = f_tristate(c, n, "allowCredentials", &cp->allow_credentials);
	if (!r)
		r = f_str_ref(c, n, "unmatchedPreflights", &v, &s);
	if (r)
		return r;
	if (s && !strcmp(s, "IGNORE")) {
		cp->unmatched = SL_CORS_IGNORE;
	} else if (s && strcmp(s, "FORWARD") && strcmp(s, "UNSPECIFIED")) {
		mark = d_push_key(c, "unmatchedPreflights");
		r = d_err(c, v, "\"%s\" is not a valid value (FORWARD, IGNORE)", s);
		d_pop(c, mark);
		return r;
	}
	cp->set = true;
	return 0;
}
