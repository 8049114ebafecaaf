// SPDX-License-Identifier: Apache-2.0
/* Fault injection decisions (fault.h). */
#include "proxy/fault.h"

bool px_fault_hit(const struct sl_percent *p, uint32_t rnd)
{
	if (!p->set || p->value <= 0)
		return false;
	if (p->value >= 100)
		return true;
	/* rnd / 2^32 < value / 100, in integers: exact to one part in 2^32. */
	return (double)rnd < p->value / 100.0 * 4294967296.0;
}

struct px_fault px_fault_decide(const struct sl_http_fault *f, uint32_t rnd_delay,
				uint32_t rnd_abort)
{
	struct px_fault out = { 0 };

	if (!f->set)
		return out;
	if (f->delay_set && px_fault_hit(&f->delay_pct, rnd_delay))
		out.delay_ms = (f->delay_ns + 999999) / 1000000;
	if (f->abort_set && px_fault_hit(&f->abort_pct, rnd_abort))
		out.abort_status = f->abort_status;
	return out;
}
