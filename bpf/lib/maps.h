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

/* Reverse index of the backend sets: (set_id, backend) -> slot. Written and evicted
 * with sl_bset; read to check that an affine backend is still in its set. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct sl_bset_rev_key);
	__type(value, __u32);
	__uint(max_entries, SL_DEFAULT_MAX_BACKENDS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_bset_rev SEC(".maps");

/* Maglev tables: set_id -> array of M slots (consistentHash.useSourceIp). Each inner
 * array is built by sluiced from the set's backends before the set is referenced, and
 * released with the set. Size: one entry per set (flag --max-services). */
struct sl_maglev_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_INNER_MAP); /* tables of different sizes */
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 1);
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__type(key, __u32);
	__uint(max_entries, SL_DEFAULT_MAX_SERVICES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct sl_maglev_inner);
} sl_maglev SEC(".maps");

/* Routes that depend on the client pod: (route_id, pod_id) -> struct sl_route. Written
 * by sluiced (whole-value replace, not preallocated) for VirtualService sourceLabels /
 * sourceNamespace matches; read by connect/sendmsg. Size: flag --max-services. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct sl_src_route_key);
	__type(value, struct sl_route);
	__uint(max_entries, SL_DEFAULT_MAX_SERVICES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_src_route SEC(".maps");

/* Client identity: cgroup id -> the pod its processes belong to. Written by sluiced
 * from the pod cgroups it finds under --cgroup (kubelet's pod<uid> naming) and the Pod
 * objects applied; read by connect/sendmsg. Evicted by sluiced when the pod goes. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u64);
	__type(value, struct sl_src);
	__uint(max_entries, SL_DEFAULT_MAX_SERVICES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_src SEC(".maps");

/* Run-time settings (struct sl_cfg at key 0). Written by sluiced. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct sl_cfg);
	__uint(max_entries, 1);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_cfg SEC(".maps");

/* sessionAffinity ClientIP: (frontend, client address) -> backend and last use. Written
 * and read by connect/sendmsg; entries older than the Service's timeout are ignored
 * and rewritten; LRU evicts the oldest. Size: flag --max-udp-flows. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct sl_affinity_key);
	__type(value, struct sl_affinity_val);
	__uint(max_entries, SL_DEFAULT_MAX_UDP_FLOWS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_affinity SEC(".maps");

/* Per pool (service port x subset): live TCP connections (sockops, +1 at connect, -1
 * at close) and the round-robin counter (connect/sendmsg). Entries are created by the
 * programs on first use; LRU evicts idle pools. Size: flag --max-services. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, __u32);
	__type(value, struct sl_pool_val);
	__uint(max_entries, SL_DEFAULT_MAX_SERVICES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_pool SEC(".maps");

/* Live TCP connections per backend (LEAST_REQUEST): sockops +1 at connect, -1 at close.
 * Created on first use; LRU evicts idle backends. Size: flag --max-backends. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct sl_backend);
	__type(value, __s64);
	__uint(max_entries, SL_DEFAULT_MAX_BACKENDS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_be_conns SEC(".maps");

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

/* Address -> who it is: every Pod address of the cluster (host prefixes) and the
 * address blocks AuthorizationPolicies name, with the authorization source class and
 * destination group of each, per policy epoch. An LPM trie, so an address outside
 * every pod finds the most specific policy block that holds it. Written by sluiced
 * from the Pods and policies; read by sockops, the skb and tc programs and the
 * source-side policy check. Size: flag --max-backends. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct sl_lpm_key);
	__type(value, struct sl_ip_info);
	__uint(max_entries, SL_DEFAULT_MAX_BACKENDS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_ipcache SEC(".maps");

/* Running TCP/UDP totals per (reporter, source pod, destination pod, service port).
 * Written by sockops (TCP) and the cgroup skb programs (UDP); read and never reset by
 * sluiced, so counters survive agent restarts. Entries of pods that are gone are
 * evicted by sluiced. Size: flag --max-flow-keys. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__type(key, struct sl_flow_key);
	__type(value, struct sl_flow_counters);
	__uint(max_entries, SL_DEFAULT_MAX_FLOW_KEYS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_flow_stats SEC(".maps");

/* Per TCP connection: its aggregation key and what it already reported. Written by
 * sockops; freed with the socket. */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sl_sock_tel);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_sock_tel SEC(".maps");

