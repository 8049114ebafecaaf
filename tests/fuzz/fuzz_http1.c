// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for the proxy's HTTP/1.1 parser, which reads bytes from clients and
 * servers alike. The input is read as a connection's worth of pipelined requests, then
 * as responses (to GET, HEAD or CONNECT, chosen by the input's hash), then as a bare
 * chunked body; each with the default limits and with tiny ones. Beyond "no crash, no
 * leak, no UB" it checks the parser's contracts, and abort()s when one breaks:
 *  - consumed counts never exceed what was offered, and a call offered bytes either
 *    consumes some or finishes;
 *  - every slice of a parsed head lies inside the head (or is the static "/" or "*"),
 *    names are tokens, values are trimmed and free of CR, LF and NUL;
 *  - a refusal carries a reason and a status that fits the side;
 *  - the same bytes give the same answer whole, one byte at a time, and in random
 *    pieces derived from the input, with the head's buffer moved between calls:
 *    every result is recorded in a trace and the traces must be equal.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/http1.h"

#define MAXF SL_H1_MAX_FIELDS_DEFAULT
#define MAX_MSGS 4
#define TRACE_MAX 4096

static const struct sl_h1_limits tiny = {
	.max_head = 64,
	.max_uri = 16,
	.max_fields = 3,
	.max_empty_lines = 1,
	.max_length = 1000,
	.max_chunk_line = 16,
};

enum feed {
	FEED_WHOLE,
	FEED_BYTES,
	FEED_RANDOM,
};

struct trace {
	uint64_t v[TRACE_MAX];
	size_t n;
};

struct feeder {
	enum feed mode;
	uint32_t rng;
};

static void rec(struct trace *t, uint64_t x)
{
	if (t->n < TRACE_MAX)
		t->v[t->n++] = x;
}

static uint64_t fnv(const void *p, size_t n, uint64_t h)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 0x100000001b3ull;
	return h;
}

static size_t next_piece(struct feeder *f, size_t left)
{
	size_t n;

	if (f->mode == FEED_WHOLE || !left)
		return left;
	if (f->mode == FEED_BYTES)
		return 1;
	f->rng = f->rng * 1103515245u + 12345u;
	/* Mostly small pieces, sometimes large ones, so both cross every boundary. */
	n = (f->rng >> 8) % 8 ? 1 + (f->rng >> 12) % 17 : 1 + (f->rng >> 12) % 512;
	return n < left ? n : left;
}

static void die(const char *what)
{
	fprintf(stderr, "fuzz_http1: broken contract: %s\n", what);
	abort();
}

/* A slice of the head at base[0, len), recorded as its offset so that traces of runs
 * whose buffers differ compare equal. */
static void rec_str(struct trace *t, const char *base, size_t len, struct sl_str s)
{
	if (!s.len) {
		if (s.p && (s.p < base || s.p > base + len))
			die("empty slice outside the head");
		rec(t, 0);
		return;
	}
	if (s.p >= base && s.p + s.len <= base + len) {
		rec(t, 1 + (uint64_t)(s.p - base));
		rec(t, s.len);
		return;
	}
	if (s.len != 1 || (s.p[0] != '/' && s.p[0] != '*'))
		die("slice outside the head");
	rec(t, UINT64_MAX - (unsigned char)s.p[0]);
}

static bool is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static void check_reply(enum sl_h1_kind kind, enum sl_h1_err err, int reply)
{
	if (err == SL_H1_OK || err >= SL_H1_ERR__COUNT)
		die("refusal without a reason");
	if (kind == SL_H1_RESPONSE ? reply != 502
				   : reply != 400 && reply != 413 && reply != 414 && reply != 431 &&
					     reply != 501 && reply != 505)
		die("refusal status");
}

static void check_head(const struct sl_h1_head *h, const char *buf, size_t avail,
		       enum sl_h1_kind kind, const struct sl_h1_limits *lim, struct trace *t)
{
	const struct sl_http_msg *m = &h->msg;

