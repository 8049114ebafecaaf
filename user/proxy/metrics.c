// SPDX-License-Identifier: Apache-2.0
/* The proxy's Prometheus exposition (metrics.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/htab.h"
#include "common/log.h"
#include "proxy/metrics.h"
#include "proxy/names.h"
#include "proxy/rq_metrics.h"
#include "proxy/stats.h"

#define NLABELS 18
#define NVALS (sizeof(struct px_rqm_vals) / sizeof(uint64_t))

/* Istio's standard labels of request metrics, in the agent's order for istio_tcp_*
 * with response_code and response_flags where Istio puts them. */
static const char *const labels[NLABELS] = {
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
	"response_code",
	"response_flags",
	"connection_security_policy",
};

/* One label set (several keys may have it: two pods of one workload) and its sums. */
struct agg {
	char *id; /* the values, each NUL-terminated, one after the other */
	size_t idlen;
	const char *v[NLABELS]; /* into id */
	struct px_rqm_vals vals;
};

static void push(struct sl_buf *b, const char *s)
{
	sl_buf_append(b, s, strlen(s) + 1);
}

/* The label values of k, NUL-separated, into b. */
static void values(const struct px_names *n, const struct px_rqm_key *k, struct sl_buf *b)
{
	const struct px_name *sp = px_names_pod(n, k->src_pod);
	const struct px_name *dp = px_names_pod(n, k->dst_pod);
	const struct px_name *sv = px_names_svc(n, k->svc);
	char code[16], flags[64], fqdn[600];

	snprintf(code, sizeof(code), "%u", k->code);
	px_flags_format(k->flags, flags, sizeof(flags));
	if (sv)
		snprintf(fqdn, sizeof(fqdn), "%s.%s.svc.%s", sv->name, sv->ns, PX_CLUSTER_DOMAIN);
	push(b, PX_REPORTER);
	push(b, sp ? sp->workload : "unknown");
	push(b, sp ? sp->ns : "unknown");
	/* Client to proxy is plain TCP on the node: no peer certificate, as the agent
	 * reports it for istio_tcp_*. */
	push(b, "unknown");
	push(b, sp ? sp->app : "unknown");
	push(b, sp ? sp->version : "unknown");
	push(b, sv ? fqdn : "unknown");
	push(b, sv ? sv->name : "unknown");
	push(b, sv ? sv->ns : "unknown");
	push(b, dp ? dp->workload : "unknown");
	push(b, dp ? dp->ns : "unknown");
	push(b, "unknown");
	push(b, dp ? dp->app : "unknown");
	push(b, dp ? dp->version : "unknown");
	push(b, "http");
	push(b, code);
	push(b, flags);
	push(b, "none");
}

static void vals_add(struct px_rqm_vals *to, const struct px_rqm_vals *from)
{
	uint64_t *t = (uint64_t *)to;
	const uint64_t *f = (const uint64_t *)from;

	for (size_t i = 0; i < NVALS; i++)
		t[i] += f[i];
}

/* Adds one series to the label set it has in h (created if new). */
static int merge(struct sl_htab *h, const struct px_names *n, const struct px_rqm_key *k,
		 const struct px_rqm_vals *v)
{
	struct sl_buf id = {};
	struct agg *a;
	const char *p;

	values(n, k, &id);
	if (id.oom) {
		sl_buf_free(&id);
		return -ENOMEM;
	}
	a = sl_htab_get(h, id.p, id.len);
	if (a) {
		vals_add(&a->vals, v);
		sl_buf_free(&id);
		return 0;
	}
	a = calloc(1, sizeof(*a));
	if (!a || sl_htab_put(h, id.p, id.len, a, NULL)) {
		free(a);
		sl_buf_free(&id);
		return -ENOMEM;
	}
	a->id = id.p; /* owned by a now */
	a->idlen = id.len;
	p = a->id;
	for (int i = 0; i < NLABELS; i++, p += strlen(p) + 1)
		a->v[i] = p;
	a->vals = *v;
	return 0;
}

