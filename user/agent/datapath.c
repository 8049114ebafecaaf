// SPDX-License-Identifier: Apache-2.0
#include <dirent.h>
#include <sched.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "agent/accel_probe.h"
#include "agent/datapath.h"
#include "agent/features.h"
#include "common/log.h"
#include "sock_destroy.skel.h"
#include "sock_lb.skel.h"
#include "sk_msg.skel.h"
#include "sockops.skel.h"
#include "sockopt.skel.h"
#include "tc.skel.h"

static const struct {
	const char *name; /* also the link's pin name: link_<name> */
	enum bpf_attach_type type;
} hooks[SL_HOOK__MAX] = {
	[SL_HOOK_CONNECT4] = { "connect4", BPF_CGROUP_INET4_CONNECT },
	[SL_HOOK_CONNECT6] = { "connect6", BPF_CGROUP_INET6_CONNECT },
	[SL_HOOK_SENDMSG4] = { "sendmsg4", BPF_CGROUP_UDP4_SENDMSG },
	[SL_HOOK_SENDMSG6] = { "sendmsg6", BPF_CGROUP_UDP6_SENDMSG },
	[SL_HOOK_RECVMSG4] = { "recvmsg4", BPF_CGROUP_UDP4_RECVMSG },
	[SL_HOOK_RECVMSG6] = { "recvmsg6", BPF_CGROUP_UDP6_RECVMSG },
	[SL_HOOK_GETPEERNAME4] = { "getpeername4", BPF_CGROUP_INET4_GETPEERNAME },
	[SL_HOOK_GETPEERNAME6] = { "getpeername6", BPF_CGROUP_INET6_GETPEERNAME },
	[SL_HOOK_SOCKOPS] = { "sockops", BPF_CGROUP_SOCK_OPS },
	[SL_HOOK_GETSOCKOPT] = { "getsockopt", BPF_CGROUP_GETSOCKOPT },
};

static const char *const stat_names[SL_STAT__MAX] = {
	[SL_STAT_CONNECT_XLATED] = "connect_translated",
	[SL_STAT_CONNECT_NO_BACKEND] = "connect_no_backend",
	[SL_STAT_SENDMSG_XLATED] = "sendmsg_translated",
	[SL_STAT_SENDMSG_NO_BACKEND] = "sendmsg_no_backend",
	[SL_STAT_RECVMSG_REVNAT] = "recvmsg_vip_restored",
	[SL_STAT_PEERNAME_REVNAT] = "getpeername_vip_restored",
	[SL_STAT_BSET_MISS] = "backend_slot_missing",
	[SL_STAT_REVNAT_FULL] = "udp_revnat_update_failed",
	[SL_STAT_POOL_FULL] = "connect_pool_full",
	[SL_STAT_AFFINITY_HIT] = "affinity_hit",
	[SL_STAT_SRC_ROUTE_HIT] = "source_route_hit",
	[SL_STAT_UDP_DESTROYED] = "udp_socket_destroyed",
	[SL_STAT_EVENTS_LOST] = "flow_events_lost",
	[SL_STAT_FLOW_KEYS_FULL] = "flow_keys_full",
	[SL_STAT_MSG_REDIRECTED] = "sk_msg_redirected",
	[SL_STAT_MSG_FALLBACK] = "sk_msg_fallback",
	[SL_STAT_SOCKHASH_ADDED] = "sockhash_added",
	[SL_STAT_AUTHZ_DENIED] = "policy_denied",
	[SL_STAT_AUTHZ_DENIED_SOURCE] = "policy_denied_at_source",
	[SL_STAT_AUTHZ_AUDITED] = "policy_audited",
	[SL_STAT_SPOOF_DROPPED] = "spoofed_source_dropped",
	[SL_STAT_AUTHZ_TCP_DESTROYED] = "policy_connection_closed",
	[SL_STAT_AUTHZ_STATS_FULL] = "policy_stats_full",
	[SL_STAT_L7_STEERED] = "l7_steered_to_proxy",
	[SL_STAT_PROXY_PORT_REFUSED] = "proxy_port_refused",
	[SL_STAT_ORIG_DST_ANSWERED] = "original_dst_answered",
	[SL_STAT_PROXY_SOCK_ADDED] = "proxy_hop_sockhash_added",
	[SL_STAT_MSG_BUDGET_SPENT] = "sk_msg_budget_spent",
};

