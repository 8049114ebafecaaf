// SPDX-License-Identifier: Apache-2.0
/*
 * The proxy's HTTP/1.1 parser, table-driven: each row is one message (head and body),
 * what it must parse to, or the reason and status it must be refused with. The
 * smuggling rows follow HAProxy's reg-tests/http-messaging/http_transfer_encoding.vtc
 * and the "severe" cases of AWS http-desync-guardian, one row per variant. Every row is
 * fed whole, one byte at a time, and in seeded random pieces (with the head's buffer
 * moved between calls, as a proxy that grows its buffer would), and must give the same
 * answer each way.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proxy/http1.h"

#define MAXF SL_H1_MAX_FIELDS_DEFAULT
#define H "Host: a\r\n"
#define TE "Transfer-Encoding: "

struct h1_case {
	const char *desc;
	const char *in;
	size_t len;
	enum sl_h1_kind kind;
	enum sl_http_method answers; /* responses: the request's method */
	const struct sl_h1_limits *lim; /* NULL: defaults */
	int rc; /* of the whole message: 0 complete, -EAGAIN, -EBADMSG */
	enum sl_h1_err err;
	int status; /* the status to answer with, for -EBADMSG */
	bool partial_head; /* -EAGAIN before the head is complete */
	/* When the head is complete; NULL strings and 0 counts are not checked. */
	const char *method, *scheme, *authority, *path, *target;
	enum sl_http_method method_id;
	unsigned int msg_status;
	enum sl_h1_target_form form;
	enum sl_h1_body_kind body;
	uint64_t length;
	unsigned int flags; /* exactly */
	size_t nfields;
	const char *data; /* body bytes decoded */
	const char *rest; /* bytes after the message */
};

#define REQ(s) .kind = SL_H1_REQUEST, .in = (s), .len = sizeof(s) - 1
#define RESP(s) .kind = SL_H1_RESPONSE, .in = (s), .len = sizeof(s) - 1
#define BAD(e, st) .rc = -EBADMSG, .err = (e), .status = (st)
#define KA SL_H1_F_KEEP_ALIVE

static const struct sl_h1_limits small = {
	.max_head = 64,
	.max_uri = 16,
	.max_fields = 3,
	.max_empty_lines = 1,
	.max_length = 1000,
	.max_chunk_line = 16,
};

