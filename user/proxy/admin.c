// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "proxy/admin.h"
#include "proxy/http1.h"
#include "proxy/metrics.h"
#include "proxy/stats.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int px_admin_open(struct px_admin *a, const struct px_listen *l, struct px_proxy *px)
{
	int one = 1;

	memset(a, 0, sizeof(*a));
	a->px = px;
	for (size_t i = 0; i < PX_ADMIN_MAX_CONNS; i++)
		a->conns[i].fd = -1;
	a->lfd = socket(l->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (a->lfd < 0 || setsockopt(a->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(a->lfd, (const struct sockaddr *)&l->sa, l->len) || listen(a->lfd, 16)) {
		int e = -errno;

		pr_err("--admin %s: %s", l->text, strerror(errno));
		if (a->lfd >= 0)
			close(a->lfd);
		a->lfd = -1;
		return e;
	}
	return 0;
}

size_t px_admin_fds(struct px_admin *a, struct pollfd *p, size_t max)
{
	size_t n = 0;

	if (a->lfd < 0 || !max)
		return 0;
	p[n++] = (struct pollfd){ .fd = a->lfd, .events = POLLIN };
	for (size_t i = 0; i < PX_ADMIN_MAX_CONNS && n < max; i++) {
		struct px_admin_conn *c = &a->conns[i];

		if (c->fd >= 0)
			p[n++] = (struct pollfd){ .fd = c->fd,
						  .events = c->out.len ? POLLOUT : POLLIN };
	}
	return n;
}

static void conn_free(struct px_admin_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->inlen = c->off = 0;
	sl_buf_free(&c->out);
	c->out = (struct sl_buf){ 0 };
}

int px_admin_render_stats(struct px_proxy *px, struct sl_buf *out)
{
	struct px_stats sum = { 0 };

	for (unsigned int i = 0; i < px->nworkers; i++)
		px_stats_sum(&sum, &px->workers[i].stats);
	for (unsigned int i = 0; i < PX_ST__COUNT; i++)
		sl_buf_printf(out, "%s %" PRIu64 "\n", px_stat_name((enum px_stat)i), sum.v[i]);
	sl_buf_printf(out, "workers %u\n", px->nworkers);
	sl_buf_printf(out, "snapshot_version %" PRIu64 "\n",
		      px->current ? px->current->version : 0);
	return out->oom ? -ENOMEM : 0;
}

static void render_config(struct px_proxy *px, struct sl_buf *out)
{
	const struct px_snapshot *s = px->current;
	char t[64];
	struct tm tm;

	gmtime_r(&s->loaded, &tm);
	strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%SZ", &tm);
	sl_buf_printf(out, "version %" PRIu64 "\n", s->version);
	sl_buf_printf(out, "source %s\n", s->source ? s->source : "-");
	sl_buf_printf(out, "digest %016" PRIx64 "\n", s->digest);
	sl_buf_printf(out, "loaded %s\n", t);
	sl_buf_printf(out, "objects %zu\n", s->nobjects);
	sl_buf_printf(out, "frontends %zu\n", s->nfe);
	/* L7 authorization: pods some AuthorizationPolicy selects, and its identities. */
	sl_buf_printf(out, "authz_pods %zu\n", s->authz.used);
	sl_buf_printf(out, "trust_domain %s\n", s->trust_domain ? s->trust_domain : "-");
	sl_buf_printf(out, "root_namespace %s\n", s->root_ns ? s->root_ns : "-");
	sl_buf_printf(out, "reloads_ok %" PRIu64 "\n", px->reloads_ok);
	sl_buf_printf(out, "reloads_failed %" PRIu64 "\n", px->reloads_failed);
	sl_buf_printf(out, "last_error %s\n", px->last_error[0] ? px->last_error : "-");
}

/* Writes the whole response for a parsed request into c->out. */
static void answer(struct px_admin *a, struct px_admin_conn *c, const struct sl_h1_head *h)
{
	struct sl_buf body = { 0 };
	const struct sl_http_msg *m = &h->msg;
	struct sl_str path = m->path;
	const char *q = path.len ? memchr(path.p, '?', path.len) : NULL;
	int status = 200;

	if (q)
		path.len = (size_t)(q - path.p);
	if (m->method != SL_HTTP_GET && m->method != SL_HTTP_HEAD) {
		status = 405;
		sl_buf_printf(&body, "method not allowed\n");
	} else if (path.len == 6 && !memcmp(path.p, "/ready", 6)) {
		status = a->px->ready ? 200 : 503;
		sl_buf_printf(&body, a->px->ready ? "ready\n" : "not ready\n");
	} else if (path.len == 6 && !memcmp(path.p, "/stats", 6)) {
		px_admin_render_stats(a->px, &body);
	} else if (path.len == 17 && !memcmp(path.p, "/stats/prometheus", 17)) {
		if (px_metrics_render(a->px, &body)) {
			status = 500;
			body.len = 0;
			sl_buf_printf(&body, "out of memory\n");
		}
	} else if (path.len == 7 && !memcmp(path.p, "/config", 7)) {
		render_config(a->px, &body);
	} else {
		status = 404;
		sl_buf_printf(&body, "not found: /ready, /stats, /stats/prometheus, /config\n");
	}
	sl_buf_printf(&c->out,
		      "HTTP/1.1 %d %s\r\ncontent-type: text/plain; charset=utf-8\r\n"
		      "content-length: %zu\r\nconnection: close\r\n\r\n",
		      status,
		      status == 200   ? "OK"
		      : status == 404 ? "Not Found"
				      : "Error",
		      body.len);
	if (m->method != SL_HTTP_HEAD && body.len)
		sl_buf_append(&c->out, body.p, body.len);
	sl_buf_free(&body);
}

static void conn_read(struct px_admin *a, struct px_admin_conn *c)
{
	struct sl_http_field fields[32];
	struct sl_h1_limits lim;
	struct sl_h1_parser p;
	struct sl_h1_head h;
	ssize_t n = read(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen);
	int r;

	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			conn_free(c);
		return;
	}
	c->inlen += (size_t)n;
	sl_h1_limits_default(&lim);
	lim.max_head = sizeof(c->in);
	lim.max_fields = 32;
	sl_h1_parser_init(&p, SL_H1_REQUEST, &lim, fields, 32);
	r = sl_h1_parse_head(&p, c->in, c->inlen, &h);
	if (r == -EAGAIN)
		return;
	if (r) {
		sl_buf_printf(&c->out,
			      "HTTP/1.1 %d Bad Request\r\ncontent-length: 0\r\n"
			      "connection: close\r\n\r\n",
			      p.reply_status);
		return;
	}
	answer(a, c, &h);
}

static void conn_write(struct px_admin_conn *c)
{
	ssize_t n = write(c->fd, c->out.p + c->off, c->out.len - c->off);

	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			conn_free(c);
		return;
	}
	c->off += (size_t)n;
	if (c->off == c->out.len) {
		shutdown(c->fd, SHUT_WR);
		conn_free(c);
	}
}