const char *sl_hook_name(enum sl_hook h)
{
	return h < SL_HOOK__MAX ? hooks[h].name : "?";
}

int sl_hook_attach_type(enum sl_hook h)
{
	return h < SL_HOOK__MAX ? (int)hooks[h].type : -1;
}

const char *sl_stat_name(enum sl_stat s)
{
	return s < SL_STAT__MAX && stat_names[s] ? stat_names[s] : "?";
}

static struct bpf_program *hook_prog(struct sl_datapath *dp, enum sl_hook h)
{
	struct sock_lb_bpf *skel = dp->skel;

	switch (h) {
	case SL_HOOK_CONNECT4:
		return skel->progs.sl_connect4;
	case SL_HOOK_CONNECT6:
		return skel->progs.sl_connect6;
	case SL_HOOK_SENDMSG4:
		return skel->progs.sl_sendmsg4;
	case SL_HOOK_SENDMSG6:
		return skel->progs.sl_sendmsg6;
	case SL_HOOK_RECVMSG4:
		return skel->progs.sl_recvmsg4;
	case SL_HOOK_RECVMSG6:
		return skel->progs.sl_recvmsg6;
	case SL_HOOK_GETPEERNAME4:
		return skel->progs.sl_getpeername4;
	case SL_HOOK_GETPEERNAME6:
		return skel->progs.sl_getpeername6;
	case SL_HOOK_SOCKOPS:
		return dp->sockops->progs.sl_sockops;
	case SL_HOOK_GETSOCKOPT:
		return dp->sockopt->progs.sl_getsockopt;
	default:
		return NULL;
	}
}

int sl_find_cgroup2_root(char *buf, size_t len)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char line[4096];
	int ret = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char mnt[PATH_MAX], fstype[64];
		char *sep = strstr(line, " - ");

		/* "id parent maj:min root mountpoint opts... - fstype source superopts" */
		if (!sep || sscanf(sep + 3, "%63s", fstype) != 1 || strcmp(fstype, "cgroup2"))
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1)
			continue;
		if (strlen(mnt) >= len) {
			ret = -ENAMETOOLONG;
			break;
		}
		strcpy(buf, mnt);
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

static int mkdir_p(const char *path, mode_t mode)
{
	char tmp[PATH_MAX];
	size_t n = strlen(path);

	if (n >= sizeof(tmp))
		return -ENAMETOOLONG;
	memcpy(tmp, path, n + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, mode) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

static bool on_bpffs(const char *path)
{
	char tmp[PATH_MAX];
	struct statfs st;

	snprintf(tmp, sizeof(tmp), "%s", path);
	/* The nearest ancestor that exists decides. */
	for (;;) {
		if (!statfs(tmp, &st))
			return st.f_type == BPF_FS_MAGIC;
		char *slash = strrchr(tmp, '/');

		if (!slash || slash == tmp)
			return false;
		*slash = '\0';
	}
}

int sl_ensure_bpffs(const char *pin_dir)
{
	if (on_bpffs(pin_dir))
		return mkdir_p(pin_dir, 0700);
	if (strncmp(pin_dir, "/sys/fs/bpf/", 12)) {
		pr_err("%s is not on a bpffs mount; pass --bpffs under a mounted bpffs", pin_dir);
		return -EINVAL;
	}
	if (mkdir("/sys/fs/bpf", 0700) && errno != EEXIST)
		return -errno;
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700")) {
		pr_err("mounting bpffs at /sys/fs/bpf: %s", strerror(errno));
		return -errno;
	}
	pr_info("mounted bpffs at /sys/fs/bpf");
	return mkdir_p(pin_dir, 0700);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* libbpf's messages go through our logger one level lower. */
	enum sl_log_level l = level == LIBBPF_WARN ? SL_LOG_INFO : SL_LOG_DEBUG;
	char buf[1024];

	if (l > sl_log_get_level())
		return 0;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	sl_log(l, "libbpf: %s", buf);
	return 0;
}

