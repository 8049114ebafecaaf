/* SPDX-License-Identifier: Apache-2.0 */
/* The node's L7 proxy, as the socket programs see it (sl_proxy). */
#ifndef SLUICE_BPF_PROXY_H
#define SLUICE_BPF_PROXY_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
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

#endif
