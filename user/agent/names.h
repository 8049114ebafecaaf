/* SPDX-License-Identifier: Apache-2.0 */
/*
 * From the ids the kernel reports (pod ids, service port ids) back to the objects they
 * stand for, and the workload names Istio's telemetry uses. Rebuilt after every apply.
 */
#ifndef SLUICE_AGENT_NAMES_H
#define SLUICE_AGENT_NAMES_H

#include <stdint.h>

#include "model/objects-t.h"
#include "model/workload_name.h"

#include "common/htab.h"
#include "state/compile.h"
#include "state/store.h"

/* What telemetry needs of a pod, owned, so it outlives the Pod object: flows and
 * counters of a deleted pod are still named and attributed for a while. */
struct sl_pod_names {
	char *ns, *name, *workload, *app, *version;
	struct sl_ip ips[2];
	size_t nips;
	int64_t departed_ns; /* CLOCK_MONOTONIC when the Pod left the store, 0 while applied */
	/* The Services the pod backed, by target port: a server-side flow does not know
	 * which Service the client dialed, and the pod's endpoints may be gone already. */
	struct {
		uint16_t port; /* network order */
		char *ns, *name;
	} svcs[4];
	size_t nsvcs;
};

struct sl_names {
	struct sl_htab pods; /* pod id -> struct sl_pod_names * (owned) */
	struct sl_htab svcs; /* svc id -> const struct sl_frontend * (any of its frontends) */
	struct sl_htab backends; /* struct sl_backend -> const struct sl_frontend * */
};

void sl_names_rebuild(struct sl_names *n, const struct sl_store *st, const struct sl_compiled *c);
void sl_names_free(struct sl_names *n);

const struct sl_pod_names *sl_names_pod(const struct sl_names *n, uint32_t pod_id);
/* Forgets pods that left the store before `before_ns` (CLOCK_MONOTONIC). */
void sl_names_forget_departed(struct sl_names *n, int64_t before_ns);
/* The Service (and port) of a service port id. */
const struct sl_frontend *sl_names_svc(const struct sl_names *n, uint32_t svc_id);
/* A Service that has (addr, port) among its backends (for the destination side, which
 * does not know which Service the client dialed). */
const struct sl_frontend *sl_names_backend(const struct sl_names *n, const struct sl_backend *b);

/* The Service (ns, name) a server-side flow to pod p on port (network order) reached,
 * or false. */
bool sl_names_pod_service(const struct sl_pod_names *p, uint16_t port, const char **ns,
			  const char **name);

#endif
