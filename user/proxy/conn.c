// SPDX-License-Identifier: Apache-2.0
/*
 * The downstream connection state machine (conn-t.h says how bytes move). Every step
 * returns whether it made progress; px_conn_run() repeats them until none does, which
 * with edge-triggered sockets means until every socket said EAGAIN or its buffer is
 * full. A step that ends the connection marks it dead; it is freed after the round.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common/log.h"
#include "proxy/batch_io.h"
#include "proxy/access_log.h"
#include "proxy/authz_http.h"
#include "proxy/conn.h"
#include "proxy/forward.h"
#include "proxy/http1.h"
#include "proxy/fault.h"
#include "proxy/conn_limit.h"
#include "proxy/cors.h"
#include "proxy/head_edit.h"
#include "proxy/lb.h"
#include "proxy/path_norm.h"
#include "proxy/regex.h"
#include "proxy/retry.h"
#include "proxy/rewrite.h"
#include "proxy/route.h"
#include "proxy/rq_account.h"
#include "proxy/snapshot.h"
#include "proxy/stats.h"
#include "proxy/upstream.h"
#include "proxy/worker.h"

#define SO_ORIGINAL_DST_ 80 /* also IP6T_SO_ORIGINAL_DST */
/* Room for what forward.c adds to a head (forwarding fields, Connection, Host). */
#define HEAD_EXTRA 2048

static const char body_no_orig[] =
	"this connection did not come through the sluice handoff (no original destination)";
static const char body_uf[] =
	"upstream connect error or disconnect/reset before headers. reset reason: connection failure";
static const char body_uc[] =
	"upstream connect error or disconnect/reset before headers. reset reason: connection termination";
static const char body_fault[] = "fault filter abort";
static const char body_ut[] = "upstream request timeout";
static const char body_uo[] = "upstream overflow: too many requests waiting for a connection";
static const char body_upe[] = "upstream sent a response the proxy could not read";

static void conn_run(struct px_conn *c);

static const struct sl_h1_limits *limits(const struct px_conn *c)
{
	return &c->w->cfg->limits;
}

/* --- buffers --- */

/* Moves the pending bytes of b to its start (closing a dechunking gap) when that
 * makes room; returns the free bytes at the end. */
static size_t make_room(struct px_ibuf *b)
{
	if (b->head == b->out && b->dec == b->in) {
		b->head = b->out = b->dec = b->in = 0;
	} else if (b->in == b->cap && (b->head > 0 || b->out < b->dec)) {
		size_t a = b->out - b->head, d = b->in - b->dec;

		memmove(b->p, b->p + b->head, a);
		memmove(b->p + a, b->p + b->dec, d);
		b->head = 0;
		b->out = b->dec = a;
		b->in = a + d;
	}
	return b->cap - b->in;
}

static void ibuf_reset(struct px_ibuf *b)
{
	b->head = b->out = b->dec = b->in = 0;
}

static bool obuf_empty(const struct px_obuf *o)
{
	return o->off == o->len;
}

/* The buffers of an exchange (the response input buffer and the two head buffers), in
 * one block from the worker's cache: taken when an exchange starts, given back when it
 * ends, so an idle keep-alive connection holds only its input buffer. */
static size_t xbuf_size(const struct px_conn *c)
{
	return limits(c)->max_head + 2 * (limits(c)->max_head + HEAD_EXTRA);
}

static int ensure_bufs(struct px_conn *c)
{
	size_t hc = limits(c)->max_head + HEAD_EXTRA;
	char *p;

	if (c->rb.p)
		return 0;
	p = px_worker_xbuf_get(c->w, xbuf_size(c));
	if (!p)
		return -ENOMEM;
	c->rb.p = p;
	c->rb.cap = limits(c)->max_head;
	c->uh.p = p + c->rb.cap;
	c->uh.cap = hc;
	c->dh.p = c->uh.p + hc;
	c->dh.cap = hc;
	return 0;
}

static void release_bufs(struct px_conn *c)
{
	px_worker_xbuf_put(c->w, c->rb.p);
	c->rb = (struct px_ibuf){ 0 };
	c->uh = (struct px_obuf){ 0 };
	c->dh = (struct px_obuf){ 0 };
}

/* o[off, len) then b[head, out) as iov (o may be NULL); returns how many pieces. */
static int out_iov(struct px_obuf *o, struct px_ibuf *b, struct iovec iov[2])
{
	int n = 0;

	if (o && !obuf_empty(o))
		iov[n++] = (struct iovec){ o->p + o->off, o->len - o->off };
	if (b->out > b->head)
		iov[n++] = (struct iovec){ b->p + b->head, b->out - b->head };
	return n;
}

/* Accounts w bytes of out_iov()'s pieces as written. */
static void out_advance(struct px_obuf *o, struct px_ibuf *b, size_t w)
{
	size_t ho = o ? o->len - o->off : 0;

	if (w <= ho) {
		o->off += w;
	} else {
		if (o)
			o->off = o->len;
		b->head += w - ho;
	}
}

/* Writes o[off, len) then b[head, out) to fd. Returns bytes written, 0 when there was
 * nothing to write or the socket is full (*ready cleared), or -errno. */
static ssize_t flush_to(int fd, struct px_obuf *o, struct px_ibuf *b, bool *ready)
{
	struct iovec iov[2];
	int n;
	ssize_t w;

	if (!*ready)
		return 0;
	n = out_iov(o, b, iov);
	if (!n)
		return 0;
	w = writev(fd, iov, n);
	if (w < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			*ready = false;
			return 0;
		}
		return errno == EINTR ? 0 : -errno;
	}
	out_advance(o, b, (size_t)w);
	return w;
}

/* Reads from fd into b. Returns 1 on progress (bytes, or EOF noted in *eof), 0 when
 * nothing could be read (EAGAIN clears *ready; a full buffer leaves it), or -errno.
 *
 * A read shorter than the room asked for means the socket is drained (a stream socket
 * returns what it holds): *ready is cleared then, without the read that would only
 * say EAGAIN; bytes that arrive later raise a new edge. Only a FIN already queued
 * behind those bytes raises none: `rdhup` (the peer's hang-up was in an event's mask)
 * keeps reading until EOF. */
static int fill_from(int fd, struct px_ibuf *b, bool *ready, bool *eof, bool rdhup)
{
	size_t room;
	ssize_t n;

	if (!*ready || *eof || !(room = make_room(b)))
		return 0;
	n = read(fd, b->p + b->in, room);
	if (n > 0) {
		b->in += (size_t)n;
		if ((size_t)n < room && !rdhup)
			*ready = false;
		return 1;
	}
	if (n == 0) {
		*eof = true;
		*ready = false;
		return 1;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK) {
		*ready = false;
		return 0;
	}
	return errno == EINTR ? 1 : -errno;
}

/* --- ending things --- */

static void copy_str(char *dst, size_t cap, size_t *len, struct sl_str s)
{
	*len = s.len < cap ? s.len : cap;
	if (*len)
		memcpy(dst, s.p, *len);
}

/* The request's endpoint as text, for a log line ("-" before one is picked). */
static const char *up_text(struct px_conn *c)
{
	if (!c->has_up)
		return "-";
	return px_addr_port_format(c->ep.addr, c->ep.port, c->up_text, sizeof(c->up_text));
}

static struct sl_str info_str(const char *p, size_t n)
{
	return (struct sl_str){ n ? p : NULL, n };
}

