/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The authorization verdict: may a source reach a destination pod on a port? One
 * function for every place that asks (the tc program at the destination, the
 * source-side check at connect/sendmsg, the sweep of established connections after a
 * policy change), so the same flow gets the same answer however it is seen.
 *
 * The agent compiles AuthorizationPolicies (user/state/authz.c) into classes of
 * sources (sl_ip_info.authz_cls: all addresses every policy treats alike), groups of
 * destinations (sl_ip_info.authz_grp: pods the same policies select) and the verdict
 * of each (group, class, port) that differs from the group's default. A verdict is
 * therefore at most four hash lookups, whatever the number of policies.
 */
#ifndef SLUICE_BPF_AUTHZ_H
#define SLUICE_BPF_AUTHZ_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "lib/ipcache.h"
#include "lib/maps.h"
#include "lib/stats.h"

struct authz_decision {
	__u32 policy; /* the deciding policy (DENY verdicts), 0 otherwise */
	__u32 audit_policy; /* the matching AUDIT policy when flags has SL_AUTHZ_F_AUDIT */
	__u32 src_pod, dst_pod; /* authz_decide_addr: the pods of the two addresses, 0: none */
	__u8 verdict; /* enum sl_verdict */
	__u8 flags; /* enum sl_authz_flags */
};

/* The epoch in force (sl_cfg.authz_epoch); -1 when no policy applies anywhere. */
static __always_inline int authz_epoch(void)
{
	__u32 key = 0;
	struct sl_cfg *cfg = bpf_map_lookup_elem(&sl_cfg, &key);

	if (!cfg || !cfg->authz_on)
		return -1;
	return cfg->authz_epoch & 1;
}

static __always_inline struct sl_authz_val *authz_entry(__u32 grp, __u32 cls, __u16 port)
{
	struct sl_authz_key k = { .grp = grp, .cls = cls, .port = port };

	return bpf_map_lookup_elem(&sl_authz, &k);
}

/* Decides for source class cls, destination group grp and destination port (host
 * order) in d. Group 0 (no policy selects the destination) is allowed. A group with
 * no default entry cannot happen (the agent writes it before the group is used); if
 * it did, the answer is deny: never fail open. */
static __always_inline void authz_decide(__u32 cls, __u32 grp, __u16 port, struct authz_decision *d)
{
	struct sl_authz_val *v = NULL;

	d->policy = 0;
	d->audit_policy = 0;
	d->src_pod = 0;
	d->dst_pod = 0;
	d->flags = 0;
	d->verdict = SL_VERDICT_ALLOW;
	if (!grp)
		return;
	if (cls) {
		v = authz_entry(grp, cls, port);
		if (!v)
			v = authz_entry(grp, cls, 0);
	}
	if (!v)
		v = authz_entry(grp, SL_AUTHZ_CLS_ANY, port);
	if (!v)
		v = authz_entry(grp, SL_AUTHZ_CLS_ANY, 0);
	if (!v) {
		d->verdict = SL_VERDICT_DENY;
		return;
	}
	d->policy = v->policy;
	d->audit_policy = v->audit_policy;
	d->verdict = v->verdict;
	d->flags = v->flags;
}

/* Decides for traffic from address src to address dst (a pod's) on port, with the
 * two addresses' pods in d. Returns false when dst is no pod some policy selects
 * (nothing to decide: allowed). */
static __always_inline bool authz_decide_addr(int epoch, const struct sl_addr *src,
					      const struct sl_addr *dst, __u16 port,
					      struct authz_decision *d)
{
	struct sl_ip_info *si, *di = ip_info(dst);
	__u32 grp, cls = 0, src_pod = 0;

	if (!di)
		return false;
	grp = di->authz_grp[epoch & 1];
	if (!grp)
		return false;
	si = ip_info(src);
	if (si) {
		cls = si->authz_cls[epoch & 1];
		src_pod = si->pod_id;
	}
	authz_decide(cls, grp, port, d);
	d->src_pod = src_pod;
	d->dst_pod = di->pod_id;
	return true;
}

/* Counts a decision per (pod, policy, kind) for the sluice_authz_* metrics. */
static __always_inline void authz_count(__u32 pod, __u32 policy, __u32 kind)
{
	struct sl_authz_stat_key k = { .pod_id = pod, .policy = policy, .kind = kind };
	__u64 *c = bpf_map_lookup_elem(&sl_authz_stats, &k), one = 1;

	if (c) {
		(*c)++;
		return;
	}
	if (bpf_map_update_elem(&sl_authz_stats, &k, &one, BPF_NOEXIST)) {
		c = bpf_map_lookup_elem(&sl_authz_stats, &k);
		if (c)
			(*c)++;
		else
			stat_inc(SL_STAT_AUTHZ_STATS_FULL);
	}
}

#endif
