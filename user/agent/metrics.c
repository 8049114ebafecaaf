// SPDX-License-Identifier: Apache-2.0
/*
 * What the Prometheus endpoint says: Istio's TCP metrics, under Istio's names and
 * labels (aggregated per workload from the kernel's per-pod counters, so cardinality
 * follows workloads, not pods or connections), and sluice_* metrics about the data
 * plane itself.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "agent/agent.h"
#include "agent/proxy_link.h"
#include "common/log.h"
#include "common/prom.h"
#include "model/objects.h"
#include "sock_destroy.skel.h"
#include "sock_lb.skel.h"
#include "sockops.skel.h"
#include "tc.skel.h"

#define TRUST_DOMAIN "cluster.local"
/* How long a scrape waits for the proxy's metrics. */
#define PROXY_TIMEOUT_MS 1000
#define NLABELS 16

/* One Istio label set and its summed counters. */
struct tcp_series {
	char *values[NLABELS];
	struct sl_flow_counters c;
};

static const char *const istio_labels[NLABELS] = {
	"reporter",
	"source_workload",
	"source_workload_namespace",
	"source_principal",
	"source_app",
	"source_version",
	"destination_service",
	"destination_service_name",
	"destination_service_namespace",
	"destination_workload",
	"destination_workload_namespace",
	"destination_principal",
	"destination_app",
	"destination_version",
	"request_protocol",
	"connection_security_policy",
};

/* The Service a flow reached: the one the client dialed (source side), else the one
 * the destination pod backs on the destination port (learnt while it was an endpoint). */
static bool flow_service(const struct sl_agent *a, const struct sl_flow_key *k,
			 const struct sl_pod_names *dp, const char **ns, const char **name)
{
	const struct sl_frontend *fe = sl_names_svc(&a->names, k->svc_id);

	if (fe) {
		*ns = fe->svc->meta.ns;
		*name = fe->svc->meta.name;
		return true;
	}
	return sl_names_pod_service(dp, k->dst_port, ns, name);
}

static int label_values(const struct sl_agent *a, const struct sl_flow_key *k, char *v[NLABELS])
{
	const struct sl_pod_names *sp = sl_names_pod(&a->names, k->src_pod);
	const struct sl_pod_names *dp = sl_names_pod(&a->names, k->dst_pod);
	const char *sns = "unknown", *sname = "unknown";
	bool svc = flow_service(a, k, dp, &sns, &sname);
	char fqdn[600];

	if (svc)
		snprintf(fqdn, sizeof(fqdn), "%s.%s.svc.%s", sname, sns, TRUST_DOMAIN);
	v[0] = strdup(k->reporter == SL_REPORTER_DESTINATION ? "destination" : "source");
	v[1] = strdup(sp ? sp->workload : "unknown");
	v[2] = strdup(sp ? sp->ns : "unknown");
	/* Plain TCP carries no peer certificate: Istio reports the principals as unknown
	 * and the security policy as none until mutual TLS is in place. */
	v[3] = strdup("unknown");
	v[4] = strdup(sp ? sp->app : "unknown");
	v[5] = strdup(sp ? sp->version : "unknown");
	v[6] = strdup(svc ? fqdn : "unknown");
	v[7] = strdup(sname);
	v[8] = strdup(sns);
	v[9] = strdup(dp ? dp->workload : "unknown");
	v[10] = strdup(dp ? dp->ns : "unknown");
	v[11] = strdup("unknown");
	v[12] = strdup(dp ? dp->app : "unknown");
	v[13] = strdup(dp ? dp->version : "unknown");
	v[14] = strdup(k->proto == 17 ? "udp" : "tcp");
	v[15] = strdup("none");
	for (int i = 0; i < NLABELS; i++)
		if (!v[i])
			return -ENOMEM;
	return 0;
}

static void series_free(struct tcp_series *s)
{
	for (int i = 0; i < NLABELS; i++)
		free(s->values[i]);
	free(s);
}

/* The identity of a label set: the values, NUL-separated. */
static void series_id(const struct tcp_series *s, struct sl_buf *id)
{
	for (int i = 0; i < NLABELS; i++)
		sl_buf_printf(id, "%s%c", s->values[i], 0);
}

