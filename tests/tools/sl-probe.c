// SPDX-License-Identifier: Apache-2.0
/*
 * sl-probe: a test client for sl-echo (and for anything speaking its contract).
 *
 *   sl-probe [--tcp|--udp-connected|--udp-unconnected] [--family 4|6|mapped]
 *            [--count N] [--keep-going] [--interval-ms N] [--timeout-ms N]
 *            [--payload TEXT] HOST PORT
 *
 * One line per attempt:
 *   ok id=<id> peer=<getpeername address>:<port>      (TCP, connected UDP)
 *   ok id=<id> from=<recvfrom source address>:<port>  (unconnected UDP)
 *   err <ERRNO-NAME> <strerror>                      (e.g. err ECONNREFUSED ...)
 * Addresses are canonical: dotted IPv4, RFC 5952 IPv6, v4-mapped as ::ffff:a.b.c.d;
 * no brackets (the port follows the last colon).
 * --family mapped dials ::ffff:<HOST> from an AF_INET6 socket (HOST must be IPv4).
 * Without --family, the family follows HOST. With --count, a final
 * "summary ok=X err=Y" line is printed. Exit 0 when every attempt succeeded, 1 when one
 * failed (without --keep-going the first failure ends the run), 2 on usage errors.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RESP_MAX 65536

enum mode { M_TCP, M_UDP_CONN, M_UDP_UNCONN };

static enum mode mode = M_TCP;
static int timeout_ms = 2000;
static const char *payload = "ping";

/* Set by an attempt that failed for a reason that is not an errno (bad reply). */
static const char *proto_err;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sl-probe [--tcp|--udp-connected|--udp-unconnected] [--family 4|6|mapped]\n"
		"                [--count N] [--keep-going] [--interval-ms N] [--timeout-ms N]\n"
		"                [--payload TEXT] HOST PORT\n");
}

static long parse_num(const char *s, long min, long max, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || !*s || v < min || v > max) {
		fprintf(stderr, "sl-probe: bad %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for events until deadline; returns 0 on ready, -1 with errno on error/timeout. */
static int wait_fd(int fd, short events, long long deadline)
{
	for (;;) {
		long long left = deadline - now_ms();
		struct pollfd p = { .fd = fd, .events = events };
		int n;

		if (left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		n = poll(&p, 1, (int)left);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		return 0;
	}
}

static void fmt_addr(const struct sockaddr_storage *ss, char *out, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	int port;

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)ss;

		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		port = ntohs(s4->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		port = ntohs(s6->sin6_port);
	} else {
		snprintf(out, len, "?");
		return;
	}
	snprintf(out, len, "%s:%d", a, port);
}

/* Checks "id=<id>\n<payload>" and extracts the id. Returns 0 on success. */
static int check_reply(const char *buf, size_t n, char *id, size_t idlen)
{
	const char *nl = memchr(buf, '\n', n);
	size_t plen = strlen(payload), l;

	if (n < 3 || memcmp(buf, "id=", 3) || !nl) {
		proto_err = "reply does not start with an id= line";
		return -1;
	}
	l = (size_t)(nl - buf) - 3;
	if (l >= idlen)
		l = idlen - 1;
	memcpy(id, buf + 3, l);
	id[l] = 0;
	if ((size_t)(buf + n - (nl + 1)) != plen || memcmp(nl + 1, payload, plen)) {
		proto_err = "echoed payload differs from what was sent";
		return -1;
	}
	return 0;
}

static int sock_err(int fd)
{
	int e = 0;
	socklen_t l = sizeof(e);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &l) < 0)
		return errno;
	return e;
}

