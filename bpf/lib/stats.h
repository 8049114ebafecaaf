/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_BPF_STATS_H
#define SLUICE_BPF_STATS_H

#include "lib/maps.h"

/* Counts one event. Per-CPU slot, so a plain increment is race-free. */
static __always_inline void stat_inc(enum sl_stat s)
{
	__u32 key = s;
	struct sl_stat_val *v = bpf_map_lookup_elem(&sl_stats, &key);

	if (v)
		v->count++;
}

#endif
