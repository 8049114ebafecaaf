// SPDX-License-Identifier: Apache-2.0
/*
 * Socket sweeps sluiced runs in each local pod's network namespace (one pass of a
 * socket iterator per namespace):
 *
 * sl_udp_destroy moves connected UDP sockets off backends that left their Service
 * (after an apply removed backends, listed in sl_gone). Such a socket is destroyed, so
 * the application sees an error and reconnects through the VIP instead of sending into
 * a black hole (Cilium issue 12859). TCP connections are left alone, as kube-proxy
 * does.
 *
 * sl_tcp_authz_sweep closes the established connections into a pod that the policy in
 * force now denies (after a policy change): the server socket is destroyed, which
 * resets the connection for the client wherever it is.
 */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "lib/addr.h"
#include "lib/authz.h"
#include "lib/maps.h"
#include "lib/stats.h"

#define AF_INET_ 2
#define TCP_ESTABLISHED_ 1
#define TCP_LISTEN_ 10

char LICENSE[] SEC("license") = "GPL";

int bpf_sock_destroy(struct sock_common *sk) __ksym;

/* Backends removed by the apply being processed. Written and cleared by sluiced. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct sl_backend);
	__type(value, __u8);
	__uint(max_entries, 4096);
} sl_gone SEC(".maps");

SEC("iter/udp")
int sl_udp_destroy(struct bpf_iter__udp *ctx)
{
	struct udp_sock *udp = ctx->udp_sk;
	struct sl_backend be = {};
	struct sl_sock_orig *o;
	struct sock *sk;

	if (!udp)
		return 0;
	sk = (struct sock *)udp;
	o = bpf_sk_storage_get(&sl_sock_orig, sk, 0, 0);
	if (!o)
		return 0;
	be.addr = o->backend;
	be.port = o->backend_port;
	if (!bpf_map_lookup_elem(&sl_gone, &be))
		return 0;
	if (!bpf_sock_destroy((struct sock_common *)sk))
		stat_inc(SL_STAT_UDP_DESTROYED);
	return 0;
}

/* Ports with a listening socket in the namespace being swept: the connections on them
 * are the ones the pod accepted. Filled by the sweep itself, cleared by sluiced. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u16);
	__type(value, __u8);
	__uint(max_entries, 4096);
} sl_listening SEC(".maps");

SEC("iter/tcp")
int sl_tcp_authz_sweep(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct authz_decision d;
	struct sl_addr local, remote;
	__u8 one = 1, state;
	__u16 port;
	int epoch;

	if (!skc)
		return 0;
	state = skc->skc_state;
	port = skc->skc_num;
	/* The iterator walks the listening sockets before the established ones. */
	if (state == TCP_LISTEN_) {
		bpf_map_update_elem(&sl_listening, &port, &one, BPF_ANY);
		return 0;
	}
	if (state != TCP_ESTABLISHED_ || !bpf_map_lookup_elem(&sl_listening, &port))
		return 0;
	if (skc->skc_family == AF_INET_) {
		addr_from_v4(&local, skc->skc_rcv_saddr);
		addr_from_v4(&remote, skc->skc_daddr);
	} else {
		__builtin_memcpy(&local, &skc->skc_v6_rcv_saddr, 16);
		__builtin_memcpy(&remote, &skc->skc_v6_daddr, 16);
	}
	epoch = authz_epoch();
	if (epoch < 0 || !authz_decide_addr(epoch, &remote, &local, port, &d) ||
	    d.verdict == SL_VERDICT_ALLOW)
		return 0;
	if (!bpf_sock_destroy(skc)) {
		stat_inc(SL_STAT_AUTHZ_TCP_DESTROYED);
		authz_count(d.dst_pod, d.policy, SL_AZ_DENIED);
	}
	return 0;
}
