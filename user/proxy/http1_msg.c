// SPDX-License-Identifier: Apache-2.0
/*
 * The meaning of a complete, well-formed HTTP/1.1 head: which fields frame the body and
 * how (RFC 9112 section 6), which are hop-by-hop, where the request is going (target
 * form, authority), and whether the connection persists. The rules and the choices
 * made where the RFC leaves one are listed in http1.h.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "proxy/http1.h"
#include "proxy/http1_int.h"

/* What the fields say, gathered in one pass before anything is decided. */
struct h1_facts {
	size_t nhost, ncl;
	uint64_t cl;
	bool te; /* a Transfer-Encoding field was seen */
	bool te_bad; /* ... with an empty or non-token element */
	size_t te_codings, te_chunked;
	bool te_last_chunked;
	bool conn_close, conn_keep_alive, conn_upgrade;
	bool upgrade, websocket, expect_continue;
};

/* The fields a head's meaning depends on. */
enum h1_field_kind {
	H1_FK_OTHER,
	H1_FK_CONTENT_LENGTH,
	H1_FK_TRANSFER_ENCODING,
	H1_FK_HOST,
	H1_FK_CONNECTION,
	H1_FK_UPGRADE,
	H1_FK_EXPECT,
	H1_FK_KEEP_ALIVE,
	H1_FK_PROXY_CONNECTION,
	H1_FK_TE,
	H1_FK_TRAILER,
};

static bool ieq_str(struct sl_str a, struct sl_str b)
{
	if (a.len != b.len)
		return false;
	for (size_t i = 0; i < a.len; i++)
		if (h1_lower((unsigned char)a.p[i]) != h1_lower((unsigned char)b.p[i]))
			return false;
	return true;
}

/* hop: the field concerns one connection only (RFC 9110 section 7.6.1), or is framing
 * a proxy replaces with its own. */
#define LIT(s)                                                                                     \
	{                                                                                          \
		s, sizeof(s) - 1                                                                   \
	}
static const struct {
	struct sl_str name; /* lowercase letters and "-" */
	bool hop;
} known_fields[] = {
	[H1_FK_CONTENT_LENGTH] = { LIT("content-length"), false },
	[H1_FK_TRANSFER_ENCODING] = { LIT("transfer-encoding"), true },
	[H1_FK_HOST] = { LIT("host"), false },
	[H1_FK_CONNECTION] = { LIT("connection"), true },
	[H1_FK_UPGRADE] = { LIT("upgrade"), true },
	[H1_FK_EXPECT] = { LIT("expect"), false },
	[H1_FK_KEEP_ALIVE] = { LIT("keep-alive"), true },
	[H1_FK_PROXY_CONNECTION] = { LIT("proxy-connection"), true },
	[H1_FK_TE] = { LIT("te"), true },
	[H1_FK_TRAILER] = { LIT("trailer"), true },
};
#undef LIT

/* Whether the field name n (tchar only: the line scan checked) is known_fields[k]'s, in
 * any case. For a tchar c, c | 0x20 is a given lowercase letter or "-" exactly when c is
 * that byte or its uppercase form. */
static bool name_is(struct sl_str n, enum h1_field_kind k)
{
	struct sl_str lit = known_fields[k].name;

	if (n.len != lit.len)
		return false;
	for (size_t i = 0; i < n.len; i++)
		if (((unsigned char)n.p[i] | 0x20) != (unsigned char)lit.p[i])
			return false;
	return true;
}

/* The kind of the field named name. Every field of every head is looked up: its length
 * leaves at most two candidates. */
static enum h1_field_kind known_field(struct sl_str name)
{
	enum h1_field_kind a, b = H1_FK_OTHER;

	switch (name.len) {
	case 2:
		a = H1_FK_TE;
		break;
	case 4:
		a = H1_FK_HOST;
		break;
	case 6:
		a = H1_FK_EXPECT;
		break;
	case 7:
		a = H1_FK_UPGRADE;
		b = H1_FK_TRAILER;
		break;
	case 10:
		a = H1_FK_CONNECTION;
		b = H1_FK_KEEP_ALIVE;
		break;
	case 14:
		a = H1_FK_CONTENT_LENGTH;
		break;
	case 16:
		a = H1_FK_PROXY_CONNECTION;
		break;
	case 17:
		a = H1_FK_TRANSFER_ENCODING;
		break;
	default:
		return H1_FK_OTHER;
	}
	if (name_is(name, a))
		return a;
	if (b != H1_FK_OTHER && name_is(name, b))
		return b;
	return H1_FK_OTHER;
}

