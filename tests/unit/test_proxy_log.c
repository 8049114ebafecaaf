// SPDX-License-Identifier: Apache-2.0
/* sluice-proxy access log lines (text and JSON) and response flag codes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "proxy/access_log.h"
#include "proxy/stats.h"

static struct sl_str s(const char *v)
{
	return (struct sl_str){ v, strlen(v) };
}

static const struct px_log_entry entry = {
	.start_ms = 1764625465123, /* 2025-12-01T21:44:25.123Z */
	.peer = "10.244.1.11:40000",
	.orig = "10.96.0.10:80",
	.upstream = "10.244.1.12:8080",
	.method = { "GET", 3 },
	.authority = { "web", 3 },
	.path = { "/a\"b", 4 },
	.request_id = { "rid", 3 },
	.version = 11,
	.status = 503,
	.flags = PX_F_UF | PX_F_UC,
	.rx = 1,
	.tx = 2,
	.duration_ms = 3,
};

static void t_text(void **state)
{
	char out[PX_LOG_LINE_MAX];
	struct px_log_entry e = entry;

	px_access_log_format(&e, PX_LOG_TEXT, out, sizeof(out));
	assert_string_equal(
		out, "[2025-12-01T21:44:25.123Z] \"GET /a\\\"b HTTP/1.1\" 503 UF,UC 1 2 3 "
		     "\"web\" \"rid\" 10.244.1.11:40000 10.96.0.10:80 10.244.1.12:8080 - -\n");
	e = (struct px_log_entry){ .start_ms = 1764625465123,
				   .peer = "[fd00::1]:5",
				   .status = 400,
				   .flags = PX_F_DPE,
				   .request_id = s("a\x01") };
	px_access_log_format(&e, PX_LOG_TEXT, out, sizeof(out));
	assert_string_equal(out, "[2025-12-01T21:44:25.123Z] \"- - -\" 400 DPE 0 0 0 \"-\" "
				 "\"a\\x01\" [fd00::1]:5 - - - -\n");
}

static void t_json(void **state)
{
	char out[PX_LOG_LINE_MAX];
	struct px_log_entry e = entry;

	px_access_log_format(&e, PX_LOG_JSON, out, sizeof(out));
	assert_string_equal(out,
			    "{\"time\":\"2025-12-01T21:44:25.123Z\",\"downstream_peer\":"
			    "\"10.244.1.11:40000\",\"original_dst\":\"10.96.0.10:80\","
			    "\"method\":\"GET\",\"authority\":\"web\",\"path\":\"/a\\\"b\","
			    "\"protocol\":\"HTTP/1.1\",\"status\":503,\"response_flags\":"
			    "\"UF,UC\",\"bytes_received\":1,\"bytes_sent\":2,\"duration_ms\":3,"
			    "\"upstream_endpoint\":\"10.244.1.12:8080\",\"x_request_id\":\"rid\","
			    "\"route_name\":null,\"upstream_cluster\":null}\n");
	e.upstream = NULL;
	e.path = s("\x7f");
	px_access_log_format(&e, PX_LOG_JSON, out, sizeof(out));
	assert_non_null(strstr(out, "\"path\":\"\\u007f\""));
	assert_non_null(strstr(out, "\"upstream_endpoint\":null"));
}

static void t_long_fields_are_cut(void **state)
{
	char out[PX_LOG_LINE_MAX], path[3000];
	struct px_log_entry e = entry;

	memset(path, 0x80, sizeof(path)); /* six bytes each, escaped */
	e.path = (struct sl_str){ path, sizeof(path) };
	e.authority = e.path;
	e.request_id = e.path;
	/* Every string at its cut, each byte escaped: still one whole line. */
	assert_true(px_access_log_format(&e, PX_LOG_JSON, out, sizeof(out)) < sizeof(out));
	assert_int_equal(out[strlen(out) - 1], '\n');
	assert_true(px_access_log_format(&e, PX_LOG_TEXT, out, sizeof(out)) < sizeof(out));
	assert_int_equal(out[strlen(out) - 1], '\n');
}

static void t_flags(void **state)
{
	char b[40];

	assert_string_equal(px_flags_format(0, b, sizeof(b)), "-");
	assert_string_equal(px_flags_format(PX_F_NR, b, sizeof(b)), "NR");
	assert_string_equal(px_flags_format(0x1ff, b, sizeof(b)), "UH,UF,UC,URX,UT,DC,NR,UPE,DPE");
}

static void t_stat_names(void **state)
{
	struct px_stats a = { 0 }, b = { 0 };

	for (unsigned int i = 0; i < PX_ST__COUNT; i++)
		assert_non_null(px_stat_name((enum px_stat)i));
	assert_null(px_stat_name(PX_ST__COUNT));
	assert_string_equal(px_stat_name(PX_ST_US_CX_POOL_REUSE), "upstream_cx_pool_reuse");
	px_stat_inc(&a, PX_ST_DS_CX_ACTIVE);
	px_stat_dec(&b, PX_ST_DS_CX_ACTIVE); /* another worker closed one: wraps */
	px_stat_inc(&b, PX_ST_DS_CX_ACTIVE);
	px_stat_inc(&b, PX_ST_DS_CX_ACTIVE);
	px_stats_flags(&b, PX_F_UF | PX_F_DC);
	px_stats_sum(&a, &b);
	assert_int_equal(a.v[PX_ST_DS_CX_ACTIVE], 2);
	assert_int_equal(a.v[PX_ST_FLAG_UF], 1);
	assert_int_equal(a.v[PX_ST_FLAG_DC], 1);
}

/* Addresses as the access log and debug lines name them (IPv4 is written by hand). */
static void t_addr_port(void **state)
{
	uint8_t a4[16] = { [10] = 0xff, [11] = 0xff, 10, 244, 0, 255 };
	uint8_t a0[16] = { [10] = 0xff, [11] = 0xff };
	uint8_t a6[16] = { 0xfd, 0, [15] = 1 };
	char b[64], small[8];

	assert_string_equal(px_addr_port_format(a4, 8080, b, sizeof(b)), "10.244.0.255:8080");
	assert_string_equal(px_addr_port_format(a0, 0, b, sizeof(b)), "0.0.0.0:0");
	a0[12] = a0[13] = a0[14] = a0[15] = 255;
	assert_string_equal(px_addr_port_format(a0, 65535, b, sizeof(b)), "255.255.255.255:65535");
	assert_string_equal(px_addr_port_format(a6, 80, b, sizeof(b)), "[fd00::1]:80");
	/* cut to the buffer, always terminated */
	assert_string_equal(px_addr_port_format(a4, 8080, small, sizeof(small)), "10.244.");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_text),
		cmocka_unit_test(t_json),
		cmocka_unit_test(t_long_fields_are_cut),
		cmocka_unit_test(t_flags),
		cmocka_unit_test(t_stat_names),
		cmocka_unit_test(t_addr_port),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
