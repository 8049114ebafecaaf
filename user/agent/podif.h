/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which host-side interface serves which pod address, read from the routing table of
 * the current network namespace. A CNI in Calico's shape (and scripts/testbed) gives
 * every local pod address a host route through the pod's veth:
 *     ip route add 10.244.1.2/32 dev lxc1p1
 *     ip -6 route add fd00:10:244:1::2/128 dev lxc1p1
 * so the main table's host routes that leave through one interface, without a gateway,
 * are the (interface, address) pairs to enforce authorization on.
 *
 * Level-triggered: notifications only say "look again". The caller re-dumps and
 * reconciles the whole set, because multicast netlink drops messages when the socket
 * overruns and IPv4 removes the routes of a link that goes down or away without a
 * notification of their own.
 */
#ifndef SLUICE_AGENT_PODIF_H
#define SLUICE_AGENT_PODIF_H

#include <stddef.h>

#include "model/objects-t.h"

struct mnl_socket;

struct sl_podif {
	struct mnl_socket *mon; /* route and link notifications; non-blocking */
	struct mnl_socket *dump; /* our dump requests and their replies, nothing else */
	unsigned int seq; /* of the last dump request */
	char *buf; /* one receive, for either socket */
};

struct sl_podif_route {
	int ifindex;
	struct sl_ip dst; /* IPv4 as ::ffff:a.b.c.d with family 4 */
};

/* Opens both sockets in the current network namespace; later calls use that namespace
 * whatever the calling thread's is then. Subscribes before the caller's first dump, so a
 * change made after that dump started is always announced. 0 or -errno; on failure w is
 * left zeroed. */
int sl_podif_open(struct sl_podif *w);
/* The fd to poll (POLLIN) for notifications, or -1 for a zeroed w. */
int sl_podif_fd(const struct sl_podif *w);
/* Reads the pending notifications without blocking (at most a few hundred receives:
 * poll() reports what a storm leaves). 1 when one of them (or an overrun, which may have
 * hidden one) could change what sl_podif_dump returns: a link added, changed or
 * deleted, or a host route of the main table added, replaced or deleted; 0 when none
 * could; -errno on a socket error. */
int sl_podif_drain(struct sl_podif *w);
/* The main table's IPv4 /32 and IPv6 /128 unicast routes of scope link or universe with
 * one output interface (RTA_OIF) and no gateway, except through the loopback interface.
 * Multipath, gatewayed, cloned and nexthop-object routes the kernel reports without
 * RTA_OIF are left out. Routes through a link without carrier stay (the kernel itself drops
 * those of a link set down): a filter attached before a pod comes up is harmless, and
 * detaching on a carrier blip would leave a window without authorization. Not every entry is a pod: the caller keeps those whose address is a Pod
 * it knows. Sorted by address, then ifindex, without duplicates; *out is malloc'ed (free
 * it; NULL when *n is 0). A dump the kernel marks interrupted (NLM_F_DUMP_INTR) is
 * retried; -EAGAIN when it kept being interrupted. -EAGAIN and -ENOMEM leave w usable;
 * after any other error, close and reopen it. */
int sl_podif_dump(struct sl_podif *w, struct sl_podif_route **out, size_t *n);
/* Accepts NULL and a zeroed w; leaves w zeroed. */
void sl_podif_close(struct sl_podif *w);

#endif
