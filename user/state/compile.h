/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Compiles the desired state (Services, EndpointSlices, Pods, DestinationRules,
 * VirtualServices) into the frontends the kernel's maps must hold: for every ClusterIP x
 * port x protocol, the route new connections take (weighted destinations, each a sorted
 * backend list with its load-balancing algorithm), and the routes of local client pods
 * that VirtualService source matches send elsewhere.
 */
#ifndef SLUICE_STATE_COMPILE_H
#define SLUICE_STATE_COMPILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/htab.h"
#include "sluice/abi.h"
#include "state/store.h"

struct sl_fe_dest {
	struct sl_backend *be; /* sorted, no duplicates */
	uint32_t nbe;
	uint32_t weight; /* 1..100 */
	uint8_t algo; /* enum sl_algo */
	uint32_t maglev_size; /* SL_ALGO_MAGLEV */
	uint32_t max_conns; /* 0 = no limit */
	uint32_t pool_id;
	const struct sl_object *svc; /* destination Service; NULL: the host names none */
	const char *subset; /* NULL: every endpoint */
	uint16_t port; /* destination Service port */
	bool serving_fallback; /* no endpoint was ready: serving ones are used */
	bool subset_missing; /* the subset is defined by no DestinationRule */
	/* The effective DestinationRule settings (the rule, its port level, the subset,
	 * the subset's port level; each level overrides what it writes), as written:
	 * their L7 parts are for sluice-proxy. Pointers inside point into the store. */
	struct sl_lb_policy lb;
	struct sl_conn_pool pool;
	struct sl_outlier outlier;
};

struct sl_fe_route {
	uint32_t ndest;
	struct sl_fe_dest dest[SL_MAX_DESTS];
	int vs_route; /* index of the VirtualService tcp route; -1: the Service itself */
};

/* A local client pod whose connections take another route than the default. */
struct sl_fe_src {
	uint32_t pod_id;
	const struct sl_object *pod;
	size_t route; /* index into sl_frontend.routes */
};

struct sl_frontend {
	struct sl_svc_key key;
	uint32_t svc_id;
	uint32_t flags; /* enum sl_svc_flags */
	uint32_t affinity_timeout_s;
	uint32_t route_id; /* unique per frontend */
	const struct sl_object *svc; /* the Service in the store */
	size_t port_idx; /* index into svc->svc.ports */
	const struct sl_object *vs; /* the VirtualService that routes it, or NULL */
	struct sl_fe_route *routes; /* routes[0] is the default */
	size_t nroutes;
	/* With opts->l7 only: http[i] holds the destinations of VirtualService http route
	 * i (weights relative, as written; none for a redirect), for sluice-proxy. Not
	 * part of the kernel's slots or digest: the kernel hands these connections over. */
	struct sl_fe_route *http;
	size_t nhttp;
	struct sl_fe_src *src; /* sorted by pod_id */
	size_t nsrc;
	uint32_t nslots; /* backends over all routes' destinations */
	uint64_t digest; /* hash of everything the kernel is given for this frontend */
};

struct sl_compiled {
	struct sl_htab fe; /* struct sl_svc_key -> struct sl_frontend * */
	size_t nslots; /* sum of nslots */
	size_t nsrc; /* sum of nsrc */
	size_t nmaglev; /* destinations that need a Maglev table */
};

struct sl_compile_opts {
	const char *node; /* this node: internalTrafficPolicy Local, local client pods */
	/* sluice-proxy runs on this node and applies the L7 configuration (HTTP routes, the
	 * L7 settings of DestinationRules). False (the default, and with o NULL): such
	 * configuration is refused, never silently left out of what the kernel gets. */
	bool l7;
	/* With l7: AuthorizationPolicies here select in every namespace (the L7 reason
	 * "an AuthorizationPolicy with HTTP fields selects an endpoint"); NULL: none. */
	const char *root_ns;
	/* The apply being compiled, or NULL. A conflict (two Services claiming one
	 * ClusterIP:port, two rules for one host) is reported on the object it creates or
	 * changes; NULL, or both or neither in it: on the later by namespace and name. */
	const struct sl_store_txn *txn;
};

/* Fills out (which must be zeroed) from st. On a conflict (two Services claiming the
 * same ClusterIP:port/protocol, two VirtualServices for one host, a route that cannot
 * be resolved, too many backends), or L7 configuration without opts->l7 ("FILE:LINE:COL:
 * VirtualService NS/NAME: spec.http: ... needs sluice-proxy (the L7 proxy is not enabled
 * on this node)"), returns -EINVAL with "FILE:LINE:COL: message" in err. */
int sl_compile(const struct sl_store *st, const struct sl_compile_opts *o, struct sl_compiled *out,
	       char *err, size_t errlen);
void sl_compiled_free(struct sl_compiled *c);

/* The first L7-only setting of DestinationRule dr, in the order the model keeps them:
 * its path ("spec.subsets[1].trafficPolicy.outlierDetection") into path[0, len) and
 * where it was written into *pos (line 0: unknown). false: dr has none. */
bool sl_dr_l7_setting(const struct sl_object *dr, char *path, size_t len, struct sl_pos *pos);

/* Whether an endpoint may receive new connections: kube-proxy's rule. `ready` is true
 * for ready endpoints; with ready false, `serving` says whether it is usable as a
 * fallback when no endpoint at all is ready. */
void sl_endpoint_usable(const struct sl_endpoint *ep, bool *ready, bool *serving);

/* Stable 32-bit id of a service port (telemetry, describe). */
uint32_t sl_svc_port_id(const struct sl_service *svc, const struct sl_svc_port *p);
/* Stable 32-bit id of a Pod (hash of namespace/name), never 0. */
uint32_t sl_pod_id(const struct sl_meta_obj *m);
/* The Service (namespace, name) an Istio host names, seen from namespace ns:
 * "reviews", "reviews.prod", "reviews.prod.svc", "reviews.prod.svc.cluster.local".
 * Returns false for other names (external hosts). */
bool sl_istio_host_service(const char *host, const char *ns, char *svc_ns, size_t nslen,
			   char *svc_name, size_t namelen);

#endif
