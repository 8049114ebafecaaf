// SPDX-License-Identifier: Apache-2.0
/* The agent's metrics endpoint: non-blocking HTTP/1.1 in the caller's poll loop. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "agent/metrics_http.h"
#include "common/log.h"

enum conn_state {
	CONN_READ, /* collecting the request head */
	CONN_WRITE, /* sending head + body, waiting for POLLOUT when the socket is full */
	CONN_DRAIN, /* answered and shut down for writing; reading until the client closes */
};

struct sl_metrics_conn {
	int fd; /* -1: free slot */
	enum conn_state state;
	uint64_t deadline_ms; /* CLOCK_MONOTONIC; closed when reached */
	char *in; /* SL_METRICS_HTTP_HEAD_MAX bytes while reading */
	size_t in_len;
	struct sl_buf head, body;
	bool send_body; /* false for HEAD */
	size_t off; /* bytes of head, then body, sent */
};

static const char content_type_metrics[] = "text/plain; version=0.0.4; charset=utf-8";

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* --- Opening --- */

/* Splits "HOST:PORT", "[V6]:PORT" or ":PORT" into host (empty: any address) and port. */
static int split_addr(const char *addr, char *host, size_t hlen, char *port, size_t plen)
{
	const char *h = addr, *he, *p;

	if (!addr)
		return -EINVAL;
	if (*addr == '[') {
		h = addr + 1;
		he = strchr(h, ']');
		if (!he || he[1] != ':')
			return -EINVAL;
		p = he + 2;
	} else {
		he = strrchr(addr, ':');
		if (!he || memchr(addr, ':', (size_t)(he - addr)))
			return -EINVAL; /* no port, or a bare IPv6 address: ambiguous */
		p = he + 1;
	}
	if ((size_t)(he - h) >= hlen || !*p || strlen(p) > 5 || strlen(p) >= plen)
		return -EINVAL;
	for (const char *c = p; *c; c++)
		if (*c < '0' || *c > '9')
			return -EINVAL;
	if (atoi(p) > 65535)
		return -EINVAL;
	memcpy(host, h, (size_t)(he - h));
	host[he - h] = '\0';
	strcpy(port, p);
	return 0;
}

/* Returns a listening, non-blocking, close-on-exec socket bound to ai, or -errno. */
static int listen_on(const struct addrinfo *ai, bool wildcard)
{
	int one = 1, zero = 0, fd, err;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0)
		return -errno;
	/* A restarted agent must rebind at once although the old connections linger in
	 * TIME_WAIT. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		goto fail;
	/* ":PORT" means every address: let the IPv6 wildcard take IPv4 too, whatever
	 * the net.ipv6.bindv6only default. */
	if (wildcard && ai->ai_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)))
		goto fail;
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 128))
		goto fail;
	return fd;
fail:
	err = -errno;
	close(fd);
	return err;
}

static int gai_errno(int rc)
{
	switch (rc) {
	case EAI_SYSTEM:
		return -errno;
	case EAI_MEMORY:
		return -ENOMEM;
	case EAI_AGAIN:
		return -EAGAIN;
	default:
		return -EADDRNOTAVAIL;
	}
}

int sl_metrics_http_open(struct sl_metrics_http *h, const char *addr, sl_metrics_render_fn render,
			 void *arg)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[256], port[8];
	int err, rc, fd = -EADDRNOTAVAIL;
	bool wildcard;

	memset(h, 0, sizeof(*h));
	h->listen_fd = -1;
	h->render = render;
	h->arg = arg;
	h->idle_ms = SL_METRICS_HTTP_IDLE_MS;
	if (!render)
		return -EINVAL;
	if (split_addr(addr, host, sizeof(host), port, sizeof(port))) {
		pr_err("metrics address '%s': expected HOST:PORT, [IPv6]:PORT or :PORT",
		       addr ? addr : "(null)");
		return -EINVAL;
	}
	h->conns = calloc(SL_METRICS_HTTP_MAX_CONNS, sizeof(*h->conns));
	if (!h->conns)
		return -ENOMEM;
	for (size_t i = 0; i < SL_METRICS_HTTP_MAX_CONNS; i++)
		h->conns[i].fd = -1;
	wildcard = !*host;
	rc = getaddrinfo(wildcard ? NULL : host, port, &hints, &res);
	if (rc) {
		err = gai_errno(rc);
		pr_err("metrics address '%s': %s", addr, gai_strerror(rc));
		goto err_conns;
	}
	/* The first address that binds wins; for the wildcard the IPv6 one goes first
	 * because it also serves IPv4. */
	for (int pass = 0; pass < (wildcard ? 2 : 1) && fd < 0; pass++) {
		for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
			if (wildcard && (ai->ai_family == AF_INET6) != (pass == 0))
				continue;
			fd = listen_on(ai, wildcard);
		}
	}
	freeaddrinfo(res);
	if (fd < 0) {
		err = fd;
		pr_err("metrics: listening on %s: %s", addr, strerror(-err));
		goto err_conns;
	}
	if (getsockname(fd, (struct sockaddr *)&ss, &sl)) {
		err = -errno;
		goto err_fd;
	}
	h->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						 : ((struct sockaddr_in *)&ss)->sin_port);
	h->listen_fd = fd;
	return 0;
