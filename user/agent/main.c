// SPDX-License-Identifier: Apache-2.0
/*
 * sluiced: the per-node agent. Loads and pins the data plane, reconciles the desired
 * state into its maps and serves sluicectl on a root-only unix socket.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

#include "agent/agent.h"
#include "agent/proxy_push.h"
#include "common/log.h"
#include "common/proto.h"
#include "model/objects.h"
#include "state/authz.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: sluiced [OPTIONS]\n"
		"Sluice node agent: loads the kernel data plane and serves sluicectl.\n\n"
		"  --node NAME            this node's name (default: the host name)\n"
		"  --cgroup PATH          cgroup v2 directory the socket programs attach to\n"
		"                         (default: the cgroup v2 root from /proc/self/mountinfo)\n"
		"  --bpffs PATH           pin directory for maps and links (default /sys/fs/bpf/sluice)\n"
		"  --socket PATH          CLI socket, mode 0600 (default /run/sluice/sluiced.sock)\n"
		"  --state-dir PATH       where the applied state is kept (default /var/lib/sluice)\n"
		"  --config-dir PATH      apply this directory's *.yaml|*.yml|*.json at start and\n"
		"                         whenever they change (objects of removed files are deleted)\n"
		"  --max-services N       service map entries, one per ClusterIP x port (default %u)\n"
		"  --max-backends N       backend map entries, all services' endpoints plus room for\n"
		"                         the largest single change (default %u)\n"
		"  --max-udp-flows N      unconnected-UDP reverse-translation entries, LRU (default %u)\n"
		"  --max-flow-keys N      telemetry aggregation keys (reporter x pod pair x port)\n"
		"                         (default %u)\n"
		"  --max-policy-entries N authorization verdict entries (default %u)\n"
		"  --trust-domain NAME    trust domain of workload principals (default cluster.local)\n"
		"  --root-namespace NS    AuthorizationPolicies here apply to every namespace\n"
		"                         (default istio-system)\n"
		"  --proxy-addr IP:PORT   the node's L7 proxy listener for IPv4 clients (L7 Services\n"
		"                         are steered there at connect time; default: no proxy)\n"
		"  --proxy-addr6 [IP]:PORT  its listener for IPv6 clients\n"
		"  --proxy-cgroup PATH    the proxy's cgroup: its own connections are never steered\n"
		"  --proxy-admin-port N   the proxy's admin port (default 15000; 0: none): workloads'\n"
		"                         connect() to it, or straight to the proxy's listener,\n"
		"                         is refused\n"
		"  --proxy-control PATH   the proxy's control socket (sluice-proxy --control): every\n"
		"                         apply is pushed to the proxy as a versioned snapshot\n"
		"                         (in force when apply returns; a restarted proxy is\n"
		"                         brought up to date within a second), and its request\n"
		"                         metrics (istio_requests_total, ...) are served with the\n"
		"                         agent's, sluice_proxy_up says whether it answered (each\n"
		"                         scrape waits at most 1s for it)\n"
		"  --proxy-sources CIDR[,CIDR...]  source addresses of the proxy's connections to\n"
		"                         pods, let through the pods' authorization (the proxy has\n"
		"                         judged them by every policy; default: the --proxy-addr\n"
		"                         and --proxy-addr6 addresses; empty: none; with more\n"
		"                         nodes, every node's proxy address, e.g. the node CIDR)\n"
		"  --proxy-accelerate request|both|off\n"
		"                         the hop between a workload and the proxy through sockhash\n"
		"                         + sk_msg, skipping the TCP/IP stack: request (default):\n"
		"                         what clients send goes straight to the proxy's socket\n"
		"                         (the proxy must read with recv/read, not splice: true of\n"
		"                         sluice-proxy and Envoy); both: the proxy's responses too\n"
		"                         (a client reading with splice(2) would then hang on this\n"
		"                         kernel, see --accelerate's probe); each socket redirects\n"
		"                         at most 1 MiB, then goes on over TCP\n"
		"  --telemetry on|off     count flows and keep flow events (default on)\n"
		"  --accelerate auto|on|off\n"
		"                         same-node pod-to-pod TCP through sockhash + sk_msg,\n"
		"                         skipping the TCP/IP stack (default auto: where supported)\n"
		"  --flow-key-retention S  seconds the kernel keeps the telemetry keys of a deleted\n"
		"                         Pod before the agent retires them into its totals (120)\n"
		"  --metrics-addr ADDR    Prometheus endpoint HOST:PORT, /metrics and /stats/prometheus\n"
		"                         (default 127.0.0.1:15020; empty: none)\n"
		"  --log-level LEVEL      error|warn|info|debug (default info)\n"
		"  --cleanup              remove everything this agent created for these flags\n"
		"                         (programs, links, maps, socket, state) and exit\n"
		"  --version              print the version and exit\n"
		"  -h, --help             this help\n\n"
		"SIGTERM stops the agent and leaves the data plane serving; a new agent with the\n"
		"same flags adopts it without interrupting traffic.\n",
		SL_DEFAULT_MAX_SERVICES, SL_DEFAULT_MAX_BACKENDS, SL_DEFAULT_MAX_UDP_FLOWS,
		SL_DEFAULT_MAX_FLOW_KEYS, SL_DEFAULT_MAX_POLICY_ENTRIES);
}

/* "10.0.0.1:15001" (family 4) or "[fd00::1]:15001" (family 6). */
static int parse_hostport(const char *s, int family, struct sl_addr *addr, __be16 *port)
{
	char host[64];
	const char *colon = strrchr(s, ':'), *h = s;
	struct sl_ip ip;
	size_t n;
	char *end;
	unsigned long p;

	if (!colon)
		return -EINVAL;
	n = (size_t)(colon - s);
	if (family == 6) {
		if (s[0] != '[' || n < 2 || s[n - 1] != ']')
			return -EINVAL;
		h = s + 1;
		n -= 2;
	}
	if (n == 0 || n >= sizeof(host))
		return -EINVAL;
	memcpy(host, h, n);
	host[n] = '\0';
	errno = 0;
	p = strtoul(colon + 1, &end, 10);
	if (errno || *end || !colon[1] || p == 0 || p > 65535)
		return -EINVAL;
	if (sl_ip_parse(host, &ip) || ip.family != family)
		return -EINVAL;
	memcpy(addr, ip.b, 16);
	*port = htons((uint16_t)p);
	return 0;
}