/* Logs and counts the exchange that is ending, if one began. */
static void account(struct px_conn *c)
{
	struct px_worker *w = c->w;
	struct px_log_entry e;
	char line[PX_LOG_LINE_MAX];
	size_t n;

	if (!c->start_mono)
		return;
	if (c->status >= 100 && c->status < 600)
		px_stat_inc(&w->stats, (enum px_stat)(PX_ST_DS_RQ_1XX + c->status / 100 - 1));
	px_stats_flags(&w->stats, c->flags);
	px_rq_account(c);
	if (w->cfg->access_log_fd >= 0) {
		e = (struct px_log_entry){
			.start_ms = c->start_wall,
			.peer = c->peer_text,
			.orig = c->has_orig ? c->orig_text : NULL,
			.upstream = c->has_up ? up_text(c) : NULL,
			.method = info_str(c->ri.method, c->ri.method_len),
			.authority = info_str(c->ri.authority, c->ri.authority_len),
			.path = info_str(c->ri.path, c->ri.path_len),
			.request_id = info_str(c->ri.rid, c->ri.rid_len),
			.route_name = c->route_name[0] ? c->route_name : NULL,
			.cluster = c->cluster[0] ? c->cluster : NULL,
			.version = c->version,
			.status = c->status,
			.flags = c->flags,
			.rx = c->rx,
			.tx = c->tx,
			.duration_ms = (uint64_t)(w->now_ms - c->start_mono),
		};
		n = px_access_log_format(&e, w->cfg->log_format, line, sizeof(line));
		px_worker_log(w, line, n);
	}
	c->start_mono = 0;
}

/* Closes c now; freed after the round. */
static void conn_close(struct px_conn *c)
{
	struct px_worker *w = c->w;

	if (c->dead)
		return;
	/* What a deferred write still holds for the client goes out now, as far as the
	 * socket takes it: undeferred, it would have been written before the step that
	 * ends the connection (a response cut short still reaches the client up to the
	 * cut). */
	if (c->flush_listed[1])
		flush_to(c->ev.fd, &c->dh, &c->rb, &c->wr);
	c->dead = true;
	px_slot_release(w, c);
	if (c->up) {
		px_up_close(w, c->up);
		c->up = NULL;
	}
	px_view_leave(w, c->view);
	c->view = NULL;
	close(c->ev.fd);
	if (c->prev)
		c->prev->next = c->next;
	else
		w->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = NULL;
	c->next = w->dead_conns;
	w->dead_conns = c;
	px_stat_dec(&w->stats, PX_ST_DS_CX_ACTIVE);
}

/* Ends the exchange and the connection because of `flags`: the response cannot be
 * completed (it had begun, or the client is gone). */
static void conn_abort_flags(struct px_conn *c, unsigned int flags)
{
	c->flags |= flags;
	account(c);
	conn_close(c);
}

void px_conn_drain(struct px_conn *c)
{
	char b;

	if (c->dead || c->rq != PX_RQ_HEAD || c->rs != PX_RS_NONE || c->ib.in != c->ib.dec)
		return;
	/* A request already on its way (not read yet) is answered, not cut off. */
	if (recv(c->ev.fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) > 0)
		return;
	conn_close(c);
}

void px_conn_abort(struct px_conn *c)
{
	conn_close(c);
}

/* Shuts down our sending side and discards what the client still sends, for at most
 * PX_LINGER_MS, so the response just sent is not destroyed by a reset. */
static void linger(struct px_conn *c)
{
	if (c->up) {
		px_up_close(c->w, c->up);
		c->up = NULL;
	}
	if (!c->shut_wr)
		shutdown(c->ev.fd, SHUT_WR);
	c->shut_wr = true;
	c->rq = PX_RQ_DRAIN;
	c->rs = PX_RS_NONE;
	ibuf_reset(&c->ib);
	c->deadline = c->w->now_ms + PX_LINGER_MS;
	if (c->eof)
		conn_close(c);
}

/* Gives back the in-flight count the try held on its endpoint (LEAST_REQUEST). */
static void release_active(struct px_conn *c)
{
	struct px_ep_state *st;

	if (!c->active_held)
		return;
	c->active_held = false;
	st = px_ep_state(c->w, &c->active_ep);
	if (st && st->active)
		st->active--;
}

static void exchange_reset(struct px_conn *c)
{
	c->status = c->flags = 0;
	c->hr = NULL;
	c->hd = NULL;
	c->fault_abort = 0;
	c->dest = NULL;
	c->rr = NULL;
	c->retries = 0;
	c->replayable = false;
	c->route_deadline = c->try_deadline = 0;
	release_active(c);
	px_slot_release(c->w, c);
	c->set_cookie[0] = '\0';
	c->route_name[0] = c->cluster[0] = '\0';
	c->rx = c->tx = 0;
	c->start_mono = c->start_wall = 0;
	c->has_up = false;
	memset(&c->ri, 0, sizeof(c->ri));
	c->version = 0;
	c->method = SL_HTTP_METHOD_OTHER;
	c->req_ka = c->dclose = c->up_reuse = c->dechunk = false;
	c->upgrade_req = c->resent = false;
	c->resp_started = c->resp_bytes = false;
	c->uh.off = c->uh.len = 0;
	c->dh.off = c->dh.len = 0;
	ibuf_reset(&c->rb);
}

/* The exchange is complete on both sides: log it, give the upstream connection back,
 * and wait for the next request or close. */
static void end_exchange(struct px_conn *c)
{
	struct px_worker *w = c->w;
	bool clean;

	account(c);
	if (c->up) {
		clean = c->up_reuse && c->rs == PX_RS_DONE && c->rq == PX_RQ_DONE &&
			c->rb.dec == c->rb.in && !c->up->eof && obuf_empty(&c->uh) &&
			c->ib.head == c->ib.out;
		/* The destination's connectionPool.http: requests per connection, idle time. */
		if (c->dest) {
			const struct sl_http_pool *hp = &c->dest->pool.http;

			if (hp->max_requests_per_connection &&
			    c->up->nreq >= hp->max_requests_per_connection)
				clean = false;
			c->up->idle_ms = (int64_t)((hp->idle_timeout_ns + 999999) / 1000000);
		}
		px_up_release(w, c->up, clean);
		c->up = NULL;
	}
	px_view_leave(w, c->view);
	c->view = NULL;
	if (c->dclose || c->eof || c->rs == PX_RS_TUNNEL ||
	    (w->draining && c->ib.in == c->ib.dec)) {
		exchange_reset(c);
		release_bufs(c);
		linger(c);
		return;
	}
	exchange_reset(c);
	release_bufs(c);
	c->rq = PX_RQ_HEAD;
	c->rs = PX_RS_NONE;
	sl_h1_parser_reset(&c->rqp, SL_HTTP_GET);
	/* The next request (pipelined or not) starts at the buffer's start. */
	c->ib.head = c->ib.out = c->ib.dec;
	make_room(&c->ib);
	if (c->ib.dec > 0) {
		size_t n = c->ib.in - c->ib.dec;

		memmove(c->ib.p, c->ib.p + c->ib.dec, n);
		c->ib.head = c->ib.out = c->ib.dec = 0;
		c->ib.in = n;
	}
	c->deadline = w->now_ms + w->cfg->idle_timeout_ms;
}

/* Answers the request with a response of the proxy's own (no byte of a final response
 * has been sent). The connection persists only when the whole request was read. */
static void local_reply(struct px_conn *c, int status, unsigned int flags, const char *body)
{
	bool close;
	int n;

	if (c->up) {
		px_up_close(c->w, c->up);
		c->up = NULL;
	}
	if (ensure_bufs(c)) {
		conn_abort_flags(c, flags);
		return;
	}
	close = c->rq != PX_RQ_DONE || !c->req_ka || c->eof || (flags & (PX_F_DPE | PX_F_NR)) ||
		c->w->draining;
	c->flags |= flags;
	c->status = (unsigned int)status;
	c->dclose = close;
	c->rq = PX_RQ_DONE;
	c->rs = PX_RS_LOCAL;
	c->deadline = 0;
	c->route_deadline = c->try_deadline = 0;
	c->resp_started = true;
	ibuf_reset(&c->rb);
	if (obuf_empty(&c->dh))
		c->dh.off = c->dh.len = 0;
	n = px_local_response(status, body, close, c->version == 10 && !close,
			      c->method == SL_HTTP_HEAD, c->ri.rid_len ? c->ri.rid : NULL,
			      c->dh.p + c->dh.len, c->dh.cap - c->dh.len);
	if (n < 0) {
		conn_abort_flags(c, 0);
		return;
	}
	c->dh.len += (size_t)n;
}

/* --- the request side --- */

static bool idempotent(enum sl_http_method m)
{
	return m == SL_HTTP_GET || m == SL_HTTP_HEAD || m == SL_HTTP_OPTIONS || m == SL_HTTP_PUT ||
	       m == SL_HTTP_DELETE || m == SL_HTTP_TRACE;
}

