/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The main thread's name directory: from the ids request metrics are keyed by (pod
 * ids, Service ids) back to the names Istio's labels carry. Synced with the snapshot
 * in force; an object that left it keeps its names for a while (keep_ms), so the
 * series its last requests made are still named until their workers evict them
 * (rq_metrics-t.h). Main thread only.
 */
#ifndef SLUICE_PROXY_NAMES_H
#define SLUICE_PROXY_NAMES_H

#include <stdbool.h>
#include <stdint.h>

#include "common/htab.h"
#include "model/objects-t.h"
#include "proxy/snapshot-t.h"

/* Owned copies: they outlive the snapshot. A Service uses ns and name only. */
struct px_name {
	char *ns, *name, *workload, *app, *version;
	int64_t departed_ms; /* CLOCK_MONOTONIC when it left the snapshot; 0: in it */
};

struct px_names {
	struct sl_htab pods; /* uint32_t px_obj_id() -> struct px_name * */
	struct sl_htab svcs; /* uint32_t px_obj_id() -> struct px_name * */
	uint64_t version; /* of the snapshot last synced with */
	bool synced;
};

/* The id of a Pod or Service in request metric keys: a hash of its kind, namespace and
 * name (never 0). */
uint32_t px_obj_id(const struct sl_object *o);

/* Learns the Pods and Services of s (if s is not the snapshot synced last), marks the
 * ones no longer in it departed at now_ms, and forgets those departed before
 * now_ms - keep_ms. Returns 0 or -ENOMEM (the directory then knows less: missing
 * names are rendered "unknown"). */
int px_names_sync(struct px_names *n, const struct px_snapshot *s, int64_t now_ms, int64_t keep_ms);
const struct px_name *px_names_pod(const struct px_names *n, uint32_t id);
const struct px_name *px_names_svc(const struct px_names *n, uint32_t id);
void px_names_free(struct px_names *n);

#endif /* SLUICE_PROXY_NAMES_H */