static void add_counters(struct sl_flow_counters *to, const struct sl_flow_counters *from)
{
	to->opened += from->opened;
	to->closed += from->closed;
	to->sent_bytes += from->sent_bytes;
	to->received_bytes += from->received_bytes;
	to->retransmits += from->retransmits;
	to->packets += from->packets;
}

/* Adds s's counters to the series with its labels in h, taking s if there is none
 * (s is freed otherwise). */
static int series_merge(struct sl_htab *h, struct tcp_series *s)
{
	struct sl_buf id = {};
	struct tcp_series *have;
	int ret = 0;

	series_id(s, &id);
	have = id.oom ? NULL : sl_htab_get(h, id.p, id.len);
	if (have) {
		add_counters(&have->c, &s->c);
		series_free(s);
	} else if (id.oom || sl_htab_put(h, id.p, id.len, s, NULL)) {
		series_free(s);
		ret = -ENOMEM;
	}
	sl_buf_free(&id);
	return ret;
}

/* Sums the sl_flow_stats entries of one protocol over CPUs and pods into one series per
 * Istio label set. */
static int collect(const struct sl_agent *a, uint8_t want_proto, struct sl_htab *series)
{
	int fd = a->dp.flow_stats_fd, ncpu = libbpf_num_possible_cpus();
	struct sl_flow_counters *vals = calloc(ncpu > 0 ? ncpu : 1, sizeof(*vals));
	const char *proto = want_proto == 17 ? "udp" : "tcp";
	struct sl_flow_key key, next;
	void *prev = NULL, *v;
	size_t it = 0;
	int ret = 0;

	if (!vals)
		return -ENOMEM;
	while (!ret && !bpf_map_get_next_key(fd, prev, &next)) {
		struct tcp_series *s;

		key = next;
		prev = &key;
		if (key.proto != want_proto || bpf_map_lookup_elem(fd, &key, vals))
			continue;
		s = calloc(1, sizeof(*s));
		if (!s || label_values(a, &key, s->values)) {
			if (s)
				series_free(s);
			ret = -ENOMEM;
			break;
		}
		for (int c = 0; c < ncpu; c++)
			add_counters(&s->c, &vals[c]);
		ret = series_merge(series, s);
	}
	free(vals);
	/* Counters of pods that are gone, retired from the kernel map but still counted,
	 * so every series only ever grows. */
	while (!ret && sl_htab_next(&a->retired, &it, NULL, NULL, &v)) {
		const struct tcp_series *r = v;
		struct tcp_series *copy;

		if (strcmp(r->values[14], proto))
			continue;
		copy = calloc(1, sizeof(*copy));
		if (!copy)
			return -ENOMEM;
		copy->c = r->c;
		for (int i = 0; i < NLABELS; i++)
			copy->values[i] = strdup(r->values[i]);
		for (int i = 0; i < NLABELS; i++)
			if (!copy->values[i]) {
				series_free(copy);
				return -ENOMEM;
			}
		ret = series_merge(series, copy);
	}
	return ret;
}

/* Decision counters of pods gone for longer than the retention: their series (which
 * carry the pod's name) end, as a deleted pod's do in Prometheus. */
static void evict_policy_stats(struct sl_agent *a, int64_t before)
{
	int fd = a->dp.authz_stats_fd;
	struct sl_authz_stat_key key, next, *gone = NULL;
	size_t ngone = 0;
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		const struct sl_pod_names *pn = sl_names_pod(&a->names, next.pod_id);
		struct sl_authz_stat_key *nv;

		key = next;
		prev = &key;
		if (pn && !(pn->departed_ns && pn->departed_ns < before))
			continue;
		nv = realloc(gone, (ngone + 1) * sizeof(*nv));
		if (!nv)
			break;
		gone = nv;
		gone[ngone++] = key;
	}
	for (size_t i = 0; i < ngone; i++)
		bpf_map_delete_elem(fd, &gone[i]);
	free(gone);
}