err_fd:
	close(fd);
err_conns:
	free(h->conns);
	h->conns = NULL;
	return err;
}

uint16_t sl_metrics_http_port(const struct sl_metrics_http *h)
{
	return h->port;
}

/* --- Connections --- */

static void conn_close(struct sl_metrics_http *h, struct sl_metrics_conn *c)
{
	close(c->fd);
	free(c->in);
	sl_buf_free(&c->head);
	sl_buf_free(&c->body);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	h->nconns--;
}

static bool is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

/*
 * Parses the head in[0..len) (ending with the blank line) far enough to answer it:
 * returns the status (200, 400, 404, 405) and, for 200, whether the method was HEAD.
 * Lines may end in CRLF or a bare LF (RFC 9112 2.2 lets a server accept both).
 */
static int parse_head(char *in, size_t len, bool *is_head)
{
	char *line = in, *end = in + len, *nl, *sp1, *sp2, *target, *q;
	bool get, head;
	size_t mlen;

	/* Every line, request line included, must be free of NUL and of CR except
	 * before LF; header lines must be "token:" something. */
	for (bool first = true; line < end; line = nl + 1, first = false) {
		size_t llen;

		nl = memchr(line, '\n', (size_t)(end - line));
		if (!nl)
			return 400;
		llen = (size_t)(nl - line);
		if (llen && line[llen - 1] == '\r')
			llen--;
		if (memchr(line, '\0', llen) || memchr(line, '\r', llen))
			return 400; /* a NUL or a stray CR inside */
		line[llen] = '\0';
		if (first || !*line)
			continue;
		char *colon = line;

		while (is_tchar(*colon))
			colon++;
		if (colon == line || *colon != ':')
			return 400; /* no name, whitespace before the colon, or obs-fold */
	}
	/* Request line: METHOD SP TARGET SP HTTP/1.x */
	sp1 = strchr(in, ' ');
	if (!sp1)
		return 400;
	mlen = (size_t)(sp1 - in);
	for (size_t i = 0; i < mlen; i++)
		if (!is_tchar(in[i]))
			return 400;
	target = sp1 + 1;
	sp2 = strchr(target, ' ');
	if (!mlen || !sp2 || sp2 == target)
		return 400;
	for (char *c = target; c < sp2; c++)
		if (*c <= ' ' || *c > '~')
			return 400;
	if (strncmp(sp2 + 1, "HTTP/1.", 7) || sp2[8] < '0' || sp2[8] > '9' || sp2[9])
		return 400;
	*sp2 = '\0';
	/* absolute-form (RFC 9112 3.2.2): servers must accept it; keep the path. */
	if (!strncmp(target, "http://", 7)) {
		target = strchr(target + 7, '/');
		if (!target)
			target = "/";
	}
	if (*target != '/' && strcmp(target, "*"))
		return 400;
	q = strchr(target, '?');
	if (q)
		*q = '\0';
	if (strcmp(target, "/metrics") && strcmp(target, "/stats/prometheus"))
		return 404;
	get = mlen == 3 && !memcmp(in, "GET", 3);
	head = mlen == 4 && !memcmp(in, "HEAD", 4);
	if (!get && !head)
		return 405;
	*is_head = head;
	return 200;
}

static const char *reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 431:
		return "Request Header Fields Too Large";
	default:
		return "Internal Server Error";
	}
}

