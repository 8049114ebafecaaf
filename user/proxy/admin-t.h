/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The admin endpoint (--admin, default 127.0.0.1:15000): a small non-blocking HTTP/1.1
 * server in the main thread's poll loop, one request per connection. It must never be
 * on an address a pod can reach: it says how the proxy is configured.
 */
#ifndef SLUICE_PROXY_ADMIN_T_H
#define SLUICE_PROXY_ADMIN_T_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define PX_ADMIN_MAX_CONNS 16
#define PX_ADMIN_HEAD_MAX 8192
#define PX_ADMIN_TIMEOUT_MS 5000

struct px_proxy;

struct px_admin_conn {
	int fd; /* -1: free slot */
	char in[PX_ADMIN_HEAD_MAX];
	size_t inlen;
	struct sl_buf out; /* the whole response, once the request is read */
	size_t off;
	int64_t deadline;
};

struct px_admin {
	int lfd;
	struct px_proxy *px;
	struct px_admin_conn conns[PX_ADMIN_MAX_CONNS];
};

#endif /* SLUICE_PROXY_ADMIN_T_H */
