/* SPDX-License-Identifier: Apache-2.0 */
/* Who is connecting: the pod of the calling task, found through its cgroup. */
#ifndef SLUICE_BPF_IDENTITY_H
#define SLUICE_BPF_IDENTITY_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "lib/maps.h"

/* The pod of the current task: its own cgroup first (processes placed directly in the
 * pod cgroup), then its ancestors at the depths where sluiced found pod cgroups
 * (containers run in child cgroups of pod<uid>). NULL for processes outside pods. */
static __always_inline struct sl_src *client_pod(void)
{
	__u64 cg = bpf_get_current_cgroup_id();
	struct sl_src *src = bpf_map_lookup_elem(&sl_src, &cg);
	struct sl_cfg *cfg;
	__u32 key = 0;

	if (src)
		return src;
	cfg = bpf_map_lookup_elem(&sl_cfg, &key);
	if (!cfg || !cfg->pod_level_max)
		return NULL;
	for (int i = 0; i < SL_POD_LEVELS; i++) {
		__u32 lvl = cfg->pod_level_min + i;

		if (lvl > cfg->pod_level_max)
			break;
		cg = bpf_get_current_ancestor_cgroup_id(lvl);
		src = bpf_map_lookup_elem(&sl_src, &cg);
		if (src)
			return src;
	}
	return NULL;
}

/* The client address used for affinity and consistent hashing: the pod's IP, or, for a
 * process outside any known pod, its network namespace (one address per namespace). */
static __always_inline void client_addr(void *ctx, const struct sl_src *src, struct sl_addr *out)
{
	__u64 c;

	if (src) {
		*out = src->ip;
		return;
	}
	c = bpf_get_netns_cookie(ctx);
	out->w[0] = 0xffffffff; /* not a valid unicast prefix: cannot collide with a pod IP */
	out->w[1] = 0;
	out->w[2] = (__u32)(c >> 32);
	out->w[3] = (__u32)c;
}

#endif