static enum sl_http_method method_id(struct sl_str m)
{
	static const struct {
		const char *name;
		enum sl_http_method id;
	} known[] = {
		{ "GET", SL_HTTP_GET },		{ "HEAD", SL_HTTP_HEAD },
		{ "POST", SL_HTTP_POST },	{ "PUT", SL_HTTP_PUT },
		{ "DELETE", SL_HTTP_DELETE },	{ "CONNECT", SL_HTTP_CONNECT },
		{ "OPTIONS", SL_HTTP_OPTIONS }, { "TRACE", SL_HTTP_TRACE },
		{ "PATCH", SL_HTTP_PATCH },
	};

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strlen(known[i].name) == m.len && !memcmp(known[i].name, m.p, m.len))
			return known[i].id;
	return SL_HTTP_METHOD_OTHER;
}

/* A name that equals Content-Length or Transfer-Encoding once "_" reads as "-". */
static bool framing_lookalike(struct sl_str n)
{
	static const char *const framing[] = { "content-length", "transfer-encoding" };

	if ((n.len != 14 && n.len != 17) || !memchr(n.p, '_', n.len))
		return false;
	for (size_t f = 0; f < 2; f++) {
		size_t i;

		if (strlen(framing[f]) != n.len)
			continue;
		for (i = 0; i < n.len; i++) {
			char c = h1_lower((unsigned char)n.p[i]);

			if ((c == '_' ? '-' : c) != framing[f][i])
				break;
		}
		if (i == n.len)
			return true;
	}
	return false;
}

/* Content-Length = 1*DIGIT (RFC 9110 section 8.6), at most max. */
static enum sl_h1_err parse_length(struct sl_str v, uint64_t max, uint64_t *out)
{
	uint64_t n = 0;

	if (!v.len)
		return SL_H1_ERR_CL_INVALID;
	for (size_t i = 0; i < v.len; i++) {
		unsigned int d = (unsigned char)v.p[i] - '0';

		if (d > 9)
			return SL_H1_ERR_CL_INVALID;
		if (n > ((uint64_t)INT64_MAX - d) / 10)
			return SL_H1_ERR_CL_INVALID;
		n = n * 10 + d;
	}
	if (n > max)
		return SL_H1_ERR_CL_TOO_LARGE;
	*out = n;
	return SL_H1_OK;
}

/* unreserved / sub-delims (RFC 3986 section 3.2.2) but ",", which list-minded
 * recipients would split on; "%" is checked for two hex digits by the caller. */
static const bool regname_chars[256] = {
	['0' ... '9'] = true, ['A' ... 'Z'] = true, ['a' ... 'z'] = true, ['-'] = true,
	['.'] = true,	      ['_'] = true,	    ['~'] = true,	  ['%'] = true,
	['!'] = true,	      ['$'] = true,	    ['&'] = true,	  ['\''] = true,
	['('] = true,	      [')'] = true,	    ['*'] = true,	  ['+'] = true,
	[';'] = true,	      ['='] = true,
};

static bool regname_char(unsigned char c)
{
	return regname_chars[c];
}

/* host [":" port] with host an IP literal or a non-empty reg-name, and port 1 to 5
 * digits up to 65535, required when need_port. No userinfo. */
