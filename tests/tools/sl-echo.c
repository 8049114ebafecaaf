// SPDX-License-Identifier: Apache-2.0
/*
 * sl-echo: an identifying echo server for the Sluice tests.
 *
 *   sl-echo --id TEXT [--tcp PORT]... [--udp PORT]...
 *
 * Listens on [::] dual-stack (IPV6_V6ONLY=0) for every port given.
 * TCP: after accept, writes "id=TEXT\n" and then echoes everything it reads; when the
 *      client half-closes, the server finishes the echo and closes its side.
 * UDP: each datagram gets one reply "id=TEXT\n" + payload, sent from the address the
 *      datagram was received on (IPV6_PKTINFO), so the client sees the address it dialed.
 * Prints "listening id=TEXT tcp=P,.. udp=P,.." on stdout when ready; exits 0 on
 * SIGTERM/SIGINT, 1 on a setup error, 2 on a usage error.
 */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_PORTS 64
#define BUF_SIZE 65536
#define MAX_ID 512

enum kind { K_TCP_LISTEN, K_UDP, K_CONN };

struct conn {
	enum kind kind;
	int fd;
	/* K_CONN only: bytes read but not yet written back */
	char *buf;
	size_t len, off;
	bool rd_eof;
};

static volatile sig_atomic_t stop;
static const char *id_text;
static char id_line[MAX_ID + 8];
static size_t id_len;
static int ep;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: sl-echo --id TEXT [--tcp PORT]... [--udp PORT]...\n"
		   "  TCP: replies id=TEXT\\n then echoes until EOF.\n"
		   "  UDP: replies id=TEXT\\n + datagram, from the address dialed.\n");
}

static int parse_port(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 1 || v > 65535)
		return -1;
	return (int)v;
}

static struct conn *conn_new(enum kind kind, int fd)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (!c) {
		perror("sl-echo: calloc");
		exit(1);
	}
	c->kind = kind;
	c->fd = fd;
	return c;
}

static int ep_add(struct conn *c, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };

	return epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
}

static void ep_mod(struct conn *c, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };

	if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) < 0)
		perror("sl-echo: epoll_ctl mod");
}

static int bind_any(int type, int port)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT };
	int fd, zero = 0, one = 1;

	fd = socket(AF_INET6, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("sl-echo: socket");
		return -1;
	}
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0) {
		perror("sl-echo: setsockopt");
		close(fd);
		return -1;
	}
	if (type == SOCK_DGRAM &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)) < 0) {
		perror("sl-echo: setsockopt IPV6_RECVPKTINFO");
		close(fd);
		return -1;
	}
	sa.sin6_port = htons(port);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "sl-echo: bind %s [::]:%d: %s\n",
			type == SOCK_STREAM ? "tcp" : "udp", port, strerror(errno));
		close(fd);
		return -1;
	}
	if (type == SOCK_STREAM && listen(fd, 1024) < 0) {
		perror("sl-echo: listen");
		close(fd);
		return -1;
	}
	return fd;
}

static void conn_close(struct conn *c)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c->buf);
	free(c);
}

static void do_accept(struct conn *l)
{
	for (;;) {
		int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct conn *c;

		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				perror("sl-echo: accept");
			return;
		}
		c = conn_new(K_CONN, fd);
		c->buf = malloc(BUF_SIZE);
		if (!c->buf) {
			perror("sl-echo: malloc");
			exit(1);
		}
		memcpy(c->buf, id_line, id_len);
		c->len = id_len;
		/* Start by flushing the id line; reading resumes once it is out. */
		if (ep_add(c, EPOLLOUT) < 0) {
			perror("sl-echo: epoll_ctl add");
			close(fd);
			free(c->buf);
			free(c);
		}
	}
}

/* Returns false when the connection was closed. */
static bool conn_flush(struct conn *c)
{
	while (c->off < c->len) {
		ssize_t n = send(c->fd, c->buf + c->off, c->len - c->off, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return true;
			conn_close(c);
			return false;
		}
		c->off += n;
	}
	c->off = c->len = 0;
	return true;
}

static void conn_event(struct conn *c, uint32_t events)
{
	if (events & EPOLLERR) {
		conn_close(c);
		return;
	}
	if (!conn_flush(c))
		return;
	while (c->len == 0 && !c->rd_eof) {
		ssize_t n = recv(c->fd, c->buf, BUF_SIZE, 0);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			conn_close(c);
			return;
		}
		if (n == 0) {
			c->rd_eof = true;
			break;
		}
		c->len = n;
		c->off = 0;
		if (!conn_flush(c))
			return;
	}
	if (c->len) {
		ep_mod(c, EPOLLOUT);
	} else if (c->rd_eof) {
		shutdown(c->fd, SHUT_WR);
		conn_close(c);
	} else {
		ep_mod(c, EPOLLIN | EPOLLRDHUP);
	}
}

