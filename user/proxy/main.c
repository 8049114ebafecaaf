// SPDX-License-Identifier: Apache-2.0
/*
 * sluice-proxy: the node's L7 proxy. Flags, startup, signals and configuration
 * reloads live here, in the main thread, which also serves the admin endpoint; the
 * traffic is the workers' (worker.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "common/log.h"
#include "model/objects.h"
#include "proxy/admin.h"
#include "proxy/reload.h"
#include "proxy/control.h"
#include "proxy/http1.h"
#include "proxy/metrics.h"
#include "proxy/snapshot.h"
#include "proxy/worker.h"

/* The release, as sluiced prints it (SLUICE_VERSION in agent/agent.h, which the proxy
 * does not include: it pulls in the agent's libbpf world). */
#define PX_VERSION "0.1.0"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: sluice-proxy [OPTIONS]\n"
		"Sluice node proxy: HTTP/1.1 for the connections the kernel hands over to it.\n\n"
		"  --listen IP:PORT       where steered connections arrive, IPv4 or [IPv6]:PORT;\n"
		"                         repeatable (default 0.0.0.0:15001); give both families\n"
		"                         (an IPv6 listener takes IPv6 only)\n"
		"  --admin IP:PORT        admin endpoint: GET /ready, /stats, /stats/prometheus,\n"
		"                         /config\n"
		"                         (default 127.0.0.1:15000; keep it off pod-reachable\n"
		"                         addresses; empty: none)\n"
		"  --control PATH         control socket for the node's agent (sluiced\n"
		"                         --proxy-control): a unix socket created 0600, its\n"
		"                         directory created 0700 when missing, a stale socket\n"
		"                         replaced; one command line per connection, the answer\n"
		"                         \"ok\" or \"error: ...\" then the output; commands:\n"
		"                         metrics (Prometheus text), version, snapshot VERSION\n"
		"                         PATH (the agent's push), help (default: none)\n"
		"  --max-request-series N  Istio request metric series per worker (%u); requests\n"
		"                         past it are counted in\n"
		"                         sluice_proxy_request_series_overflow_total\n"
		"  --request-series-idle DUR  a series no request updated for DUR is dropped\n"
		"                         (600s): series of pods gone from the configuration end\n"
		"  --workers N            worker threads, one epoll loop and listener each\n"
		"                         (default: the CPUs this process may run on)\n"
		"  --config FILE          YAML/JSON stream or v1 List of Services, EndpointSlices,\n"
		"                         Pods, DestinationRules, VirtualServices: the snapshot.\n"
		"                         Reloaded when the file is written or replaced (rename)\n"
		"                         and on SIGHUP; a file that does not decode or compile\n"
		"                         is refused and the snapshot in force stays\n"
		"                         (default: none: what the agent pushes over --control,\n"
		"                         until then every request is answered 502 NR)\n"
		"  --fallback-dst IP:PORT  treat connections without an original destination as\n"
		"                         if they had dialed IP:PORT, instead of refusing them\n"
		"                         (for tests and benchmarks without the kernel handoff)\n"
		"  --node NAME            this node (internalTrafficPolicy Local, source routes)\n"
		"                         (default: the host name)\n"
		"  --trust-domain NAME    trust domain of workload principals, as the agent's\n"
		"                         (default cluster.local)\n"
		"  --root-namespace NS    AuthorizationPolicies here apply to every namespace\n"
		"                         (default istio-system)\n"
		"  --access-log PATH|-    one line per request, appended to PATH or on stdout\n"
		"                         (default: none)\n"
		"  --access-log-format text|json\n"
		"                         fields: time, downstream peer, original destination,\n"
		"                         method, authority, path, protocol, status, response\n"
		"                         flags (UH UF UC URX UT DC NR UPE DPE FI DI UO RBAC),\n"
		"                         bytes received\n"
		"                         and sent, duration ms, upstream endpoint, x-request-id\n"
		"                         (default text). text: [TIME] \"METHOD PATH PROTOCOL\"\n"
		"                         STATUS FLAGS RX TX MS \"AUTHORITY\" \"X-REQUEST-ID\" PEER\n"
		"                         ORIGINAL_DST UPSTREAM (\"-\": unknown); json: one object\n"
		"                         per line with keys time, downstream_peer, original_dst,\n"
		"                         method, authority, path, protocol, status,\n"
		"                         response_flags, bytes_received, bytes_sent,\n"
		"                         duration_ms, upstream_endpoint, x_request_id\n"
		"  --header-timeout DUR   a request head must arrive whole within DUR (10s)\n"
		"  --idle-timeout DUR     keep-alive client connections close after DUR idle (60s)\n"
		"  --connect-timeout DUR  upstream connection establishment (5s)\n"
		"  --drain-timeout DUR    on SIGTERM, how long exchanges in flight may take (5s)\n"
		"                         DUR: a number with ms or s (s when bare)\n"
		"  --io-uring auto|off    auto (default): the writes of each event loop round go\n"
		"                         out in one io_uring_enter() where io_uring is allowed\n"
		"                         (else, as with off, one writev() each)\n"
		"  --max-head-bytes N     request or response head, field lines included (%u)\n"
		"  --max-uri-bytes N      request-target (%u)\n"
		"  --max-fields N         field lines of a head or trailer section (%u)\n"
		"  --log-level LEVEL      error|warn|info|debug (default info)\n"
		"  --version              print the version and exit\n"
		"  -h, --help             this help\n\n"
		"Response flags: UH no healthy upstream (503), UF upstream connection failure\n"
		"(503), UC upstream connection termination (503 before the response, else the\n"
		"connection is cut), NR no Service for the original destination (502; 400 for a\n"
		"connection that did not come through the handoff), UPE invalid response (502),\n"
		"DPE invalid request (400/413/414/431/501/505), DC the client went away, RBAC\n"
		"denied by an AuthorizationPolicy of the destination pod (403 \"RBAC: access\n"
		"denied\"). Request paths are normalized before routing and authorization (dot\n"
		"segments, unreserved escapes decoded, slashes merged); %%2F, %%5C, %%00 and bad\n"
		"escapes are answered 400.\n"
		"SIGHUP reloads --config. SIGTERM drains: the listeners close (a new proxy on the\n"
		"same port takes new connections), idle keep-alive connections close, exchanges in\n"
		"flight finish with \"Connection: close\", and the proxy ends when none is left or\n"
		"after --drain-timeout. A second SIGTERM, or SIGINT, stops it at once.\n",
		PX_RQM_MAX_DEFAULT, SL_H1_MAX_HEAD_DEFAULT, SL_H1_MAX_URI_DEFAULT,
		SL_H1_MAX_FIELDS_DEFAULT);
}