/* Builds the response for `status` into c->head / c->body; renders for 200. */
static void build_response(struct sl_metrics_http *h, struct sl_metrics_conn *c, int status,
			   bool is_head)
{
	const char *ctype = "text/plain; charset=utf-8";
	int err;

	if (status == 200) {
		err = h->render(h->arg, &c->body);
		if (err || c->body.oom) {
			pr_warn("metrics: rendering failed: %s", strerror(err ? -err : ENOMEM));
			status = 500;
		} else {
			ctype = content_type_metrics;
		}
	}
	if (status != 200) {
		sl_buf_free(&c->body);
		sl_buf_printf(&c->body, "%d %s\n", status, reason(status));
	}
	c->send_body = !is_head;
	sl_buf_printf(&c->head,
		      "HTTP/1.1 %d %s\r\n"
		      "Content-Type: %s\r\n"
		      "Content-Length: %zu\r\n"
		      "%s"
		      "Connection: close\r\n"
		      "\r\n",
		      status, reason(status), ctype, c->body.len,
		      status == 405 ? "Allow: GET, HEAD\r\n" : "");
	/* Out of memory for a few hundred bytes: nothing sensible to send. */
	if (c->head.oom || c->body.oom)
		sl_buf_free(&c->head);
}

static void conn_drain(struct sl_metrics_http *h, struct sl_metrics_conn *c);

/* Sends what the socket takes; on completion shuts down writing and drains. */
static void conn_write(struct sl_metrics_http *h, struct sl_metrics_conn *c, uint64_t now)
{
	size_t blen = c->send_body ? c->body.len : 0, total = c->head.len + blen;

	if (!c->head.len) {
		conn_close(h, c);
		return;
	}
	while (c->off < total) {
		struct iovec iov[2];
		struct msghdr msg = { .msg_iov = iov };
		ssize_t n;

		if (c->off < c->head.len) {
			iov[0] = (struct iovec){ c->head.p + c->off, c->head.len - c->off };
			iov[1] = (struct iovec){ c->body.p, blen };
			msg.msg_iovlen = blen ? 2 : 1;
		} else {
			iov[0] = (struct iovec){ c->body.p + (c->off - c->head.len),
						 total - c->off };
			msg.msg_iovlen = 1;
		}
		/* MSG_NOSIGNAL: a client gone away is an error here, not a SIGPIPE. */
		n = sendmsg(c->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				h->stats.write_waits++;
				return;
			}
			conn_close(h, c);
			return;
		}
		c->off += (size_t)n;
		c->deadline_ms = now + h->idle_ms;
	}
	h->stats.responses++;
	/* Closing now could reset the connection if the client sent more than we read
	 * (a body, a pipelined request, the rest of an oversized head), and a reset can
	 * destroy the response before the client reads it. So send FIN, then read and
	 * discard until the client closes too, within one more idle period. */
	sl_buf_free(&c->head);
	sl_buf_free(&c->body);
	free(c->in);
	c->in = NULL;
	shutdown(c->fd, SHUT_WR);
	c->state = CONN_DRAIN;
	c->deadline_ms = now + h->idle_ms;
	conn_drain(h, c);
}

static void conn_drain(struct sl_metrics_http *h, struct sl_metrics_conn *c)
{
	char sink[4096];

	for (;;) {
		ssize_t n = recv(c->fd, sink, sizeof(sink), MSG_DONTWAIT);

		if (n > 0)
			continue;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		conn_close(h, c); /* EOF or error: done */
		return;
	}
}

static void respond(struct sl_metrics_http *h, struct sl_metrics_conn *c, int status, bool is_head,
		    uint64_t now)
{
	build_response(h, c, status, is_head);
	c->state = CONN_WRITE;
	c->off = 0;
	c->deadline_ms = now + h->idle_ms;
	conn_write(h, c, now);
}

