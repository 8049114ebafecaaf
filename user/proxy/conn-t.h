/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A downstream connection and the upstream connection serving its request in flight.
 *
 * The connection is one state machine with two halves: the request side (rq: head,
 * body, done, tunnel, drain) and the response side (rs: none, connecting, head, body,
 * done, tunnel, local). One exchange (a request and its response) runs at a time; a
 * pipelined next request waits in the input buffer until the exchange ends. Bytes move
 * through two bounded buffers, each read from one socket and written to the other:
 *
 *	client ──read──► ib ──write──► upstream	(request head rewritten into uh)
 *	client ◄─write── rb ◄──read─── upstream	(response heads rewritten into dh)
 *
 * A buffer that is full is not read into, which stops reading that socket (TCP then
 * pushes back on the sender): backpressure without unbounded memory. Heads are
 * rewritten (forward.c) into uh/dh, which are written before the body bytes that
 * follow them; bodies are forwarded in place with their framing (the decoder only
 * finds where they end), except that chunked framing is removed for HTTP/1.0 clients.
 *
 * Sockets are edge-triggered (EPOLLET) and registered once for in and out: an event
 * only sets the ready flags (rd, wr), and the connection runs every step until none
 * makes progress; a step stops reading after a short read or EAGAIN (clearing rd; a
 * hang-up seen in an event, rdhup, reads on to EOF) or when its buffer is full
 * (leaving rd set, so it resumes as soon as there is room). Writes are tried at once,
 * until one says EAGAIN (clearing wr until the next EPOLLOUT edge). No epoll_ctl()
 * call is made after registration.
 */
#ifndef SLUICE_PROXY_CONN_T_H
#define SLUICE_PROXY_CONN_T_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/objects-t.h"
#include "proxy/authz_http-t.h"
#include "proxy/cors.h"
#include "proxy/forward.h"
#include "proxy/http1-t.h"
#include "proxy/retry.h"
#include "proxy/snapshot-t.h"
#include "proxy/worker-t.h"

/* An input buffer: [head, out) is ready to be written to the other side, [out, dec)
 * is a gap (only while chunk framing is being removed), [dec, in) is read but not yet
 * parsed or decoded. */
struct px_ibuf {
	char *p;
	size_t cap;
	size_t head, out, dec, in;
};

/* Bytes the proxy wrote itself (heads, local responses), sent before the body. */
struct px_obuf {
	char *p;
	size_t cap;
	size_t off, len; /* [off, len) not yet written */
};

enum px_rq_state {
	PX_RQ_HEAD, /* waiting for, or parsing, a request head */
	PX_RQ_BODY, /* forwarding the request body */
	PX_RQ_DONE, /* the request is complete (or no more of it is read) */
	PX_RQ_TUNNEL, /* after a 101: bytes as they come */
	PX_RQ_DRAIN, /* our side is shut down; discarding input until EOF or linger */
};

enum px_rs_state {
	PX_RS_NONE, /* no exchange */
	PX_RS_CONNECTING, /* upstream connect() in progress */
	PX_RS_HEAD, /* waiting for the response head (or the next one after a 1xx) */
	PX_RS_BODY,
	PX_RS_DONE, /* the response is complete upstream; may still be flushing */
	PX_RS_TUNNEL,
	PX_RS_LOCAL, /* a response of the proxy's own is in dh */
	PX_RS_DELAY, /* an injected delay (fault.h) holds the request until the deadline */
	PX_RS_PENDING, /* waiting for a slot of the destination (conn_limit.h) */
	PX_RS_BACKOFF, /* a retry waits for its backoff (retry.h) until the deadline */
};

/* A pool: idle connections to one endpoint, most recently used first. */
struct px_pool {
	struct px_ep ep;
	struct px_up *idle;
	size_t nidle;
	struct px_pool *next_gone; /* px_pools_sweep()'s list of pools to free */
};

struct px_up {
	struct px_ev ev;
	struct px_ep ep;
	struct px_conn *owner; /* NULL while idle in a pool */
	struct px_up *prev, *next; /* pool list while idle; dead list after close */
	int64_t idle_since;
	uint64_t idle_round; /* the worker's round it was pooled in (upstream.c) */
	int64_t idle_ms; /* closed after this long idle: http.idleTimeout, else the default */
	unsigned int nreq; /* requests sent on it (http.maxRequestsPerConnection) */
	int64_t born_ms; /* when connect() started */
	/* The connectionPool.tcp settings of the destination it serves (or served last):
	 * maxConnectionDuration (0: none) and the keepalive on the socket. */
	int64_t max_age_ms;
	struct sl_tcp_keepalive ka;
	bool connected, reused, dead;
	bool rd, wr, eof, hup, shut_wr;
	bool rdhup; /* an event said the server hung up: read until EOF (conn.c fill_from) */
	bool wr_failed; /* the server stopped reading: nothing more is sent */
};

