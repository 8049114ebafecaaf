/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Compiles Istio AuthorizationPolicies and the Pods they select into what the kernel
 * checks at L4 (bpf/lib/authz.h):
 *
 *  - source classes: every address (a pod's, or one in an address block some policy
 *    names) gets the class of all addresses that every policy treats alike: same
 *    identity (namespace, service account, hence principal) and inside the same set
 *    of policy blocks. Class 0 is the unknown source outside every block.
 *  - destination groups: every pod address gets the group of the addresses the same
 *    policies select (and that fall in the same `destination.ip` blocks). Group 0:
 *    no policy selects it.
 *  - verdicts: for each group, the answer for the unknown source on every port
 *    (entries of class SL_AUTHZ_CLS_ANY), and for each class whose answer differs, its
 *    own entries. Port 0 stands for every port no rule of the group names.
 *
 * Istio's semantics, for traffic the kernel sees as plain TCP or UDP: any matching
 * DENY denies; otherwise, when ALLOW policies select the workload, one of their rules
 * must match; AUDIT (and dry-run) policies only flag. HTTP-only fields drop an ALLOW
 * rule (allows less) and are dropped from a DENY or AUDIT rule (denies more), as
 * Istio's TCP filter does; each such case is reported as a warning.
 */
#ifndef SLUICE_STATE_AUTHZ_H
#define SLUICE_STATE_AUTHZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sluice/abi.h"
#include "state/store.h"

/* One sl_ipcache entry. */
struct sl_az_ip {
	struct sl_lpm_key key;
	uint32_t pod_id; /* 0: an address block, not a pod */
	bool local; /* a pod of this node */
	uint32_t cls; /* source class */
	uint32_t grp; /* destination group (without the epoch bit) */
};

/* One sl_authz entry; key.grp without the epoch bit. */
struct sl_az_entry {
	struct sl_authz_key key;
	struct sl_authz_val val;
};

/* The classes of a local pod's own addresses, for its sl_src entries. */
struct sl_az_pod {
	uint32_t pod_id;
	uint32_t cls[2]; /* [0]: its IPv4 address, [1]: its IPv6 address (0: none) */
};

struct sl_az_policy {
	uint32_t id; /* sl_authz_val.policy */
	char *ref; /* "namespace/name" */
};

struct sl_authz_out {
	struct sl_az_ip *ips; /* sorted by key */
	size_t nips;
	struct sl_az_entry *entries; /* sorted by key */
	size_t nentries;
	struct sl_az_pod *pods; /* local pods, sorted by pod id */
	size_t npods;
	struct sl_az_policy *policies; /* every AuthorizationPolicy, sorted by id */
	size_t npolicies;
	uint32_t nclasses, ngroups; /* not counting 0 */
	uint32_t proxy_cls; /* the class of opts.proxy_src (allowed into every group); 0: none */
	bool on; /* some policy selects some pod */
	char *warnings; /* one line each ("FILE:LINE:COL: warning: ..."), or NULL */
	char *explain; /* with opts.explain: classes, groups, addresses and verdicts as text */
	uint64_t digest; /* of ips and entries */
};

struct sl_authz_opts {
	const char *node; /* this node: which pods are local */
	const char *trust_domain; /* principals: <trust-domain>/ns/<ns>/sa/<sa> */
	const char *root_ns; /* policies here apply to every namespace */
	size_t max_entries; /* --max-policy-entries */
	/* --proxy-sources: addresses or CIDR blocks of the node's L7 proxy, whose
	 * connections to pods are let through (the proxy has judged their requests by
	 * every policy of the destination, with the original client's identity). */
	const char *const *proxy_src;
	size_t nproxy_src;
	bool explain; /* fill out->explain (golden tests, describe) */
	/* A node proxy takes L7 Services: the warnings about HTTP fields say that only
	 * the kernel's part of the enforcement (pod IPs dialled directly) reads them as TCP. */
	bool l7;
};

/* Fills out (zeroed by the caller). Returns 0, or -EINVAL / -E2BIG / -ENOMEM with a
 * message in err. */
int sl_authz_compile(const struct sl_store *st, const struct sl_authz_opts *o,
		     struct sl_authz_out *out, char *err, size_t errlen);
void sl_authz_out_free(struct sl_authz_out *out);

/* Whether AuthorizationPolicy ap applies to Pod pod: same namespace or the root
 * namespace, and every selector label on the pod. */
bool sl_authz_selects(const struct sl_object *ap, const struct sl_object *pod, const char *root_ns);
/* Whether AuthorizationPolicy ap uses a field only an L7 proxy can check (hosts,
 * methods, paths, requestPrincipals, remoteIpBlocks, their notX, a `when` key other
 * than source.ip, source.namespace, source.principal, destination.ip, destination.port). */
bool sl_authz_policy_http(const struct sl_object *ap);
/* Stable id of a policy (hash of namespace/name), never 0. */
uint32_t sl_authz_policy_id(const struct sl_meta_obj *m);
/* The policy's "namespace/name", or NULL. */
const char *sl_authz_policy_ref(const struct sl_authz_out *out, uint32_t id);

/* Writes a prefix as text: "10.0.0.0/8", "fd00::/8", "10.244.1.11/32". */
const char *sl_authz_prefix_format(const struct sl_lpm_key *k, char *buf, size_t len);
/* Istio's string match: "*" matches any non-empty value, "abc*" a prefix, "*abc" a
 * suffix; anything else (including "a*b") exactly. */
bool sl_authz_str_match(const char *pattern, const char *value);
/* Parses "a.b.c.d", "a.b.c.d/n", "x::y", "x::y/n" into a masked LPM key (IPv4
 * mapped: prefix 96 + n). Returns 0 or -EINVAL. */
int sl_authz_parse_prefix(const char *s, struct sl_lpm_key *out, uint8_t *family);

#endif
