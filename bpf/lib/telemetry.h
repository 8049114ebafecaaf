/* SPDX-License-Identifier: Apache-2.0 */
/* Flow counters and flow events, shared by every program that reports traffic. */
#ifndef SLUICE_BPF_TELEMETRY_H
#define SLUICE_BPF_TELEMETRY_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "lib/ipcache.h"
#include "lib/maps.h"
#include "lib/stats.h"

/* Set by the agent before load (--telemetry). Off: the programs count nothing and
 * emit no events; load balancing is unaffected. */
const volatile bool cfg_telemetry = true;

/* The per-CPU counters of key, created on first use. NULL when the map is full. */
static __always_inline struct sl_flow_counters *flow_counters(const struct sl_flow_key *key)
{
	struct sl_flow_counters *c = bpf_map_lookup_elem(&sl_flow_stats, key), zero = {};

	if (c)
		return c;
	if (bpf_map_update_elem(&sl_flow_stats, key, &zero, BPF_NOEXIST) &&
	    !bpf_map_lookup_elem(&sl_flow_stats, key)) {
		stat_inc(SL_STAT_FLOW_KEYS_FULL);
		return NULL;
	}
	return bpf_map_lookup_elem(&sl_flow_stats, key);
}

/* A zeroed event of `type`, or NULL (counted) when the ring buffer is full. */
static __always_inline struct sl_flow_event *event_new(__u8 type)
{
	struct sl_flow_event *e = bpf_ringbuf_reserve(&sl_events, sizeof(*e), 0);

	if (!e) {
		stat_inc(SL_STAT_EVENTS_LOST);
		return NULL;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->type = type;
	e->ts_ns = bpf_ktime_get_ns();
	return e;
}

/* Publishes an event. The agent is woken only once the buffer is a quarter full; it
 * drains on its own every 100 ms otherwise, so a high connection rate does not cost
 * one wakeup of the agent per event. */
static __always_inline void event_submit(struct sl_flow_event *e)
{
	__u64 avail = bpf_ringbuf_query(&sl_events, BPF_RB_AVAIL_DATA);

	bpf_ringbuf_submit(e, avail > SL_EVENTS_RINGBUF_BYTES / 4 ? BPF_RB_FORCE_WAKEUP
								  : BPF_RB_NO_WAKEUP);
}

#endif
