// SPDX-License-Identifier: Apache-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "agent/agent.h"
#include "agent/render.h"
#include "agent/telemetry.h"
#include "common/log.h"
#include "common/proto.h"
#include "model/objects.h"

static const char *const reason_names[SL_REASON__MAX] = {
	[SL_REASON_NONE] = "none",
	[SL_REASON_NO_ENDPOINT] = "no_endpoint",
	[SL_REASON_POOL_FULL] = "connection_pool_full",
	[SL_REASON_NO_BACKEND_SLOT] = "backend_slot_missing",
	[SL_REASON_POLICY_DENIED] = "policy_denied",
	[SL_REASON_SPOOFED] = "spoofed_source",
};

const char *sl_reason_name(uint32_t r)
{
	return r < SL_REASON__MAX && reason_names[r] ? reason_names[r] : "unknown";
}

static const char *type_name(uint8_t t)
{
	switch (t) {
	case SL_EV_OPEN:
		return "open";
	case SL_EV_CLOSE:
		return "close";
	case SL_EV_DROP:
		return "drop";
	case SL_EV_XLATE:
		return "translate";
	case SL_EV_AUDIT:
		return "audit";
	default:
		return "?";
	}
}

static int64_t clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Everything a rendered event says about one end. */
struct end_info {
	char addr[80];
	const struct sl_pod_names *pod;
};

static void end_of(const struct sl_agent *a, const struct sl_addr *addr, __be16 port,
		   uint32_t pod_id, struct end_info *e)
{
	struct sl_backend b = { .addr = *addr, .port = port };

	if (addr->w[0] || addr->w[1] || addr->w[2] || addr->w[3])
		sl_fmt_backend(&b, e->addr, sizeof(e->addr));
	else
		snprintf(e->addr, sizeof(e->addr), "-");
	e->pod = sl_names_pod(&a->names, pod_id);
}

static const struct sl_object *event_service(const struct sl_agent *a,
					     const struct sl_flow_event *ev)
{
	const struct sl_frontend *fe = sl_names_svc(&a->names, ev->svc_id);
	struct sl_backend b = { .addr = ev->dst, .port = ev->dst_port };

	if (!fe && ev->reporter == SL_REPORTER_DESTINATION)
		fe = sl_names_backend(&a->names, &b);
	return fe ? fe->svc : NULL;
}

static bool str_match(const char *want, const struct sl_pod_names *p)
{
	if (!p)
		return false;
	if (strchr(want, '/')) {
		size_t nl = strlen(p->ns);

		return !strncmp(want, p->ns, nl) && want[nl] == '/' &&
		       !strcmp(want + nl + 1, p->name);
	}
	return !strcmp(want, p->name);
}

static bool event_matches(const struct sl_telemetry *t, const struct sl_flow_event *ev,
			  const struct sl_flow_filter *f)
{
	const struct sl_pod_names *sp = sl_names_pod(&t->a->names, ev->src_pod);
	const struct sl_pod_names *dp = sl_names_pod(&t->a->names, ev->dst_pod);
	const struct sl_object *svc = event_service(t->a, ev);

	if (f->since_ns && (uint64_t)((int64_t)ev->ts_ns + t->mono_to_wall) < f->since_ns)
		return false;
	if (f->ns && !((sp && !strcmp(sp->ns, f->ns)) || (dp && !strcmp(dp->ns, f->ns)) ||
		       (svc && !strcmp(svc->meta.ns, f->ns))))
		return false;
	if (f->pod && !str_match(f->pod, sp) && !str_match(f->pod, dp))
		return false;
	if (f->svc_name && !(svc && !strcmp(svc->meta.name, f->svc_name) &&
			     (!f->svc_ns || !strcmp(svc->meta.ns, f->svc_ns))))
		return false;
	if (f->verdict && strcasecmp(f->verdict, ev->type == SL_EV_DROP ? "dropped" : "forwarded"))
		return false;
	return true;
}

static void json_str(struct sl_buf *b, const char *s)
{
	sl_buf_printf(b, "\"");
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			sl_buf_printf(b, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			sl_buf_printf(b, "\\u%04x", *s);
		else
			sl_buf_append(b, s, 1);
	}
	sl_buf_printf(b, "\"");
}

