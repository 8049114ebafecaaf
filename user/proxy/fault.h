/* SPDX-License-Identifier: Apache-2.0 */
/*
 * VirtualService fault injection (HTTPFaultInjection), as Envoy's fault filter does
 * it: a request is delayed (fixedDelay) with the delay's percentage, then aborted
 * (httpStatus, answered by the proxy with "fault filter abort") with the abort's
 * percentage, each drawn independently per request. Response flags: DI for a delayed
 * request, FI for an aborted one. A percentage that was not written is 0% (Istio).
 */
#ifndef SLUICE_PROXY_FAULT_H
#define SLUICE_PROXY_FAULT_H

#include <stdbool.h>
#include <stdint.h>

#include "model/objects-t.h"

struct px_fault {
	uint64_t delay_ms; /* 0: not delayed */
	int abort_status; /* 0: not aborted */
};

/* Whether a request falls in percentage p, for a uniform random value rnd. */
bool px_fault_hit(const struct sl_percent *p, uint32_t rnd);

/* What fault f does to one request, from two independent random values. */
struct px_fault px_fault_decide(const struct sl_http_fault *f, uint32_t rnd_delay,
				uint32_t rnd_abort);

#endif /* SLUICE_PROXY_FAULT_H */