static int parse_u32(const char *flag, const char *s, uint32_t min, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || v < min || v > UINT32_MAX / 2) {
		pr_err("%s: '%s' is not a number between %u and %u", flag, s, min, UINT32_MAX / 2);
		return -EINVAL;
	}
	*out = (uint32_t)v;
	return 0;
}

static int lock_state_dir(struct sl_agent *a)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/lock", a->state_dir);
	if (sl_mkdir_parents(path, 0700))
		return -errno;
	if (mkdir(a->state_dir, 0700) && errno != EEXIST) {
		pr_err("creating %s: %s", a->state_dir, strerror(errno));
		return -errno;
	}
	a->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (a->lock_fd < 0)
		return -errno;
	if (flock(a->lock_fd, LOCK_EX | LOCK_NB)) {
		pr_err("another sluiced is running with --state-dir %s", a->state_dir);
		return -EBUSY;
	}
	return 0;
}

/* True at most once a second: for the loop's periodic chores. */
static bool second_passed(void)
{
	static int64_t last;
	struct timespec ts;
	int64_t now;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	if (now - last < 1000000000)
		return false;
	last = now;
	return true;
}

/* Retires the telemetry of deleted pods, at most once every few seconds. */
static void evict_flow_keys(struct sl_agent *a)
{
	static int64_t last;
	struct timespec ts;
	int64_t now;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	if (now - last < 5000000000ll && now - last < (int64_t)a->flow_key_retention_s * 1000000000)
		return;
	last = now;
	sl_metrics_evict(a, now);
}

