// SPDX-License-Identifier: Apache-2.0
/*
 * Worker threads: one epoll loop each (worker-t.h). A round is: wait (at most
 * PX_TICK_MS), dispatch the events (their writes wait), make the writes they left
 * (px_conn_flush(): batched through io_uring where it is allowed), free what was
 * closed, run expired timers, write the access log lines the round produced.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "proxy/batch_io.h"
#include "proxy/conn.h"
#include "proxy/snapshot.h"
#include "proxy/stats.h"
#include "proxy/upstream.h"
#include "proxy/conn_limit.h"
#include "proxy/lb.h"
#include "proxy/rq_metrics.h"
#include "proxy/worker.h"

/* Access log bytes buffered per round; lines are written in pieces of at most this,
 * below PIPE_BUF, so lines from different workers never interleave on a pipe. */
#define LOG_FLUSH 4096
#define LOG_BUF (LOG_FLUSH + PX_LOG_LINE_MAX)

static int64_t clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void log_flush(struct px_worker *w)
{
	size_t off = 0;

	while (off < w->loglen) {
		ssize_t n = write(w->cfg->access_log_fd, w->log + off, w->loglen - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* a full or broken log never stops the proxy */
		off += (size_t)n;
	}
	w->loglen = 0;
}

void px_worker_log(struct px_worker *w, const char *line, size_t len)
{
	if (!w->log || len > LOG_BUF)
		return;
	if (w->loglen + len > LOG_FLUSH)
		log_flush(w);
	memcpy(w->log + w->loglen, line, len);
	w->loglen += len;
}

void px_worker_random16(struct px_worker *w, uint8_t out[16])
{
	if (w->rnd_used + 16 > sizeof(w->rnd)) {
		size_t got = 0;
		ssize_t n;

		/* (more than 256 bytes may come in parts: a signal can cut a read) */
		while (got < sizeof(w->rnd) &&
		       ((n = getrandom(w->rnd + got, sizeof(w->rnd) - got, 0)) > 0 ||
			(n < 0 && errno == EINTR)))
			got += n > 0 ? (size_t)n : 0;
		if (got < sizeof(w->rnd)) {
			/* Unique is what matters for a request id; keep going. */
			for (size_t i = 0; i < sizeof(w->rnd); i += 4) {
				uint32_t r = px_worker_rand32(w);

				memcpy(w->rnd + i, &r, 4);
			}
		}
		w->rnd_used = 0;
	}
	memcpy(out, w->rnd + w->rnd_used, 16);
	w->rnd_used += 16;
}

uint32_t px_worker_rand32(struct px_worker *w)
{
	/* xorshift64*: weighted choices need spread, not secrecy. */
	w->xs ^= w->xs >> 12;
	w->xs ^= w->xs << 25;
	w->xs ^= w->xs >> 27;
	return (uint32_t)((w->xs * 2685821657736338717ull) >> 32);
}

void *px_worker_xbuf_get(struct px_worker *w, size_t size)
{
	return w->nxbufs ? w->xbufs[--w->nxbufs] : malloc(size);
}

void px_worker_xbuf_put(struct px_worker *w, void *p)
{
	if (p && w->nxbufs < PX_XBUF_CACHE)
		w->xbufs[w->nxbufs++] = p;
	else
		free(p);
}

static struct px_view *view_new(struct px_snapshot *s)
{
	struct px_view *v = calloc(1, sizeof(*v));

	if (v)
		v->s = s;
	return v;
}

struct px_view *px_view_enter(struct px_worker *w)
{
	w->view->users++;
	return w->view;
}

void px_view_leave(struct px_worker *w, struct px_view *v)
{
	if (!v)
		return;
	if (--v->users == 0 && v != w->view) {
		px_snapshot_put(v->s);
		free(v);
	}
}

/* Installs the snapshot waiting in the mailbox, if any. */
static void take_snapshot(struct px_worker *w)
{
	struct px_snapshot *s = __atomic_exchange_n(&w->next_snap, NULL, __ATOMIC_ACQ_REL);
	struct px_view *v, *old = w->view;

	if (!s)
		return;
	v = view_new(s);
	if (!v) {
		pr_warn("worker %u: out of memory: keeping snapshot version %llu", w->id,
			(unsigned long long)old->s->version);
		px_snapshot_put(s);
		return;
	}
	w->view = v;
	if (!old->users) {
		px_snapshot_put(old->s);
		free(old);
	}
	px_stat_inc(&w->stats, PX_ST_SNAPSHOT_SWAPS);
	px_pools_sweep(w, s);
}

static int listen_one(const struct px_listen *l)
{
	int fd, one = 1;

	fd = socket(l->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) ||
	    (l->sa.ss_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one))) ||
	    bind(fd, (const struct sockaddr *)&l->sa, l->len) || listen(fd, 1024)) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

