// SPDX-License-Identifier: Apache-2.0
/* sluice-proxy head rewriting: what a parsed request and response look like forwarded. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "proxy/forward.h"
#include "proxy/http1.h"

static struct sl_http_field fields[SL_H1_MAX_FIELDS_DEFAULT];

static const struct px_fwd_req fwd = {
	.client_addr = "10.244.1.11",
	.proto = "http",
	.host_fallback = "10.96.0.10:80",
	.request_id = "00000000-0000-4000-8000-000000000000",
};

/* Parses `in` as a request and returns it forwarded (static storage). */
static const char *request(const char *in, struct sl_str *rid)
{
	static char out[8192];
	struct sl_h1_parser p;
	struct sl_h1_head h;
	int n;

	assert_int_equal(
		sl_h1_parser_init(&p, SL_H1_REQUEST, NULL, fields, SL_H1_MAX_FIELDS_DEFAULT), 0);
	assert_int_equal(sl_h1_parse_head(&p, in, strlen(in), &h), 0);
	n = px_fwd_request_head(&h, &fwd, out, sizeof(out) - 1, rid);
	assert_true(n > 0);
	out[n] = '\0';
	return out;
}

static const char *response(const char *in, enum sl_http_method answers,
			    const struct px_fwd_resp *f)
{
	static char out[8192];
	struct sl_h1_parser p;
	struct sl_h1_head h;
	int n;

	assert_int_equal(
		sl_h1_parser_init(&p, SL_H1_RESPONSE, NULL, fields, SL_H1_MAX_FIELDS_DEFAULT), 0);
	sl_h1_parser_reset(&p, answers);
	assert_int_equal(sl_h1_parse_head(&p, in, strlen(in), &h), 0);
	n = px_fwd_response_head(&h, f, out, sizeof(out) - 1);
	assert_true(n > 0);
	out[n] = '\0';
	return out;
}

static void t_request_plain(void **state)
{
	struct sl_str rid;
	const char *out =
		request("GET /a?b=1 HTTP/1.1\r\nHost: web.shop\r\nUser-Agent: c\r\n\r\n", &rid);

	assert_string_equal(out, "GET /a?b=1 HTTP/1.1\r\nHost: web.shop\r\nUser-Agent: c\r\n"
				 "x-forwarded-for: 10.244.1.11\r\nx-forwarded-proto: http\r\n"
				 "x-request-id: 00000000-0000-4000-8000-000000000000\r\n\r\n");
	assert_int_equal(rid.len, 36);
}

static void t_request_hop_by_hop(void **state)
{
	struct sl_str rid;
	const char *out =
		request("POST /u HTTP/1.1\r\nHost: web\r\nConnection: keep-alive, x-secret\r\n"
			"Keep-Alive: timeout=5\r\nX-Secret: s\r\nTE: trailers\r\n"
			"Proxy-Connection: keep-alive\r\nTransfer-Encoding: chunked\r\n"
			"Trailer: x-sum\r\nX-Request-Id: abc\r\n\r\n",
			&rid);

	assert_string_equal(out, "POST /u HTTP/1.1\r\nHost: web\r\nX-Request-Id: abc\r\n"
				 "Transfer-Encoding: chunked\r\n"
				 "x-forwarded-for: 10.244.1.11\r\nx-forwarded-proto: http\r\n\r\n");
	assert_int_equal(rid.len, 3);
	assert_memory_equal(rid.p, "abc", 3);
}

static void t_request_forwarding_fields(void **state)
{
	struct sl_str rid;
	const char *out =
		request("GET / HTTP/1.1\r\nHost: web\r\nX-Forwarded-For: 1.2.3.4\r\n"
			"x-forwarded-for: 5.6.7.8\r\nX-Forwarded-Proto: https\r\n"
			"x-request-id: \r\ntraceparent: 00-0af7651916cd43dd8448eb211c80319c-"
			"b7ad6b7169203331-01\r\ntracestate: a=b\r\nb3: 80f198ee56343ba8-"
			"e457b5a2e4d86bd1-1\r\nX-B3-TraceId: 80f198ee56343ba8\r\n"
			"Content-Length: 3\r\n\r\n",
			&rid);

	assert_string_equal(
		out, "GET / HTTP/1.1\r\nHost: web\r\nX-Forwarded-For: 1.2.3.4\r\n"
		     "x-forwarded-for: 5.6.7.8, 10.244.1.11\r\nX-Forwarded-Proto: https\r\n"
		     "traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\n"
		     "tracestate: a=b\r\nb3: 80f198ee56343ba8-e457b5a2e4d86bd1-1\r\n"
		     "X-B3-TraceId: 80f198ee56343ba8\r\nContent-Length: 3\r\n"
		     "x-request-id: 00000000-0000-4000-8000-000000000000\r\n\r\n");
}

static void t_request_absolute_form_and_http10(void **state)
{
	struct sl_str rid;
	const char *out =
		request("GET http://web.shop:8080/p HTTP/1.1\r\nHost: other\r\n\r\n", &rid);

	assert_string_equal(out, "GET /p HTTP/1.1\r\nHost: web.shop:8080\r\n"
				 "x-forwarded-for: 10.244.1.11\r\nx-forwarded-proto: http\r\n"
				 "x-request-id: 00000000-0000-4000-8000-000000000000\r\n\r\n");
	out = request("GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", &rid);
	assert_string_equal(out, "GET /old HTTP/1.1\r\nHost: 10.96.0.10:80\r\n"
				 "x-forwarded-for: 10.244.1.11\r\nx-forwarded-proto: http\r\n"
				 "x-request-id: 00000000-0000-4000-8000-000000000000\r\n\r\n");
}