enum { PFD_LISTEN, PFD_SIGNAL, PFD_CONFIG_DIR, PFD_EVENTS, PFD_ROUTES, PFD__FIXED };
#define MAX_PFDS (PFD__FIXED + 64 + 128)

static int run(struct sl_agent *a)
{
	sigset_t mask;
	int sfd, ifd;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0)
		return -errno;
	ifd = a->config_dir ? sl_config_dir_watch(a) : -1;
	pr_info("node %s ready: serving %s", a->node, a->socket_path);
	for (;;) {
		struct pollfd p[MAX_PFDS] = {
			[PFD_LISTEN] = { .fd = a->listen_fd, .events = POLLIN },
			[PFD_SIGNAL] = { .fd = sfd, .events = POLLIN },
			[PFD_CONFIG_DIR] = { .fd = ifd, .events = POLLIN },
			[PFD_EVENTS] = { .fd = sl_tel_poll_fd(&a->tel), .events = POLLIN },
			[PFD_ROUTES] = { .fd = sl_pod_tc_fd(&a->podtc), .events = POLLIN },
		};
		size_t nsub = sl_tel_sub_fds(&a->tel, p + PFD__FIXED, 64);
		size_t nmet =
			sl_metrics_fds(a, p + PFD__FIXED + nsub, MAX_PFDS - PFD__FIXED - nsub);
		/* Pending backend-set garbage is collected once the loop is idle; flow
		 * events are drained every 100 ms (the kernel wakes us only when its buffer
		 * fills); pod cgroups are rescanned every second. */
		int timeout = sl_lb_sync_pending_gc(&a->lb) ? 0 : 100;
		int n = poll(p, PFD__FIXED + nsub + nmet, timeout);

		if (n < 0 && errno != EINTR)
			return -errno;
		if (n == 0) {
			sl_tel_drain(&a->tel);
			if (sl_lb_sync_pending_gc(&a->lb)) {
				sl_lb_sync_gc(&a->lb);
			} else if (second_passed()) {
				sl_identity_sync(&a->id, &a->store);
				evict_flow_keys(a);
				sl_proxy_push_sync(a);
			}
			sl_metrics_handle(a, p + PFD__FIXED + nsub, nmet); /* idle timeouts */
			continue;
		}
		if (p[PFD_SIGNAL].revents) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				pr_info("signal %u: stopping; the data plane keeps serving",
					si.ssi_signo);
				break;
			}
		}
		if (p[PFD_EVENTS].revents)
			sl_tel_drain(&a->tel);
		if (p[PFD_ROUTES].revents)
			sl_pod_tc_handle(&a->podtc, &a->authz);
		if (p[PFD_LISTEN].revents & POLLIN) {
			int cfd = accept4(a->listen_fd, NULL, NULL, SOCK_CLOEXEC);

			if (cfd >= 0 && !sl_serve_one(a, cfd))
				close(cfd);
		}
		if (ifd >= 0 && (p[PFD_CONFIG_DIR].revents & POLLIN))
			sl_config_dir_apply(a);
		sl_tel_sub_handle(&a->tel, p + PFD__FIXED, nsub);
		sl_metrics_handle(a, p + PFD__FIXED + nsub, nmet);
	}
	sl_lb_sync_gc(&a->lb);
	close(sfd);
	return 0;
}

/* --proxy-sources: a comma-separated list of addresses or CIDR blocks ("" for none).
 * Returns 0, or -EINVAL after saying what is wrong. */
