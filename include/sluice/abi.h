/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every type that crosses the kernel/user boundary. Included by the BPF programs
 * (bpf/) and by the agent and CLI (user/). Sizes and offsets are asserted here, so a
 * change that would silently break the layout of a pinned map fails to compile.
 *
 * Addresses are always 16 bytes: IPv6 as is, IPv4 as IPv4-mapped IPv6
 * (::ffff:a.b.c.d). One key shape therefore serves connect4, connect6 and IPv4-mapped
 * IPv6 sockets, which dial the same key.
 */
#ifndef SLUICE_ABI_H
#define SLUICE_ABI_H

#ifdef __BPF__
/* vmlinux.h supplies the __u8.. __u64 / __be types. */
#else
#include <linux/types.h>
#endif

/* Bumped whenever the layout or meaning of a pinned map changes. An agent finding
 * pinned maps of another version refuses to adopt them (run `sluiced --cleanup`). */
#define SLUICE_ABI_VERSION 7
#define SLUICE_ABI_MAGIC 0x534c4345u /* "SLCE" */

/* Defaults for the capacity flags (--max-services, --max-backends, --max-udp-flows). */
#define SL_DEFAULT_MAX_SERVICES 65536
#define SL_DEFAULT_MAX_BACKENDS 262144
#define SL_DEFAULT_MAX_UDP_FLOWS 65536
#define SL_DEFAULT_MAX_FLOW_KEYS 16384 /* --max-flow-keys: telemetry aggregation keys */
#define SL_DEFAULT_MAX_POLICY_ENTRIES 262144 /* --max-policy-entries: sl_authz entries */
#define SL_EVENTS_RINGBUF_BYTES (4u << 20) /* flow event ring buffer */
/* Live connections report their bytes at least this often (Istio: 15 s). */
#define SL_TCP_REPORT_NS (5ull * 1000000000ull)

/* Largest number of backends behind one service port (one backend set). */
#define SL_MAX_BACKENDS_PER_SVC 4096
/* Weighted destinations of one route (VirtualService tcp route entries). */
#define SL_MAX_DESTS 8
/* Maglev table size: a prime, Istio's default is 65537 (256 KiB per table here). */
#define SL_MAGLEV_DEFAULT 65537
#define SL_MAGLEV_MAX 65537
/* Pod cgroups are looked for this many levels around the configured depth. */
#define SL_POD_LEVELS 4

struct sl_addr {
	__be32 w[4];
};
_Static_assert(sizeof(struct sl_addr) == 16, "sl_addr size");

/* sl_svc key: one entry per (ClusterIP, port, protocol). */
struct sl_svc_key {
	struct sl_addr addr;
	__be16 port;
	__u8 proto; /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 pad;
};
_Static_assert(sizeof(struct sl_svc_key) == 20, "sl_svc_key size");

/* How a destination picks one backend of its set. */
enum sl_algo {
	SL_ALGO_RANDOM = 0,
	SL_ALGO_ROUND_ROBIN, /* a counter per pool */
	SL_ALGO_LEAST_REQUEST, /* fewest active TCP connections of two random picks */
	SL_ALGO_MAGLEV, /* consistent hash of the client address (sl_maglev) */
};

/* One weighted destination of a route: a backend set and how to use it. */
struct sl_dest {
	__u32 set_id; /* backend set in sl_bset; immutable once referenced */
	__u32 count; /* slots 0..count-1 of that set; 0 = no usable endpoint */
	__u32 cum_weight; /* cumulative weight, 1..100; the last destination has 100 */
	__u32 pool_id; /* stable id of (service port, subset): RR counter, connection limit */
	__u32 max_conns; /* connectionPool.tcp.maxConnections, 0 = no limit */
	__u32 maglev_size; /* table size M when algo is SL_ALGO_MAGLEV */
	__u8 algo; /* enum sl_algo */
	__u8 pad[3];
	__u32 pad2;
};
_Static_assert(sizeof(struct sl_dest) == 32, "sl_dest size");

