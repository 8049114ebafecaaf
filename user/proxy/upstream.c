// SPDX-License-Identifier: Apache-2.0
/* Upstream connections and per-endpoint pools (upstream.h). */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "proxy/snapshot.h"
#include "proxy/stats.h"
#include "proxy/upstream.h"

static void pool_unlink(struct px_pool *p, struct px_up *up)
{
	if (up->prev)
		up->prev->next = up->next;
	else
		p->idle = up->next;
	if (up->next)
		up->next->prev = up->prev;
	up->prev = up->next = NULL;
	p->nidle--;
}

static struct px_pool *pool_of(struct px_worker *w, const struct px_ep *ep, bool create)
{
	struct px_pool *p = sl_htab_get(&w->pools, ep, sizeof(*ep));

	if (p || !create)
		return p;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->ep = *ep;
	if (sl_htab_put(&w->pools, ep, sizeof(*ep), p, NULL)) {
		free(p);
		return NULL;
	}
	return p;
}

/* Whole seconds of ns for a TCP keepalive option: at least 1, at most 32767 (the
 * kernel's bound). */
static int ka_secs(uint64_t ns)
{
	uint64_t s = ns / 1000000000;

	return s < 1 ? 1 : s > 32767 ? 32767 : (int)s;
}

/* connectionPool.tcp.tcpKeepalive ka on fd, in whole seconds as Istio gives them to
 * Envoy; what is not written stays the OS's; not set: SO_KEEPALIVE off (a pooled
 * connection may change hands, upstream.h). Best effort, as Envoy's socket options
 * are. */
static void keepalive(int fd, const struct sl_tcp_keepalive *ka)
{
	int on = ka->set, v;

	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
	if (!on)
		return;
	if (ka->time_ns) {
		v = ka_secs(ka->time_ns);
		setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &v, sizeof(v));
	}
	if (ka->interval_ns) {
		v = ka_secs(ka->interval_ns);
		setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &v, sizeof(v));
	}
	if (ka->probes) {
		v = ka->probes > 127 ? 127 : (int)ka->probes;
		setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &v, sizeof(v));
	}
}

/* up takes connection pool cp's settings (NULL: none): its duration, and its
 * keepalive when that differs from what the socket has. */
static void take_settings(struct px_up *up, const struct sl_conn_pool *cp)
{
	static const struct sl_tcp_keepalive none;
	const struct sl_tcp_keepalive *ka = cp ? &cp->keepalive : &none;

	up->max_age_ms = cp ? (int64_t)((cp->max_connection_duration_ns + 999999) / 1000000) : 0;
	if (ka->set == up->ka.set &&
	    (!ka->set || (ka->time_ns == up->ka.time_ns && ka->interval_ns == up->ka.interval_ns &&
			  ka->probes == up->ka.probes)))
		return;
	keepalive(up->ev.fd, ka);
	up->ka = *ka;
}

/* Whether up is max_age_ms old or more (0: no limit). */
static bool older(const struct px_worker *w, const struct px_up *up, int64_t max_age_ms)
{
	return max_age_ms && w->now_ms - up->born_ms >= max_age_ms;
}

/* Whether up is past the maxConnectionDuration of the destination it served last: it
 * is not used again. */
static bool too_old(const struct px_worker *w, const struct px_up *up)
{
	return older(w, up, up->max_age_ms);
}

static struct px_up *connect_new(struct px_worker *w, const struct px_ep *ep,
				 const struct sl_conn_pool *cp)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	struct sockaddr_storage ss = { 0 };
	struct epoll_event ev;
	struct px_up *up;
	socklen_t len;
	int fd, one = 1, e;

	if (!memcmp(ep->addr, mapped, 12)) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(ep->port);
		memcpy(&s4->sin_addr, ep->addr + 12, 4);
		len = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(ep->port);
		memcpy(&s6->sin6_addr, ep->addr, 16);
		len = sizeof(*s6);
	}
	up = calloc(1, sizeof(*up));
	if (!up)
		return NULL;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	px_stat_inc(&w->stats, PX_ST_US_CX_TOTAL);
	if (connect(fd, (struct sockaddr *)&ss, len) == 0)
		up->connected = true;
	else if (errno != EINPROGRESS)
		goto fail_fd;
	up->ev = (struct px_ev){ PX_EV_UP, fd };
	up->ep = *ep;
	up->born_ms = w->now_ms;
	take_settings(up, cp);
	up->rd = up->connected;
	up->wr = up->connected;
	ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
	ev.data.ptr = &up->ev;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev))
		goto fail_fd;
	return up;
fail_fd:
	e = errno;
	close(fd);
	errno = e;
fail:
	e = errno;
	free(up);
	errno = e;
	return NULL;
}

/* Whether nothing waits on fd: leftover bytes or an EOF would be read as the next
 * response. One peek settles it. */
static bool quiet(int fd)
{
	char b;
	ssize_t n = recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);

	return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

/* The idle connection to reuse from p for a destination whose connections live
 * max_age_ms (0: no limit), or NULL. One pooled before this round is known quiet
 * without a syscall: whatever reached it since its last read raised an edge that the
 * worker has already handed to px_up_idle_event() (worker.c runs the events of idle
 * connections first). One pooled in this round may have an event still waiting in the
 * round's batch, so it is peeked at. One too old for the destination is left to
 * others (the pool is the endpoint's); one past its own duration is closed. */
static struct px_up *pool_take(struct px_worker *w, struct px_pool *p, int64_t max_age_ms)
{
	struct px_up *up, *next;

