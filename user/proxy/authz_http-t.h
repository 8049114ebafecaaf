/* SPDX-License-Identifier: Apache-2.0 */
/*
 * L7 authorization in sluice-proxy: Istio's AuthorizationPolicy, every field of it,
 * judged per request against the destination workload the request is sent to.
 *
 * Policies select workloads, so a request is judged once its endpoint (a pod) is
 * chosen, by the policies that select that pod: its namespace's and the root
 * namespace's, whose selector labels the pod has. Which policies those are is worked
 * out per pod when a snapshot is built (struct px_authz_set), never per request.
 *
 * The proxy enforces them all, L4 fields included, with the identity of the original
 * client (the downstream peer's address is a Pod of the snapshot: its namespace, its
 * service account, its principal <trust-domain>/ns/<ns>/sa/<sa>), because the kernel
 * lets the proxy's own connections to pods through (the agent's --proxy-sources): it
 * sees the proxy's address, not the client's.
 *
 * Istio's order: a matching DENY policy denies; then, when ALLOW policies select the
 * pod, one of their rules must match; AUDIT policies only flag; a dry-run policy
 * (istio.io/dry-run) is evaluated and its would-be verdict counted and flagged, never
 * enforced. CUSTOM never gets here (the decoder refuses it).
 *
 * Attributes the proxy does not have are absent, as they are to Istio without them:
 * there is no RequestAuthentication (JWT), so request.auth.* and requestPrincipals
 * never match and their notValues / notRequestPrincipals always do; connection.sni
 * and experimental.envoy.filters.* alike (plaintext, no such filter). remote.ip and
 * remoteIpBlocks are the downstream peer (no X-Forwarded-For is trusted: Istio's
 * numTrustedProxies 0).
 */
#ifndef SLUICE_PROXY_AUTHZ_HTTP_T_H
#define SLUICE_PROXY_AUTHZ_HTTP_T_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/objects-t.h"
#include "proxy/http-t.h"

/* The policies that select one pod, by what they do (each list in store order). */
struct px_authz_set {
	const struct sl_object **deny, **allow, **audit;
	size_t ndeny, nallow, naudit;
	/* dry-run policies, by their action (AUDIT ones are in audit: they only flag) */
	const struct sl_object **dry_deny, **dry_allow;
	size_t ndry_deny, ndry_allow;
};

/* What a request is judged on. */
struct px_authz_req {
	const struct sl_ip *src; /* the downstream peer */
	const struct sl_ip *dst; /* the endpoint chosen (a pod's address) */
	uint16_t dst_port; /* the endpoint's port, host order */
	const struct sl_http_msg *m; /* method, authority, fields */
	struct sl_str path; /* normalized, without the query */
};

enum px_authz_verdict {
	PX_AUTHZ_ALLOWED = 0,
	PX_AUTHZ_DENIED,
};

struct px_authz_result {
	enum px_authz_verdict verdict;
	const struct sl_object *policy; /* DENIED: the matching DENY policy, or NULL when
					 * no ALLOW policy matched */
	const struct sl_object *audit; /* a matching AUDIT policy, or NULL */
	bool shadow_denied; /* the dry-run policies would have denied it */
	bool shadow_set; /* some dry-run policy selects the pod */
};

#endif /* SLUICE_PROXY_AUTHZ_HTTP_T_H */