/* A map pinned with other limits than the flags ask for cannot be reused; say which
 * flag and how to resize instead of libbpf's generic mismatch. */
static int check_pinned_size(const char *dir, const char *map, const char *flag, uint32_t want)
{
	struct bpf_map_info info = {};
	uint32_t len = sizeof(info);
	char path[PATH_MAX];
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, map);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len) && info.max_entries != want) {
		pr_err("pinned map %s holds up to %u entries but %s=%u; keep the old value, or run `sluiced --cleanup` first (this removes the data plane)",
		       path, info.max_entries, flag, want);
		err = -EINVAL;
	}
	close(fd);
	return err;
}

static int check_meta(const char *dir, bool *exists)
{
	struct sl_meta meta = {};
	char path[PATH_MAX];
	uint32_t key = 0;
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/sl_meta", dir);
	fd = bpf_obj_get(path);
	*exists = fd >= 0;
	if (fd < 0)
		return 0;
	if (bpf_map_lookup_elem(fd, &key, &meta)) {
		err = -errno;
	} else if (meta.magic != SLUICE_ABI_MAGIC || meta.abi_version != SLUICE_ABI_VERSION) {
		pr_err("pinned maps in %s have layout version %u (magic %#x); this sluiced uses %u. Run `sluiced --cleanup` with the old version first",
		       dir, meta.abi_version, meta.magic, SLUICE_ABI_VERSION);
		err = -EPROTO;
	}
	close(fd);
	return err;
}

/* The pinned link must be ours: a cgroup link of the right hook on the right cgroup. */
static int check_link(struct bpf_link *link, enum sl_hook h, uint64_t cgroup_id)
{
	struct bpf_link_info info = {};
	uint32_t len = sizeof(info);

	if (bpf_obj_get_info_by_fd(bpf_link__fd(link), &info, &len))
		return -errno;
	if (info.type != BPF_LINK_TYPE_CGROUP || info.cgroup.attach_type != hooks[h].type) {
		pr_err("pinned link for %s is not a cgroup %s link", hooks[h].name, hooks[h].name);
		return -EINVAL;
	}
	if (info.cgroup.cgroup_id != cgroup_id) {
		pr_err("pinned link for %s is attached to another cgroup (id %llu, --cgroup has id %llu); use the --cgroup it was started with, or run --cleanup",
		       hooks[h].name, (unsigned long long)info.cgroup.cgroup_id,
		       (unsigned long long)cgroup_id);
		return -EINVAL;
	}
	return 0;
}

/* Links an earlier sluiced pinned at hooks this one does not use. Unpinning a link,
 * its last reference, detaches the program. */
static const char *const retired_links[] = {
	/* cgroup skb UDP telemetry: UDP is counted at the pod's interface (tc) now, so
	 * that TCP packets run no program of ours */
	"skb_egress",
	"skb_ingress",
};

static int detach_retired(const struct sl_datapath *dp)
{
	char path[PATH_MAX + 32];

	for (size_t i = 0; i < sizeof(retired_links) / sizeof(retired_links[0]); i++) {
		snprintf(path, sizeof(path), "%s/link_%s", dp->bpffs, retired_links[i]);
		if (unlink(path) == 0) {
			pr_info("detached %s, left by an earlier sluiced (this one does not use the hook)",
				path);
		} else if (errno != ENOENT) {
			int err = -errno;

			pr_err("removing %s: %s", path, strerror(errno));
			return err;
		}
	}
	return 0;
}