/* Connects (or takes a pooled connection) to c->ep for the exchange. */
static void attach_upstream(struct px_conn *c, bool fresh)
{
	struct px_worker *w = c->w;
	int r = px_slot_take(w, c, c->dest);

	if (r < 0) {
		local_reply(c, 503, PX_F_UO, body_uo);
		return;
	}
	if (r > 0) {
		c->rs = PX_RS_PENDING; /* resumed by px_conn_reap() when handed a slot */
		return;
	}
	c->up = px_up_get(w, &c->ep, fresh, c->dest ? &c->dest->pool : NULL);
	if (!c->up) {
		px_stat_inc(&w->stats, PX_ST_US_CX_CONNECT_FAIL);
		local_reply(c, 503, PX_F_UF, body_uf);
		return;
	}
	c->up->owner = c;
	c->up->nreq++;
	if (c->up->connected) {
		c->rs = PX_RS_HEAD;
	} else {
		c->rs = PX_RS_CONNECTING;
		/* connectionPool.tcp.connectTimeout of the destination, else --connect-timeout */
		c->deadline =
			w->now_ms +
			(c->dest && c->dest->pool.connect_timeout_ns
				 ? (int64_t)((c->dest->pool.connect_timeout_ns + 999999) / 1000000)
				 : (int64_t)w->cfg->connect_timeout_ms);
	}
}

/* Starts a try of the exchange: the route's deadline from the first, the per-try
 * deadline from each (retry.h), then the upstream connection. */
static void start_try(struct px_conn *c)
{
	struct px_worker *w = c->w;

	if (!c->route_deadline && c->hr && c->hr->timeout_ns)
		c->route_deadline = w->now_ms + (int64_t)((c->hr->timeout_ns + 999999) / 1000000);
	c->try_deadline = c->rp.per_try_ms ? w->now_ms + (int64_t)c->rp.per_try_ms : 0;
	if (c->dest && px_lb_least_request(&c->dest->lb)) {
		struct px_ep_state *st = px_ep_state(w, &c->ep);

		if (st) {
			st->active++;
			c->active_ep = c->ep;
			c->active_held = true;
		}
	}
	attach_upstream(c, false);
}

/* Starts the retry decided by retry(): the destination's next endpoint, a new try. */
static void retry_go(struct px_conn *c)
{
	struct px_worker *w = c->w;
	struct px_lb_req lr = { NULL, &c->peer };
	struct px_ep prev = c->ep;

	if (px_lb_pick(w, c->view->s, c->dest, c->rr, &lr, &c->ep, NULL, 0)) {
		local_reply(c, 503, PX_F_UH, "no healthy upstream");
		return;
	}
	/* The request was judged by the policies of its first endpoint's pod (its fields
	 * are gone now): it is only retried where the same policies apply. */
	if (px_authz_set_of(c->view->s, &c->ep) != c->azset)
		c->ep = prev;
	c->has_up = true;
	start_try(c);
}

/* A try ended by `cause` (status: the response's). When the policy retries it, an
 * attempt is left and the destination's maxRetries allows one more in flight, the
 * exchange starts again on the destination's next endpoint (after the backoff, when
 * one is written) and true is returned; when no attempt is left, the flag URX is set,
 * and over maxRetries the flag UO. */
static bool retry(struct px_conn *c, enum px_retry_cause cause, unsigned int status)
{
	struct px_worker *w = c->w;
	uint64_t wait;

	/* Every try that ends passes here: outlier detection counts it. */
	px_lb_report(w, c->dest, &c->ep, cause == PX_RETRY_STATUS ? status : 0);
	if (c->resp_started || !c->dest || !c->dest->nbe || !c->replayable ||
	    !px_retry_wants(&c->rp, cause, status))
		return false;
	if (c->retries >= c->rp.attempts) {
		if (c->rp.attempts)
			c->flags |= PX_F_URX;
		return false;
	}
	if (!px_retry_take(w, c, c->dest)) {
		c->flags |= PX_F_UO;
		px_stat_inc(&w->stats, PX_ST_US_RQ_RETRY_OVERFLOW);
		return false;
	}
	wait = 0;
	if (c->rp.backoff_ms)
		wait = px_retry_backoff_ms(c->rp.backoff_ms, c->retries, px_worker_rand32(w));
	c->retries++;
	px_stat_inc(&w->stats, PX_ST_US_RQ_RETRY);
	if (c->up) {
		px_up_close(w, c->up);
		c->up = NULL;
	}
	ibuf_reset(&c->rb);
	c->resp_bytes = false;
	c->uh.off = 0;
	sl_h1_parser_reset(&c->rsp, c->method);
	release_active(c);
	if (wait) {
		/* The connection's one deadline times the backoff, as it does a fault
		 * delay; the route's timeout still runs (px_conn_next_deadline). */
		px_stat_inc(&w->stats, PX_ST_US_RQ_RETRY_BACKOFF);
		c->rs = PX_RS_BACKOFF;
		c->try_deadline = 0;
		c->deadline = w->now_ms + (int64_t)wait;
		return true;
	}
	retry_go(c);
	return true;
}

/* Answers with the redirect of the http route taken (a Location field added to a
 * local response without a body). */
static void redirect_reply(struct px_conn *c, const struct sl_http_redirect *rd,
			   const struct sl_http_msg *m)
{
	struct px_head_edit e = { .add_name = "location" };
	char loc[4096];
	size_t before = obuf_empty(&c->dh) ? 0 : c->dh.len, n;

	if (px_redirect_location(rd, m, c->orig_port, loc, sizeof(loc)) < 0) {
		local_reply(c, 431, 0, "redirect location too long");
		return;
	}
	e.add_value = loc;
	local_reply(c, px_redirect_status(rd), 0, NULL);
	if (c->rs != PX_RS_LOCAL)
		return;
	n = c->dh.len - before;
	if (px_head_edit(c->dh.p + before, &n, c->dh.cap - before, &e)) {
		conn_abort_flags(c, 0);
		return;
	}
	c->dh.len = before + n;
}

/* Answers a CORS preflight (cors.h): a local 200 with the policy's fields. */
static void cors_reply(struct px_conn *c, const struct sl_http_cors *cp,
		       const struct sl_http_msg *m)
{
	struct px_cors_ops co;
	struct px_head_edit e = { 0 };
	size_t before = obuf_empty(&c->dh) ? 0 : c->dh.len, n;

	px_cors_preflight_ops(cp, &c->cors, m, &co);
	e.ops[0] = &co.ops;
	local_reply(c, 200, 0, NULL);
	if (c->rs != PX_RS_LOCAL)
		return;
	n = c->dh.len - before;
	if (px_head_edit(c->dh.p + before, &n, c->dh.cap - before, &e)) {
		conn_abort_flags(c, 0);
		return;
	}
	c->dh.len = before + n;
}

/* The route's rewrite and request header operations, on the head written for
 * upstream in uh. Returns 0, or -ENOSPC/-ENOMEM: it does not fit. */
static int edit_request(struct px_conn *c, const struct px_route *rt, const struct sl_http_msg *m)
{
	const struct sl_http_route *hr = rt->http;
	struct px_head_edit e = { 0 };
	const struct sl_regex_rewrite *rr = &hr->rewrite.uri_regex;
	char target[SL_H1_MAX_URI_DEFAULT + 512];
	size_t len = c->uh.len;
	int k = 0, ret, n;

	/* The pattern was compiled for a search with the snapshot (route_check.c). */
	if (rr->match) {
		const void *rx = px_snapshot_regex(c->view->s, rr->match);

		n = px_rewrite_regex(rx, rr->rewrite, m->path, target, sizeof(target));
	} else {
		n = px_rewrite_target(hr, rt->match, m->path, target, sizeof(target));
	}

	if (n < 0)
		return n;
	e.target = (struct sl_str){ n ? target : NULL, (size_t)n };
	if (hr->rewrite.authority)
		e.host = (struct sl_str){ hr->rewrite.authority, strlen(hr->rewrite.authority) };
	if (rt->http_dest)
		e.ops[k++] = &rt->http_dest->headers.request;
	e.ops[k] = &hr->headers.request;
	ret = px_head_edit(c->uh.p, &len, c->uh.cap, &e);
	if (ret)
		return ret;
	c->uh.len = len;
	return 0;
}

