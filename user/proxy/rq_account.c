// SPDX-License-Identifier: Apache-2.0
/* From an ending exchange to its request metrics key (rq_account.h). */
#include <string.h>

#include "proxy/conn-t.h"
#include "proxy/names.h"
#include "proxy/rq_account.h"
#include "proxy/rq_metrics.h"
#include "proxy/snapshot.h"
#include "proxy/stats-t.h"

void px_rq_key(const struct px_snapshot *s, const struct sl_ip *peer, const struct sl_ip *orig,
	       uint16_t port, const struct sl_fe_dest *dest, const struct px_ep *ep,
	       unsigned int status, unsigned int flags, struct px_rqm_key *k)
{
	const struct sl_object *svc = dest ? dest->svc : NULL;
	const struct sl_object *pod = px_snapshot_pod(s, peer);

	memset(k, 0, sizeof(*k));
	k->src_pod = pod ? px_obj_id(pod) : 0;
	if (ep) {
		struct sl_ip a = { .family = 6 };

		memcpy(a.b, ep->addr, 16);
		pod = px_snapshot_pod(s, &a);
		k->dst_pod = pod ? px_obj_id(pod) : 0;
	}
	/* No destination (no route, no endpoint to route to): the Service dialed. */
	if (!dest && orig) {
		const struct px_frontend *pf = px_snapshot_frontend(s, orig, port);

		svc = pf ? pf->fe->svc : NULL;
	}
	k->svc = svc ? px_obj_id(svc) : 0;
	k->code = (uint16_t)(status < 1000 ? status : 0);
	k->flags = (uint16_t)flags;
}

void px_rq_account(struct px_conn *c)
{
	struct px_worker *w = c->w;
	/* A request refused before routing holds no view: the worker's newest names it. */
	const struct px_snapshot *s = c->view ? c->view->s : w->view->s;
	/* An aborted request (FI) was sent nowhere, though an endpoint had been picked. */
	bool sent = c->has_up && !(c->flags & PX_F_FI);
	struct px_rqm_key k;

	px_rq_key(s, &c->peer, c->has_orig ? &c->orig : NULL, c->orig_port, c->dest,
		  sent ? &c->ep : NULL, c->status, c->flags, &k);
	px_rqm_record(&w->rqm, &k, w->now_ms, (uint64_t)(w->now_ms - c->start_mono), c->rx, c->tx);
}