int px_worker_init(struct px_worker *w, unsigned int id, const struct px_config *cfg,
		   struct px_snapshot *s)
{
	struct epoll_event ev;
	int fd;

	memset(w, 0, sizeof(*w));
	w->id = id;
	w->cfg = cfg;
	w->wake.fd = -1;
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (w->epfd < 0)
		goto fail;
	w->wake = (struct px_ev){ PX_EV_WAKE, eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC) };
	if (w->wake.fd < 0)
		goto fail;
	ev.events = EPOLLIN;
	ev.data.ptr = &w->wake;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->wake.fd, &ev))
		goto fail;
	for (size_t i = 0; i < cfg->nlisten; i++) {
		fd = listen_one(&cfg->listen[i]);
		if (fd < 0) {
			pr_err("--listen %s: %s", cfg->listen[i].text, strerror(-fd));
			errno = -fd;
			return -errno;
		}
		w->listeners[w->nlisteners++] = (struct px_ev){ PX_EV_LISTEN, fd };
		ev.events = EPOLLIN;
		ev.data.ptr = &w->listeners[i];
		if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev))
			goto fail;
	}
	if (cfg->access_log_fd >= 0 && !(w->log = malloc(LOG_BUF)))
		goto fail;
	w->view = view_new(px_snapshot_get(s));
	if (!w->view) {
		px_snapshot_put(s);
		errno = ENOMEM;
		goto fail;
	}
	if (px_rqm_init(&w->rqm,
			cfg->max_request_series ? cfg->max_request_series : PX_RQM_MAX_DEFAULT)) {
		errno = ENOMEM;
		goto fail;
	}
	w->rnd_used = sizeof(w->rnd);
	w->xs = (uint64_t)clock_ms(CLOCK_REALTIME) * 0x9e3779b97f4a7c15ull + id + 1;
	return 0;
fail:
	pr_err("worker %u: %s", id, strerror(errno));
	return -errno;
}

static void accept_all(struct px_worker *w, int lfd)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				pr_warn("worker %u: accept: %s", w->id, strerror(errno));
			return;
		}
		px_conn_accept(w, fd);
	}
}

