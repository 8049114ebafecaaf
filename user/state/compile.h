/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Compiles the desired state (Services + EndpointSlices) into the frontends the
 * kernel's sl_svc / sl_bset maps must hold: for every ClusterIP x port x protocol, the
 * sorted list of backend addresses a new connection may go to.
 */
#ifndef SLUICE_STATE_COMPILE_H
#define SLUICE_STATE_COMPILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/htab.h"
#include "sluice/abi.h"
#include "state/store.h"

struct sl_frontend {
	struct sl_svc_key key;
	uint32_t svc_id;
	uint32_t nbe;
	struct sl_backend *be; /* sorted, no duplicates */
	const struct sl_object *svc; /* the Service in the store */
	size_t port_idx; /* index into svc->svc.ports */
	bool serving_fallback; /* no endpoint was ready: serving ones are used */
};

struct sl_compiled {
	struct sl_htab fe; /* struct sl_svc_key -> struct sl_frontend * */
	size_t nslots; /* sum of nbe */
};

/* Fills out (which must be zeroed) from st. On a conflict (two Services claiming the
 * same ClusterIP:port/protocol, a service port with too many backends) returns -EINVAL
 * with "FILE:LINE:COL: message" in err. */
int sl_compile(const struct sl_store *st, struct sl_compiled *out, char *err, size_t errlen);
void sl_compiled_free(struct sl_compiled *c);

/* Whether an endpoint may receive new connections: kube-proxy's rule. `ready` is true
 * for ready endpoints; with ready false, `serving` says whether it is usable as a
 * fallback when no endpoint at all is ready. */
void sl_endpoint_usable(const struct sl_endpoint *ep, bool *ready, bool *serving);

/* Stable 32-bit id of a service port (telemetry, describe). */
uint32_t sl_svc_port_id(const struct sl_service *svc, const struct sl_svc_port *p);

#endif
