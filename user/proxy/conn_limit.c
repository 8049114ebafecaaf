// SPDX-License-Identifier: Apache-2.0
/* Per-worker shares of destinations' limits and their pending queues (conn_limit.h). */
#include <errno.h>
#include <stdlib.h>

#include "proxy/conn-t.h"
#include "proxy/conn_limit.h"

static struct px_dpool *dpool(struct px_worker *w, uint32_t id, bool create)
{
	struct px_dpool *p = sl_htab_get(&w->dpools, &id, sizeof(id));

	if (p || !create)
		return p;
	p = calloc(1, sizeof(*p));
	if (!p || sl_htab_put(&w->dpools, &id, sizeof(id), p, NULL)) {
		free(p);
		return NULL;
	}
	return p;
}

uint32_t px_limit_share(uint32_t limit, unsigned int workers)
{
	uint64_t nw = workers ? workers : 1;

	return (uint32_t)(((uint64_t)limit + nw - 1) / nw);
}

/* http2MaxRequests: a request arriving over the share is refused; one handed a slot
 * from the queue (slot_held already) is not checked again, as Envoy checks when a
 * stream is asked for and counts it once attached to a connection. */
static int request_check(struct px_worker *w, struct px_conn *c, const struct sl_fe_dest *d)
{
	uint32_t max = d->pool.http.http2_max_requests;
	struct px_dpool *p;

	if (!max || c->rq_held || c->slot_held)
		return 0;
	p = dpool(w, d->pool_id, true);
	if (!p)
		return -ENOMEM;
	return p->requests >= px_limit_share(max, w->cfg->workers) ? -ENOSPC : 0;
}

static int request_take(struct px_worker *w, struct px_conn *c, const struct sl_fe_dest *d)
{
	struct px_dpool *p;

	if (!d->pool.http.http2_max_requests || c->rq_held)
		return 0;
	p = dpool(w, d->pool_id, true);
	if (!p)
		return -ENOMEM;
	p->requests++;
	c->rq_held = true;
	c->slot_pool = d->pool_id;
	return 0;
}

int px_slot_take(struct px_worker *w, struct px_conn *c, const struct sl_fe_dest *d)
{
	uint32_t share, limit;
	struct px_dpool *p;
	int ret;

	if (!d)
		return 0;
	ret = request_check(w, c, d);
	if (ret)
		return ret;
	if (c->slot_held || c->pending || !d->pool.set || !d->pool.max_connections)
		return c->pending ? 1 : request_take(w, c, d);
	p = dpool(w, d->pool_id, true);
	if (!p)
		return -ENOMEM;
	share = px_limit_share(d->pool.max_connections, w->cfg->workers);
	c->slot_pool = d->pool_id;
	if (p->busy < share) {
		p->busy++;
		c->slot_held = true;
		return request_take(w, c, d);
	}
	limit = d->pool.http.http1_max_pending_requests ? d->pool.http.http1_max_pending_requests
							: UINT32_MAX;
	if (p->npending >= limit)
		return -ENOSPC;
	c->pending = true;
	c->pnext = NULL;
	c->pprev = p->tail;
	if (p->tail)
		p->tail->pnext = c;
	else
		p->head = c;
	p->tail = c;
	p->npending++;
	return 1;
}

bool px_retry_take(struct px_worker *w, struct px_conn *c, const struct sl_fe_dest *d)
{
	uint32_t limit = d ? d->pool.http.max_retries : 0;
	struct px_dpool *p;

	if (!limit)
		return true;
	p = dpool(w, d->pool_id, true);
	if (!p)
		return false;
	/* The retry c held was for the try that just ended. */
	if (c->retry_held) {
		c->retry_held = false;
		p->retries--;
	}
	if (p->retries >= px_limit_share(limit, w->cfg->workers))
		return false;
	p->retries++;
	c->retry_held = true;
	c->slot_pool = d->pool_id;
	return true;
}

static void unlink_pending(struct px_dpool *p, struct px_conn *c)
{
	if (c->pprev)
		c->pprev->pnext = c->pnext;
	else
		p->head = c->pnext;
	if (c->pnext)
		c->pnext->pprev = c->pprev;
	else
		p->tail = c->pprev;
	c->pnext = c->pprev = NULL;
	c->pending = false;
	p->npending--;
}

void px_slot_release(struct px_worker *w, struct px_conn *c)
{
	struct px_dpool *p;
	struct px_conn *n;

	if (!c->slot_held && !c->pending && !c->rq_held && !c->retry_held)
		return;
	p = dpool(w, c->slot_pool, false);
	if (!p)
		return;
	if (c->rq_held) {
		c->rq_held = false;
		p->requests--;
	}
	if (c->retry_held) {
		c->retry_held = false;
		p->retries--;
	}
	if (c->pending) {
		unlink_pending(p, c);
		return;
	}
	if (!c->slot_held)
		return;
	c->slot_held = false;
	n = p->head;
	if (!n) {
		p->busy--;
		return;
	}
	/* The slot goes straight to the oldest waiting request. */
	unlink_pending(p, n);
	n->slot_held = true;
	if (!n->kick_listed) { /* once on the list, whatever happened since */
		n->kick_listed = true;
		n->kick_next = w->kicked;
		w->kicked = n;
	}
}

void px_slots_free(struct px_worker *w)
{
	size_t it = 0;
	void *val;

	while (sl_htab_next(&w->dpools, &it, NULL, NULL, &val))
		free(val);
	sl_htab_free(&w->dpools);
}
