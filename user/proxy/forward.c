// SPDX-License-Identifier: Apache-2.0
/* Request and response head rewriting (the rules are in forward.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "proxy/forward.h"

/* An append-only writer that remembers running out of room instead of failing each
 * call, so a head is written straight through and checked once. */
struct wr {
	char *p;
	size_t len, cap;
	bool full;
};

static void put(struct wr *w, const char *s, size_t n)
{
	if (w->full || w->cap - w->len < n) {
		w->full = true;
		return;
	}
	memcpy(w->p + w->len, s, n);
	w->len += n;
}

static void puts_(struct wr *w, const char *s)
{
	put(w, s, strlen(s));
}

static void put_str(struct wr *w, struct sl_str s)
{
	put(w, s.p, s.len);
}

static void put_field(struct wr *w, const char *name, struct sl_str v)
{
	puts_(w, name);
	put(w, ": ", 2);
	put_str(w, v);
	put(w, "\r\n", 2);
}

static int finish(struct wr *w)
{
	return w->full ? -ENOSPC : (int)w->len;
}

/* Case-insensitive equality with a lowercase literal. */
static bool ieq(struct sl_str s, const char *lit)
{
	size_t n = strlen(lit);

	if (s.len != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s.p[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c + 32);
		if (c != lit[i])
			return false;
	}
	return true;
}

static struct sl_str cstr(const char *s)
{
	return (struct sl_str){ s, s ? strlen(s) : 0 };
}

/* The first field named `name`'s value, or an empty slice. */
static struct sl_str field_value(const struct sl_http_msg *m, const char *name)
{
	for (size_t i = 0; i < m->nfields; i++)
		if (ieq(m->fields[i].name, name))
			return m->fields[i].value;
	return (struct sl_str){ NULL, 0 };
}

int px_fwd_request_head(const struct sl_h1_head *h, const struct px_fwd_req *f, char *out,
			size_t cap, struct sl_str *rid)
{
	const struct sl_http_msg *m = &h->msg;
	struct wr w = { out, 0, cap, false };
	size_t last_xff = SIZE_MAX;
	bool has_xfp = false;

	rid->p = NULL;
	rid->len = 0;
	for (size_t i = 0; i < m->nfields; i++)
		if (ieq(m->fields[i].name, "x-forwarded-for"))
			last_xff = i;
	put_str(&w, m->method_name);
	put(&w, " ", 1);
	put_str(&w, h->form == SL_H1_FORM_ABSOLUTE ? m->path : h->target);
	puts_(&w, " HTTP/1.1\r\n");
	for (size_t i = 0; i < m->nfields; i++) {
		const struct sl_http_field *fl = &m->fields[i];

		if (fl->flags & SL_HTTP_FIELD_HOP)
			continue;
		if (i == h->host && (h->flags & SL_H1_F_HOST_FROM_TARGET)) {
			put_field(&w, "Host", m->authority);
			continue;
		}
		if (ieq(fl->name, "x-request-id")) {
			if (!fl->value.len || rid->len)
				continue; /* empty: generated below; later copies: one id */
			*rid = fl->value;
		} else if (ieq(fl->name, "x-forwarded-proto")) {
			has_xfp = true;
		}
		put_str(&w, fl->name);
		put(&w, ": ", 2);
		put_str(&w, fl->value);
		if (i == last_xff) {
			if (fl->value.len)
				put(&w, ", ", 2);
			puts_(&w, f->client_addr);
		}
		put(&w, "\r\n", 2);
	}
	if (h->host == SIZE_MAX)
		put_field(&w, "Host",
			  (h->flags & SL_H1_F_HOST_FROM_TARGET) ? m->authority
								: cstr(f->host_fallback));
	if (h->body == SL_H1_BODY_CHUNKED)
		puts_(&w, "Transfer-Encoding: chunked\r\n");
	if (h->flags & SL_H1_F_UPGRADE) {
		puts_(&w, "Connection: upgrade\r\n");
		put_field(&w, "Upgrade", field_value(m, "upgrade"));
	}
	if (last_xff == SIZE_MAX)
		put_field(&w, "x-forwarded-for", cstr(f->client_addr));
	if (!has_xfp)
		put_field(&w, "x-forwarded-proto", cstr(f->proto));
	if (!rid->len) {
		*rid = cstr(f->request_id);
		put_field(&w, "x-request-id", *rid);
	}
	put(&w, "\r\n", 2);
	return finish(&w);
}

