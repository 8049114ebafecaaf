/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Types of sluice-proxy's HTTP/1.1 message parser (RFC 9110, RFC 9112): limits, the
 * reasons a message is refused, the parser and body decoder states, and the parsed
 * head. Functions and the strictness rules are in http1.h.
 *
 * The parsed head is two layers. Its `msg` is the version-neutral struct sl_http_msg
 * of http-t.h: method, scheme, authority, path (or status) and fields, the same shape
 * as HTTP/2's pseudo-header fields plus its field list, so an HTTP/2 codec can fill it
 * too and routing, policy and header rewriting are written once. What only HTTP/1.1
 * has stays outside it: the raw request-target and its form, the minor version, the
 * reason phrase, how the body is framed on this connection, and the connection
 * management flags (keep-alive, 100-continue, Upgrade). An HTTP/2 codec would not fill
 * those: HTTP/2 frames bodies itself and has no connection-level fields.
 */
#ifndef SLUICE_PROXY_HTTP1_T_H
#define SLUICE_PROXY_HTTP1_T_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proxy/http-t.h"

/* Defaults for struct sl_h1_limits. */
#define SL_H1_MAX_HEAD_DEFAULT (64 * 1024)
#define SL_H1_MAX_URI_DEFAULT (8 * 1024)
#define SL_H1_MAX_FIELDS_DEFAULT 100
#define SL_H1_MAX_EMPTY_LINES_DEFAULT 4
/* 2^53 - 1: the largest length every downstream parser reads exactly, including the
 * ones whose numbers are doubles. A larger Content-Length or chunk size would be read
 * as another number by such a peer, which is a desynchronisation. */
#define SL_H1_MAX_LENGTH_DEFAULT ((UINT64_C(1) << 53) - 1)
#define SL_H1_MAX_CHUNK_LINE_DEFAULT 4096

struct sl_h1_limits {
	/* Bytes of a head: leading empty lines, start line, field lines and the empty
	 * line that ends it. Also bounds a trailer section. */
	size_t max_head;
	size_t max_uri; /* bytes of a request-target */
	size_t max_fields; /* field lines of a head, and of a trailer section */
	size_t max_empty_lines; /* empty lines ignored before a start line */
	uint64_t max_length; /* largest Content-Length value and chunk size; <= INT64_MAX */
	size_t max_chunk_line; /* bytes of a chunk-size line, extensions and CRLF included */
};

enum sl_h1_kind {
	SL_H1_REQUEST,
	SL_H1_RESPONSE,
};

/* Why a message was refused. sl_h1_err_name() names each; the status a proxy answers
 * with is in the parser (or body decoder) that refused it. */
enum sl_h1_err {
	SL_H1_OK = 0,
	/* Line structure. */
	SL_H1_ERR_BARE_CR, /* CR not followed by LF */
	SL_H1_ERR_BARE_LF, /* LF not preceded by CR */
	SL_H1_ERR_EMPTY_LINES, /* more empty lines before the start line than allowed */
	SL_H1_ERR_HEAD_TOO_LARGE, /* 431 */
	SL_H1_ERR_TOO_MANY_FIELDS, /* 431 */
	/* Start line. */
	SL_H1_ERR_REQUEST_LINE, /* not exactly method SP target SP version */
	SL_H1_ERR_METHOD, /* not a token */
	SL_H1_ERR_TARGET, /* bad byte, bad %-escape, or a form the method does not allow */
	SL_H1_ERR_URI_TOO_LONG, /* 414 */
	SL_H1_ERR_VERSION, /* not HTTP/DIGIT.DIGIT */
	SL_H1_ERR_VERSION_UNSUPPORTED, /* 505: well-formed, but not 1.0 or 1.1 */
	SL_H1_ERR_STATUS_LINE, /* not version SP 3DIGIT [SP reason] */
	/* Field lines. */
	SL_H1_ERR_OBS_FOLD, /* a line starting with SP or HTAB */
	SL_H1_ERR_FIELD_NAME, /* empty, or a byte that is not a token character */
	SL_H1_ERR_FIELD_SPACE, /* whitespace between the name and the colon */
	SL_H1_ERR_FIELD_NO_COLON,
	SL_H1_ERR_FIELD_VALUE, /* NUL, DEL or another control character but HTAB */
	SL_H1_ERR_LOOKALIKE_NAME, /* Content_Length, Transfer_Encoding */
	/* Field semantics. */
	SL_H1_ERR_HOST_MISSING,
	SL_H1_ERR_HOST_DUPLICATE,
	SL_H1_ERR_HOST_INVALID,
	SL_H1_ERR_CL_INVALID, /* empty, a list, a sign, spaces, non-digits, > 2^63 - 1 */
	SL_H1_ERR_CL_DUPLICATE, /* more than one Content-Length field, even if equal */
	SL_H1_ERR_CL_TOO_LARGE, /* 413: above limits.max_length */
	SL_H1_ERR_TE_INVALID, /* empty, an empty list element, or not a token */
	SL_H1_ERR_TE_CHUNKED_TWICE,
	SL_H1_ERR_TE_NOT_CHUNKED, /* a request whose final coding is not chunked */
	SL_H1_ERR_TE_UNSUPPORTED, /* 501: a request with codings before chunked */
	SL_H1_ERR_TE_AND_CL,
	SL_H1_ERR_TE_HTTP10, /* a Transfer-Encoding in an HTTP/1.0 request */
	SL_H1_ERR_CONNECTION, /* not a token list, or names a framing field */
	SL_H1_ERR_CONNECT_BODY, /* CONNECT with Content-Length or Transfer-Encoding */
	SL_H1_ERR_STATUS, /* response status outside 100..599 */
	/* Chunked body. */
	SL_H1_ERR_CHUNK_SIZE, /* empty, not hex, or followed by junk */
	SL_H1_ERR_CHUNK_TOO_LARGE, /* 413: above limits.max_length */
	SL_H1_ERR_CHUNK_EXT, /* not ;name[=token|"quoted"] with BWS only around ; and = */
	SL_H1_ERR_CHUNK_LINE_TOO_LONG,
	SL_H1_ERR_CHUNK_CRLF, /* chunk data not followed by CRLF */
	SL_H1_ERR_TRAILER_TOO_LARGE, /* bytes or fields over the head limits */
	SL_H1_ERR_TRAILER_FIELD, /* Content-Length, Transfer-Encoding or Host in trailers */
	SL_H1_ERR__COUNT,
};

