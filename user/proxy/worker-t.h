/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The proxy process and its workers. One worker thread per core, each with its own
 * epoll loop, its own SO_REUSEPORT listener on every --listen address (the kernel
 * spreads new connections over them), its own connections, upstream pools and
 * counters. Workers share nothing but the configuration snapshot they read, so the
 * hot path takes no lock.
 *
 * Snapshot hand-over (RCU-like): the main thread builds a snapshot, then for each
 * worker takes one reference and swaps it into the worker's mailbox (next_snap, an
 * atomic exchange; a snapshot the worker never picked up is dropped) and wakes it
 * through its eventfd. The worker installs it as a new view. A request in flight
 * counts itself in the view it started with (users, a plain integer: only the worker
 * touches it) and keeps routing by that snapshot until it ends; the old view drops its
 * reference when its last request ends. So requests in flight keep their snapshot,
 * new requests take the new one, and no connection is dropped.
 */
#ifndef SLUICE_PROXY_WORKER_T_H
#define SLUICE_PROXY_WORKER_T_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "common/htab.h"
#include "model/objects-t.h"
#include "proxy/access_log.h"
#include "proxy/batch_io-t.h"
#include "proxy/http1-t.h"
#include "proxy/names.h"
#include "proxy/rq_metrics-t.h"
#include "proxy/snapshot-t.h"
#include "proxy/stats-t.h"

#define PX_MAX_LISTEN 8
/* Idle connections kept per endpoint and worker. */
#define PX_POOL_MAX_IDLE 64
/* Idle pooled upstream connections are closed after this: less than the keep-alive
 * timeout of common servers (nginx 75 s), so the proxy closes first. */
#define PX_UPSTREAM_IDLE_MS 30000
/* After a response that ends the connection, how long unread client bytes are read
 * and discarded before closing, so the response is not lost to a TCP reset. */
#define PX_LINGER_MS 2000
/* Exchange buffer blocks a worker keeps for reuse (conn.c: an idle keep-alive
 * connection holds only its input buffer). */
#define PX_XBUF_CACHE 64
/* How often a worker looks for expired timers. */
#define PX_TICK_MS 250
/* Request metric series per worker (--max-request-series), and how long one no request
 * updated is kept (--request-series-idle): rq_metrics-t.h. */
#define PX_RQM_MAX_DEFAULT 4096
#define PX_RQM_IDLE_DEFAULT_MS 600000
/* How often a worker evicts idle series. */
#define PX_RQM_SWEEP_MS 1000

struct px_listen {
	struct sockaddr_storage sa;
	socklen_t len;
	char text[64];
};

/* The flags, as parsed by main.c. */
struct px_config {
	struct px_listen listen[PX_MAX_LISTEN];
	size_t nlisten;
	unsigned int workers;
	const char *node; /* for internalTrafficPolicy Local and source routes */
	const char *trust_domain, *root_ns; /* authorization (authz_http-t.h); NULL: defaults */
	unsigned int header_timeout_ms, idle_timeout_ms, connect_timeout_ms, drain_timeout_ms;
	struct sl_h1_limits limits;
	/* --fallback-dst: what a connection without an original destination is taken to
	 * have dialed (tests and benchmarks without the kernel handoff); unset: refused */
	struct sl_ip fallback_dst;
	uint16_t fallback_port;
	bool has_fallback;
	bool no_io_uring; /* --io-uring off: every write its own system call */
	int access_log_fd; /* -1: none */
	enum px_log_format log_format;
	unsigned int max_request_series; /* per worker */
	unsigned int request_series_idle_ms;
};

/* What an epoll event's data points to: every such object starts with one. */
enum px_ev_type {
	PX_EV_LISTEN,
	PX_EV_WAKE,
	PX_EV_DOWN, /* struct px_conn */
	PX_EV_UP, /* struct px_up */
};

struct px_ev {
	enum px_ev_type type;
	int fd;
};

/* A worker's view of one snapshot. */
struct px_view {
	struct px_snapshot *s; /* one reference */
	unsigned long users; /* requests routing by it */
};

struct px_conn;
struct px_up;

struct px_worker {
	struct px_stats stats; /* written only by this worker */
	struct px_rqm rqm; /* request metrics: written only by this worker */
	/* Field storage for reading back a forwarded request head (authz_http.c), made
	 * on first use; freed with the worker. */
	struct sl_http_field *az_fields;
	size_t naz_fields;
	unsigned int id;
	pthread_t thread;
	const struct px_config *cfg;
	int epfd;
	struct px_ev wake; /* eventfd: a snapshot in the mailbox, or stop */
	struct px_ev listeners[PX_MAX_LISTEN];
	size_t nlisteners;
	struct px_snapshot *next_snap; /* mailbox (atomic exchange) */
	bool stop; /* atomic */
	/* atomic, set by the main thread on SIGTERM: stop accepting, finish what is in
	 * flight, close keep-alive connections as their exchanges end */
	bool drain;
	bool draining; /* worker-local: drain seen, listeners closed (conn.c reads it) */
	bool done; /* atomic, set by the worker: drained, no connection left */
	struct px_view *view;
	struct px_conn *conns; /* every live downstream connection */
	struct px_conn *dead_conns; /* closed in this round, freed after it */
	struct px_up *dead_ups;
	struct sl_htab pools; /* struct px_ep -> struct px_pool * */
	/* struct px_ep -> struct px_ep_state * (outlier.h): requests in flight and
	 * outlier detection of every endpoint this worker sent to; kept across
	 * snapshots (an endpoint's record survives a reload). */
	struct sl_htab eps;
	/* uint32_t pool_id -> struct px_dpool * (conn_limit.h) */
	struct sl_htab dpools;
	struct px_conn *kicked; /* handed a slot while waiting: resumed before the reap */
	/* While a round's events run, connections wait here with their writes, which
	 * px_conn_flush() makes once all of them ran (defer_writes set meanwhile): [0]
	 * with a request for upstream, [1] with a response for their client. */
	struct px_conn *flushq[2];
	bool defer_writes;
	struct px_batch batch; /* made by the worker's thread: io_uring rings are per task */
	uint64_t round; /* epoll_wait() calls so far */
	int64_t now_ms; /* CLOCK_MONOTONIC, once per round */
	int64_t wall_ms; /* CLOCK_REALTIME */
	void *xbufs[PX_XBUF_CACHE]; /* free exchange buffer blocks */
	size_t nxbufs;
	char *log; /* access log lines not yet written */
	size_t loglen;
	uint8_t rnd[4096]; /* getrandom() output, used 16 bytes at a time (a call per 256 ids) */
	size_t rnd_used;
	uint64_t xs; /* xorshift state for weighted choices */
} __attribute__((aligned(64)));

/* The process. */
struct px_proxy {
	struct px_config cfg;
	struct px_worker *workers;
	unsigned int nworkers;
	struct px_snapshot *current; /* main thread only */
	const char *config_path; /* NULL: no --config, the empty snapshot */
	struct px_snapshot_opts snap_opts; /* how snapshots are built (--node, authorization) */
	uint64_t reloads_ok, reloads_failed;
	char last_error[1024];
	bool ready;
	struct px_names names; /* request metrics' names (main thread) */
};

#endif /* SLUICE_PROXY_WORKER_T_H */
