/* SPDX-License-Identifier: Apache-2.0 */
/* Downstream connections (conn-t.h): accept, events, timers, close. Worker thread only. */
#ifndef SLUICE_PROXY_CONN_H
#define SLUICE_PROXY_CONN_H

#include <stdint.h>

#include "proxy/conn-t.h"

/* Takes over accepted non-blocking socket fd: reads its original destination, registers
 * it with the worker's epoll. A connection without an original destination (it did
 * not come through the kernel's handoff) is answered 400 and closed. Returns 0, or
 * -errno with fd closed. */
int px_conn_accept(struct px_worker *w, int fd);

/* An epoll event for c. */
void px_conn_event(struct px_conn *c, uint32_t events);

/* An event for upstream connection up while it serves c. */
void px_conn_up_event(struct px_conn *c, uint32_t events);

/* Runs the expired timer of c, if any (w->now_ms is past px_conn_next_deadline()). */
void px_conn_timeout(struct px_conn *c);

/* The earliest deadline of c (CLOCK_MONOTONIC ms): its connection deadline, or the
 * route's or the try's timeout while an upstream exchange runs; 0: none. */
int64_t px_conn_next_deadline(const struct px_conn *c);

/* Closes c and its upstream at once (worker shutdown). */
void px_conn_abort(struct px_conn *c);

/* The worker drains: c closes now if it is between exchanges with nothing buffered;
 * otherwise its exchange finishes and its response says "Connection: close". */
void px_conn_drain(struct px_conn *c);

/* Makes the writes the round's events left on w->flushq (write_deferred() in conn.c),
 * each connection going on from there; ends the round's deferral. */
void px_conn_flush(struct px_worker *w);

/* Resumes the requests handed a destination slot (w->kicked), then frees the
 * connections closed in this round (w->dead_conns). */
void px_conn_reap(struct px_worker *w);

#endif /* SLUICE_PROXY_CONN_H */
