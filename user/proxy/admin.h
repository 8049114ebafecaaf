/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The admin endpoint (admin-t.h). GET (or HEAD):
 *	/ready	200 "ready" once the listeners are up with a snapshot, else 503
 *	/stats	text counters, "name value" per line, summed over the workers (stats.c)
 *	/config	the snapshot in force: version, source, digest, load time, counts, and
 *		the outcome of the last reload
 * Anything else is 404 (405 for other methods); one request per connection.
 */
#ifndef SLUICE_PROXY_ADMIN_H
#define SLUICE_PROXY_ADMIN_H

#include <poll.h>
#include <stddef.h>

#include "proxy/admin-t.h"
#include "proxy/worker-t.h"

/* Listens on l (non-blocking). Returns 0 or -errno (logged). */
int px_admin_open(struct px_admin *a, const struct px_listen *l, struct px_proxy *px);

/* The poll entries to wait on (at most 1 + PX_ADMIN_MAX_CONNS); returns how many. */
size_t px_admin_fds(struct px_admin *a, struct pollfd *p, size_t max);

/* After poll(): accepts, reads, answers, and closes stalled connections. The entries
 * are those px_admin_fds() filled (matched by fd). */
void px_admin_handle(struct px_admin *a, const struct pollfd *p, size_t n);

/* Closes everything; accepts an admin that failed to open. */
void px_admin_close(struct px_admin *a);

/* The /stats body: every counter summed over the workers. Appends to out. */
int px_admin_render_stats(struct px_proxy *px, struct sl_buf *out);

#endif /* SLUICE_PROXY_ADMIN_H */