static int attach_hooks(struct sl_datapath *dp)
{
	struct stat st;
	int err;

	if (fstat(dp->cgroup_fd, &st))
		return -errno;
	err = detach_retired(dp);
	if (err)
		return err;
	for (int h = 0; h < SL_HOOK__MAX; h++) {
		struct bpf_program *prog = hook_prog(dp, h);
		char path[PATH_MAX + 32];
		struct bpf_link *link;

		snprintf(path, sizeof(path), "%s/link_%s", dp->bpffs, hooks[h].name);
		link = access(path, F_OK) ? NULL : bpf_link__open(path);
		if (link) {
			err = check_link(link, h, st.st_ino);
			if (!err)
				err = bpf_link__update_program(link, prog);
			if (err) {
				pr_err("adopting %s: %s", path, strerror(-err));
				bpf_link__disconnect(link);
				bpf_link__destroy(link);
				return err;
			}
			dp->link_adopted[h] = true;
		} else {
			link = bpf_program__attach_cgroup(prog, dp->cgroup_fd);
			if (!link) {
				err = -errno;
				pr_err("attaching %s to %s: %s", hooks[h].name, dp->cgroup,
				       strerror(-err));
				return err;
			}
			err = bpf_link__pin(link, path);
			if (err) {
				pr_err("pinning %s: %s", path, strerror(-err));
				bpf_link__destroy(link);
				return err;
			}
		}
		bpf_link__disconnect(link); /* closing our fd never detaches */
		dp->links[h] = link;
	}
	return 0;
}

/* Which capacity flag sizes each pinned map. Every object that declares a map sizes it
 * the same way, so the objects share the pinned copy. */
static const struct {
	const char *map, *flag;
	int which; /* 0 services, 1 backends, 2 udp flows, 3 flow keys, 4 policy entries */
} map_sizes[] = {
	{ "sl_svc", "--max-services", 0 },	    { "sl_src_route", "--max-services", 0 },
	{ "sl_maglev", "--max-services", 0 },	    { "sl_src", "--max-services", 0 },
	{ "sl_pool", "--max-services", 0 },	    { "sl_bset", "--max-backends", 1 },
	{ "sl_bset_rev", "--max-backends", 1 },	    { "sl_be_conns", "--max-backends", 1 },
	{ "sl_udp_revnat", "--max-udp-flows", 2 },  { "sl_affinity", "--max-udp-flows", 2 },
	{ "sl_ipcache", "--max-backends", 1 },	    { "sl_flow_stats", "--max-flow-keys", 3 },
	{ "sl_sockhash", "--max-udp-flows", 2 },    { "sl_authz", "--max-policy-entries", 4 },
	{ "sl_podif", "--max-services", 0 },	    { "sl_udp_ct", "--max-udp-flows", 2 },
	{ "sl_authz_stats", "--max-flow-keys", 3 }, { "sl_orig_dst", "--max-udp-flows", 2 },
	{ "sl_proxy_socks", "--max-udp-flows", 2 },
};

static uint32_t size_for(const struct sl_dp_opts *o, int which)
{
	return which == 0   ? o->max_services
	       : which == 1 ? o->max_backends
	       : which == 2 ? o->max_udp_flows
	       : which == 3 ? o->max_flow_keys
			    : o->max_policy_entries;
}

static void size_maps(struct bpf_object *obj, const struct sl_dp_opts *o)
{
	struct bpf_map *m;

	bpf_object__for_each_map(m, obj)
	{
		for (size_t i = 0; i < sizeof(map_sizes) / sizeof(map_sizes[0]); i++)
			if (!strcmp(bpf_map__name(m), map_sizes[i].map))
				bpf_map__set_max_entries(m, size_for(o, map_sizes[i].which));
	}
}

/* Attaches (or adopts) the sk_msg program on sl_sockhash through a pinned link when
 * either kind of acceleration is on, or removes a link an earlier agent pinned. Pod
 * pairs follow --accelerate (auto: the probe decides); the proxy hop follows
 * --proxy-accelerate, whatever the probe says: its request direction is read by the
 * proxy alone, which never splices, and with `both` the user has chosen. */
