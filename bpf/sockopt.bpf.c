// SPDX-License-Identifier: Apache-2.0
/*
 * getsockopt(SO_ORIGINAL_DST) without iptables: the node proxy (sluice-proxy, or an
 * unmodified proxy such as Envoy) asks its accepted socket where the client wanted to
 * go, and this cgroup/getsockopt program answers from sl_orig_dst, which sockops filled
 * when the client's SYN left. Only the two options conntrack would answer are touched
 * (SOL_IP and SOL_IPV6, optname 80); the kernel's own answer stands for every other
 * option and for sockets that were not steered.
 */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "lib/addr.h"
#include "lib/maps.h"
#include "lib/stats.h"

#define SOL_IP_ 0
#define SOL_IPV6_ 41
#define SO_ORIGINAL_DST_ 80 /* also IP6T_SO_ORIGINAL_DST */
#define AF_INET_ 2
#define AF_INET6_ 10

char LICENSE[] SEC("license") = "GPL";

/* The peer of sk (the client), as the map keys it. */
static __always_inline void peer_key(struct bpf_sock *sk, struct sl_orig_dst_key *k)
{
	__builtin_memset(k, 0, sizeof(*k));
	if (sk->family == AF_INET_) {
		addr_from_v4(&k->client, sk->dst_ip4);
	} else {
		k->client.w[0] = sk->dst_ip6[0];
		k->client.w[1] = sk->dst_ip6[1];
		k->client.w[2] = sk->dst_ip6[2];
		k->client.w[3] = sk->dst_ip6[3];
	}
	k->client_port = (__be16)sk->dst_port;
}

SEC("cgroup/getsockopt")
int sl_getsockopt(struct bpf_sockopt *ctx)
{
	struct bpf_sock *sk = ctx->sk;
	struct sl_orig_dst_key k;
	struct sl_orig_dst *o;
	__u8 *buf = ctx->optval, *end = ctx->optval_end;

	if (ctx->optname != SO_ORIGINAL_DST_ || (ctx->level != SOL_IP_ && ctx->level != SOL_IPV6_))
		return 1;
	if (!sk)
		return 1;
	peer_key(sk, &k);
	o = bpf_map_lookup_elem(&sl_orig_dst, &k);
	if (!o)
		return 1;
	if (ctx->level == SOL_IP_) {
		struct sockaddr_in *sin = (struct sockaddr_in *)buf;

		if (!addr_is_v4(&o->vip) || buf + sizeof(*sin) > end || ctx->optlen < sizeof(*sin))
			return 1;
		__builtin_memset(sin, 0, sizeof(*sin));
		sin->sin_family = AF_INET_;
		sin->sin_port = o->vip_port;
		sin->sin_addr.s_addr = o->vip.w[3];
		ctx->optlen = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)buf;

		if (buf + sizeof(*sin6) > end || ctx->optlen < sizeof(*sin6))
			return 1;
		__builtin_memset(sin6, 0, sizeof(*sin6));
		sin6->sin6_family = AF_INET6_;
		sin6->sin6_port = o->vip_port;
		__builtin_memcpy(&sin6->sin6_addr, &o->vip, 16);
		ctx->optlen = sizeof(*sin6);
	}
	ctx->retval = 0;
	stat_inc(SL_STAT_ORIG_DST_ANSWERED);
	return 1;
}