/* Flow events (struct sl_flow_event) for `sluicectl flows`. Written by the programs,
 * drained by sluiced; when full, events are dropped and counted (SL_STAT_EVENTS_LOST). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, SL_EVENTS_RINGBUF_BYTES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_events SEC(".maps");

/* Same-node acceleration: both sockets of a TCP connection between two local pods,
 * keyed as each sees itself. Written by sockops at establishment (only when
 * acceleration is on); read by the sk_msg program attached to it. The kernel removes a
 * socket when it closes. Size: flag --max-udp-flows. */
struct {
	__uint(type, BPF_MAP_TYPE_SOCKHASH);
	__type(key, struct sl_sock_key);
	__type(value, __u64);
	__uint(max_entries, SL_DEFAULT_MAX_UDP_FLOWS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_sockhash SEC(".maps");

/* The proxy hop: the node proxy's accepted sockets of steered connections, keyed as
 * each sees itself, the targets of its clients' messages (--proxy-accelerate). No
 * sk_msg program is attached here, so the proxy's own sends take the normal path
 * unless the socket is also in sl_sockhash (--proxy-accelerate=both). Written by
 * sockops at establishment; the kernel removes a socket when it closes. Size: flag
 * --max-udp-flows. */
struct {
	__uint(type, BPF_MAP_TYPE_SOCKHASH);
	__type(key, struct sl_sock_key);
	__type(value, __u64);
	__uint(max_entries, SL_DEFAULT_MAX_UDP_FLOWS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_proxy_socks SEC(".maps");

/* Bytes sk_msg redirected into a socket, keyed as that socket sees itself (the sender
 * cannot reach the receiver's socket storage from sk_msg). Written by sk_msg, read and
 * deleted at close by sockops; LRU bounds it. Size: flag --max-udp-flows. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct sl_sock_key);
	__type(value, __u64);
	__uint(max_entries, SL_DEFAULT_MAX_UDP_FLOWS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_accel_rx SEC(".maps");

/* Authorization verdicts: (destination group, source class, port) -> allow or deny
 * and the deciding policy (struct sl_authz_key). Compiled by sluiced from the
 * AuthorizationPolicies; the entries of the epoch not in force are written, the epoch
 * flipped, then the old ones deleted. Read by the tc programs, the source-side check
 * and the connection sweep after a policy change. Size: flag --max-policy-entries. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct sl_authz_key);
	__type(value, struct sl_authz_val);
	__uint(max_entries, SL_DEFAULT_MAX_POLICY_ENTRIES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_authz SEC(".maps");

/* Host-side pod interfaces: ifindex -> the local pod behind it. Written by sluiced
 * when it attaches the tc programs to the interface, deleted when the interface or
 * the pod goes; read by the tc programs (anti-spoofing). Size: flag --max-services. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct sl_podif_val);
	__uint(max_entries, SL_DEFAULT_MAX_SERVICES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_podif SEC(".maps");

/* UDP flows of local pods and who opened them (struct sl_udp_ct_key): written by the
 * tc programs, a datagram towards a pod that answers one the pod sent is not judged.
 * LRU evicts the oldest; entries older than SL_UDP_CT_TIMEOUT_NS are ignored. Size:
 * flag --max-udp-flows. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct sl_udp_ct_key);
	__type(value, struct sl_udp_ct_val);
	__uint(max_entries, SL_DEFAULT_MAX_UDP_FLOWS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_udp_ct SEC(".maps");

/* Authorization decisions per (pod, policy, kind): written by the tc programs and
 * the source-side check, read by sluiced (sluice_authz_* metrics). Entries of pods
 * that are gone are evicted by sluiced. Size: flag --max-flow-keys. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__type(key, struct sl_authz_stat_key);
	__type(value, __u64);
	__uint(max_entries, SL_DEFAULT_MAX_FLOW_KEYS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_authz_stats SEC(".maps");

/* The node's L7 proxy (struct sl_proxy at key 0). Written by sluiced; read by
 * connect4/6 (steering L7 frontends, never the proxy's own connections). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct sl_proxy);
	__uint(max_entries, 1);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_proxy SEC(".maps");

/* Steered connections: the client's (address, port) -> the address it dialed. Written
 * by sockops when the SYN leaves (the source port is known then, and the proxy cannot
 * have accepted yet), deleted at close; read by the getsockopt program that answers
 * SO_ORIGINAL_DST for the proxy (or any unmodified proxy) and by sluice-proxy
 * directly. LRU bounds it. Size: flag --max-udp-flows. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct sl_orig_dst_key);
	__type(value, struct sl_orig_dst);
	__uint(max_entries, SL_DEFAULT_MAX_UDP_FLOWS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_orig_dst SEC(".maps");

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