/* Where new connections to a frontend go: one destination chosen by weight. */
struct sl_route {
	__u32 ndest; /* 0 = refuse */
	__u32 pad;
	struct sl_dest dest[SL_MAX_DESTS];
};
_Static_assert(sizeof(struct sl_route) == 8 + 32 * SL_MAX_DESTS, "sl_route size");

enum sl_svc_flags {
	SL_SVC_F_SRC_ROUTES = 1 << 0, /* consult sl_src_route for the client pod first */
	SL_SVC_F_AFFINITY = 1 << 1, /* sessionAffinity: ClientIP */
	/* L7 configuration applies (VirtualService http routes, ...): TCP connections go to
	 * the node's sluice-proxy (sl_proxy), which routes them itself. */
	SL_SVC_F_L7 = 1 << 2,
};

/* sl_svc value. Replaced as a whole (the map is not preallocated, so a reader holds
 * either the old element or the new one, never a mix). */
struct sl_svc_val {
	__u64 digest; /* the agent's hash of everything below and the sets; programs ignore it */
	__u32 svc_id; /* stable id of the Service port, for telemetry and describe */
	__u32 flags; /* enum sl_svc_flags */
	__u32 route_id; /* key prefix in sl_src_route (SL_SVC_F_SRC_ROUTES) */
	__u32 affinity_timeout_s; /* SL_SVC_F_AFFINITY */
	struct sl_route route; /* the route of clients no source match applies to */
};
_Static_assert(sizeof(struct sl_svc_val) == 24 + sizeof(struct sl_route), "sl_svc_val size");
_Static_assert(__builtin_offsetof(struct sl_svc_val, route) == 24, "sl_svc_val route offset");

/* sl_src_route key: a frontend's route for one client pod (VirtualService sourceLabels /
 * sourceNamespace matches). Value: struct sl_route. */
struct sl_src_route_key {
	__u32 route_id;
	__u32 pod_id;
};
_Static_assert(sizeof(struct sl_src_route_key) == 8, "sl_src_route_key size");

/* sl_bset key: slot `slot` of backend set `set_id`. */
struct sl_bset_key {
	__u32 set_id;
	__u32 slot;
};
_Static_assert(sizeof(struct sl_bset_key) == 8, "sl_bset_key size");

/* sl_bset value: where the connection goes. */
struct sl_backend {
	struct sl_addr addr;
	__be16 port;
	__u16 pad;
};
_Static_assert(sizeof(struct sl_backend) == 20, "sl_backend size");

enum sl_orig_flags {
	SL_ORIG_F_COUNTED = 1 << 0, /* sockops counted this connection in sl_pool/sl_be_conns */
	SL_ORIG_F_L7 = 1 << 1, /* steered to the node proxy: backend is the proxy's address */
};

/* sl_proxy[0]: the node's L7 proxy, written by sluiced (--proxy-addr, --proxy-cgroup).
 * port 0: no proxy (L7 frontends are then refused by the agent, never steered). */
struct sl_proxy {
	struct sl_addr addr4; /* IPv4-mapped: where IPv4 (and IPv4-mapped) sockets go */
	struct sl_addr addr6; /* where IPv6 sockets go (all zero: none, use addr4 mapped) */
	__u64 cgroup_id; /* the proxy's cgroup: its own connections are never steered */
	__u32 cgroup_level; /* depth of that cgroup (bpf_get_current_ancestor_cgroup_id) */
	__be16 port; /* the proxy's listener for steered connections */
	__be16 admin_port; /* its admin endpoint's port on loopback or its address (0: none) */
	__u64 netns_cookie; /* the proxy's network namespace (the node's, the agent's own) */
};
_Static_assert(sizeof(struct sl_proxy) == 56, "sl_proxy size");