void sl_metrics_evict(struct sl_agent *a, int64_t now_ns)
{
	int fd = a->dp.flow_stats_fd, ncpu = libbpf_num_possible_cpus();
	int64_t before = now_ns - (int64_t)a->flow_key_retention_s * 1000000000;
	struct sl_flow_counters *vals = calloc(ncpu > 0 ? ncpu : 1, sizeof(*vals));
	struct sl_flow_key key, next, *gone = NULL;
	size_t ngone = 0;
	void *prev = NULL;

	if (!vals || fd < 0) {
		free(vals);
		return;
	}
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		const struct sl_pod_names *sp = sl_names_pod(&a->names, next.src_pod);
		const struct sl_pod_names *dp = sl_names_pod(&a->names, next.dst_pod);
		struct sl_flow_key *nv;
		struct tcp_series *s;

		key = next;
		prev = &key;
		if (!((sp && sp->departed_ns && sp->departed_ns < before) ||
		      (dp && dp->departed_ns && dp->departed_ns < before)))
			continue;
		if (bpf_map_lookup_elem(fd, &key, vals))
			continue;
		s = calloc(1, sizeof(*s));
		if (!s || label_values(a, &key, s->values)) {
			if (s)
				series_free(s);
			break;
		}
		for (int c = 0; c < ncpu; c++)
			add_counters(&s->c, &vals[c]);
		if (series_merge(&a->retired, s))
			break;
		nv = realloc(gone, (ngone + 1) * sizeof(*nv));
		if (!nv)
			break;
		gone = nv;
		gone[ngone++] = key;
	}
	/* Deleted after the walk, which a deletion would disturb. A connection still
	 * open for a gone pod recreates its key and counts on from zero, and those
	 * counts add to the retired ones. */
	for (size_t i = 0; i < ngone; i++)
		bpf_map_delete_elem(fd, &gone[i]);
	if (ngone)
		pr_debug("retired %zu telemetry keys of departed pods", ngone);
	free(gone);
	free(vals);
	evict_policy_stats(a, before);
	sl_names_forget_departed(&a->names, before);
}

struct fam {
	const char *name, *help;
	size_t off;
};

static void render_series(struct sl_agent *a, struct sl_prom *p, uint8_t proto,
			  const struct fam *fams, size_t nfams)
{
	struct sl_htab series = {};
	size_t it;
	void *v;

	if (collect(a, proto, &series))
		pr_warn("metrics: out of memory collecting telemetry");
	for (size_t f = 0; f < nfams; f++) {
		sl_prom_family(p, fams[f].name, "counter", fams[f].help);
		it = 0;
		while (sl_htab_next(&series, &it, NULL, NULL, &v)) {
			struct tcp_series *s = v;
			struct sl_prom_label l[NLABELS];
			uint64_t val;

			for (int i = 0; i < NLABELS; i++)
				l[i] = (struct sl_prom_label){ istio_labels[i], s->values[i] };
			memcpy(&val, (const char *)&s->c + fams[f].off, sizeof(val));
			sl_prom_sample(p, fams[f].name, l, NLABELS, (double)val);
		}
	}
	it = 0;
	while (sl_htab_next(&series, &it, NULL, NULL, &v))
		series_free(v);
	sl_htab_free(&series);
}

static void render_istio(struct sl_agent *a, struct sl_prom *p)
{
	static const struct fam tcp[] = {
		{ "istio_tcp_connections_opened_total", "TCP connections opened.",
		  offsetof(struct sl_flow_counters, opened) },
		{ "istio_tcp_connections_closed_total", "TCP connections closed.",
		  offsetof(struct sl_flow_counters, closed) },
		{ "istio_tcp_sent_bytes_total",
		  "Bytes sent by the reporter's end of TCP connections (application data).",
		  offsetof(struct sl_flow_counters, sent_bytes) },
		{ "istio_tcp_received_bytes_total",
		  "Bytes received by the reporter's end of TCP connections (application data).",
		  offsetof(struct sl_flow_counters, received_bytes) },
	};
	/* Istio has no UDP metrics; these use the same labels. */
	static const struct fam udp[] = {
		{ "sluice_udp_datagrams_total", "UDP datagrams, both directions.",
		  offsetof(struct sl_flow_counters, packets) },
		{ "sluice_udp_sent_bytes_total", "UDP payload bytes sent by the reporter's end.",
		  offsetof(struct sl_flow_counters, sent_bytes) },
		{ "sluice_udp_received_bytes_total",
		  "UDP payload bytes received by the reporter's end.",
		  offsetof(struct sl_flow_counters, received_bytes) },
	};

	render_series(a, p, 6, tcp, sizeof(tcp) / sizeof(tcp[0]));
	render_series(a, p, 17, udp, sizeof(udp) / sizeof(udp[0]));
}