	if (!h->len || h->len > avail || h->len > lim->max_head)
		die("head length");
	if (m->nfields > lim->max_fields)
		die("field count");
	if (h->version != 10 && h->version != 11)
		die("version");
	if (h->body > SL_H1_BODY_CLOSE ||
	    (h->body == SL_H1_BODY_LENGTH && h->length > lim->max_length))
		die("body kind");
	if ((h->flags & SL_H1_F_WEBSOCKET) && !(h->flags & SL_H1_F_UPGRADE))
		die("websocket without upgrade");
	if (kind == SL_H1_REQUEST) {
		if (h->body == SL_H1_BODY_CLOSE ||
		    (h->body == SL_H1_BODY_CHUNKED && h->version != 11))
			die("request framing");
		if (!m->method_name.len || !h->target.len || h->target.len > lim->max_uri)
			die("request line");
		if (m->path.len && m->path.p[0] != '/' && m->path.p[0] != '*')
			die("path");
	} else if (m->status < 100 || m->status > 599) {
		die("status");
	}
	rec(t, h->len);
	rec(t, h->version);
	rec(t, h->body);
	rec(t, h->length);
	rec(t, h->flags);
	rec(t, h->form);
	rec(t, m->method);
	rec(t, m->status);
	rec(t, h->host);
	rec_str(t, buf, h->len, m->method_name);
	rec_str(t, buf, h->len, m->scheme);
	rec_str(t, buf, h->len, m->authority);
	rec_str(t, buf, h->len, m->path);
	rec_str(t, buf, h->len, h->target);
	rec_str(t, buf, h->len, h->reason);
	rec(t, m->nfields);
	for (size_t i = 0; i < m->nfields; i++) {
		const struct sl_http_field *f = &m->fields[i];
		struct sl_str v = f->value;

		if (!f->name.len)
			die("empty name");
		for (size_t k = 0; k < f->name.len; k++)
			if (!is_tchar((unsigned char)f->name.p[k]))
				die("name not a token");
		if (v.len && (v.p[0] == ' ' || v.p[0] == '\t' || v.p[v.len - 1] == ' ' ||
			      v.p[v.len - 1] == '\t'))
			die("value not trimmed");
		if (v.len &&
		    (memchr(v.p, '\r', v.len) || memchr(v.p, '\n', v.len) || memchr(v.p, 0, v.len)))
			die("CR, LF or NUL in a value");
		rec_str(t, buf, h->len, f->name);
		rec_str(t, buf, h->len, f->value);
		rec(t, f->flags);
	}
	if (h->host != SIZE_MAX && h->host >= m->nfields)
		die("host index");
}

/* Decodes the body at in[off, avail) and then whatever more the feeder hands out up to
 * len. Records the outcome; returns the decoder's last answer and sets *end to the
 * bytes of in the body ended at. */
static int decode_body(struct sl_h1_body *b, const char *in, size_t off, size_t avail, size_t len,
		       struct feeder *f, struct trace *t, size_t *end)
{
	struct sl_h1_body_out out;
	uint64_t h = 0xcbf29ce484222325ull, n = 0;
	int r;

	for (;;) {
		do {
			r = sl_h1_body_decode(b, in + off, avail - off, &out);
			if (out.consumed > avail - off)
				die("body consumed more than offered");
			if (r == -EAGAIN && avail > off && !out.consumed)
				die("body made no progress");
			if (r != 0 && r != -EAGAIN && r != -EBADMSG)
				die("body return value");
			if (out.data_len) {
				if (out.data < in + off ||
				    out.data + out.data_len > in + off + out.consumed)
					die("data span outside the consumed bytes");
				h = fnv(out.data, out.data_len, h);
				n += out.data_len;
			}
			off += out.consumed;
		} while (r == -EAGAIN && off < avail);
		if (r != -EAGAIN || avail == len)
			break;
		avail += next_piece(f, len - avail);
	}
	if (r == 0) {
		if (sl_h1_body_decode(b, in + off, len - off, &out) || out.consumed)
			die("a complete body consumed more");
		if (!sl_h1_body_at_eof(b))
			die("complete body not at eof");
	}
	if (r == -EBADMSG)
		check_reply(b->side, b->err, b->reply_status);
	rec(t, (uint64_t)r);
	rec(t, r == -EBADMSG ? b->err : 0);
	rec(t, off);
	rec(t, n);
	rec(t, h);
	*end = off;
	return r;
}

/* Parses up to MAX_MSGS messages from in[0, len) on one connection. */
static void run_messages(const char *in, size_t len, enum sl_h1_kind kind,
			 enum sl_http_method answers, const struct sl_h1_limits *lim,
			 struct feeder *f, struct trace *t)
{
	static struct sl_http_field fields[MAXF];
	struct sl_h1_limits def;
	struct sl_h1_parser p;
	struct sl_h1_head h;
	struct sl_h1_body b;
	size_t msg = 0;