/* A small request body that arrived with its head (Content-Length, at most
 * PX_RETRY_BODY_MAX bytes, no 100-continue) moves into uh behind the rewritten head:
 * the request is then complete in uh and can be sent again whole by a retry
 * (retry.h). Larger or later bodies are streamed, and such requests not retried. */
static void buffer_body(struct px_conn *c, const struct sl_h1_head *h)
{
	size_t n;

	if (c->rq != PX_RQ_BODY || h->body != SL_H1_BODY_LENGTH || sl_h1_expects_continue(h) ||
	    h->length > PX_RETRY_BODY_MAX || c->ib.in - c->ib.dec < h->length ||
	    c->uh.cap - c->uh.len < h->length)
		return;
	n = (size_t)h->length;
	memcpy(c->uh.p + c->uh.len, c->ib.p + c->ib.dec, n);
	c->uh.len += n;
	c->ib.dec += n;
	c->ib.head = c->ib.out = c->ib.dec;
	c->rx += n;
	c->rq = PX_RQ_DONE;
}

/* A complete request head h: route it, rewrite it for upstream, start the exchange. */
static int start_request(struct px_conn *c, const struct sl_h1_head *received)
{
	struct px_worker *w = c->w;
	/* The head with its path normalized (path_norm.h): what policies check, routes
	 * match and the backend receives. */
	struct sl_h1_head nh = *received;
	const struct sl_h1_head *h = &nh;
	const struct sl_http_msg *m = &nh.msg;
	const char *why;
	struct px_route route;
	struct px_lb_req lr;
	struct px_fwd_req f;
	char rid[PX_UUID_LEN];
	uint8_t rnd[16];
	struct sl_str fid;
	int n, r;

	px_stat_inc(&w->stats, PX_ST_DS_RQ_TOTAL);
	if (ensure_bufs(c)) {
		pr_warn("%s: out of memory: connection closed", c->peer_text);
		conn_close(c);
		return 1;
	}
	c->nreq++;
	c->deadline = 0;
	c->method = m->method;
	c->version = h->version;
	c->req_ka = sl_h1_keep_alive(h);
	c->upgrade_req = sl_h1_is_upgrade(h);
	copy_str(c->ri.method, sizeof(c->ri.method), &c->ri.method_len, m->method_name);
	copy_str(c->ri.authority, sizeof(c->ri.authority), &c->ri.authority_len, m->authority);
	copy_str(c->ri.path, sizeof(c->ri.path), &c->ri.path_len, m->path);
	c->ib.dec += h->len;
	c->ib.head = c->ib.out = c->ib.dec;
	sl_h1_body_init_head(&c->rqb, &c->rqp, h);
	c->rq = h->body == SL_H1_BODY_NONE || (h->body == SL_H1_BODY_LENGTH && !h->length)
			? PX_RQ_DONE
			: PX_RQ_BODY;
	c->view = px_view_enter(w);
	if (px_head_normalize_path(&nh, &why)) {
		pr_debug("%s: path refused: %s", c->peer_text, why);
		local_reply(c, 400, 0, "Bad Request");
		return 1;
	}
	copy_str(c->ri.path, sizeof(c->ri.path), &c->ri.path_len, m->path);

	px_worker_random16(w, rnd);
	px_uuid4(rnd, rid);
	f = (struct px_fwd_req){ .client_addr = c->peer_addr,
				 .proto = "http",
				 .host_fallback = c->orig_text,
				 .request_id = rid };
	n = px_fwd_request_head(h, &f, c->uh.p, c->uh.cap, &fid);
	copy_str(c->ri.rid, sizeof(c->ri.rid), &c->ri.rid_len, fid);
	if (m->method == SL_HTTP_CONNECT) {
		local_reply(c, 501, 0, "CONNECT is not supported");
		return 1;
	}
	if (n < 0) {
		local_reply(c, 431, 0, "request head too large once forwarded");
		return 1;
	}
	c->uh.off = 0;
	c->uh.len = (size_t)n;

	r = px_route_pick(c->view->s, &c->orig, c->orig_port, &c->peer, m, px_worker_rand32(w),
			  &route);
	c->hr = route.http;
	c->hd = route.http_dest;
	if (route.http && route.http->name)
		snprintf(c->route_name, sizeof(c->route_name), "%s", route.http->name);
	if (route.dest)
		px_route_cluster(route.dest, c->cluster, sizeof(c->cluster));
	c->cors.verdict = PX_CORS_NONE;
	/* The route's corsPolicy comes before its destination is used (Envoy's CORS
	 * filter runs before the router): a preflight is answered here. */
	if (route.http && route.http->cors.set) {
		px_cors_request(c->view->s, &route.http->cors, m, &c->cors);
		if (c->cors.verdict == PX_CORS_PREFLIGHT) {
			cors_reply(c, &route.http->cors, m);
			return 1;
		}
	}
	if (r == PX_ROUTE_REDIRECT) {
		redirect_reply(c, &route.http->redirect, m);
		return 1;
	}
	if (r) {
		local_reply(c, route.status, route.flags, route.body);
		return 1;
	}
	if (route.http && edit_request(c, &route, m)) {
		local_reply(c, 431, 0, "request head too large once rewritten");
		return 1;
	}
	c->dest = route.dest;
	c->rr = route.rr;
	lr = (struct px_lb_req){ m, &c->peer };
	if (px_lb_pick(w, c->view->s, route.dest, route.rr, &lr, &route.ep, c->set_cookie,
		       sizeof(c->set_cookie))) {
		local_reply(c, 503, PX_F_UH, "no healthy upstream");
		return 1;
	}
	c->ep = route.ep;
	/* The destination workload's AuthorizationPolicies (authz_http-t.h). */
	c->azset = px_authz_set_of(c->view->s, &c->ep);
	if (!px_authz_request(w, c->view->s, &c->peer, &c->ep, c->uh.p, c->uh.len, m)) {
		local_reply(c, 403, PX_F_RBAC, "RBAC: access denied");
		return 1;
	}
	px_retry_policy(route.http, &c->rp);
	/* Only a request complete in uh can be sent again: without a body, or with a
	 * small one buffered; a streamed body is not kept. */
	buffer_body(c, h);
	c->replayable = c->rq == PX_RQ_DONE && !c->upgrade_req;
	c->has_up = true;
	sl_h1_parser_reset(&c->rsp, c->method);
	if (route.http && route.http->fault.set) {
		struct px_fault ft = px_fault_decide(&route.http->fault, px_worker_rand32(w),
						     px_worker_rand32(w));

		if (ft.delay_ms) {
			/* The connection's one deadline times the delay (checked every
			 * timer tick: the delay is at least fixedDelay). */
			c->flags |= PX_F_DI;
			c->fault_abort = ft.abort_status;
			c->rs = PX_RS_DELAY;
			c->deadline = w->now_ms + (int64_t)ft.delay_ms;
			return 1;
		}
		if (ft.abort_status) {
			local_reply(c, ft.abort_status, PX_F_FI, body_fault);
			return 1;
		}
	}
	start_try(c);
	return 1;
}

/* Waits for a whole request head, answers a refused one, starts the exchange. */
static int req_head_step(struct px_conn *c)
{
	struct px_worker *w = c->w;
	struct sl_h1_head h;
	int r;

	if (c->ib.dec == c->ib.in) {
		if (c->eof)
			conn_close(c); /* between requests: a normal end */
		return 0;
	}
	if (!c->start_mono) {
		c->start_mono = w->now_ms;
		c->start_wall = w->wall_ms;
		if (c->nreq)
			c->deadline = w->now_ms + w->cfg->header_timeout_ms;
	}
	r = sl_h1_parse_head(&c->rqp, c->ib.p + c->ib.dec, c->ib.in - c->ib.dec, &h);
	if (r == -EAGAIN) {
		if (c->eof)
			conn_close(c); /* a truncated head: nothing to answer */
		return 0;
	}
	if (r) {
		char body[96];

		px_stat_inc(&w->stats, PX_ST_DS_RQ_TOTAL);
		px_stat_inc(&w->stats, PX_ST_DS_RQ_PARSE_ERROR);
		pr_debug("%s: request refused: %s", c->peer_text, sl_h1_err_name(c->rqp.err));
		snprintf(body, sizeof(body), "bad request: %s", sl_h1_err_name(c->rqp.err));
		c->rq = PX_RQ_DONE;
		local_reply(c, c->rqp.reply_status, PX_F_DPE, body);
		return 1;
	}
	return start_request(c, &h);
}

