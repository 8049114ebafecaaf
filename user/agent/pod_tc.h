/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The tc programs on the host side of every local pod's interface: authorization of
 * what enters the pod (egress hook) and anti-spoofing of what leaves it (ingress
 * hook). The interfaces are found in the node's routes (podif.h): a host route to a
 * local Pod's address names its interface. Reconciled whenever the routes or links
 * change and after every apply; sl_podif (ifindex -> pod) follows.
 */
#ifndef SLUICE_AGENT_POD_TC_H
#define SLUICE_AGENT_POD_TC_H

#include <stdbool.h>
#include <stddef.h>

#include "agent/podif.h"
#include "common/htab.h"
#include "state/authz.h"

struct sl_datapath;

struct sl_pod_tc {
	struct sl_podif w;
	bool open;
	int podif_fd; /* sl_podif */
	int to_pod_fd, from_pod_fd; /* the programs */
	struct sl_htab attached; /* ifindex (int) -> (uintptr_t)pod id */
	size_t nattach_failed; /* interfaces whose attach failed at the last reconcile */
};

/* Opens the route watch. Returns 0 or -errno. */
int sl_pod_tc_open(struct sl_pod_tc *t, const struct sl_datapath *dp);
/* The fd to poll for route and link changes, or -1. */
int sl_pod_tc_fd(const struct sl_pod_tc *t);
/* Attaches to the interfaces of the local pods in az (and replaces the programs of an
 * earlier agent there), detaches from those no longer serving a local pod. */
void sl_pod_tc_reconcile(struct sl_pod_tc *t, const struct sl_authz_out *az);
/* Reads route/link notifications; reconciles when they may matter. */
void sl_pod_tc_handle(struct sl_pod_tc *t, const struct sl_authz_out *az);
/* Interfaces currently enforced. */
size_t sl_pod_tc_count(const struct sl_pod_tc *t);
void sl_pod_tc_close(struct sl_pod_tc *t);
/* Removes Sluice's tc filters from every interface of this network namespace
 * (--cleanup). Returns the number removed. */
int sl_pod_tc_cleanup(void);

#endif
