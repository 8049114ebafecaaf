/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Workload identity on this node: finds the pod cgroups under --cgroup (kubelet's
 * names: "pod<uid>" with the cgroupfs driver, "...-pod<uid_with_underscores>.slice"
 * with the systemd driver), matches them to the applied Pods by uid, and keeps the
 * kernel's sl_src map (cgroup id -> pod, with the authorization classes of its
 * addresses) and sl_cfg (pod cgroup depths) in step.
 */
#ifndef SLUICE_AGENT_IDENTITY_H
#define SLUICE_AGENT_IDENTITY_H

#include <stddef.h>

#include "common/htab.h"
#include "sluice/abi.h"
#include "state/store.h"

struct sl_identity {
	int src_fd, cfg_fd;
	/* pod id (uint32_t) -> uint32_t[2][2]: the authorization classes its sl_src
	 * entries carry, per epoch and family. Owned by the policy sync (authz_sync.h). */
	const struct sl_htab *pod_cls;
	char cgroup[4096]; /* --cgroup */
	size_t root_depth; /* depth of --cgroup below the cgroup2 mount */
	struct sl_htab pods; /* cgroup id (uint64_t) -> struct sl_pod_cg * */
	size_t unmatched; /* pod cgroups with no applied Pod */
};

struct sl_pod_cg {
	char path[4096];
	unsigned long long cgid;
	unsigned int level;
	struct sl_src src;
};

/* cgroup2_root: the cgroup v2 mount point; cgroup: --cgroup. */
int sl_identity_init(struct sl_identity *id, int src_fd, int cfg_fd, const char *cgroup2_root,
		     const char *cgroup);
/* Rescans the pod cgroups and writes the changes to sl_src / sl_cfg. */
int sl_identity_sync(struct sl_identity *id, const struct sl_store *st);
/* Rewrites the sl_src entries whose authorization classes (id->pod_cls) changed. */
void sl_identity_refresh_classes(struct sl_identity *id);
/* Opens the network namespace of one process of every known pod. Returns the number of
 * fds written to fds (at most max); the caller closes them. */
size_t sl_identity_netns(const struct sl_identity *id, int *fds, size_t max);
void sl_identity_free(struct sl_identity *id);

#endif