static void t_request_upgrade(void **state)
{
	struct sl_str rid;
	const char *out = request("GET /ws HTTP/1.1\r\nHost: web\r\nUpgrade: websocket\r\n"
				  "Connection: Upgrade\r\nSec-WebSocket-Key: k\r\n"
				  "Sec-WebSocket-Version: 13\r\n\r\n",
				  &rid);

	assert_string_equal(out, "GET /ws HTTP/1.1\r\nHost: web\r\nSec-WebSocket-Key: k\r\n"
				 "Sec-WebSocket-Version: 13\r\nConnection: upgrade\r\n"
				 "Upgrade: websocket\r\nx-forwarded-for: 10.244.1.11\r\n"
				 "x-forwarded-proto: http\r\n"
				 "x-request-id: 00000000-0000-4000-8000-000000000000\r\n\r\n");
}

static void t_request_too_large(void **state)
{
	static const char in[] = "GET / HTTP/1.1\r\nHost: web\r\n\r\n";
	struct sl_h1_parser p;
	struct sl_h1_head h;
	struct sl_str rid;
	char out[64];

	sl_h1_parser_init(&p, SL_H1_REQUEST, NULL, fields, SL_H1_MAX_FIELDS_DEFAULT);
	assert_int_equal(sl_h1_parse_head(&p, in, strlen(in), &h), 0);
	assert_int_equal(px_fwd_request_head(&h, &fwd, out, sizeof(out), &rid), -ENOSPC);
}

static void t_response(void **state)
{
	struct px_fwd_resp keep = { 0 }, close = { .close = true },
			   ka10 = { .keep_alive_10 = true };
	struct px_fwd_resp dechunk = { .close = true, .dechunk = true };

	assert_string_equal(response("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: x-a\r\n"
				     "X-A: 1\r\nKeep-Alive: 5\r\nServer: s\r\n\r\n",
				     SL_HTTP_GET, &keep),
			    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nServer: s\r\n\r\n");
	assert_string_equal(response("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
				     SL_HTTP_GET, &close),
			    "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n"
			    "Connection: close\r\n\r\n");
	assert_string_equal(response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
				     SL_HTTP_GET, &dechunk),
			    "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
	assert_string_equal(
		response("HTTP/1.0 404\r\nContent-Length: 0\r\n\r\n", SL_HTTP_GET, &ka10),
		"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n"
		"Connection: keep-alive\r\n\r\n");
	/* RFC 9110 section 8.6: no Content-Length in 1xx and 204. */
	assert_string_equal(response("HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n",
				     SL_HTTP_GET, &keep),
			    "HTTP/1.1 204 No Content\r\n\r\n");
	assert_string_equal(response("HTTP/1.1 100 Continue\r\n\r\n", SL_HTTP_POST, &close),
			    "HTTP/1.1 100 Continue\r\n\r\n");
	assert_string_equal(response("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
				     "Connection: Upgrade\r\nSec-WebSocket-Accept: a\r\n\r\n",
				     SL_HTTP_GET, &keep),
			    "HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Accept: a\r\n"
			    "Connection: upgrade\r\nUpgrade: websocket\r\n\r\n");
	/* HEAD: the Content-Length describes the GET's body and goes along. */
	assert_string_equal(
		response("HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n", SL_HTTP_HEAD, &keep),
		"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n");
}

static void t_local_response(void **state)
{
	char out[512];
	int n;

	n = px_local_response(503, "no healthy upstream", false, false, false, "rid", out,
			      sizeof(out) - 1);
	assert_true(n > 0);
	out[n] = '\0';
	assert_string_equal(out, "HTTP/1.1 503 Service Unavailable\r\ncontent-length: 20\r\n"
				 "content-type: text/plain\r\nx-request-id: rid\r\n\r\n"
				 "no healthy upstream\n");
	n = px_local_response(400, "bad", true, false, true, NULL, out, sizeof(out) - 1);
	out[n] = '\0';
	assert_string_equal(out, "HTTP/1.1 400 Bad Request\r\ncontent-length: 4\r\n"
				 "content-type: text/plain\r\nconnection: close\r\n\r\n");
	assert_int_equal(px_local_response(502, "x", false, false, false, NULL, out, 10), -ENOSPC);
}

static void t_uuid(void **state)
{
	uint8_t r[16];
	char u[PX_UUID_LEN];

	memset(r, 0xff, sizeof(r));
	px_uuid4(r, u);
	assert_string_equal(u, "ffffffff-ffff-4fff-bfff-ffffffffffff");
	memset(r, 0, sizeof(r));
	px_uuid4(r, u);
	assert_string_equal(u, "00000000-0000-4000-8000-000000000000");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_request_plain),
		cmocka_unit_test(t_request_hop_by_hop),
		cmocka_unit_test(t_request_forwarding_fields),
		cmocka_unit_test(t_request_absolute_form_and_http10),
		cmocka_unit_test(t_request_upgrade),
		cmocka_unit_test(t_request_too_large),
		cmocka_unit_test(t_response),
		cmocka_unit_test(t_local_response),
		cmocka_unit_test(t_uuid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
