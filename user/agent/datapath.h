/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The kernel side as the agent sees it: loads the BPF programs (skeleton), pins their
 * maps and cgroup links under --bpffs, and on a restart adopts what is pinned without
 * detaching, re-creating or emptying anything: pinned maps are reused by libbpf and
 * each pinned link gets its program swapped atomically (BPF_LINK_UPDATE), so there is
 * always exactly one Sluice program per hook.
 */
#ifndef SLUICE_AGENT_DATAPATH_H
#define SLUICE_AGENT_DATAPATH_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "sluice/abi.h"

struct sock_lb_bpf;
struct sockops_bpf;
struct sk_msg_bpf;
struct tc_bpf;
struct sockopt_bpf;

enum sl_accel_mode {
	SL_ACCEL_AUTO = 0, /* on where the kernel supports it */
	SL_ACCEL_ON, /* on, or refuse to start */
	SL_ACCEL_OFF,
};
struct sock_destroy_bpf;
struct bpf_link;

enum sl_hook {
	SL_HOOK_CONNECT4 = 0,
	SL_HOOK_CONNECT6,
	SL_HOOK_SENDMSG4,
	SL_HOOK_SENDMSG6,
	SL_HOOK_RECVMSG4,
	SL_HOOK_RECVMSG6,
	SL_HOOK_GETPEERNAME4,
	SL_HOOK_GETPEERNAME6,
	SL_HOOK_SOCKOPS,
	SL_HOOK_GETSOCKOPT,
	SL_HOOK__MAX,
};

struct sl_features {
	bool set_retval; /* sock_addr programs may choose the errno (ECONNREFUSED) */
	bool bpf_stats; /* kernel.bpf_stats_enabled */
	bool sock_destroy; /* bpf_sock_destroy from a UDP socket iterator loaded */
};

struct sl_dp_opts {
	const char *bpffs; /* pin directory */
	const char *cgroup; /* cgroup v2 directory the programs attach to */
	uint32_t max_services, max_backends, max_udp_flows, max_flow_keys, max_policy_entries;
	bool telemetry; /* count flows and emit flow events */
	enum sl_accel_mode accelerate;
	enum sl_accel_proxy_mode accel_proxy; /* --proxy-accelerate (off without a proxy) */
};

struct sl_datapath {
	struct sock_lb_bpf *skel;
	struct sockops_bpf *sockops;
	struct sk_msg_bpf *msg; /* NULL when acceleration is off */
	struct bpf_link *msg_link; /* sk_msg on sl_sockhash (pinned link_sk_msg) */
	bool accelerating; /* same-node pod pairs */
	enum sl_accel_proxy_mode accel_proxy; /* the proxy hop, as loaded */
	const char *accel_why; /* whether and why acceleration is on, for status */
	char accel_why_buf[256];
	struct sock_destroy_bpf *destroy; /* NULL without sock_destroy support */
	struct bpf_link *iter_link; /* the UDP iterator, not pinned: made at start */
	struct bpf_link *tcp_iter_link; /* the TCP policy sweep iterator, likewise */
	struct tc_bpf *tc; /* authorization and anti-spoofing at the pod interfaces */
	struct sockopt_bpf *sockopt; /* SO_ORIGINAL_DST for the node proxy */
	struct bpf_link *links[SL_HOOK__MAX];
	bool link_adopted[SL_HOOK__MAX];
	int cgroup_fd;
	bool maps_adopted; /* pinned maps existed before this start */
	struct sl_features feat;
	int flow_stats_fd, ipcache_fd, events_fd;
	int svc_fd, bset_fd, bset_rev_fd, maglev_fd, src_route_fd, src_fd, cfg_fd, revnat_fd,
		stats_fd, meta_fd, authz_fd, podif_fd, authz_stats_fd, proxy_fd, orig_dst_fd;
	char bpffs[PATH_MAX];
	char cgroup[PATH_MAX];
};

/* Loads, pins and attaches (or adopts). Returns 0 or -errno with a logged reason. */
int sl_dp_open(struct sl_datapath *dp, const struct sl_dp_opts *o);
/* Closes the agent's handles; the pinned data plane keeps running. */
void sl_dp_close(struct sl_datapath *dp);
/* Removes every pinned link (detaching the programs) and map, and the pin directory. */
int sl_dp_cleanup(const char *bpffs);

const char *sl_hook_name(enum sl_hook h);
/* The bpf_attach_type of a hook (enum bpf_attach_type). */
int sl_hook_attach_type(enum sl_hook h);
/* Destroys connected UDP sockets whose backend is in gone[], in each network namespace
 * of netns_fds (the pods'). Returns the number of namespaces walked, or -errno (the
 * sockets destroyed are counted in SL_STAT_UDP_DESTROYED). */
int sl_dp_destroy_udp(struct sl_datapath *dp, const struct sl_backend *gone, size_t ngone,
		      const int *netns_fds, size_t nnetns);
/* Closes the established connections into local pods that the policy in force denies,
 * in each network namespace of netns_fds. Returns the namespaces walked or -errno
 * (closed connections are counted in SL_STAT_AUTHZ_TCP_DESTROYED). */
int sl_dp_sweep_tcp(struct sl_datapath *dp, const int *netns_fds, size_t nnetns);
/* Counter totals over all CPUs. */
int sl_dp_read_stats(const struct sl_datapath *dp, uint64_t out[SL_STAT__MAX]);
const char *sl_stat_name(enum sl_stat s);
/* Entries currently in a map (walks its keys). */
long sl_dp_map_count(int fd);

/* Finds the cgroup v2 mount point in /proc/self/mountinfo. */
int sl_find_cgroup2_root(char *buf, size_t len);
/* Mounts bpffs at /sys/fs/bpf when the pin path is not on a bpffs. */
int sl_ensure_bpffs(const char *pin_dir);

#endif
