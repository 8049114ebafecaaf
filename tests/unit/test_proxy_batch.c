// SPDX-License-Identifier: Apache-2.0
/* sluice-proxy's batched writes (batch_io.c) on real sockets: every op of a batch is
 * complete when px_batch_send() returns, byte-exact, in two pieces; a full socket
 * answers -EAGAIN without waiting; a peer gone answers -EPIPE (no SIGPIPE); a batch
 * holds PX_BATCH_ENTRIES ops. Skipped where io_uring is unavailable. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "proxy/batch_io.h"

static struct px_batch batch;

static int setup(void **state)
{
	px_batch_init(&batch, 1, false);
	return 0;
}

static int teardown(void **state)
{
	px_batch_free(&batch);
	return 0;
}

/* A connected pair of nonblocking stream sockets. */
static void pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
}

static void queue(int fd, const char *a, const char *b)
{
	struct px_batch_op *op = px_batch_next(&batch);

	assert_non_null(op);
	op->fd = fd;
	op->iov[0] = (struct iovec){ (void *)a, strlen(a) };
	op->iov[1] = (struct iovec){ (void *)b, strlen(b) };
	op->msg.msg_iovlen = 2;
}

static void test_batch_writes_all(void **state)
{
	int s[3][2];
	char buf[64];

	if (!batch.on)
		skip();
	for (int i = 0; i < 3; i++)
		pair(s[i]);
	queue(s[0][0], "HTTP/1.1 200 OK\r\n", "zero");
	queue(s[1][0], "head ", "one");
	queue(s[2][0], "", "two");
	assert_int_equal(px_batch_send(&batch), 0);
	assert_int_equal(batch.ops[0].res, 21);
	assert_int_equal(batch.ops[1].res, 8);
	assert_int_equal(batch.ops[2].res, 3);
	px_batch_reset(&batch);
	assert_int_equal(read(s[0][1], buf, sizeof(buf)), 21);
	assert_memory_equal(buf, "HTTP/1.1 200 OK\r\nzero", 21);
	assert_int_equal(read(s[1][1], buf, sizeof(buf)), 8);
	assert_memory_equal(buf, "head one", 8);
	assert_int_equal(read(s[2][1], buf, sizeof(buf)), 3);
	for (int i = 0; i < 3; i++) {
		close(s[i][0]);
		close(s[i][1]);
	}
}

static void test_full_socket_is_eagain_dead_peer_is_epipe(void **state)
{
	static char big[1 << 16];
	int full[2], gone[2], ok[2];

	if (!batch.on)
		skip();
	pair(full);
	pair(gone);
	pair(ok);
	memset(big, 'x', sizeof(big));
	while (write(full[0], big, sizeof(big)) > 0)
		;
	assert_int_equal(errno, EAGAIN);
	close(gone[1]);
	queue(full[0], "more", "");
	queue(gone[0], "to nobody", "");
	queue(ok[0], "still ", "sent");
	assert_int_equal(px_batch_send(&batch), 0);
	assert_int_equal(batch.ops[0].res, -EAGAIN);
	assert_int_equal(batch.ops[1].res, -EPIPE);
	assert_int_equal(batch.ops[2].res, 10);
	px_batch_reset(&batch);
	close(full[0]);
	close(full[1]);
	close(gone[0]);
	close(ok[0]);
	close(ok[1]);
}

static void test_batch_is_bounded(void **state)
{
	int s[2];
	char buf[PX_BATCH_ENTRIES + 1];

	if (!batch.on)
		skip();
	pair(s);
	for (int i = 0; i < PX_BATCH_ENTRIES; i++)
		queue(s[0], "", "b");
	assert_null(px_batch_next(&batch));
	assert_int_equal(px_batch_send(&batch), 0);
	for (int i = 0; i < PX_BATCH_ENTRIES; i++)
		assert_int_equal(batch.ops[i].res, 1);
	px_batch_reset(&batch);
	assert_int_equal(read(s[1], buf, sizeof(buf)), PX_BATCH_ENTRIES);
	assert_non_null(px_batch_next(&batch)); /* room again after the reset */
	px_batch_reset(&batch);
	close(s[0]);
	close(s[1]);
}

static void test_off_hands_out_nothing(void **state)
{
	struct px_batch off = { .on = false };

	assert_null(px_batch_next(&off));
	assert_int_equal(px_batch_send(&off), 0);
	px_batch_free(&off);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batch_writes_all),
		cmocka_unit_test(test_full_socket_is_eagain_dead_peer_is_epipe),
		cmocka_unit_test(test_batch_is_bounded),
		cmocka_unit_test(test_off_hands_out_nothing),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