static bool authority_ok(struct sl_str a, bool need_port)
{
	const char *s = a.p;
	size_t i = 0, n = a.len;
	unsigned int port = 0;

	if (n && s[0] == '[') {
		const char *rb = memchr(s, ']', n);

		if (!rb || rb == s + 1)
			return false;
		for (const char *q = s + 1; q < rb; q++)
			if (h1_hex((unsigned char)*q) < 0 && *q != ':' && *q != '.')
				return false;
		i = (size_t)(rb - s) + 1;
	} else {
		while (i < n && regname_char((unsigned char)s[i])) {
			if (s[i] == '%' && (n - i < 3 || h1_hex((unsigned char)s[i + 1]) < 0 ||
					    h1_hex((unsigned char)s[i + 2]) < 0))
				return false;
			i += s[i] == '%' ? 3 : 1;
		}
		if (!i)
			return false;
	}
	if (i == n)
		return !need_port;
	if (s[i] != ':' || n - i - 1 == 0 || n - i - 1 > 5)
		return false;
	for (i++; i < n; i++) {
		if (!h1_is_digit((unsigned char)s[i]))
			return false;
		port = port * 10 + (unsigned int)(s[i] - '0');
	}
	return port <= 65535;
}

static void mark_hop(struct sl_h1_head *h, struct sl_str name)
{
	for (size_t i = 0; i < h->msg.nfields; i++)
		if (ieq_str(h->msg.fields[i].name, name))
			h->msg.fields[i].flags |= SL_HTTP_FIELD_HOP;
}

/* Transfer-Encoding elements, accumulated over every such field line in order (field
 * lines with the same name are one comma-separated list, RFC 9110 section 5.3). */
static void note_te(struct h1_facts *f, struct sl_str v)
{
	struct h1_list l;
	struct sl_str e;

	f->te = true;
	h1_list_init(&l, v);
	while (h1_list_next(&l, &e)) {
		if (!h1_is_token(e)) {
			f->te_bad = true;
			continue;
		}
		f->te_codings++;
		f->te_last_chunked = h1_ieq(e, "chunked");
		f->te_chunked += f->te_last_chunked;
	}
}

static int note_connection(struct sl_h1_parser *p, struct sl_h1_head *h, struct h1_facts *f,
			   struct sl_str v)
{
	struct h1_list l;
	struct sl_str e;

	h1_list_init(&l, v);
	while (h1_list_next(&l, &e)) {
		if (!e.len)
			continue;
		if (!h1_is_token(e))
			return h1_fail(p, SL_H1_ERR_CONNECTION);
		/* Stripping any of these as "named by Connection" would let a client
		 * remove the framing or routing the next hop relies on. */
		if (h1_ieq(e, "content-length") || h1_ieq(e, "transfer-encoding") ||
		    h1_ieq(e, "host"))
			return h1_fail(p, SL_H1_ERR_CONNECTION);
		if (h1_ieq(e, "close"))
			f->conn_close = true;
		else if (h1_ieq(e, "keep-alive"))
			f->conn_keep_alive = true;
		else if (h1_ieq(e, "upgrade"))
			f->conn_upgrade = true;
		mark_hop(h, e);
	}
	return 0;
}

/* Whether list v has the element lit; with `versioned`, elements are Upgrade's
 * protocol-name ["/" protocol-version] and only the name is compared. */
static bool list_has(struct sl_str v, const char *lit, bool versioned)
{
	struct h1_list l;
	struct sl_str e;

	h1_list_init(&l, v);
	while (h1_list_next(&l, &e)) {
		const char *slash = versioned && e.len ? memchr(e.p, '/', e.len) : NULL;

		if (slash)
			e.len = (size_t)(slash - e.p);
		if (h1_ieq(e, lit))
			return true;
	}
	return false;
}

static int gather(struct sl_h1_parser *p, struct sl_h1_head *h, struct h1_facts *f)
{
	enum sl_h1_err err;
	int r;

	for (size_t i = 0; i < h->msg.nfields; i++) {
		struct sl_http_field *fl = &h->msg.fields[i];
		enum h1_field_kind k = known_field(fl->name);

		if (known_fields[k].hop)
			fl->flags |= SL_HTTP_FIELD_HOP;
		if (framing_lookalike(fl->name))
			return h1_fail(p, SL_H1_ERR_LOOKALIKE_NAME);
		if (k == H1_FK_CONTENT_LENGTH) {
			if (++f->ncl > 1)
				return h1_fail(p, SL_H1_ERR_CL_DUPLICATE);
			err = parse_length(fl->value, p->lim.max_length, &f->cl);
			if (err)
				return h1_fail(p, err);
		} else if (k == H1_FK_TRANSFER_ENCODING) {
			note_te(f, fl->value);
		} else if (k == H1_FK_HOST) {
			if (++f->nhost == 1)
				h->host = i;
		} else if (k == H1_FK_CONNECTION) {
			r = note_connection(p, h, f, fl->value);
			if (r)
				return r;
		} else if (k == H1_FK_UPGRADE) {
			f->upgrade = true;
			f->websocket |= list_has(fl->value, "websocket", true);
		} else if (k == H1_FK_EXPECT) {
			f->expect_continue |= list_has(fl->value, "100-continue", false);
		}
	}
	return 0;
}

