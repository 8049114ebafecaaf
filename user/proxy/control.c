// SPDX-License-Identifier: Apache-2.0
/* The control socket (control-t.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "proxy/control.h"
#include "proxy/metrics.h"
#include "proxy/reload.h"
#include "proxy/worker-t.h"

static int cmd_metrics(struct px_proxy *px, const char *args, struct sl_buf *out);
static int cmd_help(struct px_proxy *px, const char *args, struct sl_buf *out);
static int cmd_version(struct px_proxy *px, const char *args, struct sl_buf *out);
static int cmd_snapshot(struct px_proxy *px, const char *args, struct sl_buf *out);

static const struct px_ctl_cmd cmds[] = {
	{ "metrics", cmd_metrics, "the Prometheus text of the request metrics and counters" },
	{ "version", cmd_version, "the snapshot version in force: version N digest HEX" },
	{ "snapshot", cmd_snapshot,
	  "snapshot VERSION PATH: build PATH (the agent's object stream) and put it in force "
	  "as VERSION (not older than the one in force); answers version N" },
	{ "help", cmd_help, "this list" },
};
#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static int cmd_metrics(struct px_proxy *px, const char *args, struct sl_buf *out)
{
	int err;

	if (*args) {
		sl_buf_printf(out, "metrics takes no arguments");
		return -EINVAL;
	}
	err = px_metrics_render(px, out);
	if (err) {
		out->len = 0;
		sl_buf_printf(out, "rendering the metrics: %s", strerror(-err));
	}
	return err;
}

static int cmd_version(struct px_proxy *px, const char *args, struct sl_buf *out)
{
	if (*args) {
		sl_buf_printf(out, "version takes no arguments");
		return -EINVAL;
	}
	sl_buf_printf(out, "version %" PRIu64 " digest %016" PRIx64 "\n", px->current->version,
		      px->current->digest);
	return 0;
}

static int cmd_snapshot(struct px_proxy *px, const char *args, struct sl_buf *out)
{
	char err[1024] = "", why[64];
	unsigned long long v;
	bool changed;
	char *end;
	int r;

	errno = 0;
	v = strtoull(args, &end, 10);
	if (errno || end == args || *end != ' ' || !v || end[1] != '/') {
		sl_buf_printf(out, "usage: snapshot VERSION /ABSOLUTE/PATH (VERSION > 0)");
		return -EINVAL;
	}
	snprintf(why, sizeof(why), "agent push %llu", v);
	r = px_reload(px, end + 1, (uint64_t)v, why, &changed, err, sizeof(err));
	if (r) {
		sl_buf_printf(out, "%s", err);
		return r;
	}
	sl_buf_printf(out, "version %" PRIu64 "\n", px->current->version);
	return 0;
}

static int cmd_help(struct px_proxy *px, const char *args, struct sl_buf *out)
{
	for (size_t i = 0; i < NCMDS; i++)
		sl_buf_printf(out, "%s: %s\n", cmds[i].name, cmds[i].help);
	return 0;
}

void px_control_run(struct px_proxy *px, const char *line, struct sl_buf *out)
{
	const char *sp = strchr(line, ' ');
	size_t n = sp ? (size_t)(sp - line) : strlen(line);
	struct sl_buf body = {};
	int err;

	for (size_t i = 0; i < NCMDS; i++) {
		if (strlen(cmds[i].name) != n || memcmp(cmds[i].name, line, n))
			continue;
		err = cmds[i].run(px, sp ? sp + 1 : "", &body);
		if (!err && body.oom)
			err = -ENOMEM;
		if (err) {
			sl_buf_printf(out, "error: %.*s\n",
				      body.len && !body.oom ? (int)body.len : 0,
				      body.p ? body.p : "");
			if (!body.len || body.oom)
				sl_buf_printf(out, "%s\n", strerror(-err));
		} else {
			sl_buf_printf(out, "ok\n");
			if (body.len)
				sl_buf_append(out, body.p, body.len);
		}
		sl_buf_free(&body);
		return;
	}
	sl_buf_printf(out, "error: unknown command '%.*s' (try help)\n", (int)(n < 64 ? n : 64),
		      line);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* mkdir -p with mode 0700 for what it creates. */
static int make_dirs(const char *dir)
{
	char p[sizeof(((struct sockaddr_un *)0)->sun_path)];
	size_t n = strlen(dir);

	if (!n || n >= sizeof(p))
		return -ENAMETOOLONG;
	memcpy(p, dir, n + 1);
	for (char *s = p + 1;; s++) {
		if (*s && *s != '/')
			continue;
		char c = *s;

		*s = '\0';
		if (mkdir(p, 0700) && errno != EEXIST)
			return -errno;
		*s = c;
		if (!c)
			return 0;
	}
}

/* Whether a process accepts connections on the socket at path. */
static bool socket_live(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool live;

	if (fd < 0)
		return false;
	live = !connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	return live;
}

