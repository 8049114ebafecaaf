// SPDX-License-Identifier: Apache-2.0
/*
 * sluice-proxy's connection state machine against scripted peers on loopback: one real
 * worker thread (its epoll loop, pools and timers), the test thread playing both the
 * client and the upstream server, so each side can misbehave exactly: a pooled
 * connection closed as a request goes out, an early answer to an upload, a response
 * the parser refuses, a truncated body, pipelining, bodiless responses, a body
 * delimited by close, a snapshot swapped while a request is in flight.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "model/objects.h"
#include "proxy/http1.h"
#include "proxy/snapshot.h"
#include "proxy/stats.h"
#include "proxy/worker.h"

static struct px_config cfg;
static struct px_worker wk;
static uint16_t proxy_port;
static int srv_fd[2];
static uint16_t srv_port[2];

static int listen_any(uint16_t *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 16), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

/* The snapshot: Service web at 10.96.0.10:80 with the one endpoint 127.0.0.1:port. */
static struct px_snapshot *snapshot(uint16_t port, uint64_t version)
{
	char yaml[1024], err[256];
	struct px_snapshot *s;

	snprintf(yaml, sizeof(yaml),
		 "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n"
		 "spec: {clusterIP: 10.96.0.10, ports: [{name: http, port: 80}]}\n---\n"
		 "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n"
		 "metadata: {name: web, labels: {kubernetes.io/service-name: web}}\n"
		 "addressType: IPv4\nports: [{name: http, port: %u}]\n"
		 "endpoints: [{addresses: [127.0.0.1]}]\n",
		 port);
	if (px_snapshot_build("t.yaml", yaml, strlen(yaml), NULL, version, &s, err, sizeof(err)))
		fail_msg("%s", err);
	return s;
}

static int setup(void **state)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)&cfg.listen[0].sa;
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	struct px_snapshot *s;

	srv_fd[0] = listen_any(&srv_port[0]);
	srv_fd[1] = listen_any(&srv_port[1]);
	memset(&cfg, 0, sizeof(cfg));
	s4->sin_family = AF_INET;
	s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cfg.listen[0].len = sizeof(*s4);
	snprintf(cfg.listen[0].text, sizeof(cfg.listen[0].text), "127.0.0.1:0");
	cfg.nlisten = 1;
	cfg.workers = 1;
	cfg.header_timeout_ms = 2000;
	cfg.idle_timeout_ms = 10000;
	cfg.connect_timeout_ms = 2000;
	cfg.access_log_fd = -1;
	sl_h1_limits_default(&cfg.limits);
	assert_int_equal(sl_ip_parse("10.96.0.10", &cfg.fallback_dst), 0);
	cfg.fallback_port = 80;
	cfg.has_fallback = true;
	s = snapshot(srv_port[0], 1);
	assert_int_equal(px_worker_init(&wk, 0, &cfg, s), 0);
	px_snapshot_put(s);
	assert_int_equal(getsockname(wk.listeners[0].fd, (struct sockaddr *)&sa, &len), 0);
	proxy_port = ntohs(sa.sin_port);
	assert_int_equal(px_worker_start(&wk), 0);
	return 0;
}

static int teardown(void **state)
{
	px_worker_stop(&wk);
	px_worker_destroy(&wk);
	close(srv_fd[0]);
	close(srv_fd[1]);
	return 0;
}

