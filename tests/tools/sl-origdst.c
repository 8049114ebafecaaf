// SPDX-License-Identifier: Apache-2.0
/*
 * sl-origdst: a stand-in for an unmodified transparent proxy (a test tool). It listens
 * on [::]:PORT (dual stack) and answers every connection, one at a time, with one line
 * naming where the client wanted to go, as getsockopt(SO_ORIGINAL_DST) tells it, then
 * echoes what it reads until EOF (sl-echo's contract, so sl-probe can talk to it):
 *
 *   id=origdst:<addr>:<port>      (SOL_IP for IPv4 and IPv4-mapped peers, SOL_IPV6
 *                                   otherwise; addresses canonical, no brackets)
 *   id=origdst:none:<ERRNO-NAME>  (the kernel did not know)
 *
 * The id= form is what sl-probe prints back, so `sl-probe VIP PORT` shows both the
 * original destination the proxy learned and the peer the client's getpeername() sees.
 * Prints "listening port=P" when ready.
 *
 *   sl-origdst --port P
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SO_ORIGINAL_DST_ 80

static const char *errno_name(int e)
{
	switch (e) {
	case ENOENT:
		return "ENOENT";
	case ENOPROTOOPT:
		return "ENOPROTOOPT";
	case EINVAL:
		return "EINVAL";
	default:
		return "EOTHER";
	}
}

static void answer(int fd)
{
	struct sockaddr_in6 peer;
	socklen_t plen = sizeof(peer);
	char line[160], a[INET6_ADDRSTRLEN];
	bool v4;
	int n;

	if (getpeername(fd, (struct sockaddr *)&peer, &plen)) {
		close(fd);
		return;
	}
	v4 = IN6_IS_ADDR_V4MAPPED(&peer.sin6_addr);
	if (v4) {
		struct sockaddr_in o;
		socklen_t ol = sizeof(o);

		if (getsockopt(fd, SOL_IP, SO_ORIGINAL_DST_, &o, &ol))
			n = snprintf(line, sizeof(line), "id=origdst:none:%s\n", errno_name(errno));
		else
			n = snprintf(line, sizeof(line), "id=origdst:%s:%u\n",
				     inet_ntop(AF_INET, &o.sin_addr, a, sizeof(a)), ntohs(o.sin_port));
	} else {
		struct sockaddr_in6 o;
		socklen_t ol = sizeof(o);

		if (getsockopt(fd, SOL_IPV6, SO_ORIGINAL_DST_, &o, &ol))
			n = snprintf(line, sizeof(line), "id=origdst:none:%s\n", errno_name(errno));
		else
			n = snprintf(line, sizeof(line), "id=origdst:%s:%u\n",
				     inet_ntop(AF_INET6, &o.sin6_addr, a, sizeof(a)),
				     ntohs(o.sin6_port));
	}
	if (n > 0 && write(fd, line, (size_t)n) < 0)
		perror("sl-origdst: write");
	for (;;) {
		char buf[4096];
		ssize_t r = read(fd, buf, sizeof(buf));

		if (r <= 0 || write(fd, buf, (size_t)r) != r)
			break;
	}
	close(fd);
}

int main(int argc, char **argv)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT };
	int fd, zero = 0, one = 1;
	long port;
	char *end;

	if (argc != 3 || strcmp(argv[1], "--port")) {
		fprintf(stderr, "usage: sl-origdst --port P\n");
		return 2;
	}
	port = strtol(argv[2], &end, 10);
	if (*end || port < 1 || port > 65535) {
		fprintf(stderr, "sl-origdst: bad port '%s'\n", argv[2]);
		return 2;
	}
	fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one))) {
		perror("sl-origdst: socket");
		return 1;
	}
	sa.sin6_port = htons((uint16_t)port);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 128)) {
		perror("sl-origdst: bind/listen");
		return 1;
	}
	printf("listening port=%ld\n", port);
	fflush(stdout);
	for (;;) {
		int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

		if (c >= 0)
			answer(c);
		else if (errno != EINTR)
			perror("sl-origdst: accept");
	}
}