/* Delimits the request body in ib; what is decoded is ready for upstream, framing and
 * all. */
static int req_body_step(struct px_conn *c)
{
	struct sl_h1_body_out o;
	int progress = 0, r;

	while (c->ib.dec < c->ib.in) {
		r = sl_h1_body_decode(&c->rqb, c->ib.p + c->ib.dec, c->ib.in - c->ib.dec, &o);
		if (r == -EBADMSG) {
			char body[96];

			px_stat_inc(&c->w->stats, PX_ST_DS_RQ_PARSE_ERROR);
			if (c->resp_started) {
				conn_abort_flags(c, PX_F_DPE);
				return 1;
			}
			snprintf(body, sizeof(body), "bad request: %s", sl_h1_err_name(c->rqb.err));
			local_reply(c, c->rqb.reply_status, PX_F_DPE, body);
			return 1;
		}
		c->ib.dec += o.consumed;
		c->ib.out = c->ib.dec;
		c->rx += o.data_len;
		progress = 1;
		if (r == 0) {
			c->rq = PX_RQ_DONE;
			return 1;
		}
	}
	if (c->eof) {
		/* The client went away in the middle of its request body. */
		conn_abort_flags(c, PX_F_DC);
		return 1;
	}
	return progress;
}

/* The request side: head, body, or tunnel bytes. */
static int req_step(struct px_conn *c)
{
	switch (c->rq) {
	case PX_RQ_HEAD:
		return c->rs == PX_RS_NONE ? req_head_step(c) : 0;
	case PX_RQ_BODY:
		return c->rs == PX_RS_LOCAL ? 0 : req_body_step(c);
	case PX_RQ_TUNNEL:
		if (c->ib.dec == c->ib.in)
			return 0;
		c->rx += c->ib.in - c->ib.dec;
		c->ib.dec = c->ib.out = c->ib.in;
		return 1;
	default:
		return 0;
	}
}

/* --- the upstream side --- */

/* The upstream connection failed or closed before the response was complete. */
static void upstream_lost(struct px_conn *c, unsigned int flag)
{
	struct px_worker *w = c->w;

	if (c->resp_started) {
		conn_abort_flags(c, flag);
		return;
	}
	/* A pooled connection the server closed just as the request went out (the
	 * keep-alive race of RFC 9112 section 9.3.1): sent again, once, on a new
	 * connection, when nothing of the request but its head is gone. */
	if (c->up && c->up->reused && !c->resent && !c->resp_bytes && idempotent(c->method) &&
	    c->rqb.kind == SL_H1_BODY_NONE) {
		px_up_close(w, c->up);
		c->up = NULL;
		c->resent = true;
		c->uh.off = 0;
		px_stat_inc(&w->stats, PX_ST_US_RQ_RESEND);
		attach_upstream(c, true);
		return;
	}
	if (retry(c, flag == PX_F_UF ? PX_RETRY_CONNECT_FAIL : PX_RETRY_RESET, 0))
		return;
	local_reply(c, 503, flag, flag == PX_F_UF ? body_uf : body_uc);
}

/* A non-blocking connect() finished: connected, or 503 UF. */
static int connect_step(struct px_conn *c)
{
	struct px_up *up = c->up;
	socklen_t len = sizeof(int);
	int e = 0;

	if (c->rs != PX_RS_CONNECTING || (!up->wr && !up->hup))
		return 0;
	if (getsockopt(up->ev.fd, SOL_SOCKET, SO_ERROR, &e, &len) || e || up->hup) {
		pr_debug("%s: connect to %s: %s", c->peer_text, up_text(c),
			 strerror(e ? e : ECONNRESET));
		px_stat_inc(&c->w->stats, PX_ST_US_CX_CONNECT_FAIL);
		if (!retry(c, PX_RETRY_CONNECT_FAIL, 0))
			local_reply(c, 503, PX_F_UF, body_uf);
		return 1;
	}
	up->connected = true;
	c->rs = PX_RS_HEAD;
	c->deadline = 0;
	return 1;
}

/* Whether c's write `which` (0: upstream, 1: to the client) waits for the end of the
 * round: while the round's events run, connections with bytes to send are listed on
 * w->flushq[which] instead, and px_conn_flush()
 * sends them all after the last event. The reads of a round then come before its
 * writes, as in HAProxy's loop: a peer woken by one write (the load generator or a
 * client on this CPU) does not preempt the proxy between every read and write, and
 * finds all its responses at once when it runs. Requests go upstream before
 * responses go to clients, so that servers on other CPUs start on them first. */
static bool write_deferred(struct px_conn *c, int which)
{
	struct px_worker *w = c->w;

	if (!w->defer_writes)
		return false;
	if (!c->flush_listed[which]) {
		c->flush_listed[which] = true;
		c->flush_next[which] = w->flushq[which];
		w->flushq[which] = c;
	}
	return true;
}

/* The socket, buffers and readiness of c's write `which` (0: the request upstream,
 * 1: the response to the client); false when that side has nowhere to write (set
 * only then). */
static bool write_side(struct px_conn *c, int which, int *fd, struct px_obuf **o,
		       struct px_ibuf **b, bool **ready)
{
	struct px_up *up = c->up;

	if (which == 0) {
		if (!up || !up->connected || up->wr_failed || c->rs == PX_RS_LOCAL)
			return false;
		*fd = up->ev.fd;
		*o = &c->uh;
		*b = &c->ib;
		*ready = &up->wr;
	} else {
		*fd = c->ev.fd;
		*o = &c->dh;
		*b = &c->rb;
		*ready = &c->wr;
	}
	return true;
}

/* write_side(), when it has bytes to send and the socket room. */
static bool write_target(struct px_conn *c, int which, int *fd, struct px_obuf **o,
			 struct px_ibuf **b, bool **ready)
{
	return write_side(c, which, fd, o, b, ready) && **ready &&
	       (!obuf_empty(*o) || (*b)->out > (*b)->head);
}

/* c's write `which` (write_side()): a failed batched write's error, else nothing
 * while the round's events run (c is listed for px_conn_flush()), else flush_to(). */
static ssize_t side_write(struct px_conn *c, int which)
{
	struct px_obuf *o;
	struct px_ibuf *b;
	bool *ready;
	ssize_t n = c->write_err[which];
	int fd;

	if (n) {
		c->write_err[which] = 0; /* px_conn_flush()'s batched write failed */
		return n;
	}
	if (!write_side(c, which, &fd, &o, &b, &ready))
		return 0;
	if (*ready && (!obuf_empty(o) || b->out > b->head) && write_deferred(c, which))
		return 0;
	return flush_to(fd, o, b, ready);
}

/* Sends the rewritten request head, then the body bytes ready in ib. */
static int up_write(struct px_conn *c)
{
	struct px_up *up = c->up;
	ssize_t n;

	if (!up || !up->connected || up->wr_failed || c->rs == PX_RS_LOCAL)
		return 0;
	n = side_write(c, 0);
	if (n < 0) {
		/* The server stopped reading: it may have answered (a 413, say) and
		 * closed. What it sent is read before anything is decided; the rest of
		 * the request is dropped, and neither connection is kept. */
		up->wr_failed = up->shut_wr = true;
		up->rd = true;
		c->ib.head = c->ib.out;
		c->uh.off = c->uh.len;
		if (c->rq == PX_RQ_BODY)
			c->rq = PX_RQ_DONE;
		c->dclose = true;
		c->up_reuse = false;
		return 1;
	}
	if (c->rq == PX_RQ_TUNNEL && c->eof && c->ib.head == c->ib.out && !up->shut_wr) {
		shutdown(up->ev.fd, SHUT_WR);
		up->shut_wr = true;
	}
	return n > 0;
}

