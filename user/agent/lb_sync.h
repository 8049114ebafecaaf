/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reconciles the kernel's service maps (sl_svc, sl_bset) with a compiled desired state.
 *
 * Ordering, so that a concurrent connect() sees either the old backend set or the new
 * one and never a half-written one:
 *   1. removed frontends are deleted from sl_svc;
 *   2. every changed frontend's new backend set is written to sl_bset under a fresh
 *      set id (nothing references it yet);
 *   3. each sl_svc value is replaced whole, pointing at the new set (one atomic swap);
 *   4. later (sl_lb_sync_gc, after the reply to the CLI), one RCU grace period is
 *      waited for, which outlasts every program that may still hold an old value, and
 *      the old sets are deleted.
 * Any failure in 1-3 is undone in reverse order before returning.
 */
#ifndef SLUICE_AGENT_LB_SYNC_H
#define SLUICE_AGENT_LB_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include "common/htab.h"
#include "state/compile.h"

struct sl_lb_fe {
	struct sl_svc_val val;
	struct sl_backend *be;
	uint32_t nbe;
};

struct sl_lb_gc {
	uint32_t set_id;
	uint32_t nslots;
};

struct sl_lb_sync {
	int svc_fd, bset_fd;
	uint32_t max_services, max_backends;
	struct sl_htab actual; /* struct sl_svc_key -> struct sl_lb_fe *: what the maps hold */
	size_t nslots; /* sl_bset entries in use, including sets waiting for gc */
	uint32_t next_set_id;
	struct sl_lb_gc *gc;
	size_t ngc, capgc;
};

struct sl_lb_result {
	size_t added, changed, removed, unchanged;
};

/* Reads what the pinned maps hold (after a restart: what the previous agent wrote), so
 * that a first apply of the same state writes nothing. Unreferenced sets left by a
 * killed agent are queued for gc. */
int sl_lb_sync_init(struct sl_lb_sync *s, int svc_fd, int bset_fd, uint32_t max_services,
		    uint32_t max_backends);
/* Makes the maps hold `c`. Checks capacity before writing anything: on -ENOSPC, err
 * names the limit and the flag that raises it, and nothing was written. */
int sl_lb_sync_apply(struct sl_lb_sync *s, const struct sl_compiled *c, struct sl_lb_result *res,
		     char *err, size_t errlen);
/* Deletes backend sets no frontend references any more, after a grace period. */
void sl_lb_sync_gc(struct sl_lb_sync *s);
size_t sl_lb_sync_pending_gc(const struct sl_lb_sync *s);
void sl_lb_sync_free(struct sl_lb_sync *s);

#endif
