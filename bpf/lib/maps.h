/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every map of the Sluice data plane, each with its contract: what it maps, who writes
 * it, who reads it, what evicts it. All are pinned by name under the agent's --bpffs
 * directory so they outlive the agent; sizes marked "flag" are set by the agent from
 * its capacity flags before load.
 */
#ifndef SLUICE_BPF_MAPS_H
#define SLUICE_BPF_MAPS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "sluice/abi.h"

/* Service frontends: (ClusterIP, port, proto) -> backend set.
 * Written by sluiced (whole-value replace), read by the sock_addr programs.
 * Evicted by sluiced when the Service goes. Not preallocated: an update swaps in a
 * new element and frees the old one after an RCU grace period, so a concurrent
 * lookup sees the old value or the new one, never a mix. Size: flag --max-services. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct sl_svc_key);
	__type(value, struct sl_svc_val);
	__uint(max_entries, SL_DEFAULT_MAX_SERVICES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_svc SEC(".maps");

/* Backend sets: (set_id, slot) -> backend address. Written by sluiced before the set
 * is referenced from sl_svc and never changed after; read by the sock_addr programs.
 * Evicted by sluiced one RCU grace period after no sl_svc entry references the set.
 * Size: flag --max-backends. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct sl_bset_key);
	__type(value, struct sl_backend);
	__uint(max_entries, SL_DEFAULT_MAX_BACKENDS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_bset SEC(".maps");

/* Per-socket original destination of a connected socket (TCP, connected UDP).
 * Written by connect4/6, read by getpeername4/6 and recvmsg4/6 (and, later, by the
 * L7 proxy's SO_ORIGINAL_DST). Freed by the kernel with the socket. */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sl_sock_orig);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_sock_orig SEC(".maps");

/* Reverse translation for unconnected UDP: (socket cookie, backend) -> VIP.
 * Written by sendmsg4/6, read by recvmsg4/6. LRU: the oldest flows are evicted when
 * full (counted in SL_STAT_REVNAT_FULL only when an update fails). Size: flag
 * --max-udp-flows. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct sl_revnat_key);
	__type(value, struct sl_revnat_val);
	__uint(max_entries, SL_DEFAULT_MAX_UDP_FLOWS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_udp_revnat SEC(".maps");

/* Layout identity of the pinned maps: written once by sluiced when it creates them,
 * checked by every later agent before it adopts them. Never evicted. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct sl_meta);
	__uint(max_entries, 1);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_meta SEC(".maps");

/* Data-plane counters indexed by enum sl_stat. Written by the programs, read (summed
 * over CPUs) by sluiced for `sluicectl status`. Never evicted. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct sl_stat_val);
	__uint(max_entries, SL_STAT__MAX);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_stats SEC(".maps");

#endif /* SLUICE_BPF_MAPS_H */