/* sl_orig_dst key: a steered connection as the proxy sees its peer (the client's
 * address and port), so the proxy's getsockopt(SO_ORIGINAL_DST) on the accepted
 * socket finds where the client wanted to go. */
struct sl_orig_dst_key {
	struct sl_addr client;
	__be16 client_port;
	__u16 pad;
	__u32 pad2;
};
_Static_assert(sizeof(struct sl_orig_dst_key) == 24, "sl_orig_dst_key size");

struct sl_orig_dst {
	struct sl_addr vip; /* the address the client dialed */
	__be16 vip_port;
	__u16 pad;
	__u32 svc_id;
};
_Static_assert(sizeof(struct sl_orig_dst) == 24, "sl_orig_dst size");

/* sl_sock_orig (socket storage): the service a connected socket was translated from.
 * Written at connect, read by getpeername, connected-UDP recvmsg and sockops. */
struct sl_sock_orig {
	struct sl_addr vip;
	struct sl_addr backend;
	__be16 vip_port;
	__be16 backend_port;
	__u32 svc_id;
	__u32 pool_id; /* the destination's pool (connection limit, counters) */
	__u32 flags; /* enum sl_orig_flags */
};
_Static_assert(sizeof(struct sl_sock_orig) == 48, "sl_sock_orig size");

/* sl_bset_rev key: is this backend in that set, and in which slot (affinity check). */
struct sl_bset_rev_key {
	__u32 set_id;
	__be16 port;
	__u16 pad;
	struct sl_addr addr;
};
_Static_assert(sizeof(struct sl_bset_rev_key) == 24, "sl_bset_rev_key size");

/* sl_src value, keyed by cgroup id (__u64): the pod a socket's process belongs to. */
struct sl_src {
	struct sl_addr ip; /* the pod's IPv4 address if it has one, else its IPv6 */
	__u32 pod_id; /* stable id of the Pod (hash of namespace/name) */
	/* Authorization source class of the pod's IPv4 [0] and IPv6 [1] address, per
	 * policy epoch (see sl_cfg.authz_epoch): what its sl_ipcache entries say. */
	__u32 authz_cls[2][2]; /* [epoch][family] */
	__u32 pad;
};
_Static_assert(sizeof(struct sl_src) == 40, "sl_src size");

/* sl_cfg[0]: run-time settings the agent changes without reloading the programs. */
struct sl_cfg {
	__u32 pod_level_min; /* cgroup depths at which pod cgroups were found */
	__u32 pod_level_max;
	/* Which of the two authorization slots (sl_ip_info, sl_src) and which sl_authz
	 * entries (group ids with bit 31 = epoch) are in force. The agent writes the
	 * other epoch completely, then flips this word: a policy change is seen whole. */
	__u32 authz_epoch;
	__u32 authz_on; /* some AuthorizationPolicy applies to some pod: checks run */
};
_Static_assert(sizeof(struct sl_cfg) == 16, "sl_cfg size");

/* sl_affinity: sessionAffinity ClientIP. */
struct sl_affinity_key {
	struct sl_svc_key fe;
	__u32 pad;
	struct sl_addr client;
};
_Static_assert(sizeof(struct sl_affinity_key) == 40, "sl_affinity_key size");

struct sl_affinity_val {
	__u64 last_ns; /* bpf_ktime_get_ns() of the last connection */
	struct sl_backend be;
	__u32 dest; /* index in the route */
	__u32 set_id; /* the set be was picked from */
	__u32 pad;
};
_Static_assert(sizeof(struct sl_affinity_val) == 40, "sl_affinity_val size");

/* sl_pool value, keyed by pool id: live TCP connections and the round-robin counter. */
struct sl_pool_val {
	__s64 conns;
	__u64 rr;
};
_Static_assert(sizeof(struct sl_pool_val) == 16, "sl_pool_val size");