int px_control_open(struct px_control *c, const char *path, struct px_proxy *px)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[sizeof(sa.sun_path)];
	const char *slash = strrchr(path, '/');
	struct stat st;
	mode_t old;
	int err;

	memset(c, 0, sizeof(*c));
	c->lfd = -1;
	c->px = px;
	for (size_t i = 0; i < PX_CTL_MAX_CONNS; i++)
		c->conns[i].fd = -1;
	if (!*path || strlen(path) >= sizeof(sa.sun_path)) {
		pr_err("--control %s: not a socket path (1 to %zu bytes)", path,
		       sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (slash && slash != path) {
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
		err = make_dirs(dir);
		if (err) {
			pr_err("--control %s: creating %s: %s", path, dir, strerror(-err));
			return err;
		}
	}
	if (!lstat(path, &st)) {
		if (!S_ISSOCK(st.st_mode)) {
			pr_err("--control %s: exists and is not a socket", path);
			return -EEXIST;
		}
		if (socket_live(&sa)) {
			pr_err("--control %s: another process serves it", path);
			return -EADDRINUSE;
		}
		/* Left by a proxy that is gone. */
		unlink(path);
	}
	c->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->lfd < 0) {
		err = -errno;
		goto fail;
	}
	/* Created 0600 from the start: no moment where others may connect. */
	old = umask(0177);
	err = bind(c->lfd, (const struct sockaddr *)&sa, sizeof(sa)) ? -errno : 0;
	umask(old);
	if (err)
		goto fail;
	snprintf(c->path, sizeof(c->path), "%s", path);
	if (listen(c->lfd, PX_CTL_MAX_CONNS)) {
		err = -errno;
		goto fail;
	}
	return 0;
fail:
	pr_err("--control %s: %s", path, strerror(-err));
	px_control_close(c);
	return err;
}

size_t px_control_fds(struct px_control *c, struct pollfd *p, size_t max)
{
	size_t n = 0;

	if (c->lfd < 0 || !max)
		return 0;
	p[n++] = (struct pollfd){ .fd = c->lfd, .events = POLLIN };
	for (size_t i = 0; i < PX_CTL_MAX_CONNS && n < max; i++)
		if (c->conns[i].fd >= 0)
			p[n++] =
				(struct pollfd){ .fd = c->conns[i].fd,
						 .events = c->conns[i].out.len ? POLLOUT : POLLIN };
	return n;
}

static void conn_free(struct px_ctl_conn *k)
{
	if (k->fd >= 0)
		close(k->fd);
	k->fd = -1;
	k->inlen = k->off = 0;
	sl_buf_free(&k->out);
	k->out = (struct sl_buf){ 0 };
}

/* Reads the command line; runs it once it is whole (newline, or the client's end of
 * input) or too long. */
static void conn_read(struct px_control *c, struct px_ctl_conn *k)
{
	ssize_t n = read(k->fd, k->in + k->inlen, sizeof(k->in) - 1 - k->inlen);
	char *nl;
	size_t len;

	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			conn_free(k);
		return;
	}
	k->inlen += (size_t)n;
	nl = memchr(k->in, '\n', k->inlen);
	if (!nl && k->inlen == sizeof(k->in) - 1) {
		sl_buf_printf(&k->out, "error: command line longer than %d bytes\n",
			      PX_CTL_LINE_MAX - 2);
		return;
	}
	if (!nl && n > 0)
		return; /* more to come */
	if (!nl && !k->inlen) {
		conn_free(k); /* closed without a word */
		return;
	}
	len = nl ? (size_t)(nl - k->in) : k->inlen;
	if (len && k->in[len - 1] == '\r')
		len--;
	if (memchr(k->in, '\0', len)) {
		sl_buf_printf(&k->out, "error: NUL byte in the command line\n");
		return;
	}
	k->in[len] = '\0';
	px_control_run(c->px, k->in, &k->out);
	if (k->out.oom) {
		pr_warn("--control: out of memory answering '%s'", k->in);
		conn_free(k);
	}
}

static void conn_write(struct px_ctl_conn *k)
{
	ssize_t n = write(k->fd, k->out.p + k->off, k->out.len - k->off);

	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			conn_free(k);
		return;
	}
	k->off += (size_t)n;
	if (k->off == k->out.len)
		conn_free(k);
}

void px_control_handle(struct px_control *c, const struct pollfd *p, size_t n)
{
	int64_t now = now_ms();

	for (size_t i = 0; i < n; i++) {
		if (!p[i].revents)
			continue;
		if (p[i].fd == c->lfd) {
			for (;;) {
				int fd = accept4(c->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
				size_t k;

				if (fd < 0)
					break;
				for (k = 0; k < PX_CTL_MAX_CONNS && c->conns[k].fd >= 0; k++)
					;
				if (k == PX_CTL_MAX_CONNS) {
					close(fd);
					continue;
				}
				c->conns[k].fd = fd;
				c->conns[k].deadline = now + PX_CTL_TIMEOUT_MS;
			}
			continue;
		}
		for (size_t k = 0; k < PX_CTL_MAX_CONNS; k++) {
			struct px_ctl_conn *cc = &c->conns[k];

			if (cc->fd != p[i].fd)
				continue;
			if (!cc->out.len && (p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				conn_read(c, cc);
			/* Answers are written as soon as they exist: most fit the socket. */
			if (cc->fd >= 0 && cc->out.len)
				conn_write(cc);
			break;
		}
	}
	for (size_t k = 0; k < PX_CTL_MAX_CONNS; k++)
		if (c->conns[k].fd >= 0 && now > c->conns[k].deadline)
			conn_free(&c->conns[k]);
}

void px_control_close(struct px_control *c)
{
	for (size_t k = 0; k < PX_CTL_MAX_CONNS; k++)
		conn_free(&c->conns[k]);
	if (c->lfd >= 0)
		close(c->lfd);
	c->lfd = -1;
	if (c->path[0])
		unlink(c->path);
	c->path[0] = '\0';
}