	if (!lim) {
		sl_h1_limits_default(&def);
		lim = &def;
	}
	if (sl_h1_parser_init(&p, kind, lim, fields, MAXF))
		die("init");
	sl_h1_parser_reset(&p, answers);
	for (int m = 0; m < MAX_MSGS && msg < len; m++) {
		size_t left = len - msg, avail = 0, end;
		char *copy = NULL;
		int r;

		/* The head, fed in pieces; each call in FEED_RANDOM sees a fresh
		 * allocation of exactly the bytes received, so a read past them or a
		 * pointer kept from an earlier call is caught. */
		for (;;) {
			const char *buf = in + msg;

			avail += next_piece(f, left - avail);
			if (f->mode == FEED_RANDOM) {
				free(copy);
				copy = malloc(avail ? avail : 1);
				if (!copy)
					die("out of memory");
				memcpy(copy, in + msg, avail);
				buf = copy;
			}
			r = sl_h1_parse_head(&p, buf, avail, &h);
			if (r != -EAGAIN || avail == left) {
				if (!r)
					check_head(&h, buf, avail, kind, lim, t);
				break;
			}
		}
		free(copy);
		rec(t, (uint64_t)r);
		if (r == -EBADMSG) {
			check_reply(kind, p.err, p.reply_status);
			rec(t, p.err);
			if (sl_h1_parse_head(&p, in + msg, left, &h) != -EBADMSG)
				die("refusal did not stick");
			return;
		}
		if (r) {
			if (r != -EAGAIN)
				die("head return value");
			return;
		}
		sl_h1_body_init_head(&b, &p, &h);
		r = decode_body(&b, in + msg, h.len, avail, left, f, t, &end);
		if (r)
			return;
		msg += end;
		if (h.flags & SL_H1_F_TUNNEL)
			return;
		sl_h1_parser_reset(&p, answers);
	}
}

static void compare(const struct trace *a, const struct trace *b, const char *what)
{
	if (a->n == b->n && !memcmp(a->v, b->v, a->n * sizeof(a->v[0])))
		return;
	for (size_t i = 0; i < a->n || i < b->n; i++)
		if (i >= a->n || i >= b->n || a->v[i] != b->v[i]) {
			fprintf(stderr,
				"fuzz_http1: %s: traces differ at %zu (%zu vs %zu values)\n", what,
				i, a->n, b->n);
			break;
		}
	abort();
}

static struct trace t_whole, t_other;

static void messages(const char *in, size_t len, enum sl_h1_kind kind, enum sl_http_method answers,
		     const struct sl_h1_limits *lim, uint32_t seed)
{
	struct feeder f = { FEED_WHOLE, 0 };

	t_whole.n = 0;
	run_messages(in, len, kind, answers, lim, &f, &t_whole);
	t_other.n = 0;
	f = (struct feeder){ FEED_RANDOM, seed };
	run_messages(in, len, kind, answers, lim, &f, &t_other);
	compare(&t_whole, &t_other, "messages, random pieces");
	if (len > 2048)
		return;
	t_other.n = 0;
	f = (struct feeder){ FEED_BYTES, 0 };
	run_messages(in, len, kind, answers, lim, &f, &t_other);
	compare(&t_whole, &t_other, "messages, one byte at a time");
}

static void chunked(const char *in, size_t len, const struct sl_h1_limits *lim, uint32_t seed)
{
	struct feeder f = { FEED_WHOLE, 0 };
	struct sl_h1_body b;
	size_t end;

	t_whole.n = 0;
	sl_h1_body_init(&b, SL_H1_BODY_CHUNKED, 0, SL_H1_REQUEST, lim);
	decode_body(&b, in, 0, 0, len, &f, &t_whole, &end);
	t_other.n = 0;
	f = (struct feeder){ FEED_RANDOM, seed };
	sl_h1_body_init(&b, SL_H1_BODY_CHUNKED, 0, SL_H1_REQUEST, lim);
	decode_body(&b, in, 0, 0, len, &f, &t_other, &end);
	compare(&t_whole, &t_other, "chunked body, random pieces");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t h = fnv(data, size, 0xcbf29ce484222325ull);
	const char *in = (const char *)data;
	uint32_t seed = (uint32_t)(h >> 32) | 1;
	enum sl_http_method answers = h % 4 == 0   ? SL_HTTP_HEAD
				      : h % 4 == 1 ? SL_HTTP_CONNECT
						   : SL_HTTP_GET;

	for (int l = 0; l < 2; l++) {
		const struct sl_h1_limits *lim = l ? &tiny : NULL;

		messages(in, size, SL_H1_REQUEST, SL_HTTP_GET, lim, seed);
		messages(in, size, SL_H1_RESPONSE, answers, lim, seed);
		chunked(in, size, lim, seed);
	}
	return 0;
}
