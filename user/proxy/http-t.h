/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An HTTP message as the proxy's routing and policy code sees it, whatever the wire
 * version: the request's method, scheme, authority and path (HTTP/2's pseudo-header
 * fields, RFC 9113 section 8.3.1), or the response's status, and the field lines in
 * the order received. The HTTP/1.1 parser (http1-t.h) fills it today; an HTTP/2 codec
 * would fill the same struct from a decoded HEADERS frame, so nothing downstream needs
 * to know which version a client spoke.
 *
 * Strings are slices, never NUL-terminated: they point into the buffer the message was
 * parsed from (zero copy), or, for the few values a codec has to synthesise, into
 * static storage. They stay valid as long as that buffer does.
 */
#ifndef SLUICE_PROXY_HTTP_T_H
#define SLUICE_PROXY_HTTP_T_H

#include <stddef.h>

struct sl_str {
	const char *p; /* NULL only when len is 0 */
	size_t len;
};

/* Methods the proxy treats specially, and the common ones worth a switch(). Anything
 * else is SL_HTTP_METHOD_OTHER with its name in sl_http_msg.method_name. Method names
 * are case-sensitive (RFC 9110 section 9.1): "get" is OTHER. */
enum sl_http_method {
	SL_HTTP_METHOD_OTHER = 0,
	SL_HTTP_GET,
	SL_HTTP_HEAD,
	SL_HTTP_POST,
	SL_HTTP_PUT,
	SL_HTTP_DELETE,
	SL_HTTP_CONNECT,
	SL_HTTP_OPTIONS,
	SL_HTTP_TRACE,
	SL_HTTP_PATCH,
};

/* sl_http_field.flags */
enum {
	/* Connection-specific (hop-by-hop): never forwarded as is. HTTP/1.1 lists them
	 * in Connection; HTTP/2 forbids them outright (RFC 9113 section 8.2.2). */
	SL_HTTP_FIELD_HOP = 1u << 0,
};

struct sl_http_field {
	struct sl_str name; /* as received; compare case-insensitively */
	struct sl_str value; /* without leading and trailing whitespace */
	unsigned int flags; /* SL_HTTP_FIELD_* */
};

struct sl_http_msg {
	/* Requests. scheme is as received (compare it case-insensitively), or empty when
	 * the request did not say (HTTP/1.1 origin-form: the scheme is the connection's,
	 * http or https). authority is the target's authority, else the Host field's
	 * value (possibly empty). path is empty for CONNECT, "*" for a server-wide
	 * OPTIONS, otherwise starts with "/" and carries the query. */
	enum sl_http_method method;
	struct sl_str method_name;
	struct sl_str scheme, authority, path;
	/* Responses: 100..599. */
	unsigned int status;
	struct sl_http_field *fields;
	size_t nfields;
};

#endif /* SLUICE_PROXY_HTTP_T_H */
