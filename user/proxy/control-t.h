/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The control socket (--control PATH): how the node's agent talks to the proxy. A unix
 * stream socket, mode 0600 in a directory the proxy creates 0700, served from the main
 * thread's poll loop, non-blocking, a few connections at a time.
 *
 * Protocol: the client sends one command line ("NAME [ARGS]\n", at most
 * PX_CTL_LINE_MAX bytes; end of input also ends it); the proxy answers and closes.
 * The answer's first line is "ok" or "error: MESSAGE"; after "ok" comes the command's
 * output (for `metrics`, the Prometheus text). Commands are a table of name -> handler,
 * so adding one is one entry (control.c).
 */
#ifndef SLUICE_PROXY_CONTROL_T_H
#define SLUICE_PROXY_CONTROL_T_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define PX_CTL_MAX_CONNS 8
#define PX_CTL_LINE_MAX 4096
#define PX_CTL_TIMEOUT_MS 5000

struct px_proxy;

struct px_ctl_conn {
	int fd; /* -1: free slot */
	char in[PX_CTL_LINE_MAX];
	size_t inlen;
	struct sl_buf out; /* the whole answer, once the command line is read */
	size_t off;
	int64_t deadline;
};

struct px_control {
	int lfd; /* -1: none */
	char path[108]; /* sun_path */
	struct px_proxy *px;
	struct px_ctl_conn conns[PX_CTL_MAX_CONNS];
};

/* A command: runs with the rest of the line (after the name and one space; "" when
 * none) and writes its output to out. Returns 0, or -errno with a message in out
 * (which is then sent as "error: MESSAGE"). */
struct px_ctl_cmd {
	const char *name;
	int (*run)(struct px_proxy *px, const char *args, struct sl_buf *out);
	const char *help;
};

#endif /* SLUICE_PROXY_CONTROL_T_H */
