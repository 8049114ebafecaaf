/* SPDX-License-Identifier: Apache-2.0 */
/* The node's L7 proxy, as the socket programs see it (sl_proxy). */
#ifndef SLUICE_BPF_PROXY_H
#define SLUICE_BPF_PROXY_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "lib/addr.h"
#include "lib/maps.h"

/* Where a connection to an L7 frontend at `vip` goes: the proxy's address of the
 * VIP's family. NULL when there is no proxy, when it has no address of that family, or
 * when the caller is the proxy itself (its cgroup, not its uid or socket mark, which a
 * workload could share): its own upstream connections are never steered back to it. */
static __always_inline const struct sl_addr *proxy_target(const struct sl_addr *vip, __be16 *port)
{
	__u32 key = 0;
	struct sl_proxy *p = bpf_map_lookup_elem(&sl_proxy, &key);
	const struct sl_addr *a;

	if (!p || !p->port)
		return NULL;
	if (p->cgroup_id && bpf_get_current_ancestor_cgroup_id(p->cgroup_level) == p->cgroup_id)
		return NULL;
	a = addr_is_v4(vip) ? &p->addr4 : &p->addr6;
	if (!a->w[0] && !a->w[1] && !a->w[2] && !a->w[3])
		return NULL;
	*port = p->port;
	return a;
}

static __always_inline bool addr_is_loopback(const struct sl_addr *a)
{
	if (addr_is_v4(a))
		return (bpf_ntohl(a->w[3]) >> 24) == 127;
	return !a->w[0] && !a->w[1] && !a->w[2] && a->w[3] == bpf_htonl(1);
}

/* Whether a connect() to dst:port reaches one of the proxy's own ports from a caller
 * that is not the proxy: its listener dialed directly (steered connections are
 * rewritten to it by this same hook, never dialed), or its admin endpoint on its
 * address or, from the proxy's own network namespace, on loopback. Such connections
 * are refused, so a workload can neither pose as a steered client nor read or change
 * the proxy through its admin port. */
static __always_inline bool proxy_private(void *ctx, const struct sl_addr *dst, __be16 port)
{
	__u32 key = 0;
	struct sl_proxy *p = bpf_map_lookup_elem(&sl_proxy, &key);
	bool own;

	if (!p || !p->port)
		return false;
	if (port != p->port && (!p->admin_port || port != p->admin_port))
		return false;
	if (p->cgroup_id && bpf_get_current_ancestor_cgroup_id(p->cgroup_level) == p->cgroup_id)
		return false;
	own = addr_eq(dst, &p->addr4) || addr_eq(dst, &p->addr6);
	if (port == p->port && own)
		return true;
	if (!p->admin_port || port != p->admin_port)
		return false;
	return own || (addr_is_loopback(dst) && bpf_get_netns_cookie(ctx) == p->netns_cookie);
}

#endif
