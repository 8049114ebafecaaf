// SPDX-License-Identifier: Apache-2.0
/* Retry policies and decisions (retry.h). */
#include "proxy/retry.h"

/* Istio's default: connect-failure, refused-stream, unavailable, cancelled and
 * retriable-status-codes with 503 (the grpc ones never happen here). */
static const uint16_t default_codes[] = { 503 };
#define DEFAULT_ON                                                                                 \
	(SL_RETRY_CONNECT_FAILURE | SL_RETRY_REFUSED_STREAM | SL_RETRY_GRPC_UNAVAILABLE |          \
	 SL_RETRY_GRPC_CANCELLED | SL_RETRY_RETRIABLE_STATUS_CODES)

void px_retry_policy(const struct sl_http_route *hr, struct px_retry_policy *p)
{
	const struct sl_http_retry *r = hr ? &hr->retries : NULL;

	*p = (struct px_retry_policy){
		.attempts = 2, .on = DEFAULT_ON, .codes = default_codes, .ncodes = 1
	};
	if (!r || !r->set)
		return;
	p->attempts = r->attempts;
	p->per_try_ms = (r->per_try_timeout_ns + 999999) / 1000000;
	p->backoff_ms = (r->backoff_ns + 999999) / 1000000;
	if (r->retry_on || r->nretry_codes) {
		p->on = r->retry_on;
		p->codes = r->retry_codes;
		p->ncodes = r->nretry_codes;
		if (r->nretry_codes)
			p->on |= SL_RETRY_RETRIABLE_STATUS_CODES;
		else if (p->on & SL_RETRY_RETRIABLE_STATUS_CODES) {
			p->codes = default_codes; /* the condition without codes: 503 */
			p->ncodes = 1;
		}
	}
}

bool px_retry_wants(const struct px_retry_policy *p, enum px_retry_cause cause, unsigned int status)
{
	bool any_failure = p->on & (SL_RETRY_5XX | SL_RETRY_GATEWAY_ERROR);

	switch (cause) {
	case PX_RETRY_CONNECT_FAIL:
		return any_failure || (p->on & (SL_RETRY_CONNECT_FAILURE | SL_RETRY_RESET));
	case PX_RETRY_RESET:
		return any_failure || (p->on & SL_RETRY_RESET);
	case PX_RETRY_TIMEOUT:
		return any_failure;
	case PX_RETRY_STATUS:
		if ((p->on & SL_RETRY_5XX) && status >= 500 && status <= 599)
			return true;
		if ((p->on & SL_RETRY_GATEWAY_ERROR) && status >= 502 && status <= 504)
			return true;
		if ((p->on & SL_RETRY_RETRIABLE_4XX) && status == 409)
			return true;
		if (p->on & SL_RETRY_RETRIABLE_STATUS_CODES)
			for (size_t i = 0; i < p->ncodes; i++)
				if (p->codes[i] == status)
					return true;
		return false;
	}
	return false;
}

/* Envoy's JitteredExponentialBackOffStrategy: the range doubles with each retry up to
 * max_interval, 10 times the base (what Envoy sets when only the base is given). */
uint64_t px_retry_backoff_ms(uint64_t base_ms, unsigned int n, uint32_t rnd)
{
	uint64_t max = base_ms * 10, range = max;

	if (n < 4 && base_ms <= max >> n)
		range = base_ms << n;
	if (range > max)
		range = max;
	return range ? rnd % range : 0;
}
