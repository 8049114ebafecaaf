// SPDX-License-Identifier: Apache-2.0
/* Per-worker connection shares and pending queues of destinations (conn_limit.h). */
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

int px_slot_take(struct px_worker *w, struct px_conn *c, const struct sl_fe_dest *d)
{
	unsigned int nw = w->cfg->workers ? w->cfg->workers : 1;
	uint32_t share, limit;
	struct px_dpool *p;

	if (c->slot_held || c->pending || !d || !d->pool.set || !d->pool.max_connections)
		return 0;
	p = dpool(w, d->pool_id, true);
	if (!p)
		return -ENOMEM;
	share = (d->pool.max_connections + nw - 1) / nw;
	c->slot_pool = d->pool_id;
	if (p->busy < share) {
		p->busy++;
		c->slot_held = true;
		return 0;
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

	if (!c->slot_held && !c->pending)
		return;
	p = dpool(w, c->slot_pool, false);
	if (!p)
		return;
	if (c->pending) {
		unlink_pending(p, c);
		return;
	}
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