/* How the body that follows a head is delimited on the connection. */
enum sl_h1_body_kind {
	SL_H1_BODY_NONE = 0,
	SL_H1_BODY_LENGTH, /* exactly head.length bytes (possibly 0) */
	SL_H1_BODY_CHUNKED,
	SL_H1_BODY_CLOSE, /* responses only: everything until the server closes */
};

enum sl_h1_target_form {
	SL_H1_FORM_NONE = 0, /* responses */
	SL_H1_FORM_ORIGIN, /* /path?query */
	SL_H1_FORM_ABSOLUTE, /* http://authority/path?query */
	SL_H1_FORM_AUTHORITY, /* host:port, CONNECT only */
	SL_H1_FORM_ASTERISK, /* *, OPTIONS only */
};

/* sl_h1_head.flags */
enum {
	/* The connection may carry another message after this one (RFC 9112 section 9.3).
	 * For the connection to persist, both the request and its response need it. */
	SL_H1_F_KEEP_ALIVE = 1u << 0,
	/* An HTTP/1.1 request with Expect: 100-continue. */
	SL_H1_F_EXPECT_CONTINUE = 1u << 1,
	/* An HTTP/1.1 request with Upgrade and Connection: upgrade, or a response with
	 * an Upgrade field. */
	SL_H1_F_UPGRADE = 1u << 2,
	SL_H1_F_WEBSOCKET = 1u << 3, /* with SL_H1_F_UPGRADE: websocket is offered */
	/* A response after which the connection carries raw bytes both ways: 101, or 2xx
	 * to CONNECT. */
	SL_H1_F_TUNNEL = 1u << 4,
	/* A 1xx response other than 101: the final response for the request follows. */
	SL_H1_F_INTERIM = 1u << 5,
	/* msg.authority comes from the request-target and the Host field differs from it
	 * (or is missing): forward "Host: <authority>" instead of the received Host
	 * (RFC 9112 section 3.2.2). */
	SL_H1_F_HOST_FROM_TARGET = 1u << 6,
};

struct sl_h1_head {
	struct sl_http_msg msg; /* fields are the parser's storage */
	struct sl_str target; /* requests: the request-target as received */
	struct sl_str reason; /* responses: the reason phrase (may be empty) */
	enum sl_h1_target_form form;
	unsigned int version; /* 10 or 11 */
	enum sl_h1_body_kind body;
	uint64_t length; /* the Content-Length value, when there is one */
	unsigned int flags; /* SL_H1_F_* */
	size_t host; /* index of the Host field in msg.fields, or SIZE_MAX */
	size_t len; /* bytes of the head, leading empty lines included */
};

/* Incremental head parser. Fields are private to http1*.c; zeroing is not a valid
 * state: use sl_h1_parser_init(). */
struct sl_h1_parser {
	struct sl_h1_limits lim;
	struct sl_http_field *fields; /* caller's storage, lim.max_fields entries */
	enum sl_h1_kind kind;
	enum sl_http_method answers; /* responses: the method of the request answered */
	int state;
	size_t seen; /* len of the previous call */
	size_t scan; /* next byte to look at */
	size_t line; /* first byte of the line being scanned */
	bool line_ctl; /* ... which holds a byte no field value may (a CTL but HTAB, DEL) */
	size_t sp1, sp2; /* request line: its first two SPs, or SIZE_MAX */
	size_t empty_lines;
	size_t nfields;
	/* Start line, as offsets from the buffer's first byte. */
	size_t sl_start, sl_end, fields_start;
	size_t method_len, target_off, target_len;
	unsigned int version, status;
	enum sl_h1_err err;
	int reply_status; /* set with err: the status to answer the client with */
};

/* Body decoder; private fields, initialise with sl_h1_body_init(). */
struct sl_h1_body {
	enum sl_h1_body_kind kind;
	enum sl_h1_kind side;
	int state;
	uint64_t remaining; /* LENGTH: bytes left; CHUNKED: bytes left in the chunk */
	uint64_t size; /* CHUNKED: the chunk size being read */
	uint64_t max_length;
	uint64_t total; /* body bytes handed out so far */
	size_t line; /* bytes of the current chunk-size line */
	size_t max_chunk_line;
	size_t trailer_bytes, trailer_fields, max_trailer, max_fields;
	char trl_name[17]; /* the trailer field name being read, lowercase, "_" as "-" */
	size_t trl_name_len; /* its length, possibly above sizeof(trl_name) */
	enum sl_h1_err err;
	int reply_status;
};

/* What one sl_h1_body_decode() call did. */
struct sl_h1_body_out {
	size_t consumed; /* bytes of the input used, framing included */
	const char *data; /* body bytes inside the consumed input; NULL when data_len is 0 */
	size_t data_len;
};

#endif /* SLUICE_PROXY_HTTP1_T_H */