static void udp_event(struct conn *u)
{
	static char buf[BUF_SIZE];

	for (;;) {
		struct sockaddr_in6 peer;
		char cbuf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		char obuf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct iovec iov = { .iov_base = buf + id_len, .iov_len = sizeof(buf) - id_len };
		struct msghdr msg = {
			.msg_name = &peer, .msg_namelen = sizeof(peer),
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
		};
		struct in6_pktinfo *dst = NULL;
		struct cmsghdr *cm;
		ssize_t n;

		n = recvmsg(u->fd, &msg, 0);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				perror("sl-echo: recvmsg");
			return;
		}
		for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm))
			if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO)
				dst = (struct in6_pktinfo *)CMSG_DATA(cm);

		memcpy(buf, id_line, id_len);
		iov.iov_base = buf;
		iov.iov_len = id_len + n;
		msg.msg_namelen = sizeof(peer);
		msg.msg_flags = 0;
		if (dst) {
			struct in6_pktinfo *src;

			memset(obuf, 0, sizeof(obuf));
			msg.msg_control = obuf;
			msg.msg_controllen = sizeof(obuf);
			cm = CMSG_FIRSTHDR(&msg);
			cm->cmsg_level = IPPROTO_IPV6;
			cm->cmsg_type = IPV6_PKTINFO;
			cm->cmsg_len = CMSG_LEN(sizeof(*src));
			src = (struct in6_pktinfo *)CMSG_DATA(cm);
			src->ipi6_addr = dst->ipi6_addr;
			src->ipi6_ifindex = 0;
		} else {
			msg.msg_control = NULL;
			msg.msg_controllen = 0;
		}
		if (sendmsg(u->fd, &msg, 0) < 0)
			perror("sl-echo: sendmsg");
	}
}

int main(int argc, char **argv)
{
	int tcp_ports[MAX_PORTS], udp_ports[MAX_PORTS];
	int ntcp = 0, nudp = 0, i;
	struct sigaction sa = { .sa_handler = on_signal };

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "sl-echo: %s: missing value or unknown option\n", a);
			usage(stderr);
			return 2;
		}
		if (!strcmp(a, "--id")) {
			id_text = argv[++i];
		} else if (!strcmp(a, "--tcp") || !strcmp(a, "--udp")) {
			int p = parse_port(argv[++i]);
			bool tcp = a[2] == 't';

			if (p < 0) {
				fprintf(stderr, "sl-echo: bad port '%s'\n", argv[i]);
				return 2;
			}
			if ((tcp ? ntcp : nudp) >= MAX_PORTS) {
				fprintf(stderr, "sl-echo: too many ports\n");
				return 2;
			}
			if (tcp)
				tcp_ports[ntcp++] = p;
			else
				udp_ports[nudp++] = p;
		} else {
			fprintf(stderr, "sl-echo: unknown option '%s'\n", a);
			usage(stderr);
			return 2;
		}
	}
	if (!id_text || (!ntcp && !nudp)) {
		fprintf(stderr, "sl-echo: --id and at least one --tcp/--udp are required\n");
		usage(stderr);
		return 2;
	}
	if (strlen(id_text) > MAX_ID || strchr(id_text, '\n')) {
		fprintf(stderr, "sl-echo: --id must be one line of at most %d bytes\n", MAX_ID);
		return 2;
	}
	id_len = (size_t)snprintf(id_line, sizeof(id_line), "id=%s\n", id_text);

	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0) {
		perror("sl-echo: epoll_create1");
		return 1;
	}
	for (i = 0; i < ntcp + nudp; i++) {
		bool tcp = i < ntcp;
		int port = tcp ? tcp_ports[i] : udp_ports[i - ntcp];
		int fd = bind_any(tcp ? SOCK_STREAM : SOCK_DGRAM, port);
		struct conn *c;

		if (fd < 0)
			return 1;
		c = conn_new(tcp ? K_TCP_LISTEN : K_UDP, fd);
		if (ep_add(c, EPOLLIN) < 0) {
			perror("sl-echo: epoll_ctl add");
			return 1;
		}
	}

	printf("listening id=%s tcp=", id_text);
	for (i = 0; i < ntcp; i++)
		printf("%s%d", i ? "," : "", tcp_ports[i]);
	printf(" udp=");
	for (i = 0; i < nudp; i++)
		printf("%s%d", i ? "," : "", udp_ports[i]);
	printf("\n");
	fflush(stdout);

	while (!stop) {
		struct epoll_event evs[64];
		int n = epoll_wait(ep, evs, 64, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("sl-echo: epoll_wait");
			return 1;
		}
		for (i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;

			switch (c->kind) {
			case K_TCP_LISTEN:
				do_accept(c);
				break;
			case K_UDP:
				udp_event(c);
				break;
			case K_CONN:
				conn_event(c, evs[i].events);
				break;
			}
		}
	}
	return 0;
}
