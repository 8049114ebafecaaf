// SPDX-License-Identifier: Apache-2.0
/*
 * Does same-node acceleration keep every application's bytes intact on this kernel?
 * A private copy of the sk_msg program and its maps redirects a message between two
 * loopback TCP sockets, and the receiver reads it with splice(2), the path some
 * proxies use (HAProxy, for one). Kernels whose splice read path ignores the sockmap
 * receive queue return nothing there: acceleration would silently lose data, so
 * --accelerate=auto leaves it off and says why. Run only in auto mode.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "agent/accel_probe.h"
#include "common/log.h"
#include "sk_msg.skel.h"
#include "sluice/abi.h"

static void key_of(int fd, struct sl_sock_key *k)
{
	struct sockaddr_in l = {}, r = {};
	socklen_t ll = sizeof(l), rl = sizeof(r);

	memset(k, 0, sizeof(*k));
	getsockname(fd, (struct sockaddr *)&l, &ll);
	getpeername(fd, (struct sockaddr *)&r, &rl);
	k->local.w[2] = k->remote.w[2] = htonl(0x0000ffff);
	k->local.w[3] = l.sin_addr.s_addr;
	k->remote.w[3] = r.sin_addr.s_addr;
	k->local_port = l.sin_port;
	k->remote_port = r.sin_port;
}

/* Reads up to len bytes from fd through a pipe with splice(2), waiting at most
 * timeout_ms for them. Returns the bytes read, or -errno. */
static ssize_t splice_read(int fd, char *buf, size_t len, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int pp[2];
	ssize_t n = 0;

	if (pipe2(pp, O_CLOEXEC | O_NONBLOCK))
		return -errno;
	/* Non-blocking: where the bug is, a blocking splice waits forever while poll()
	 * reports the socket readable. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	while ((size_t)n < len && poll(&p, 1, timeout_ms) > 0) {
		ssize_t s = splice(fd, NULL, pp[1], NULL, len - (size_t)n, SPLICE_F_NONBLOCK);

		if (s <= 0)
			break;
		s = read(pp[0], buf + n, (size_t)s);
		if (s <= 0)
			break;
		n += s;
	}
	close(pp[0]);
	close(pp[1]);
	return n;
}

int sl_accel_probe(char *why, size_t whylen)
{
	static const char msg[] = "sluice acceleration probe";
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	struct sk_msg_bpf *skel;
	struct bpf_map *m;
	int lfd = -1, cfd = -1, sfd = -1, map_fd, err;
	struct sl_sock_key k;
	char buf[64] = "";
	ssize_t n;
	__u64 v;

	skel = sk_msg_bpf__open();
	if (!skel) {
		snprintf(why, whylen, "cannot open the sk_msg program: %s", strerror(errno));
		return -errno;
	}
	/* A private, tiny copy of every map: nothing pinned is touched. */
	bpf_object__for_each_map(m, skel->obj)
	{
		bpf_map__set_pin_path(m, NULL);
		if (bpf_map__type(m) == BPF_MAP_TYPE_RINGBUF)
			bpf_map__set_max_entries(m, 4096);
		else if (bpf_map__type(m) != BPF_MAP_TYPE_SK_STORAGE &&
			 bpf_map__type(m) != BPF_MAP_TYPE_ARRAY &&
			 bpf_map__type(m) != BPF_MAP_TYPE_PERCPU_ARRAY)
			bpf_map__set_max_entries(m, 8);
	}
	err = sk_msg_bpf__load(skel);
	if (err) {
		snprintf(why, whylen, "cannot load the sk_msg program: %s", strerror(-err));
		goto out;
	}
	map_fd = bpf_map__fd(skel->maps.sl_sockhash);
	if (bpf_prog_attach(bpf_program__fd(skel->progs.sl_sk_msg), map_fd, BPF_SK_MSG_VERDICT,
			    0)) {
		err = -errno;
		snprintf(why, whylen, "cannot attach sk_msg to a sockhash: %s", strerror(errno));
		goto out;
	}
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || cfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 1) ||
	    getsockname(lfd, (struct sockaddr *)&sa, &sl) ||
	    connect(cfd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    (sfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0) {
		err = -errno;
		snprintf(why, whylen, "cannot open loopback TCP sockets for the probe: %s",
			 strerror(errno));
		goto out;
	}
	key_of(cfd, &k);
	v = (__u64)cfd;
	err = bpf_map_update_elem(map_fd, &k, &v, BPF_NOEXIST) ? -errno : 0;
	key_of(sfd, &k);
	v = (__u64)sfd;
	if (!err && bpf_map_update_elem(map_fd, &k, &v, BPF_NOEXIST))
		err = -errno;
	if (err) {
		snprintf(why, whylen, "cannot put sockets in a sockhash: %s", strerror(-err));
		goto out;
	}
	if (send(cfd, msg, sizeof(msg) - 1, 0) != (ssize_t)sizeof(msg) - 1) {
		err = -errno;
		snprintf(why, whylen, "probe send failed: %s", strerror(errno));
		goto out;
	}
	n = splice_read(sfd, buf, sizeof(msg) - 1, 500);
	if (n != (ssize_t)sizeof(msg) - 1 || memcmp(buf, msg, sizeof(msg) - 1)) {
		err = -EIO;
		snprintf(
			why, whylen,
			"splice(2) reads of redirected data return %zd of %zu bytes on this kernel",
			n < 0 ? 0 : n, sizeof(msg) - 1);
		goto out;
	}
	err = 0;
out:
	if (sfd >= 0)
		close(sfd);
	if (cfd >= 0)
		close(cfd);
	if (lfd >= 0)
		close(lfd);
	sk_msg_bpf__destroy(skel);
	return err;
}
