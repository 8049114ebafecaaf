// SPDX-License-Identifier: Apache-2.0
/* Prometheus text format writer: exact output, validation, and promtool's verdict. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/prom.h"

static char *render(struct sl_prom *p)
{
	struct sl_buf out = {};

	assert_int_equal(sl_prom_finish(p, &out), 0);
	sl_prom_free(p);
	if (!out.p)
		return strdup("");
	return out.p;
}

static void test_values(void **state)
{
	static const struct {
		double v;
		const char *want;
	} cases[] = {
		{ 0, "0" },
		{ -0.0, "0" },
		{ 1, "1" },
		{ 1e6, "1000000" },
		{ -42, "-42" },
		{ 9007199254740992.0, "9007199254740992" }, /* 2^53 */
		{ 1700000000, "1700000000" },
		{ 0.1, "0.1" },
		{ 0.25, "0.25" },
		{ 2.0 / 3, "0.6666666666666666" },
		{ 1.5e-7, "1.5e-07" },
		{ 1e300, "1e+300" },
		{ NAN, "NaN" },
		{ INFINITY, "+Inf" },
		{ -INFINITY, "-Inf" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sl_buf b = {};

		assert_int_equal(sl_prom_format_value(&b, cases[i].v), 0);
		assert_string_equal(b.p, cases[i].want);
		/* Whatever the form, it reads back to the same double. */
		if (!isnan(cases[i].v))
			assert_true(strtod(b.p, NULL) == cases[i].v);
		sl_buf_free(&b);
	}
}

static void test_families_grouped_in_declaration_order(void **state)
{
	struct sl_prom p;
	struct sl_prom_label a = { "svc", "a" }, b = { "svc", "b" };
	char *s;

	sl_prom_init(&p);
	assert_int_equal(sl_prom_family(&p, "x_total", "counter", "X things."), 0);
	assert_int_equal(sl_prom_family(&p, "y", "gauge", "Y level."), 0);
	assert_int_equal(sl_prom_family(&p, "unused", "gauge", "Never sampled."), 0);
	/* Interleaved samples, as a per-service loop produces them. */
	assert_int_equal(sl_prom_sample(&p, "y", &a, 1, 3), 0);
	assert_int_equal(sl_prom_sample(&p, "x_total", &a, 1, 1), 0);
	/* Declaring again inside a loop is fine. */
	assert_int_equal(sl_prom_family(&p, "y", "gauge", "other help, ignored"), 0);
	assert_int_equal(sl_prom_sample(&p, "y", &b, 1, 4), 0);
	assert_int_equal(sl_prom_sample(&p, "x_total", &b, 1, 2), 0);
	assert_int_equal(sl_prom_sample(&p, "x_total", NULL, 0, 5), 0);
	s = render(&p);
	assert_string_equal(s, "# HELP x_total X things.\n"
			       "# TYPE x_total counter\n"
			       "x_total{svc=\"a\"} 1\n"
			       "x_total{svc=\"b\"} 2\n"
			       "x_total 5\n"
			       "# HELP y Y level.\n"
			       "# TYPE y gauge\n"
			       "y{svc=\"a\"} 3\n"
			       "y{svc=\"b\"} 4\n");
	free(s);
}

static void test_escaping_and_label_order(void **state)
{
	struct sl_prom p;
	const struct sl_prom_label l[] = {
		{ "z", "back\\slash" },
		{ "a", "quo\"te" },
		{ "m", "new\nline" },
		{ "e", NULL },
	};
	char *s;

	sl_prom_init(&p);
	assert_int_equal(
		sl_prom_family(&p, "g", "gauge", "Help with \\ and\nnewline and \"quotes\"."), 0);
	assert_int_equal(sl_prom_sample(&p, "g", l, 4, 1), 0);
	s = render(&p);
	assert_string_equal(s,
			    "# HELP g Help with \\\\ and\\nnewline and \"quotes\".\n"
			    "# TYPE g gauge\n"
			    "g{z=\"back\\\\slash\",a=\"quo\\\"te\",m=\"new\\nline\",e=\"\"} 1\n");
	free(s);
}