/* Reads the response into rb while one is expected. */
static int up_read(struct px_conn *c)
{
	struct px_up *up = c->up;
	size_t before = c->rb.in;
	int r;

	if (!up || !up->connected ||
	    (c->rs != PX_RS_HEAD && c->rs != PX_RS_BODY && c->rs != PX_RS_TUNNEL))
		return 0;
	r = fill_from(up->ev.fd, &c->rb, &up->rd, &up->eof, up->rdhup);
	if (r < 0) {
		upstream_lost(c, PX_F_UC);
		return 1;
	}
	if (c->rb.in > before)
		c->resp_bytes = true;
	return r;
}

/* The http route's response header operations and corsPolicy fields on the n bytes
 * of head just written at dh.len. Returns the new length, or -ENOSPC/-ENOMEM. */
static int edit_response(struct px_conn *c, size_t n)
{
	struct px_head_edit e = { 0 };
	struct px_cors_ops co;
	int k = 0, ret;

	if (c->hd)
		e.ops[k++] = &c->hd->headers.response;
	if (c->hr)
		e.ops[k++] = &c->hr->headers.response;
	if (c->hr && c->cors.verdict == PX_CORS_ACTUAL) {
		px_cors_response_ops(&c->hr->cors, &c->cors, &co);
		e.ops[k] = &co.ops;
	}
	if (c->set_cookie[0]) {
		e.add_name = "set-cookie";
		e.add_value = c->set_cookie;
	}
	ret = px_head_edit(c->dh.p + c->dh.len, &n, c->dh.cap - c->dh.len, &e);
	return ret ? ret : (int)n;
}

/* A complete response head h. */
static int response_head(struct px_conn *c, const struct sl_h1_head *h)
{
	struct px_worker *w = c->w;
	struct px_fwd_resp f = { 0 };
	unsigned int st = h->msg.status;
	int n;

	if (obuf_empty(&c->dh))
		c->dh.off = c->dh.len = 0;
	if (h->flags & SL_H1_F_INTERIM) {
		c->rb.dec += h->len;
		c->rb.head = c->rb.out = c->rb.dec;
		/* 1xx responses are not for HTTP/1.0 clients (RFC 9110 section 15.2). */
		if (c->version == 11) {
			n = px_fwd_response_head(h, &f, c->dh.p + c->dh.len, c->dh.cap - c->dh.len);
			if (n > 0)
				c->dh.len += (size_t)n;
		}
		sl_h1_parser_reset(&c->rsp, c->method);
		return 1;
	}
	if (h->flags & SL_H1_F_TUNNEL) {
		if (!c->upgrade_req || st != 101 || c->rq != PX_RQ_DONE) {
			local_reply(c, 502, PX_F_UPE, body_upe);
			return 1;
		}
		n = px_fwd_response_head(h, &f, c->dh.p + c->dh.len, c->dh.cap - c->dh.len);
		if (n < 0) {
			local_reply(c, 502, PX_F_UPE, body_upe);
			return 1;
		}
		c->dh.len += (size_t)n;
		c->status = st;
		c->resp_started = true;
		c->rb.dec += h->len;
		c->rb.head = c->rb.out = c->rb.dec;
		c->rs = PX_RS_TUNNEL;
		c->rq = PX_RQ_TUNNEL;
		px_stat_inc(&w->stats, PX_ST_UPGRADES);
		return 1;
	}
	/* A final answer before the whole request body went through (a 413 to an
	 * upload, or an answer to a client holding its body back for a 100 that never
	 * came): whether the rest of the body follows, and whether the server reads it,
	 * neither side can know, so both connections end after this response (the body
	 * is still forwarded while the response lasts: full-duplex servers work). */
	bool early = c->rq != PX_RQ_DONE;

	if (retry(c, PX_RETRY_STATUS, st))
		return 1;

	c->dechunk = c->version == 10 && h->body == SL_H1_BODY_CHUNKED;
	c->dclose = c->dclose || !c->req_ka || h->body == SL_H1_BODY_CLOSE || c->dechunk || early ||
		    c->eof || c->w->draining;
	c->up_reuse = sl_h1_keep_alive(h) && !early && !c->up->wr_failed;
	f.close = c->dclose;
	f.keep_alive_10 = c->version == 10 && !c->dclose;
	f.dechunk = c->dechunk;
	n = px_fwd_response_head(h, &f, c->dh.p + c->dh.len, c->dh.cap - c->dh.len);
	if (n >= 0 && (c->hr || c->set_cookie[0]))
		n = edit_response(c, (size_t)n);
	if (n < 0) {
		local_reply(c, 502, PX_F_UPE, body_upe);
		return 1;
	}
	c->dh.len += (size_t)n;
	c->status = st;
	c->resp_started = true;
	c->rb.dec += h->len;
	c->rb.head = c->rb.out = c->rb.dec;
	sl_h1_body_init_head(&c->rsb, &c->rsp, h);
	c->rs = h->body == SL_H1_BODY_NONE || (h->body == SL_H1_BODY_LENGTH && !h->length)
			? PX_RS_DONE
			: PX_RS_BODY;
	return 1;
}

/* Delimits the response body in rb (removing chunk framing for HTTP/1.0 clients). */
static int resp_body_step(struct px_conn *c)
{
	struct sl_h1_body_out o;
	int progress = 0, r;

	while (c->rb.dec < c->rb.in) {
		r = sl_h1_body_decode(&c->rsb, c->rb.p + c->rb.dec, c->rb.in - c->rb.dec, &o);
		if (r == -EBADMSG) {
			conn_abort_flags(c, PX_F_UPE);
			return 1;
		}
		if (c->dechunk) {
			if (o.data_len)
				memmove(c->rb.p + c->rb.out, o.data, o.data_len);
			c->rb.out += o.data_len;
			c->rb.dec += o.consumed;
		} else {
			c->rb.dec += o.consumed;
			c->rb.out = c->rb.dec;
		}
		c->tx += o.data_len;
		progress = 1;
		if (r == 0) {
			c->rs = PX_RS_DONE;
			return 1;
		}
	}
	if (c->up->eof) {
		if (sl_h1_body_at_eof(&c->rsb)) {
			c->rs = PX_RS_DONE; /* delimited by the close */
			c->up_reuse = false;
		} else {
			conn_abort_flags(c, PX_F_UC); /* truncated */
		}
		return 1;
	}
	return progress;
}

/* The response side: connect, head, body, or tunnel bytes. */
static int resp_step(struct px_conn *c)
{
	struct sl_h1_head h;
	int r;

	switch (c->rs) {
	case PX_RS_CONNECTING:
		return connect_step(c);
	case PX_RS_HEAD:
		if (c->rb.dec == c->rb.in) {
			if (c->up->eof || c->up->hup) {
				upstream_lost(c, PX_F_UC);
				return 1;
			}
			return 0;
		}
		r = sl_h1_parse_head(&c->rsp, c->rb.p + c->rb.dec, c->rb.in - c->rb.dec, &h);
		if (r == -EAGAIN) {
			if (c->up->eof) {
				upstream_lost(c, PX_F_UC);
				return 1;
			}
			return 0;
		}
		if (r) {
			pr_debug("%s: response from %s refused: %s", c->peer_text, up_text(c),
				 sl_h1_err_name(c->rsp.err));
			local_reply(c, 502, PX_F_UPE, body_upe);
			return 1;
		}
		r = response_head(c, &h);
		/* The body bytes that came with the head are delimited now, so that
		 * down_write() sends head and body in one writev(). */
		if (!c->dead && c->rs == PX_RS_BODY)
			resp_body_step(c);
		return r;
	case PX_RS_BODY:
		return resp_body_step(c);
	case PX_RS_TUNNEL:
		if (c->rb.dec == c->rb.in)
			return 0;
		c->tx += c->rb.in - c->rb.dec;
		c->rb.dec = c->rb.out = c->rb.in;
		return 1;
	default:
		return 0;
	}
}

