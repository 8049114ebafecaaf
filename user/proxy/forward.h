/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Head rewriting between the two sides (RFC 9110 section 7.6, RFC 9112): what a parsed
 * request looks like when sluice-proxy forwards it upstream, what a parsed response
 * looks like forwarded downstream, and the responses the proxy writes itself. Pure
 * functions of their inputs, written into a caller's buffer.
 *
 * Forwarded requests:
 *  - the request line is method SP target SP "HTTP/1.1" (a proxy sends its own version,
 *    RFC 9110 section 2.5); an absolute-form target is sent in origin-form (the path),
 *    since the next hop is the origin server (RFC 9112 section 3.2.1);
 *  - hop-by-hop fields (Connection, Keep-Alive, Proxy-Connection, TE, Trailer, Upgrade
 *    and every field Connection names) are left out; Transfer-Encoding and
 *    Content-Length are kept as received, since the body is forwarded with the framing
 *    it arrived with; an upgrade request gets "Connection: upgrade" and its Upgrade
 *    field back (an upgrade is negotiated hop by hop);
 *  - Host stays as the client wrote it (the Service name it used), or becomes the
 *    target's authority when that differs (SL_H1_F_HOST_FROM_TARGET); an HTTP/1.0
 *    request without Host gets the original destination as Host;
 *  - x-forwarded-for gets the client's address appended to the last such field (or a
 *    new field); x-forwarded-proto is added when absent and kept when present (a pod
 *    behind an ingress gateway forwards what the gateway set); x-request-id is kept
 *    when present and not empty, else generated; traceparent, tracestate, b3 and
 *    x-b3-* pass as every other end-to-end field does: untouched.
 *
 * Forwarded responses: status line "HTTP/1.1 NNN reason"; hop-by-hop fields left out;
 * Content-Length and Transfer-Encoding kept but where RFC 9110 sections 8.6 and
 * RFC 9112 section 6.1 forbid them (1xx and 204 responses) and where the proxy removes
 * the chunked framing for an HTTP/1.0 client (which cannot read it); then the proxy's
 * own Connection field: "close" when the downstream connection ends after this
 * response, "keep-alive" for an HTTP/1.0 client that keeps it, "upgrade" (with the
 * Upgrade field) on a 101.
 */
#ifndef SLUICE_PROXY_FORWARD_H
#define SLUICE_PROXY_FORWARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proxy/http1-t.h"

/* Longest generated x-request-id (a UUID), NUL included. */
#define PX_UUID_LEN 37

struct px_fwd_req {
	const char *client_addr; /* the downstream peer's address as text, no port */
	const char *proto; /* the scheme the client used: "http" */
	const char *host_fallback; /* Host for an HTTP/1.0 request without one */
	const char *request_id; /* written when the request has none (or an empty one) */
};

/* How a response is forwarded. */
struct px_fwd_resp {
	bool close; /* the downstream connection closes after it: "Connection: close" */
	bool keep_alive_10; /* HTTP/1.0 client that keeps the connection: "keep-alive" */
	bool dechunk; /* the chunked framing is removed on the way: no Transfer-Encoding */
};

/* Writes request head h, forwarded as described above, into out[0, cap). *rid gets the
 * x-request-id the request carries upstream (a slice of h's buffer, or of
 * f->request_id). Returns the length, or -ENOSPC when it does not fit. */
int px_fwd_request_head(const struct sl_h1_head *h, const struct px_fwd_req *f, char *out,
			size_t cap, struct sl_str *rid);

/* Writes response head h (a final response, an interim 1xx or a 101) into out[0, cap).
 * Returns the length, or -ENOSPC. */
int px_fwd_response_head(const struct sl_h1_head *h, const struct px_fwd_resp *f, char *out,
			 size_t cap);

/* A response of the proxy's own: status, a text/plain body (one line, "\n" appended;
 * NULL: empty), "Connection: close" when close (else "keep-alive" when keep_alive_10).
 * With head_only (answering HEAD) the body is announced but not written. Returns the
 * length, or -ENOSPC. */
int px_local_response(int status, const char *body, bool close, bool keep_alive_10, bool head_only,
		      const char *request_id, char *out, size_t cap);

/* The reason phrase of a status ("Service Unavailable"), "" for unknown ones. */
const char *px_status_reason(unsigned int status);

/* A version 4 UUID (RFC 9562) from 16 random bytes: "xxxxxxxx-xxxx-4xxx-Yxxx-..." */
void px_uuid4(const uint8_t rnd[16], char out[PX_UUID_LEN]);

#endif /* SLUICE_PROXY_FORWARD_H */
