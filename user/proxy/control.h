/* SPDX-License-Identifier: Apache-2.0 */
/* The control socket (control-t.h). Main thread only. */
#ifndef SLUICE_PROXY_CONTROL_H
#define SLUICE_PROXY_CONTROL_H

#include <poll.h>
#include <stddef.h>

#include "common/buf.h"
#include "proxy/control-t.h"

/* Listens on `path`: its directory is created 0700 when missing; a stale socket there
 * (nobody accepting) is replaced; anything else at path, or a live socket, is an
 * error. Returns 0 or -errno (logged). */
int px_control_open(struct px_control *c, const char *path, struct px_proxy *px);
/* The pollfds to watch (listener first), at most max; returns how many. */
size_t px_control_fds(struct px_control *c, struct pollfd *p, size_t max);
/* Serves what p (as filled by px_control_fds, n entries, revents set) says is ready,
 * and closes connections past their deadline. */
void px_control_handle(struct px_control *c, const struct pollfd *p, size_t n);
/* Closes everything and removes the socket file; accepts a closed c (lfd -1). */
void px_control_close(struct px_control *c);

/* Runs one command line (without its newline) into out: "ok\n" and the output, or
 * "error: ...\n". Exposed for tests. */
void px_control_run(struct px_proxy *px, const char *line, struct sl_buf *out);

#endif /* SLUICE_PROXY_CONTROL_H */
