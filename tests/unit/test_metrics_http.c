// SPDX-License-Identifier: Apache-2.0
/*
 * The metrics endpoint against real sockets on 127.0.0.1: the test drives the server's
 * poll loop and its clients from one thread, as the agent's loop would. Assertions are on
 * behaviour only; time bounds are generous upper limits on waiting, never expectations.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/metrics_http.h"
#include "common/prom.h"

#define MAX_CLIENTS 80
#define WAIT_MS 20000 /* upper bound for anything to happen; never reached when passing */

static const char small_body[] = "# HELP up Whether the agent is up.\n# TYPE up gauge\nup 1\n";

struct render_ctx {
	int mode; /* 0: small_body, 1: big body, 2: fail, 3: realistic Prometheus output */
	size_t big_len;
	unsigned int calls;
};

static int render(void *arg, struct sl_buf *out)
{
	struct render_ctx *r = arg;

	r->calls++;
	switch (r->mode) {
	case 1:
		for (size_t i = 0; i < r->big_len; i += 64) {
			char line[65];
			size_t n = r->big_len - i < 64 ? r->big_len - i : 64;

			/* A pattern that differs per line, so a lost or repeated chunk shows. */
			snprintf(line, sizeof(line), "# %061zu\n", i);
			if (sl_buf_append(out, line, n))
				return -ENOMEM;
		}
		return 0;
	case 2:
		return -EIO;
	case 3: {
		struct sl_prom p;
		const struct sl_prom_label l[] = { { "reporter", "destination" },
						   { "destination_service", "a.default.svc" } };
		const double bounds[] = { 0.001, 0.01, 0.1, 1 };
		const uint64_t counts[] = { 1, 2, 3, 4 };
		int err;

		sl_prom_init(&p);
		sl_prom_family(&p, "istio_tcp_connections_opened_total", "counter",
			       "Total TCP connections opened.");
		sl_prom_family(&p, "sluice_services", "gauge", "Services.");
		sl_prom_family(&p, "sluice_connect_duration_seconds", "histogram",
			       "Time to connect.");
		sl_prom_sample(&p, "istio_tcp_connections_opened_total", l, 2, 1e6);
		sl_prom_sample(&p, "sluice_services", NULL, 0, 3);
		sl_prom_histogram(&p, "sluice_connect_duration_seconds", l, 2, bounds, counts, 4,
				  0.5, 12);
		err = sl_prom_finish(&p, out);
		sl_prom_free(&p);
		return err;
	}
	default:
		return sl_buf_append(out, small_body, sizeof(small_body) - 1);
	}
}

struct client {
	int fd;
	const char *req;
	size_t len, sent, piece; /* piece 0: send all at once */
	struct sl_buf resp;
	bool eof;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void client_start(struct client *c, uint16_t port, const char *req, size_t len, size_t piece,
			 int rcvbuf)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int one = 1;

	memset(c, 0, sizeof(*c));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	assert_true(c->fd >= 0);
	/* Small pieces really leave as separate segments. */
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (rcvbuf)
		assert_int_equal(setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)),
				 0);
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)))
		assert_int_equal(errno, EINPROGRESS);
	c->req = req;
	c->len = req ? len : 0;
	c->piece = piece;
}

static void client_end(struct client *c)
{
	close(c->fd);
	sl_buf_free(&c->resp);
}

/* One round: poll the server and the clients together, then serve both sides. */
static void step(struct sl_metrics_http *h, struct client *c, size_t n, int timeout)
{
	struct pollfd pfd[SL_METRICS_HTTP_MAX_FDS + MAX_CLIENTS];
	int ns = sl_metrics_http_fds(h, pfd, SL_METRICS_HTTP_MAX_FDS);
	size_t k = (size_t)ns;

	assert_true(ns >= 1);
	assert_true(n <= MAX_CLIENTS);
	for (size_t i = 0; i < n; i++)
		pfd[k++] =
			(struct pollfd){ .fd = c[i].eof ? -1 : c[i].fd,
					 .events = POLLIN | (c[i].sent < c[i].len ? POLLOUT : 0) };
	assert_true(poll(pfd, k, timeout) >= 0);
	sl_metrics_http_handle(h, pfd, (size_t)ns);
	for (size_t i = 0; i < n; i++) {
		struct pollfd *p = &pfd[(size_t)ns + i];
		char buf[65536];

		if ((p->revents & POLLOUT) && c[i].sent < c[i].len) {
			size_t want = c[i].len - c[i].sent;
			ssize_t w;

			if (c[i].piece && want > c[i].piece)
				want = c[i].piece;
			w = send(c[i].fd, c[i].req + c[i].sent, want, MSG_NOSIGNAL);
			if (w > 0)
				c[i].sent += (size_t)w;
			else if (w < 0 && errno != EAGAIN)
				c[i].len = c[i].sent; /* the server went away: stop sending */
		}
		if (p->revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t r = recv(c[i].fd, buf, sizeof(buf), 0);

			if (r > 0)
				assert_int_equal(sl_buf_append(&c[i].resp, buf, (size_t)r), 0);
			else if (r == 0 || errno != EAGAIN)
				c[i].eof = true; /* EOF or reset */
		}
	}
}