static int agg_cmp(const void *x, const void *y)
{
	const struct agg *a = *(const struct agg *const *)x, *b = *(const struct agg *const *)y;
	size_t n = a->idlen < b->idlen ? a->idlen : b->idlen;
	int c = memcmp(a->id, b->id, n);

	return c ? c : (a->idlen > b->idlen) - (a->idlen < b->idlen);
}

static int render_aggs(struct sl_prom *p, struct agg **v, size_t n)
{
	int err = 0;

	sl_prom_family(p, "istio_requests_total", "counter",
		       "Requests handled by sluice-proxy (Istio's standard metric).");
	sl_prom_family(p, "istio_request_duration_milliseconds", "histogram",
		       "Time from the request's first byte to the end of its response, ms.");
	sl_prom_family(p, "istio_request_bytes", "histogram",
		       "Request body sizes, bytes (as received from the client).");
	sl_prom_family(p, "istio_response_bytes", "histogram",
		       "Response body sizes, bytes (as sent to the client).");
	for (size_t i = 0; i < n && !err; i++) {
		const struct px_rqm_vals *s = &v[i]->vals;
		struct sl_prom_label l[NLABELS];

		for (int j = 0; j < NLABELS; j++)
			l[j] = (struct sl_prom_label){ labels[j], v[i]->v[j] };
		err = sl_prom_sample(p, "istio_requests_total", l, NLABELS, (double)s->count);
		err = err
			      ?: sl_prom_histogram(p, "istio_request_duration_milliseconds", l,
						   NLABELS, px_rqm_bounds, s->dur, PX_RQM_NBOUNDS,
						   (double)s->dur_sum_ms, s->count);
		err = err
			      ?: sl_prom_histogram(p, "istio_request_bytes", l, NLABELS,
						   px_rqm_bounds, s->req, PX_RQM_NBOUNDS,
						   (double)s->req_sum, s->count);
		err = err
			      ?: sl_prom_histogram(p, "istio_response_bytes", l, NLABELS,
						   px_rqm_bounds, s->resp, PX_RQM_NBOUNDS,
						   (double)s->resp_sum, s->count);
	}
	return err;
}

/* Names are kept this long after their object left the snapshot: longer than a series
 * its last requests made lives (it is evicted after the idle time). */
