/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sluice's tc filter on one hook (ingress or egress) of an interface of the current
 * network namespace: a direct-action cls_bpf filter under a clsact qdisc, at one fixed
 * handle and priority.
 *
 * Fixed, so that the filter is found again without any state: an agent that restarts
 * replaces its own filter in place (the kernel swaps the program atomically, traffic is
 * never unfiltered) instead of adding a second one, and after N attaches there is
 * exactly one Sluice filter per hook. The values stay clear of what others use by
 * default: libbpf and Cilium take handle 1 at priority 1, and `tc filter add` without
 * a priority counts down from 49152 (0xc000).
 *
 * Filters run in priority order, lowest number first, and a direct-action filter that
 * returns a verdict ends the walk: another program at a lower number than
 * SL_TC_PRIORITY can decide before Sluice does. Its filters are left alone all the same.
 */
#ifndef SLUICE_AGENT_TC_ATTACH_H
#define SLUICE_AGENT_TC_ATTACH_H

#include <stdbool.h>

#include <linux/types.h>

#define SL_TC_HANDLE 0x5c1
#define SL_TC_PRIORITY 0xc51

/* Makes prog_fd's program Sluice's filter on the hook, creating the clsact qdisc when
 * the interface has none. Nothing is written when it already is. 0, -ENODEV when no
 * interface has that index, -EOPNOTSUPP for egress on an interface whose ingress qdisc
 * is the legacy `ingress` one (which has no egress hook: the kernel would put the
 * filter on ingress), or another -errno. */
int sl_tc_attach(int ifindex, bool egress, int prog_fd);
/* Removes Sluice's filter from the hook, and nothing else: the qdisc and other filters
 * stay. 0, -ENOENT when there was none, -ENODEV when no interface has that index. */
int sl_tc_detach(int ifindex, bool egress);
/* The id of the program Sluice's filter on the hook runs. 0, -ENOENT when there is no
 * Sluice filter there, -ENODEV when no interface has that index. */
int sl_tc_query(int ifindex, bool egress, __u32 *prog_id);

#endif