/* "10.0.0.1:15001" or "[fd00::1]:15001" into l. */
static int parse_listen(const char *s, struct px_listen *l)
{
	const char *colon = strrchr(s, ':');
	char host[64], *end;
	struct sl_ip ip;
	unsigned long port;
	size_t n;

	memset(l, 0, sizeof(*l));
	snprintf(l->text, sizeof(l->text), "%s", s);
	if (!colon)
		return -EINVAL;
	n = (size_t)(colon - s);
	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		s++;
		n -= 2;
	}
	if (!n || n >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, n);
	host[n] = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || *end || !colon[1] || port > 65535)
		return -EINVAL;
	if (sl_ip_parse(host, &ip))
		return -EINVAL;
	if (ip.family == 4) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&l->sa;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		memcpy(&s4->sin_addr, ip.b + 12, 4);
		l->len = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&l->sa;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		memcpy(&s6->sin6_addr, ip.b, 16);
		l->len = sizeof(*s6);
	}
	return 0;
}

/* "10", "10s", "500ms" into milliseconds, 1 ms .. 1 day. */
static int parse_duration(const char *flag, const char *s, unsigned int *ms)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s)
		goto bad;
	if (!strcmp(end, "ms"))
		;
	else if (!*end || !strcmp(end, "s"))
		v *= 1000;
	else
		goto bad;
	if (v < 1 || v > 86400000ul)
		goto bad;
	*ms = (unsigned int)v;
	return 0;
bad:
	pr_err("%s: '%s' is not a duration (10s, 500ms) between 1ms and 1 day", flag, s);
	return -EINVAL;
}

static int parse_size(const char *flag, const char *s, size_t min, size_t max, size_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || end == s || v < min || v > max) {
		pr_err("%s: '%s' is not a number between %zu and %zu", flag, s, min, max);
		return -EINVAL;
	}
	*out = (size_t)v;
	return 0;
}

static unsigned int cpus(void)
{
	cpu_set_t set;
	int n;

	if (!sched_getaffinity(0, sizeof(set), &set) && (n = CPU_COUNT(&set)) > 0)
		return (unsigned int)n;
	n = (int)sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned int)n : 1;
}

