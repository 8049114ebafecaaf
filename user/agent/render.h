/* SPDX-License-Identifier: Apache-2.0 */
/* Text shared by `get` and `describe`: addresses, frontends, routes. */
#ifndef SLUICE_AGENT_RENDER_H
#define SLUICE_AGENT_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/agent.h"

const char *sl_proto_name(uint8_t proto);
const char *sl_algo_name(uint8_t algo);
/* "10.244.1.11:8080" or "[fd00::1]:8080" */
void sl_fmt_backend(const struct sl_backend *b, char *buf, size_t len);
/* The compiled frontends of one Service, in ClusterIP then port order. */
size_t sl_service_frontends(const struct sl_agent *a, const struct sl_object *svc,
			    const struct sl_frontend **out, size_t max);
uint32_t sl_route_backends(const struct sl_fe_route *rt);
/* One route: each destination's weight, service, subset, policy and backends; a route
 * of one plain destination prints its backends only. Ends the line. */
void sl_print_route(struct sl_buf *out, const struct sl_fe_route *rt, bool compact);

#endif