static int accel_open(struct sl_datapath *dp, const struct sl_dp_opts *o,
		      const struct bpf_object_open_opts *oopts)
{
	char path[PATH_MAX + 32], probe_why[160];
	bool pods = o->accelerate != SL_ACCEL_OFF;
	struct bpf_link *link;
	int fd, err;

	snprintf(path, sizeof(path), "%s/link_sk_msg", dp->bpffs);
	if (o->accelerate == SL_ACCEL_AUTO && sl_accel_probe(probe_why, sizeof(probe_why))) {
		snprintf(dp->accel_why_buf, sizeof(dp->accel_why_buf),
			 "off (auto: %s; --accelerate=on forces it)", probe_why);
		pr_info("same-node acceleration %s", dp->accel_why_buf);
		pods = false;
	}
	dp->accel_why = dp->accel_why_buf[0] ? dp->accel_why_buf : "off (--accelerate=off)";
	if (!pods && o->accel_proxy == SL_ACCEL_PROXY_OFF) {
		if (!access(path, F_OK) && unlink(path))
			pr_warn("removing %s: %s", path, strerror(errno));
		return 0;
	}
	dp->msg = sk_msg_bpf__open_opts(oopts);
	if (!dp->msg)
		return -errno;
	size_maps(dp->msg->obj, o);
	err = sk_msg_bpf__load(dp->msg);
	if (!err) {
		link = access(path, F_OK) ? NULL : bpf_link__open(path);
		if (link) {
			err = bpf_link__update_program(link, dp->msg->progs.sl_sk_msg);
		} else {
			fd = bpf_link_create(bpf_program__fd(dp->msg->progs.sl_sk_msg),
					     bpf_map__fd(dp->skel->maps.sl_sockhash),
					     BPF_SK_MSG_VERDICT, NULL);
			err = fd < 0 ? -errno : 0;
			if (!err) {
				err = bpf_obj_pin(fd, path) ? -errno : 0;
				close(fd);
				link = err ? NULL : bpf_link__open(path);
				if (!err && !link)
					err = -errno;
			}
		}
		if (!err) {
			bpf_link__disconnect(link);
			dp->msg_link = link;
			dp->accelerating = pods;
			dp->accel_proxy = o->accel_proxy;
			if (pods)
				dp->accel_why = o->accelerate == SL_ACCEL_ON
							? "on (--accelerate=on)"
							: "on (auto: supported)";
			return 0;
		}
		if (link)
			bpf_link__destroy(link);
	}
	sk_msg_bpf__destroy(dp->msg);
	dp->msg = NULL;
	if (o->accelerate == SL_ACCEL_ON) {
		pr_err("--accelerate=on: cannot attach sk_msg to the sockhash: %s", strerror(-err));
		return err;
	}
	pr_warn("acceleration off (same-node and proxy hop): this kernel cannot attach sk_msg "
		"through a link (%s)",
		strerror(-err));
	dp->accel_why = "off (auto: kernel lacks sockmap links)";
	return 0;
}