	for (up = p->idle; up; up = next) {
		next = up->next;
		if (too_old(w, up)) {
			px_stat_inc(&w->stats, PX_ST_US_CX_MAX_DURATION);
			px_up_close(w, up);
		} else if (!older(w, up, max_age_ms) && up->idle_round != w->round) {
			pool_unlink(p, up);
			return up;
		}
	}
	for (up = p->idle; up; up = next) {
		next = up->next;
		if (older(w, up, max_age_ms))
			continue;
		if (quiet(up->ev.fd)) {
			pool_unlink(p, up);
			return up;
		}
		px_up_close(w, up);
	}
	return NULL;
}

struct px_up *px_up_get(struct px_worker *w, const struct px_ep *ep, bool fresh,
			const struct sl_conn_pool *cp)
{
	struct px_pool *p = fresh ? NULL : pool_of(w, ep, false);
	int64_t max_age = cp ? (int64_t)((cp->max_connection_duration_ns + 999999) / 1000000) : 0;
	struct px_up *up = p && p->idle ? pool_take(w, p, max_age) : NULL;

	if (up) {
		px_stat_dec(&w->stats, PX_ST_US_CX_IDLE);
		px_stat_inc(&w->stats, PX_ST_US_CX_POOL_REUSE);
		up->reused = true;
		/* Edge-triggered: nothing arrived while idle (that would have closed
		 * it), so a read would say EAGAIN: reads wait for the next edge; writes
		 * are tried at once. */
		up->rd = false;
		up->wr = true;
		take_settings(up, cp);
		return up;
	}
	return connect_new(w, ep, cp);
}

void px_up_close(struct px_worker *w, struct px_up *up)
{
	if (up->dead)
		return;
	if (!up->owner) {
		struct px_pool *p = pool_of(w, &up->ep, false);

		if (p) {
			pool_unlink(p, up);
			px_stat_dec(&w->stats, PX_ST_US_CX_IDLE);
		}
	}
	up->dead = true;
	up->owner = NULL;
	close(up->ev.fd);
	up->next = w->dead_ups;
	w->dead_ups = up;
}

void px_up_release(struct px_worker *w, struct px_up *up, bool reusable)
{
	struct px_pool *p;

	/* Clean unless the server hung up, or its last read did not drain it (a full
	 * buffer, or an edge since: then a peek decides); never past its duration. */
	if (reusable && too_old(w, up)) {
		px_stat_inc(&w->stats, PX_ST_US_CX_MAX_DURATION);
		reusable = false;
	}
	if (reusable && !up->rdhup && (!up->rd || quiet(up->ev.fd)) && w->view &&
	    px_snapshot_has_endpoint(w->view->s, &up->ep)) {
		p = pool_of(w, &up->ep, true);
		if (p && p->nidle < PX_POOL_MAX_IDLE) {
			up->owner = NULL;
			up->idle_since = w->now_ms;
			up->idle_round = w->round;
			up->prev = NULL;
			up->next = p->idle;
			if (p->idle)
				p->idle->prev = up;
			p->idle = up;
			p->nidle++;
			px_stat_inc(&w->stats, PX_ST_US_CX_IDLE);
			return;
		}
	}
	up->owner = NULL;
	up->dead = true;
	close(up->ev.fd);
	up->next = w->dead_ups;
	w->dead_ups = up;
}

void px_up_idle_event(struct px_worker *w, struct px_up *up, uint32_t events)
{
	if (up->dead)
		return;
	/* An input edge may be stale: bytes that arrived while the connection served its
	 * last exchange and were read then, reported in the same round it was pooled. */
	if ((events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) ||
	    ((events & EPOLLIN) && !quiet(up->ev.fd)))
		px_up_close(w, up);
}

void px_pools_sweep(struct px_worker *w, const struct px_snapshot *s)
{
	struct px_pool *gone_pools = NULL;
	size_t it = 0;
	void *val;

	while (sl_htab_next(&w->pools, &it, NULL, NULL, &val)) {
		struct px_pool *p = val;
		bool gone = s && !px_snapshot_has_endpoint(s, &p->ep);
		struct px_up *up = p->idle, *next;

		for (; up; up = next) {
			next = up->next;
			int64_t idle = up->idle_ms ? up->idle_ms : PX_UPSTREAM_IDLE_MS;

			bool old = too_old(w, up);

			if (gone || old || w->now_ms - up->idle_since >= idle) {
				if (gone)
					px_stat_inc(&w->stats, PX_ST_US_CX_POOL_RETIRED);
				else if (old)
					px_stat_inc(&w->stats, PX_ST_US_CX_MAX_DURATION);
				px_up_close(w, up);
			}
		}
		if (gone) {
			/* Freed after the walk: the table may not change during it. Busy
			 * connections of the endpoint find no pool and are closed. */
			p->next_gone = gone_pools;
			gone_pools = p;
		}
	}
	while (gone_pools) {
		struct px_pool *p = gone_pools;

		gone_pools = p->next_gone;
		sl_htab_del(&w->pools, &p->ep, sizeof(p->ep));
		free(p);
	}
}

void px_pools_free(struct px_worker *w)
{
	size_t it = 0;
	void *val;

	while (sl_htab_next(&w->pools, &it, NULL, NULL, &val)) {
		struct px_pool *p = val;

		while (p->idle)
			px_up_close(w, p->idle);
		free(p);
	}
	sl_htab_free(&w->pools);
	px_up_reap(w);
}

void px_up_reap(struct px_worker *w)
{
	while (w->dead_ups) {
		struct px_up *up = w->dead_ups;

		w->dead_ups = up->next;
		free(up);
	}
}