static void json_end(struct sl_buf *b, const char *key, const struct end_info *e)
{
	sl_buf_printf(b, "\"%s\":{\"address\":", key);
	json_str(b, e->addr);
	if (e->pod) {
		sl_buf_printf(b, ",\"namespace\":");
		json_str(b, e->pod->ns);
		sl_buf_printf(b, ",\"pod\":");
		json_str(b, e->pod->name);
		sl_buf_printf(b, ",\"workload\":");
		json_str(b, e->pod->workload);
	}
	sl_buf_printf(b, "}");
}

/* The name of policy `id` for the flow log ("namespace/name"), or its id when the
 * policy has been deleted since. */
static const char *policy_name(const struct sl_telemetry *t, uint32_t id, char *buf, size_t len)
{
	const char *ref = sl_authz_policy_ref(&t->a->authz, id);

	if (ref)
		return ref;
	snprintf(buf, len, "id:%08x", id);
	return buf;
}

static void render_policy(const struct sl_telemetry *t, const struct sl_flow_event *ev, bool json,
			  struct sl_buf *b)
{
	char n1[32];
	bool decided =
		ev->reason == SL_REASON_POLICY_DENIED || (ev->type == SL_EV_AUDIT && ev->policy);
	const char *pol = decided ? policy_name(t, ev->policy, n1, sizeof(n1)) : NULL;
	bool audit = ev->flags & SL_AUTHZ_F_AUDIT;

	if (!pol)
		return;
	if (json) {
		sl_buf_printf(b, ",\"%s\":", ev->type == SL_EV_AUDIT ? "audit_policy" : "policy");
		json_str(b, pol);
		if (ev->flags & SL_AUTHZ_F_NO_ALLOW_MATCH)
			sl_buf_printf(b, ",\"policy_match\":\"no ALLOW rule matched\"");
		if (audit && ev->type != SL_EV_AUDIT)
			sl_buf_printf(b, ",\"audit\":true");
		return;
	}
	if (ev->type == SL_EV_AUDIT) {
		sl_buf_printf(b, " audit-policy=%s", pol);
		return;
	}
	sl_buf_printf(b, " policy=%s%s%s", pol,
		      ev->flags & SL_AUTHZ_F_NO_ALLOW_MATCH ? " (no ALLOW rule matched)" : "",
		      audit ? " audit" : "");
}

static void render_event(const struct sl_telemetry *t, const struct sl_flow_event *ev, bool json,
			 struct sl_buf *b)
{
	int64_t wall = (int64_t)ev->ts_ns + t->mono_to_wall;
	time_t sec = (time_t)(wall / 1000000000);
	struct end_info src, dst, orig;
	const struct sl_object *svc = event_service(t->a, ev);
	const char *verdict = ev->type == SL_EV_DROP ? "DROPPED" : "FORWARDED";
	struct tm tm;
	char ts[64];