/* Runs until every client has seen the server close, failing past WAIT_MS. */
static void run(struct sl_metrics_http *h, struct client *c, size_t n)
{
	uint64_t until = now_ms() + WAIT_MS;

	for (;;) {
		size_t done = 0;

		for (size_t i = 0; i < n; i++)
			done += c[i].eof;
		if (done == n)
			return;
		assert_true(now_ms() < until);
		step(h, c, n, 10);
	}
}

struct reply {
	int status;
	const char *head_end; /* the body starts here */
	size_t body_len;
};

static struct reply parse_reply(const struct client *c)
{
	struct reply r = {};
	const char *e;

	assert_non_null(c->resp.p);
	assert_memory_equal(c->resp.p, "HTTP/1.1 ", 9);
	r.status = atoi(c->resp.p + 9);
	e = strstr(c->resp.p, "\r\n\r\n");
	assert_non_null(e);
	r.head_end = e + 4;
	r.body_len = c->resp.len - (size_t)(r.head_end - c->resp.p);
	return r;
}

/* True when the response head has exactly this header line. */
static bool has_header(const struct client *c, const char *line)
{
	const char *e = strstr(c->resp.p, "\r\n\r\n");
	char want[256];
	const char *f;

	snprintf(want, sizeof(want), "\r\n%s\r\n", line);
	f = strstr(c->resp.p, want);
	return f && f < e;
}

/* Serves until the server has let go of every connection (they linger after the
 * answer until the client closes too). */
static void settle(struct sl_metrics_http *h)
{
	uint64_t until = now_ms() + WAIT_MS;

	while (h->nconns) {
		assert_true(now_ms() < until);
		step(h, NULL, 0, 10);
	}
}

/* One request on a fresh connection, answered in full. */
static struct reply request(struct sl_metrics_http *h, struct client *c, const char *req,
			    size_t piece)
{
	client_start(c, sl_metrics_http_port(h), req, strlen(req), piece, 0);
	run(h, c, 1);
	return parse_reply(c);
}

static int setup(void **state)
{
	struct sl_metrics_http *h = calloc(1, sizeof(*h));
	struct render_ctx *r = calloc(1, sizeof(*r));

	assert_non_null(h);
	assert_non_null(r);
	assert_int_equal(sl_metrics_http_open(h, "127.0.0.1:0", render, r), 0);
	assert_true(sl_metrics_http_port(h) != 0);
	*state = h;
	return 0;
}

static int teardown(void **state)
{
	struct sl_metrics_http *h = *state;

	free(h->arg);
	sl_metrics_http_close(h);
	sl_metrics_http_close(h); /* twice is harmless */
	free(h);
	return 0;
}

static void test_get_both_paths(void **state)
{
	static const char *const reqs[] = {
		"GET /metrics HTTP/1.1\r\nHost: x\r\nUser-Agent: test\r\n\r\n",
		"GET /stats/prometheus HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /metrics?name[]=up HTTP/1.0\r\n\r\n",
		"GET http://node:15020/stats/prometheus HTTP/1.1\r\nHost: node\r\n\r\n",
		"GET /metrics HTTP/1.1\nHost: x\n\n", /* bare LF line ends */
	};
	struct sl_metrics_http *h = *state;
	char cl[64];

	snprintf(cl, sizeof(cl), "Content-Length: %zu", sizeof(small_body) - 1);
	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		struct client c;
		struct reply r = request(h, &c, reqs[i], 0);

		assert_int_equal(r.status, 200);
		assert_true(
			has_header(&c, "Content-Type: text/plain; version=0.0.4; charset=utf-8"));
		assert_true(has_header(&c, cl));
		assert_true(has_header(&c, "Connection: close"));
		assert_int_equal(r.body_len, sizeof(small_body) - 1);
		assert_memory_equal(r.head_end, small_body, r.body_len);
		client_end(&c);
	}
	settle(h);
	assert_int_equal(h->stats.responses, 5);
}