static void map_fill(struct sl_prom *p, const char *name, struct bpf_map *m)
{
	struct sl_prom_label l = { "map", name };
	long n = sl_dp_map_count(bpf_map__fd(m));

	if (n >= 0)
		sl_prom_sample(p, "sluice_map_entries", &l, 1, (double)n);
	sl_prom_sample(p, "sluice_map_capacity", &l, 1, (double)bpf_map__max_entries(m));
}

static void prog_stats(struct sl_prom *p, struct bpf_program *prog)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	struct sl_prom_label l = { "program", bpf_program__name(prog) };

	if (bpf_program__fd(prog) < 0 || bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len))
		return;
	sl_prom_sample(p, "sluice_program_runs_total", &l, 1, (double)info.run_cnt);
	sl_prom_sample(p, "sluice_program_run_seconds_total", &l, 1,
		       (double)info.run_time_ns / 1e9);
}

static const char *decision_name(uint32_t kind)
{
	switch (kind) {
	case SL_AZ_DENIED:
		return "denied";
	case SL_AZ_AUDITED:
		return "audited";
	case SL_AZ_SPOOFED:
		return "spoofed_source";
	case SL_AZ_DENIED_AT_SOURCE:
		return "denied_at_source";
	default:
		return "unknown";
	}
}

/* sl_authz_stats: authorization decisions per pod and policy. */
static void render_policy(struct sl_agent *a, struct sl_prom *p)
{
	int fd = a->dp.authz_stats_fd, ncpu = libbpf_num_possible_cpus();
	struct sl_authz_stat_key k, next, *prev = NULL;
	struct sl_prom_label l[5];
	uint64_t *vals;

	sl_prom_family(
		p, "sluice_policy_decisions_total", "counter",
		"Authorization decisions of the kernel, by decision, pod and deciding policy "
		"(denied: at the destination; denied_at_source: connect/sendmsg refused by "
		"the local check; audited: an AUDIT or dry-run policy matched; "
		"spoofed_source: packets from a pod with another address).");
	if (ncpu <= 0)
		return;
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals)
		return;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		const struct sl_pod_names *pn = sl_names_pod(&a->names, next.pod_id);
		const char *pol = next.policy ? sl_authz_policy_ref(&a->authz, next.policy) : "";
		double sum = 0;

		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(fd, &k, vals))
			continue;
		for (int c = 0; c < ncpu; c++)
			sum += (double)vals[c];
		l[0] = (struct sl_prom_label){ "decision", decision_name(k.kind) };
		l[1] = (struct sl_prom_label){ "namespace", pn ? pn->ns : "unknown" };
		l[2] = (struct sl_prom_label){ "workload", pn ? pn->workload : "unknown" };
		l[3] = (struct sl_prom_label){ "pod", pn ? pn->name : "unknown" };
		l[4] = (struct sl_prom_label){ "policy", pol ? pol : "deleted" };
		sl_prom_sample(p, "sluice_policy_decisions_total", l, 5, sum);
	}
	free(vals);
}