	gmtime_r(&sec, &tm);
	snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (int)((wall / 1000000) % 1000));
	end_of(t->a, &ev->src, ev->src_port, ev->src_pod, &src);
	end_of(t->a, &ev->dst, ev->dst_port, ev->dst_pod, &dst);
	end_of(t->a, &ev->orig, ev->orig_port, 0, &orig);
	if (json) {
		sl_buf_printf(b, "{\"time\":\"%s\",\"type\":\"%s\",\"verdict\":\"%s\",", ts,
			      type_name(ev->type), verdict);
		sl_buf_printf(b, "\"reporter\":\"%s\",\"protocol\":\"%s\",",
			      ev->reporter == SL_REPORTER_DESTINATION ? "destination" : "source",
			      sl_proto_name(ev->proto));
		json_end(b, "source", &src);
		sl_buf_printf(b, ",");
		json_end(b, "destination", &dst);
		sl_buf_printf(b, ",\"original_destination\":");
		json_str(b, orig.addr);
		if (svc) {
			sl_buf_printf(b, ",\"service\":{\"namespace\":");
			json_str(b, svc->meta.ns);
			sl_buf_printf(b, ",\"name\":");
			json_str(b, svc->meta.name);
			sl_buf_printf(b, "}");
		}
		if (ev->type == SL_EV_CLOSE)
			sl_buf_printf(
				b,
				",\"bytes_sent\":%llu,\"bytes_received\":%llu,\"duration_ms\":%.3f,\"srtt_us\":%u,\"retransmits\":%u",
				(unsigned long long)ev->sent_bytes,
				(unsigned long long)ev->received_bytes,
				(double)ev->duration_ns / 1e6, ev->srtt_us, ev->retransmits);
		if (ev->type == SL_EV_DROP)
			sl_buf_printf(b, ",\"drop_reason\":\"%s\"", sl_reason_name(ev->reason));
		render_policy(t, ev, true, b);
		sl_buf_printf(b, "}\n");
		return;
	}
	sl_buf_printf(b, "%s  %-9s %-9s %s  %s%s%s (%s) -> %s%s%s (%s)", ts, type_name(ev->type),
		      verdict, sl_proto_name(ev->proto), src.pod ? src.pod->ns : "",
		      src.pod ? "/" : "", src.pod ? src.pod->name : "?", src.addr,
		      dst.pod ? dst.pod->ns : "", dst.pod ? "/" : "", dst.pod ? dst.pod->name : "?",
		      dst.addr);
	if (svc)
		sl_buf_printf(b, " service %s/%s (%s)", svc->meta.ns, svc->meta.name, orig.addr);
	if (ev->type == SL_EV_CLOSE)
		sl_buf_printf(b, " sent=%llu received=%llu duration=%.3fms srtt=%uus retrans=%u",
			      (unsigned long long)ev->sent_bytes,
			      (unsigned long long)ev->received_bytes, (double)ev->duration_ns / 1e6,
			      ev->srtt_us, ev->retransmits);
	if (ev->type == SL_EV_DROP)
		sl_buf_printf(b, " reason=%s", sl_reason_name(ev->reason));
	render_policy(t, ev, false, b);
	sl_buf_printf(b, " [%s]\n",
		      ev->reporter == SL_REPORTER_DESTINATION ? "destination" : "source");
}

static void sub_free(struct sl_telemetry *t, size_t i)
{
	close(t->subs[i].fd);
	free(t->subs[i].strings);
	t->subs[i] = t->subs[--t->nsubs];
}

/* Streams one event to the followers; one that cannot keep up is disconnected rather
 * than allowed to stall the agent. */
static void publish(struct sl_telemetry *t, const struct sl_flow_event *ev)
{
	for (size_t i = 0; i < t->nsubs;) {
		struct sl_buf line = {}, rec = {};
		ssize_t w;

		if (!event_matches(t, ev, &t->subs[i].f)) {
			i++;
			continue;
		}
		render_event(t, ev, t->subs[i].f.json, &line);
		sl_tlv_put(&rec, SL_TLV_STDOUT, line.p, line.len);
		w = write(t->subs[i].fd, rec.p, rec.len);
		sl_buf_free(&line);
		if (w != (ssize_t)rec.len) {
			t->sub_dropped++;
			sl_buf_free(&rec);
			sub_free(t, i);
			continue;
		}
		sl_buf_free(&rec);
		i++;
	}
}

static int on_event(void *ctx, void *data, size_t len)
{
	struct sl_telemetry *t = ctx;

	if (len < sizeof(struct sl_flow_event))
		return 0;
	memcpy(&t->ring[t->head], data, sizeof(struct sl_flow_event));
	t->head = (t->head + 1) % t->cap;
	if (t->n < t->cap)
		t->n++;
	t->drained++;
	if (t->nsubs)
		publish(t, data);
	return 0;
}

int sl_tel_open(struct sl_telemetry *t, struct sl_agent *a, int events_fd, size_t cap)
{
	memset(t, 0, sizeof(*t));
	t->a = a;
	t->cap = cap;
	t->ring = calloc(cap, sizeof(*t->ring));
	if (!t->ring)
		return -ENOMEM;
	t->mono_to_wall = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);
	t->rb = ring_buffer__new(events_fd, on_event, t, NULL);
	if (!t->rb) {
		free(t->ring);
		t->ring = NULL;
		return -errno;
	}
	return 0;
}

void sl_tel_close(struct sl_telemetry *t)
{
	while (t->nsubs)
		sub_free(t, 0);
	free(t->subs);
	t->subs = NULL;
	ring_buffer__free(t->rb);
	t->rb = NULL;
	free(t->ring);
	t->ring = NULL;
}

int sl_tel_poll_fd(const struct sl_telemetry *t)
{
	return t->rb ? ring_buffer__epoll_fd(t->rb) : -1;
}

