/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Puts a compiled policy state (state/authz.h) into the kernel so that it is seen
 * whole: sl_ipcache and sl_src carry two slots of authorization classes and groups,
 * sl_authz holds the entries of two epochs (bit 31 of the group id), and sl_cfg says
 * which epoch is in force.
 *
 *   1. sl_authz_sync_prepare writes the epoch not in force: its verdict entries, the
 *      other slot of every sl_ipcache entry (new addresses are created, addresses
 *      that go get an empty slot) and of every sl_src entry. Nothing reads them yet.
 *   2. sl_authz_sync_commit flips sl_cfg.authz_epoch (one word), waits an RCU grace
 *      period, then deletes the old epoch's entries and the addresses that went.
 *      sl_authz_sync_abort instead undoes step 1.
 *
 * sl_ipcache belongs to this module: it also says which pod an address is (pod id,
 * local flag) for telemetry and acceleration.
 */
#ifndef SLUICE_AGENT_AUTHZ_SYNC_H
#define SLUICE_AGENT_AUTHZ_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/htab.h"
#include "sluice/abi.h"
#include "state/authz.h"

struct sl_authz_sync {
	int ipcache_fd, authz_fd, cfg_fd;
	int epoch; /* the epoch in force */
	bool on; /* sl_cfg.authz_on */
	uint64_t digest; /* of the state in force */
	bool primed; /* the state in force came from a compile (not just adopted) */
	struct sl_htab ipc; /* struct sl_lpm_key -> struct sl_ip_info *: sl_ipcache */
	struct sl_htab ent; /* struct sl_authz_key -> (void *)1: entries in force */
	struct sl_htab pod_cls; /* pod id -> uint32_t[2][2]: what sl_src entries carry */
	/* Prepared and not yet in force. */
	bool pending;
	const struct sl_authz_out *next;
	struct sl_authz_key *new_keys;
	size_t nnew;
	struct sl_lpm_key *created; /* sl_ipcache entries prepare created */
	size_t ncreated;
	struct sl_lpm_key *changed; /* and those it rewrote, with their old value */
	struct sl_ip_info *changed_old;
	size_t nchanged;
};

/* Adopts what the pinned maps hold (after an agent restart): the epoch in force, the
 * sl_ipcache entries, the verdict entries of that epoch; deletes entries of the other
 * epoch a crash may have left. Returns 0 or -errno. */
int sl_authz_sync_init(struct sl_authz_sync *s, int ipcache_fd, int authz_fd, int cfg_fd);
/* Step 1 for `next` (which must stay alive until commit/abort). The caller then
 * rewrites sl_src from pod_cls (sl_identity_refresh_classes). Returns 0, or -errno
 * with a message in err after undoing what it wrote. */
int sl_authz_sync_prepare(struct sl_authz_sync *s, const struct sl_authz_out *next, char *err,
			  size_t errlen);
/* Step 2. Returns whether an epoch flip happened (existing connections need a sweep). */
bool sl_authz_sync_commit(struct sl_authz_sync *s);
void sl_authz_sync_abort(struct sl_authz_sync *s);
void sl_authz_sync_free(struct sl_authz_sync *s);

#endif