static void test_no_help(void **state)
{
	struct sl_prom p;
	char *s;

	sl_prom_init(&p);
	assert_int_equal(sl_prom_family(&p, "g", "gauge", NULL), 0);
	assert_int_equal(sl_prom_sample(&p, "g", NULL, 0, 2), 0);
	s = render(&p);
	assert_string_equal(s, "# TYPE g gauge\ng 2\n");
	free(s);
}

static void test_validation(void **state)
{
	struct sl_prom p;
	struct sl_prom_label ok = { "ok", "v" };
	struct sl_prom_label bad[] = { { "1abc", "v" }, { "a-b", "v" }, { "__name", "v" },
				       { "", "v" },	{ NULL, "v" },	{ "a:b", "v" } };
	struct sl_prom_label dup[] = { { "a", "1" }, { "a", "2" } };
	struct sl_prom_label le = { "le", "1" };
	double bounds[] = { 1, 2 };
	uint64_t counts[] = { 1, 1 };
	char *s;

	sl_prom_init(&p);
	assert_int_equal(sl_prom_family(&p, "9x", "gauge", ""), -EINVAL);
	assert_int_equal(sl_prom_family(&p, "a-b", "gauge", ""), -EINVAL);
	assert_int_equal(sl_prom_family(&p, "", "gauge", ""), -EINVAL);
	assert_int_equal(sl_prom_family(&p, NULL, "gauge", ""), -EINVAL);
	assert_int_equal(sl_prom_family(&p, "x", "summary", ""), -EINVAL);
	assert_int_equal(sl_prom_family(&p, "x", NULL, ""), -EINVAL);
	assert_int_equal(sl_prom_family(&p, "ns:sub_x", "gauge", ""), 0);
	assert_int_equal(sl_prom_family(&p, "_x", "gauge", ""), 0);
	assert_int_equal(sl_prom_family(&p, "_x", "counter", ""), -EEXIST);
	assert_int_equal(sl_prom_family(&p, "h", "histogram", ""), 0);
	assert_int_equal(sl_prom_family(&p, "h_bucket", "gauge", ""), -EEXIST);
	assert_int_equal(sl_prom_family(&p, "h_count", "counter", ""), -EEXIST);
	assert_int_equal(sl_prom_family(&p, "k_sum", "gauge", ""), 0);
	assert_int_equal(sl_prom_family(&p, "k", "histogram", ""), -EEXIST);

	assert_int_equal(sl_prom_sample(&p, "nope", NULL, 0, 1), -ENOENT);
	assert_int_equal(sl_prom_sample(&p, NULL, NULL, 0, 1), -ENOENT);
	assert_int_equal(sl_prom_sample(&p, "h", NULL, 0, 1), -EINVAL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(sl_prom_sample(&p, "_x", &bad[i], 1, 1), -EINVAL);
	assert_int_equal(sl_prom_sample(&p, "_x", dup, 2, 1), -EINVAL);
	assert_int_equal(sl_prom_sample(&p, "_x", NULL, 1, 1), -EINVAL);

	assert_int_equal(sl_prom_histogram(&p, "_x", NULL, 0, bounds, counts, 2, 0, 2), -EINVAL);
	assert_int_equal(sl_prom_histogram(&p, "nope", NULL, 0, bounds, counts, 2, 0, 2), -ENOENT);
	assert_int_equal(sl_prom_histogram(&p, "h", &le, 1, bounds, counts, 2, 0, 2), -EINVAL);
	/* More in the buckets than observed. */
	assert_int_equal(sl_prom_histogram(&p, "h", NULL, 0, bounds, counts, 2, 0, 1), -EINVAL);
	bounds[1] = 1; /* not increasing */
	assert_int_equal(sl_prom_histogram(&p, "h", NULL, 0, bounds, counts, 2, 0, 2), -EINVAL);
	bounds[1] = INFINITY; /* +Inf is the writer's */
	assert_int_equal(sl_prom_histogram(&p, "h", NULL, 0, bounds, counts, 2, 0, 2), -EINVAL);
	bounds[1] = NAN;
	assert_int_equal(sl_prom_histogram(&p, "h", NULL, 0, bounds, counts, 2, 0, 2), -EINVAL);

	/* Failed calls wrote nothing; an empty help text still gives a HELP line. */
	assert_int_equal(sl_prom_sample(&p, "_x", &ok, 1, 1), 0);
	s = render(&p);
	assert_string_equal(s, "# HELP _x \n# TYPE _x gauge\n_x{ok=\"v\"} 1\n");
	free(s);
}

static void test_histogram_cumulative(void **state)
{
	struct sl_prom p;
	const struct sl_prom_label l = { "svc", "a" };
	const double bounds[] = { 0.5, 1, 2.5 };
	const uint64_t counts[] = { 2, 0, 3 };
	char *s;

	sl_prom_init(&p);
	assert_int_equal(sl_prom_family(&p, "d_seconds", "histogram", "Durations."), 0);
	assert_int_equal(sl_prom_histogram(&p, "d_seconds", &l, 1, bounds, counts, 3, 7.25, 6), 0);
	assert_int_equal(sl_prom_histogram(&p, "d_seconds", NULL, 0, NULL, NULL, 0, 0, 0), 0);
	s = render(&p);
	assert_string_equal(s, "# HELP d_seconds Durations.\n"
			       "# TYPE d_seconds histogram\n"
			       "d_seconds_bucket{svc=\"a\",le=\"0.5\"} 2\n"
			       "d_seconds_bucket{svc=\"a\",le=\"1\"} 2\n"
			       "d_seconds_bucket{svc=\"a\",le=\"2.5\"} 5\n"
			       "d_seconds_bucket{svc=\"a\",le=\"+Inf\"} 6\n"
			       "d_seconds_sum{svc=\"a\"} 7.25\n"
			       "d_seconds_count{svc=\"a\"} 6\n"
			       "d_seconds_bucket{le=\"+Inf\"} 0\n"
			       "d_seconds_sum 0\n"
			       "d_seconds_count 0\n");
	free(s);
}

static void test_empty(void **state)
{
	struct sl_prom p;
	struct sl_buf out = {};

	sl_prom_init(&p);
	assert_int_equal(sl_prom_finish(&p, &out), 0);
	assert_int_equal(out.len, 0);
	sl_prom_free(&p);
	sl_prom_free(NULL);
}

/* Istio's standard TCP metric labels, in Istio's order. */
static const char *const istio_labels[] = {
	"reporter",
	"source_workload",
	"source_canonical_service",
	"source_canonical_revision",
	"source_workload_namespace",
	"source_principal",
	"source_app",
	"source_version",
	"source_cluster",
	"destination_workload",
	"destination_workload_namespace",
	"destination_principal",
	"destination_app",
	"destination_version",
	"destination_service",
	"destination_canonical_service",
	"destination_canonical_revision",
	"destination_service_name",
	"destination_service_namespace",
	"destination_cluster",
	"request_protocol",
	"response_flags",
	"connection_security_policy",
};
#define N_ISTIO (sizeof(istio_labels) / sizeof(istio_labels[0]))

static void istio_set(struct sl_prom_label *l, const char *src, const char *dst)
{
	for (size_t i = 0; i < N_ISTIO; i++) {
		l[i].name = istio_labels[i];
		l[i].value = "unknown";
	}
	l[0].value = "source";
	l[1].value = src;
	l[2].value = src;
	l[3].value = "v1";
	l[4].value = "default";
	l[5].value = "spiffe://cluster.local/ns/default/sa/\"odd\"\\name";
	l[9].value = dst;
	l[10].value = "default";
	l[14].value = "reviews.default.svc.cluster.local";
	l[17].value = "reviews";
	l[18].value = "default";
	l[20].value = "tcp";
	l[21].value = "-";
	l[22].value = "none";
}

/* Istio's millisecond buckets, in seconds: promtool's lint asks for base units, so
 * Istio's own istio_request_duration_milliseconds would not pass it. */
static const double duration_bounds[] = { 0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1,
					  0.25,	  0.5,	 1,	2.5,  5,     10,   30,
					  60,	  300,	 600,	1800, 3600 };
#define N_BOUNDS (sizeof(duration_bounds) / sizeof(duration_bounds[0]))

/* The realistic sample the agent will serve: written to path. */
static void write_realistic(const char *path)
{
	static const char *const counters[][2] = {
		{ "istio_tcp_connections_opened_total", "Total TCP connections opened." },
		{ "istio_tcp_connections_closed_total", "Total TCP connections closed." },
		{ "istio_tcp_sent_bytes_total", "Total bytes sent during a TCP connection." },
		{ "istio_tcp_received_bytes_total",
		  "Total bytes received during a TCP connection." },
	};
	const char *hist = "sluice_tcp_connection_duration_seconds";
	uint64_t counts[N_BOUNDS] = { 3, 10, 25, 7, 1 };
	struct sl_prom_label l[N_ISTIO];
	struct sl_prom_label svc = { "service", "default/reviews" };
	struct sl_prom p;
	struct sl_buf out = {};
	FILE *f;

	sl_prom_init(&p);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(sl_prom_family(&p, counters[i][0], "counter", counters[i][1]), 0);
	assert_int_equal(
		sl_prom_family(&p, "sluice_services", "gauge", "Services in the desired state."),
		0);
	assert_int_equal(sl_prom_family(&p, "sluice_backend_endpoints", "gauge",
					"Endpoints per service, \"ready\" or serving."),
			 0);
	assert_int_equal(sl_prom_family(&p, hist, "histogram", "TCP connection duration."), 0);
	/* Per source workload, all families at once: the order a real loop adds them. */
	for (int w = 0; w < 3; w++) {
		char src[32];

		snprintf(src, sizeof(src), "productpage-v%d", w + 1);
		istio_set(l, src, "reviews-v1");
		for (size_t i = 0; i < 4; i++)
			assert_int_equal(sl_prom_sample(&p, counters[i][0], l, N_ISTIO,
							(double)(w + 1) * 1e6 * (double)(i + 1)),
					 0);
		assert_int_equal(sl_prom_histogram(&p, hist, l, N_ISTIO, duration_bounds, counts,
						   N_BOUNDS, 1.2345, 50),
				 0);
	}
	assert_int_equal(sl_prom_sample(&p, "sluice_services", NULL, 0, 12), 0);
	assert_int_equal(sl_prom_sample(&p, "sluice_backend_endpoints", &svc, 1, 3), 0);
	assert_int_equal(sl_prom_finish(&p, &out), 0);
	sl_prom_free(&p);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(out.p, 1, out.len, f), out.len);
	assert_int_equal(fclose(f), 0);
	/* Each family exactly once. */
	assert_non_null(strstr(out.p, "# TYPE istio_tcp_connections_opened_total counter\n"));
	assert_null(strstr(strstr(out.p, "# TYPE istio_tcp_connections_opened_total") + 1,
			   "# TYPE istio_tcp_connections_opened_total"));
	assert_non_null(strstr(out.p, "istio_tcp_received_bytes_total{reporter=\"source\","
				      "source_workload=\"productpage-v3\""));
	assert_non_null(strstr(out.p, "\"} 12000000\n"));
	sl_buf_free(&out);
}

static void test_promtool_accepts_realistic_output(void **state)
{
	char path[] = "/tmp/sluice-test-prom-XXXXXX", cmd[128], out[4096] = "";
	int fd = mkstemp(path), status;
	FILE *f;
	size_t n;

	assert_true(fd >= 0);
	close(fd);
	write_realistic(path);
	if (system("command -v promtool >/dev/null 2>&1")) {
		unlink(path);
		skip(); /* promtool (Debian package prometheus) is not installed */
	}
	/* promtool lists problems on stdout or stderr; capture both to show them. */
	snprintf(cmd, sizeof(cmd), "promtool check metrics < %s 2>&1", path);
	f = popen(cmd, "r");
	assert_non_null(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	status = pclose(f);
	unlink(path);
	if (status)
		print_error("promtool check metrics: %s\n", out);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_families_grouped_in_declaration_order),
		cmocka_unit_test(test_escaping_and_label_order),
		cmocka_unit_test(test_no_help),
		cmocka_unit_test(test_validation),
		cmocka_unit_test(test_histogram_cumulative),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_promtool_accepts_realistic_output),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
