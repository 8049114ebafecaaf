/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reconciles the kernel's service maps (sl_svc, sl_src_route, sl_bset, sl_bset_rev,
 * sl_maglev) with a compiled desired state.
 *
 * Ordering, so that a concurrent connect() sees either the old route of a frontend or
 * the new one and never a half-written one:
 *   1. removed frontends are deleted from sl_svc, then their sl_src_route entries;
 *   2. for each changed frontend, every backend set its routes use is written under a
 *      fresh set id (slots, reverse index, Maglev table); nothing references them yet;
 *   3. its sl_src_route entries are written (each one whole-value swap), then its
 *      sl_svc value (one swap), then source routes it no longer has are deleted;
 *   4. later (sl_lb_sync_gc, after the reply to the CLI), one RCU grace period is
 *      waited for, which outlasts every program that may still hold an old value, and
 *      the old sets are deleted.
 * Capacity is checked before anything is written; any failure in 1-3 is undone in
 * reverse order before returning.
 */
#ifndef SLUICE_AGENT_LB_SYNC_H
#define SLUICE_AGENT_LB_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include "common/htab.h"
#include "state/compile.h"

struct sl_lb_fds {
	int svc, src_route, bset, bset_rev, maglev;
};

/* A backend set as written to the kernel. */
struct sl_lb_set {
	uint32_t id;
	uint32_t n;
	struct sl_backend *be;
	bool maglev;
};

struct sl_lb_src {
	uint32_t pod_id;
	struct sl_route route;
};

/* What the maps hold for one frontend. */
struct sl_lb_fe {
	struct sl_svc_val val;
	struct sl_lb_src *src;
	size_t nsrc;
	struct sl_lb_set *sets;
	size_t nsets;
};

struct sl_lb_limits {
	uint32_t max_services, max_backends;
};

struct sl_lb_sync {
	struct sl_lb_fds fd;
	struct sl_lb_limits lim;
	struct sl_htab actual; /* struct sl_svc_key -> struct sl_lb_fe * */
	size_t nslots; /* sl_bset entries in use, including sets waiting for gc */
	size_t nsrc; /* sl_src_route entries */
	size_t nmaglev; /* sl_maglev entries, including sets waiting for gc */
	uint32_t next_set_id;
	struct sl_lb_set *gc; /* sets no frontend references any more */
	size_t ngc, capgc;
};

struct sl_lb_result {
	size_t added, changed, removed, unchanged;
	struct sl_backend *gone; /* backends a changed or removed frontend no longer has */
	size_t ngone;
};

/* Reads what the pinned maps hold (after a restart: what the previous agent wrote), so
 * that a first apply of the same state writes nothing. Sets nothing references, left by
 * a killed agent, are queued for gc. */
int sl_lb_sync_init(struct sl_lb_sync *s, const struct sl_lb_fds *fds,
		    const struct sl_lb_limits *lim);
/* Makes the maps hold `c`. On -ENOSPC err names the limit and the flag that raises it,
 * and nothing was written. res->gone is malloc'ed (free it). */
int sl_lb_sync_apply(struct sl_lb_sync *s, const struct sl_compiled *c, struct sl_lb_result *res,
		     char *err, size_t errlen);
/* Deletes backend sets no frontend references any more, after a grace period. */
void sl_lb_sync_gc(struct sl_lb_sync *s);
size_t sl_lb_sync_pending_gc(const struct sl_lb_sync *s);
void sl_lb_sync_free(struct sl_lb_sync *s);

/* Waits for an RCU grace period (membarrier GLOBAL = synchronize_rcu()): after it, no
 * program still uses a map value replaced or deleted before the call. */
void sl_wait_grace_period(void);

#endif
