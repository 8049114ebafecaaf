// SPDX-License-Identifier: Apache-2.0
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "proxy/access_log.h"
#include "proxy/stats.h"

#define FIELD_CUT 512

struct out {
	char *p;
	size_t len, cap;
};

static void raw(struct out *o, const char *s, size_t n)
{
	if (o->cap - o->len <= n)
		n = o->cap - o->len - 1;
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void rawc(struct out *o, const char *s)
{
	raw(o, s, strlen(s));
}

/* s, escaped for the format, cut once FIELD_CUT bytes are written (so five strings of
 * any bytes fit a PX_LOG_LINE_MAX line). */
static void esc(struct out *o, struct sl_str s, enum px_log_format f)
{
	size_t start = o->len;
	char b[8];

	for (size_t i = 0; i < s.len && o->len - start < FIELD_CUT; i++) {
		unsigned char c = (unsigned char)s.p[i];

		if (c == '"' || c == '\\') {
			b[0] = '\\';
			b[1] = (char)c;
			raw(o, b, 2);
		} else if (c < 0x20 || c > 0x7e) {
			snprintf(b, sizeof(b), f == PX_LOG_JSON ? "\\u%04x" : "\\x%02x", c);
			rawc(o, b);
		} else {
			raw(o, (const char *)&c, 1);
		}
	}
}

/* A json string value, or null when s is empty. */
static void jstr(struct out *o, const char *key, struct sl_str s, bool first)
{
	if (!first)
		raw(o, ",", 1);
	raw(o, "\"", 1);
	rawc(o, key);
	rawc(o, "\":");
	if (!s.len) {
		rawc(o, "null");
		return;
	}
	raw(o, "\"", 1);
	esc(o, s, PX_LOG_JSON);
	raw(o, "\"", 1);
}

static void jnum(struct out *o, const char *key, uint64_t v)
{
	char b[64];

	snprintf(b, sizeof(b), ",\"%s\":%llu", key, (unsigned long long)v);
	rawc(o, b);
}

static struct sl_str cs(const char *s)
{
	return (struct sl_str){ s, s ? strlen(s) : 0 };
}

/* A text field: "-" when empty. */
static void tstr(struct out *o, struct sl_str s)
{
	if (s.len)
		esc(o, s, PX_LOG_TEXT);
	else
		raw(o, "-", 1);
}

size_t px_access_log_format(const struct px_log_entry *e, enum px_log_format f, char *out,
			    size_t cap)
{
	struct out o = { out, 0, cap };
	char t[80], fl[40], b[128];
	time_t sec = (time_t)(e->start_ms / 1000);
	struct tm tm;
	const char *proto = e->version == 10 ? "HTTP/1.0" : e->version == 11 ? "HTTP/1.1" : NULL;

	gmtime_r(&sec, &tm);
	snprintf(t, sizeof(t), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (int)(e->start_ms % 1000));
	px_flags_format(e->flags, fl, sizeof(fl));
	if (f == PX_LOG_JSON) {
		raw(&o, "{", 1);
		jstr(&o, "time", cs(t), true);
		jstr(&o, "downstream_peer", cs(e->peer), false);
		jstr(&o, "original_dst", cs(e->orig), false);
		jstr(&o, "method", e->method, false);
		jstr(&o, "authority", e->authority, false);
		jstr(&o, "path", e->path, false);
		jstr(&o, "protocol", cs(proto), false);
		jnum(&o, "status", e->status);
		jstr(&o, "response_flags", cs(fl), false);
		jnum(&o, "bytes_received", e->rx);
		jnum(&o, "bytes_sent", e->tx);
		jnum(&o, "duration_ms", e->duration_ms);
		jstr(&o, "upstream_endpoint", cs(e->upstream), false);
		jstr(&o, "x_request_id", e->request_id, false);
		jstr(&o, "route_name", cs(e->route_name), false);
		jstr(&o, "upstream_cluster", cs(e->cluster), false);
		raw(&o, "}\n", 2);
		out[o.len] = '\0';
		return o.len;
	}
	raw(&o, "[", 1);
	rawc(&o, t);
	rawc(&o, "] \"");
	tstr(&o, e->method);
	raw(&o, " ", 1);
	tstr(&o, e->path);
	raw(&o, " ", 1);
	tstr(&o, cs(proto));
	snprintf(b, sizeof(b), "\" %u %s %llu %llu %llu \"", e->status, fl,
		 (unsigned long long)e->rx, (unsigned long long)e->tx,
		 (unsigned long long)e->duration_ms);
	rawc(&o, b);
	tstr(&o, e->authority);
	rawc(&o, "\" \"");
	tstr(&o, e->request_id);
	rawc(&o, "\" ");
	tstr(&o, cs(e->peer));
	raw(&o, " ", 1);
	tstr(&o, cs(e->orig));
	raw(&o, " ", 1);
	tstr(&o, cs(e->upstream));
	raw(&o, " ", 1);
	tstr(&o, cs(e->route_name));
	raw(&o, " ", 1);
	tstr(&o, cs(e->cluster));
	raw(&o, "\n", 1);
	out[o.len] = '\0';
	return o.len;
}

/* Writes v in decimal at p; returns the end. */
static char *put_dec(char *p, unsigned int v)
{
	char d[10];
	int n = 0;

	do
		d[n++] = (char)('0' + v % 10);
	while ((v /= 10));
	while (n)
		*p++ = d[--n];
	return p;
}

const char *px_addr_port_format(const uint8_t addr[16], uint16_t port, char *buf, size_t len)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	char a[INET6_ADDRSTRLEN];

	if (!memcmp(addr, mapped, 12)) {
		/* by hand: it runs for every connection and access log line */
		char t[sizeof("255.255.255.255:65535")], *p = t;
		size_t n;

		for (int i = 12; i < 16; i++) {
			p = put_dec(p, addr[i]);
			*p++ = i < 15 ? '.' : ':';
		}
		p = put_dec(p, port);
		n = (size_t)(p - t);
		if (len) {
			n = n < len ? n : len - 1;
			memcpy(buf, t, n);
			buf[n] = '\0';
		}
	} else {
		inet_ntop(AF_INET6, addr, a, sizeof(a));
		snprintf(buf, len, "[%s]:%u", a, port);
	}
	return buf;
}
