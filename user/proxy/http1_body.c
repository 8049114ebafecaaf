// SPDX-License-Identifier: Apache-2.0
/*
 * HTTP/1.1 body delimiting (RFC 9112 sections 6 and 7): a byte-at-a-time state machine
 * for the chunk framing, so a chunk-size line, an extension or a trailer may be split
 * anywhere, and whole spans for the chunk data, which is handed to the caller in place.
 * The grammar accepted, and where it is stricter than the RFC requires, is in http1.h.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "proxy/http1.h"
#include "proxy/http1_int.h"

/* Body decoder states (sl_h1_body.state). The chunk-size line states come first, then
 * the trailer line states: range checks below rely on the order. */
enum {
	B_SIZE_FIRST, /* first hex digit of a chunk-size */
	B_SIZE, /* more hex digits */
	B_SIZE_BWS, /* whitespace after the size: only ";" may follow */
	B_EXT_NAME_PRE, /* after ";": BWS, then a name */
	B_EXT_NAME,
	B_EXT_NAME_BWS, /* whitespace after a name: "=" or ";" */
	B_EXT_VAL_PRE, /* after "=": BWS, then a token or a quoted string */
	B_EXT_TOKEN,
	B_EXT_QUOTED,
	B_EXT_QUOTED_PAIR, /* after a backslash inside quotes */
	B_EXT_VAL_END, /* after the closing quote */
	B_EXT_BWS, /* whitespace after a value: only ";" may follow */
	B_SIZE_LF, /* CR seen: LF ends the chunk-size line */
	B_DATA,
	B_DATA_CR,
	B_DATA_LF,
	B_TRL_LINE, /* start of a trailer line (or of the final empty line) */
	B_TRL_NAME,
	B_TRL_VALUE,
	B_TRL_LF,
	B_END_LF, /* CR of the final empty line seen */
	B_DONE,
	B_ERROR,
};

static int body_fail(struct sl_h1_body *b, enum sl_h1_err err)
{
	b->err = err;
	b->reply_status = h1_reply_status(err, b->side);
	b->state = B_ERROR;
	return -EBADMSG;
}

void sl_h1_body_init(struct sl_h1_body *b, enum sl_h1_body_kind kind, uint64_t length,
		     enum sl_h1_kind side, const struct sl_h1_limits *lim)
{
	struct sl_h1_limits def;

	if (!lim) {
		sl_h1_limits_default(&def);
		lim = &def;
	}
	memset(b, 0, sizeof(*b));
	b->kind = kind;
	b->side = side;
	b->max_length = lim->max_length;
	b->max_chunk_line = lim->max_chunk_line;
	b->max_trailer = lim->max_head;
	b->max_fields = lim->max_fields;
	switch (kind) {
	case SL_H1_BODY_LENGTH:
		b->remaining = length;
		b->state = length ? B_DATA : B_DONE;
		break;
	case SL_H1_BODY_CHUNKED:
		b->state = B_SIZE_FIRST;
		break;
	case SL_H1_BODY_CLOSE:
		b->state = B_DATA;
		break;
	default:
		b->kind = SL_H1_BODY_NONE;
		b->state = B_DONE;
		break;
	}
}

void sl_h1_body_init_head(struct sl_h1_body *b, const struct sl_h1_parser *p,
			  const struct sl_h1_head *h)
{
	sl_h1_body_init(b, h->body, h->length, p->kind, &p->lim);
}

bool sl_h1_body_at_eof(const struct sl_h1_body *b)
{
	return b->state == B_DONE || (b->kind == SL_H1_BODY_CLOSE && b->state != B_ERROR);
}

/* One hex digit more of a chunk-size. Sizes are bounded by max_length (at most
 * INT64_MAX), checked before the shift so that nothing can wrap. */
static int size_digit(struct sl_h1_body *b, int d)
{
	if (b->size > b->max_length >> 4 || (b->size << 4 | (uint64_t)d) > b->max_length)
		return body_fail(b, SL_H1_ERR_CHUNK_TOO_LARGE);
	b->size = b->size << 4 | (uint64_t)d;
	b->state = B_SIZE;
	return 0;
}

/* The chunk-size line: chunk-size [ chunk-ext ] CRLF, with
 * chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ( token / quoted-string ) ] ). */
