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
#define SLUICE_ABI_VERSION 1
#define SLUICE_ABI_MAGIC 0x534c4345u /* "SLCE" */

/* Defaults for the capacity flags (--max-services, --max-backends, --max-udp-flows). */
#define SL_DEFAULT_MAX_SERVICES 65536
#define SL_DEFAULT_MAX_BACKENDS 262144
#define SL_DEFAULT_MAX_UDP_FLOWS 65536

/* Largest number of backends behind one service port (one backend set). */
#define SL_MAX_BACKENDS_PER_SVC 4096

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

/* sl_svc value. Replaced as a whole (the map is not preallocated, so a reader holds
 * either the old element or the new one, never a mix). */
struct sl_svc_val {
	__u32 set_id; /* backend set in sl_bset; a set is immutable once referenced */
	__u32 count; /* slots 0..count-1 of that set; 0 = no usable endpoint */
	__u32 svc_id; /* stable id of the Service port, for telemetry and describe */
	__u32 flags; /* reserved for traffic policy, zero */
};
_Static_assert(sizeof(struct sl_svc_val) == 16, "sl_svc_val size");

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

/* sl_sock_orig (socket storage): the service a connected socket was translated from.
 * Written at connect, read by getpeername and connected-UDP recvmsg. */
struct sl_sock_orig {
	struct sl_addr vip;
	struct sl_addr backend;
	__be16 vip_port;
	__be16 backend_port;
	__u32 svc_id;
};
_Static_assert(sizeof(struct sl_sock_orig) == 40, "sl_sock_orig size");

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
	SL_STAT__MAX,
};

struct sl_stat_val {
	__u64 count;
};

#endif /* SLUICE_ABI_H */
