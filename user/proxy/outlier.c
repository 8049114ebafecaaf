// SPDX-License-Identifier: Apache-2.0
/* Consecutive-error outlier detection (outlier.h). */
#include "proxy/outlier.h"

#define MS(ns) ((int64_t)(((ns) + 999999) / 1000000))
#define MAX_EJECTION_MS (300 * 1000) /* Envoy's max_ejection_time default */

bool px_outlier_ejected(const struct px_ep_state *st, int64_t now)
{
	return st->ejected_until && now < st->ejected_until;
}

bool px_outlier_record(struct px_ep_state *st, const struct sl_outlier *od, unsigned int status,
		       int64_t now, size_t nhosts, size_t nejected)
{
	uint32_t max5 = od->consecutive_5xx_set ? od->consecutive_5xx : 5;
	uint32_t maxgw = od->consecutive_gateway_set ? od->consecutive_gateway : 0;
	int64_t base = od->base_ejection_ns ? MS(od->base_ejection_ns) : 30000;
	int64_t interval = od->interval_ns ? MS(od->interval_ns) : 10000;
	uint32_t max_pct = od->max_ejection_percent ? od->max_ejection_percent : 10;
	int64_t cap = base > MAX_EJECTION_MS ? base : MAX_EJECTION_MS, t;
	bool gw;

	if (!status)
		status = 503;
	if (status < 500 || status > 599) {
		st->c5xx = st->cgw = 0;
		return false;
	}
	gw = status >= 502 && status <= 504;
	st->c5xx++;
	st->cgw = gw ? st->cgw + 1 : 0;
	if (px_outlier_ejected(st, now))
		return false;
	if (!((max5 && st->c5xx >= max5) || (maxgw && st->cgw >= maxgw)))
		return false;
	/* One endpoint may always be ejected; more only within maxEjectionPercent. */
	if (nejected && (nejected + 1) * 100 > (size_t)max_pct * nhosts)
		return false;
	if (st->ejected_until && st->ejections) {
		int64_t calm = (now - st->ejected_until) / interval;

		st->ejections = calm >= st->ejections ? 0 : st->ejections - (uint32_t)calm;
	}
	st->ejections++;
	t = base * st->ejections;
	st->ejected_until = now + (t < cap ? t : cap);
	st->c5xx = st->cgw = 0;
	return true;
}