static void render_sluice(struct sl_agent *a, struct sl_prom *p)
{
	struct sl_datapath *dp = &a->dp;
	uint64_t stats[SL_STAT__MAX] = {};
	struct bpf_program *prog;
	struct sl_prom_label l[2];

	sl_prom_family(p, "sluice_agent_info", "gauge", "The running agent (value 1).");
	l[0] = (struct sl_prom_label){ "version", SLUICE_VERSION };
	l[1] = (struct sl_prom_label){ "node", a->node };
	sl_prom_sample(p, "sluice_agent_info", l, 2, 1);

	sl_prom_family(p, "sluice_map_entries", "gauge", "Entries in a pinned map.");
	sl_prom_family(p, "sluice_map_capacity", "gauge",
		       "Capacity (max_entries) of a pinned map.");
	map_fill(p, "sl_svc", dp->skel->maps.sl_svc);
	map_fill(p, "sl_bset", dp->skel->maps.sl_bset);
	map_fill(p, "sl_src_route", dp->skel->maps.sl_src_route);
	map_fill(p, "sl_src", dp->skel->maps.sl_src);
	map_fill(p, "sl_ipcache", dp->skel->maps.sl_ipcache);
	map_fill(p, "sl_udp_revnat", dp->skel->maps.sl_udp_revnat);
	map_fill(p, "sl_affinity", dp->skel->maps.sl_affinity);
	map_fill(p, "sl_flow_stats", dp->skel->maps.sl_flow_stats);
	map_fill(p, "sl_authz", dp->tc->maps.sl_authz);
	map_fill(p, "sl_podif", dp->tc->maps.sl_podif);
	map_fill(p, "sl_udp_ct", dp->tc->maps.sl_udp_ct);
	map_fill(p, "sl_authz_stats", dp->tc->maps.sl_authz_stats);

	sl_dp_read_stats(dp, stats);
	sl_prom_family(p, "sluice_datapath_events_total", "counter",
		       "Data-plane decisions, by event (sl_stats).");
	for (int s = 0; s < SL_STAT__MAX; s++) {
		l[0] = (struct sl_prom_label){ "event", sl_stat_name(s) };
		sl_prom_sample(p, "sluice_datapath_events_total", l, 1, (double)stats[s]);
	}
	sl_prom_family(p, "sluice_drops_total", "counter",
		       "Connections and datagrams refused, by reason.");
	l[0] = (struct sl_prom_label){ "reason", sl_reason_name(SL_REASON_NO_ENDPOINT) };
	sl_prom_sample(p, "sluice_drops_total", l, 1,
		       (double)(stats[SL_STAT_CONNECT_NO_BACKEND] +
				stats[SL_STAT_SENDMSG_NO_BACKEND] - stats[SL_STAT_POOL_FULL] -
				stats[SL_STAT_BSET_MISS]));
	l[0] = (struct sl_prom_label){ "reason", sl_reason_name(SL_REASON_POOL_FULL) };
	sl_prom_sample(p, "sluice_drops_total", l, 1, (double)stats[SL_STAT_POOL_FULL]);
	l[0] = (struct sl_prom_label){ "reason", sl_reason_name(SL_REASON_NO_BACKEND_SLOT) };
	sl_prom_sample(p, "sluice_drops_total", l, 1, (double)stats[SL_STAT_BSET_MISS]);
	l[0] = (struct sl_prom_label){ "reason", sl_reason_name(SL_REASON_POLICY_DENIED) };
	sl_prom_sample(p, "sluice_drops_total", l, 1,
		       (double)(stats[SL_STAT_AUTHZ_DENIED] + stats[SL_STAT_AUTHZ_DENIED_SOURCE]));
	l[0] = (struct sl_prom_label){ "reason", sl_reason_name(SL_REASON_SPOOFED) };
	sl_prom_sample(p, "sluice_drops_total", l, 1, (double)stats[SL_STAT_SPOOF_DROPPED]);
	render_policy(a, p);
	sl_prom_family(p, "sluice_flow_events_lost_total", "counter",
		       "Flow events dropped because the ring buffer was full.");
	sl_prom_sample(p, "sluice_flow_events_lost_total", NULL, 0,
		       (double)stats[SL_STAT_EVENTS_LOST]);

	sl_prom_family(p, "sluice_apply_duration_seconds", "histogram",
		       "Time from a validated apply to the kernel maps and state file updated.");
	sl_prom_histogram(p, "sluice_apply_duration_seconds", NULL, 0, sl_apply_bounds,
			  a->apply_buckets, SL_APPLY_BUCKETS, a->apply_seconds_sum, a->applies);
	sl_prom_family(p, "sluice_apply_rejected_total", "counter",
		       "Applies refused (nothing changed).");
	sl_prom_sample(p, "sluice_apply_rejected_total", NULL, 0, (double)a->apply_failures);

	sl_prom_family(p, "sluice_program_runs_total", "counter",
		       "Runs of each BPF program (counted while kernel.bpf_stats_enabled=1).");
	sl_prom_family(
		p, "sluice_program_run_seconds_total", "counter",
		"Time spent in each BPF program (counted while kernel.bpf_stats_enabled=1).");
	bpf_object__for_each_program(prog, dp->skel->obj) prog_stats(p, prog);
	bpf_object__for_each_program(prog, dp->sockops->obj) prog_stats(p, prog);
	bpf_object__for_each_program(prog, dp->tc->obj) prog_stats(p, prog);
}