void sl_tel_drain(struct sl_telemetry *t)
{
	if (t->rb)
		ring_buffer__consume(t->rb);
}

size_t sl_tel_sub_fds(const struct sl_telemetry *t, struct pollfd *p, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < t->nsubs && n < max; i++)
		p[n++] = (struct pollfd){ .fd = t->subs[i].fd, .events = POLLIN };
	return n;
}

void sl_tel_sub_handle(struct sl_telemetry *t, const struct pollfd *p, size_t n)
{
	/* A follower only ever closes; anything readable is its end of stream. */
	for (size_t k = 0; k < n; k++) {
		if (!p[k].revents)
			continue;
		for (size_t i = 0; i < t->nsubs; i++) {
			if (t->subs[i].fd == p[k].fd) {
				sub_free(t, i);
				break;
			}
		}
	}
}

/* "30s", "5m", "2h", "1500ms" -> ns; 0 on error. */
static uint64_t parse_duration(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || v < 0)
		return 0;
	if (!strcmp(end, "ms"))
		return (uint64_t)(v * 1e6);
	if (!strcmp(end, "s") || !*end)
		return (uint64_t)(v * 1e9);
	if (!strcmp(end, "m"))
		return (uint64_t)(v * 60e9);
	if (!strcmp(end, "h"))
		return (uint64_t)(v * 3600e9);
	return 0;
}

bool sl_cmd_flows(struct sl_agent *a, struct sl_request *r, int cfd)
{
	struct sl_telemetry *t = &a->tel;
	const char *since = sl_req_arg(r, "since"), *out = sl_req_arg(r, "output");
	const char *svc = sl_req_arg(r, "service");
	struct sl_flow_filter f = {
		.ns = sl_req_arg(r, "namespace"),
		.pod = sl_req_arg(r, "pod"),
		.verdict = sl_req_arg(r, "verdict"),
	};
	struct sl_flow_sub *nv;
	struct sl_buf strs = {};
	char svcbuf[512];

	if (out && strcmp(out, "json") && strcmp(out, "table")) {
		sl_buf_printf(&r->err, "error: -o takes table or json\n");
		r->status = 2;
		return false;
	}
	f.json = out && !strcmp(out, "json");
	if (f.verdict && strcasecmp(f.verdict, "forwarded") && strcasecmp(f.verdict, "dropped")) {
		sl_buf_printf(&r->err, "error: --verdict takes FORWARDED or DROPPED\n");
		r->status = 2;
		return false;
	}
	if (since) {
		uint64_t d = parse_duration(since);

		if (!d) {
			sl_buf_printf(&r->err,
				      "error: --since '%s': expected a duration like 30s, 5m, 1h\n",
				      since);
			r->status = 2;
			return false;
		}
		f.since_ns = (uint64_t)clock_ns(CLOCK_REALTIME) - d;
	}
	if (svc) {
		char *slash;

		snprintf(svcbuf, sizeof(svcbuf), "%s", svc);
		slash = strchr(svcbuf, '/');
		if (slash) {
			*slash = '\0';
			f.svc_ns = svcbuf;
			f.svc_name = slash + 1;
		} else {
			f.svc_name = svcbuf;
		}
	}
	sl_tel_drain(t);
	if (!t->rb) {
		sl_buf_printf(&r->err, "error: telemetry is off (sluiced --telemetry=on)\n");
		r->status = 1;
		return false;
	}
	for (size_t i = 0; i < t->n; i++) {
		const struct sl_flow_event *ev = &t->ring[(t->head + t->cap - t->n + i) % t->cap];

		if (event_matches(t, ev, &f))
			render_event(t, ev, f.json, &r->out);
	}
	if (!sl_req_arg(r, "follow"))
		return false;
	/* Follow: send what we have, then keep the connection for new events. */
	{
		struct sl_buf rec = {};

		if (r->out.len)
			sl_tlv_put(&rec, SL_TLV_STDOUT, r->out.p, r->out.len);
		if (rec.len && sl_write_all(cfd, rec.p, rec.len)) {
			sl_buf_free(&rec);
			return false;
		}
		sl_buf_free(&rec);
	}
	nv = realloc(t->subs, (t->nsubs + 1) * sizeof(*nv));
	if (!nv)
		return false;
	t->subs = nv;
	/* The filter's strings live in the request; copy them for the subscription. */
	sl_buf_printf(&strs, "%s%c%s%c%s%c%s%c%s%c", f.ns ?: "", 0, f.pod ?: "", 0, f.svc_ns ?: "",
		      0, f.svc_name ?: "", 0, f.verdict ?: "", 0);
	if (strs.oom) {
		sl_buf_free(&strs);
		return false;
	}
	{
		const char *p = strs.p;
		const char **slots[] = { &f.ns, &f.pod, &f.svc_ns, &f.svc_name, &f.verdict };

		for (size_t i = 0; i < 5; i++) {
			*slots[i] = *p ? p : NULL;
			p += strlen(p) + 1;
		}
	}
	fcntl(cfd, F_SETFL, fcntl(cfd, F_GETFL) | O_NONBLOCK);
	t->subs[t->nsubs++] = (struct sl_flow_sub){ .fd = cfd, .f = f, .strings = strs.p };
	sl_buf_free(&r->out);
	return true;
}