/* sl_udp_revnat key: an unconnected UDP socket that sent to a backend through a VIP. */
struct sl_revnat_key {
	__u64 cookie; /* bpf_get_socket_cookie() */
	struct sl_addr backend;
	__be16 backend_port;
	__u16 pad;
	__u32 pad2;
};
_Static_assert(sizeof(struct sl_revnat_key) == 32, "sl_revnat_key size");

struct sl_revnat_val {
	struct sl_addr vip;
	__be16 vip_port;
	__u16 pad;
};
_Static_assert(sizeof(struct sl_revnat_val) == 20, "sl_revnat_val size");

/* sl_meta[0]: identifies the layout of the pinned maps beside it. */
struct sl_meta {
	__u32 magic;
	__u32 abi_version;
	__u64 created_ns; /* CLOCK_REALTIME when the maps were first created */
};
_Static_assert(sizeof(struct sl_meta) == 16, "sl_meta size");

/* sl_ipcache key (an LPM trie): an address prefix. IPv4 prefixes are IPv4-mapped, so
 * a.b.c.d/n is ::ffff:a.b.c.d/(96+n). */
struct sl_lpm_key {
	__u32 prefixlen; /* 0..128 */
	struct sl_addr addr;
};
_Static_assert(sizeof(struct sl_lpm_key) == 20, "sl_lpm_key size");

/* sl_ipcache value: who an address is. Every Pod address of the cluster (not only
 * this node's) as a host prefix, plus the address blocks authorization policies
 * name (pod_id 0). */
enum sl_ip_flags {
	SL_IP_F_LOCAL = 1 << 0, /* a pod on this node (same-node acceleration, tc) */
};

struct sl_ip_info {
	__u32 pod_id; /* 0: not a pod (an ipBlocks prefix) */
	__u32 flags; /* enum sl_ip_flags */
	__u32 authz_cls[2]; /* per epoch: source class of this address, 0 = unknown */
	__u32 authz_grp[2]; /* per epoch: destination group, 0 = no policy applies */
};
_Static_assert(sizeof(struct sl_ip_info) == 24, "sl_ip_info size");

/* sl_authz key: the verdict for a source class reaching a destination group on a port.
 * Looked up as (grp, cls, port), (grp, cls, 0), (grp, ANY, port), (grp, ANY, 0): a class
 * that has no entries of its own is answered like the unknown source, and a port that
 * has none like every other port. Bounded: four lookups whatever the policies. */
#define SL_AUTHZ_CLS_ANY 0xffffffffu
#define SL_AUTHZ_EPOCH_BIT 0x80000000u /* in grp: the epoch the entry belongs to */

struct sl_authz_key {
	__u32 grp;
	__u32 cls; /* or SL_AUTHZ_CLS_ANY */
	__u16 port; /* host order; 0 = every port without an entry of its own */
	__u16 pad;
};
_Static_assert(sizeof(struct sl_authz_key) == 12, "sl_authz_key size");

enum sl_verdict {
	SL_VERDICT_ALLOW = 0,
	SL_VERDICT_DENY = 1,
};

enum sl_authz_flags {
	SL_AUTHZ_F_AUDIT = 1 << 0, /* an AUDIT (or dry-run) policy matched: flag and count */
	/* Denied because ALLOW policies select the destination and none matched; policy
	 * names the first of them. */
	SL_AUTHZ_F_NO_ALLOW_MATCH = 1 << 1,
};

struct sl_authz_val {
	__u32 policy; /* id of the deciding policy (0: denied as no ALLOW policy matched) */
	__u32 audit_policy; /* id of the AUDIT / dry-run policy that matched */
	__u8 verdict; /* enum sl_verdict */
	__u8 flags; /* enum sl_authz_flags */
	__u16 pad;
};
_Static_assert(sizeof(struct sl_authz_val) == 12, "sl_authz_val size");

/* sl_podif value, keyed by ifindex (__u32): the local pod behind a host-side
 * interface, for the tc programs' anti-spoofing check. */
struct sl_podif_val {
	__u32 pod_id;
	__u32 pad;
};
_Static_assert(sizeof(struct sl_podif_val) == 8, "sl_podif_val size");