/* Target form, scheme, authority and path of a request (RFC 9112 section 3.2). */
static int request_target(struct sl_h1_parser *p, struct sl_h1_head *h, const struct h1_facts *f)
{
	static const char slash[] = "/", star[] = "*";
	struct sl_str t = h->target, host = { NULL, 0 };
	struct sl_http_msg *m = &h->msg;
	size_t i = 0, a, e;

	if (f->nhost > 1)
		return h1_fail(p, SL_H1_ERR_HOST_DUPLICATE);
	if (!f->nhost && h->version == 11)
		return h1_fail(p, SL_H1_ERR_HOST_MISSING);
	if (f->nhost) {
		host = m->fields[h->host].value;
		/* An empty Host is what a client sends when the target has no
		 * authority (RFC 9112 section 3.2). */
		if (host.len && !authority_ok(host, false))
			return h1_fail(p, SL_H1_ERR_HOST_INVALID);
	}
	if (m->method == SL_HTTP_CONNECT) {
		if (!authority_ok(t, true))
			return h1_fail(p, SL_H1_ERR_TARGET);
		h->form = SL_H1_FORM_AUTHORITY;
		m->authority = t;
	} else if (t.len == 1 && t.p[0] == '*') {
		if (m->method != SL_HTTP_OPTIONS)
			return h1_fail(p, SL_H1_ERR_TARGET);
		h->form = SL_H1_FORM_ASTERISK;
		m->authority = host;
		m->path = t;
	} else if (t.p[0] == '/') {
		h->form = SL_H1_FORM_ORIGIN;
		m->authority = host;
		m->path = t;
	} else {
		/* absolute-form: scheme "://" authority path-abempty [ "?" query ] */
		if (!h1_is_alpha((unsigned char)t.p[0]))
			return h1_fail(p, SL_H1_ERR_TARGET);
		while (i < t.len &&
		       (h1_is_alpha((unsigned char)t.p[i]) || h1_is_digit((unsigned char)t.p[i]) ||
			t.p[i] == '+' || t.p[i] == '-' || t.p[i] == '.'))
			i++;
		m->scheme = (struct sl_str){ t.p, i };
		if (t.len - i < 3 || memcmp(t.p + i, "://", 3) ||
		    !(h1_ieq(m->scheme, "http") || h1_ieq(m->scheme, "https")))
			return h1_fail(p, SL_H1_ERR_TARGET);
		a = e = i + 3;
		while (e < t.len && t.p[e] != '/' && t.p[e] != '?')
			e++;
		m->authority = (struct sl_str){ t.p + a, e - a };
		/* "http://a?q" has a query but no path; its path would be "/?q", which
		 * is not a slice of the buffer. No client sends it. */
		if (!authority_ok(m->authority, false) || (e < t.len && t.p[e] == '?'))
			return h1_fail(p, SL_H1_ERR_TARGET);
		if (e < t.len)
			m->path = (struct sl_str){ t.p + e, t.len - e };
		else if (m->method == SL_HTTP_OPTIONS)
			m->path = (struct sl_str){ star, 1 };
		else
			m->path = (struct sl_str){ slash, 1 };
		h->form = SL_H1_FORM_ABSOLUTE;
	}
	if ((h->form == SL_H1_FORM_ABSOLUTE || h->form == SL_H1_FORM_AUTHORITY) &&
	    (!f->nhost || !ieq_str(host, m->authority)))
		h->flags |= SL_H1_F_HOST_FROM_TARGET;
	return 0;
}