static void test_head(void **state)
{
	struct sl_metrics_http *h = *state;
	struct client c;
	struct reply r = request(h, &c, "HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 0);
	char cl[64];

	snprintf(cl, sizeof(cl), "Content-Length: %zu", sizeof(small_body) - 1);
	assert_int_equal(r.status, 200);
	assert_true(has_header(&c, cl));
	assert_true(has_header(&c, "Content-Type: text/plain; version=0.0.4; charset=utf-8"));
	assert_int_equal(r.body_len, 0);
	client_end(&c);
}

static void test_errors(void **state)
{
	static const struct {
		const char *req;
		int status;
	} cases[] = {
		{ "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 404 },
		{ "GET /metrics/ HTTP/1.1\r\n\r\n", 404 },
		{ "GET /metricsx HTTP/1.1\r\n\r\n", 404 },
		{ "HEAD /nope HTTP/1.1\r\n\r\n", 404 },
		{ "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 405 },
		{ "DELETE /stats/prometheus HTTP/1.1\r\n\r\n", 405 },
		{ "\x01\x02\x03 garbage\r\n\r\n", 400 },
		{ "GET /metrics\r\n\r\n", 400 }, /* HTTP/0.9 */
		{ "GET /metrics HTTP/2.0\r\n\r\n", 400 },
		{ "GET /metrics HTTP/1.1 x\r\n\r\n", 400 },
		{ "GET  /metrics HTTP/1.1\r\n\r\n", 400 },
		{ "GET metrics HTTP/1.1\r\n\r\n", 400 },
		{ "G(T /metrics HTTP/1.1\r\n\r\n", 400 },
		{ "GET /metrics HTTP/1.1\r\nNoColon\r\n\r\n", 400 },
		{ "GET /metrics HTTP/1.1\r\nBad Name: x\r\n\r\n", 400 },
		{ "GET /metrics HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", 400 },
		{ "GET /metrics HTTP/1.1\r\nHost: x\ry\r\n\r\n", 400 },
		{ "\r\n\r\n", 400 },
	};
	struct sl_metrics_http *h = *state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct client c;
		struct reply r = request(h, &c, cases[i].req, 0);

		if (r.status != cases[i].status)
			print_error("request %zu: got %d\n", i, r.status);
		assert_int_equal(r.status, cases[i].status);
		assert_true(has_header(&c, "Connection: close"));
		assert_true(r.body_len > 0);
		if (r.status == 405)
			assert_true(has_header(&c, "Allow: GET, HEAD"));
		client_end(&c);
	}
	/* A NUL inside the head. */
	{
		static const char req[] = "GET /metrics HTTP/1.1\r\nX: a\0b\r\n\r\n";
		struct client c;

		client_start(&c, sl_metrics_http_port(h), req, sizeof(req) - 1, 0, 0);
		run(h, &c, 1);
		assert_int_equal(parse_reply(&c).status, 400);
		client_end(&c);
	}
	assert_int_equal(((struct render_ctx *)h->arg)->calls, 0);
}

static void test_render_failure_is_500(void **state)
{
	struct sl_metrics_http *h = *state;
	struct client c;

	((struct render_ctx *)h->arg)->mode = 2;
	assert_int_equal(request(h, &c, "GET /metrics HTTP/1.1\r\n\r\n", 0).status, 500);
	client_end(&c);
}

static void test_head_limit(void **state)
{
	struct sl_metrics_http *h = *state;
	size_t big = 4 * SL_METRICS_HTTP_HEAD_MAX;
	char *req = malloc(big + 1);
	struct client c;
	int n;

	/* A head far over the limit: 431, and the unread rest must not turn the
	 * answer into a reset. */
	n = snprintf(req, big + 1, "GET /metrics HTTP/1.1\r\nX-Big: ");
	memset(req + n, 'a', big - (size_t)n - 4);
	memcpy(req + big - 4, "\r\n\r\n", 4);
	req[big] = '\0';
	assert_int_equal(request(h, &c, req, 0).status, 431);
	client_end(&c);

	/* Just under the limit: served. */
	n = snprintf(req, big + 1, "GET /metrics HTTP/1.1\r\nX-Big: ");
	memset(req + n, 'a', SL_METRICS_HTTP_HEAD_MAX - (size_t)n - 4);
	memcpy(req + SL_METRICS_HTTP_HEAD_MAX - 4, "\r\n\r\n", 5);
	assert_int_equal(strlen(req), SL_METRICS_HTTP_HEAD_MAX);
	assert_int_equal(request(h, &c, req, 0).status, 200);
	client_end(&c);
	free(req);
}

static void test_idle_client_closed(void **state)
{
	struct sl_metrics_http *h = *state;
	struct client c;

	h->idle_ms = 100;
	/* Half a request, then silence. */
	client_start(&c, sl_metrics_http_port(h), "GET /met", 8, 0, 0);
	run(h, &c, 1);
	assert_int_equal(c.resp.len, 0);
	assert_int_equal(h->stats.timeouts, 1);
	assert_int_equal(h->nconns, 0);
	client_end(&c);

	/* Nothing at all. */
	client_start(&c, sl_metrics_http_port(h), NULL, 0, 0, 0);
	run(h, &c, 1);
	assert_int_equal(c.resp.len, 0);
	assert_int_equal(h->stats.timeouts, 2);
	client_end(&c);
}

static void test_one_byte_pieces(void **state)
{
	struct sl_metrics_http *h = *state;
	struct client c;
	struct reply r =
		request(h, &c, "GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n", 1);

	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, sizeof(small_body) - 1);
	assert_memory_equal(r.head_end, small_body, r.body_len);
	client_end(&c);
}

static void test_many_concurrent_clients(void **state)
{
	static const char req[] = "GET /stats/prometheus HTTP/1.1\r\nHost: x\r\n\r\n";
	struct sl_metrics_http *h = *state;
	struct client *c = calloc(SL_METRICS_HTTP_MAX_CONNS, sizeof(*c));

	for (size_t i = 0; i < SL_METRICS_HTTP_MAX_CONNS; i++)
		client_start(&c[i], sl_metrics_http_port(h), req, sizeof(req) - 1, i % 3 ? 0 : 7,
			     0);
	run(h, c, SL_METRICS_HTTP_MAX_CONNS);
	for (size_t i = 0; i < SL_METRICS_HTTP_MAX_CONNS; i++) {
		struct reply r = parse_reply(&c[i]);

		assert_int_equal(r.status, 200);
		assert_int_equal(r.body_len, sizeof(small_body) - 1);
		client_end(&c[i]);
	}
	assert_int_equal(h->stats.refused_full, 0);
	free(c);
}

static void test_connection_limit(void **state)
{
	static const char req[] = "GET /metrics HTTP/1.1\r\n\r\n";
	const size_t max = SL_METRICS_HTTP_MAX_CONNS;
	struct sl_metrics_http *h = *state;
	struct client *c = calloc(max + 1, sizeof(*c));
	uint64_t until = now_ms() + WAIT_MS;

	/* Fill every slot with a connection that says nothing yet. */
	for (size_t i = 0; i < max; i++)
		client_start(&c[i], sl_metrics_http_port(h), NULL, 0, 0, 0);
	while (h->nconns < max) {
		assert_true(now_ms() < until);
		step(h, c, max, 10);
	}
	/* One more is closed at once, without an answer... */
	client_start(&c[max], sl_metrics_http_port(h), NULL, 0, 0, 0);
	run(h, &c[max], 1);
	assert_int_equal(c[max].resp.len, 0);
	assert_int_equal(h->stats.refused_full, 1);
	client_end(&c[max]);
	/* ...while the others are still open and are answered when they ask. */
	for (size_t i = 0; i < max; i++) {
		assert_false(c[i].eof);
		c[i].req = req;
		c[i].len = sizeof(req) - 1;
	}
	run(h, c, max);
	for (size_t i = 0; i < max; i++) {
		assert_int_equal(parse_reply(&c[i]).status, 200);
		client_end(&c[i]);
	}
	settle(h);
	free(c);
}

static void test_large_body_partial_writes(void **state)
{
	struct sl_metrics_http *h = *state;
	struct render_ctx *rc = h->arg;
	struct client c;
	struct sl_buf want = {};
	struct reply r;
	char cl[64];

	rc->mode = 1;
	rc->big_len = 2 << 20;
	assert_int_equal(render(rc, &want), 0);
	assert_int_equal(want.len, 2 << 20);
	/* Small socket buffers on both ends: the server's socket fills and it must wait
	 * for POLLOUT, many times over. */
	h->sndbuf = 4096;
	client_start(&c, sl_metrics_http_port(h), "GET /metrics HTTP/1.1\r\n\r\n", 25, 0, 4096);
	run(h, &c, 1);
	r = parse_reply(&c);
	assert_int_equal(r.status, 200);
	snprintf(cl, sizeof(cl), "Content-Length: %zu", want.len);
	assert_true(has_header(&c, cl));
	assert_int_equal(r.body_len, want.len);
	assert_memory_equal(r.head_end, want.p, want.len);
	assert_true(h->stats.write_waits > 0);
	client_end(&c);
	sl_buf_free(&want);
}

static void test_open_errors(void **state)
{
	static const char *const bad[] = {
		"nonsense", "127.0.0.1", "::1:80", "127.0.0.1:99999", "127.0.0.1:abc", "127.0.0.1:",
		"[::1]80",  "[::1",	 NULL,
	};
	struct sl_metrics_http h, h2;
	struct render_ctx rc = {};
	int err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(sl_metrics_http_open(&h, bad[i], render, &rc), -EINVAL);
		sl_metrics_http_close(&h);
	}
	assert_int_equal(sl_metrics_http_open(&h, "127.0.0.1:0", NULL, &rc), -EINVAL);
	sl_metrics_http_close(&h);
	sl_metrics_http_close(NULL);

	/* The port is taken. */
	assert_int_equal(sl_metrics_http_open(&h, "127.0.0.1:0", render, &rc), 0);
	{
		char addr[32];

		snprintf(addr, sizeof(addr), "127.0.0.1:%u", sl_metrics_http_port(&h));
		assert_int_equal(sl_metrics_http_open(&h2, addr, render, &rc), -EADDRINUSE);
		sl_metrics_http_close(&h2);
	}
	sl_metrics_http_close(&h);

	assert_int_equal(sl_metrics_http_open(&h, "localhost:0", render, &rc), 0);
	sl_metrics_http_close(&h);
	assert_int_equal(sl_metrics_http_open(&h, ":0", render, &rc), 0);
	sl_metrics_http_close(&h);
	/* IPv6 loopback, where the kernel has IPv6. */
	err = sl_metrics_http_open(&h, "[::1]:0", render, &rc);
	assert_true(err == 0 || err == -EADDRNOTAVAIL || err == -EAFNOSUPPORT);
	sl_metrics_http_close(&h);
}