/* sl_udp_ct key: a UDP flow of a local pod, as the pod sees it. Tells replies to what
 * a pod sent (never judged) from datagrams that open a flow towards it (judged). */
struct sl_udp_ct_key {
	struct sl_addr pod;
	struct sl_addr peer;
	__be16 pod_port;
	__be16 peer_port;
	__u32 pad;
};
_Static_assert(sizeof(struct sl_udp_ct_key) == 40, "sl_udp_ct_key size");

enum sl_udp_ct_dir {
	SL_CT_OUTBOUND = 1, /* the pod sent first: datagrams from the peer are replies */
	SL_CT_INBOUND = 2, /* the peer sent first (judged): the pod's datagrams reply */
};

struct sl_udp_ct_val {
	__u64 seen_ns; /* bpf_ktime_get_ns(), refreshed at most once a second */
	__u32 dir; /* enum sl_udp_ct_dir */
	__u32 pad;
};
_Static_assert(sizeof(struct sl_udp_ct_val) == 16, "sl_udp_ct_val size");
/* A flow unused for this long is forgotten (conntrack's UDP stream timeout). */
#define SL_UDP_CT_TIMEOUT_NS (120ull * 1000000000ull)

/* sl_authz_stats key: what the tc programs and the source-side check decided, per pod
 * and policy. Value: __u64 per CPU. */
enum sl_authz_stat_kind {
	SL_AZ_DENIED = 1, /* a new connection or datagram denied (policy is the decider) */
	SL_AZ_AUDITED, /* an AUDIT / dry-run policy matched (policy = that policy) */
	SL_AZ_SPOOFED, /* a packet from a pod with a source address not its own */
	SL_AZ_DENIED_AT_SOURCE, /* connect()/sendmsg() refused by the local check */
};

struct sl_authz_stat_key {
	__u32 pod_id; /* the destination pod (the source pod for SPOOFED / AT_SOURCE) */
	__u32 policy;
	__u32 kind; /* enum sl_authz_stat_kind */
	__u32 pad;
};
_Static_assert(sizeof(struct sl_authz_stat_key) == 16, "sl_authz_stat_key size");

enum sl_reporter {
	SL_REPORTER_SOURCE = 1, /* the client's socket (Istio reporter="source") */
	SL_REPORTER_DESTINATION = 2, /* the server's socket (reporter="destination") */
};

/* sl_flow_stats key: what TCP telemetry is aggregated by. Pods, not connections, so
 * the number of keys is bounded by pod pairs; user space aggregates further to Istio's
 * per-workload labels. */
struct sl_flow_key {
	__u32 src_pod; /* 0: the client is not a known pod */
	__u32 dst_pod; /* 0: the server is not a known pod */
	__u32 svc_id; /* the service port dialed (source side); 0: a pod IP was dialed */
	__u8 reporter; /* enum sl_reporter */
	__u8 proto; /* IPPROTO_TCP or IPPROTO_UDP */
	__be16 dst_port; /* the server's port */
};
_Static_assert(sizeof(struct sl_flow_key) == 16, "sl_flow_key size");

/* sl_flow_stats value (per CPU; sum the CPUs). */
struct sl_flow_counters {
	__u64 opened;
	__u64 closed;
	__u64 sent_bytes; /* TCP: bytes acked by the peer; UDP: payload sent */
	__u64 received_bytes;
	__u64 retransmits; /* TCP segments retransmitted */
	__u64 packets; /* UDP datagrams, both directions */
};
_Static_assert(sizeof(struct sl_flow_counters) == 48, "sl_flow_counters size");