static const struct h1_case cases[] = {
	/* ---- requests that parse ---- */
	{ "simple GET", REQ("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"), .method = "GET",
	  .method_id = SL_HTTP_GET, .scheme = "", .authority = "example.com", .path = "/",
	  .form = SL_H1_FORM_ORIGIN, .flags = KA, .nfields = 1, .data = "", .rest = "" },
	{ "POST with Content-Length",
	  REQ("POST /submit?x=1&y=%2F HTTP/1.1\r\n" H "Content-Length: 5\r\n\r\nhello"),
	  .method_id = SL_HTTP_POST, .path = "/submit?x=1&y=%2F", .body = SL_H1_BODY_LENGTH,
	  .length = 5, .flags = KA, .nfields = 2, .data = "hello", .rest = "" },
	{ "Content-Length 0", REQ("PUT /x HTTP/1.1\r\n" H "Content-Length: 0\r\n\r\n"),
	  .body = SL_H1_BODY_LENGTH, .length = 0, .flags = KA, .data = "" },
	{ "Content-Length with leading zeros (accepted)",
	  REQ("POST / HTTP/1.1\r\n" H "Content-Length: 005\r\n\r\nhello"),
	  .body = SL_H1_BODY_LENGTH, .length = 5, .flags = KA, .data = "hello" },
	{ "Content-Length 2^53 - 1 (the maximum)",
	  REQ("POST / HTTP/1.1\r\n" H "Content-Length: 9007199254740991\r\n\r\nab"), .rc = -EAGAIN,
	  .body = SL_H1_BODY_LENGTH, .length = 9007199254740991ull, .flags = KA, .data = "ab" },
	{ "body still arriving", REQ("POST / HTTP/1.1\r\n" H "Content-Length: 10\r\n\r\nhello"),
	  .rc = -EAGAIN, .body = SL_H1_BODY_LENGTH, .length = 10, .flags = KA, .data = "hello" },
	{ "head still arriving", REQ("GET / HTTP/1.1\r\n" H), .rc = -EAGAIN, .partial_head = true },
	{ "head ends with CR", REQ("GET / HTTP/1.1\r\n" H "\r"), .rc = -EAGAIN,
	  .partial_head = true },
	{ "chunked with extensions and trailers",
	  REQ("POST /up HTTP/1.1\r\n" H TE "chunked\r\n\r\n"
	      "5;name=value\r\nhello\r\n"
	      "6;q=\"a \\\"b\\\"; c\";x;y=z\r\n world\r\n"
	      "0;last\r\nExpires: never\r\nX-Sum: \t1 \r\n\r\n"),
	  .body = SL_H1_BODY_CHUNKED, .flags = KA, .data = "hello world", .rest = "" },
	{ "chunked, hex sizes in both cases with leading zeros",
	  REQ("POST / HTTP/1.1\r\n" H TE "chunked\r\n\r\n000A\r\n0123456789\r\n"
	      "b\r\nabcdefghijk\r\n000\r\n\r\n"),
	  .body = SL_H1_BODY_CHUNKED, .flags = KA, .data = "0123456789abcdefghijk" },
	{ "chunked, BWS around ; and = (RFC 9112 7.1.1)",
	  REQ("POST / HTTP/1.1\r\n" H TE "chunked\r\n\r\n3 \t; a = b ;c\r\nabc\r\n0\r\n\r\n"),
	  .body = SL_H1_BODY_CHUNKED, .flags = KA, .data = "abc" },
	{ "chunked, still arriving", REQ("POST / HTTP/1.1\r\n" H TE "chunked\r\n\r\n5\r\nhel"),
	  .rc = -EAGAIN, .body = SL_H1_BODY_CHUNKED, .flags = KA, .data = "hel" },
	{ "chunked, chunk size 2^53 - 1 accepted",
	  REQ("POST / HTTP/1.1\r\n" H TE "chunked\r\n\r\n1FFFFFFFFFFFFF\r\nxy"), .rc = -EAGAIN,
	  .body = SL_H1_BODY_CHUNKED, .flags = KA, .data = "xy" },
	{ "TE value with leading OWS is chunked",
	  REQ("POST / HTTP/1.1\r\n" H TE "   chunked\r\n\r\n0\r\n\r\n"), .body = SL_H1_BODY_CHUNKED,
	  .flags = KA, .data = "" },
	{ "TE value with trailing SP is chunked",
	  REQ("POST / HTTP/1.1\r\n" H TE "chunked \r\n\r\n0\r\n\r\n"), .body = SL_H1_BODY_CHUNKED,
	  .flags = KA },
	{ "TE value with trailing HTAB is chunked",
	  REQ("POST / HTTP/1.1\r\n" H TE "chunked\t\r\n\r\n0\r\n\r\n"), .body = SL_H1_BODY_CHUNKED,
	  .flags = KA },
	{ "TE coding names are case-insensitive",
	  REQ("POST / HTTP/1.1\r\n" H "transfer-encoding: CHUNKED\r\n\r\n0\r\n\r\n"),
	  .body = SL_H1_BODY_CHUNKED, .flags = KA },
	{ "pipelined: the rest is the next request",
	  REQ("GET /1 HTTP/1.1\r\n" H "\r\nGET /2 HTTP/1.1\r\n" H "\r\n"), .path = "/1",
	  .flags = KA, .rest = "GET /2 HTTP/1.1\r\n" H "\r\n" },
	{ "pipelined after a chunked body",
	  REQ("POST / HTTP/1.1\r\n" H TE "chunked\r\n\r\n1\r\nx\r\n0\r\n\r\nGET / HTTP/1.1\r\n"),
	  .body = SL_H1_BODY_CHUNKED, .flags = KA, .data = "x", .rest = "GET / HTTP/1.1\r\n" },
	{ "two leading empty lines are skipped", REQ("\r\n\r\nGET / HTTP/1.1\r\n" H "\r\n"),
	  .path = "/", .flags = KA },
	{ "HTTP/1.0 without Host", REQ("GET /old HTTP/1.0\r\n\r\n"), .authority = "",
	  .path = "/old", .flags = 0 },
	{ "HTTP/1.0 keep-alive", REQ("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"),
	  .flags = KA },
	{ "HTTP/1.0 keep-alive and close: close wins",
	  REQ("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n"), .flags = 0 },
	{ "HTTP/1.1 Connection: close", REQ("GET / HTTP/1.1\r\n" H "Connection: close\r\n\r\n"),
	  .flags = 0 },
	{ "Connection with empty elements",
	  REQ("GET / HTTP/1.1\r\n" H "Connection: ,, close ,\r\n\r\n"), .flags = 0 },
	{ "Expect: 100-continue",
	  REQ("PUT /f HTTP/1.1\r\n" H "Expect: 100-Continue\r\nContent-Length: 1\r\n\r\nz"),
	  .body = SL_H1_BODY_LENGTH, .length = 1, .flags = KA | SL_H1_F_EXPECT_CONTINUE,
	  .data = "z" },
	{ "Expect: 100-continue/1 is not 100-continue",
	  REQ("GET / HTTP/1.1\r\n" H "Expect: 100-continue/1\r\n\r\n"), .flags = KA },
	{ "Expect in HTTP/1.0 is ignored",
	  REQ("PUT /f HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n"),
	  .body = SL_H1_BODY_LENGTH, .flags = 0 },
	{ "Upgrade: websocket",
	  REQ("GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\n"
	      "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	      "Sec-WebSocket-Version: 13\r\n\r\n"),
	  .flags = KA | SL_H1_F_UPGRADE | SL_H1_F_WEBSOCKET, .nfields = 5 },
	{ "Upgrade to h2c is an upgrade, not websocket",
	  REQ("GET / HTTP/1.1\r\n" H "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
	      "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n"),
	  .flags = KA | SL_H1_F_UPGRADE },
	{ "Upgrade with a version",
	  REQ("GET / HTTP/1.1\r\n" H "Connection: upgrade\r\nUpgrade: h2c, WebSocket/13\r\n\r\n"),
	  .flags = KA | SL_H1_F_UPGRADE | SL_H1_F_WEBSOCKET },
	{ "Upgrade without Connection: upgrade is not one",
	  REQ("GET / HTTP/1.1\r\n" H "Upgrade: websocket\r\n\r\n"), .flags = KA },
	{ "Upgrade in HTTP/1.0 is ignored",
	  REQ("GET / HTTP/1.0\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n"), .flags = 0 },
	{ "absolute-form, Host agrees",
	  REQ("GET http://example.com:8080/a?b=c HTTP/1.1\r\nHost: EXAMPLE.com:8080\r\n\r\n"),
	  .scheme = "http", .authority = "example.com:8080", .path = "/a?b=c",
	  .form = SL_H1_FORM_ABSOLUTE, .flags = KA },
	{ "absolute-form, Host disagrees: the target's authority wins",
	  REQ("GET https://good.example/x HTTP/1.1\r\nHost: evil.example\r\n\r\n"),
	  .scheme = "https", .authority = "good.example", .path = "/x", .form = SL_H1_FORM_ABSOLUTE,
	  .flags = KA | SL_H1_F_HOST_FROM_TARGET },
	{ "absolute-form without a path", REQ("GET HTTP://a HTTP/1.1\r\n" H "\r\n"),
	  .scheme = "HTTP", .authority = "a", .path = "/", .flags = KA },
	{ "absolute-form in HTTP/1.0 without Host", REQ("GET http://a/ HTTP/1.0\r\n\r\n"),
	  .authority = "a", .path = "/", .flags = SL_H1_F_HOST_FROM_TARGET },
	{ "OPTIONS *", REQ("OPTIONS * HTTP/1.1\r\n" H "\r\n"), .method_id = SL_HTTP_OPTIONS,
	  .path = "*", .authority = "a", .form = SL_H1_FORM_ASTERISK, .flags = KA },
	{ "OPTIONS absolute-form without a path is *",
	  REQ("OPTIONS http://a:81 HTTP/1.1\r\nHost: a:81\r\n\r\n"), .path = "*",
	  .authority = "a:81", .form = SL_H1_FORM_ABSOLUTE, .flags = KA },
	{ "CONNECT authority-form",
	  REQ("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"),
	  .method_id = SL_HTTP_CONNECT, .authority = "example.com:443", .path = "",
	  .form = SL_H1_FORM_AUTHORITY, .flags = KA },
	{ "CONNECT to an IPv6 literal", REQ("CONNECT [2001:db8::1]:443 HTTP/1.1\r\n" H "\r\n"),
	  .authority = "[2001:db8::1]:443", .flags = KA | SL_H1_F_HOST_FROM_TARGET },
	{ "unknown method", REQ("PURGE /c HTTP/1.1\r\n" H "\r\n"), .method = "PURGE",
	  .method_id = SL_HTTP_METHOD_OTHER, .flags = KA },
	{ "methods are case-sensitive", REQ("get / HTTP/1.1\r\n" H "\r\n"), .method = "get",
	  .method_id = SL_HTTP_METHOD_OTHER, .flags = KA },
	{ "Host with an IPv6 literal and port", REQ("GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n"),
	  .authority = "[::1]:8080", .flags = KA },
	{ "Host with %-escapes", REQ("GET / HTTP/1.1\r\nHost: %41b.c\r\n\r\n"),
	  .authority = "%41b.c", .flags = KA },
	{ "field names with _ that mimic nothing",
	  REQ("GET / HTTP/1.1\r\n" H "X_Trace: 1\r\nContent_Lengtx: 2\r\n\r\n"), .flags = KA },
	{ "empty Host", REQ("GET / HTTP/1.1\r\nHost:\r\n\r\n"), .authority = "", .flags = KA },
	{ "field values: OWS trimmed, obs-text and HTAB kept",
	  REQ("GET / HTTP/1.1\r\n" H "X-A: \t caf\xc3\xa9 \t x\t \r\nX-Empty:\r\n\r\n"),
	  .flags = KA, .nfields = 3 },
	{ "GET with a body (allowed)", REQ("GET / HTTP/1.1\r\n" H "Content-Length: 1\r\n\r\nq"),
	  .body = SL_H1_BODY_LENGTH, .length = 1, .flags = KA, .data = "q" },
	{ "field named in Connection",
	  REQ("GET / HTTP/1.1\r\n" H "Connection: x-trace\r\nX-Trace: 1\r\n\r\n"), .flags = KA,
	  .nfields = 3 },
	{ "Transfer-Encoding is not TE", REQ("GET / HTTP/1.1\r\n" H "TE: trailers\r\n\r\n"),
	  .body = SL_H1_BODY_NONE, .flags = KA },

	/* ---- request line ---- */
	{ "bare LF line ends", REQ("GET / HTTP/1.1\nHost: a\n\n"), BAD(SL_H1_ERR_BARE_LF, 400) },
	{ "bare LF after the request line", REQ("GET / HTTP/1.1\n" H "\r\n"),
	  BAD(SL_H1_ERR_BARE_LF, 400) },
	{ "bare LF as the empty line", REQ("GET / HTTP/1.1\r\n" H "\n"),
	  BAD(SL_H1_ERR_BARE_LF, 400) },
	{ "bare LF before the request line", REQ("\nGET / HTTP/1.1\r\n" H "\r\n"),
	  BAD(SL_H1_ERR_BARE_LF, 400) },
	{ "bare CR in the request line", REQ("GET /\r HTTP/1.1\r\n" H "\r\n"),
	  BAD(SL_H1_ERR_BARE_CR, 400) },
	{ "too many leading empty lines", REQ("\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\n" H "\r\n"),
	  BAD(SL_H1_ERR_EMPTY_LINES, 400) },
	{ "two spaces after the method", REQ("GET  / HTTP/1.1\r\n" H "\r\n"),
	  BAD(SL_H1_ERR_REQUEST_LINE, 400) },
	{ "two spaces after the target", REQ("GET /  HTTP/1.1\r\n" H "\r\n"),
	  BAD(SL_H1_ERR_REQUEST_LINE, 400) },
	{ "space at the end of the request line", REQ("GET / HTTP/1.1 \r\n" H "\r\n"),
	  BAD(SL_H1_ERR_REQUEST_LINE, 400) },
	{ "space inside the target", REQ("GET /a b HTTP/1.1\r\n" H "\r\n"),
	  BAD(SL_H1_ERR_REQUEST_LINE, 400) },
	{ "leading space", REQ(" GET / HTTP/1.1\r\n" H "\r\n"), BAD(SL_H1_ERR_REQUEST_LINE, 400) },
	{ "HTAB as separator", REQ("GET\t/ HTTP/1.1\r\n" H "\r\n"), BAD(SL_H1_ERR_METHOD, 400) },
	{ "HTTP/0.9 request", REQ("GET /\r\n\r\n"), BAD(SL_H1_ERR_REQUEST_LINE, 400) },
	{ "method only", REQ("GET\r\n\r\n"), BAD(SL_H1_ERR_REQUEST_LINE, 400) },
	{ "control character in the method (desync-guardian)",
	  REQ("bad_method\x01 /foo/bar HTTP/1.1\r\nHost: localhost\r\n\r\n"),
	  BAD(SL_H1_ERR_METHOD, 400) },
	{ "non-token method", REQ("GE(T / HTTP/1.1\r\n" H "\r\n"), BAD(SL_H1_ERR_METHOD, 400) },
	{ "HTTP/2.0 is 505", REQ("GET / HTTP/2.0\r\n" H "\r\n"),
	  BAD(SL_H1_ERR_VERSION_UNSUPPORTED, 505) },
	{ "HTTP/1.2 is 505", REQ("GET / HTTP/1.2\r\n" H "\r\n"),
	  BAD(SL_H1_ERR_VERSION_UNSUPPORTED, 505) },
	{ "lowercase http version", REQ("GET / http/1.1\r\n" H "\r\n"),
	  BAD(SL_H1_ERR_VERSION, 400) },
	{ "two-digit minor version", REQ("GET / HTTP/1.10\r\n" H "\r\n"),
	  BAD(SL_H1_ERR_VERSION, 400) },
	{ "version without minor", REQ("GET / HTTP/1\r\n" H "\r\n"), BAD(SL_H1_ERR_VERSION, 400) },
	{ "fragment in origin-form", REQ("GET /a#frag HTTP/1.1\r\n" H "\r\n"),
	  BAD(SL_H1_ERR_TARGET, 400) },
	{ "DEL in the target", REQ("GET /a\x7f HTTP/1.1\r\n" H "\r\n"),
	  BAD(SL_H1_ERR_TARGET, 400) },
	{ "control character in the target", REQ("GET /a\x01 HTTP/1.1\r\n" H "\r\n"),
	  BAD(SL_H1_ERR_TARGET, 400) },
	{ "NUL in the target", REQ("GET /a\0b HTTP/1.1\r\n" H "\r\n"), BAD(SL_H1_ERR_TARGET, 400) },
	{ "HTAB in the target", REQ("GET /a\tb HTTP/1.1\r\n" H "\r\n"),
	  BAD(SL_H1_ERR_TARGET, 400) },
	{ "non-ASCII in the target", REQ("GET /caf\xc3\xa9 HTTP/1.1\r\n" H "\r\n"),
	  BAD(SL_H1_ERR_TARGET, 400) },
	{ "bad %-escape", REQ("GET /%zz HTTP/1.1\r\n" H "\r\n"), BAD(SL_H1_ERR_TARGET, 400) },
	{ "truncated %-escape", REQ("GET /a%4 HTTP/1.1\r\n" H "\r\n"), BAD(SL_H1_ERR_TARGET, 400) },
	{ "* outside OPTIONS", REQ("GET * HTTP/1.1\r\n" H "\r\n"), BAD(SL_H1_ERR_TARGET, 400) },
	{ "CONNECT with origin-form", REQ("CONNECT / HTTP/1.1\r\n" H "\r\n"),
	  BAD(SL_H1_ERR_TARGET, 400) },
	{ "CONNECT without a port", REQ("CONNECT example.com HTTP/1.1\r\n" H "\r\n"),
	  BAD(SL_H1_ERR_TARGET, 400) },
	{ "authority-form outside CONNECT", REQ("GET example.com:80 HTTP/1.1\r\n" H "\r\n"),
	  BAD(SL_H1_ERR_TARGET, 400) },
	{ "absolute-form with another scheme", REQ("GET ftp://a/ HTTP/1.1\r\n" H "\r\n"),
	  BAD(SL_H1_ERR_TARGET, 400) },
	{ "absolute-form with an empty host", REQ("GET http:///a HTTP/1.1\r\n" H "\r\n"),
	  BAD(SL_H1_ERR_TARGET, 400) },
	{ "absolute-form with userinfo", REQ("GET http://u:p@a/ HTTP/1.1\r\n" H "\r\n"),
	  BAD(SL_H1_ERR_TARGET, 400) },
	{ "absolute-form with a query but no path", REQ("GET http://a?q HTTP/1.1\r\n" H "\r\n"),
	  BAD(SL_H1_ERR_TARGET, 400) },
	{ "absolute-form scheme not starting with a letter",
	  REQ("GET 1http://a/ HTTP/1.1\r\n" H "\r\n"), BAD(SL_H1_ERR_TARGET, 400) },
	{ "CONNECT with Content-Length",
	  REQ("CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\nContent-Length: 0\r\n\r\n"),
	  BAD(SL_H1_ERR_CONNECT_BODY, 400) },
	{ "request-target over max_uri is 414", REQ("GET /0123456789abcdef HTTP/1.1\r\n\r\n"),
	  .lim = &small, BAD(SL_H1_ERR_URI_TOO_LONG, 414) },
	{ "request-target at max_uri", REQ("GET /0123456789abcde HTTP/1.0\r\n\r\n"), .lim = &small,
	  .path = "/0123456789abcde", .flags = 0 },
	{ "request-target over max_uri, before its end arrives", REQ("GET /0123456789abcdefghij"),
	  .lim = &small, BAD(SL_H1_ERR_URI_TOO_LONG, 414) },
	{ "head over max_head is 431",
	  REQ("GET / HTTP/1.1\r\nHost: a\r\nX-Long: 0123456789012345678901234567890123456789\r\n"
	      "\r\n"),
	  .lim = &small, BAD(SL_H1_ERR_HEAD_TOO_LARGE, 431) },
	{ "too many fields is 431", REQ("GET / HTTP/1.1\r\n" H "A: 1\r\nB: 2\r\nC: 3\r\n\r\n"),
	  .lim = &small, BAD(SL_H1_ERR_TOO_MANY_FIELDS, 431) },
	{ "more empty lines than max_empty_lines", REQ("\r\n\r\nGET / HTTP/1.0\r\n\r\n"),
	  .lim = &small, BAD(SL_H1_ERR_EMPTY_LINES, 400) },

	/* ---- field lines ---- */
	{ "obs-fold", REQ("GET / HTTP/1.1\r\n" H "X: a\r\n b\r\n\r\n"),
	  BAD(SL_H1_ERR_OBS_FOLD, 400) },
	{ "obs-fold with HTAB", REQ("GET / HTTP/1.1\r\n" H "X: a\r\n\tb\r\n\r\n"),
	  BAD(SL_H1_ERR_OBS_FOLD, 400) },
	{ "header split by obs-fold hides Transfer-Encoding (desync-guardian)",
	  REQ("POST / HTTP/1.1\r\n" H "Content-Length: 4\r\nX: Multi-line values\r\n"
	      " Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
	  BAD(SL_H1_ERR_OBS_FOLD, 400) },
	{ "whitespace before the first field", REQ("GET / HTTP/1.1\r\n " H "\r\n"),
	  BAD(SL_H1_ERR_OBS_FOLD, 400) },
	{ "Transfer-Encoding : chunked (space before colon)",
	  REQ("POST / HTTP/1.1\r\n" H "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n"),
	  BAD(SL_H1_ERR_FIELD_SPACE, 400) },
	{ "Transfer-Encoding<HTAB>: chunked",
	  REQ("POST / HTTP/1.1\r\n" H "Transfer-Encoding\t: chunked\r\n\r\n0\r\n\r\n"),
	  BAD(SL_H1_ERR_FIELD_SPACE, 400) },
	{ "Content-Length<SP> and Content-Length (desync-guardian)",
	  REQ("POST / HTTP/1.1\r\n" H "Content-Length : 100\r\nContent-Length: 1000\r\n\r\n"),
	  BAD(SL_H1_ERR_FIELD_SPACE, 400) },
	{ "<SP>Content-Length as the first field (desync-guardian)",
	  REQ("POST / HTTP/1.1\r\n Content-Length: 100\r\nContent-Length: 1000\r\n" H "\r\n"),
	  BAD(SL_H1_ERR_OBS_FOLD, 400) },
	{ "Transfer_Encoding (underscore)",
	  REQ("POST / HTTP/1.1\r\n" H "Transfer_Encoding: chunked\r\nContent-Length: 3\r\n\r\n"
	      "0\r\n"),
	  BAD(SL_H1_ERR_LOOKALIKE_NAME, 400) },
	{ "Content_Length (underscore)", REQ("POST / HTTP/1.1\r\n" H "content_length: 3\r\n\r\n"),
	  BAD(SL_H1_ERR_LOOKALIKE_NAME, 400) },
	{ "dotless i in Transfer-Encoding's name (desync-guardian)",
	  REQ("POST / HTTP/1.1\r\n" H "Transfer-Encod\xc4\xb1ng: chunked\r\n\r\n"),
	  BAD(SL_H1_ERR_FIELD_NAME, 400) },
	{ "control character before a name",
	  REQ("POST / HTTP/1.1\r\n" H "\x01Transfer-Encoding: chunked\r\n\r\n"),
	  BAD(SL_H1_ERR_FIELD_NAME, 400) },
	{ "backspace in a name",
	  REQ("POST / HTTP/1.1\r\n" H "Transfer-Encoding\b: chunked\r\n\r\n"),
	  BAD(SL_H1_ERR_FIELD_NAME, 400) },
	{ "NUL at the start of a line (desync-guardian)",
	  REQ("POST / HTTP/1.1\r\n" H "\0Some-Bad-Header: value\r\n\r\n"),
	  BAD(SL_H1_ERR_FIELD_NAME, 400) },
	{ "NUL in a name (desync-guardian)", REQ("POST / HTTP/1.1\r\n" H "Some-Bad\0: 1\r\n\r\n"),
	  BAD(SL_H1_ERR_FIELD_NAME, 400) },
	{ "CR in a name (desync-guardian)", REQ("POST / HTTP/1.1\r\n" H "Some-Bad\r: 1\r\n\r\n"),
	  BAD(SL_H1_ERR_BARE_CR, 400) },
	{ "LF in a name (desync-guardian)", REQ("POST / HTTP/1.1\r\n" H "Some-Bad\n: 1\r\n\r\n"),
	  BAD(SL_H1_ERR_BARE_LF, 400) },
	{ "empty name", REQ("GET / HTTP/1.1\r\n" H ": value\r\n\r\n"),
	  BAD(SL_H1_ERR_FIELD_NAME, 400) },
	{ "line without colon", REQ("GET / HTTP/1.1\r\n" H "Foo\r\n\r\n"),
	  BAD(SL_H1_ERR_FIELD_NO_COLON, 400) },
	{ "NUL in a value (desync-guardian)",
	  REQ("GET / HTTP/1.1\r\n" H "X: value\0content-length: 1000\r\n\r\n"),
	  BAD(SL_H1_ERR_FIELD_VALUE, 400) },
	{ "NUL at the start of a value (desync-guardian)",
	  REQ("GET / HTTP/1.1\r\n" H "X: \0value\r\n\r\n"), BAD(SL_H1_ERR_FIELD_VALUE, 400) },
	{ "NUL at the end of a value (desync-guardian)",
	  REQ("GET / HTTP/1.1\r\n" H "X: value\0\r\n\r\n"), BAD(SL_H1_ERR_FIELD_VALUE, 400) },
	{ "CR in a value (desync-guardian)",
	  REQ("GET / HTTP/1.1\r\n" H "X: value\rcontent-length: 1000\r\n\r\n"),
	  BAD(SL_H1_ERR_BARE_CR, 400) },
	{ "LF in a value (desync-guardian)",
	  REQ("GET / HTTP/1.1\r\n" H "X: value\n content-length: 1000\r\n\r\n"),
	  BAD(SL_H1_ERR_BARE_LF, 400) },
	{ "DEL in a value", REQ("GET / HTTP/1.1\r\n" H "X: a\x7f\r\n\r\n"),
	  BAD(SL_H1_ERR_FIELD_VALUE, 400) },
	{ "VT before chunked",
	  REQ("POST / HTTP/1.1\r\n" H TE "\x0b"
	      "chunked\r\n\r\n0\r\n\r\n"),
	  BAD(SL_H1_ERR_FIELD_VALUE, 400) },
	{ "chunked\\x11 (desync-guardian)",
	  REQ("POST / HTTP/1.1\r\n" H TE "chunked\x11\r\n\r\n0\r\n\r\n"),
	  BAD(SL_H1_ERR_FIELD_VALUE, 400) },
	{ "Content-Length 1000\\x11 (desync-guardian)",
	  REQ("POST / HTTP/1.1\r\n" H "Content-Length: 1000\x11\r\n\r\n"),
	  BAD(SL_H1_ERR_FIELD_VALUE, 400) },

	/* ---- Host ---- */
	{ "HTTP/1.1 without Host", REQ("GET / HTTP/1.1\r\n\r\n"),
	  BAD(SL_H1_ERR_HOST_MISSING, 400) },
	{ "two Host fields", REQ("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n"),
	  BAD(SL_H1_ERR_HOST_DUPLICATE, 400) },
	{ "Host with a space", REQ("GET / HTTP/1.1\r\nHost: a b\r\n\r\n"),
	  BAD(SL_H1_ERR_HOST_INVALID, 400) },
	{ "Host with userinfo", REQ("GET / HTTP/1.1\r\nHost: u@a\r\n\r\n"),
	  BAD(SL_H1_ERR_HOST_INVALID, 400) },
	{ "Host as a list", REQ("GET / HTTP/1.1\r\nHost: a,b\r\n\r\n"),
	  BAD(SL_H1_ERR_HOST_INVALID, 400) },
	{ "Host with a port over 65535", REQ("GET / HTTP/1.1\r\nHost: a:65536\r\n\r\n"),
	  BAD(SL_H1_ERR_HOST_INVALID, 400) },
	{ "Host with an empty port", REQ("GET / HTTP/1.1\r\nHost: a:\r\n\r\n"),
	  BAD(SL_H1_ERR_HOST_INVALID, 400) },
	{ "Host with a path", REQ("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n"),
	  BAD(SL_H1_ERR_HOST_INVALID, 400) },

	{ "Host with an empty IP literal", REQ("GET / HTTP/1.1\r\nHost: []\r\n\r\n"),
	  BAD(SL_H1_ERR_HOST_INVALID, 400) },
	{ "Host with an unclosed IP literal", REQ("GET / HTTP/1.1\r\nHost: [::1\r\n\r\n"),
	  BAD(SL_H1_ERR_HOST_INVALID, 400) },
	{ "Host with a bad IP literal", REQ("GET / HTTP/1.1\r\nHost: [::g]\r\n\r\n"),
	  BAD(SL_H1_ERR_HOST_INVALID, 400) },
	{ "Host with a bad %-escape", REQ("GET / HTTP/1.1\r\nHost: a%zz\r\n\r\n"),
	  BAD(SL_H1_ERR_HOST_INVALID, 400) },
	{ "Host with a truncated %-escape", REQ("GET / HTTP/1.1\r\nHost: a%4\r\n\r\n"),
	  BAD(SL_H1_ERR_HOST_INVALID, 400) },

	/* ---- Content-Length ---- */
	{ "two different Content-Lengths (desync-guardian)",
	  REQ("POST / HTTP/1.1\r\n" H "Content-Length: 1000\r\nContent-Length: 100\r\n\r\n"),
	  BAD(SL_H1_ERR_CL_DUPLICATE, 400) },
	{ "two equal Content-Lengths (refused too)",
	  REQ("POST / HTTP/1.1\r\n" H "Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello"),
	  BAD(SL_H1_ERR_CL_DUPLICATE, 400) },
	{ "Content-Length: 5, 5", REQ("POST / HTTP/1.1\r\n" H "Content-Length: 5, 5\r\n\r\n"),
	  BAD(SL_H1_ERR_CL_INVALID, 400) },
	{ "Content-Length: 1000,1000 (desync-guardian)",
	  REQ("POST / HTTP/1.1\r\n" H "Content-Length: 1000,1000\r\n\r\n"),
	  BAD(SL_H1_ERR_CL_INVALID, 400) },
	{ "Content-Length: 1000 1000 (desync-guardian)",
	  REQ("POST / HTTP/1.1\r\n" H "Content-Length: 1000 1000\r\n\r\n"),
	  BAD(SL_H1_ERR_CL_INVALID, 400) },
	{ "Content-Length: 1000.1000 (desync-guardian)",
	  REQ("POST / HTTP/1.1\r\n" H "Content-Length: 1000.1000\r\n\r\n"),
	  BAD(SL_H1_ERR_CL_INVALID, 400) },
	{ "Content-Length with a plus sign",
	  REQ("POST / HTTP/1.1\r\n" H "Content-Length: +5\r\n\r\n"),
	  BAD(SL_H1_ERR_CL_INVALID, 400) },
	{ "negative Content-Length", REQ("POST / HTTP/1.1\r\n" H "Content-Length: -1\r\n\r\n"),
	  BAD(SL_H1_ERR_CL_INVALID, 400) },
	{ "hex Content-Length", REQ("POST / HTTP/1.1\r\n" H "Content-Length: 0x10\r\n\r\n"),
	  BAD(SL_H1_ERR_CL_INVALID, 400) },
	{ "empty Content-Length", REQ("POST / HTTP/1.1\r\n" H "Content-Length:\r\n\r\n"),
	  BAD(SL_H1_ERR_CL_INVALID, 400) },
	{ "Content-Length of spaces", REQ("POST / HTTP/1.1\r\n" H "Content-Length:   \r\n\r\n"),
	  BAD(SL_H1_ERR_CL_INVALID, 400) },
	{ "Content-Length 2^64 (desync-guardian)",
	  REQ("POST / HTTP/1.1\r\n" H "Content-Length: 18446744073709551616\r\n\r\n"),
	  BAD(SL_H1_ERR_CL_INVALID, 400) },
	{ "Content-Length 2^63",
	  REQ("POST / HTTP/1.1\r\n" H "Content-Length: 9223372036854775808\r\n\r\n"),
	  BAD(SL_H1_ERR_CL_INVALID, 400) },
	{ "Content-Length 2^53 is over max_length",
	  REQ("POST / HTTP/1.1\r\n" H "Content-Length: 9007199254740992\r\n\r\n"),
	  BAD(SL_H1_ERR_CL_TOO_LARGE, 413) },

	/* ---- Transfer-Encoding in requests ---- */
	{ "TE and CL (HAProxy c1)",
	  REQ("POST / HTTP/1.1\r\n" H TE "chunked\r\nContent-Length: 31\r\n\r\n"
	      "0\r\n\r\nGET /smuggled HTTP/1.1\r\n\r\n"),
	  BAD(SL_H1_ERR_TE_AND_CL, 400) },
	{ "CL then TE",
	  REQ("POST / HTTP/1.1\r\n" H "Content-Length: 4\r\n" TE "chunked\r\n\r\n0\r\n\r\n"),
	  BAD(SL_H1_ERR_TE_AND_CL, 400) },
	{ "TE in HTTP/1.0 (HAProxy c2)", REQ("POST / HTTP/1.0\r\n" TE "chunked\r\n\r\n0\r\n\r\n"),
	  BAD(SL_H1_ERR_TE_HTTP10, 400) },
	{ "chunked, chunked (HAProxy c6)",
	  REQ("POST / HTTP/1.1\r\n" H TE "chunked, chunked\r\n\r\n0\r\n\r\n"),
	  BAD(SL_H1_ERR_TE_CHUNKED_TWICE, 400) },
	{ "two TE: chunked fields (desync-guardian)",
	  REQ("POST / HTTP/1.1\r\n" H TE "chunked\r\n" TE "chunked\r\n\r\n0\r\n\r\n"),
	  BAD(SL_H1_ERR_TE_CHUNKED_TWICE, 400) },
	{ "chunked, gzip, chunked (HAProxy c7)",
	  REQ("POST / HTTP/1.1\r\n" H TE "chunked, gzip, chunked\r\n\r\n0\r\n\r\n"),
	  BAD(SL_H1_ERR_TE_CHUNKED_TWICE, 400) },
	{ "chunked, gzip (HAProxy c8)",
	  REQ("POST / HTTP/1.1\r\n" H TE "chunked, gzip\r\n\r\n0\r\n\r\n"),
	  BAD(SL_H1_ERR_TE_NOT_CHUNKED, 400) },
	{ "gzip alone (HAProxy c9)", REQ("POST / HTTP/1.1\r\n" H TE "gzip\r\n\r\n"),
	  BAD(SL_H1_ERR_TE_NOT_CHUNKED, 400) },
	{ "gzip, chunked (HAProxy c10) is 501",
	  REQ("POST / HTTP/1.1\r\n" H TE "gzip, chunked\r\n\r\n0\r\n\r\n"),
	  BAD(SL_H1_ERR_TE_UNSUPPORTED, 501) },
	{ "chunked, identity", REQ("POST / HTTP/1.1\r\n" H TE "chunked, identity\r\n\r\n"),
	  BAD(SL_H1_ERR_TE_NOT_CHUNKED, 400) },
	{ "identity, chunked is 501",
	  REQ("POST / HTTP/1.1\r\n" H TE "identity, chunked\r\n\r\n0\r\n\r\n"),
	  BAD(SL_H1_ERR_TE_UNSUPPORTED, 501) },
	{ "chunked then a TE: deflate field",
	  REQ("POST / HTTP/1.1\r\n" H TE "chunked\r\n" TE "deflate\r\n\r\n0\r\n\r\n"),
	  BAD(SL_H1_ERR_TE_NOT_CHUNKED, 400) },
	{ "xchunked (desync-guardian)", REQ("POST / HTTP/1.1\r\n" H TE "xchunked\r\n\r\n"),
	  BAD(SL_H1_ERR_TE_NOT_CHUNKED, 400) },
	{ "chunkedx", REQ("POST / HTTP/1.1\r\n" H TE "chunkedx\r\n\r\n"),
	  BAD(SL_H1_ERR_TE_NOT_CHUNKED, 400) },
	{ "pigeons (llhttp)", REQ("PUT /url HTTP/1.1\r\n" H TE "pigeons\r\n\r\n"),
	  BAD(SL_H1_ERR_TE_NOT_CHUNKED, 400) },
	{ "empty TE", REQ("POST / HTTP/1.1\r\n" H TE "\r\n\r\n"), BAD(SL_H1_ERR_TE_INVALID, 400) },
	{ "TE with a trailing comma", REQ("POST / HTTP/1.1\r\n" H TE "chunked,\r\n\r\n"),
	  BAD(SL_H1_ERR_TE_INVALID, 400) },
	{ "TE with a leading comma", REQ("POST / HTTP/1.1\r\n" H TE ", chunked\r\n\r\n"),
	  BAD(SL_H1_ERR_TE_INVALID, 400) },
	{ "TE chunked with a parameter", REQ("POST / HTTP/1.1\r\n" H TE "chunked;q=1\r\n\r\n"),
	  BAD(SL_H1_ERR_TE_INVALID, 400) },
	{ "TE chunked chunked (space-separated)",
	  REQ("POST / HTTP/1.1\r\n" H TE "chunked chunked\r\n\r\n"),
	  BAD(SL_H1_ERR_TE_INVALID, 400) },
	{ "TE quoted \"chunked\"", REQ("POST / HTTP/1.1\r\n" H TE "\"chunked\"\r\n\r\n"),
	  BAD(SL_H1_ERR_TE_INVALID, 400) },
	{ "Connection naming Content-Length",
	  REQ("POST / HTTP/1.1\r\n" H "Connection: content-length\r\nContent-Length: 3\r\n\r\n"),
	  BAD(SL_H1_ERR_CONNECTION, 400) },
	{ "Connection naming Transfer-Encoding",
	  REQ("POST / HTTP/1.1\r\n" H "Connection: close, Transfer-Encoding\r\n\r\n"),
	  BAD(SL_H1_ERR_CONNECTION, 400) },
	{ "Connection naming Host", REQ("GET / HTTP/1.1\r\n" H "Connection: host\r\n\r\n"),
	  BAD(SL_H1_ERR_CONNECTION, 400) },
	{ "Connection with a non-token", REQ("GET / HTTP/1.1\r\n" H "Connection: close x\r\n\r\n"),
	  BAD(SL_H1_ERR_CONNECTION, 400) },

	/* ---- chunked bodies ---- */
	{ "chunk size 0x5",
	  REQ("POST / HTTP/1.1\r\n" H TE "chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n"),
	  BAD(SL_H1_ERR_CHUNK_SIZE, 400) },
	{ "negative chunk size", REQ("POST / HTTP/1.1\r\n" H TE "chunked\r\n\r\n-5\r\nhello\r\n"),
	  BAD(SL_H1_ERR_CHUNK_SIZE, 400) },
	{ "chunk size with a plus sign",
	  REQ("POST / HTTP/1.1\r\n" H TE "chunked\r\n\r\n+5\r\nhello\r\n"),
	  BAD(SL_H1_ERR_CHUNK_SIZE, 400) },
	{ "empty chunk size", REQ("POST / HTTP/1.1\r\n" H TE "chunked\r\n\r\n\r\nhello\r\n"),
	  BAD(SL_H1_ERR_CHUNK_SIZE, 400) },
	{ "space before the chunk size",
	  REQ("POST / HTTP/1.1\r\n" H TE "chunked\r\n\r\n 5\r\nhello\r\n"),
	  BAD(SL_H1_ERR_CHUNK_SIZE, 400) },
	{ "space after the chunk size, no extension",
	  REQ("POST / HTTP/1.1\r\n" H TE "chunked\r\n\r\n5 \r\nhello\r\n0\r\n\r\n"),
	  BAD(SL_H1_ERR_CHUNK_SIZE, 400) },
	{ "junk after the chunk size (llhttp)",
	  REQ("POST / HTTP/1.1\r\n" H TE "chunked\r\n\r\n2 erfrferferf\r\naa\r\n0\r\n\r\n"),
	  BAD(SL_H1_ERR_CHUNK_SIZE, 400) },
	{ "chunk size 2^64 (overflow)",
	  REQ("POST / HTTP/1.1\r\n" H TE "chunked\r\n\r\n10000000000000000\r\n"),
	  BAD(SL_H1_ERR_CHUNK_TOO_LARGE, 413) },
	{ "chunk size ffffffffffffffff",
	  REQ("POST / HTTP/1.1\r\n" H TE "chunked\r\n\r\nffffffffffffffff\r\n"),
	  BAD(SL_H1_ERR_CHUNK_TOO_LARGE, 413) },
	{ "chunk size 2^53 is over max_length",
	  REQ("POST / HTTP/1.1\r\n" H TE "chunked\r\n\r\n20000000000000\r\n"),
	  BAD(SL_H1_ERR_CHUNK_TOO_LARGE, 413) },
	{ "; without a name", REQ("POST / HTTP/1.1\r\n" H TE "chunked\r\n\r\n5;\r\nhello\r\n"),
	  BAD(SL_H1_ERR_CHUNK_EXT, 400) },
	{ "; then =", REQ("POST / HTTP/1.1\r\n" H TE "chunked\r\n\r\n5;=x\r\nhello\r\n"),
	  BAD(SL_H1_ERR_CHUNK_EXT, 400) },
	{ "extension with an empty value",
	  REQ("POST / HTTP/1.1\r\n" H TE "chunked\r\n\r\n5;a=\r\nhello\r\n"),
	  BAD(SL_H1_ERR_CHUNK_EXT, 400) },
	{ "extension name followed by SP then CRLF",
	  REQ("POST / HTTP/1.1\r\n" H TE "chunked\r\n\r\n5;a \r\nhello\r\n"),
	  BAD(SL_H1_ERR_CHUNK_EXT, 400) },
	{ "unterminated quoted extension (llhttp)",
	  REQ("POST / HTTP/1.1\r\n" H TE "chunked\r\n\r\n5;a=\"abc\";b=\"def; ghi\r\nhello\r\n"),
	  BAD(SL_H1_ERR_CHUNK_EXT, 400) },
	{ "control character in a quoted extension",
	  REQ("POST / HTTP/1.1\r\n" H TE "chunked\r\n\r\n5;a=\"x\x01\"\r\nhello\r\n"),
	  BAD(SL_H1_ERR_CHUNK_EXT, 400) },
	{ "bare LF inside a chunk extension",
	  REQ("POST / HTTP/1.1\r\n" H TE "chunked\r\n\r\n5;a\nb\r\nhello\r\n"),
	  BAD(SL_H1_ERR_BARE_LF, 400) },
	{ "bare LF after the chunk size",
	  REQ("POST / HTTP/1.1\r\n" H TE "chunked\r\n\r\n5\nhello\r\n0\r\n\r\n"),
	  BAD(SL_H1_ERR_BARE_LF, 400) },
	{ "bare CR after the chunk size",
	  REQ("POST / HTTP/1.1\r\n" H TE "chunked\r\n\r\n5\rhello\r\n0\r\n\r\n"),
	  BAD(SL_H1_ERR_BARE_CR, 400) },
	{ "bare LF after chunk data",
	  REQ("POST / HTTP/1.1\r\n" H TE "chunked\r\n\r\n5\r\nhello\n0\r\n\r\n"),
	  BAD(SL_H1_ERR_CHUNK_CRLF, 400) },
	{ "chunk data longer than its size",
	  REQ("POST / HTTP/1.1\r\n" H TE "chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n"),
	  BAD(SL_H1_ERR_CHUNK_CRLF, 400) },
	{ "CR without LF after chunk data",
	  REQ("POST / HTTP/1.1\r\n" H TE "chunked\r\n\r\n5\r\nhello\rX"),
	  BAD(SL_H1_ERR_CHUNK_CRLF, 400) },
	{ "obs-fold in trailers",
	  REQ("POST / HTTP/1.1\r\n" H TE "chunked\r\n\r\n0\r\nX: a\r\n b\r\n\r\n"),
	  BAD(SL_H1_ERR_OBS_FOLD, 400) },
	{ "bare LF in trailers", REQ("POST / HTTP/1.1\r\n" H TE "chunked\r\n\r\n0\r\nX: a\n\r\n"),
	  BAD(SL_H1_ERR_BARE_LF, 400) },
	{ "bare LF ending the trailer section",
	  REQ("POST / HTTP/1.1\r\n" H TE "chunked\r\n\r\n0\r\n\n"), BAD(SL_H1_ERR_BARE_LF, 400) },
	{ "bare CR ending the trailer section",
	  REQ("POST / HTTP/1.1\r\n" H TE "chunked\r\n\r\n0\r\n\rX"), BAD(SL_H1_ERR_BARE_CR, 400) },
	{ "space before a trailer's colon",
	  REQ("POST / HTTP/1.1\r\n" H TE "chunked\r\n\r\n0\r\nX : a\r\n\r\n"),
	  BAD(SL_H1_ERR_FIELD_SPACE, 400) },
	{ "trailer without colon", REQ("POST / HTTP/1.1\r\n" H TE "chunked\r\n\r\n0\r\nX\r\n\r\n"),
	  BAD(SL_H1_ERR_FIELD_NO_COLON, 400) },
	{ "NUL in a trailer value",
	  REQ("POST / HTTP/1.1\r\n" H TE "chunked\r\n\r\n0\r\nX: a\0\r\n\r\n"),
	  BAD(SL_H1_ERR_FIELD_VALUE, 400) },
	{ "Content-Length in trailers",
	  REQ("POST / HTTP/1.1\r\n" H TE "chunked\r\n\r\n0\r\nContent-Length: 5\r\n\r\n"),
	  BAD(SL_H1_ERR_TRAILER_FIELD, 400) },
	{ "Transfer_Encoding in trailers",
	  REQ("POST / HTTP/1.1\r\n" H TE "chunked\r\n\r\n0\r\ntransfer_encoding: x\r\n\r\n"),
	  BAD(SL_H1_ERR_TRAILER_FIELD, 400) },
	{ "Host in trailers", REQ("POST / HTTP/1.1\r\n" H TE "chunked\r\n\r\n0\r\nHOST: b\r\n\r\n"),
	  BAD(SL_H1_ERR_TRAILER_FIELD, 400) },
	{ "trailer names that only start like framing fields are fine",
	  REQ("POST / HTTP/1.1\r\n" H TE "chunked\r\n\r\n0\r\nHosts: b\r\n"
	      "Content-Length-X: 1\r\nTransfer-Encodings: y\r\n\r\n"),
	  .body = SL_H1_BODY_CHUNKED, .flags = KA, .data = "" },
	{ "control character in a quoted-pair",
	  REQ("POST / HTTP/1.1\r\n" H TE "chunked\r\n\r\n1;a=\"\\\x01\"\r\nx\r\n"),
	  BAD(SL_H1_ERR_CHUNK_EXT, 400) },
	{ "junk after a quoted extension value",
	  REQ("POST / HTTP/1.1\r\n" H TE "chunked\r\n\r\n1;a=\"b\"c\r\nx\r\n"),
	  BAD(SL_H1_ERR_CHUNK_EXT, 400) },
	{ "quote after an extension token",
	  REQ("POST / HTTP/1.1\r\n" H TE "chunked\r\n\r\n1;a=b\"\r\nx\r\n"),
	  BAD(SL_H1_ERR_CHUNK_EXT, 400) },
	{ "space after an extension value, then CRLF",
	  REQ("POST / HTTP/1.1\r\n" H TE "chunked\r\n\r\n1;a=b \r\nx\r\n"),
	  BAD(SL_H1_ERR_CHUNK_EXT, 400) },
	{ "non-token character in a trailer name",
	  REQ("POST / HTTP/1.1\r\n" H TE "chunked\r\n\r\n0\r\nX@: 1\r\n\r\n"),
	  BAD(SL_H1_ERR_FIELD_NAME, 400) },
	{ "bare CR in a trailer",
	  REQ("POST / HTTP/1.1\r\n" H TE "chunked\r\n\r\n0\r\nX: a\rb\r\n\r\n"),
	  BAD(SL_H1_ERR_BARE_CR, 400) },
	{ "trailer section over max_head",
	  REQ("POST / HTTP/1.1\r\n" H TE "chunked\r\n\r\n0\r\n"
	      "X: 0123456789012345678901234567890123456789012345678901234567890123\r\n\r\n"),
	  .lim = &small, BAD(SL_H1_ERR_TRAILER_TOO_LARGE, 400) },
	{ "trailer with an empty name",
	  REQ("POST / HTTP/1.1\r\n" H TE "chunked\r\n\r\n0\r\n: a\r\n\r\n"),
	  BAD(SL_H1_ERR_FIELD_NAME, 400) },

	/* ---- responses ---- */
	{ "200 with Content-Length", RESP("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"),
	  .msg_status = 200, .body = SL_H1_BODY_LENGTH, .length = 2, .flags = KA, .data = "hi",
	  .rest = "" },
	{ "200 chunked",
	  RESP("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n0\r\n\r\n"),
	  .body = SL_H1_BODY_CHUNKED, .flags = KA, .data = "Wiki" },
	{ "200 until close", RESP("HTTP/1.1 200 OK\r\nServer: x\r\n\r\nabc"), .rc = -EAGAIN,
	  .body = SL_H1_BODY_CLOSE, .flags = 0, .data = "abc" },
	{ "final coding not chunked: until close",
	  RESP("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n\x1f\x8b"), .rc = -EAGAIN,
	  .body = SL_H1_BODY_CLOSE, .flags = 0, .data = "\x1f\x8b" },
	{ "gzip, chunked response is chunked",
	  RESP("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n1\r\nz\r\n0\r\n\r\n"),
	  .body = SL_H1_BODY_CHUNKED, .flags = KA, .data = "z" },
	{ "HTTP/1.0 response with TE chunked (HAProxy s1): chunked, then close",
	  RESP("HTTP/1.0 200 Ok\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
	  .body = SL_H1_BODY_CHUNKED, .flags = 0, .data = "" },
	{ "HTTP/1.0 response with keep-alive",
	  RESP("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n"),
	  .body = SL_H1_BODY_LENGTH, .flags = KA },
	{ "204 has no body", RESP("HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\n"),
	  .msg_status = 204, .body = SL_H1_BODY_NONE, .flags = KA, .rest = "HTTP/1.1 200 OK\r\n" },
	{ "304 with Content-Length has no body",
	  RESP("HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n"), .body = SL_H1_BODY_NONE,
	  .length = 100, .flags = KA, .rest = "" },
	{ "100 Continue is interim", RESP("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"),
	  .msg_status = 100, .body = SL_H1_BODY_NONE, .flags = KA | SL_H1_F_INTERIM },
	{ "101 to websocket",
	  RESP("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
	       "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n\x81\x05hello"),
	  .msg_status = 101, .body = SL_H1_BODY_NONE,
	  .flags = KA | SL_H1_F_TUNNEL | SL_H1_F_UPGRADE | SL_H1_F_WEBSOCKET,
	  .rest = "\x81\x05hello" },
	{ "response to HEAD with Content-Length",
	  RESP("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n"), .answers = SL_HTTP_HEAD,
	  .body = SL_H1_BODY_NONE, .length = 1234, .flags = KA, .rest = "" },
	{ "response to HEAD, chunked",
	  RESP("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"), .answers = SL_HTTP_HEAD,
	  .body = SL_H1_BODY_NONE, .flags = KA },
	{ "200 to CONNECT is a tunnel",
	  RESP("HTTP/1.1 200 Connection established\r\n\r\n\x16\x03\x01"),
	  .answers = SL_HTTP_CONNECT, .body = SL_H1_BODY_NONE, .flags = KA | SL_H1_F_TUNNEL,
	  .rest = "\x16\x03\x01" },
	{ "407 to CONNECT has a body",
	  RESP("HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 1\r\n\r\nx"),
	  .answers = SL_HTTP_CONNECT, .body = SL_H1_BODY_LENGTH, .length = 1, .flags = KA,
	  .data = "x" },
	{ "status line without reason", RESP("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n"),
	  .msg_status = 200, .body = SL_H1_BODY_LENGTH, .flags = KA },
	{ "status line with an empty reason", RESP("HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n"),
	  .msg_status = 404, .body = SL_H1_BODY_LENGTH, .flags = KA },
	{ "response Connection: close",
	  RESP("HTTP/1.1 200 OK\r\nConnection: close\r\n"
	       "Content-Length: 0\r\n\r\n"),
	  .body = SL_H1_BODY_LENGTH, .flags = 0 },
	{ "response with TE and CL (HAProxy s1) is refused",
	  RESP("HTTP/1.1 200 Ok\r\nTransfer-Encoding: chunked\r\nContent-Length: 30\r\n\r\n"
	       "0\r\n\r\nResponse splitting attach"),
	  BAD(SL_H1_ERR_TE_AND_CL, 502) },
	{ "response chunked, chunked (HAProxy s2)",
	  RESP("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n"),
	  BAD(SL_H1_ERR_TE_CHUNKED_TWICE, 502) },
	{ "response chunked, gzip, chunked (HAProxy s2)",
	  RESP("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip, chunked\r\n\r\n0\r\n\r\n"),
	  BAD(SL_H1_ERR_TE_CHUNKED_TWICE, 502) },
	{ "response with two Content-Lengths",
	  RESP("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"),
	  BAD(SL_H1_ERR_CL_DUPLICATE, 502) },
	{ "response with an empty TE element",
	  RESP("HTTP/1.1 200 OK\r\nTransfer-Encoding: ,chunked\r\n\r\n0\r\n\r\n"),
	  BAD(SL_H1_ERR_TE_INVALID, 502) },
	{ "status line without a space", RESP("HTTP/1.1\r\n\r\n"),
	  BAD(SL_H1_ERR_STATUS_LINE, 502) },
	{ "status 600", RESP("HTTP/1.1 600 Odd\r\n\r\n"), BAD(SL_H1_ERR_STATUS, 502) },
	{ "status 099", RESP("HTTP/1.1 099 Odd\r\n\r\n"), BAD(SL_H1_ERR_STATUS, 502) },
	{ "two-digit status", RESP("HTTP/1.1 20 OK\r\n\r\n"), BAD(SL_H1_ERR_STATUS_LINE, 502) },
	{ "four-digit status", RESP("HTTP/1.1 2000 OK\r\n\r\n"), BAD(SL_H1_ERR_STATUS_LINE, 502) },
	{ "HTTP/2 status line", RESP("HTTP/2 200 OK\r\n\r\n"), BAD(SL_H1_ERR_VERSION, 502) },
	{ "control character in the reason", RESP("HTTP/1.1 200 O\x01K\r\n\r\n"),
	  BAD(SL_H1_ERR_STATUS_LINE, 502) },
	{ "response with bare LF", RESP("HTTP/1.1 200 OK\nContent-Length: 0\n\n"),
	  BAD(SL_H1_ERR_BARE_LF, 502) },
	{ "response obs-fold", RESP("HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n"),
	  BAD(SL_H1_ERR_OBS_FOLD, 502) },
	{ "response chunk size 0x1",
	  RESP("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0x1\r\n"),
	  BAD(SL_H1_ERR_CHUNK_SIZE, 502) },
};

/* ---- feeding ---- */

enum feed_mode {
	FEED_WHOLE,
	FEED_BYTES,
	FEED_RANDOM,
};

struct outcome {
	int rc;
	enum sl_h1_err err;
	int status;
	bool head_done;
	struct sl_h1_head h;
	struct sl_http_field fields[MAXF];
	char *copy; /* the buffer h's slices point into, FEED_RANDOM only */
	char data[1024];
	size_t ndata;
	size_t end; /* bytes of the message when complete */
};

static uint32_t rng_next(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

static size_t piece(enum feed_mode mode, uint32_t *rng, size_t left)
{
	size_t n;

	if (mode == FEED_WHOLE)
		return left;
	if (mode == FEED_BYTES)
		return left ? 1 : 0;
	n = 1 + rng_next(rng) % 23;
	return n < left ? n : left;
}

/* Feeds c->in in pieces: the head parser sees the prefix received so far (in a new
 * buffer each time in FEED_RANDOM), then the body decoder the bytes after the head. */
static void feed(const struct h1_case *c, enum feed_mode mode, uint32_t seed, struct outcome *o)
{
	struct sl_h1_parser p;
	struct sl_h1_body b;
	struct sl_h1_body_out out;
	uint32_t rng = seed;
	size_t avail = 0, off = 0;
	int r;

	memset(o, 0, sizeof(*o));
	assert_int_equal(sl_h1_parser_init(&p, c->kind, c->lim, o->fields, MAXF), 0);
	sl_h1_parser_reset(&p, c->answers);
	for (;;) {
		avail += piece(mode, &rng, c->len - avail);
		if (!o->head_done) {
			const char *buf = c->in;

			if (mode == FEED_RANDOM) {
				free(o->copy);
				o->copy = malloc(avail + 1);
				assert_non_null(o->copy);
				memcpy(o->copy, c->in, avail);
				buf = o->copy;
			}
			r = sl_h1_parse_head(&p, buf, avail, &o->h);
			if (r == -EBADMSG) {
				o->rc = r;
				o->err = p.err;
				o->status = p.reply_status;
				return;
			}
			if (r == -EAGAIN) {
				if (avail == c->len) {
					o->rc = -EAGAIN;
					return;
				}
				continue;
			}
			assert_int_equal(r, 0);
			assert_true(o->h.len <= avail);
			o->head_done = true;
			sl_h1_body_init_head(&b, &p, &o->h);
			off = o->h.len;
		}
		do {
			r = sl_h1_body_decode(&b, c->in + off, avail - off, &out);
			assert_true(out.consumed <= avail - off);
			if (r == -EAGAIN && avail > off)
				assert_true(out.consumed > 0);
			if (out.data_len) {
				assert_true(out.data >= c->in + off);
				assert_true(out.data + out.data_len <= c->in + off + out.consumed);
				assert_true(o->ndata + out.data_len <= sizeof(o->data));
				memcpy(o->data + o->ndata, out.data, out.data_len);
				o->ndata += out.data_len;
			}
			off += out.consumed;
		} while (r == -EAGAIN && off < avail);
		if (r == 0 || r == -EBADMSG || avail == c->len) {
			o->rc = r;
			o->err = b.err;
			o->status = b.reply_status;
			o->end = off;
			return;
		}
	}
}

static void check_str(const struct h1_case *c, const char *mode, const char *what,
		      struct sl_str got, const char *want)
{
	if (!want)
		return;
	if (got.len != strlen(want) || (got.len && memcmp(got.p, want, got.len)))
		fail_msg("%s [%s]: %s is \"%.*s\", want \"%s\"", c->desc, mode, what, (int)got.len,
			 got.p ? got.p : "", want);
}

static void check(const struct h1_case *c, const char *mode, const struct outcome *o)
{
	const struct sl_h1_head *h = &o->h;

	if (o->rc != c->rc || (c->rc == -EBADMSG && o->err != c->err))
		fail_msg("%s [%s]: rc %d (%s), want %d (%s)", c->desc, mode, o->rc,
			 sl_h1_err_name(o->err), c->rc, sl_h1_err_name(c->err));
	if (c->rc == -EBADMSG) {
		if (o->status != c->status)
			fail_msg("%s [%s]: status %d, want %d", c->desc, mode, o->status,
				 c->status);
		return;
	}
	if (o->head_done == c->partial_head)
		fail_msg("%s [%s]: head %s", c->desc, mode,
			 o->head_done ? "complete" : "incomplete");
	if (!o->head_done)
		return;
	check_str(c, mode, "method", h->msg.method_name, c->method);
	check_str(c, mode, "scheme", h->msg.scheme, c->scheme);
	check_str(c, mode, "authority", h->msg.authority, c->authority);
	check_str(c, mode, "path", h->msg.path, c->path);
	check_str(c, mode, "target", h->target, c->target);
	if (c->method_id && h->msg.method != c->method_id)
		fail_msg("%s [%s]: method id %d, want %d", c->desc, mode, h->msg.method,
			 c->method_id);
	if (c->msg_status && h->msg.status != c->msg_status)
		fail_msg("%s [%s]: status %u, want %u", c->desc, mode, h->msg.status,
			 c->msg_status);
	if (c->form && h->form != c->form)
		fail_msg("%s [%s]: form %d, want %d", c->desc, mode, h->form, c->form);
	if (h->body != c->body || h->length != c->length)
		fail_msg("%s [%s]: body %d/%llu, want %d/%llu", c->desc, mode, h->body,
			 (unsigned long long)h->length, c->body, (unsigned long long)c->length);
	if (h->flags != c->flags)
		fail_msg("%s [%s]: flags %#x, want %#x", c->desc, mode, h->flags, c->flags);
	if (c->nfields && h->msg.nfields != c->nfields)
		fail_msg("%s [%s]: %zu fields, want %zu", c->desc, mode, h->msg.nfields,
			 c->nfields);
	for (size_t i = 0; i < h->msg.nfields; i++) {
		struct sl_str v = h->msg.fields[i].value;

		if (v.len && (v.p[0] == ' ' || v.p[0] == '\t' || v.p[v.len - 1] == ' ' ||
			      v.p[v.len - 1] == '\t'))
			fail_msg("%s [%s]: field %zu not trimmed", c->desc, mode, i);
	}
	if (c->data && (o->ndata != strlen(c->data) || memcmp(o->data, c->data, o->ndata)))
		fail_msg("%s [%s]: body \"%.*s\", want \"%s\"", c->desc, mode, (int)o->ndata,
			 o->data, c->data);
	if (c->rest && c->rc == 0 &&
	    (c->len - o->end != strlen(c->rest) ||
	     memcmp(c->in + o->end, c->rest, c->len - o->end)))
		fail_msg("%s [%s]: rest \"%.*s\", want \"%s\"", c->desc, mode,
			 (int)(c->len - o->end), c->in + o->end, c->rest);
}

static void test_table(void **state)
{
	static struct outcome o;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct h1_case *c = &cases[i];
		char mode[32];

		feed(c, FEED_WHOLE, 0, &o);
		check(c, "whole", &o);
		free(o.copy);
		feed(c, FEED_BYTES, 0, &o);
		check(c, "bytes", &o);
		free(o.copy);
		for (uint32_t seed = 1; seed <= 16; seed++) {
			snprintf(mode, sizeof(mode), "random seed %u", seed);
			feed(c, FEED_RANDOM, seed, &o);
			check(c, mode, &o);
			free(o.copy);
		}
	}
}

/* ---- the rest of the API ---- */

static int parse_whole(struct sl_h1_parser *p, const char *s, struct sl_h1_head *h)
{
	return sl_h1_parse_head(p, s, strlen(s), h);
}

static void test_hop_by_hop(void **state)
{
	static const char req[] = "GET / HTTP/1.1\r\n"
				  "Host: a\r\n"
				  "Connection: keep-alive, X-Trace\r\n"
				  "Keep-Alive: timeout=5\r\n"
				  "X-Trace: 1\r\n"
				  "Accept: */*\r\n"
				  "Proxy-Connection: keep-alive\r\n"
				  "TE: trailers\r\n"
				  "Trailer: X-Sum\r\n"
				  "Upgrade: foo\r\n"
				  "x-trace: 2\r\n"
				  "\r\n";
	struct sl_http_field fields[MAXF];
	struct sl_h1_parser p;
	struct sl_h1_head h;
	size_t idx[16], n;
	const size_t want[] = { 1, 2, 3, 5, 6, 7, 8, 9 };

	assert_int_equal(sl_h1_parser_init(&p, SL_H1_REQUEST, NULL, fields, MAXF), 0);
	assert_int_equal(parse_whole(&p, req, &h), 0);
	assert_int_equal(h.msg.nfields, 10);
	n = sl_h1_hop_by_hop(&h, idx, 16);
	assert_int_equal(n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < n; i++)
		assert_int_equal(idx[i], want[i]);
	assert_int_equal(sl_h1_hop_by_hop(&h, idx, 2), n);
	assert_int_equal(idx[0], 1);
	assert_int_equal(idx[1], 2);
	assert_false(sl_h1_is_hop_by_hop(&h, 0)); /* Host */
	assert_false(sl_h1_is_hop_by_hop(&h, 4)); /* Accept */
	assert_true(sl_h1_is_hop_by_hop(&h, 9)); /* x-trace, named in any case */
	assert_false(sl_h1_is_hop_by_hop(&h, 10)); /* out of range */
	assert_int_equal(h.host, 0);
	assert_true(sl_h1_keep_alive(&h));
	assert_false(sl_h1_is_upgrade(&h)); /* Upgrade without Connection: upgrade */
	assert_false(sl_h1_expects_continue(&h));
}

/* Every byte a field value or reason may not hold is refused at every offset of a long
 * value, and every byte it may hold (HTAB, SP, visible ASCII, obs-text) passes at every
 * offset, whole: a check that skips ahead (as the line scan does) must not skip these. */
static void test_value_bytes_at_every_offset(void **state)
{
	static const unsigned char bad[] = { 0x00, 0x01, 0x08, 0x0b, 0x1f, 0x7f };
	static const unsigned char good[] = { '\t', ' ', '!', '~', 0x80, 0xfe, 0xff };
	struct sl_http_field fields[MAXF];
	struct sl_h1_parser p;
	struct sl_h1_head h;
	char msg[256], val[41];

	for (int resp = 0; resp < 2; resp++) {
		for (size_t k = 1; k < sizeof(val) - 2; k++) {
			for (size_t b = 0; b < sizeof(bad) + sizeof(good); b++) {
				bool refused = b < sizeof(bad);
				int n, r;

				memset(val, 'v', sizeof(val) - 1);
				val[sizeof(val) - 1] = '\0';
				val[k] = (char)(refused ? bad[b] : good[b - sizeof(bad)]);
				/* built by hand: snprintf's %s would stop at a NUL */
				n = snprintf(msg, sizeof(msg), "%s",
					     resp ? "HTTP/1.1 200 " : "GET / HTTP/1.1\r\nX: ");
				memcpy(msg + n, val, sizeof(val) - 1);
				n += (int)sizeof(val) - 1;
				n += snprintf(msg + n, sizeof(msg) - (size_t)n, "%s",
					      resp ? "\r\nContent-Length: 0\r\n\r\n"
						   : "\r\nHost: a\r\n\r\n");
				assert_int_equal(sl_h1_parser_init(&p,
								   resp ? SL_H1_RESPONSE
									: SL_H1_REQUEST,
								   NULL, fields, MAXF),
						 0);
				r = sl_h1_parse_head(&p, msg, (size_t)n, &h);
				if (refused) {
					assert_int_equal(r, -EBADMSG);
					assert_int_equal(p.err, resp ? SL_H1_ERR_STATUS_LINE
								     : SL_H1_ERR_FIELD_VALUE);
					continue;
				}
				assert_int_equal(r, 0);
				if (resp) {
					assert_int_equal(h.reason.len, sizeof(val) - 1);
					assert_memory_equal(h.reason.p, val, sizeof(val) - 1);
				} else {
					assert_int_equal(h.msg.nfields, 2);
					assert_int_equal(h.msg.fields[0].value.len,
							 sizeof(val) - 1);
					assert_memory_equal(h.msg.fields[0].value.p, val,
							    sizeof(val) - 1);
				}
			}
		}
	}
}

/* Three requests back to back, parsed as a proxy would: reset after each body. */
static void test_pipelined(void **state)
{
	static const char in[] = "POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
				 "\r\nGET /b HTTP/1.1\r\nHost: b\r\n\r\n"
				 "PUT /c HTTP/1.1\r\nHost: c\r\nTransfer-Encoding: chunked\r\n\r\n"
				 "2\r\nxy\r\n0\r\n\r\n";
	const char *paths[] = { "/a", "/b", "/c" }, *bodies[] = { "abc", "", "xy" };
	struct sl_http_field fields[MAXF];
	struct sl_h1_parser p;
	struct sl_h1_head h;
	struct sl_h1_body b;
	struct sl_h1_body_out out;
	size_t off = 0, len = sizeof(in) - 1;

	assert_int_equal(sl_h1_parser_init(&p, SL_H1_REQUEST, NULL, fields, MAXF), 0);
	for (int i = 0; i < 3; i++) {
		char data[8];
		size_t nd = 0;
		int r;

		assert_int_equal(sl_h1_parse_head(&p, in + off, len - off, &h), 0);
		assert_int_equal(h.msg.path.len, 2);
		assert_memory_equal(h.msg.path.p, paths[i], 2);
		sl_h1_body_init_head(&b, &p, &h);
		off += h.len;
		do {
			r = sl_h1_body_decode(&b, in + off, len - off, &out);
			memcpy(data + nd, out.data ? out.data : "", out.data_len);
			nd += out.data_len;
			off += out.consumed;
		} while (r == -EAGAIN);
		assert_int_equal(r, 0);
		assert_int_equal(nd, strlen(bodies[i]));
		assert_memory_equal(data, bodies[i], nd);
		assert_true(sl_h1_body_at_eof(&b));
		sl_h1_parser_reset(&p, SL_HTTP_GET);
	}
	/* The CRLF after the first body is an empty line before the second request. */
	assert_int_equal(off, len);
}

/* A request answered by 100 Continue then the final response, on one parser. */
static void test_interim_then_final(void **state)
{
	static const char in[] = "HTTP/1.1 100 Continue\r\n\r\n"
				 "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n";
	struct sl_http_field fields[MAXF];
	struct sl_h1_parser p;
	struct sl_h1_head h;
	size_t first;

	assert_int_equal(sl_h1_parser_init(&p, SL_H1_RESPONSE, NULL, fields, MAXF), 0);
	assert_int_equal(sl_h1_parse_head(&p, in, sizeof(in) - 1, &h), 0);
	assert_true(h.flags & SL_H1_F_INTERIM);
	first = h.len;
	sl_h1_parser_reset(&p, SL_HTTP_PUT);
	assert_int_equal(sl_h1_parse_head(&p, in + first, sizeof(in) - 1 - first, &h), 0);
	assert_int_equal(h.msg.status, 201);
	assert_false(h.flags & SL_H1_F_INTERIM);
	assert_int_equal(first + h.len, sizeof(in) - 1);
}

static void test_body_kinds(void **state)
{
	struct sl_h1_body b;
	struct sl_h1_body_out out;

	/* Until close: everything is data, the end is the peer's FIN. */
	sl_h1_body_init(&b, SL_H1_BODY_CLOSE, 0, SL_H1_RESPONSE, NULL);
	assert_true(sl_h1_body_at_eof(&b));
	assert_int_equal(sl_h1_body_decode(&b, "abc", 3, &out), -EAGAIN);
	assert_int_equal(out.consumed, 3);
	assert_int_equal(out.data_len, 3);
	/* A length body cut short by EOF is truncated. */
	sl_h1_body_init(&b, SL_H1_BODY_LENGTH, 5, SL_H1_REQUEST, NULL);
	assert_int_equal(sl_h1_body_decode(&b, "abc", 3, &out), -EAGAIN);
	assert_false(sl_h1_body_at_eof(&b));
	assert_int_equal(sl_h1_body_decode(&b, "defgh", 5, &out), 0);
	assert_int_equal(out.consumed, 2);
	assert_memory_equal(out.data, "de", 2);
	assert_true(sl_h1_body_at_eof(&b));
	assert_int_equal(sl_h1_body_decode(&b, "fgh", 3, &out), 0);
	assert_int_equal(out.consumed, 0);
	/* No body: complete at once. */
	sl_h1_body_init(&b, SL_H1_BODY_NONE, 0, SL_H1_REQUEST, NULL);
	assert_int_equal(sl_h1_body_decode(&b, "x", 1, &out), 0);
	assert_int_equal(out.consumed, 0);
	/* Chunked: one data span per call, the framing consumed around it. */
	sl_h1_body_init(&b, SL_H1_BODY_CHUNKED, 0, SL_H1_REQUEST, NULL);
	assert_int_equal(sl_h1_body_decode(&b, "2\r\nab\r\n1\r\nc\r\n0\r\n\r\nX", 19, &out),
			 -EAGAIN);
	assert_int_equal(out.consumed, 5);
	assert_memory_equal(out.data, "ab", 2);
	assert_int_equal(sl_h1_body_decode(&b, "\r\n1\r\nc\r\n0\r\n\r\nX", 14, &out), -EAGAIN);
	assert_int_equal(out.consumed, 6);
	assert_memory_equal(out.data, "c", 1);
	assert_int_equal(sl_h1_body_decode(&b, "\r\n0\r\n\r\nX", 8, &out), 0);
	assert_int_equal(out.consumed, 7);
	assert_int_equal(out.data_len, 0);
	/* Errors stick, with the status for the side. */
	sl_h1_body_init(&b, SL_H1_BODY_CHUNKED, 0, SL_H1_RESPONSE, NULL);
	assert_int_equal(sl_h1_body_decode(&b, "z\r\n", 3, &out), -EBADMSG);
	assert_int_equal(b.err, SL_H1_ERR_CHUNK_SIZE);
	assert_int_equal(b.reply_status, 502);
	assert_int_equal(sl_h1_body_decode(&b, "0\r\n\r\n", 5, &out), -EBADMSG);
	assert_false(sl_h1_body_at_eof(&b));
}

static void test_chunk_limits(void **state)
{
	struct sl_h1_body b;
	struct sl_h1_body_out out;
	static const char trl[] = "0\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n";

	/* max_chunk_line 16 bytes, CRLF included. */
	sl_h1_body_init(&b, SL_H1_BODY_CHUNKED, 0, SL_H1_REQUEST, &small);
	assert_int_equal(sl_h1_body_decode(&b, "1;abcdefghijkl\r\n", 16, &out), -EAGAIN);
	sl_h1_body_init(&b, SL_H1_BODY_CHUNKED, 0, SL_H1_REQUEST, &small);
	assert_int_equal(sl_h1_body_decode(&b, "1;abcdefghijklm\r\n", 17, &out), -EBADMSG);
	assert_int_equal(b.err, SL_H1_ERR_CHUNK_LINE_TOO_LONG);
	/* max_length 1000 = 0x3e8. */
	sl_h1_body_init(&b, SL_H1_BODY_CHUNKED, 0, SL_H1_REQUEST, &small);
	assert_int_equal(sl_h1_body_decode(&b, "3e8\r\n", 5, &out), -EAGAIN);
	sl_h1_body_init(&b, SL_H1_BODY_CHUNKED, 0, SL_H1_REQUEST, &small);
	assert_int_equal(sl_h1_body_decode(&b, "3e9\r\n", 5, &out), -EBADMSG);
	assert_int_equal(b.err, SL_H1_ERR_CHUNK_TOO_LARGE);
	assert_int_equal(b.reply_status, 413);
	/* Leading zeros do not count against the size, only against the line. */
	sl_h1_body_init(&b, SL_H1_BODY_CHUNKED, 0, SL_H1_REQUEST, &small);
	assert_int_equal(sl_h1_body_decode(&b, "00000000003e8\r\n", 15, &out), -EAGAIN);
	/* max_fields 3 trailer fields. */
	sl_h1_body_init(&b, SL_H1_BODY_CHUNKED, 0, SL_H1_REQUEST, &small);
	assert_int_equal(sl_h1_body_decode(&b, trl, sizeof(trl) - 1, &out), -EBADMSG);
	assert_int_equal(b.err, SL_H1_ERR_TRAILER_TOO_LARGE);
}

static void test_api_misuse(void **state)
{
	struct sl_http_field fields[MAXF];
	struct sl_h1_parser p;
	struct sl_h1_head h;
	struct sl_h1_limits lim;

	sl_h1_limits_default(&lim);
	assert_int_equal(lim.max_head, 65536);
	assert_int_equal(lim.max_uri, 8192);
	assert_int_equal(lim.max_fields, 100);
	assert_int_equal(sl_h1_parser_init(&p, SL_H1_REQUEST, NULL, fields, MAXF - 1), -EINVAL);
	assert_int_equal(sl_h1_parser_init(&p, SL_H1_REQUEST, NULL, NULL, MAXF), -EINVAL);
	assert_int_equal(sl_h1_parser_init(&p, (enum sl_h1_kind)7, NULL, fields, MAXF), -EINVAL);
	lim.max_length = UINT64_MAX;
	assert_int_equal(sl_h1_parser_init(&p, SL_H1_REQUEST, &lim, fields, MAXF), -EINVAL);
	sl_h1_limits_default(&lim);
	lim.max_head = 15;
	assert_int_equal(sl_h1_parser_init(&p, SL_H1_REQUEST, &lim, fields, MAXF), -EINVAL);
	lim.max_head = 16;
	assert_int_equal(sl_h1_parser_init(&p, SL_H1_REQUEST, &lim, fields, MAXF), 0);
	assert_int_equal(parse_whole(&p, "X * HTTP/1.0\r\n\r\n", &h), -EBADMSG);
	assert_int_equal(p.err, SL_H1_ERR_TARGET); /* * is for OPTIONS */

	assert_int_equal(sl_h1_parser_init(&p, SL_H1_REQUEST, NULL, fields, MAXF), 0);
	assert_int_equal(sl_h1_parse_head(&p, "GET / HT", 8, &h), -EAGAIN);
	assert_int_equal(sl_h1_parse_head(&p, "GET / HT", 7, &h), -EINVAL);
	assert_int_equal(parse_whole(&p, "GET / HTTP/1.0\r\n\r\n", &h), 0);
	assert_int_equal(parse_whole(&p, "GET / HTTP/1.0\r\n\r\n", &h), -EINVAL);
	/* Errors stick. */
	sl_h1_parser_reset(&p, SL_HTTP_GET);
	assert_int_equal(parse_whole(&p, "GET / HTTP/1.1\n", &h), -EBADMSG);
	assert_int_equal(parse_whole(&p, "GET / HTTP/1.1\n\r\n", &h), -EBADMSG);
	assert_string_equal(sl_h1_err_name(SL_H1_ERR_BARE_LF), "bare LF");
	assert_string_equal(sl_h1_err_name(SL_H1_ERR__COUNT), "?");
	for (int e = 0; e < SL_H1_ERR__COUNT; e++)
		assert_string_not_equal(sl_h1_err_name(e), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),	   cmocka_unit_test(test_hop_by_hop),
		cmocka_unit_test(test_pipelined),  cmocka_unit_test(test_interim_then_final),
		cmocka_unit_test(test_body_kinds), cmocka_unit_test(test_chunk_limits),
		cmocka_unit_test(test_api_misuse), cmocka_unit_test(test_value_bytes_at_every_offset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