static int64_t names_keep_ms(const struct px_proxy *px)
{
	unsigned int idle = px->cfg.request_series_idle_ms ? px->cfg.request_series_idle_ms
							   : PX_RQM_IDLE_DEFAULT_MS;

	return 2 * (int64_t)idle + 60000;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void px_metrics_sync_names(struct px_proxy *px)
{
	if (px_names_sync(&px->names, px->current, mono_ms(), names_keep_ms(px)))
		pr_warn("request metrics: out of memory learning names (shown as unknown)");
}

int px_metrics_requests(struct px_proxy *px, struct sl_prom *p, int64_t now_ms)
{
	struct sl_htab h = {};
	struct agg **v = NULL;
	size_t n = 0, it = 0;
	void *val;
	int err;

	/* Names that could not all be learnt are rendered "unknown"; still served. */
	px_names_sync(&px->names, px->current, now_ms, names_keep_ms(px));
	err = 0;
	for (unsigned int w = 0; w < px->nworkers && !err; w++) {
		const struct px_rqm *t = &px->workers[w].rqm;
		uint32_t bound = t->series ? px_rqm_bound(t) : 0;

		for (uint32_t i = 0; i < bound && !err; i++) {
			struct px_rqm_key k;
			struct px_rqm_vals s;

			if (px_rqm_read(t, i, &k, &s))
				err = merge(&h, &px->names, &k, &s);
		}
	}
	if (!err && h.used && !(v = malloc(h.used * sizeof(*v))))
		err = -ENOMEM;
	while (sl_htab_next(&h, &it, NULL, NULL, &val)) {
		if (v)
			v[n++] = val;
		else {
			free(((struct agg *)val)->id);
			free(val);
		}
	}
	sl_htab_free(&h);
	if (!v)
		return err;
	qsort(v, n, sizeof(*v), agg_cmp);
	err = render_aggs(p, v, n);
	for (size_t i = 0; i < n; i++) {
		free(v[i]->id);
		free(v[i]);
	}
	free(v);
	return err;
}

/* sluice_proxy_*: the admin endpoint's counters (GET /stats), the request metric
 * tables' own figures, the snapshot in force. */
static void render_proxy(struct px_proxy *px, struct sl_prom *p)
{
	struct px_stats sum = { 0 };
	uint64_t series = 0, overflow = 0, evicted = 0;
	struct sl_prom_label l;
	char name[128];

	for (unsigned int i = 0; i < px->nworkers; i++) {
		const struct px_rqm *t = &px->workers[i].rqm;

		px_stats_sum(&sum, &px->workers[i].stats);
		series += __atomic_load_n(&t->nlive, __ATOMIC_RELAXED);
		overflow += __atomic_load_n(&t->overflow, __ATOMIC_RELAXED);
		evicted += __atomic_load_n(&t->evicted, __ATOMIC_RELAXED);
	}
	sl_prom_family(p, "sluice_proxy_response_flags_total", "counter",
		       "Requests by response flag (Envoy's short codes).");
	for (unsigned int i = 0; i < PX_ST__COUNT; i++) {
		const char *s = px_stat_name((enum px_stat)i);
		bool gauge = i == PX_ST_DS_CX_ACTIVE || i == PX_ST_US_CX_IDLE;
		size_t len = strlen(s);

		if (!strncmp(s, "response_flag_", 14)) {
			l = (struct sl_prom_label){ "flag", s + 14 };
			sl_prom_sample(p, "sluice_proxy_response_flags_total", &l, 1,
				       (double)sum.v[i]);
			continue;
		}
		snprintf(name, sizeof(name), "sluice_proxy_%s%s", s,
			 gauge || (len > 6 && !strcmp(s + len - 6, "_total")) ? "" : "_total");
		sl_prom_family(
			p, name, gauge ? "gauge" : "counter",
			"A sluice-proxy counter, as GET /stats on its admin endpoint shows it.");
		sl_prom_sample(p, name, NULL, 0, (double)sum.v[i]);
	}
	sl_prom_family(p, "sluice_proxy_request_series", "gauge",
		       "Request metric series held, summed over the workers.");
	sl_prom_sample(p, "sluice_proxy_request_series", NULL, 0, (double)series);
	sl_prom_family(p, "sluice_proxy_request_series_overflow_total", "counter",
		       "Requests not counted in istio_request* because their worker's "
		       "--max-request-series series were all in use.");
	sl_prom_sample(p, "sluice_proxy_request_series_overflow_total", NULL, 0, (double)overflow);
	sl_prom_family(p, "sluice_proxy_request_series_evicted_total", "counter",
		       "Request metric series freed after --request-series-idle without requests.");
	sl_prom_sample(p, "sluice_proxy_request_series_evicted_total", NULL, 0, (double)evicted);
	sl_prom_family(p, "sluice_proxy_snapshot_version", "gauge",
		       "The configuration snapshot in force (0: none).");
	sl_prom_sample(p, "sluice_proxy_snapshot_version", NULL, 0,
		       px->current ? (double)px->current->version : 0);
}

int px_metrics_render(struct px_proxy *px, struct sl_buf *out)
{
	struct sl_prom p;
	int err;

	sl_prom_init(&p);
	err = px_metrics_requests(px, &p, mono_ms());
	if (!err)
		render_proxy(px, &p);
	err = err ?: sl_prom_finish(&p, out);
	sl_prom_free(&p);
	return err;
}