static int request(struct sl_h1_parser *p, struct sl_h1_head *h, const struct h1_facts *f)
{
	int r;

	h->msg.method = method_id(h->msg.method_name);
	r = request_target(p, h, f);
	if (r)
		return r;
	if (h->msg.method == SL_HTTP_CONNECT && (f->te || f->ncl))
		return h1_fail(p, SL_H1_ERR_CONNECT_BODY);
	if (f->te) {
		if (h->version == 10)
			return h1_fail(p, SL_H1_ERR_TE_HTTP10);
		if (f->ncl)
			return h1_fail(p, SL_H1_ERR_TE_AND_CL);
		if (f->te_bad)
			return h1_fail(p, SL_H1_ERR_TE_INVALID);
		if (f->te_chunked > 1)
			return h1_fail(p, SL_H1_ERR_TE_CHUNKED_TWICE);
		if (!f->te_last_chunked)
			return h1_fail(p, SL_H1_ERR_TE_NOT_CHUNKED);
		if (f->te_codings > 1)
			return h1_fail(p, SL_H1_ERR_TE_UNSUPPORTED);
		h->body = SL_H1_BODY_CHUNKED;
	} else if (f->ncl) {
		h->body = SL_H1_BODY_LENGTH;
		h->length = f->cl;
	}
	if (h->version == 11 ? !f->conn_close : f->conn_keep_alive && !f->conn_close)
		h->flags |= SL_H1_F_KEEP_ALIVE;
	/* HTTP/1.0 recipients ignore both (RFC 9110 sections 10.1.1 and 7.8). */
	if (h->version == 11 && f->expect_continue)
		h->flags |= SL_H1_F_EXPECT_CONTINUE;
	if (h->version == 11 && f->upgrade && f->conn_upgrade) {
		h->flags |= SL_H1_F_UPGRADE;
		if (f->websocket)
			h->flags |= SL_H1_F_WEBSOCKET;
	}
	return 0;
}

static int response(struct sl_h1_parser *p, struct sl_h1_head *h, const struct h1_facts *f)
{
	unsigned int st = h->msg.status;
	bool connect_ok = p->answers == SL_HTTP_CONNECT && st / 100 == 2;
	bool bodyless =
		st < 200 || st == 204 || st == 304 || p->answers == SL_HTTP_HEAD || connect_ok;

	/* Checked even when the status says there is no body: a server that frames a
	 * 204 both ways is as confused as one that frames a 200 both ways. */
	if (f->te) {
		if (f->ncl)
			return h1_fail(p, SL_H1_ERR_TE_AND_CL);
		if (f->te_bad)
			return h1_fail(p, SL_H1_ERR_TE_INVALID);
		if (f->te_chunked > 1)
			return h1_fail(p, SL_H1_ERR_TE_CHUNKED_TWICE);
		h->body = f->te_last_chunked ? SL_H1_BODY_CHUNKED : SL_H1_BODY_CLOSE;
	} else if (f->ncl) {
		h->body = SL_H1_BODY_LENGTH;
		h->length = f->cl;
	} else {
		h->body = SL_H1_BODY_CLOSE;
	}
	if (bodyless)
		h->body = SL_H1_BODY_NONE;
	if (h->version == 11 ? !f->conn_close : f->conn_keep_alive && !f->conn_close)
		h->flags |= SL_H1_F_KEEP_ALIVE;
	if (h->body == SL_H1_BODY_CLOSE || (f->te && h->version == 10))
		h->flags &= ~SL_H1_F_KEEP_ALIVE;
	if (st == 101 || connect_ok)
		h->flags |= SL_H1_F_TUNNEL;
	else if (st < 200)
		h->flags |= SL_H1_F_INTERIM;
	if (f->upgrade) {
		h->flags |= SL_H1_F_UPGRADE;
		if (f->websocket)
			h->flags |= SL_H1_F_WEBSOCKET;
	}
	return 0;
}

int h1_analyse(struct sl_h1_parser *p, struct sl_h1_head *h)
{
	struct h1_facts f = { 0 };
	int r;

	r = gather(p, h, &f);
	if (r)
		return r;
	return p->kind == SL_H1_REQUEST ? request(p, h, &f) : response(p, h, &f);
}
