// SPDX-License-Identifier: Apache-2.0
/*
 * HTTP/1.1 heads, line by line (see http1.h for the rules). Bytes are scanned once:
 * each call resumes where the previous one stopped, checks every byte for bare CR and
 * bare LF, and validates each line as soon as its CRLF arrives, so a bad line is
 * refused without waiting for the rest of the head. Only when the empty line ending the
 * head is seen are the fields sliced out (a second, cheap pass over lines already
 * known to be well-formed) and the head given its meaning (http1_msg.c).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "proxy/http1.h"
#include "proxy/http1_int.h"

static const char *const err_names[SL_H1_ERR__COUNT] = {
	[SL_H1_OK] = "ok",
	[SL_H1_ERR_BARE_CR] = "bare CR",
	[SL_H1_ERR_BARE_LF] = "bare LF",
	[SL_H1_ERR_EMPTY_LINES] = "too many empty lines before the start line",
	[SL_H1_ERR_HEAD_TOO_LARGE] = "head too large",
	[SL_H1_ERR_TOO_MANY_FIELDS] = "too many fields",
	[SL_H1_ERR_REQUEST_LINE] = "malformed request line",
	[SL_H1_ERR_METHOD] = "invalid method",
	[SL_H1_ERR_TARGET] = "invalid request-target",
	[SL_H1_ERR_URI_TOO_LONG] = "request-target too long",
	[SL_H1_ERR_VERSION] = "malformed version",
	[SL_H1_ERR_VERSION_UNSUPPORTED] = "unsupported version",
	[SL_H1_ERR_STATUS_LINE] = "malformed status line",
	[SL_H1_ERR_OBS_FOLD] = "obs-fold",
	[SL_H1_ERR_FIELD_NAME] = "invalid field name",
	[SL_H1_ERR_FIELD_SPACE] = "whitespace before colon",
	[SL_H1_ERR_FIELD_NO_COLON] = "field line without colon",
	[SL_H1_ERR_FIELD_VALUE] = "control character in field value",
	[SL_H1_ERR_LOOKALIKE_NAME] = "field name mimics a framing field",
	[SL_H1_ERR_HOST_MISSING] = "Host missing",
	[SL_H1_ERR_HOST_DUPLICATE] = "Host duplicate",
	[SL_H1_ERR_HOST_INVALID] = "Host invalid",
	[SL_H1_ERR_CL_INVALID] = "Content-Length invalid",
	[SL_H1_ERR_CL_DUPLICATE] = "Content-Length duplicate",
	[SL_H1_ERR_CL_TOO_LARGE] = "Content-Length too large",
	[SL_H1_ERR_TE_INVALID] = "Transfer-Encoding invalid",
	[SL_H1_ERR_TE_CHUNKED_TWICE] = "Transfer-Encoding chunked twice",
	[SL_H1_ERR_TE_NOT_CHUNKED] = "Transfer-Encoding final coding not chunked",
	[SL_H1_ERR_TE_UNSUPPORTED] = "Transfer-Encoding coding not supported",
	[SL_H1_ERR_TE_AND_CL] = "Transfer-Encoding with Content-Length",
	[SL_H1_ERR_TE_HTTP10] = "Transfer-Encoding in HTTP/1.0",
	[SL_H1_ERR_CONNECTION] = "Connection invalid",
	[SL_H1_ERR_CONNECT_BODY] = "CONNECT with content",
	[SL_H1_ERR_STATUS] = "status code out of range",
	[SL_H1_ERR_CHUNK_SIZE] = "invalid chunk size",
	[SL_H1_ERR_CHUNK_TOO_LARGE] = "chunk too large",
	[SL_H1_ERR_CHUNK_EXT] = "invalid chunk extension",
	[SL_H1_ERR_CHUNK_LINE_TOO_LONG] = "chunk-size line too long",
	[SL_H1_ERR_CHUNK_CRLF] = "chunk data not followed by CRLF",
	[SL_H1_ERR_TRAILER_TOO_LARGE] = "trailer section too large",
	[SL_H1_ERR_TRAILER_FIELD] = "framing or routing field in trailers",
};

const char *sl_h1_err_name(enum sl_h1_err err)
{
	if ((unsigned int)err >= SL_H1_ERR__COUNT || !err_names[err])
		return "?";
	return err_names[err];
}

int h1_reply_status(enum sl_h1_err err, enum sl_h1_kind side)
{
	if (side == SL_H1_RESPONSE)
		return 502;
	switch (err) {
	case SL_H1_ERR_URI_TOO_LONG:
		return 414;
	case SL_H1_ERR_HEAD_TOO_LARGE:
	case SL_H1_ERR_TOO_MANY_FIELDS:
		return 431;
	case SL_H1_ERR_CL_TOO_LARGE:
	case SL_H1_ERR_CHUNK_TOO_LARGE:
		return 413;
	case SL_H1_ERR_TE_UNSUPPORTED:
		return 501;
	case SL_H1_ERR_VERSION_UNSUPPORTED:
		return 505;
	default:
		return 400;
	}
}

int h1_fail(struct sl_h1_parser *p, enum sl_h1_err err)
{
	p->err = err;
	p->reply_status = h1_reply_status(err, p->kind);
	p->state = H1_ERROR;
	return -EBADMSG;
}

void sl_h1_limits_default(struct sl_h1_limits *lim)
{
	lim->max_head = SL_H1_MAX_HEAD_DEFAULT;
	lim->max_uri = SL_H1_MAX_URI_DEFAULT;
	lim->max_fields = SL_H1_MAX_FIELDS_DEFAULT;
	lim->max_empty_lines = SL_H1_MAX_EMPTY_LINES_DEFAULT;
	lim->max_length = SL_H1_MAX_LENGTH_DEFAULT;
	lim->max_chunk_line = SL_H1_MAX_CHUNK_LINE_DEFAULT;
}

int sl_h1_parser_init(struct sl_h1_parser *p, enum sl_h1_kind kind, const struct sl_h1_limits *lim,
		      struct sl_http_field *fields, size_t nfields)
{
	memset(p, 0, sizeof(*p));
	if (lim)
		p->lim = *lim;
	else
		sl_h1_limits_default(&p->lim);
	/* 16 bytes is the shortest head there is ("X * HTTP/1.0\r\n\r\n" is 16). */
	if (p->lim.max_head < 16 || !p->lim.max_uri || !p->lim.max_fields ||
	    p->lim.max_length > INT64_MAX || p->lim.max_chunk_line < 3 || !fields ||
	    nfields < p->lim.max_fields)
		return -EINVAL;
	if (kind != SL_H1_REQUEST && kind != SL_H1_RESPONSE)
		return -EINVAL;
	p->kind = kind;
	p->fields = fields;
	sl_h1_parser_reset(p, SL_HTTP_GET);
	return 0;
}