/* Asks sluice-proxy for its request metrics (into px) and says whether it answered.
 * This blocks the agent's loop for at most PROXY_TIMEOUT_MS (proxy_link.h). */
static void render_proxy_up(struct sl_agent *a, struct sl_prom *p, struct sl_buf *px)
{
	int err = sl_proxy_request(a->proxy_control, "metrics", px, PROXY_TIMEOUT_MS);

	if (err && err != a->proxy_err)
		pr_warn("--proxy-control %s: no metrics from the proxy: %s%s%.*s", a->proxy_control,
			strerror(-err), err == -EREMOTEIO ? ": " : "",
			err == -EREMOTEIO ? (int)px->len : 0, px->p ? px->p : "");
	else if (!err && a->proxy_err)
		pr_info("--proxy-control %s: the proxy answers again", a->proxy_control);
	a->proxy_err = err;
	if (err)
		px->len = 0; /* an error message, not metrics */
	sl_prom_family(p, "sluice_proxy_up", "gauge",
		       "Whether sluice-proxy answered on --proxy-control (its istio_request* "
		       "metrics follow when 1).");
	sl_prom_sample(p, "sluice_proxy_up", NULL, 0, err ? 0 : 1);
}

static int render(void *arg, struct sl_buf *out)
{
	struct sl_agent *a = arg;
	struct sl_buf px = {};
	struct sl_prom p;
	int err;

	sl_prom_init(&p);
	if (a->dpo.telemetry)
		render_istio(a, &p);
	render_sluice(a, &p);
	if (a->proxy_control)
		render_proxy_up(a, &p, &px);
	err = sl_prom_finish(&p, out);
	/* The proxy's families are its own (user/proxy/metrics.h): appended whole, each
	 * family's HELP and TYPE still appear once. */
	if (!err && px.len)
		err = sl_buf_append(out, px.p, px.len);
	sl_buf_free(&px);
	sl_prom_free(&p);
	return err;
}

int sl_metrics_open(struct sl_agent *a)
{
	int err = sl_metrics_http_open(&a->http, a->metrics_addr, render, a);

	if (err) {
		pr_err("--metrics-addr %s: %s", a->metrics_addr, strerror(-err));
		return err;
	}
	a->http_open = true;
	pr_info("metrics on http://%s/metrics", a->metrics_addr);
	return 0;
}

size_t sl_metrics_fds(struct sl_agent *a, struct pollfd *p, size_t max)
{
	int n;

	if (!a->http_open)
		return 0;
	n = sl_metrics_http_fds(&a->http, p, max);
	return n > 0 ? (size_t)n : 0;
}

void sl_metrics_handle(struct sl_agent *a, const struct pollfd *p, size_t n)
{
	if (a->http_open)
		sl_metrics_http_handle(&a->http, p, n);
}

void sl_metrics_close(struct sl_agent *a)
{
	size_t it = 0;
	void *v;

	while (sl_htab_next(&a->retired, &it, NULL, NULL, &v))
		series_free(v);
	sl_htab_free(&a->retired);
	if (a->http_open)
		sl_metrics_http_close(&a->http);
	a->http_open = false;
}