static int proxy_sources_parse(struct sl_agent *a, const char *arg)
{
	char *copy = strdup(arg), *save = NULL, *tok;
	size_t n = 0;

	if (!copy)
		return -ENOMEM;
	free(a->proxy_src_text);
	free(a->proxy_src);
	a->proxy_src_text = copy;
	a->proxy_src = calloc(strlen(arg) / 2 + 2, sizeof(*a->proxy_src));
	a->nproxy_src = 0;
	a->proxy_src_set = true;
	if (!a->proxy_src)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		struct sl_lpm_key k;
		uint8_t fam;

		if (sl_authz_parse_prefix(tok, &k, &fam)) {
			pr_err("--proxy-sources: '%s' is not an address or CIDR block", tok);
			return -EINVAL;
		}
		a->proxy_src[n++] = tok;
	}
	if (!n && *arg) {
		pr_err("--proxy-sources: '%s' lists no address", arg);
		return -EINVAL;
	}
	a->nproxy_src = n;
	return 0;
}

/* Without --proxy-sources: the proxy's listener addresses, which are the node's own (its
 * upstream connections leave from them). */
static int proxy_sources_default(struct sl_agent *a)
{
	static const uint8_t zero[16];
	char buf[2 * INET6_ADDRSTRLEN + 2] = "";
	char t[INET6_ADDRSTRLEN];
	const uint8_t *b4 = (const uint8_t *)&a->proxy.addr4,
		      *b6 = (const uint8_t *)&a->proxy.addr6;

	if (!a->proxy.port)
		return 0;
	if (memcmp(b4, zero, 16) && inet_ntop(AF_INET, b4 + 12, t, sizeof(t)))
		snprintf(buf, sizeof(buf), "%s", t);
	if (memcmp(b6, zero, 16) && inet_ntop(AF_INET6, b6, t, sizeof(t)))
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s", buf[0] ? "," : "",
			 t);
	return proxy_sources_parse(a, buf) ? -EINVAL : 0;
}

/* Writes sl_proxy from --proxy-addr / --proxy-addr6 / --proxy-cgroup (all zero: no
 * proxy, L7 frontends keep their L4 route). */