void sl_h1_parser_reset(struct sl_h1_parser *p, enum sl_http_method answers)
{
	p->answers = answers;
	p->state = H1_START;
	p->seen = p->scan = p->line = 0;
	p->line_ctl = false;
	p->sp1 = p->sp2 = SIZE_MAX;
	p->empty_lines = p->nfields = 0;
	p->sl_start = p->sl_end = p->fields_start = 0;
	p->method_len = p->target_off = p->target_len = 0;
	p->version = p->status = 0;
	p->err = SL_H1_OK;
	p->reply_status = 0;
}

/* HTTP-version (RFC 9112 section 2.3): "HTTP/" DIGIT "." DIGIT, case-sensitive. */
static enum sl_h1_err parse_version(const char *s, size_t n, unsigned int *v)
{
	if (n != 8 || memcmp(s, "HTTP/", 5) || !h1_is_digit(s[5]) || s[6] != '.' ||
	    !h1_is_digit(s[7]))
		return SL_H1_ERR_VERSION;
	if (s[5] != '1' || (s[7] != '0' && s[7] != '1'))
		return SL_H1_ERR_VERSION_UNSUPPORTED;
	*v = 10 + (unsigned int)(s[7] - '0');
	return SL_H1_OK;
}

/* The bytes a request-target may hold, whatever its form: visible ASCII but "#" (a
 * fragment is never sent), with well-formed %-escapes. Servers decode escapes; one
 * that is not an escape would be read as something else by each of them. */
