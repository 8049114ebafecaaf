/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sluice-proxy's HTTP/1.1 message parser: heads (request and status lines, field
 * lines), the framing decision of RFC 9112 section 6, and an incremental body decoder
 * (chunked, Content-Length, until close), for a non-blocking proxy that receives bytes
 * in pieces of any size. Nothing is copied: results are slices of the caller's buffer.
 *
 * The proxy sits between clients and servers that may each read a message differently;
 * a message two parsers can frame differently is how requests are smuggled. So the
 * parser accepts what RFC 9112 allows senders to generate and refuses the rest, and
 * where the RFC leaves a recipient the choice, it chooses to refuse:
 *
 *  - Line ends are CRLF. A bare LF (which RFC 9112 section 2.2 lets a recipient accept)
 *    and a bare CR anywhere are refused.
 *  - Up to limits.max_empty_lines (default 4) empty lines before a request or status
 *    line are skipped (RFC 9112 section 2.2 asks for at least one); more are refused.
 *  - Request line: exactly one SP between its three parts. The version is HTTP/1.0 or
 *    HTTP/1.1; any other HTTP/DIGIT.DIGIT is 505 (HTTP/1.2 included: no such version
 *    exists, and forwarding it would be a guess), anything else 400.
 *  - Request-target: visible ASCII only, no "#", every "%" followed by two hex digits.
 *    origin-form; absolute-form with scheme http or https, a non-empty host, no
 *    userinfo, and a path (or nothing) after the authority; authority-form (host:port)
 *    for CONNECT only; "*" for OPTIONS only.
 *  - Status line: a missing SP and reason after the code ("HTTP/1.1 200") is accepted:
 *    servers send it, and it cannot change framing. Status codes are 100..599.
 *  - Field lines: no obs-fold (a line starting with SP or HTAB is refused, not
 *    unfolded), no whitespace before the colon, token names, values without control
 *    characters other than HTAB (bytes >= 0x80 are obs-text and allowed). Names that
 *    read as Content-Length or Transfer-Encoding once "_" is taken for "-" are refused:
 *    gateways that map both to "_" (CGI) would see a framing field the proxy did not.
 *  - Host: HTTP/1.1 requests need exactly one; an HTTP/1.0 request may have none. Its
 *    value is empty or host[:port] (reg-name without ",", or an IP literal).
 *    With an absolute-form or authority-form target, the target's authority wins
 *    (RFC 9112 section 3.2.2): msg.authority is the target's, and when the Host field
 *    says something else, SL_H1_F_HOST_FROM_TARGET tells the caller to forward the
 *    target's authority as Host. The request is not refused for the mismatch.
 *  - Content-Length: 1*DIGIT, leading zeros allowed (the grammar allows them and no
 *    parser reads them differently); anything else is 400, including lists ("5, 5"),
 *    signs, inner spaces and values above 2^63 - 1. Values above limits.max_length are
 *    413. More than one Content-Length field is refused even when the values are equal:
 *    RFC 9112 section 6.3 lets a recipient either merge or refuse them, no correct
 *    sender produces them, and refusing leaves nothing for the next hop to interpret.
 *  - Transfer-Encoding in requests: the only accepted value is "chunked" alone
 *    (case-insensitive, however it is spread over field lines). A final coding other
 *    than chunked is 400 (RFC 9112 section 6.3: the length cannot be determined);
 *    chunked applied twice, an empty element or a non-token element (parameters
 *    included) is 400; other codings before a final chunked ("gzip, chunked") are 501,
 *    as RFC 9112 section 6.1 suggests for codings a server does not implement (HAProxy
 *    refuses them too). Transfer-Encoding with Content-Length, and Transfer-Encoding in
 *    an HTTP/1.0 request, are 400: RFC 9112 section 6.1 and 6.3 say such messages ought
 *    to be treated as errors, and a proxy that forwards them is how smuggling works.
 *  - CONNECT requests have no content (RFC 9110 section 9.3.6): one with
 *    Content-Length (even 0) or Transfer-Encoding is refused.
 *  - Connection: a list of tokens (empty elements ignored, as RFC 9110 section 5.6.1
 *    requires); naming Content-Length, Transfer-Encoding or Host is refused, since
 *    stripping the named field would change how the next hop frames or routes.
 *  - Responses follow RFC 9112 section 6.3: no body after 1xx, 204, 304, or in answer to
 *    HEAD, or a 2xx to CONNECT; otherwise chunked when it is the final coding (codings
 *    before it are the server's business), read until close when Transfer-Encoding has
 *    another final coding, else Content-Length, else until close. Transfer-Encoding with
 *    Content-Length is refused in responses too. An HTTP/1.0 response with
 *    Transfer-Encoding is decoded as the section says (chunked when final) but never
 *    keeps the connection alive (section 6.1: close after it). A refused response is
 *    answered 502.
 *  - Chunked bodies: chunk-size is 1*HEXDIG (no "0x", no sign), at most
 *    limits.max_length; BWS is accepted where RFC 9112 section 7.1.1 puts it, before
 *    and after ";" and "=", so "5 ;a=b" is accepted but "5 " before CRLF is not
 *    (HAProxy accepts the latter; llhttp does not). Extension names are tokens, values
 *    tokens or quoted strings. Chunk data must be followed by CRLF exactly. Trailer
 *    fields follow the field-line rules above, within the head's limits, and may not be
 *    Content-Length, Transfer-Encoding or Host (or their "_" lookalikes): a next hop
 *    that merged them into the head would frame or route by them. Otherwise trailers
 *    are validated, not interpreted: they are forwarded as received, never merged.
 *
 * Usage (a request on a connection; the buffer keeps the head's bytes in place until
 * the head is complete):
 *	struct sl_http_field fields[SL_H1_MAX_FIELDS_DEFAULT];
 *	sl_h1_parser_init(&p, SL_H1_REQUEST, NULL, fields, SL_H1_MAX_FIELDS_DEFAULT);
 *	on every read: r = sl_h1_parse_head(&p, buf, len, &head);
 *		-EAGAIN: read more; -EBADMSG: answer p.reply_status, close;
 *		0: route head.msg, then sl_h1_body_init_head(&b, &p, &head) and feed
 *		   buf + head.len onwards to sl_h1_body_decode(); after the body, the rest
 *		   of the buffer is the next request (sl_h1_parser_reset()).
 */
#ifndef SLUICE_PROXY_HTTP1_H
#define SLUICE_PROXY_HTTP1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proxy/http1-t.h"

/* Fills lim with the SL_H1_*_DEFAULT values. */
void sl_h1_limits_default(struct sl_h1_limits *lim);

/* Prepares p for the first message of a connection's direction `kind`. lim NULL means
 * the defaults; it is copied. fields is storage for nfields >= lim->max_fields parsed
 * fields, owned by the caller and reused for every head p parses. Returns 0, or
 * -EINVAL for limits that do not make sense (max_head < 16, max_uri or max_fields 0,
 * max_length above INT64_MAX, max_chunk_line < 3) or too little storage. */
int sl_h1_parser_init(struct sl_h1_parser *p, enum sl_h1_kind kind, const struct sl_h1_limits *lim,
		      struct sl_http_field *fields, size_t nfields);

/* Readies p for the next message on the same connection (after the previous message's
 * body, or after an interim 1xx response). For a response parser, `answers` is the
 * method of the request the next response answers: HEAD and CONNECT change its
 * framing. Ignored for requests. */
void sl_h1_parser_reset(struct sl_h1_parser *p, enum sl_http_method answers);

/* Parses the head at the start of buf[0, len). buf holds the message from its first
 * byte; each call passes at least the bytes of the previous one, unchanged and at the
 * same offsets (the buffer itself may have moved), so bytes arriving in any pieces give
 * the same answer. Work is linear in the bytes, however they are split.
 * Returns:
 *	0: the head is complete; *h describes it, h->len bytes of buf are the head and
 *	   the body (if any) starts there. Slices point into this call's buf.
 *	-EAGAIN: no complete head yet and nothing wrong so far.
 *	-EBADMSG: refused; p->err says why and p->reply_status is the status to answer
 *	   (400, 413, 414, 431, 501 or 505 for requests, 502 for responses). Every later
 *	   call returns -EBADMSG again.
 *	-EINVAL: misuse (len smaller than before, or a head already returned).
 * h is meaningful only when 0 is returned. */
int sl_h1_parse_head(struct sl_h1_parser *p, const char *buf, size_t len, struct sl_h1_head *h);

/* The error's name for logs and tests: "bare LF", "Content-Length duplicate", ... */
const char *sl_h1_err_name(enum sl_h1_err err);

/* Helpers on a parsed head. */
static inline bool sl_h1_keep_alive(const struct sl_h1_head *h)
{
	return h->flags & SL_H1_F_KEEP_ALIVE;
}

static inline bool sl_h1_expects_continue(const struct sl_h1_head *h)
{
	return h->flags & SL_H1_F_EXPECT_CONTINUE;
}

static inline bool sl_h1_is_upgrade(const struct sl_h1_head *h)
{
	return h->flags & SL_H1_F_UPGRADE;
}

/* Whether field i of h is hop-by-hop: Connection, Keep-Alive, Proxy-Connection, TE,
 * Trailer, Transfer-Encoding, Upgrade, or a field a Connection field names. */
bool sl_h1_is_hop_by_hop(const struct sl_h1_head *h, size_t i);

/* Writes the indices of h's hop-by-hop fields, in order, to idx (at most cap of them)
 * and returns how many there are (which may be more than cap). The proxy leaves them
 * out when forwarding, and writes its own Connection and framing fields. */
size_t sl_h1_hop_by_hop(const struct sl_h1_head *h, size_t *idx, size_t cap);

/* Prepares b to delimit a body of `kind` (with `length` bytes for SL_H1_BODY_LENGTH)
 * on the `side` direction; lim NULL means the defaults. */
void sl_h1_body_init(struct sl_h1_body *b, enum sl_h1_body_kind kind, uint64_t length,
		     enum sl_h1_kind side, const struct sl_h1_limits *lim);

/* The body that follows head h, which parser p returned. */
void sl_h1_body_init_head(struct sl_h1_body *b, const struct sl_h1_parser *p,
			  const struct sl_h1_head *h);

/* Decodes body bytes from buf[0, len), which continue where the previous call's
 * consumed bytes ended. out->consumed bytes were used; body data among them is
 * reported as the span out->data, out->data_len (chunk framing excluded), which the
 * caller forwards or copies before the next call. Returns:
 *	0: the body is complete and ends exactly after out->consumed bytes (any rest of
 *	   buf is the next message); later calls consume nothing and return 0.
 *	-EAGAIN: not complete. Either every byte was consumed, or the call stopped
 *	   after a data span: call again with buf + out->consumed. With len > 0, at
 *	   least one byte is consumed.
 *	-EBADMSG: malformed; b->err and b->reply_status say why; every later call
 *	   returns -EBADMSG.
 * A SL_H1_BODY_CLOSE body never completes here: see sl_h1_body_at_eof(). */
int sl_h1_body_decode(struct sl_h1_body *b, const char *buf, size_t len,
		      struct sl_h1_body_out *out);

/* Whether the peer closing the connection now leaves a complete body: true for a
 * SL_H1_BODY_CLOSE body and for a completed one, false for a truncated one. */
bool sl_h1_body_at_eof(const struct sl_h1_body *b);

#endif /* SLUICE_PROXY_HTTP1_H */
