/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Flow events from the kernel's ring buffer: drained into a bounded buffer (the
 * recent past for `sluicectl flows`) and streamed to `flows --follow` clients.
 */
#ifndef SLUICE_AGENT_TELEMETRY_H
#define SLUICE_AGENT_TELEMETRY_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/buf.h"
#include "sluice/abi.h"

struct sl_agent;
struct sl_request;
struct ring_buffer;

struct sl_flow_filter {
	const char *ns, *pod, *svc_ns, *svc_name, *verdict;
	uint64_t since_ns; /* CLOCK_REALTIME; 0 = all */
	bool json;
};

struct sl_flow_sub {
	int fd;
	struct sl_flow_filter f;
	char *strings; /* owns the filter's strings */
};

struct sl_telemetry {
	struct ring_buffer *rb;
	struct sl_flow_event *ring;
	size_t cap, head, n; /* ring[(head - n + i) % cap], oldest first */
	int64_t mono_to_wall; /* add to bpf_ktime_get_ns() for CLOCK_REALTIME */
	struct sl_flow_sub *subs;
	size_t nsubs;
	uint64_t drained, sub_dropped;
	struct sl_agent *a;
};

int sl_tel_open(struct sl_telemetry *t, struct sl_agent *a, int events_fd, size_t cap);
void sl_tel_close(struct sl_telemetry *t);
/* The fd to poll for new events (-1 when closed). */
int sl_tel_poll_fd(const struct sl_telemetry *t);
void sl_tel_drain(struct sl_telemetry *t);
/* `flows --follow` connections, polled for hang-ups. */
size_t sl_tel_sub_fds(const struct sl_telemetry *t, struct pollfd *p, size_t max);
void sl_tel_sub_handle(struct sl_telemetry *t, const struct pollfd *p, size_t n);

/* sluicectl flows. With --follow, takes ownership of cfd (returns true). */
bool sl_cmd_flows(struct sl_agent *a, struct sl_request *r, int cfd);
/* sluicectl stats */
void sl_cmd_stats(struct sl_agent *a, struct sl_request *r);

const char *sl_reason_name(uint32_t reason);

#endif