static int size_line_byte(struct sl_h1_body *b, unsigned char c)
{
	bool ws = h1_is_ws(c), tc = h1_is_tchar(c);
	int d = h1_hex(c);

	switch (b->state) {
	case B_SIZE_FIRST:
		if (d < 0)
			return body_fail(b, SL_H1_ERR_CHUNK_SIZE);
		return size_digit(b, d);
	case B_SIZE:
		if (d >= 0)
			return size_digit(b, d);
		if (ws)
			b->state = B_SIZE_BWS;
		else if (c == ';')
			b->state = B_EXT_NAME_PRE;
		else if (c == '\r')
			b->state = B_SIZE_LF;
		else
			return body_fail(b, SL_H1_ERR_CHUNK_SIZE);
		return 0;
	case B_SIZE_BWS:
		if (c == ';')
			b->state = B_EXT_NAME_PRE;
		else if (!ws)
			return body_fail(b, SL_H1_ERR_CHUNK_SIZE);
		return 0;
	case B_EXT_NAME_PRE:
		if (tc)
			b->state = B_EXT_NAME;
		else if (!ws)
			return body_fail(b, SL_H1_ERR_CHUNK_EXT);
		return 0;
	case B_EXT_NAME:
	case B_EXT_NAME_BWS:
		if (tc && b->state == B_EXT_NAME)
			return 0;
		if (ws)
			b->state = B_EXT_NAME_BWS;
		else if (c == '=')
			b->state = B_EXT_VAL_PRE;
		else if (c == ';')
			b->state = B_EXT_NAME_PRE;
		else if (c == '\r' && b->state == B_EXT_NAME)
			b->state = B_SIZE_LF;
		else
			return body_fail(b, SL_H1_ERR_CHUNK_EXT);
		return 0;
	case B_EXT_VAL_PRE:
		if (c == '"')
			b->state = B_EXT_QUOTED;
		else if (tc)
			b->state = B_EXT_TOKEN;
		else if (!ws)
			return body_fail(b, SL_H1_ERR_CHUNK_EXT);
		return 0;
	case B_EXT_QUOTED:
		if (c == '"')
			b->state = B_EXT_VAL_END;
		else if (c == '\\')
			b->state = B_EXT_QUOTED_PAIR;
		else if (!h1_is_value(c))
			return body_fail(b, SL_H1_ERR_CHUNK_EXT);
		return 0;
	case B_EXT_QUOTED_PAIR:
		if (!h1_is_value(c))
			return body_fail(b, SL_H1_ERR_CHUNK_EXT);
		b->state = B_EXT_QUOTED;
		return 0;
	case B_EXT_TOKEN:
	case B_EXT_VAL_END:
	case B_EXT_BWS:
		if (tc && b->state == B_EXT_TOKEN)
			return 0;
		if (ws)
			b->state = B_EXT_BWS;
		else if (c == ';')
			b->state = B_EXT_NAME_PRE;
		else if (c == '\r' && b->state != B_EXT_BWS)
			b->state = B_SIZE_LF;
		else
			return body_fail(b, SL_H1_ERR_CHUNK_EXT);
		return 0;
	default: /* B_SIZE_LF */
		if (c != '\n')
			return body_fail(b, SL_H1_ERR_BARE_CR);
		b->line = 0;
		b->remaining = b->size;
		b->state = b->size ? B_DATA : B_TRL_LINE;
		return 0;
	}
}

static void trl_name_add(struct sl_h1_body *b, unsigned char c)
{
	if (b->trl_name_len < sizeof(b->trl_name))
		b->trl_name[b->trl_name_len] = c == '_' ? '-' : h1_lower(c);
	b->trl_name_len++;
}

/* Trailers are forwarded, never merged into the head here; but a next hop that merges
 * them would take a Content-Length, Transfer-Encoding or Host arriving after the body
 * for framing or routing (RFC 9110 section 6.5.1 forbids both), so they are refused,
 * with the head's "_" lookalikes. */
static bool trl_name_forbidden(const struct sl_h1_body *b)
{
	static const char *const names[] = { "content-length", "transfer-encoding", "host" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == b->trl_name_len &&
		    !memcmp(b->trl_name, names[i], b->trl_name_len))
			return true;
	return false;
}

