/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Counting an exchange that ends into its worker's request metrics (rq_metrics-t.h):
 * what the key of a request is, from the snapshot it was routed by.
 */
#ifndef SLUICE_PROXY_RQ_ACCOUNT_H
#define SLUICE_PROXY_RQ_ACCOUNT_H

#include <stdint.h>

#include "model/objects-t.h"
#include "proxy/rq_metrics-t.h"
#include "proxy/snapshot-t.h"
#include "state/compile.h"

struct px_conn;

/*
 * The key of a request in snapshot s: the Pod of the client address `peer`; the Pod of
 * the endpoint `ep` (NULL: no endpoint was sent to); the destination Service: the
 * route's destination `dest` when there is one, else the Service the client dialed
 * (`orig`:`port`, NULL when unknown), else none; the status sent downstream and the
 * response flags. Unknown pods and Services are id 0.
 */
void px_rq_key(const struct px_snapshot *s, const struct sl_ip *peer, const struct sl_ip *orig,
	       uint16_t port, const struct sl_fe_dest *dest, const struct px_ep *ep,
	       unsigned int status, unsigned int flags, struct px_rqm_key *k);

/* Counts c's exchange, which is ending (conn.c's account()), in its worker's table. */
void px_rq_account(struct px_conn *c);

#endif /* SLUICE_PROXY_RQ_ACCOUNT_H */