static bool target_bytes_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f || c == '#')
			return false;
		if (c == '%') {
			if (n - i < 3 || h1_hex((unsigned char)s[i + 1]) < 0 ||
			    h1_hex((unsigned char)s[i + 2]) < 0)
				return false;
			i += 2;
		}
	}
	return true;
}

/* request-line = method SP request-target SP HTTP-version, in buf[s, e). The scan in
 * sl_h1_parse_head() has already refused a target longer than max_uri. */
static int check_request_line(struct sl_h1_parser *p, const char *buf, size_t s, size_t e)
{
	const char *sp2;
	size_t i = s, t;
	enum sl_h1_err err;

	while (i < e && h1_is_tchar((unsigned char)buf[i]))
		i++;
	if (i < e && buf[i] != ' ')
		return h1_fail(p, SL_H1_ERR_METHOD);
	if (i == s || i == e)
		return h1_fail(p, SL_H1_ERR_REQUEST_LINE);
	t = i + 1;
	sp2 = memchr(buf + t, ' ', e - t);
	if (!sp2 || sp2 == buf + t)
		return h1_fail(p, SL_H1_ERR_REQUEST_LINE);
	if (memchr(sp2 + 1, ' ', (size_t)(buf + e - sp2 - 1)))
		return h1_fail(p, SL_H1_ERR_REQUEST_LINE);
	err = parse_version(sp2 + 1, (size_t)(buf + e - sp2 - 1), &p->version);
	if (err)
		return h1_fail(p, err);
	if (!target_bytes_ok(buf + t, (size_t)(sp2 - buf) - t))
		return h1_fail(p, SL_H1_ERR_TARGET);
	p->method_len = i - s;
	p->target_off = t;
	p->target_len = (size_t)(sp2 - buf) - t;
	return 0;
}

/* The index of the first byte of buf[i, e) that is not h1_is_value(), or e. */
static size_t value_end(const char *buf, size_t i, size_t e)
{
	for (; i < e; i++)
		if (!h1_is_value((unsigned char)buf[i]))
			return i;
	return e;
}

/* value_end(), sixteen bytes at a time: the head scan's way to the end of a field line
 * (the CR is the first byte it stops at, unless the line holds another CTL or DEL). */
static size_t value_run_end(const char *buf, size_t i, size_t e)
{
#if defined(__GNUC__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	typedef unsigned char v16 __attribute__((vector_size(16)));
	typedef signed char m16 __attribute__((vector_size(16)));
	size_t start = i;
	uint64_t w[2];
	v16 v;
	m16 bad;

	for (;; i += 16) {
		if (e - i < 16) {
			if (i == e || e - start < 16)
				break;
			/* the last sixteen, overlapping bytes already found good */
			i = e - 16;
		}
		memcpy(&v, buf + i, 16);
		bad = (m16)((v < 0x20) & (v != '\t')) | (m16)(v == 0x7f);
		memcpy(w, &bad, 16);
		if (w[0])
			return i + (size_t)__builtin_ctzll(w[0]) / 8;
		if (w[1])
			return i + 8 + (size_t)__builtin_ctzll(w[1]) / 8;
		if (i + 16 == e)
			return e;
	}
#endif
	return value_end(buf, i, e);
}

/* status-line = HTTP-version SP status-code [SP reason-phrase], in buf[s, e). The
 * reason is optional here (see http1.h). */
static int check_status_line(struct sl_h1_parser *p, const char *buf, size_t s, size_t e)
{
	const char *sp = memchr(buf + s, ' ', e - s);
	enum sl_h1_err err;
	size_t c;

	if (!sp)
		return h1_fail(p, SL_H1_ERR_STATUS_LINE);
	err = parse_version(buf + s, (size_t)(sp - buf) - s, &p->version);
	if (err)
		return h1_fail(p, err);
	c = (size_t)(sp - buf) + 1;
	if (e - c < 3 || !h1_is_digit(buf[c]) || !h1_is_digit(buf[c + 1]) ||
	    !h1_is_digit(buf[c + 2]))
		return h1_fail(p, SL_H1_ERR_STATUS_LINE);
	if (c + 3 < e && buf[c + 3] != ' ')
		return h1_fail(p, SL_H1_ERR_STATUS_LINE);
	/* the head scan found every byte of the line fit for a value, unless line_ctl */
	if (c + 4 < e && p->line_ctl && value_end(buf, c + 4, e) != e)
		return h1_fail(p, SL_H1_ERR_STATUS_LINE);
	p->status =
		(unsigned int)((buf[c] - '0') * 100 + (buf[c + 1] - '0') * 10 + buf[c + 2] - '0');
	if (p->status < 100 || p->status > 599)
		return h1_fail(p, SL_H1_ERR_STATUS);
	return 0;
}