/* trailer-section = *( field-line CRLF ) CRLF, with the head's field-line rules. */
static int trailer_byte(struct sl_h1_body *b, unsigned char c)
{
	if (++b->trailer_bytes > b->max_trailer)
		return body_fail(b, SL_H1_ERR_TRAILER_TOO_LARGE);
	switch (b->state) {
	case B_TRL_LINE:
		if (c == '\r') {
			b->state = B_END_LF;
		} else if (h1_is_tchar(c)) {
			if (++b->trailer_fields > b->max_fields)
				return body_fail(b, SL_H1_ERR_TRAILER_TOO_LARGE);
			b->trl_name_len = 0;
			trl_name_add(b, c);
			b->state = B_TRL_NAME;
		} else {
			return body_fail(b,
					 h1_is_ws(c) ? SL_H1_ERR_OBS_FOLD : SL_H1_ERR_FIELD_NAME);
		}
		return 0;
	case B_TRL_NAME:
		if (c == ':' && trl_name_forbidden(b))
			return body_fail(b, SL_H1_ERR_TRAILER_FIELD);
		if (c == ':')
			b->state = B_TRL_VALUE;
		else if (h1_is_tchar(c))
			trl_name_add(b, c);
		else if (h1_is_ws(c))
			return body_fail(b, SL_H1_ERR_FIELD_SPACE);
		else if (c == '\r')
			return body_fail(b, SL_H1_ERR_FIELD_NO_COLON);
		else
			return body_fail(b, SL_H1_ERR_FIELD_NAME);
		return 0;
	case B_TRL_VALUE:
		if (c == '\r')
			b->state = B_TRL_LF;
		else if (!h1_is_value(c))
			return body_fail(b, SL_H1_ERR_FIELD_VALUE);
		return 0;
	case B_TRL_LF:
		if (c != '\n')
			return body_fail(b, SL_H1_ERR_BARE_CR);
		b->state = B_TRL_LINE;
		return 0;
	default: /* B_END_LF */
		if (c != '\n')
			return body_fail(b, SL_H1_ERR_BARE_CR);
		b->state = B_DONE;
		return 0;
	}
}

static int chunk_byte(struct sl_h1_body *b, unsigned char c)
{
	/* An LF inside a line is a line end to lenient parsers, and not to this one. */
	if (c == '\n' && ((b->state >= B_SIZE_FIRST && b->state <= B_EXT_BWS) ||
			  (b->state >= B_TRL_LINE && b->state <= B_TRL_VALUE)))
		return body_fail(b, SL_H1_ERR_BARE_LF);
	if (b->state <= B_SIZE_LF) {
		if (++b->line > b->max_chunk_line)
			return body_fail(b, SL_H1_ERR_CHUNK_LINE_TOO_LONG);
		return size_line_byte(b, c);
	}
	switch (b->state) {
	case B_DATA_CR:
		if (c != '\r')
			return body_fail(b, SL_H1_ERR_CHUNK_CRLF);
		b->state = B_DATA_LF;
		return 0;
	case B_DATA_LF:
		if (c != '\n')
			return body_fail(b, SL_H1_ERR_CHUNK_CRLF);
		b->size = 0;
		b->state = B_SIZE_FIRST;
		return 0;
	default:
		return trailer_byte(b, c);
	}
}

/* Hands out up to n bytes of body data at p. */
static void data_span(struct sl_h1_body *b, const char *p, size_t n, struct sl_h1_body_out *out)
{
	uint64_t take = n < b->remaining ? n : b->remaining;

	if (b->kind == SL_H1_BODY_CLOSE)
		take = n;
	if (take) {
		out->data = p;
		out->data_len = (size_t)take;
	}
	out->consumed += (size_t)take;
	b->total += take;
	if (b->kind != SL_H1_BODY_CLOSE)
		b->remaining -= take;
}

int sl_h1_body_decode(struct sl_h1_body *b, const char *buf, size_t len, struct sl_h1_body_out *out)
{
	memset(out, 0, sizeof(*out));
	if (b->state == B_ERROR)
		return -EBADMSG;
	if (b->state == B_DONE)
		return 0;
	if (b->kind != SL_H1_BODY_CHUNKED) {
		data_span(b, buf, len, out);
		if (b->kind == SL_H1_BODY_LENGTH && !b->remaining) {
			b->state = B_DONE;
			return 0;
		}
		return -EAGAIN;
	}
	while (out->consumed < len) {
		if (b->state == B_DATA) {
			/* One span per call: the caller forwards it before the next. */
			data_span(b, buf + out->consumed, len - out->consumed, out);
			if (!b->remaining)
				b->state = B_DATA_CR;
			return -EAGAIN;
		}
		if (chunk_byte(b, (unsigned char)buf[out->consumed]))
			return -EBADMSG;
		out->consumed++;
		if (b->state == B_DONE)
			return 0;
	}
	return -EAGAIN;
}