/* --- the downstream side --- */

/* Reads the client into ib (or discards its input while lingering). */
static int down_read(struct px_conn *c)
{
	char discard[4096];
	ssize_t n;
	int r;

	if (c->rq == PX_RQ_DRAIN) {
		if (!c->rd)
			return 0;
		n = read(c->ev.fd, discard, sizeof(discard));
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			conn_close(c);
			return 1;
		}
		/* drained as in fill_from(): a short read, unless a FIN is queued */
		if ((n < 0 && errno == EAGAIN) ||
		    (n > 0 && n < (ssize_t)sizeof(discard) && !c->rdhup))
			c->rd = false;
		return n > 0;
	}
	if (c->rs == PX_RS_LOCAL && c->rq == PX_RQ_DONE)
		return 0; /* the rest is discarded in the drain */
	r = fill_from(c->ev.fd, &c->ib, &c->rd, &c->eof, c->rdhup);
	if (r < 0) {
		pr_debug("%s: read: %s", c->peer_text, strerror(-r));
		conn_abort_flags(c, c->rs != PX_RS_NONE ? PX_F_DC : 0);
		return 1;
	}
	return r;
}

/* Sends the heads in dh, then the body bytes ready in rb, to the client. */
static int down_write(struct px_conn *c)
{
	ssize_t n = side_write(c, 1);

	if (n < 0) {
		pr_debug("%s: write: %s", c->peer_text, strerror((int)-n));
		conn_abort_flags(c, PX_F_DC);
		return 1;
	}
	if (c->rs == PX_RS_TUNNEL && c->up && c->up->eof && c->rb.head == c->rb.out &&
	    obuf_empty(&c->dh) && !c->shut_wr) {
		shutdown(c->ev.fd, SHUT_WR);
		c->shut_wr = true;
	}
	return n > 0;
}

/* Whether the exchange is over, and if so, ends it. */
static int end_step(struct px_conn *c)
{
	bool flushed = obuf_empty(&c->dh) && c->rb.head == c->rb.out;
	bool req_sent;

	if (!flushed)
		return 0;
	switch (c->rs) {
	case PX_RS_LOCAL:
		end_exchange(c);
		return 1;
	case PX_RS_DONE:
		req_sent = c->rq == PX_RQ_DONE && obuf_empty(&c->uh) && c->ib.head == c->ib.out;
		if (!req_sent && !c->dclose)
			return 0; /* the request body is still on its way upstream */
		end_exchange(c);
		return 1;
	case PX_RS_TUNNEL:
		if (!c->shut_wr || !c->up || !c->up->shut_wr)
			return 0;
		end_exchange(c);
		return 1;
	default:
		return 0;
	}
}

/* The steps of an exchange, in the order one pass runs them. */
static int (*const conn_steps[])(struct px_conn *c) = {
	down_read, req_step, up_write, up_read, resp_step, down_write, end_step,
};

/* Runs every step until none makes progress or the connection is gone. */
static void conn_run(struct px_conn *c)
{
	int p;

	do {
		p = 0;
		for (size_t i = 0; i < sizeof(conn_steps) / sizeof(conn_steps[0]); i++) {
			p |= conn_steps[i](c);
			if (c->dead)
				return;
		}
	} while (p);
}

void px_conn_event(struct px_conn *c, uint32_t events)
{
	if (c->dead)
		return;
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		c->rd = true;
	if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		c->rdhup = true;
	if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR))
		c->wr = true;
	conn_run(c);
}

void px_conn_up_event(struct px_conn *c, uint32_t events)
{
	struct px_up *up = c->up;

	if (c->dead || !up)
		return;
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		up->rd = true;
	if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		up->rdhup = true;
	if (events & EPOLLOUT)
		up->wr = true;
	if (events & (EPOLLHUP | EPOLLERR))
		up->hup = true;
	conn_run(c);
}

/* The route's timeout or a per-try timeout expired (retry.h): the try is retried,
 * else answered 504 UT (or, once the response started, the connections are cut). */
static void request_timeout(struct px_conn *c)
{
	struct px_worker *w = c->w;
	bool whole = c->route_deadline && c->route_deadline <= w->now_ms;

	c->try_deadline = 0;
	if (!whole && retry(c, PX_RETRY_TIMEOUT, 0))
		return;
	c->route_deadline = 0;
	if (c->resp_started)
		conn_abort_flags(c, PX_F_UT);
	else
		local_reply(c, 504, PX_F_UT, body_ut);
}

int64_t px_conn_next_deadline(const struct px_conn *c)
{
	int64_t d = c->deadline;
	bool upstream = c->rs == PX_RS_CONNECTING || c->rs == PX_RS_HEAD || c->rs == PX_RS_BODY ||
			c->rs == PX_RS_PENDING || c->rs == PX_RS_BACKOFF;

	if (upstream && c->route_deadline && (!d || c->route_deadline < d))
		d = c->route_deadline;
	if (upstream && c->try_deadline && (!d || c->try_deadline < d))
		d = c->try_deadline;
	return d;
}

void px_conn_timeout(struct px_conn *c)
{
	struct px_worker *w = c->w;
	bool upstream = c->rs == PX_RS_CONNECTING || c->rs == PX_RS_HEAD || c->rs == PX_RS_BODY ||
			c->rs == PX_RS_PENDING || c->rs == PX_RS_BACKOFF;

	if (c->dead)
		return;
	if (upstream && ((c->route_deadline && c->route_deadline <= w->now_ms) ||
			 (c->try_deadline && c->try_deadline <= w->now_ms))) {
		request_timeout(c);
		conn_run(c);
		return;
	}
	if (!c->deadline || w->now_ms < c->deadline)
		return;
	c->deadline = 0;
	if (c->rq == PX_RQ_DRAIN) {
		conn_close(c);
		return;
	}
	if (c->rs == PX_RS_BACKOFF) {
		retry_go(c);
	} else if (c->rs == PX_RS_DELAY) {
		if (c->fault_abort)
			local_reply(c, c->fault_abort, PX_F_FI, body_fault);
		else
			start_try(c);
	} else if (c->rs == PX_RS_CONNECTING) {
		px_stat_inc(&w->stats, PX_ST_US_CX_CONNECT_TIMEOUT);
		px_stat_inc(&w->stats, PX_ST_US_CX_CONNECT_FAIL);
		if (!retry(c, PX_RETRY_CONNECT_FAIL, 0))
			local_reply(c, 503, PX_F_UF, body_uf);
	} else if (c->rq == PX_RQ_HEAD && c->rs == PX_RS_NONE) {
		if (c->ib.in == c->ib.dec) {
			px_stat_inc(&w->stats, PX_ST_DS_IDLE_TIMEOUT);
			conn_close(c);
			return;
		}
		px_stat_inc(&w->stats, PX_ST_DS_RQ_TOTAL);
		px_stat_inc(&w->stats, PX_ST_DS_HEADER_TIMEOUT);
		c->rq = PX_RQ_DONE;
		local_reply(c, 408, 0, "request head not received in time");
	} else {
		return;
	}
	conn_run(c);
}

/* --- accept --- */

/* Where the client wanted to go, from the kernel's handoff: SOL_IP for IPv4 (and
 * IPv4-mapped) peers, SOL_IPV6 otherwise. The address is compared with our own, since
 * an answer that names the proxy itself is not a handoff. */
static bool original_dst(struct px_conn *c, int fd, const struct sockaddr_in6 *local)
{
	bool v4 = IN6_IS_ADDR_V4MAPPED(c->peer.b);
	socklen_t len;

	if (v4) {
		struct sockaddr_in o;

		len = sizeof(o);
		if (getsockopt(fd, SOL_IP, SO_ORIGINAL_DST_, &o, &len) || o.sin_family != AF_INET)
			return false;
		memset(c->orig.b, 0, 10);
		c->orig.b[10] = c->orig.b[11] = 0xff;
		memcpy(c->orig.b + 12, &o.sin_addr, 4);
		c->orig.family = 4;
		c->orig_port = ntohs(o.sin_port);
	} else {
		struct sockaddr_in6 o;

		len = sizeof(o);
		if (getsockopt(fd, SOL_IPV6, SO_ORIGINAL_DST_, &o, &len) ||
		    o.sin6_family != AF_INET6)
			return false;
		memcpy(c->orig.b, &o.sin6_addr, 16);
		c->orig.family = 6;
		c->orig_port = ntohs(o.sin6_port);
	}
	return !(c->orig_port == ntohs(local->sin6_port) &&
		 !memcmp(c->orig.b, &local->sin6_addr, 16));
}

