/* SPDX-License-Identifier: Apache-2.0 */
/* Moving addresses between bpf_sock_addr and the 16-byte form the maps use. */
#ifndef SLUICE_BPF_ADDR_H
#define SLUICE_BPF_ADDR_H

#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include "sluice/abi.h"

/* IPv4 as IPv4-mapped IPv6 (::ffff:a.b.c.d). */
static __always_inline void addr_from_v4(struct sl_addr *a, __be32 ip4)
{
	a->w[0] = 0;
	a->w[1] = 0;
	a->w[2] = bpf_htonl(0x0000ffff);
	a->w[3] = ip4;
}

static __always_inline bool addr_is_v4(const struct sl_addr *a)
{
	return a->w[0] == 0 && a->w[1] == 0 && a->w[2] == bpf_htonl(0x0000ffff);
}

/* ctx->user_ip6 only allows 4-byte loads: copy word by word. */
static __always_inline void addr_from_ctx6(struct sl_addr *a, const struct bpf_sock_addr *ctx)
{
	a->w[0] = ctx->user_ip6[0];
	a->w[1] = ctx->user_ip6[1];
	a->w[2] = ctx->user_ip6[2];
	a->w[3] = ctx->user_ip6[3];
}

static __always_inline void addr_to_ctx6(struct bpf_sock_addr *ctx, const struct sl_addr *a)
{
	ctx->user_ip6[0] = a->w[0];
	ctx->user_ip6[1] = a->w[1];
	ctx->user_ip6[2] = a->w[2];
	ctx->user_ip6[3] = a->w[3];
}

static __always_inline bool addr_eq(const struct sl_addr *a, const struct sl_addr *b)
{
	return a->w[0] == b->w[0] && a->w[1] == b->w[1] && a->w[2] == b->w[2] && a->w[3] == b->w[3];
}

#endif