/* sl_sock_tel (socket storage): telemetry state of one TCP connection. */
struct sl_sock_tel {
	struct sl_flow_key key;
	__u64 open_ns; /* bpf_ktime_get_ns() at establishment */
	__u64 flushed_ns; /* bpf_ktime_get_coarse_ns() at the last flush of the counters */
	__u64 sent; /* bytes_acked already accounted in sl_flow_stats */
	__u64 received; /* bytes_received already accounted */
	__u64 sent0; /* bytes_acked at establishment (the SYN) */
	__u64 received0;
	__u64 accel_sent; /* bytes sk_msg redirected from this socket to its peer */
	__u32 retrans;
	__u32 flags; /* enum sl_tel_flags */
};
_Static_assert(sizeof(struct sl_sock_tel) == 80, "sl_sock_tel size");

enum sl_tel_flags {
	/* A message of this socket went the normal path: later ones must too, or the
	 * peer could read redirected bytes before older bytes still in its TCP queue. */
	SL_TEL_F_NO_REDIRECT = 1 << 0,
	/* A workload's connection steered to the node proxy: its messages go to the
	 * proxy's socket in sl_proxy_socks (the proxy hop's request direction). */
	SL_TEL_F_TO_PROXY = 1 << 1,
	/* Either end of the proxy hop: it redirects at most SL_ACCEL_REDIRECT_BUDGET bytes. */
	SL_TEL_F_PROXY_HOP = 1 << 2,
	/* The budget is spent: TCP from here on. */
	SL_TEL_F_BUDGET_SPENT = 1 << 3,
};

/* Bytes one proxy hop socket may redirect (sk_msg cfg_redirect_budget) before it takes
 * TCP for good: bounds what a peer that stops reading can be made to queue
 * (sk_msg.bpf.c). */
#define SL_ACCEL_REDIRECT_BUDGET (1024 * 1024)

/* The proxy hop's acceleration (sluiced --proxy-accelerate; sockops cfg_accel_proxy). */
enum sl_accel_proxy_mode {
	SL_ACCEL_PROXY_OFF = 0,
	SL_ACCEL_PROXY_REQUEST = 1, /* client to proxy only */
	SL_ACCEL_PROXY_BOTH = 2,
};

/* sl_sockhash key: a TCP socket as it sees itself. The peer's key is the same with
 * local and remote swapped. */
struct sl_sock_key {
	struct sl_addr local;
	struct sl_addr remote;
	__be16 local_port;
	__be16 remote_port;
	__u32 pad;
};
_Static_assert(sizeof(struct sl_sock_key) == 40, "sl_sock_key size");

enum sl_event_type {
	SL_EV_OPEN = 1, /* TCP connection established */
	SL_EV_CLOSE, /* TCP connection closed: totals */
	SL_EV_DROP, /* a connection or datagram refused, see reason */
	SL_EV_XLATE, /* a ClusterIP translated to a backend at connect */
	SL_EV_AUDIT, /* an allowed new flow an AUDIT / dry-run policy matched (policy) */
};

/* Why something was dropped or refused: shared by the programs, the agent and the CLI
 * (names in user space: sl_reason_name()). */
enum sl_reason {
	SL_REASON_NONE = 0,
	SL_REASON_NO_ENDPOINT, /* the Service has no usable endpoint */
	SL_REASON_POOL_FULL, /* connectionPool.tcp.maxConnections reached */
	SL_REASON_NO_BACKEND_SLOT, /* internal: a backend slot was missing */
	SL_REASON_POLICY_DENIED, /* an AuthorizationPolicy denies it (event: policy) */
	SL_REASON_SPOOFED, /* a pod sent with a source address that is not its own */
	SL_REASON__MAX,
};