void sl_cmd_stats(struct sl_agent *a, struct sl_request *r)
{
	int fd = a->dp.flow_stats_fd, ncpu = libbpf_num_possible_cpus();
	struct sl_flow_counters *vals = calloc(ncpu > 0 ? ncpu : 1, sizeof(*vals));
	struct sl_flow_key key, next;
	uint64_t stats[SL_STAT__MAX];
	void *prev = NULL;

	if (!vals) {
		r->status = 1;
		return;
	}
	if (!sl_dp_read_stats(&a->dp, stats)) {
		sl_buf_printf(&r->out, "data plane counters:\n");
		for (int s = 0; s < SL_STAT__MAX; s++)
			sl_buf_printf(&r->out, "  %-26s %llu\n", sl_stat_name(s),
				      (unsigned long long)stats[s]);
	}
	sl_buf_printf(&r->out, "flow events: %llu drained, %llu kept, %llu lost in the kernel\n",
		      (unsigned long long)a->tel.drained, (unsigned long long)a->tel.n,
		      (unsigned long long)stats[SL_STAT_EVENTS_LOST]);
	sl_buf_printf(&r->out, "\n%-11s %-5s %-28s %-28s %-24s %8s %8s %8s %12s %12s\n", "REPORTER",
		      "PROTO", "SOURCE", "DESTINATION", "SERVICE", "OPENED", "CLOSED", "ACTIVE",
		      "SENT", "RECEIVED");
	while (fd >= 0 && !bpf_map_get_next_key(fd, prev, &next)) {
		struct sl_flow_counters sum = {};
		const struct sl_pod_names *sp, *dp;
		const struct sl_object *svc = NULL;
		const struct sl_frontend *fe;
		char s[128], d[128], sv[128];

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, vals))
			continue;
		for (int c = 0; c < ncpu; c++) {
			sum.opened += vals[c].opened;
			sum.closed += vals[c].closed;
			sum.sent_bytes += vals[c].sent_bytes;
			sum.received_bytes += vals[c].received_bytes;
		}
		sp = sl_names_pod(&a->names, key.src_pod);
		dp = sl_names_pod(&a->names, key.dst_pod);
		fe = sl_names_svc(&a->names, key.svc_id);
		svc = fe ? fe->svc : NULL;
		snprintf(s, sizeof(s), "%s/%s", sp ? sp->ns : "-", sp ? sp->name : "unknown");
		snprintf(d, sizeof(d), "%s/%s:%u", dp ? dp->ns : "-", dp ? dp->name : "unknown",
			 ntohs(key.dst_port));
		snprintf(sv, sizeof(sv), "%s%s%s", svc ? svc->meta.ns : "-", svc ? "/" : "",
			 svc ? svc->meta.name : "");
		sl_buf_printf(
			&r->out, "%-11s %-5s %-28s %-28s %-24s %8llu %8llu %8lld %12llu %12llu\n",
			key.reporter == SL_REPORTER_DESTINATION ? "destination" : "source",
			sl_proto_name(key.proto), s, d, sv, (unsigned long long)sum.opened,
			(unsigned long long)sum.closed, (long long)(sum.opened - sum.closed),
			(unsigned long long)sum.sent_bytes, (unsigned long long)sum.received_bytes);
	}
	free(vals);
}
