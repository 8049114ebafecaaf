/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal to user/proxy/http1*.c: the character classes of RFC 9110 section 5.6, list
 * iteration, and the split between line scanning (http1.c) and the meaning of a
 * complete head (http1_msg.c).
 */
#ifndef SLUICE_PROXY_HTTP1_INT_H
#define SLUICE_PROXY_HTTP1_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "proxy/http1-t.h"

/* Parser states (sl_h1_parser.state). */
enum {
	H1_START, /* before or in the start line */
	H1_FIELDS,
	H1_DONE,
	H1_ERROR,
};

static inline bool h1_is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline bool h1_is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static inline int h1_hex(unsigned char c)
{
	if (h1_is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* tchar: what tokens (method, field names, codings, chunk extension names) are made of.
 * A table: every byte of every field name is checked against it. */
static const bool h1_tchar[256] = {
	['0' ... '9'] = true, ['A' ... 'Z'] = true, ['a' ... 'z'] = true, ['!'] = true,
	['#'] = true,	      ['$'] = true,	    ['%'] = true,	  ['&'] = true,
	['\''] = true,	      ['*'] = true,	    ['+'] = true,	  ['-'] = true,
	['.'] = true,	      ['^'] = true,	    ['_'] = true,	  ['`'] = true,
	['|'] = true,	      ['~'] = true,
};

static inline bool h1_is_tchar(unsigned char c)
{
	return h1_tchar[c];
}

static inline bool h1_is_ws(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* field-vchar / SP / HTAB: a byte a field value (or reason phrase) may hold. Bytes
 * >= 0x80 are obs-text. */
static inline bool h1_is_value(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static inline char h1_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 32) : (char)c;
}

/* Case-insensitive equality of s with the lowercase literal `lit`. */
static inline bool h1_ieq(struct sl_str s, const char *lit)
{
	size_t n = strlen(lit);

	if (s.len != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (h1_lower((unsigned char)s.p[i]) != lit[i])
			return false;
	return true;
}

static inline bool h1_is_token(struct sl_str s)
{
	if (!s.len)
		return false;
	for (size_t i = 0; i < s.len; i++)
		if (!h1_is_tchar((unsigned char)s.p[i]))
			return false;
	return true;
}

/* Iterates the elements of a comma-separated list (RFC 9110 section 5.6.1), trimmed of
 * OWS, empty ones included: "a, ,b" is "a", "", "b"; "" is one empty element. Callers
 * decide whether empty elements are ignored or refused. */
struct h1_list {
	const char *p, *end;
	bool done;
};

static inline void h1_list_init(struct h1_list *l, struct sl_str v)
{
	l->p = v.p;
	l->end = v.p + v.len;
	l->done = false;
}

static inline bool h1_list_next(struct h1_list *l, struct sl_str *e)
{
	const char *s = l->p, *c;

	if (l->done)
		return false;
	c = s ? memchr(s, ',', (size_t)(l->end - s)) : NULL;
	if (!c) {
		c = l->end;
		l->done = true;
	} else {
		l->p = c + 1;
	}
	while (s < c && h1_is_ws((unsigned char)*s))
		s++;
	while (c > s && h1_is_ws((unsigned char)c[-1]))
		c--;
	e->p = s;
	e->len = (size_t)(c - s);
	return true;
}

/* The status a proxy answers a message refused for err with: 502 for any response (the
 * upstream failed), 400 or the specific 4xx/5xx for a request. */
int h1_reply_status(enum sl_h1_err err, enum sl_h1_kind side);

/* Refuses the message: records err and the status to answer, moves p to H1_ERROR and
 * returns -EBADMSG. */
int h1_fail(struct sl_h1_parser *p, enum sl_h1_err err);

/* Gives meaning to a complete head whose lines http1.c validated and whose fields h->msg
 * holds: target form and authority, framing, connection flags. Returns 0 or h1_fail()'s
 * -EBADMSG. */
int h1_analyse(struct sl_h1_parser *p, struct sl_h1_head *h);

#endif /* SLUICE_PROXY_HTTP1_INT_H */
