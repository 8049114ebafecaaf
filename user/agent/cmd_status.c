// SPDX-License-Identifier: Apache-2.0
/* sluicectl status: programs and where they are attached, map fill, features, versions. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "agent/agent.h"
#include "sock_lb.skel.h"
#include "tc.skel.h"

/* Programs attached at this hook of our cgroup, whoever attached them. */
static int attached_count(int cgroup_fd, enum bpf_attach_type t)
{
	__u32 ids[64], cnt = 64, flags = 0;

	if (bpf_prog_query(cgroup_fd, t, 0, &flags, ids, &cnt))
		return -errno;
	return (int)cnt;
}

static void map_line(struct sl_request *r, const char *name, struct bpf_map *m)
{
	long n = sl_dp_map_count(bpf_map__fd(m));
	unsigned int max = bpf_map__max_entries(m);

	sl_buf_printf(&r->out, "  %-16s %8ld / %-8u %5.1f%%\n", name, n, max,
		      max ? 100.0 * (double)n / max : 0.0);
}

void sl_cmd_status(struct sl_agent *a, struct sl_request *r)
{
	struct sl_datapath *dp = &a->dp;
	uint64_t stats[SL_STAT__MAX];

	sl_buf_printf(&r->out, "sluiced %s (map layout %u), node %s, pid %d, up %lds\n",
		      SLUICE_VERSION, SLUICE_ABI_VERSION, a->node, (int)getpid(),
		      (long)(time(NULL) - a->started));
	struct utsname un = {};

	uname(&un);
	sl_buf_printf(&r->out, "kernel:  %s %s, libbpf %u.%u\n", un.sysname, un.release,
		      libbpf_major_version(), libbpf_minor_version());
	sl_buf_printf(&r->out, "cgroup:  %s\nbpffs:   %s (%s)\nstate:   %s\n", dp->cgroup,
		      dp->bpffs, dp->maps_adopted ? "adopted at start" : "created at start",
		      a->state_dir);
	sl_buf_printf(
		&r->out, "features: bpf_set_retval=%s (refused connects get %s), bpf_stats=%s\n",
		dp->feat.set_retval ? "yes" : "no", dp->feat.set_retval ? "ECONNREFUSED" : "EPERM",
		dp->feat.bpf_stats ? "on" : "off");
	sl_buf_printf(&r->out, "acceleration: %s\n", dp->accel_why ? dp->accel_why : "off");
	if (a->proxy.port)
		sl_buf_printf(&r->out, "proxy hop acceleration: %s\n",
			      dp->accel_proxy == SL_ACCEL_PROXY_BOTH	  ? "both directions"
			      : dp->accel_proxy == SL_ACCEL_PROXY_REQUEST ? "client to proxy"
									  : "off");
	sl_buf_printf(&r->out, "programs:\n  %-13s %-8s %-8s %-18s %s\n", "HOOK", "PROG-ID",
		      "LINK-ID", "PROGRAM", "ATTACHED-HERE");
	for (int h = 0; h < SL_HOOK__MAX; h++) {
		struct bpf_link_info li = {};
		struct bpf_prog_info pi = {};
		__u32 ll = sizeof(li), pl = sizeof(pi);
		char name[32] = "?";
		int cnt;

		if (dp->links[h])
			bpf_obj_get_info_by_fd(bpf_link__fd(dp->links[h]), &li, &ll);
		if (li.prog_id) {
			int pfd = bpf_prog_get_fd_by_id(li.prog_id);

			if (pfd >= 0) {
				if (!bpf_obj_get_info_by_fd(pfd, &pi, &pl))
					snprintf(name, sizeof(name), "%s", pi.name);
				close(pfd);
			}
		}
		cnt = attached_count(dp->cgroup_fd, (enum bpf_attach_type)sl_hook_attach_type(h));
		sl_buf_printf(&r->out, "  %-13s %-8u %-8u %-18s %d\n", sl_hook_name(h), li.prog_id,
			      li.id, name, cnt);
	}
	sl_buf_printf(&r->out, "maps:\n");
	map_line(r, "sl_svc", dp->skel->maps.sl_svc);
	map_line(r, "sl_bset", dp->skel->maps.sl_bset);
	map_line(r, "sl_udp_revnat", dp->skel->maps.sl_udp_revnat);
	map_line(r, "sl_ipcache", dp->skel->maps.sl_ipcache);
	map_line(r, "sl_authz", dp->tc->maps.sl_authz);
	sl_buf_printf(&r->out,
		      "authorization: %s, epoch %d, %zu policies, %u source classes, %u "
		      "destination groups; tc on %zu pod interfaces%s\n",
		      a->az.on ? "on" : "off (no policy selects a pod)", a->az.epoch,
		      a->authz.npolicies, a->authz.nclasses, a->authz.ngroups,
		      sl_pod_tc_count(&a->podtc),
		      a->podtc.nattach_failed ? " (some failed to attach: see the log)" : "");
	sl_buf_printf(&r->out, "desired state: %zu objects, %zu frontends, %zu backend slots\n",
		      sl_store_count(&a->store), a->compiled.fe.used, a->compiled.nslots);
	sl_buf_printf(&r->out, "applies: %llu ok, %llu rejected; last took %llu us\n",
		      (unsigned long long)a->applies, (unsigned long long)a->apply_failures,
		      (unsigned long long)a->last_apply_us);
	if (!a->proxy.port)
		sl_buf_printf(&r->out, "proxy: none (L7 configuration is refused)\n");
	else if (!a->proxy_control)
		sl_buf_printf(&r->out,
			      "proxy: steered to port %u; no --proxy-control (not pushed)\n",
			      ntohs(a->proxy.port));
	else if (!a->applies)
		sl_buf_printf(&r->out, "proxy: nothing applied yet\n");
	else if (!a->push.err && a->push.acked == a->push.version)
		sl_buf_printf(&r->out, "proxy: version %" PRIu64 " in force (%" PRIu64 " pushes)\n",
			      a->push.version, a->push.pushes);
	else
		sl_buf_printf(&r->out,
			      "proxy: version %" PRIu64 " NOT in force (proxy has %" PRIu64
			      "): %s\n",
			      a->push.version, a->push.acked, a->push.msg);
	if (!sl_dp_read_stats(dp, stats)) {
		sl_buf_printf(&r->out, "counters:\n");
		for (int s = 0; s < SL_STAT__MAX; s++)
			sl_buf_printf(&r->out, "  %-26s %llu\n", sl_stat_name(s),
				      (unsigned long long)stats[s]);
	}
}
