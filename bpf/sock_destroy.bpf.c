// SPDX-License-Identifier: Apache-2.0
/*
 * Moves connected UDP sockets off backends that left their Service: run by sluiced
 * (one pass of a UDP socket iterator per pod network namespace) after an apply removed
 * backends, with the removed ones in sl_gone. Such a socket is destroyed, so the
 * application sees an error and reconnects through the VIP instead of sending into a
 * black hole (Cilium issue 12859). TCP connections are left alone, as kube-proxy does.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "lib/maps.h"
#include "lib/stats.h"

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