void px_admin_handle(struct px_admin *a, const struct pollfd *p, size_t n)
{
	int64_t now = now_ms();

	for (size_t i = 0; i < n; i++) {
		if (!p[i].revents)
			continue;
		if (p[i].fd == a->lfd) {
			int fd = accept4(a->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
			size_t k;

			if (fd < 0)
				continue;
			for (k = 0; k < PX_ADMIN_MAX_CONNS && a->conns[k].fd >= 0; k++)
				;
			if (k == PX_ADMIN_MAX_CONNS) {
				close(fd);
				continue;
			}
			a->conns[k].fd = fd;
			a->conns[k].deadline = now + PX_ADMIN_TIMEOUT_MS;
			continue;
		}
		for (size_t k = 0; k < PX_ADMIN_MAX_CONNS; k++) {
			struct px_admin_conn *c = &a->conns[k];

			if (c->fd != p[i].fd)
				continue;
			if (c->out.len)
				conn_write(c);
			else if (p[i].revents & (POLLIN | POLLHUP | POLLERR))
				conn_read(a, c);
			if (c->fd >= 0 && c->out.len && c->off < c->out.len)
				conn_write(c);
			break;
		}
	}
	for (size_t k = 0; k < PX_ADMIN_MAX_CONNS; k++)
		if (a->conns[k].fd >= 0 && now > a->conns[k].deadline)
			conn_free(&a->conns[k]);
}

void px_admin_close(struct px_admin *a)
{
	for (size_t k = 0; k < PX_ADMIN_MAX_CONNS; k++)
		conn_free(&a->conns[k]);
	if (a->lfd >= 0)
		close(a->lfd);
	a->lfd = -1;
}
