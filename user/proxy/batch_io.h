/* SPDX-License-Identifier: Apache-2.0 */
/* A round's socket writes in one system call (batch_io-t.h). */
#ifndef SLUICE_PROXY_BATCH_IO_H
#define SLUICE_PROXY_BATCH_IO_H

#include "proxy/batch_io-t.h"

/* Sets b up, unless `off`; b->on says whether batching is available (when not, the
 * reason is logged once at info level). Never fails. */
void px_batch_init(struct px_batch *b, unsigned int worker_id, bool off);
void px_batch_free(struct px_batch *b);

/* The next free op (its iov and fd for the caller to fill), or NULL when b is full
 * (px_batch_send() first). */
struct px_batch_op *px_batch_next(struct px_batch *b);

/* Sends every queued op in one io_uring_enter(), each a sendmsg(MSG_DONTWAIT |
 * MSG_NOSIGNAL) that never waits (a full socket answers -EAGAIN, as the plain call
 * would), and sets each op's res. The ops stay readable until the next
 * px_batch_next(); px_batch_reset() empties b. Returns 0, or -errno when the
 * submission itself failed (every op's res is then that error). */
int px_batch_send(struct px_batch *b);
void px_batch_reset(struct px_batch *b);

#endif