/* Copies of request fields the access log needs after the head's bytes are gone. */
struct px_req_info {
	char method[24];
	char authority[256];
	char path[512];
	char rid[128];
	size_t method_len, authority_len, path_len, rid_len;
};

struct px_conn {
	struct px_ev ev;
	struct px_worker *w;
	struct px_conn *prev, *next; /* w->conns, or w->dead_conns once dead */
	struct sl_ip peer, orig; /* the client, and where it dialed */
	uint16_t peer_port, orig_port; /* host order */
	bool has_orig;
	char peer_text[56], orig_text[56], peer_addr[48];
	/* The request's endpoint (ep) was picked; its text, for logs, is formatted only
	 * when one is written (up_text()). */
	bool has_up;
	char up_text[56];
	bool rd, wr, eof, hup, dead, shut_wr;
	bool rdhup; /* an event said the client hung up: read until EOF (fill_from) */
	enum px_rq_state rq;
	enum px_rs_state rs;
	int64_t deadline; /* CLOCK_MONOTONIC ms; 0: none */
	int64_t start_mono, start_wall; /* the request's first byte; 0: none yet */
	unsigned int nreq; /* exchanges begun on this connection */
	struct px_ibuf ib, rb;
	struct px_obuf dh, uh;
	struct sl_h1_parser rqp, rsp;
	struct sl_h1_body rqb, rsb;
	struct sl_http_field *fields; /* storage for both parsers */
	struct px_view *view; /* the snapshot of the exchange in flight */
	struct px_up *up;
	struct px_ep ep;
	struct px_req_info ri;
	/* The VirtualService http route taken and its destination (NULL: none), valid
	 * while the exchange holds its view; the route's name and Istio's cluster name of
	 * the destination, for the access log. */
	const struct sl_http_route *hr;
	const struct sl_http_dest *hd;
	char route_name[64];
	char cluster[192];
	int fault_abort; /* after the delay: answer this status (fault.h); 0: none */
	struct px_cors cors; /* the route's corsPolicy verdict, the allowed origin (cors.h) */
	/* Retries and timeouts (retry.h): the destination tries go to, the policy, the
	 * retries made, whether the request can be sent again (no body), and the
	 * route's and the current try's deadlines (CLOCK_MONOTONIC ms; 0: none). */
	const struct sl_fe_dest *dest;
	uint32_t *rr;
	struct px_retry_policy rp;
	unsigned int retries;
	bool replayable;
	int64_t route_deadline, try_deadline;
	/* The policies the request was judged by (its endpoint's pod's; NULL: none). */
	const struct px_authz_set *azset;
	/* The endpoint whose in-flight count this try holds (LEAST_REQUEST), and a
	 * cookie the load balancer asks the response to set (lb.h); empty: none. */
	struct px_ep active_ep;
	bool active_held;
	char set_cookie[320];
	/* The destination slot (conn_limit.h) held or waited for, and the destination's
	 * request (http2MaxRequests) and retry (maxRetries) held. */
	uint32_t slot_pool;
	bool slot_held, pending, rq_held, retry_held;
	struct px_conn *pnext, *pprev; /* the destination's waiting list */
	struct px_conn *kick_next; /* w->kicked */
	bool kick_listed; /* on w->kicked */
	struct px_conn *flush_next[2]; /* w->flushq[], upstream writes [0], client [1] */
	bool flush_listed[2]; /* on w->flushq[] */
	int write_err[2]; /* -errno of a failed batched write, for up_write()/down_write() */
	enum sl_http_method method;
	unsigned int version; /* of the request */
	unsigned int status; /* sent downstream (final), 0: none */
	unsigned int flags; /* enum px_flag */
	uint64_t rx, tx; /* body bytes from and to the client */
	bool req_ka; /* the request lets the connection persist */
	bool dclose; /* the downstream connection closes after this exchange */
	bool up_reuse; /* the upstream connection may go back to its pool */
	bool dechunk; /* removing chunk framing for an HTTP/1.0 client */
	bool upgrade_req, resent, resp_started, resp_bytes;
};

#endif /* SLUICE_PROXY_CONN_T_H */
