// SPDX-License-Identifier: Apache-2.0
/*
 * A round's socket writes in one system call. After a round's events, the worker has
 * a response for many clients (and requests for many servers); written one writev()
 * at a time, each write wakes its reader, and a reader on this CPU (a client pod, a
 * load generator) preempts the proxy at the return of that very call: one context
 * switch pair per response. Submitted together through io_uring, the readers are all
 * woken inside one io_uring_enter() and find every response at once when they run.
 *
 * Only the submission is batched: each op is a sendmsg with MSG_DONTWAIT (io_uring
 * then completes a full socket's op with -EAGAIN instead of waiting for room), so
 * every op is complete when io_uring_enter() returns and the caller applies the
 * results exactly as it would those of writev().
 */
#include <errno.h>
#include <string.h>

#include "common/log.h"
#include "proxy/batch_io.h"

void px_batch_init(struct px_batch *b, unsigned int worker_id, bool off)
{
	struct io_uring_params p;
	int err;

	memset(b, 0, sizeof(*b));
	if (off)
		return;
	memset(&p, 0, sizeof(p));
#ifdef IORING_SETUP_SINGLE_ISSUER
	/* only this worker's thread submits; completions need no task work */
	p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN;
#endif
	err = io_uring_queue_init_params(PX_BATCH_ENTRIES, &b->ring, &p);
	if (err == -EINVAL && p.flags) {
		memset(&p, 0, sizeof(p)); /* a kernel before 6.0 */
		err = io_uring_queue_init_params(PX_BATCH_ENTRIES, &b->ring, &p);
	}
	if (err) {
		if (!worker_id)
			pr_info("io_uring unavailable (%s): each write is its own system call",
				strerror(-err));
		return;
	}
	b->on = true;
}

void px_batch_free(struct px_batch *b)
{
	if (b->on)
		io_uring_queue_exit(&b->ring);
	b->on = false;
	b->n = 0;
}

struct px_batch_op *px_batch_next(struct px_batch *b)
{
	struct px_batch_op *op;

	if (!b->on || b->n == PX_BATCH_ENTRIES)
		return NULL;
	op = &b->ops[b->n++];
	memset(&op->msg, 0, sizeof(op->msg));
	op->msg.msg_iov = op->iov;
	op->res = 0;
	return op;
}

void px_batch_reset(struct px_batch *b)
{
	b->n = 0;
}

int px_batch_send(struct px_batch *b)
{
	struct io_uring_cqe *cqe;
	unsigned int done = 0, head;
	int err = 0;

	if (!b->n)
		return 0;
	for (unsigned int i = 0; i < b->n; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&b->ring);

		/* the ring has PX_BATCH_ENTRIES entries and nothing else is queued */
		io_uring_prep_sendmsg(sqe, b->ops[i].fd, &b->ops[i].msg,
				      MSG_DONTWAIT | MSG_NOSIGNAL);
		io_uring_sqe_set_data64(sqe, i);
		b->ops[i].res = -EINPROGRESS;
	}
	do {
		err = io_uring_submit_and_wait(&b->ring, b->n - done);
		if (err < 0 && err != -EINTR)
			break;
		err = 0;
		io_uring_for_each_cqe(&b->ring, head, cqe)
		{
			uint64_t i = io_uring_cqe_get_data64(cqe);

			if (i < b->n) {
				b->ops[i].res = cqe->res;
				done++;
			}
			io_uring_cqe_seen(&b->ring, cqe);
		}
	} while (done < b->n);
	if (err) {
		/* The kernel refused the submission (not expected: the rings are sized for
		 * every op and drained each time), so those ops were never issued: they say
		 * PX_BATCH_NOT_SENT and their callers write them themselves; this worker
		 * stops batching rather than guess. */
		pr_warn("io_uring submission failed (%s): back to one write per call",
			strerror(-err));
		for (unsigned int i = 0; i < b->n; i++)
			if (b->ops[i].res == -EINPROGRESS)
				b->ops[i].res = PX_BATCH_NOT_SENT;
		px_batch_free(b);
	}
	return err;
}