/* Runs argv in a child while this thread keeps serving, until it exits. */
static int run_child(struct sl_metrics_http *h, char *const argv[])
{
	uint64_t until = now_ms() + WAIT_MS;
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (!pid) {
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (now_ms() > until) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			fail_msg("%s did not finish", argv[0]);
		}
		step(h, NULL, 0, 10);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_curl_and_promtool(void **state)
{
	struct sl_metrics_http *h = *state;
	char url[64], hdr[] = "/tmp/sluice-test-http-hdr-XXXXXX",
		      body[] = "/tmp/sluice-test-http-body-XXXXXX", cmd[128];
	char *argv[] = { "curl", "-sS", "-D", hdr, "-o", body, url, NULL };
	struct sl_buf got = {};
	int fd;

	if (system("command -v curl >/dev/null 2>&1"))
		skip();
	((struct render_ctx *)h->arg)->mode = 3;
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/stats/prometheus", sl_metrics_http_port(h));
	close(mkstemp(hdr));
	close(mkstemp(body));
	assert_int_equal(run_child(h, argv), 0);

	fd = open(hdr, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(sl_buf_read_fd(&got, fd, 1 << 20), 0);
	close(fd);
	assert_non_null(strstr(got.p, "HTTP/1.1 200 OK\r\n"));
	assert_non_null(
		strstr(got.p, "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
	sl_buf_free(&got);
	fd = open(body, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(sl_buf_read_fd(&got, fd, 1 << 20), 0);
	close(fd);
	assert_non_null(strstr(got.p, "istio_tcp_connections_opened_total{reporter=\"destination\","
				      "destination_service=\"a.default.svc\"} 1000000\n"));
	sl_buf_free(&got);

	/* What curl fetched is valid exposition format. */
	if (!system("command -v promtool >/dev/null 2>&1")) {
		snprintf(cmd, sizeof(cmd), "promtool check metrics < %s", body);
		assert_int_equal(system(cmd), 0);
	}
	unlink(hdr);
	unlink(body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_get_both_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_head, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_render_failure_is_500, setup, teardown),
		cmocka_unit_test_setup_teardown(test_head_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_client_closed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_byte_pieces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_concurrent_clients, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connection_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_body_partial_writes, setup, teardown),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test_setup_teardown(test_curl_and_promtool, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
