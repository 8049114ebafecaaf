/* SPDX-License-Identifier: Apache-2.0 */
/* Worker threads (worker-t.h): start, snapshot hand-over, stop. */
#ifndef SLUICE_PROXY_WORKER_H
#define SLUICE_PROXY_WORKER_H

#include <stdint.h>

#include "proxy/worker-t.h"

/* Prepares worker w (epoll, eventfd, one SO_REUSEPORT listener per cfg->listen entry)
 * with snapshot s (a reference is taken). Logs and returns -errno on failure (then
 * px_worker_destroy() cleans up). */
int px_worker_init(struct px_worker *w, unsigned int id, const struct px_config *cfg,
		   struct px_snapshot *s);

/* Starts its thread. */
int px_worker_start(struct px_worker *w);

/* Hands snapshot s to w (main thread): w takes it for new requests at its next round. */
void px_worker_publish(struct px_worker *w, struct px_snapshot *s);

/* Asks w to drain (main thread): it closes its listeners and its idle connections,
 * answers what is in flight with "Connection: close", and ends when no connection
 * is left (px_worker_drained()). */
void px_worker_drain(struct px_worker *w);
bool px_worker_drained(const struct px_worker *w);

/* Asks w to stop, and waits for its thread. */
void px_worker_stop(struct px_worker *w);

/* Frees what px_worker_init() made; accepts a worker that failed init or never ran. */
void px_worker_destroy(struct px_worker *w);

/* Worker-thread helpers for conn.c and upstream.c. */
/* Sixteen random bytes (getrandom, refilled 512 bytes at a time). */
void px_worker_random16(struct px_worker *w, uint8_t out[16]);
/* A fast pseudo-random 32-bit value (weighted choices). */
uint32_t px_worker_rand32(struct px_worker *w);
/* Appends one access log line (flushed at the end of the round). */
void px_worker_log(struct px_worker *w, const char *line, size_t len);
/* An exchange buffer block of `size` bytes (always the same size for a worker), from
 * the worker's cache or malloc(); NULL on ENOMEM. put keeps it (or frees it when the
 * cache is full); accepts NULL. */
void *px_worker_xbuf_get(struct px_worker *w, size_t size);
void px_worker_xbuf_put(struct px_worker *w, void *p);
/* The worker's current view, with one more user. */
struct px_view *px_view_enter(struct px_worker *w);
/* One user less; the view (and its snapshot reference) goes when it is not current and
 * unused. Accepts NULL. */
void px_view_leave(struct px_worker *w, struct px_view *v);

#endif /* SLUICE_PROXY_WORKER_H */
