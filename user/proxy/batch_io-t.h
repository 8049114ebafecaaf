/* SPDX-License-Identifier: Apache-2.0 */
/* A round's socket writes in one system call (batch_io.c). */
#ifndef SLUICE_PROXY_BATCH_IO_T_H
#define SLUICE_PROXY_BATCH_IO_T_H

#include <errno.h>
#include <liburing.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/uio.h>

/* Writes queued at most per system call; more are sent in several. */
#define PX_BATCH_ENTRIES 256

/* An op's res when it was never issued (the submission failed): write it yourself. */
#define PX_BATCH_NOT_SENT (-ECANCELED)

/* One queued write: the caller's bytes (at most two pieces) and, once sent, the
 * result: bytes written or -errno (-EAGAIN: the socket was full). */
struct px_batch_op {
	struct msghdr msg;
	struct iovec iov[2];
	int fd;
	int res;
	void *owner; /* the caller's: what to apply the result to */
	int which; /* the caller's: which of its writes */
};

/* A worker's: an io_uring used only to submit nonblocking sendmsg calls together.
 * `on` false: io_uring is unavailable here (kernel, sysctl, a container's seccomp
 * profile), and callers write one by one. */
struct px_batch {
	struct io_uring ring;
	bool on;
	unsigned int n; /* ops queued */
	struct px_batch_op ops[PX_BATCH_ENTRIES];
};

#endif