/* Index just past the blank line ending the head, searching from `from`; 0: none yet. */
static size_t head_end(const char *in, size_t len, size_t from)
{
	for (size_t i = from; i + 1 < len; i++) {
		if (in[i] != '\n')
			continue;
		if (in[i + 1] == '\n')
			return i + 2;
		if (in[i + 1] == '\r' && i + 2 < len && in[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

static void conn_read(struct sl_metrics_http *h, struct sl_metrics_conn *c, uint64_t now)
{
	for (;;) {
		size_t from = c->in_len >= 2 ? c->in_len - 2 : 0, end;
		bool is_head = false;
		ssize_t n;

		if (c->in_len == SL_METRICS_HTTP_HEAD_MAX) {
			respond(h, c, 431, false, now);
			return;
		}
		n = recv(c->fd, c->in + c->in_len, SL_METRICS_HTTP_HEAD_MAX - c->in_len,
			 MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			/* Closed or failed before a whole request: nobody to answer. */
			conn_close(h, c);
			return;
		}
		c->in_len += (size_t)n;
		end = head_end(c->in, c->in_len, from);
		if (end) {
			int status = parse_head(c->in, end, &is_head);

			respond(h, c, status, is_head, now);
			return;
		}
	}
}

static void conn_event(struct sl_metrics_http *h, struct sl_metrics_conn *c, short revents,
		       uint64_t now)
{
	switch (c->state) {
	case CONN_READ:
		if (revents & (POLLIN | POLLHUP | POLLERR))
			conn_read(h, c, now);
		break;
	case CONN_WRITE:
		if (revents & (POLLOUT | POLLHUP | POLLERR))
			conn_write(h, c, now);
		break;
	case CONN_DRAIN:
		if (revents & (POLLIN | POLLHUP | POLLERR))
			conn_drain(h, c);
		break;
	}
}

static void accept_all(struct sl_metrics_http *h, uint64_t now)
{
	/* Bounded, so a connection flood cannot keep the agent's loop here. */
	for (int i = 0; i < 2 * SL_METRICS_HTTP_MAX_CONNS; i++) {
		struct sl_metrics_conn *c = NULL;
		int fd = accept4(h->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				pr_debug("metrics: accept: %s", strerror(errno));
			return;
		}
		for (size_t k = 0; k < SL_METRICS_HTTP_MAX_CONNS && !c; k++)
			if (h->conns[k].fd < 0)
				c = &h->conns[k];
		if (!c) {
			h->stats.refused_full++;
			close(fd);
			continue;
		}
		if (h->sndbuf)
			setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &h->sndbuf, sizeof(h->sndbuf));
		c->in = malloc(SL_METRICS_HTTP_HEAD_MAX);
		if (!c->in) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->state = CONN_READ;
		c->in_len = 0;
		c->deadline_ms = now + h->idle_ms;
		h->nconns++;
		h->stats.accepted++;
	}
}

int sl_metrics_http_fds(struct sl_metrics_http *h, struct pollfd *pfds, size_t max)
{
	size_t n = 0;

	if (!h->conns || h->listen_fd < 0 || !max)
		return 0;
	/* Polled even when every slot is taken: new connections are then closed at once
	 * rather than left waiting in the backlog. */
	pfds[n++] = (struct pollfd){ .fd = h->listen_fd, .events = POLLIN };
	for (size_t i = 0; i < SL_METRICS_HTTP_MAX_CONNS && n < max; i++) {
		const struct sl_metrics_conn *c = &h->conns[i];

		if (c->fd < 0)
			continue;
		pfds[n++] = (struct pollfd){ .fd = c->fd,
					     .events = c->state == CONN_WRITE ? POLLOUT : POLLIN };
	}
	return (int)n;
}

void sl_metrics_http_handle(struct sl_metrics_http *h, const struct pollfd *pfds, size_t n)
{
	uint64_t now = now_ms();
	bool accept_ready = false;

	if (!h->conns || h->listen_fd < 0)
		return;
	/* Connections first, accepts after: a descriptor closed here and reused by a new
	 * connection must not receive the old one's events. */
	for (size_t i = 0; i < n; i++) {
		if (!pfds[i].revents)
			continue;
		if (pfds[i].fd == h->listen_fd) {
			accept_ready = true;
			continue;
		}
		for (size_t k = 0; k < SL_METRICS_HTTP_MAX_CONNS; k++) {
			if (h->conns[k].fd == pfds[i].fd && pfds[i].fd >= 0) {
				conn_event(h, &h->conns[k], pfds[i].revents, now);
				break;
			}
		}
	}
	if (accept_ready)
		accept_all(h, now);
	for (size_t k = 0; k < SL_METRICS_HTTP_MAX_CONNS; k++) {
		struct sl_metrics_conn *c = &h->conns[k];

		if (c->fd >= 0 && now >= c->deadline_ms) {
			h->stats.timeouts++;
			conn_close(h, c);
		}
	}
}

void sl_metrics_http_close(struct sl_metrics_http *h)
{
	if (!h || !h->conns)
		return;
	for (size_t k = 0; k < SL_METRICS_HTTP_MAX_CONNS; k++)
		if (h->conns[k].fd >= 0)
			conn_close(h, &h->conns[k]);
	free(h->conns);
	h->conns = NULL;
	if (h->listen_fd >= 0)
		close(h->listen_fd);
	h->listen_fd = -1;
}