/* A socket address as 16 bytes (IPv4-mapped for IPv4) and a host-order port. */
static void sa_to_ip(const struct sockaddr_storage *ss, struct sockaddr_in6 *out)
{
	memset(out, 0, sizeof(*out));
	out->sin6_family = AF_INET6;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		out->sin6_addr.s6_addr[10] = out->sin6_addr.s6_addr[11] = 0xff;
		memcpy(&out->sin6_addr.s6_addr[12], &s4->sin_addr, 4);
		out->sin6_port = s4->sin_port;
	} else {
		*out = *(const struct sockaddr_in6 *)ss;
	}
}

int px_conn_accept(struct px_worker *w, int fd)
{
	struct sockaddr_storage ps, ls;
	struct sockaddr_in6 peer, local;
	socklen_t pl = sizeof(ps), ll = sizeof(ls);
	struct epoll_event ev;
	const struct sl_h1_limits *lim = &w->cfg->limits;
	struct px_conn *c;
	int one = 1;

	if (getpeername(fd, (struct sockaddr *)&ps, &pl) ||
	    getsockname(fd, (struct sockaddr *)&ls, &ll)) {
		close(fd);
		return -errno;
	}
	c = calloc(1, sizeof(*c));
	if (c) {
		c->ib.p = malloc(lim->max_head);
		c->fields = calloc(lim->max_fields, sizeof(*c->fields));
	}
	if (!c || !c->ib.p || !c->fields) {
		if (c) {
			free(c->ib.p);
			free(c->fields);
		}
		free(c);
		close(fd);
		return -ENOMEM;
	}
	c->ib.cap = lim->max_head;
	c->ev = (struct px_ev){ PX_EV_DOWN, fd };
	c->w = w;
	sa_to_ip(&ps, &peer);
	sa_to_ip(&ls, &local);
	memcpy(c->peer.b, &peer.sin6_addr, 16);
	c->peer.family = IN6_IS_ADDR_V4MAPPED(&peer.sin6_addr) ? 4 : 6;
	c->peer_port = ntohs(peer.sin6_port);
	px_addr_port_format(c->peer.b, c->peer_port, c->peer_text, sizeof(c->peer_text));
	if (c->peer.family == 4)
		inet_ntop(AF_INET, c->peer.b + 12, c->peer_addr, sizeof(c->peer_addr));
	else
		inet_ntop(AF_INET6, c->peer.b, c->peer_addr, sizeof(c->peer_addr));
	c->has_orig = original_dst(c, fd, &local);
	if (!c->has_orig && w->cfg->has_fallback) {
		c->orig = w->cfg->fallback_dst;
		c->orig_port = w->cfg->fallback_port;
		c->has_orig = true;
	}
	if (c->has_orig)
		px_addr_port_format(c->orig.b, c->orig_port, c->orig_text, sizeof(c->orig_text));
	sl_h1_parser_init(&c->rqp, SL_H1_REQUEST, lim, c->fields, lim->max_fields);
	sl_h1_parser_init(&c->rsp, SL_H1_RESPONSE, lim, c->fields, lim->max_fields);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
	ev.data.ptr = &c->ev;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev)) {
		int e = -errno;

		free(c->ib.p);
		free(c->fields);
		free(c);
		close(fd);
		return e;
	}
	c->next = w->conns;
	if (w->conns)
		w->conns->prev = c;
	w->conns = c;
	px_stat_inc(&w->stats, PX_ST_DS_CX_TOTAL);
	px_stat_inc(&w->stats, PX_ST_DS_CX_ACTIVE);
	c->rd = c->wr = true; /* edge-triggered: try before the first edge */
	c->deadline = w->now_ms + w->cfg->header_timeout_ms;
	if (!c->has_orig) {
		px_stat_inc(&w->stats, PX_ST_DS_CX_NO_ORIG_DST);
		pr_debug("%s: no original destination: not from the handoff", c->peer_text);
		c->start_mono = w->now_ms;
		c->start_wall = w->wall_ms;
		c->rq = PX_RQ_DONE;
		local_reply(c, 400, PX_F_NR, body_no_orig);
	}
	conn_run(c);
	return 0;
}

/* Sends what is queued in w->batch and applies each result as flush_to() would;
 * an error is kept for up_write()/down_write() to act on. */
static void batch_apply(struct px_worker *w)
{
	if (!w->batch.n)
		return;
	px_stat_inc(&w->stats, PX_ST_WRITE_BATCHES);
	px_stat_add(&w->stats, PX_ST_WRITES_BATCHED, w->batch.n);
	px_batch_send(&w->batch);
	for (unsigned int i = 0; i < w->batch.n; i++) {
		struct px_batch_op *op = &w->batch.ops[i];
		struct px_conn *c = op->owner;
		struct px_obuf *o;
		struct px_ibuf *b;
		bool *ready;
		int fd;

		/* unchanged since it was queued: nothing ran in between */
		if (!write_side(c, op->which, &fd, &o, &b, &ready))
			continue;
		if (op->res >= 0)
			out_advance(o, b, (size_t)op->res);
		else if (op->res == -EAGAIN || op->res == -EWOULDBLOCK)
			*ready = false;
		else if (op->res != -EINTR && op->res != PX_BATCH_NOT_SENT)
			c->write_err[op->which] = op->res;
	}
	px_batch_reset(&w->batch);
}

/* The writes of the connections on `list` (in order) through w->batch. */
static void flush_batched(struct px_worker *w, struct px_conn *list, int which)
{
	for (struct px_conn *c = list; c; c = c->flush_next[which]) {
		struct px_batch_op *op;
		struct px_obuf *o;
		struct px_ibuf *b;
		bool *ready;
		int fd;

		if (c->dead || !write_target(c, which, &fd, &o, &b, &ready))
			continue;
		op = px_batch_next(&w->batch);
		if (!op) {
			batch_apply(w);
			op = px_batch_next(&w->batch);
			if (!op)
				return; /* batching just stopped: conn_run() writes them */
		}
		op->fd = fd;
		op->msg.msg_iovlen = (size_t)out_iov(o, b, op->iov);
		op->owner = c;
		op->which = which;
	}
	batch_apply(w);
}

void px_conn_flush(struct px_worker *w)
{
	w->defer_writes = false;
	for (int q = 0; q < 2; q++) {
		struct px_conn *c, *list = NULL;

		/* in the order the connections were listed */
		while ((c = w->flushq[q])) {
			w->flushq[q] = c->flush_next[q];
			c->flush_next[q] = list;
			list = c;
		}
		if (w->batch.on)
			flush_batched(w, list, q);
		while ((c = list)) {
			list = c->flush_next[q];
			c->flush_next[q] = NULL;
			c->flush_listed[q] = false;
			if (!c->dead)
				conn_run(c);
		}
	}
}

void px_conn_reap(struct px_worker *w)
{
	/* Requests handed a destination slot while waiting go on first: this runs after
	 * every round of events and timers, before the dead are freed. */
	while (w->kicked) {
		struct px_conn *c = w->kicked;

		w->kicked = c->kick_next;
		c->kick_next = NULL;
		c->kick_listed = false;
		/* Only a request still waiting that was handed its slot goes on. */
		if (c->dead || c->rs != PX_RS_PENDING || !c->slot_held || c->pending)
			continue;
		attach_upstream(c, false);
		conn_run(c);
	}
	while (w->dead_conns) {
		struct px_conn *c = w->dead_conns;

		w->dead_conns = c->next;
		px_worker_xbuf_put(w, c->rb.p);
		free(c->ib.p);
		free(c->fields);
		free(c);
	}
}