/* One attempt; prints nothing. Returns 0 and fills line, or -1 with errno/proto_err. */
static int attempt(const struct sockaddr_storage *dst, socklen_t dlen, char *line, size_t llen)
{
	static char buf[RESP_MAX + 1];
	long long deadline = now_ms() + timeout_ms;
	int type = mode == M_TCP ? SOCK_STREAM : SOCK_DGRAM;
	struct sockaddr_storage peer;
	socklen_t plen = sizeof(peer);
	char id[512], addr[INET6_ADDRSTRLEN + 8];
	size_t got = 0, paylen = strlen(payload);
	int fd, e;

	fd = socket(dst->ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;

	if (mode != M_UDP_UNCONN) {
		if (connect(fd, (const struct sockaddr *)dst, dlen) < 0) {
			if (errno != EINPROGRESS)
				goto fail;
			if (wait_fd(fd, POLLOUT, deadline) < 0)
				goto fail;
			e = sock_err(fd);
			if (e) {
				errno = e;
				goto fail;
			}
		}
		if (getpeername(fd, (struct sockaddr *)&peer, &plen) < 0)
			goto fail;
	}

	if (mode == M_TCP) {
		size_t off = 0;

		while (off < paylen) {
			ssize_t n = send(fd, payload + off, paylen - off, MSG_NOSIGNAL);

			if (n < 0) {
				if (errno != EAGAIN && errno != EINTR)
					goto fail;
				if (wait_fd(fd, POLLOUT, deadline) < 0)
					goto fail;
				continue;
			}
			off += n;
		}
		shutdown(fd, SHUT_WR);
		for (;;) {
			ssize_t n;

			if (got >= RESP_MAX) {
				proto_err = "reply too long";
				goto fail;
			}
			n = recv(fd, buf + got, RESP_MAX - got, 0);
			if (n < 0) {
				if (errno != EAGAIN && errno != EINTR)
					goto fail;
				if (wait_fd(fd, POLLIN, deadline) < 0)
					goto fail;
				continue;
			}
			if (n == 0)
				break;
			got += n;
		}
	} else {
		ssize_t n;

		if (mode == M_UDP_CONN)
			n = send(fd, payload, paylen, 0);
		else
			n = sendto(fd, payload, paylen, 0, (const struct sockaddr *)dst, dlen);
		if (n < 0)
			goto fail;
		for (;;) {
			if (wait_fd(fd, POLLIN, deadline) < 0)
				goto fail;
			plen = sizeof(peer);
			if (mode == M_UDP_CONN)
				n = recv(fd, buf, RESP_MAX, 0);
			else
				n = recvfrom(fd, buf, RESP_MAX, 0, (struct sockaddr *)&peer, &plen);
			if (n < 0) {
				if (errno == EAGAIN || errno == EINTR)
					continue;
				goto fail;
			}
			got = n;
			break;
		}
	}

	if (check_reply(buf, got, id, sizeof(id)) < 0)
		goto fail;
	fmt_addr(&peer, addr, sizeof(addr));
	snprintf(line, llen, "ok id=%s %s=%s", id, mode == M_UDP_UNCONN ? "from" : "peer", addr);
	close(fd);
	return 0;
fail:
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

static int resolve(const char *host, const char *fam, int port, struct sockaddr_storage *ss,
		   socklen_t *len)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res;
	int rc;

	memset(ss, 0, sizeof(*ss));
	if (fam && !strcmp(fam, "mapped")) {
		struct sockaddr_in6 *s6 = (void *)ss;
		struct in_addr a4;

		if (inet_pton(AF_INET, host, &a4) != 1) {
			fprintf(stderr, "sl-probe: --family mapped needs an IPv4 HOST, got '%s'\n",
				host);
			return -1;
		}
		s6->sin6_family = AF_INET6;
		s6->sin6_addr.s6_addr[10] = 0xff;
		s6->sin6_addr.s6_addr[11] = 0xff;
		memcpy(&s6->sin6_addr.s6_addr[12], &a4, 4);
		s6->sin6_port = htons(port);
		*len = sizeof(*s6);
		return 0;
	}
	if (!fam)
		hints.ai_family = AF_UNSPEC;
	else if (!strcmp(fam, "4"))
		hints.ai_family = AF_INET;
	else if (!strcmp(fam, "6"))
		hints.ai_family = AF_INET6;
	else {
		fprintf(stderr, "sl-probe: --family must be 4, 6 or mapped\n");
		return -1;
	}
	rc = getaddrinfo(host, NULL, &hints, &res);
	if (rc) {
		fprintf(stderr, "sl-probe: cannot resolve '%s'%s%s: %s\n", host,
			fam ? " for family " : "", fam ? fam : "", gai_strerror(rc));
		return -1;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
	return 0;
}

int main(int argc, char **argv)
{
	const char *fam = NULL, *host = NULL, *portstr = NULL;
	long count = 1, interval_ms = 0, i;
	bool keep_going = false, counted = false;
	struct sockaddr_storage dst;
	socklen_t dlen;
	long ok = 0, err = 0;
	int port;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool has_val = i + 1 < argc;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--tcp")) {
			mode = M_TCP;
		} else if (!strcmp(a, "--udp-connected")) {
			mode = M_UDP_CONN;
		} else if (!strcmp(a, "--udp-unconnected")) {
			mode = M_UDP_UNCONN;
		} else if (!strcmp(a, "--keep-going")) {
			keep_going = true;
		} else if (a[0] == '-' && a[1] == '-' && !has_val) {
			fprintf(stderr, "sl-probe: %s: missing value or unknown option\n", a);
			usage(stderr);
			return 2;
		} else if (!strcmp(a, "--family")) {
			fam = argv[++i];
		} else if (!strcmp(a, "--count")) {
			count = parse_num(argv[++i], 1, 1000000, "--count");
			counted = true;
		} else if (!strcmp(a, "--interval-ms")) {
			interval_ms = parse_num(argv[++i], 0, 3600000, "--interval-ms");
		} else if (!strcmp(a, "--timeout-ms")) {
			timeout_ms = (int)parse_num(argv[++i], 1, 3600000, "--timeout-ms");
		} else if (!strcmp(a, "--payload")) {
			payload = argv[++i];
		} else if (a[0] == '-' && a[1] == '-') {
			fprintf(stderr, "sl-probe: unknown option '%s'\n", a);
			usage(stderr);
			return 2;
		} else if (!host) {
			host = a;
		} else if (!portstr) {
			portstr = a;
		} else {
			fprintf(stderr, "sl-probe: unexpected argument '%s'\n", a);
			usage(stderr);
			return 2;
		}
	}
	if (!host || !portstr) {
		usage(stderr);
		return 2;
	}
	if (strlen(payload) > RESP_MAX / 2) {
		fprintf(stderr, "sl-probe: --payload too long\n");
		return 2;
	}
	port = (int)parse_num(portstr, 1, 65535, "PORT");
	if (resolve(host, fam, port, &dst, &dlen) < 0)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);

	for (i = 0; i < count; i++) {
		char line[1024];

		if (i && interval_ms) {
			struct timespec ts = { interval_ms / 1000, (interval_ms % 1000) * 1000000 };

			nanosleep(&ts, NULL);
		}
		proto_err = NULL;
		errno = 0;
		if (attempt(&dst, dlen, line, sizeof(line)) == 0) {
			puts(line);
			ok++;
			continue;
		}
		if (proto_err) {
			printf("err EPROTO %s\n", proto_err);
		} else {
			const char *nm = strerrorname_np(errno);

			printf("err %s %s\n", nm ? nm : "EUNKNOWN", strerror(errno));
		}
		err++;
		if (!keep_going)
			break;
	}
	if (counted)
		printf("summary ok=%ld err=%ld\n", ok, err);
	return err ? 1 : 0;
}