static int proxy_config(struct sl_agent *a, const char *cg2root)
{
	uint32_t zero = 0;
	struct stat st;

	if (a->proxy_cgroup) {
		size_t rl = strlen(cg2root);
		const char *p = a->proxy_cgroup + rl;

		if (strncmp(a->proxy_cgroup, cg2root, rl) || (*p && *p != '/') ||
		    stat(a->proxy_cgroup, &st)) {
			pr_err("--proxy-cgroup %s is not a cgroup below %s", a->proxy_cgroup,
			       cg2root);
			return -EINVAL;
		}
		a->proxy.cgroup_id = st.st_ino;
		for (; *p; p++)
			if (*p == '/' && p[1] && p[1] != '/')
				a->proxy.cgroup_level++;
	}
	if (a->proxy.port) {
		/* The proxy runs in the agent's (the node's) network namespace: the
		 * kernel refuses workloads there its loopback admin port. */
		int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		socklen_t len = sizeof(a->proxy.netns_cookie);

		if (fd < 0 ||
		    getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &a->proxy.netns_cookie, &len)) {
			pr_err("reading this network namespace's cookie: %s", strerror(errno));
			if (fd >= 0)
				close(fd);
			return -errno;
		}
		close(fd);
	}
	if (a->proxy.port && !a->proxy.cgroup_id)
		pr_warn("--proxy-addr without --proxy-cgroup: the proxy's own connections to L7 "
			"Services would be steered back to it");
	if (bpf_map_update_elem(a->dp.proxy_fd, &zero, &a->proxy, BPF_ANY)) {
		pr_err("writing sl_proxy: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

static int cleanup(struct sl_agent *a)
{
	int err, e2, n = sl_pod_tc_cleanup();

	if (n > 0)
		pr_info("removed %d tc filters from pod interfaces", n);
	err = sl_dp_cleanup(a->dpo.bpffs);

	if (unlink(a->socket_path) && errno != ENOENT)
		pr_warn("removing %s: %s", a->socket_path, strerror(errno));
	sl_persist_remove(a->state_dir);
	e2 = 0;
	pr_info("removed the data plane pinned in %s", a->dpo.bpffs);
	return err ?: e2;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "node", required_argument, NULL, 'n' },
		{ "cgroup", required_argument, NULL, 'c' },
		{ "bpffs", required_argument, NULL, 'b' },
		{ "socket", required_argument, NULL, 's' },
		{ "state-dir", required_argument, NULL, 'd' },
		{ "config-dir", required_argument, NULL, 'C' },
		{ "max-services", required_argument, NULL, 'S' },
		{ "max-backends", required_argument, NULL, 'B' },
		{ "max-udp-flows", required_argument, NULL, 'U' },
		{ "max-flow-keys", required_argument, NULL, 'F' },
		{ "max-policy-entries", required_argument, NULL, 'P' },
		{ "trust-domain", required_argument, NULL, 'D' },
		{ "root-namespace", required_argument, NULL, 'N' },
		{ "proxy-addr", required_argument, NULL, 'p' },
		{ "proxy-addr6", required_argument, NULL, 'q' },
		{ "proxy-cgroup", required_argument, NULL, 'g' },
		{ "proxy-admin-port", required_argument, NULL, 'j' },
		{ "proxy-control", required_argument, NULL, 'k' },
		{ "proxy-sources", required_argument, NULL, 'Q' },
		{ "telemetry", required_argument, NULL, 'T' },
		{ "accelerate", required_argument, NULL, 'A' },
		{ "proxy-accelerate", required_argument, NULL, 'a' },
		{ "flow-key-retention", required_argument, NULL, 'R' },
		{ "metrics-addr", required_argument, NULL, 'M' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "cleanup", no_argument, NULL, 'X' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	static char hostname[256], cgroot[PATH_MAX], cg2root[PATH_MAX];
	struct sl_agent a = {
		.socket_path = "/run/sluice/sluiced.sock",
		.state_dir = "/var/lib/sluice",
		.listen_fd = -1,
		.lock_fd = -1,
		.dpo = { .bpffs = "/sys/fs/bpf/sluice",
			 .max_services = SL_DEFAULT_MAX_SERVICES,
			 .max_backends = SL_DEFAULT_MAX_BACKENDS,
			 .max_udp_flows = SL_DEFAULT_MAX_UDP_FLOWS,
			 .max_flow_keys = SL_DEFAULT_MAX_FLOW_KEYS,
			 .max_policy_entries = SL_DEFAULT_MAX_POLICY_ENTRIES,
			 .telemetry = true },
		.trust_domain = "cluster.local",
		.root_ns = "istio-system",
		.metrics_addr = "127.0.0.1:15020",
		.flow_key_retention_s = 120,
	};
	bool do_cleanup = false;
	uint16_t admin_port = 15000;
	enum sl_accel_proxy_mode accel_proxy = SL_ACCEL_PROXY_REQUEST;
	enum sl_log_level lvl;
	int c, err;

	sl_log_set_prog("sluiced");
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			a.node = optarg;
			break;
		case 'c':
			a.dpo.cgroup = optarg;
			break;
		case 'b':
			a.dpo.bpffs = optarg;
			break;
		case 's':
			a.socket_path = optarg;
			break;
		case 'd':
			a.state_dir = optarg;
			break;
		case 'C':
			a.config_dir = optarg;
			break;
		case 'S':
			if (parse_u32("--max-services", optarg, 1, &a.dpo.max_services))
				return 2;
			break;
		case 'B':
			if (parse_u32("--max-backends", optarg, 1, &a.dpo.max_backends))
				return 2;
			break;
		case 'U':
			if (parse_u32("--max-udp-flows", optarg, 1, &a.dpo.max_udp_flows))
				return 2;
			break;
		case 'F':
			if (parse_u32("--max-flow-keys", optarg, 1, &a.dpo.max_flow_keys))
				return 2;
			break;
		case 'T':
			if (strcmp(optarg, "on") && strcmp(optarg, "off")) {
				pr_err("--telemetry: '%s' is not on or off", optarg);
				return 2;
			}
			a.dpo.telemetry = !strcmp(optarg, "on");
			break;
		case 'P':
			if (parse_u32("--max-policy-entries", optarg, 1, &a.dpo.max_policy_entries))
				return 2;
			break;
		case 'D':
			if (!*optarg || strchr(optarg, '/')) {
				pr_err("--trust-domain: '%s' is not a trust domain name", optarg);
				return 2;
			}
			a.trust_domain = optarg;
			break;
		case 'k':
			a.proxy_control = *optarg ? optarg : NULL;
			break;
		case 'p':
			if (parse_hostport(optarg, 4, &a.proxy.addr4, &a.proxy.port)) {
				pr_err("--proxy-addr: '%s' is not IPv4:PORT", optarg);
				return 2;
			}
			break;
		case 'q':
			if (parse_hostport(optarg, 6, &a.proxy.addr6, &a.proxy.port)) {
				pr_err("--proxy-addr6: '%s' is not [IPv6]:PORT", optarg);
				return 2;
			}
			break;
		case 'g':
			a.proxy_cgroup = optarg;
			break;
		case 'j': {
			uint32_t v;

			if (parse_u32("--proxy-admin-port", optarg, 0, &v))
				return 2;
			if (v > 65535) {
				pr_err("--proxy-admin-port: '%s' is not a port", optarg);
				return 2;
			}
			admin_port = (uint16_t)v;
			break;
		}
		case 'Q':
			if (proxy_sources_parse(&a, optarg))
				return 2;
			break;
		case 'N':
			if (!*optarg) {
				pr_err("--root-namespace: empty");
				return 2;
			}
			a.root_ns = optarg;
			break;
		case 'R':
			if (parse_u32("--flow-key-retention", optarg, 1, &a.flow_key_retention_s))
				return 2;
			break;
		case 'A':
			if (!strcmp(optarg, "auto"))
				a.dpo.accelerate = SL_ACCEL_AUTO;
			else if (!strcmp(optarg, "on"))
				a.dpo.accelerate = SL_ACCEL_ON;
			else if (!strcmp(optarg, "off"))
				a.dpo.accelerate = SL_ACCEL_OFF;
			else {
				pr_err("--accelerate: '%s' is not auto, on or off", optarg);
				return 2;
			}
			break;
		case 'a':
			if (!strcmp(optarg, "request"))
				accel_proxy = SL_ACCEL_PROXY_REQUEST;
			else if (!strcmp(optarg, "both"))
				accel_proxy = SL_ACCEL_PROXY_BOTH;
			else if (!strcmp(optarg, "off"))
				accel_proxy = SL_ACCEL_PROXY_OFF;
			else {
				pr_err("--proxy-accelerate: '%s' is not request, both or off",
				       optarg);
				return 2;
			}
			break;
		case 'M':
			a.metrics_addr = *optarg ? optarg : NULL;
			break;
		case 'l':
			if (sl_log_level_parse(optarg, &lvl)) {
				pr_err("--log-level: '%s' is not error|warn|info|debug", optarg);
				return 2;
			}
			sl_log_set_level(lvl);
			break;
		case 'X':
			do_cleanup = true;
			break;
		case 'V':
			printf("sluiced %s (map layout %u)\n", SLUICE_VERSION, SLUICE_ABI_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		pr_err("unexpected argument '%s' (see --help)", argv[optind]);
		return 2;
	}
	if (!a.proxy_src_set && proxy_sources_default(&a))
		return 1;
	if (!a.node) {
		gethostname(hostname, sizeof(hostname) - 1);
		a.node = hostname;
	}
	if (do_cleanup)
		return cleanup(&a) ? 1 : 0;
	if (!a.dpo.cgroup) {
		if (sl_find_cgroup2_root(cgroot, sizeof(cgroot))) {
			pr_err("no cgroup v2 mount found in /proc/self/mountinfo; pass --cgroup");
			return 1;
		}
		a.dpo.cgroup = cgroot;
	}
	signal(SIGPIPE, SIG_IGN);
	a.started = time(NULL);
	a.dpo.accel_proxy = a.proxy.port ? accel_proxy : SL_ACCEL_PROXY_OFF;

	err = lock_state_dir(&a);
	if (err)
		return 1;
	err = sl_dp_open(&a.dp, &a.dpo);
	if (err)
		return 1;
	pr_info("data plane %s in %s, attached to %s (%s)",
		a.dp.maps_adopted ? "adopted" : "created", a.dpo.bpffs, a.dpo.cgroup,
		a.dp.feat.set_retval ? "refusals return ECONNREFUSED"
				     : "refusals return EPERM: kernel lacks bpf_set_retval");
	{
		struct sl_lb_fds fds = { .svc = a.dp.svc_fd,
					 .src_route = a.dp.src_route_fd,
					 .bset = a.dp.bset_fd,
					 .bset_rev = a.dp.bset_rev_fd,
					 .maglev = a.dp.maglev_fd };
		struct sl_lb_limits lim = { .max_services = a.dpo.max_services,
					    .max_backends = a.dpo.max_backends };

		err = sl_lb_sync_init(&a.lb, &fds, &lim);
	}
	if (err) {
		pr_err("reading the pinned service maps: %s", strerror(-err));
		goto out;
	}
	if (sl_find_cgroup2_root(cg2root, sizeof(cg2root)) ||
	    sl_identity_init(&a.id, a.dp.src_fd, a.dp.cfg_fd, cg2root, a.dpo.cgroup)) {
		pr_err("--cgroup %s is not below the cgroup v2 mount", a.dpo.cgroup);
		err = -EINVAL;
		goto out;
	}
	err = sl_authz_sync_init(&a.az, a.dp.ipcache_fd, a.dp.authz_fd, a.dp.cfg_fd);
	if (err) {
		pr_err("reading the pinned policy maps: %s", strerror(-err));
		goto out;
	}
	a.id.pod_cls = &a.az.pod_cls;
	if (a.proxy.port)
		a.proxy.admin_port = htons(admin_port);
	err = proxy_config(&a, cg2root);
	if (err)
		goto out;
	err = sl_pod_tc_open(&a.podtc, &a.dp);
	if (err) {
		pr_err("watching the node's routes (netlink): %s", strerror(-err));
		goto out;
	}
	if (a.dpo.telemetry && sl_tel_open(&a.tel, &a, a.dp.events_fd, 8192))
		pr_warn("flow events are not available: %s", strerror(errno));
	sl_proxy_push_init(&a);
	err = sl_persist_load(&a);
	if (err)
		goto out;
	if (a.config_dir)
		sl_config_dir_apply(&a);
	sl_pod_tc_reconcile(&a.podtc, &a.authz);
	if (a.metrics_addr) {
		err = sl_metrics_open(&a);
		if (err)
			goto out;
	}
	a.listen_fd = sl_open_listener(a.socket_path);
	if (a.listen_fd < 0) {
		err = a.listen_fd;
		goto out;
	}
	err = run(&a);
out:
	if (a.listen_fd >= 0) {
		close(a.listen_fd);
		unlink(a.socket_path);
	}
	sl_config_dir_close();
	sl_metrics_close(&a);
	sl_tel_close(&a.tel);
	sl_names_free(&a.names);
	sl_compiled_free(&a.compiled);
	sl_pod_tc_close(&a.podtc);
	sl_authz_out_free(&a.authz);
	sl_authz_sync_free(&a.az);
	sl_identity_free(&a.id);
	sl_lb_sync_free(&a.lb);
	sl_store_free(&a.store);
	sl_dp_close(&a.dp);
	return err ? 1 : 0;
}