static int client(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(proxy_port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct timeval tv = { .tv_sec = 5 };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static int accept_srv(int which)
{
	struct timeval tv = { .tv_sec = 5 };
	struct pollfd p = { .fd = srv_fd[which], .events = POLLIN };
	int fd;

	assert_int_equal(poll(&p, 1, 5000), 1);
	fd = accept4(srv_fd[which], NULL, NULL, SOCK_CLOEXEC);
	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static void put(int fd, const char *s)
{
	assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
}

/* Reads until `want` has been seen (or EOF/timeout); returns what was read (static). */
static const char *get_until(int fd, const char *want)
{
	static char buf[65536];
	size_t n = 0;

	buf[0] = '\0';
	while (n < sizeof(buf) - 1 && !strstr(buf, want)) {
		ssize_t r = read(fd, buf + n, sizeof(buf) - 1 - n);

		if (r <= 0)
			break;
		n += (size_t)r;
		buf[n] = '\0';
	}
	return buf;
}

/* Whether the peer closed fd (EOF, or a reset) within a few seconds. */
static bool closed(int fd)
{
	char b[4096];
	ssize_t r;

	while ((r = read(fd, b, sizeof(b))) > 0)
		;
	return r == 0 || errno == ECONNRESET;
}

static uint64_t stat_of(enum px_stat i)
{
	return __atomic_load_n(&wk.stats.v[i], __ATOMIC_RELAXED);
}

static void t_forward_and_reuse(void **state)
{
	int c = client(), s;
	const char *got;
	uint64_t reuse = stat_of(PX_ST_US_CX_POOL_REUSE);

	put(c, "GET /a HTTP/1.1\r\nHost: web\r\n\r\n");
	s = accept_srv(0);
	got = get_until(s, "\r\n\r\n");
	assert_non_null(strstr(got, "GET /a HTTP/1.1\r\nHost: web\r\n"));
	assert_non_null(strstr(got, "x-forwarded-for: 127.0.0.1\r\n"));
	put(s, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
	assert_non_null(strstr(get_until(c, "ok"), "HTTP/1.1 200 OK\r\n"));
	/* The next request, pipelined after a HEAD whose answer announces a body it
	 * does not carry, goes over the same pooled upstream connection. */
	put(c, "HEAD /h HTTP/1.1\r\nHost: web\r\n\r\nGET /b HTTP/1.1\r\nHost: web\r\n\r\n");
	got = get_until(s, "HEAD /h");
	put(s, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
	got = get_until(s, "GET /b");
	assert_non_null(strstr(got, "GET /b HTTP/1.1"));
	put(s, "HTTP/1.1 204 No Content\r\n\r\n");
	got = get_until(c, "204 No Content\r\n\r\n");
	assert_non_null(strstr(got, "Content-Length: 1000\r\n\r\nHTTP/1.1 204"));
	assert_int_equal(stat_of(PX_ST_US_CX_POOL_REUSE), reuse + 2);
	close(c);
	close(s);
}

static void t_resend_on_reused_connection(void **state)
{
	int c = client(), s, s2;
	uint64_t resend = stat_of(PX_ST_US_RQ_RESEND);

	put(c, "GET /1 HTTP/1.1\r\nHost: web\r\n\r\n");
	s = accept_srv(0);
	get_until(s, "\r\n\r\n");
	put(s, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1");
	get_until(c, "\r\n\r\n1");
	/* The server reads the next request on the pooled connection and closes it
	 * without an answer: the proxy sends it again on a new connection. */
	put(c, "GET /2 HTTP/1.1\r\nHost: web\r\n\r\n");
	get_until(s, "GET /2");
	close(s);
	s2 = accept_srv(0);
	assert_non_null(strstr(get_until(s2, "\r\n\r\n"), "GET /2 HTTP/1.1"));
	put(s2, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n2");
	assert_non_null(strstr(get_until(c, "\r\n\r\n2"), "200 OK"));
	assert_int_equal(stat_of(PX_ST_US_RQ_RESEND), resend + 1);
	close(c);
	close(s2);
}

static void t_early_answer_to_upload(void **state)
{
	int c = client(), s;
	const char *got;

	put(c, "POST /up HTTP/1.1\r\nHost: web\r\nContent-Length: 10000000\r\n\r\nxxxx");
	s = accept_srv(0);
	get_until(s, "\r\n\r\n");
	put(s,
	    "HTTP/1.1 413 Content Too Large\r\nContent-Length: 3\r\nConnection: close\r\n\r\nbig");
	close(s);
	got = get_until(c, "big");
	assert_non_null(strstr(got, "HTTP/1.1 413 Content Too Large\r\n"));
	assert_non_null(strstr(got, "Connection: close\r\n"));
	assert_true(closed(c));
	close(c);
}

static void t_bad_response_is_502(void **state)
{
	int c = client(), s;
	uint64_t upe = stat_of(PX_ST_FLAG_UPE);

	put(c, "GET / HTTP/1.1\r\nHost: web\r\n\r\n");
	s = accept_srv(0);
	get_until(s, "\r\n\r\n");
	put(s, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx");
	assert_non_null(strstr(get_until(c, "\n\n"), "HTTP/1.1 502 Bad Gateway\r\n"));
	assert_int_equal(stat_of(PX_ST_FLAG_UPE), upe + 1);
	close(c);
	close(s);
}

static void t_truncated_body_cuts_the_client(void **state)
{
	int c = client(), s;
	uint64_t uc = stat_of(PX_ST_FLAG_UC);

	put(c, "GET / HTTP/1.1\r\nHost: web\r\n\r\n");
	s = accept_srv(0);
	get_until(s, "\r\n\r\n");
	put(s, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n12345");
	close(s);
	assert_non_null(strstr(get_until(c, "12345"), "200 OK"));
	assert_true(closed(c));
	assert_int_equal(stat_of(PX_ST_FLAG_UC), uc + 1);
	close(c);
}

static void t_close_delimited_response(void **state)
{
	int c = client(), s;
	const char *got;

	put(c, "GET / HTTP/1.1\r\nHost: web\r\n\r\n");
	s = accept_srv(0);
	get_until(s, "\r\n\r\n");
	put(s, "HTTP/1.0 200 OK\r\n\r\nuntil the end");
	close(s);
	got = get_until(c, "until the end");
	assert_non_null(strstr(got, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end"));
	assert_true(closed(c));
	close(c);
}

static void t_http10_keep_alive(void **state)
{
	int c = client(), s;
	const char *got;

	put(c, "GET /x HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
	s = accept_srv(0);
	got = get_until(s, "\r\n\r\n");
	/* Forwarded as HTTP/1.1, with the original destination as Host. */
	assert_non_null(strstr(got, "GET /x HTTP/1.1\r\nHost: 10.96.0.10:80\r\n"));
	put(s, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
	got = get_until(c, "ok");
	assert_non_null(strstr(got, "Connection: keep-alive\r\n"));
	put(c, "GET /y HTTP/1.0\r\n\r\n");
	get_until(s, "GET /y");
	put(s, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
	got = get_until(c, "ok");
	assert_non_null(strstr(got, "Connection: close\r\n"));
	assert_true(closed(c));
	close(c);
	close(s);
}

static void t_snapshot_swap_in_flight(void **state)
{
	int c = client(), c2, s, s2;
	struct px_snapshot *snap = snapshot(srv_port[1], 2);

	put(c, "GET /slow HTTP/1.1\r\nHost: web\r\n\r\n");
	s = accept_srv(0);
	get_until(s, "\r\n\r\n");
	px_worker_publish(&wk, snap);
	px_snapshot_put(snap);
	for (int i = 0; i < 100 && !stat_of(PX_ST_SNAPSHOT_SWAPS); i++)
		usleep(10000);
	assert_int_equal(stat_of(PX_ST_SNAPSHOT_SWAPS), 1);
	/* A new request takes the new snapshot (the other server)... */
	c2 = client();
	put(c2, "GET /new HTTP/1.1\r\nHost: web\r\n\r\n");
	s2 = accept_srv(1);
	assert_non_null(strstr(get_until(s2, "\r\n\r\n"), "GET /new"));
	put(s2, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nnew");
	assert_non_null(strstr(get_until(c2, "new"), "200 OK"));
	/* ... while the one in flight finishes where it started; its upstream
	 * connection is not pooled, its endpoint having left the snapshot. */
	put(s, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nold");
	assert_non_null(strstr(get_until(c, "old"), "200 OK"));
	assert_true(closed(s));
	close(c);
	close(c2);
	close(s);
	close(s2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_forward_and_reuse),
		cmocka_unit_test(t_resend_on_reused_connection),
		cmocka_unit_test(t_early_answer_to_upload),
		cmocka_unit_test(t_bad_response_is_502),
		cmocka_unit_test(t_truncated_body_cuts_the_client),
		cmocka_unit_test(t_close_delimited_response),
		cmocka_unit_test(t_http10_keep_alive),
		cmocka_unit_test(t_snapshot_swap_in_flight),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