int sl_dp_open(struct sl_datapath *dp, const struct sl_dp_opts *o)
{
	LIBBPF_OPTS(bpf_object_open_opts, oopts, .pin_root_path = o->bpffs);
	struct sl_meta meta = {};
	uint32_t key = 0;
	int err;

	memset(dp, 0, sizeof(*dp));
	dp->cgroup_fd = -1;
	snprintf(dp->bpffs, sizeof(dp->bpffs), "%s", o->bpffs);
	snprintf(dp->cgroup, sizeof(dp->cgroup), "%s", o->cgroup);
	libbpf_set_print(libbpf_print);

	err = sl_ensure_bpffs(o->bpffs);
	if (err)
		return err;
	err = check_meta(o->bpffs, &dp->maps_adopted);
	if (err)
		return err;
	err = check_pinned_size(o->bpffs, "sl_svc", "--max-services", o->max_services);
	err = err ?: check_pinned_size(o->bpffs, "sl_bset", "--max-backends", o->max_backends);
	err = err
		      ?: check_pinned_size(o->bpffs, "sl_udp_revnat", "--max-udp-flows",
					   o->max_udp_flows);
	if (err)
		return err;
	dp->cgroup_fd = open(o->cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dp->cgroup_fd < 0) {
		err = -errno;
		pr_err("opening cgroup %s: %s", o->cgroup, strerror(errno));
		return err;
	}
	sl_probe_features(&dp->feat);

	dp->skel = sock_lb_bpf__open_opts(&oopts);
	if (!dp->skel) {
		err = -errno;
		pr_err("opening the BPF object: %s", strerror(-err));
		goto fail;
	}
	size_maps(dp->skel->obj, o);
	dp->skel->rodata->cfg_refuse_with_econnrefused = dp->feat.set_retval;
	dp->skel->rodata->cfg_telemetry = o->telemetry;
	err = sock_lb_bpf__load(dp->skel);
	if (err) {
		pr_err("loading the BPF programs: %s (run with --log-level debug for the verifier log)",
		       strerror(-err));
		goto fail;
	}
	/* The other objects reuse the maps sock_lb just created or adopted. Acceleration
	 * is decided first: sockops is loaded knowing whether to fill the sockhash. */
	err = accel_open(dp, o, &oopts);
	if (err)
		goto fail;
	dp->sockops = sockops_bpf__open_opts(&oopts);
	if (!dp->sockops) {
		err = -errno;
		goto fail;
	}
	size_maps(dp->sockops->obj, o);
	dp->sockops->rodata->cfg_telemetry = o->telemetry;
	dp->sockops->rodata->cfg_accelerate = dp->accelerating;
	dp->sockops->rodata->cfg_accel_proxy = dp->accel_proxy;
	err = sockops_bpf__load(dp->sockops);
	if (err) {
		pr_err("loading the sockops program: %s", strerror(-err));
		goto fail;
	}
	dp->tc = tc_bpf__open_opts(&oopts);
	if (!dp->tc) {
		err = -errno;
		goto fail;
	}
	size_maps(dp->tc->obj, o);
	dp->tc->rodata->cfg_telemetry = o->telemetry;
	err = tc_bpf__load(dp->tc);
	if (err) {
		pr_err("loading the tc programs: %s", strerror(-err));
		goto fail;
	}
	dp->sockopt = sockopt_bpf__open_opts(&oopts);
	if (!dp->sockopt) {
		err = -errno;
		goto fail;
	}
	size_maps(dp->sockopt->obj, o);
	err = sockopt_bpf__load(dp->sockopt);
	if (err) {
		pr_err("loading the getsockopt program: %s", strerror(-err));
		goto fail;
	}
	dp->destroy = sock_destroy_bpf__open_opts(&oopts);
	if (dp->destroy) {
		size_maps(dp->destroy->obj, o);
		if (sock_destroy_bpf__load(dp->destroy) ||
		    !(dp->iter_link =
			      bpf_program__attach_iter(dp->destroy->progs.sl_udp_destroy, NULL)) ||
		    !(dp->tcp_iter_link = bpf_program__attach_iter(
			      dp->destroy->progs.sl_tcp_authz_sweep, NULL))) {
			pr_warn("no bpf_sock_destroy in this kernel: connected UDP sockets are not moved off removed backends, and a policy change does not close established connections");
			bpf_link__destroy(dp->iter_link);
			dp->iter_link = NULL;
			sock_destroy_bpf__destroy(dp->destroy);
			dp->destroy = NULL;
		}
	}
	dp->feat.sock_destroy = dp->destroy != NULL;
	dp->svc_fd = bpf_map__fd(dp->skel->maps.sl_svc);
	dp->bset_fd = bpf_map__fd(dp->skel->maps.sl_bset);
	dp->bset_rev_fd = bpf_map__fd(dp->skel->maps.sl_bset_rev);
	dp->maglev_fd = bpf_map__fd(dp->skel->maps.sl_maglev);
	dp->src_route_fd = bpf_map__fd(dp->skel->maps.sl_src_route);
	dp->src_fd = bpf_map__fd(dp->skel->maps.sl_src);
	dp->cfg_fd = bpf_map__fd(dp->skel->maps.sl_cfg);
	dp->flow_stats_fd = bpf_map__fd(dp->skel->maps.sl_flow_stats);
	dp->ipcache_fd = bpf_map__fd(dp->skel->maps.sl_ipcache);
	dp->events_fd = bpf_map__fd(dp->skel->maps.sl_events);
	dp->revnat_fd = bpf_map__fd(dp->skel->maps.sl_udp_revnat);
	dp->stats_fd = bpf_map__fd(dp->skel->maps.sl_stats);
	dp->meta_fd = bpf_map__fd(dp->skel->maps.sl_meta);
	dp->authz_fd = bpf_map__fd(dp->tc->maps.sl_authz);
	dp->podif_fd = bpf_map__fd(dp->tc->maps.sl_podif);
	dp->authz_stats_fd = bpf_map__fd(dp->tc->maps.sl_authz_stats);
	dp->proxy_fd = bpf_map__fd(dp->skel->maps.sl_proxy);
	dp->orig_dst_fd = bpf_map__fd(dp->sockops->maps.sl_orig_dst);
	if (!dp->maps_adopted) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		meta = (struct sl_meta){ .magic = SLUICE_ABI_MAGIC,
					 .abi_version = SLUICE_ABI_VERSION,
					 .created_ns = (uint64_t)ts.tv_sec * 1000000000ull +
						       (uint64_t)ts.tv_nsec };
		if (bpf_map_update_elem(dp->meta_fd, &key, &meta, BPF_ANY)) {
			err = -errno;
			pr_err("writing sl_meta: %s", strerror(errno));
			goto fail;
		}
	}
	err = attach_hooks(dp);
	if (err)
		goto fail;
	return 0;
