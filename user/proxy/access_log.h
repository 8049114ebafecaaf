/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Access log lines, one per request (or refused connection), in one of two formats.
 *
 * text (Envoy's default format, reordered a little):
 *   [START] "METHOD PATH PROTOCOL" STATUS FLAGS RX TX DURATION "AUTHORITY" "REQUEST_ID"
 *   DOWNSTREAM_PEER ORIGINAL_DST UPSTREAM ROUTE_NAME UPSTREAM_CLUSTER
 * json: one object per line with the keys
 *   time, downstream_peer, original_dst, method, authority, path, protocol, status,
 *   response_flags, bytes_received, bytes_sent, duration_ms, upstream_endpoint,
 *   x_request_id, route_name, upstream_cluster
 *
 * START/time: when the request's first byte arrived, RFC 3339 UTC with milliseconds.
 * STATUS: the status sent downstream, 0 when none was (the client went away first).
 * FLAGS: Envoy's response flags ("UF", "UC,DC", "-" for none; stats-t.h).
 * RX/bytes_received, TX/bytes_sent: body bytes from and to the client (after chunk
 * framing is removed; for a tunnel, every byte after the 101 each way).
 * DURATION: ms from START to the last byte sent. PEER, ORIGINAL_DST, UPSTREAM:
 * "addr:port" ("[v6]:port"). ROUTE_NAME: the VirtualService http route's name;
 * UPSTREAM_CLUSTER: Istio's cluster name of the destination picked,
 * "outbound|9080|v2|reviews.default.svc.cluster.local". Missing values are "-" in text, null in json. Strings are
 * cut at 512 bytes (escaped); text escapes '"', '\\' and bytes outside 0x20..0x7e as \xNN,
 * json as \" \\ and \u00NN.
 */
#ifndef SLUICE_PROXY_ACCESS_LOG_H
#define SLUICE_PROXY_ACCESS_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "proxy/http-t.h"

enum px_log_format {
	PX_LOG_TEXT = 0,
	PX_LOG_JSON,
};

struct px_log_entry {
	int64_t start_ms; /* CLOCK_REALTIME, ms */
	const char *peer, *orig, *upstream; /* NULL: unknown */
	const char *route_name; /* the VirtualService http route's name; NULL: none */
	const char *cluster; /* "outbound|PORT|SUBSET|HOST"; NULL: none */
	struct sl_str method, authority, path, request_id; /* empty: unknown */
	unsigned int version; /* 10, 11, or 0 (no request line) */
	unsigned int status;
	unsigned int flags; /* enum px_flag */
	uint64_t rx, tx, duration_ms;
};

/* Most bytes one line takes (every string at its cut, escaped). */
#define PX_LOG_LINE_MAX 4096

/* Formats e as one line ending in "\n" into out[0, cap), cap >= PX_LOG_LINE_MAX.
 * Returns the length. */
size_t px_access_log_format(const struct px_log_entry *e, enum px_log_format f, char *out,
			    size_t cap);

/* "host:port" of a 16-byte (IPv4-mapped for IPv4) address, "[v6]:port" for IPv6, into
 * buf (>= 56 bytes). Returns buf. */
const char *px_addr_port_format(const uint8_t addr[16], uint16_t port, char *buf, size_t len);

#endif /* SLUICE_PROXY_ACCESS_LOG_H */
