// SPDX-License-Identifier: Apache-2.0
/* VirtualService http matches against one request (route_match.h has the rules). */
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proxy/route_match.h"
#include "proxy/snapshot.h"

static bool eq(struct sl_str a, const char *b, bool icase)
{
	size_t n = strlen(b);

	return a.len == n && (icase ? !strncasecmp(a.p, b, n) : !memcmp(a.p, b, n));
}

static bool has_prefix(struct sl_str a, const char *b, bool icase)
{
	size_t n = strlen(b);

	return a.len >= n && (icase ? !strncasecmp(a.p, b, n) : !memcmp(a.p, b, n));
}

static bool regex_full(const struct px_snapshot *s, const char *pattern, struct sl_str v)
{
	const regex_t *re = px_snapshot_regex(s, pattern);
	char stack[1024], *z = stack;
	bool ok;

	if (!re)
		return false; /* never: the snapshot compiled every pattern it holds */
	if (v.len >= sizeof(stack) && !(z = malloc(v.len + 1)))
		return false;
	if (v.len)
		memcpy(z, v.p, v.len);
	z[v.len] = '\0';
	/* A NUL inside the value ends the C string early: such a value does not match. */
	ok = strlen(z) == v.len && regexec(re, z, 0, NULL, 0) == 0;
	if (z != stack)
		free(z);
	return ok;
}

bool px_str_match(const struct px_snapshot *s, const struct sl_str_match *sm, struct sl_str v,
		  bool icase)
{
	switch (sm->kind) {
	case SL_SM_EXACT:
		return eq(v, sm->value, icase);
	case SL_SM_PREFIX:
		return has_prefix(v, sm->value, icase);
	case SL_SM_REGEX:
		return regex_full(s, sm->value, v);
	default:
		return true;
	}
}

bool px_header_value(const struct sl_http_msg *req, const char *name, char *buf, size_t cap,
		     struct sl_str *out)
{
	size_t n = 0, nl = strlen(name);
	bool found = false;

	for (size_t i = 0; i < req->nfields; i++) {
		const struct sl_http_field *f = &req->fields[i];
		size_t k;

		if (f->name.len != nl || strncasecmp(f->name.p, name, nl))
			continue;
		if (found && n + 1 < cap)
			buf[n++] = ',';
		found = true;
		k = f->value.len < cap - 1 - n ? f->value.len : cap - 1 - n;
		if (k)
			memcpy(buf + n, f->value.p, k);
		n += k;
	}
	buf[n] = '\0';
	*out = (struct sl_str){ buf, n };
	return found;
}

struct sl_str px_path_only(struct sl_str t)
{
	const char *q = t.len ? memchr(t.p, '?', t.len) : NULL;

	if (q)
		t.len = (size_t)(q - t.p);
	return t;
}

bool px_query_param(struct sl_str t, const char *name, struct sl_str *out)
{
	const char *q = t.len ? memchr(t.p, '?', t.len) : NULL, *end = t.p + t.len;
	size_t nl = strlen(name);

	if (!q)
		return false;
	for (const char *p = q + 1; p < end;) {
		const char *amp = memchr(p, '&', (size_t)(end - p)), *e = amp ? amp : end;
		const char *eqs = memchr(p, '=', (size_t)(e - p));
		const char *ne = eqs ? eqs : e;

		if ((size_t)(ne - p) == nl && !memcmp(p, name, nl)) {
			*out = eqs ? (struct sl_str){ eqs + 1, (size_t)(e - eqs - 1) }
				   : (struct sl_str){ NULL, 0 };
			return true;
		}
		p = e + 1;
	}
	return false;
}

/* Header conditions: present (or, for without, absent) and matching. */
static bool headers_hold(const struct px_match_ctx *x, const struct sl_named_match *v, size_t n,
			 bool without)
{
	char buf[4096];

	for (size_t i = 0; i < n; i++) {
		struct sl_str val;
		bool present = px_header_value(x->req, v[i].name, buf, sizeof(buf), &val);
		bool holds = present && px_str_match(x->s, &v[i].match, val, false);

		if (holds == without)
			return false;
	}
	return true;
}

static bool labels_hold(const struct sl_label *want, size_t n, const struct sl_meta_obj *m)
{
	for (size_t i = 0; i < n; i++) {
		bool found = false;

		for (size_t j = 0; j < m->nlabels && !found; j++)
			found = !strcmp(m->labels[j].key, want[i].key) &&
				!strcmp(m->labels[j].value, want[i].value);
		if (!found)
			return false;
	}
	return true;
}

bool px_http_match(const struct px_match_ctx *x, const struct sl_http_match *m)
{
	const struct sl_http_msg *r = x->req;
	struct sl_str scheme = r->scheme.len ? r->scheme : (struct sl_str){ "http", 4 };

	if (m->port && m->port != x->port)
		return false;
	if (m->nsource_labels || m->source_namespace) {
		if (!x->pod)
			return false;
		if (m->source_namespace && strcmp(m->source_namespace, x->pod->meta.ns))
			return false;
		if (!labels_hold(m->source_labels, m->nsource_labels, &x->pod->meta))
			return false;
	}
	if (m->uri.kind == SL_SM_PREFIX) {
		if (!px_str_match(x->s, &m->uri, r->path, m->ignore_uri_case))
			return false;
	} else if (!px_str_match(x->s, &m->uri, px_path_only(r->path),
				 m->ignore_uri_case && m->uri.kind == SL_SM_EXACT)) {
		return false;
	}
	if (!px_str_match(x->s, &m->scheme, scheme, true) ||
	    !px_str_match(x->s, &m->method, r->method_name, false) ||
	    !px_str_match(x->s, &m->authority, r->authority, false))
		return false;
	if (!headers_hold(x, m->headers, m->nheaders, false) ||
	    !headers_hold(x, m->without_headers, m->nwithout_headers, true))
		return false;
	for (size_t i = 0; i < m->nquery_params; i++) {
		struct sl_str v;

		if (!px_query_param(r->path, m->query_params[i].name, &v) ||
		    !px_str_match(x->s, &m->query_params[i].match, v, false))
			return false;
	}
	return true;
}
