// SPDX-License-Identifier: Apache-2.0
/*
 * TCP connection events of mesh workloads. Today: live connection counts per pool
 * (connectionPool.tcp.maxConnections) and per backend (LEAST_REQUEST), +1 when a
 * translated connection starts, -1 when it closes.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "lib/maps.h"

char LICENSE[] SEC("license") = "GPL";

#define TCP_CLOSE_ 7

static __always_inline void count(struct sl_sock_orig *o, __s64 delta)
{
	struct sl_backend be = { .addr = o->backend, .port = o->backend_port };
	struct sl_pool_val *p, pzero = {};
	__s64 *n, zero = 0;

	p = bpf_map_lookup_elem(&sl_pool, &o->pool_id);
	if (!p && delta > 0) {
		bpf_map_update_elem(&sl_pool, &o->pool_id, &pzero, BPF_NOEXIST);
		p = bpf_map_lookup_elem(&sl_pool, &o->pool_id);
	}
	if (p)
		__sync_fetch_and_add(&p->conns, delta);
	n = bpf_map_lookup_elem(&sl_be_conns, &be);
	if (!n && delta > 0) {
		bpf_map_update_elem(&sl_be_conns, &be, &zero, BPF_NOEXIST);
		n = bpf_map_lookup_elem(&sl_be_conns, &be);
	}
	if (n)
		__sync_fetch_and_add(n, delta);
}

SEC("sockops")
int sl_sockops(struct bpf_sock_ops *skops)
{
	struct bpf_sock *sk = skops->sk;
	struct sl_sock_orig *o;

	if (!sk)
		return 1;
	switch (skops->op) {
	case BPF_SOCK_OPS_TCP_CONNECT_CB:
		/* Right before the SYN: connect4/6 has recorded the service. */
		o = bpf_sk_storage_get(&sl_sock_orig, sk, 0, 0);
		if (!o || (o->flags & SL_ORIG_F_COUNTED))
			break;
		count(o, 1);
		o->flags |= SL_ORIG_F_COUNTED;
		bpf_sock_ops_cb_flags_set(skops, skops->bpf_sock_ops_cb_flags |
							 BPF_SOCK_OPS_STATE_CB_FLAG);
		break;
	case BPF_SOCK_OPS_STATE_CB:
		if (skops->args[1] != TCP_CLOSE_)
			break;
		o = bpf_sk_storage_get(&sl_sock_orig, sk, 0, 0);
		if (!o || !(o->flags & SL_ORIG_F_COUNTED))
			break;
		count(o, -1);
		o->flags &= ~SL_ORIG_F_COUNTED;
		break;
	}
	return 1;
}
