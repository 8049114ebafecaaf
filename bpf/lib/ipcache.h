/* SPDX-License-Identifier: Apache-2.0 */
/* Who an address is: the sl_ipcache LPM trie. */
#ifndef SLUICE_BPF_IPCACHE_H
#define SLUICE_BPF_IPCACHE_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "lib/maps.h"

/* The most specific entry holding address a: its pod, or the policy address block it
 * falls in. NULL when no entry holds it (an unknown address). */
static __always_inline struct sl_ip_info *ip_info(const struct sl_addr *a)
{
	struct sl_lpm_key k = { .prefixlen = 128, .addr = *a };

	return bpf_map_lookup_elem(&sl_ipcache, &k);
}

/* The pod that owns address a, 0 when it is not a pod's. */
static __always_inline __u32 pod_of(const struct sl_addr *a)
{
	struct sl_ip_info *i = ip_info(a);

	return i ? i->pod_id : 0;
}

#endif