/* One record of the sl_events ring buffer. Addresses as in the maps. */
struct sl_flow_event {
	__u64 ts_ns; /* bpf_ktime_get_ns() */
	__u64 duration_ns; /* CLOSE */
	__u64 sent_bytes; /* CLOSE */
	__u64 received_bytes; /* CLOSE */
	struct sl_addr src;
	struct sl_addr dst; /* the backend (after translation) */
	struct sl_addr orig; /* the address dialed (a ClusterIP), or dst */
	__be16 src_port;
	__be16 dst_port;
	__be16 orig_port;
	__u8 type; /* enum sl_event_type */
	__u8 proto;
	__u32 svc_id;
	__u32 src_pod;
	__u32 dst_pod;
	__u32 reason; /* enum sl_reason (DROP) */
	__u32 srtt_us; /* CLOSE */
	__u32 retransmits; /* CLOSE */
	__u8 reporter; /* enum sl_reporter */
	__u8 flags; /* enum sl_authz_flags of the decision (DROP, AUDIT) */
	__u8 pad[2];
	__u32 policy; /* DROP by policy: the deciding policy; AUDIT flag: the audit policy */
};
_Static_assert(sizeof(struct sl_flow_event) == 120, "sl_flow_event size");

/* Index into the per-CPU sl_stats array. Names for user space: sl_stat_name(). */
enum sl_stat {
	SL_STAT_CONNECT_XLATED = 0, /* connect() to a VIP sent to a backend */
	SL_STAT_CONNECT_NO_BACKEND, /* connect() to a VIP refused: no usable endpoint */
	SL_STAT_SENDMSG_XLATED, /* unconnected UDP datagram sent to a backend */
	SL_STAT_SENDMSG_NO_BACKEND, /* unconnected UDP datagram refused */
	SL_STAT_RECVMSG_REVNAT, /* reply source shown as the VIP */
	SL_STAT_PEERNAME_REVNAT, /* getpeername() shown as the VIP */
	SL_STAT_BSET_MISS, /* backend slot missing (should stay 0) */
	SL_STAT_REVNAT_FULL, /* UDP reverse entry could not be stored */
	SL_STAT_POOL_FULL, /* refused: connectionPool.tcp.maxConnections reached */
	SL_STAT_AFFINITY_HIT, /* sessionAffinity sent a client to its previous backend */
	SL_STAT_SRC_ROUTE_HIT, /* a source-matched route was used */
	SL_STAT_UDP_DESTROYED, /* connected UDP socket to a removed backend destroyed */
	SL_STAT_EVENTS_LOST, /* flow events dropped: the ring buffer was full */
	SL_STAT_FLOW_KEYS_FULL, /* telemetry not counted: sl_flow_stats was full */
	SL_STAT_MSG_REDIRECTED, /* sk_msg: message handed straight to the peer socket */
	SL_STAT_MSG_FALLBACK, /* sk_msg: message went the normal path (peer not in the map) */
	SL_STAT_SOCKHASH_ADDED, /* sockops: a same-node socket entered sl_sockhash */
	SL_STAT_AUTHZ_DENIED, /* tc: a new connection or datagram denied at the destination */
	SL_STAT_AUTHZ_DENIED_SOURCE, /* connect()/sendmsg() refused by the source-side check */
	SL_STAT_AUTHZ_AUDITED, /* an AUDIT / dry-run policy matched */
	SL_STAT_SPOOF_DROPPED, /* tc: packet from a pod with a source address not its own */
	SL_STAT_AUTHZ_TCP_DESTROYED, /* established connection closed by a policy change */
	SL_STAT_AUTHZ_STATS_FULL, /* a decision not counted: sl_authz_stats was full */
	SL_STAT_L7_STEERED, /* connect() to an L7 frontend sent to the node proxy */
	SL_STAT_ORIG_DST_ANSWERED, /* getsockopt(SO_ORIGINAL_DST) answered from sl_orig_dst */
	SL_STAT_PROXY_PORT_REFUSED, /* connect() by a workload to the proxy's own ports */
	SL_STAT_PROXY_SOCK_ADDED, /* sockops: a proxy hop socket entered a sockhash */
	SL_STAT_MSG_BUDGET_SPENT, /* sk_msg: a connection's redirect budget spent: TCP from here */
	SL_STAT__MAX,
};

struct sl_stat_val {
	__u64 count;
};

#endif /* SLUICE_ABI_H */