/* field-line = field-name ":" OWS field-value OWS, in buf[s, e), s < e. Trailer lines
 * obey the same rules, checked byte by byte in http1_body.c. Records where the colon and
 * the CR are in f, for fill_head(): name.len is the colon's offset in buf, value.len the
 * CR's (the buffer may move between calls: offsets, not pointers). */
static int check_field_line(struct sl_h1_parser *p, const char *buf, size_t s, size_t e,
			    struct sl_http_field *f)
{
	size_t i = s;

	if (h1_is_ws((unsigned char)buf[s]))
		return h1_fail(p, SL_H1_ERR_OBS_FOLD);
	while (i < e && h1_is_tchar((unsigned char)buf[i]))
		i++;
	if (i == e)
		return h1_fail(p, SL_H1_ERR_FIELD_NO_COLON);
	if (h1_is_ws((unsigned char)buf[i]))
		return h1_fail(p, SL_H1_ERR_FIELD_SPACE);
	if (buf[i] != ':' || i == s)
		return h1_fail(p, SL_H1_ERR_FIELD_NAME);
	f->name = (struct sl_str){ NULL, i };
	f->value = (struct sl_str){ NULL, e };
	/* the head scan found every byte of the line fit for a value, unless line_ctl */
	if (p->line_ctl && value_end(buf, i + 1, e) != e)
		return h1_fail(p, SL_H1_ERR_FIELD_VALUE);
	return 0;
}

/* A line buf[p->line, cr) ended with CRLF at cr. */
static int end_line(struct sl_h1_parser *p, const char *buf, size_t cr)
{
	int err;

	if (p->state == H1_START) {
		if (cr == p->line) {
			if (++p->empty_lines > p->lim.max_empty_lines)
				return h1_fail(p, SL_H1_ERR_EMPTY_LINES);
			return 0;
		}
		if (p->kind == SL_H1_REQUEST)
			err = check_request_line(p, buf, p->line, cr);
		else
			err = check_status_line(p, buf, p->line, cr);
		if (err)
			return err;
		p->sl_start = p->line;
		p->sl_end = cr;
		p->fields_start = cr + 2;
		p->state = H1_FIELDS;
		return 0;
	}
	if (cr == p->line) {
		p->state = H1_DONE;
		return 0;
	}
	if (++p->nfields > p->lim.max_fields)
		return h1_fail(p, SL_H1_ERR_TOO_MANY_FIELDS);
	return check_field_line(p, buf, p->line, cr, &p->fields[p->nfields - 1]);
}

/* Slices the validated head buf[0, len) into h. */
static void fill_head(struct sl_h1_parser *p, const char *buf, size_t len, struct sl_h1_head *h)
{
	size_t i = p->fields_start, n = 0;

	memset(h, 0, sizeof(*h));
	h->len = len;
	h->version = p->version;
	h->host = SIZE_MAX;
	h->msg.fields = p->fields;
	if (p->kind == SL_H1_REQUEST) {
		h->msg.method_name = (struct sl_str){ buf + p->sl_start, p->method_len };
		h->target = (struct sl_str){ buf + p->target_off, p->target_len };
	} else {
		h->msg.status = p->status;
		/* "HTTP/1.1 200 " is 13 bytes: the reason starts there, if anywhere. */
		if (p->sl_end - p->sl_start > 13)
			h->reason = (struct sl_str){ buf + p->sl_start + 13,
						     p->sl_end - p->sl_start - 13 };
	}
	/* check_field_line() left each field's colon and CR offsets in it. */
	for (n = 0; n < p->nfields; n++) {
		struct sl_http_field *f = &p->fields[n];
		const char *colon = buf + f->name.len, *cr = buf + f->value.len;
		const char *v = colon + 1, *ve = cr;

		while (v < ve && h1_is_ws((unsigned char)*v))
			v++;
		while (ve > v && h1_is_ws((unsigned char)ve[-1]))
			ve--;
		f->name = (struct sl_str){ buf + i, (size_t)(colon - buf) - i };
		f->value = (struct sl_str){ v, (size_t)(ve - v) };
		f->flags = 0;
		i = (size_t)(cr - buf) + 2;
	}
	h->msg.nfields = n;
}