fail:
	sl_dp_close(dp);
	return err;
}

void sl_dp_close(struct sl_datapath *dp)
{
	for (int h = 0; h < SL_HOOK__MAX; h++) {
		if (dp->links[h])
			bpf_link__destroy(dp->links[h]);
		dp->links[h] = NULL;
	}
	bpf_link__destroy(dp->iter_link);
	dp->iter_link = NULL;
	bpf_link__destroy(dp->tcp_iter_link);
	dp->tcp_iter_link = NULL;
	sock_destroy_bpf__destroy(dp->destroy);
	dp->destroy = NULL;
	tc_bpf__destroy(dp->tc);
	dp->tc = NULL;
	sockopt_bpf__destroy(dp->sockopt);
	dp->sockopt = NULL;
	if (dp->msg_link) {
		bpf_link__disconnect(dp->msg_link);
		bpf_link__destroy(dp->msg_link);
	}
	dp->msg_link = NULL;
	sk_msg_bpf__destroy(dp->msg);
	dp->msg = NULL;
	sockops_bpf__destroy(dp->sockops);
	dp->sockops = NULL;
	sock_lb_bpf__destroy(dp->skel);
	dp->skel = NULL;
	if (dp->cgroup_fd >= 0)
		close(dp->cgroup_fd);
	dp->cgroup_fd = -1;
}

int sl_dp_cleanup(const char *bpffs)
{
	DIR *d = opendir(bpffs);
	struct dirent *de;
	char path[PATH_MAX];
	int err = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	/* Links first: unpinning the last reference detaches the program. */
	for (int pass = 0; pass < 2; pass++) {
		rewinddir(d);
		while ((de = readdir(d))) {
			bool is_link = !strncmp(de->d_name, "link_", 5);

			if (de->d_name[0] == '.' || is_link != (pass == 0))
				continue;
			if (strncmp(de->d_name, "link_", 5) && strncmp(de->d_name, "sl_", 3))
				continue;
			snprintf(path, sizeof(path), "%s/%s", bpffs, de->d_name);
			if (unlink(path)) {
				pr_err("removing %s: %s", path, strerror(errno));
				err = -errno;
			}
		}
	}
	closedir(d);
	if (rmdir(bpffs) && errno != ENOENT) {
		pr_warn("%s not removed: %s", bpffs, strerror(errno));
		if (!err)
			err = -errno;
	}
	return err;
}

