// SPDX-License-Identifier: Apache-2.0
/* Client of sluice-proxy's control socket (proxy_link.h). */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "agent/proxy_link.h"

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for `events` on fd until the deadline. 0, -ETIMEDOUT or -errno. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - mono_ms();
		struct pollfd p = { .fd = fd, .events = events };
		int n;

		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&p, 1, (int)left);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

/* Splits the answer in `a`: "ok\n" + output, or "error: MESSAGE\n". */
static int answer(const struct sl_buf *a, struct sl_buf *out)
{
	const char *nl = a->len ? memchr(a->p, '\n', a->len) : NULL;
	size_t first = nl ? (size_t)(nl - a->p) : 0;

	if (!nl)
		return -EPROTO;
	if (first == 2 && !memcmp(a->p, "ok", 2))
		return sl_buf_append(out, nl + 1, a->len - first - 1) ? -ENOMEM : 0;
	if (first >= 7 && !memcmp(a->p, "error: ", 7)) {
		if (sl_buf_append(out, a->p + 7, first - 7))
			return -ENOMEM;
		return -EREMOTEIO;
	}
	return -EPROTO;
}

int sl_proxy_request(const char *path, const char *cmd, struct sl_buf *out, int timeout_ms)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int64_t deadline = mono_ms() + timeout_ms;
	struct sl_buf a = {};
	size_t sent = 0, len = strlen(cmd);
	int fd, err = 0;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* A unix connect() does not wait for accept(); EAGAIN: the backlog is full. */
	while (connect(fd, (const struct sockaddr *)&sa, sizeof(sa))) {
		if (errno != EAGAIN && errno != EINTR) {
			err = -errno;
			goto out;
		}
		if (mono_ms() >= deadline) {
			err = -ETIMEDOUT;
			goto out;
		}
		poll(NULL, 0, 5);
	}
	while (!err && sent <= len) {
		/* The command, then its newline. */
		const char *p = sent < len ? cmd + sent : "\n";
		ssize_t n = send(fd, p, sent < len ? len - sent : 1, MSG_NOSIGNAL);

		if (n >= 0)
			sent += (size_t)n;
		else if (errno == EAGAIN)
			err = wait_fd(fd, POLLOUT, deadline);
		else if (errno != EINTR)
			err = -errno;
	}
	while (!err) {
		char buf[65536];
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n > 0) {
			if (a.len + (size_t)n > SL_PROXY_ANSWER_MAX)
				err = -E2BIG;
			else if (sl_buf_append(&a, buf, (size_t)n))
				err = -ENOMEM;
		} else if (!n) {
			break;
		} else if (errno == EAGAIN) {
			err = wait_fd(fd, POLLIN, deadline);
		} else if (errno != EINTR) {
			err = -errno;
		}
	}
	if (!err)
		err = answer(&a, out);
out:
	sl_buf_free(&a);
	close(fd);
	return err;
}