/* Loads --config again and hands a changed snapshot to every worker. */
static void reload(struct px_proxy *px, const char *why)
{
	char err[1024];
	bool changed;

	px_reload(px, px->config_path, 0, why, &changed, err, sizeof(err));
}

/* Watches the directory of --config, so a file replaced by rename is seen too. */
static int watch_config(const char *path, char *base, size_t baselen)
{
	char a[PATH_MAX], b[PATH_MAX];
	int fd;

	snprintf(a, sizeof(a), "%s", path);
	snprintf(b, sizeof(b), "%s", path);
	snprintf(base, baselen, "%s", basename(a));
	fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (inotify_add_watch(fd, dirname(b), IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

/* Whether the pending inotify events name the config file. */
static bool config_touched(int fd, const char *base)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool hit = false;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *e = (struct inotify_event *)p;

			if (e->len && !strcmp(e->name, base))
				hit = true;
			p += sizeof(*e) + e->len;
		}
	}
	return hit;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* SIGTERM: every worker drains; the proxy ends when all are done or when
 * --drain-timeout has passed (what is still open is then cut). */
static void start_drain(struct px_proxy *px, int64_t *until)
{
	px->ready = false;
	*until = mono_ms() + px->cfg.drain_timeout_ms;
	for (unsigned int i = 0; i < px->nworkers; i++)
		px_worker_drain(&px->workers[i]);
	pr_info("SIGTERM: draining (at most %u ms): no new connections, keep-alive ones "
		"close as their exchanges end",
		px->cfg.drain_timeout_ms);
}

static bool all_drained(const struct px_proxy *px)
{
	for (unsigned int i = 0; i < px->nworkers; i++)
		if (!px_worker_drained(&px->workers[i]))
			return false;
	return true;
}

static int run(struct px_proxy *px, struct px_admin *adm, struct px_control *ctl, int sfd, int ifd,
	       const char *base)
{
	int64_t drain_until = 0;

	for (;;) {
		struct pollfd p[2 + 1 + PX_ADMIN_MAX_CONNS + 1 + PX_CTL_MAX_CONNS] = {
			{ .fd = sfd, .events = POLLIN },
			{ .fd = ifd, .events = POLLIN },
		};
		size_t na = px_admin_fds(adm, p + 2, 1 + PX_ADMIN_MAX_CONNS);
		size_t nc = px_control_fds(ctl, p + 2 + na, 1 + PX_CTL_MAX_CONNS);
		int n = poll(p, 2 + na + nc, drain_until ? 50 : 1000);

		if (n < 0 && errno != EINTR)
			return -errno;
		if (p[0].revents) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGHUP && px->config_path) {
					reload(px, "SIGHUP");
				} else if (si.ssi_signo == SIGTERM && !drain_until) {
					start_drain(px, &drain_until);
				} else if (si.ssi_signo != SIGHUP) {
					pr_info("signal %u: stopping", si.ssi_signo);
					return 0;
				}
			}
		}
		if (ifd >= 0 && p[1].revents && config_touched(ifd, base))
			reload(px, px->config_path);
		px_admin_handle(adm, p + 2, n > 0 ? na : 0);
		px_control_handle(ctl, p + 2 + na, n > 0 ? nc : 0);
		if (drain_until && all_drained(px)) {
			pr_info("drained: every connection ended");
			return 0;
		}
		if (drain_until && mono_ms() >= drain_until) {
			pr_info("drain timeout: closing what is still open");
			return 0;
		}
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'L' },
		{ "admin", required_argument, NULL, 'a' },
		{ "workers", required_argument, NULL, 'w' },
		{ "control", required_argument, NULL, 'K' },
		{ "max-request-series", required_argument, NULL, 'M' },
		{ "request-series-idle", required_argument, NULL, 'R' },
		{ "config", required_argument, NULL, 'c' },
		{ "node", required_argument, NULL, 'n' },
		{ "trust-domain", required_argument, NULL, 'T' },
		{ "root-namespace", required_argument, NULL, 'O' },
		{ "fallback-dst", required_argument, NULL, 'D' },
		{ "access-log", required_argument, NULL, 'A' },
		{ "access-log-format", required_argument, NULL, 'F' },
		{ "header-timeout", required_argument, NULL, 'H' },
		{ "idle-timeout", required_argument, NULL, 'I' },
		{ "connect-timeout", required_argument, NULL, 'C' },
		{ "drain-timeout", required_argument, NULL, 'W' },
		{ "io-uring", required_argument, NULL, 'U' },
		{ "max-head-bytes", required_argument, NULL, 'm' },
		{ "max-uri-bytes", required_argument, NULL, 'u' },
		{ "max-fields", required_argument, NULL, 'f' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	static struct px_proxy px;
	static struct px_admin adm = { .lfd = -1 };
	static struct px_control ctl = { .lfd = -1 };
	static char hostname[256], base[NAME_MAX + 1];
	const char *admin_addr = "127.0.0.1:15000", *log_path = NULL, *control_path = NULL;
	struct px_config *cfg = &px.cfg;
	struct px_listen admin_l;
	enum sl_log_level lvl;
	char err[1024] = "";
	sigset_t mask;
	size_t v;
	int c, ret = 1, sfd = -1, ifd = -1;
	unsigned int started = 0;

	sl_log_set_prog("sluice-proxy");
	cfg->header_timeout_ms = 10000;
	cfg->idle_timeout_ms = 60000;
	cfg->connect_timeout_ms = 5000;
	cfg->drain_timeout_ms = 5000;
	cfg->access_log_fd = -1;
	sl_h1_limits_default(&cfg->limits);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'L':
			if (cfg->nlisten == PX_MAX_LISTEN) {
				pr_err("--listen: at most %d addresses", PX_MAX_LISTEN);
				return 2;
			}
			if (parse_listen(optarg, &cfg->listen[cfg->nlisten])) {
				pr_err("--listen: '%s' is not IPv4:PORT or [IPv6]:PORT", optarg);
				return 2;
			}
			cfg->nlisten++;
			break;
		case 'a':
			admin_addr = *optarg ? optarg : NULL;
			break;
		case 'w':
			if (parse_size("--workers", optarg, 1, 1024, &v))
				return 2;
			cfg->workers = (unsigned int)v;
			break;
		case 'c':
			px.config_path = optarg;
			break;
		case 'K':
			control_path = optarg;
			break;
		case 'M':
			if (parse_size("--max-request-series", optarg, 1, 1u << 24, &v))
				return 2;
			cfg->max_request_series = (unsigned int)v;
			break;
		case 'R':
			if (parse_duration("--request-series-idle", optarg,
					   &cfg->request_series_idle_ms))
				return 2;
			break;
		case 'n':
			cfg->node = optarg;
			break;
		case 'T':
			if (!*optarg || strchr(optarg, '/')) {
				pr_err("--trust-domain: '%s' is not a trust domain name", optarg);
				return 2;
			}
			cfg->trust_domain = optarg;
			break;
		case 'O':
			if (!*optarg) {
				pr_err("--root-namespace: empty");
				return 2;
			}
			cfg->root_ns = optarg;
			break;
		case 'D': {
			struct px_listen fl;
			const struct sockaddr_in *s4 = (const struct sockaddr_in *)&fl.sa;
			const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&fl.sa;

			if (parse_listen(optarg, &fl)) {
				pr_err("--fallback-dst: '%s' is not IPv4:PORT or [IPv6]:PORT",
				       optarg);
				return 2;
			}
			memset(&cfg->fallback_dst, 0, sizeof(cfg->fallback_dst));
			if (fl.sa.ss_family == AF_INET) {
				cfg->fallback_dst.b[10] = cfg->fallback_dst.b[11] = 0xff;
				memcpy(cfg->fallback_dst.b + 12, &s4->sin_addr, 4);
				cfg->fallback_dst.family = 4;
				cfg->fallback_port = ntohs(s4->sin_port);
			} else {
				memcpy(cfg->fallback_dst.b, &s6->sin6_addr, 16);
				cfg->fallback_dst.family = 6;
				cfg->fallback_port = ntohs(s6->sin6_port);
			}
			cfg->has_fallback = true;
			break;
		}
		case 'A':
			log_path = optarg;
			break;
		case 'F':
			if (!strcmp(optarg, "text")) {
				cfg->log_format = PX_LOG_TEXT;
			} else if (!strcmp(optarg, "json")) {
				cfg->log_format = PX_LOG_JSON;
			} else {
				pr_err("--access-log-format: '%s' is not text or json", optarg);
				return 2;
			}
			break;
		case 'H':
			if (parse_duration("--header-timeout", optarg, &cfg->header_timeout_ms))
				return 2;
			break;
		case 'I':
			if (parse_duration("--idle-timeout", optarg, &cfg->idle_timeout_ms))
				return 2;
			break;
		case 'C':
			if (parse_duration("--connect-timeout", optarg, &cfg->connect_timeout_ms))
				return 2;
			break;
		case 'W':
			if (parse_duration("--drain-timeout", optarg, &cfg->drain_timeout_ms))
				return 2;
			break;
		case 'U':
			if (strcmp(optarg, "auto") && strcmp(optarg, "off")) {
				pr_err("--io-uring: '%s' is not auto or off", optarg);
				return 2;
			}
			cfg->no_io_uring = !strcmp(optarg, "off");
			break;
		case 'm':
			if (parse_size("--max-head-bytes", optarg, 256, 1u << 20,
				       &cfg->limits.max_head))
				return 2;
			break;
		case 'u':
			if (parse_size("--max-uri-bytes", optarg, 16, 1u << 20,
				       &cfg->limits.max_uri))
				return 2;
			break;
		case 'f':
			if (parse_size("--max-fields", optarg, 1, 10000, &cfg->limits.max_fields))
				return 2;
			break;
		case 'l':
			if (sl_log_level_parse(optarg, &lvl)) {
				pr_err("--log-level: '%s' is not error|warn|info|debug", optarg);
				return 2;
			}
			sl_log_set_level(lvl);
			break;
		case 'V':
			printf("sluice-proxy %s\n", PX_VERSION);
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
	if (!cfg->nlisten)
		parse_listen("0.0.0.0:15001", &cfg->listen[cfg->nlisten++]);
	if (admin_addr && parse_listen(admin_addr, &admin_l)) {
		pr_err("--admin: '%s' is not IPv4:PORT or [IPv6]:PORT", admin_addr);
		return 2;
	}
	if (!cfg->workers)
		cfg->workers = cpus();
	if (!cfg->node) {
		gethostname(hostname, sizeof(hostname) - 1);
		cfg->node = hostname;
	}
	if (log_path) {
		cfg->access_log_fd =
			strcmp(log_path, "-")
				? open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644)
				: STDOUT_FILENO;
		if (cfg->access_log_fd < 0) {
			pr_err("--access-log %s: %s", log_path, strerror(errno));
			return 1;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	/* Blocked before the workers start, so they inherit the mask and only the main
	 * thread's signalfd sees these signals. */
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0) {
		pr_err("signalfd: %s", strerror(errno));
		return 1;
	}

	/* How every snapshot is built: --config's and the agent's pushes alike. */
	px.snap_opts = (struct px_snapshot_opts){ .node = cfg->node,
						  .trust_domain = cfg->trust_domain,
						  .root_ns = cfg->root_ns };
	if (px.config_path) {
		if (px_snapshot_load_opts(px.config_path, &px.snap_opts, 1, &px.current, err,
					  sizeof(err))) {
			pr_err("--config: %s", err);
			goto out;
		}
		ifd = watch_config(px.config_path, base, sizeof(base));
		if (ifd < 0)
			pr_warn("--config %s: not watched (%s); SIGHUP reloads it", px.config_path,
				strerror(-ifd));
	} else {
		px.current = px_snapshot_empty();
		if (!px.current)
			goto out;
	}
	px.workers = calloc(cfg->workers, sizeof(*px.workers));
	if (!px.workers)
		goto out;
	for (px.nworkers = 0; px.nworkers < cfg->workers; px.nworkers++)
		if (px_worker_init(&px.workers[px.nworkers], px.nworkers, cfg, px.current)) {
			px.nworkers++;
			goto out;
		}
	if (admin_addr && px_admin_open(&adm, &admin_l, &px))
		goto out;
	if (control_path && px_control_open(&ctl, control_path, &px))
		goto out;
	for (; started < px.nworkers; started++)
		if (px_worker_start(&px.workers[started]))
			goto out;
	px.ready = true;
	pr_info("ready: %u workers, %zu listeners (first %s), snapshot version %" PRIu64
		" (%zu frontends), admin %s",
		px.nworkers, cfg->nlisten, cfg->listen[0].text, px.current->version,
		px.current->nfe, admin_addr ? admin_addr : "off");
	ret = run(&px, &adm, &ctl, sfd, ifd, base) ? 1 : 0;
out:
	for (unsigned int i = 0; i < started; i++)
		px_worker_stop(&px.workers[i]);
	for (unsigned int i = 0; i < px.nworkers; i++)
		px_worker_destroy(&px.workers[i]);
	free(px.workers);
	px_admin_close(&adm);
	px_control_close(&ctl);
	px_names_free(&px.names);
	px_snapshot_put(px.current);
	if (ifd >= 0)
		close(ifd);
	if (sfd >= 0)
		close(sfd);
	return ret;
}