int px_fwd_response_head(const struct sl_h1_head *h, const struct px_fwd_resp *f, char *out,
			 size_t cap)
{
	const struct sl_http_msg *m = &h->msg;
	struct wr w = { out, 0, cap, false };
	unsigned int st = m->status;
	bool no_framing = st < 200 || st == 204;
	char code[4] = { (char)('0' + st / 100 % 10), (char)('0' + st / 10 % 10),
			 (char)('0' + st % 10), ' ' }; /* three digits: what the parser takes */

	put(&w, "HTTP/1.1 ", 9);
	put(&w, code, sizeof(code));
	if (h->reason.len)
		put_str(&w, h->reason);
	else
		puts_(&w, px_status_reason(st));
	put(&w, "\r\n", 2);
	for (size_t i = 0; i < m->nfields; i++) {
		const struct sl_http_field *fl = &m->fields[i];
		bool te = ieq(fl->name, "transfer-encoding");

		/* Transfer-Encoding is hop-by-hop, but the body keeps the framing it came
		 * with, so the field that announces it goes along. */
		if ((fl->flags & SL_HTTP_FIELD_HOP) && !te)
			continue;
		if (te && (no_framing || f->dechunk))
			continue;
		if (no_framing && ieq(fl->name, "content-length"))
			continue;
		put_str(&w, fl->name);
		put(&w, ": ", 2);
		put_str(&w, fl->value);
		put(&w, "\r\n", 2);
	}
	if (h->flags & SL_H1_F_TUNNEL) {
		puts_(&w, "Connection: upgrade\r\n");
		put_field(&w, "Upgrade", field_value(m, "upgrade"));
	} else if (st >= 200) {
		if (f->close)
			puts_(&w, "Connection: close\r\n");
		else if (f->keep_alive_10)
			puts_(&w, "Connection: keep-alive\r\n");
	}
	put(&w, "\r\n", 2);
	return finish(&w);
}

int px_local_response(int status, const char *body, bool close, bool keep_alive_10, bool head_only,
		      const char *request_id, char *out, size_t cap)
{
	struct wr w = { out, 0, cap, false };
	size_t blen = body ? strlen(body) + 1 : 0;
	char line[96];

	snprintf(line, sizeof(line), "HTTP/1.1 %03d %s\r\n", status,
		 px_status_reason((unsigned int)status));
	puts_(&w, line);
	snprintf(line, sizeof(line), "content-length: %zu\r\n", blen);
	puts_(&w, line);
	if (blen)
		puts_(&w, "content-type: text/plain\r\n");
	if (request_id && *request_id)
		put_field(&w, "x-request-id", cstr(request_id));
	if (close)
		puts_(&w, "connection: close\r\n");
	else if (keep_alive_10)
		puts_(&w, "connection: keep-alive\r\n");
	put(&w, "\r\n", 2);
	if (blen && !head_only) {
		puts_(&w, body);
		put(&w, "\n", 1);
	}
	return finish(&w);
}

const char *px_status_reason(unsigned int status)
{
	switch (status) {
	case 100:
		return "Continue";
	case 101:
		return "Switching Protocols";
	case 200:
		return "OK";
	case 204:
		return "No Content";
	case 301:
		return "Moved Permanently";
	case 302:
		return "Found";
	case 303:
		return "See Other";
	case 307:
		return "Temporary Redirect";
	case 308:
		return "Permanent Redirect";
	case 304:
		return "Not Modified";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 413:
		return "Content Too Large";
	case 414:
		return "URI Too Long";
	case 429:
		return "Too Many Requests";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "";
	}
}

void px_uuid4(const uint8_t rnd[16], char out[PX_UUID_LEN])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t b[16];
	size_t o = 0;

	memcpy(b, rnd, 16);
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40); /* version 4 */
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80); /* variant 10 */
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[b[i] >> 4];
		out[o++] = hex[b[i] & 15];
	}
	out[o] = '\0';
}