/* Runs the iterator `link` once in each network namespace of netns_fds (a socket
 * iterator walks the sockets of the namespace it is created in), calling `between`
 * after each. Returns the number of namespaces walked or -errno. */
static int iter_netns(struct bpf_link *link, const int *netns_fds, size_t nnetns,
		      void (*between)(struct sl_datapath *), struct sl_datapath *dp)
{
	int self, total = 0;
	char buf[64];

	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return -errno;
	for (size_t i = 0; i < nnetns; i++) {
		int it;

		if (setns(netns_fds[i], CLONE_NEWNET))
			continue;
		it = bpf_iter_create(bpf_link__fd(link));
		if (it >= 0) {
			while (read(it, buf, sizeof(buf)) > 0)
				;
			close(it);
			total++;
		}
		if (between)
			between(dp);
	}
	if (setns(self, CLONE_NEWNET)) {
		/* Cannot happen for our own namespace; nothing else would work after it. */
		pr_err("returning to the agent's network namespace: %s", strerror(errno));
		abort();
	}
	close(self);
	return total;
}

int sl_dp_destroy_udp(struct sl_datapath *dp, const struct sl_backend *gone, size_t ngone,
		      const int *netns_fds, size_t nnetns)
{
	int gone_fd, ret;
	uint8_t one = 1;

	if (!dp->destroy || !ngone || !nnetns)
		return 0;
	gone_fd = bpf_map__fd(dp->destroy->maps.sl_gone);
	for (size_t i = 0; i < ngone && i < bpf_map__max_entries(dp->destroy->maps.sl_gone); i++)
		bpf_map_update_elem(gone_fd, &gone[i], &one, BPF_ANY);
	ret = iter_netns(dp->iter_link, netns_fds, nnetns, NULL, dp);
	for (size_t i = 0; i < ngone; i++)
		bpf_map_delete_elem(gone_fd, &gone[i]);
	return ret;
}

/* The listening ports of one namespace must not be taken for the next one's. */
static void clear_listening(struct sl_datapath *dp)
{
	int fd = bpf_map__fd(dp->destroy->maps.sl_listening);
	__u16 k;

	while (!bpf_map_get_next_key(fd, NULL, &k))
		bpf_map_delete_elem(fd, &k);
}

int sl_dp_sweep_tcp(struct sl_datapath *dp, const int *netns_fds, size_t nnetns)
{
	if (!dp->destroy || !dp->tcp_iter_link || !nnetns)
		return 0;
	clear_listening(dp);
	return iter_netns(dp->tcp_iter_link, netns_fds, nnetns, clear_listening, dp);
}

int sl_dp_read_stats(const struct sl_datapath *dp, uint64_t out[SL_STAT__MAX])
{
	int ncpu = libbpf_num_possible_cpus();
	struct sl_stat_val *vals;

	if (ncpu <= 0)
		return -EINVAL;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (uint32_t k = 0; k < SL_STAT__MAX; k++) {
		out[k] = 0;
		if (bpf_map_lookup_elem(dp->stats_fd, &k, vals))
			continue;
		for (int c = 0; c < ncpu; c++)
			out[k] += vals[c].count;
	}
	free(vals);
	return 0;
}

long sl_dp_map_count(int fd)
{
	struct bpf_map_info info = {};
	uint32_t len = sizeof(info);
	char key[256], next[256];
	void *prev = NULL;
	long n = 0;

	if (bpf_obj_get_info_by_fd(fd, &info, &len) || info.key_size > sizeof(key))
		return -1;
	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, info.key_size);
		prev = key;
		n++;
	}
	return n;
}
