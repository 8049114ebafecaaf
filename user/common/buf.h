/* SPDX-License-Identifier: Apache-2.0 */
/* A growable byte buffer for messages and command output. */
#ifndef SLUICE_BUF_H
#define SLUICE_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct sl_buf {
	char *p;
	size_t len, cap;
	bool oom; /* an append failed: the content is truncated */
};

int sl_buf_append(struct sl_buf *b, const void *data, size_t n);
int sl_buf_printf(struct sl_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sl_buf_free(struct sl_buf *b);

/* Reads fd until EOF into b; -E2BIG past max bytes. */
int sl_buf_read_fd(struct sl_buf *b, int fd, size_t max);
/* Writes all of data to fd (retrying short writes). */
int sl_write_all(int fd, const void *data, size_t n);

#endif
