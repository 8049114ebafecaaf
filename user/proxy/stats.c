// SPDX-License-Identifier: Apache-2.0
#include <stdio.h>
#include <string.h>

#include "proxy/stats.h"

static const char *const names[PX_ST__COUNT] = {
	[PX_ST_DS_CX_TOTAL] = "downstream_cx_total",
	[PX_ST_DS_CX_ACTIVE] = "downstream_cx_active",
	[PX_ST_DS_CX_NO_ORIG_DST] = "downstream_cx_no_original_dst",
	[PX_ST_DS_RQ_TOTAL] = "downstream_rq_total",
	[PX_ST_DS_RQ_1XX] = "downstream_rq_1xx",
	[PX_ST_DS_RQ_2XX] = "downstream_rq_2xx",
	[PX_ST_DS_RQ_3XX] = "downstream_rq_3xx",
	[PX_ST_DS_RQ_4XX] = "downstream_rq_4xx",
	[PX_ST_DS_RQ_5XX] = "downstream_rq_5xx",
	[PX_ST_DS_RQ_PARSE_ERROR] = "downstream_rq_parse_error",
	[PX_ST_DS_HEADER_TIMEOUT] = "downstream_rq_header_timeout",
	[PX_ST_DS_IDLE_TIMEOUT] = "downstream_cx_idle_timeout",
	[PX_ST_US_CX_TOTAL] = "upstream_cx_total",
	[PX_ST_US_CX_CONNECT_FAIL] = "upstream_cx_connect_fail",
	[PX_ST_US_CX_CONNECT_TIMEOUT] = "upstream_cx_connect_timeout",
	[PX_ST_US_CX_POOL_REUSE] = "upstream_cx_pool_reuse",
	[PX_ST_US_CX_IDLE] = "upstream_cx_idle",
	[PX_ST_US_CX_POOL_RETIRED] = "upstream_cx_pool_retired",
	[PX_ST_US_RQ_RESEND] = "upstream_rq_resend",
	[PX_ST_UPGRADES] = "upgrades_total",
	[PX_ST_FLAG_UH] = "response_flag_UH",
	[PX_ST_FLAG_UF] = "response_flag_UF",
	[PX_ST_FLAG_UC] = "response_flag_UC",
	[PX_ST_FLAG_URX] = "response_flag_URX",
	[PX_ST_FLAG_UT] = "response_flag_UT",
	[PX_ST_FLAG_DC] = "response_flag_DC",
	[PX_ST_FLAG_NR] = "response_flag_NR",
	[PX_ST_FLAG_UPE] = "response_flag_UPE",
	[PX_ST_FLAG_DPE] = "response_flag_DPE",
	[PX_ST_SNAPSHOT_SWAPS] = "snapshot_swaps",
	[PX_ST_FLAG_FI] = "response_flag_FI",
	[PX_ST_FLAG_DI] = "response_flag_DI",
	[PX_ST_FLAG_UO] = "response_flag_UO",
	[PX_ST_US_RQ_RETRY] = "upstream_rq_retry",
	[PX_ST_FLAG_RBAC] = "response_flag_RBAC",
	[PX_ST_RBAC_ALLOWED] = "rbac_allowed",
	[PX_ST_RBAC_DENIED] = "rbac_denied",
	[PX_ST_RBAC_SHADOW_ALLOWED] = "rbac_shadow_allowed",
	[PX_ST_RBAC_SHADOW_DENIED] = "rbac_shadow_denied",
	[PX_ST_RBAC_AUDITED] = "rbac_audited",
	[PX_ST_US_RQ_RETRY_OVERFLOW] = "upstream_rq_retry_overflow",
	[PX_ST_US_RQ_RETRY_BACKOFF] = "upstream_rq_retry_backoff",
	[PX_ST_US_CX_MAX_DURATION] = "upstream_cx_max_duration_reached",
	[PX_ST_WRITES_BATCHED] = "writes_batched",
	[PX_ST_WRITE_BATCHES] = "write_batches",
};

/* Same order as enum px_flag's bits. */
static const char *const flag_codes[PX_F_COUNT] = { "UH",  "UF",  "UC", "URX", "UT", "DC",  "NR",
						    "UPE", "DPE", "FI", "DI",  "UO", "RBAC" };
/* The counter of each flag, in the same order (the counters were appended as flags
 * were). */
static const enum px_stat flag_stats[PX_F_COUNT] = {
	PX_ST_FLAG_UH, PX_ST_FLAG_UF, PX_ST_FLAG_UC,   PX_ST_FLAG_URX, PX_ST_FLAG_UT,
	PX_ST_FLAG_DC, PX_ST_FLAG_NR, PX_ST_FLAG_UPE,  PX_ST_FLAG_DPE, PX_ST_FLAG_FI,
	PX_ST_FLAG_DI, PX_ST_FLAG_UO, PX_ST_FLAG_RBAC,
};

void px_stats_sum(struct px_stats *dst, const struct px_stats *src)
{
	for (size_t i = 0; i < PX_ST__COUNT; i++)
		dst->v[i] += __atomic_load_n(&src->v[i], __ATOMIC_RELAXED);
}

const char *px_stat_name(enum px_stat i)
{
	return (unsigned int)i < PX_ST__COUNT ? names[i] : NULL;
}

void px_stats_flags(struct px_stats *s, unsigned int flags)
{
	for (unsigned int b = 0; b < PX_F_COUNT; b++)
		if (flags & (1u << b))
			px_stat_inc(s, flag_stats[b]);
}

const char *px_flags_format(unsigned int flags, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned int b = 0; b < PX_F_COUNT; b++) {
		if (!(flags & (1u << b)))
			continue;
		n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s", n ? "," : "",
				      flag_codes[b]);
	}
	if (!n)
		snprintf(buf, len, "-");
	return buf;
}
