/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The agent's metrics endpoint: a small non-blocking HTTP/1.1 server that lives in the
 * caller's poll() loop. The agent is single-threaded, so nothing here ever blocks on a
 * client: every socket is non-blocking, a response that does not fit the socket buffer
 * waits for POLLOUT, and connections that stall are closed.
 *
 * Serves GET and HEAD on /metrics and /stats/prometheus (Istio's path; a query string
 * is ignored) with the body the render callback produces at request time, as
 * "text/plain; version=0.0.4; charset=utf-8". One request per connection
 * ("Connection: close"). Errors: 400 malformed, 404 other paths, 405 other methods on
 * these paths, 431 request head over SL_METRICS_HTTP_HEAD_MAX, 500 render failure.
 *
 * Loop integration:
 *	struct pollfd pfd[SL_METRICS_HTTP_MAX_FDS];
 *	int n = sl_metrics_http_fds(&h, pfd, SL_METRICS_HTTP_MAX_FDS);
 *	poll(pfd, n, 1000);	(the timeout bounds how late idle connections close)
 *	sl_metrics_http_handle(&h, pfd, n);
 */
#ifndef SLUICE_AGENT_METRICS_HTTP_H
#define SLUICE_AGENT_METRICS_HTTP_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define SL_METRICS_HTTP_MAX_CONNS 64
#define SL_METRICS_HTTP_MAX_FDS (1 + SL_METRICS_HTTP_MAX_CONNS)
#define SL_METRICS_HTTP_HEAD_MAX 8192 /* request line and headers, with the blank line */
#define SL_METRICS_HTTP_IDLE_MS 5000

/* Appends the whole response body (the exposition) to out, which is empty on entry.
 * Returns 0 or -errno; an error is answered with 500. */
typedef int (*sl_metrics_render_fn)(void *arg, struct sl_buf *out);

struct sl_metrics_conn;

struct sl_metrics_http {
	int listen_fd;
	uint16_t port; /* bound port, host order: useful when opened with port 0 */
	sl_metrics_render_fn render;
	void *arg;
	/* A connection is closed when it makes no progress for this long: the whole
	 * request head must arrive within it (so a client trickling bytes cannot hold a
	 * slot forever), and each write of the response must move bytes within it.
	 * SL_METRICS_HTTP_IDLE_MS after open; tests may lower it. */
	unsigned int idle_ms;
	/* SO_SNDBUF for accepted connections; 0 (after open): the kernel's default,
	 * which autotunes. Tests set it small to make responses need several writes. */
	int sndbuf;
	struct sl_metrics_conn *conns; /* SL_METRICS_HTTP_MAX_CONNS slots */
	size_t nconns; /* slots in use */
	struct {
		uint64_t accepted, refused_full, responses, timeouts, write_waits;
	} stats;
};

/*
 * Binds and listens on addr: "HOST:PORT" with HOST an IPv4 address or a name to
 * resolve (e.g. "localhost", through getaddrinfo, so /etc/hosts), "[IPv6]:PORT", or
 * ":PORT" for every address (dual-stack when the kernel allows). PORT is 0..65535, 0
 * picks a free one (see h->port). The socket is SO_REUSEADDR, close-on-exec and
 * non-blocking. render(arg, out) is called for each request to a metrics path.
 * Logs the reason on failure. Returns 0, -EINVAL (addr unparsable), -ENOMEM, or the
 * -errno of the failed resolution, socket, bind or listen (-EADDRINUSE, -EACCES, ...).
 * On failure h is left safe to pass to sl_metrics_http_close().
 */
int sl_metrics_http_open(struct sl_metrics_http *h, const char *addr, sl_metrics_render_fn render,
			 void *arg);

/*
 * Fills pfds with the listening socket and every connection with the events each waits
 * for, and returns how many entries it filled. max >= SL_METRICS_HTTP_MAX_FDS always
 * has room; with less, connections that do not fit wait for a later round (their idle
 * timers keep running).
 */
int sl_metrics_http_fds(struct sl_metrics_http *h, struct pollfd *pfds, size_t max);

/*
 * Processes the entries sl_metrics_http_fds() filled, after poll(): accepts, reads,
 * answers, closes. Entries are matched by fd, so the caller may pass them anywhere in a
 * larger array, as long as it passes those n entries unchanged but for revents. Also
 * closes connections idle past h->idle_ms: call it at least every second (with n = 0
 * when poll() timed out) so idle connections are noticed.
 */
void sl_metrics_http_handle(struct sl_metrics_http *h, const struct pollfd *pfds, size_t n);

/* Closes every connection and the listening socket. h may be NULL, or a struct a
 * failed sl_metrics_http_open() left; calling it twice is harmless. */
void sl_metrics_http_close(struct sl_metrics_http *h);

/* The bound port in host order (h->port). */
uint16_t sl_metrics_http_port(const struct sl_metrics_http *h);

#endif