static void dispatch(struct px_worker *w, struct epoll_event *e)
{
	struct px_ev *ev = e->data.ptr;

	if (!e->events)
		return;
	switch (ev->type) {
	case PX_EV_LISTEN:
		accept_all(w, ev->fd);
		break;
	case PX_EV_WAKE: {
		uint64_t v;

		if (read(ev->fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
			pr_warn("worker %u: eventfd: %s", w->id, strerror(errno));
		take_snapshot(w);
		break;
	}
	case PX_EV_DOWN:
		px_conn_event((struct px_conn *)ev, e->events);
		break;
	case PX_EV_UP: {
		struct px_up *up = (struct px_up *)ev;

		if (up->dead)
			break;
		if (up->owner)
			px_conn_up_event(up->owner, e->events);
		else
			px_up_idle_event(w, up, e->events);
		break;
	}
	}
}

/* The first round after px_worker_drain(): no new connections (a new proxy on the
 * same SO_REUSEPORT port takes them), idle keep-alive connections closed now. */
static void start_drain(struct px_worker *w)
{
	struct px_conn *c, *next;

	w->draining = true;
	for (size_t i = 0; i < w->nlisteners; i++) {
		epoll_ctl(w->epfd, EPOLL_CTL_DEL, w->listeners[i].fd, NULL);
		close(w->listeners[i].fd);
	}
	w->nlisteners = 0;
	for (c = w->conns; c; c = next) {
		next = c->next;
		px_conn_drain(c);
	}
	px_conn_reap(w);
}

/* Runs the events of idle pooled connections before any other: a server's close of
 * one then ends it before a request of this round can take it from its pool
 * (upstream.c reuses such a connection without a syscall). Those events are then
 * spent (dispatch() skips an event without bits). */
static void idle_first(struct px_worker *w, struct epoll_event *evs, int n)
{
	for (int i = 0; i < n; i++) {
		struct px_ev *ev = evs[i].data.ptr;
		struct px_up *up = (struct px_up *)ev;

		if (ev->type != PX_EV_UP || up->dead || up->owner)
			continue;
		px_up_idle_event(w, up, evs[i].events);
		evs[i].events = 0;
	}
}

static void *worker_main(void *arg)
{
	struct px_worker *w = arg;
	struct epoll_event evs[256];
	int64_t last_tick = 0, last_sweep = 0;

	px_batch_init(&w->batch, w->id, w->cfg->no_io_uring);
	while (!__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE)) {
		int n = epoll_wait(w->epfd, evs, 256, PX_TICK_MS);

		w->round++;
		w->now_ms = clock_ms(CLOCK_MONOTONIC);
		w->wall_ms = clock_ms(CLOCK_REALTIME);
		idle_first(w, evs, n);
		w->defer_writes = true;
		for (int i = 0; i < n; i++)
			dispatch(w, &evs[i]);
		px_conn_flush(w);
		/* Freed only now: a later event of this round may still name them. */
		px_conn_reap(w);
		px_up_reap(w);
		if (w->now_ms - last_tick >= PX_TICK_MS) {
			struct px_conn *c, *next;

			last_tick = w->now_ms;
			for (c = w->conns; c; c = next) {
				next = c->next;
				int64_t d = px_conn_next_deadline(c);

				if (d && d <= w->now_ms)
					px_conn_timeout(c);
			}
			px_pools_sweep(w, NULL);
			px_conn_reap(w);
			px_up_reap(w);
		}
		if (w->now_ms - last_sweep >= PX_RQM_SWEEP_MS) {
			last_sweep = w->now_ms;
			px_rqm_evict(&w->rqm,
				     w->now_ms - (int64_t)(w->cfg->request_series_idle_ms
								   ? w->cfg->request_series_idle_ms
								   : PX_RQM_IDLE_DEFAULT_MS));
		}
		if (w->loglen)
			log_flush(w);
		if (!w->draining && __atomic_load_n(&w->drain, __ATOMIC_ACQUIRE))
			start_drain(w);
		if (w->draining && !w->conns && !w->done) {
			px_pools_free(w);
			__atomic_store_n(&w->done, true, __ATOMIC_RELEASE);
		}
	}
	while (w->conns)
		px_conn_abort(w->conns);
	px_conn_reap(w);
	px_pools_free(w);
	px_ep_states_free(w);
	px_slots_free(w);
	px_batch_free(&w->batch);
	if (w->loglen)
		log_flush(w);
	return NULL;
}

int px_worker_start(struct px_worker *w)
{
	int e = pthread_create(&w->thread, NULL, worker_main, w);

	if (e)
		pr_err("worker %u: starting its thread: %s", w->id, strerror(e));
	return -e;
}

static void wake(struct px_worker *w)
{
	uint64_t one = 1;

	if (write(w->wake.fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		pr_warn("worker %u: eventfd: %s", w->id, strerror(errno));
}

void px_worker_publish(struct px_worker *w, struct px_snapshot *s)
{
	struct px_snapshot *old;

	old = __atomic_exchange_n(&w->next_snap, px_snapshot_get(s), __ATOMIC_ACQ_REL);
	px_snapshot_put(old);
	wake(w);
}

void px_worker_drain(struct px_worker *w)
{
	__atomic_store_n(&w->drain, true, __ATOMIC_RELEASE);
	wake(w);
}

bool px_worker_drained(const struct px_worker *w)
{
	return __atomic_load_n(&w->done, __ATOMIC_ACQUIRE);
}

void px_worker_stop(struct px_worker *w)
{
	if (!w->thread)
		return;
	__atomic_store_n(&w->stop, true, __ATOMIC_RELEASE);
	wake(w);
	pthread_join(w->thread, NULL);
	w->thread = 0;
}

void px_worker_destroy(struct px_worker *w)
{
	for (size_t i = 0; i < w->nlisteners; i++)
		close(w->listeners[i].fd);
	w->nlisteners = 0;
	if (w->wake.fd >= 0)
		close(w->wake.fd);
	if (w->epfd > 0)
		close(w->epfd);
	px_snapshot_put(__atomic_exchange_n(&w->next_snap, NULL, __ATOMIC_ACQ_REL));
	if (w->view) {
		px_snapshot_put(w->view->s);
		free(w->view);
		w->view = NULL;
	}
	free(w->log);
	w->log = NULL;
	px_rqm_free(&w->rqm);
	free(w->az_fields);
	w->az_fields = NULL;
	w->naz_fields = 0;
	while (w->nxbufs)
		free(w->xbufs[--w->nxbufs]);
}
