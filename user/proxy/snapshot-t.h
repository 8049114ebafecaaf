/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A configuration snapshot: one immutable version of what the proxy routes by. It is
 * the desired state decoded from --config (Services, EndpointSlices, Pods, Istio
 * objects) compiled by user/state/compile.c exactly as the agent compiles it for the
 * kernel, so a request goes where the kernel would have sent the connection, plus the
 * indexes a request looks things up in.
 *
 * Lifetime: built by the main thread, then shared read-only by every worker. It is
 * freed when the last reference goes (refs, atomic). Workers do not touch refs per
 * request: each holds one reference through its worker-local view (worker-t.h), and
 * requests count themselves in that view with a plain integer.
 * The only fields written after publication are the round-robin counters.
 */
#ifndef SLUICE_PROXY_SNAPSHOT_T_H
#define SLUICE_PROXY_SNAPSHOT_T_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/htab.h"
#include "state/compile.h"
#include "state/store.h"

/* An upstream endpoint: the key of a connection pool. Zeroed before filling. */
struct px_ep {
	uint8_t addr[16]; /* IPv4-mapped for IPv4 */
	uint16_t port; /* host order */
	uint16_t pad;
};

/* A compiled frontend (ClusterIP x port) with its round-robin counters: one per
 * destination of each route, rr[route * SL_MAX_DESTS + dest], the http routes after
 * the tcp ones (route fe->nroutes + i is http route i). */
struct px_frontend {
	const struct sl_frontend *fe;
	uint32_t *rr; /* updated with relaxed atomic adds by any worker */
};

/* How a snapshot is built beyond its node: the mesh's trust domain and root namespace
 * (the agent's --trust-domain and --root-namespace). */
struct px_snapshot_opts {
	const char *node;
	const char *trust_domain; /* NULL: "cluster.local" */
	const char *root_ns; /* NULL: "istio-system" */
};

struct px_snapshot {
	unsigned long refs; /* atomic */
	uint64_t version; /* 1, 2, ... in load order; 0: the empty snapshot */
	uint64_t digest; /* FNV-1a of the file's bytes */
	time_t loaded;
	char *source; /* the file name, owned: every object's sl_pos.file points here */
	size_t nobjects;
	struct sl_store store;
	struct sl_compiled compiled;
	struct sl_htab fes; /* struct sl_svc_key -> struct px_frontend * */
	struct px_frontend *fev;
	size_t nfe;
	struct sl_htab pods; /* 16-byte pod address -> const struct sl_object * (the Pod) */
	struct sl_htab regex; /* pattern (its char * in the store) -> regex_t * */
	/* const struct sl_fe_dest * -> uint32_t * (Maglev table, slots into d->be):
	 * destinations whose DestinationRule asks for a consistent hash */
	struct sl_htab maglev;
	struct sl_htab endpoints; /* struct px_ep -> (void *)1: every backend of any route */
	/* L7 authorization (authz_http-t.h): const struct sl_object *pod -> struct
	 * px_authz_set *, for the pods some AuthorizationPolicy selects; and what
	 * principals and mesh-wide policies are made of. */
	struct sl_htab authz;
	char *trust_domain, *root_ns;
};

#endif /* SLUICE_PROXY_SNAPSHOT_T_H */