int sl_h1_parse_head(struct sl_h1_parser *p, const char *buf, size_t len, struct sl_h1_head *h)
{
	size_t end, i;
	int err;

	if (p->state == H1_ERROR)
		return -EBADMSG;
	if (p->state == H1_DONE || len < p->seen)
		return -EINVAL;
	p->seen = len;
	end = len < p->lim.max_head ? len : p->lim.max_head;
	for (i = p->scan; i < end; i++) {
		unsigned char c = (unsigned char)buf[i];

		/* Checking each byte against the one before finds a CR that is not
		 * followed by LF even when the two arrive in different calls. */
		if (i > 0 && buf[i - 1] == '\r' && c != '\n')
			return h1_fail(p, SL_H1_ERR_BARE_CR);
		if (c == '\n') {
			if (i == p->line || buf[i - 1] != '\r')
				return h1_fail(p, SL_H1_ERR_BARE_LF);
			err = end_line(p, buf, i - 1);
			if (err)
				return err;
			p->line = i + 1;
			p->line_ctl = false;
			p->sp1 = p->sp2 = SIZE_MAX;
			if (p->state == H1_DONE) {
				p->scan = i + 1;
				fill_head(p, buf, i + 1, h);
				return h1_analyse(p, h);
			}
			continue;
		}
		if (p->state != H1_START || p->kind != SL_H1_REQUEST) {
			const char *cr, *lf;
			size_t next;

			/* The byte after a CR must be checked on its own (above). */
			if (c == '\r')
				continue;
			/* Field lines and the status line need no look at each byte here
			 * (end_line() checks them whole): go to the next CR or LF. On the
			 * way, note whether the line holds a byte no value may: when it
			 * does not, end_line() need not look at its value again. */
			if (!h1_is_value(c))
				p->line_ctl = true;
			next = value_run_end(buf, i + 1, end);
			if (next < end && buf[next] != '\r' && buf[next] != '\n') {
				p->line_ctl = true;
				cr = memchr(buf + next, '\r', end - next);
				lf = memchr(buf + next, '\n',
					    (cr ? (size_t)(cr - buf) : end) - next);
				next = lf ? (size_t)(lf - buf) : cr ? (size_t)(cr - buf) : end;
			}
			i = next - 1; /* the loop's i++ lands on it */
			continue;
		}
		/* An over-long request-target is 414 as soon as it is one, not once the
		 * whole head limit is reached. */
		if (c == ' ' && p->sp1 == SIZE_MAX)
			p->sp1 = i;
		else if (c == ' ' && p->sp2 == SIZE_MAX)
			p->sp2 = i;
		else if (p->sp1 != SIZE_MAX && p->sp2 == SIZE_MAX && i - p->sp1 > p->lim.max_uri)
			return h1_fail(p, SL_H1_ERR_URI_TOO_LONG);
	}
	p->scan = i;
	if (len >= p->lim.max_head)
		return h1_fail(p, SL_H1_ERR_HEAD_TOO_LARGE);
	return -EAGAIN;
}

bool sl_h1_is_hop_by_hop(const struct sl_h1_head *h, size_t i)
{
	return i < h->msg.nfields && (h->msg.fields[i].flags & SL_HTTP_FIELD_HOP);
}

size_t sl_h1_hop_by_hop(const struct sl_h1_head *h, size_t *idx, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < h->msg.nfields; i++) {
		if (!(h->msg.fields[i].flags & SL_HTTP_FIELD_HOP))
			continue;
		if (n < cap)
			idx[n] = i;
		n++;
	}
	return n;
}
