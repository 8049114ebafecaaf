// SPDX-License-Identifier: Apache-2.0
/* Rewritten targets and redirect locations of http routes (rewrite.h). */
#include <errno.h>
#include <stdio.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "proxy/rewrite.h"
#include "proxy/route_match.h"

int px_rewrite_target(const struct sl_http_route *hr, const struct sl_http_match *m,
		      struct sl_str t, char *buf, size_t cap)
{
	size_t cut, n;
	int len;

	if (!hr->rewrite.uri)
		return 0;
	if (m && m->uri.kind == SL_SM_EXACT)
		cut = px_path_only(t).len;
	else if (m && m->uri.kind == SL_SM_PREFIX)
		cut = strlen(m->uri.value);
	else
		cut = 1; /* the generated route's prefix "/" */
	if (cut > t.len)
		cut = t.len;
	n = t.len - cut;
	len = snprintf(buf, cap, "%s%.*s", hr->rewrite.uri, (int)n, t.p ? t.p + cut : "");
	if (len < 0 || (size_t)len >= cap)
		return -ENOSPC;
	/* An empty result is no target: Envoy sends "/". */
	if (!len) {
		if (cap < 2)
			return -ENOSPC;
		return snprintf(buf, cap, "/");
	}
	return len;
}

/* The host of an authority without its port ("[v6]" kept bracketed). */
static struct sl_str host_only(struct sl_str a)
{
	const char *colon = NULL;

	for (size_t i = a.len; i > 0; i--) {
		if (a.p[i - 1] == ']')
			break;
		if (a.p[i - 1] == ':') {
			colon = a.p + i - 1;
			break;
		}
	}
	if (colon)
		a.len = (size_t)(colon - a.p);
	return a;
}

int px_redirect_location(const struct sl_http_redirect *rd, const struct sl_http_msg *req,
			 uint16_t port, char *buf, size_t cap)
{
	struct sl_str scheme = req->scheme.len ? req->scheme : (struct sl_str){ "http", 4 };
	struct sl_str auth = req->authority, path = req->path, q = { NULL, 0 };
	char portbuf[16] = "";
	const char *qm;
	int len;

	if (rd->scheme)
		scheme = (struct sl_str){ rd->scheme, strlen(rd->scheme) };
	if (rd->authority)
		auth = (struct sl_str){ rd->authority, strlen(rd->authority) };
	if (rd->port_mode != SL_REDIRECT_PORT_UNSET) {
		/* FROM_PROTOCOL_DEFAULT: the scheme's default port, which is left out. */
		uint16_t p = rd->port_mode == SL_REDIRECT_PORT_NUMBER		   ? rd->port
			     : rd->port_mode == SL_REDIRECT_PORT_FROM_REQUEST_PORT ? port
										   : 0;

		auth = host_only(auth);
		if (p)
			snprintf(portbuf, sizeof(portbuf), ":%u", p);
	}
	if (rd->uri) {
		qm = path.len ? memchr(path.p, '?', path.len) : NULL;
		if (qm && !strchr(rd->uri, '?'))
			q = (struct sl_str){ qm, (size_t)(path.p + path.len - qm) };
		len = snprintf(buf, cap, "%.*s://%.*s%s%s%.*s", (int)scheme.len, scheme.p,
			       (int)auth.len, auth.p ? auth.p : "", portbuf, rd->uri, (int)q.len,
			       q.p ? q.p : "");
	} else {
		len = snprintf(buf, cap, "%.*s://%.*s%s%.*s", (int)scheme.len, scheme.p,
			       (int)auth.len, auth.p ? auth.p : "", portbuf, (int)path.len,
			       path.p ? path.p : "");
	}
	if (len < 0 || (size_t)len >= cap)
		return -ENOSPC;
	return len;
}

int px_redirect_status(const struct sl_http_redirect *rd)
{
	return rd->code ? rd->code : 301;
}
