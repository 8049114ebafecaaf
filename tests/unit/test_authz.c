// SPDX-License-Identifier: Apache-2.0
/*
 * The policy compiler: AuthorizationPolicy files in, the exact kernel entries out
 * (golden files: tests/unit/fixtures/authz/NAME.golden, regenerated with
 * SLUICE_UPDATE_GOLDEN=1 and reviewed by hand), and the answers those entries give,
 * looked up the way bpf/lib/authz.h does (longest prefix in sl_ipcache, then the four
 * sl_authz lookups), for the flows each case is about.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/buf.h"
#include "config/decode.h"
#include "model/objects.h"
#include "state/authz.h"
#include "state/store.h"
#include "test_files.h"
#include "test_store.h"

#define FIX "tests/unit/fixtures/authz/"

static void apply_file(struct sl_store *st, const char *path, const char *name)
{
	char full[1024];
	size_t len;
	char *text;

	snprintf(full, sizeof(full), "%s/%s", srcdir(), path);
	text = read_file(full, &len);
	if (!text)
		fail_msg("cannot read %s", full);
	store_apply(st, name, text, len);
	free(text);
}

static void compile(struct sl_store *st, struct sl_authz_out *out)
{
	struct sl_authz_opts o = { .node = "n1",
				   .trust_domain = "cluster.local",
				   .root_ns = "istio-system",
				   .explain = true };
	char err[512];

	memset(out, 0, sizeof(*out));
	if (sl_authz_compile(st, &o, out, err, sizeof(err)))
		fail_msg("compile: %s", err);
}

/* Compares the explanation (and warnings) with the golden file, or rewrites it. */
static void golden(const struct sl_authz_out *out, const char *name)
{
	char path[1024], *want;
	struct sl_buf got = {};
	size_t len;

	sl_buf_printf(&got, "%s", out->explain);
	if (out->warnings)
		sl_buf_printf(&got, "%s", out->warnings);
	snprintf(path, sizeof(path), "%s/" FIX "%s.golden", srcdir(), name);
	if (getenv("SLUICE_UPDATE_GOLDEN")) {
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		fwrite(got.p, 1, got.len, f);
		fclose(f);
	}
	want = read_file(path, &len);
	if (!want)
		fail_msg("no golden file %s (SLUICE_UPDATE_GOLDEN=1 writes it)", path);
	if (len != got.len || memcmp(want, got.p, len))
		fail_msg("%s differs from the compiled state:\n%s", path, got.p);
	free(want);
	sl_buf_free(&got);
}

/* ---- the kernel's lookups, replayed on the compiled entries --------------------- */

static const struct sl_az_ip *lpm(const struct sl_authz_out *o, const char *ip)
{
	const struct sl_az_ip *best = NULL;
	struct sl_lpm_key k;
	uint8_t fam;

	assert_int_equal(sl_authz_parse_prefix(ip, &k, &fam), 0);
	for (size_t i = 0; i < o->nips; i++) {
		const uint8_t *a = (const uint8_t *)&o->ips[i].key.addr, *b = (const uint8_t *)&k.addr;
		uint32_t plen = o->ips[i].key.prefixlen, n;
		bool ok = true;

		for (n = 0; n < plen / 8 && ok; n++)
			ok = a[n] == b[n];
		if (ok && plen % 8)
			ok = (a[n] & (0xff00 >> (plen % 8))) == (b[n] & (0xff00 >> (plen % 8)));
		if (ok && (!best || plen > best->key.prefixlen))
			best = &o->ips[i];
	}
	return best;
}

static const struct sl_authz_val *entry(const struct sl_authz_out *o, uint32_t grp, uint32_t cls,
					uint16_t port)
{
	for (size_t i = 0; i < o->nentries; i++)
		if (o->entries[i].key.grp == grp && o->entries[i].key.cls == cls &&
		    o->entries[i].key.port == port)
			return &o->entries[i].val;
	return NULL;
}

/* "allow", "deny" or "deny!" (no default entry: the kernel fails closed), plus
 * " audit" when an AUDIT policy matched. */
static const char *verdict(const struct sl_authz_out *o, const char *src, const char *dst,
			   uint16_t port)
{
	static char buf[32];
	const struct sl_az_ip *s = lpm(o, src), *d = lpm(o, dst);
	const struct sl_authz_val *v = NULL;
	uint32_t cls = s ? s->cls : 0;

	if (!d || !d->grp)
		return "allow";
	if (cls) {
		v = entry(o, d->grp, cls, port);
		if (!v)
			v = entry(o, d->grp, cls, 0);
	}
	if (!v)
		v = entry(o, d->grp, SL_AUTHZ_CLS_ANY, port);
	if (!v)
		v = entry(o, d->grp, SL_AUTHZ_CLS_ANY, 0);
	if (!v)
		return "deny!";
	snprintf(buf, sizeof(buf), "%s%s", v->verdict == SL_VERDICT_ALLOW ? "allow" : "deny",
		 v->flags & SL_AUTHZ_F_AUDIT ? " audit" : "");
	return buf;
}

/* Addresses of the pods in fixtures/authz/pods.yaml, and outsiders. */
#define HTTPBIN "10.1.2.3"
#define HTTPBIN6 "fd00::1:2:3"
#define WEB "10.1.2.4"
#define CLIENT "10.2.0.5"
#define CLIENT6 "fd00::2:0:5"
#define SLEEP "10.3.0.7"
#define ADMIN "10.4.0.9"
#define OUTSIDER "172.16.0.1"
#define OUTSIDER6 "2001:db8::1"

struct fixture {
	struct sl_store st;
	struct sl_authz_out out;
};

static void run_case(struct fixture *f, const char *name)
{
	char path[256], fname[300];

	memset(f, 0, sizeof(*f));
	apply_file(&f->st, FIX "pods.yaml", "pods.yaml");
	snprintf(path, sizeof(path), FIX "%s.yaml", name);
	snprintf(fname, sizeof(fname), "%s.yaml", name);
	apply_file(&f->st, path, fname);
	compile(&f->st, &f->out);
	golden(&f->out, name);
}

static void run_compat(struct fixture *f, const char *name)
{
	char path[256], fname[300];

	memset(f, 0, sizeof(*f));
	apply_file(&f->st, FIX "pods.yaml", "pods.yaml");
	snprintf(path, sizeof(path), "../shared/compat/istio-authz/%s-in.yaml", name);
	snprintf(fname, sizeof(fname), "%s-in.yaml", name);
	apply_file(&f->st, path, fname);
	compile(&f->st, &f->out);
	snprintf(path, sizeof(path), "compat-%s", name);
	golden(&f->out, path);
}

static void done(struct fixture *f)
{
	sl_authz_out_free(&f->out);
	sl_store_free(&f->st);
}

#define VERDICT(f, src, dst, port, want) assert_string_equal(verdict(&(f)->out, src, dst, port), want)

/* ---- Istio's documented shapes ---------------------------------------------------- */

static void test_no_policy(void **state)
{
	struct fixture f = {};

	apply_file(&f.st, FIX "pods.yaml", "pods.yaml");
	compile(&f.st, &f.out);
	assert_false(f.out.on);
	assert_int_equal(f.out.nentries, 0);
	assert_int_equal(f.out.ngroups, 0);
	VERDICT(&f, CLIENT, HTTPBIN, 80, "allow");
	done(&f);
}

static void test_allow_nothing(void **state)
{
	struct fixture f;

	run_case(&f, "allow-nothing");
	assert_true(f.out.on);
	VERDICT(&f, CLIENT, HTTPBIN, 80, "deny");
	VERDICT(&f, CLIENT6, HTTPBIN6, 80, "deny");
	VERDICT(&f, OUTSIDER, WEB, 443, "deny");
	VERDICT(&f, HTTPBIN, CLIENT, 80, "allow"); /* bar is not selected */
	done(&f);
}

static void test_allow_nothing_empty_rules(void **state)
{
	struct fixture f;

	run_case(&f, "allow-nothing-empty-rules");
	VERDICT(&f, CLIENT, HTTPBIN, 80, "deny");
	VERDICT(&f, CLIENT, WEB, 80, "allow"); /* the selector picks httpbin only */
	done(&f);
}

static void test_deny_all(void **state)
{
	struct fixture f;

	run_case(&f, "deny-all");
	VERDICT(&f, SLEEP, HTTPBIN, 1, "deny");
	VERDICT(&f, OUTSIDER6, HTTPBIN6, 65535, "deny");
	VERDICT(&f, SLEEP, CLIENT, 1, "allow");
	done(&f);
}

static void test_allow_all(void **state)
{
	struct fixture f;

	run_case(&f, "allow-all");
	VERDICT(&f, SLEEP, HTTPBIN, 22, "allow");
	VERDICT(&f, OUTSIDER, HTTPBIN, 22, "allow");
	VERDICT(&f, CLIENT, HTTPBIN, 22, "deny");
	VERDICT(&f, CLIENT6, HTTPBIN6, 22, "deny");
	VERDICT(&f, CLIENT, HTTPBIN, 23, "allow");
	done(&f);
}

static void test_namespace_wide(void **state)
{
	struct fixture f;

	run_case(&f, "namespace-wide");
	VERDICT(&f, CLIENT, HTTPBIN, 8080, "allow");
	VERDICT(&f, CLIENT, WEB, 8080, "allow");
	VERDICT(&f, CLIENT, HTTPBIN, 9090, "deny"); /* when: notValues */
	VERDICT(&f, CLIENT, HTTPBIN, 80, "deny");
	VERDICT(&f, SLEEP, HTTPBIN, 8080, "deny");
	VERDICT(&f, OUTSIDER, HTTPBIN, 8080, "deny");
	done(&f);
}

static void test_mesh_wide(void **state)
{
	struct fixture f;

	run_case(&f, "mesh-wide");
	VERDICT(&f, ADMIN, HTTPBIN, 80, "deny");
	VERDICT(&f, ADMIN, SLEEP, 80, "deny");
	VERDICT(&f, SLEEP, HTTPBIN, 80, "allow");
	VERDICT(&f, SLEEP, CLIENT, 80, "allow"); /* the selector with a root-namespace ALLOW */
	VERDICT(&f, HTTPBIN, CLIENT, 80, "deny");
	VERDICT(&f, ADMIN, CLIENT, 80, "deny");
	done(&f);
}

static void test_principals_wildcards(void **state)
{
	struct fixture f;

	run_case(&f, "principals-wildcards");
	VERDICT(&f, SLEEP, HTTPBIN, 80, "allow"); /* the suffix pattern */
	VERDICT(&f, CLIENT, HTTPBIN, 80, "deny");
	VERDICT(&f, ADMIN, HTTPBIN, 81, "allow"); /* the suffix pattern */
	VERDICT(&f, SLEEP, HTTPBIN, 81, "deny");
	VERDICT(&f, CLIENT, HTTPBIN, 82, "allow"); /* "*": any identity */
	VERDICT(&f, OUTSIDER, HTTPBIN, 82, "deny"); /* but not an unknown address */
	VERDICT(&f, CLIENT, HTTPBIN, 83, "deny"); /* a*b is literal */
	VERDICT(&f, CLIENT, HTTPBIN, 84, "allow"); /* spiffe:// accepted */
	done(&f);
}

static void test_not_namespaces(void **state)
{
	struct fixture f;

	run_case(&f, "not-namespaces");
	VERDICT(&f, CLIENT, HTTPBIN, 80, "deny");
	VERDICT(&f, CLIENT6, HTTPBIN6, 80, "deny");
	VERDICT(&f, SLEEP, HTTPBIN, 80, "allow");
	VERDICT(&f, OUTSIDER, HTTPBIN, 80, "allow");
	done(&f);
}

static void test_ipblocks_overlap(void **state)
{
	struct fixture f;

	run_case(&f, "ipblocks-overlap");
	VERDICT(&f, SLEEP, HTTPBIN, 80, "allow"); /* in 10/8 */
	VERDICT(&f, "10.2.9.9", HTTPBIN, 80, "deny"); /* 10.2/16 denied inside 10/8 */
	VERDICT(&f, CLIENT, HTTPBIN, 80, "allow"); /* the notIpBlocks hole */
	VERDICT(&f, "192.168.1.7", HTTPBIN, 80, "deny"); /* deny /16 over allow /24 */
	VERDICT(&f, "192.169.1.7", HTTPBIN, 80, "deny"); /* in no ALLOW block */
	VERDICT(&f, OUTSIDER, HTTPBIN, 80, "deny");
	VERDICT(&f, CLIENT6, HTTPBIN6, 80, "allow"); /* fd00::/16 */
	VERDICT(&f, CLIENT6, HTTPBIN6, 22, "deny"); /* ::/0 DENY on 22 */
	VERDICT(&f, SLEEP, HTTPBIN, 22, "allow"); /* ::/0 holds no IPv4 address */
	VERDICT(&f, OUTSIDER6, HTTPBIN6, 80, "deny");
	done(&f);
}

static void test_audit_and_dry_run(void **state)
{
	struct fixture f;

	run_case(&f, "audit-and-dry-run");
	VERDICT(&f, CLIENT, HTTPBIN, 80, "allow audit");
	VERDICT(&f, SLEEP, HTTPBIN, 80, "allow audit"); /* the dry-run DENY matches all */
	done(&f);
}

static void test_destination_ip(void **state)
{
	struct fixture f;

	run_case(&f, "destination-ip");
	VERDICT(&f, CLIENT, HTTPBIN, 80, "allow");
	VERDICT(&f, CLIENT6, HTTPBIN6, 80, "deny");
	done(&f);
}

/* --proxy-sources: the node proxy's addresses get a class of their own, allowed into
 * every group on every port (the proxy has judged the request by every policy), while
 * every other source keeps its verdicts; a bad address is an error. */
static void test_proxy_sources(void **state)
{
	static const char *const src[] = { "10.255.0.1", "fd00:10:255::1/128" };
	static const char *const bad[] = { "10.255.0.1/33" };
	struct sl_authz_opts o = { .node = "n1",
				   .trust_domain = "cluster.local",
				   .root_ns = "istio-system",
				   .proxy_src = src,
				   .nproxy_src = 2 };
	struct fixture f;
	char err[512];

	memset(&f, 0, sizeof(f));
	apply_file(&f.st, FIX "pods.yaml", "pods.yaml");
	apply_file(&f.st, FIX "principals-wildcards.yaml", "principals-wildcards.yaml");
	assert_int_equal(sl_authz_compile(&f.st, &o, &f.out, err, sizeof(err)), 0);
	assert_int_not_equal(f.out.proxy_cls, 0);
	VERDICT(&f, "10.255.0.1", HTTPBIN, 8080, "allow");
	VERDICT(&f, "10.255.0.1", HTTPBIN, 1, "allow");
	VERDICT(&f, "fd00:10:255::1", HTTPBIN6, 8080, "allow");
	VERDICT(&f, "10.255.0.2", HTTPBIN, 8080, "deny");
	VERDICT(&f, OUTSIDER, HTTPBIN, 8080, "deny");
	sl_authz_out_free(&f.out);

	o.proxy_src = bad;
	o.nproxy_src = 1;
	assert_int_equal(sl_authz_compile(&f.st, &o, &f.out, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "--proxy-sources"));
	done(&f);
}

/* ---- Istio's own builder inputs (TCP treatment of HTTP fields) --------------------- */

static void test_compat_tcp_allow_both(void **state)
{
	struct fixture f;

	run_compat(&f, "tcp-allow-both-http-tcp");
	/* Only rule[3] (ns-1 to 80) has no HTTP field. */
	VERDICT(&f, ADMIN, HTTPBIN, 80, "allow");
	VERDICT(&f, ADMIN, HTTPBIN, 8080, "deny");
	VERDICT(&f, CLIENT, HTTPBIN, 9090, "deny");
	assert_non_null(strstr(f.out.warnings, "rules[0] uses HTTP-only fields"));
	assert_non_null(strstr(f.out.warnings, "the rule is ignored (allows less)"));
	done(&f);
}

static void test_compat_tcp_allow_only_http(void **state)
{
	struct fixture f;

	run_compat(&f, "tcp-allow-only-http");
	VERDICT(&f, ADMIN, HTTPBIN, 80, "deny");
	VERDICT(&f, SLEEP, WEB, 80, "deny");
	done(&f);
}

static void test_compat_tcp_deny_both(void **state)
{
	struct fixture f;

	run_compat(&f, "tcp-deny-both-http-tcp");
	/* rule[0] loses every field: it denies everything. */
	VERDICT(&f, SLEEP, HTTPBIN, 12345, "deny");
	VERDICT(&f, OUTSIDER, WEB, 1, "deny");
	assert_non_null(strstr(f.out.warnings, "those fields are ignored (the rule matches more)"));
	done(&f);
}

static void test_compat_tcp_audit_both(void **state)
{
	struct fixture f;

	run_compat(&f, "tcp-audit-both-http-tcp");
	VERDICT(&f, SLEEP, HTTPBIN, 80, "allow");
	done(&f);
}

static void test_compat_tcp_dry_run_mix(void **state)
{
	struct fixture f;

	run_compat(&f, "tcp-dry-run-mix");
	/* httpbin-1 is dry-run (flags only), httpbin-2 allows 9000. */
	VERDICT(&f, SLEEP, HTTPBIN, 9000, "allow");
	VERDICT(&f, SLEEP, HTTPBIN, 80, "deny audit");
	VERDICT(&f, SLEEP, WEB, 80, "allow");
	done(&f);
}

/* ---- limits ------------------------------------------------------------------------ */

static void test_max_entries(void **state)
{
	struct sl_authz_opts o = { .node = "n1",
				   .trust_domain = "cluster.local",
				   .root_ns = "istio-system",
				   .max_entries = 1 };
	struct fixture f = {};
	char err[512] = "";

	apply_file(&f.st, FIX "pods.yaml", "pods.yaml");
	apply_file(&f.st, FIX "allow-all.yaml", "allow-all.yaml");
	assert_int_equal(sl_authz_compile(&f.st, &o, &f.out, err, sizeof(err)), -E2BIG);
	assert_non_null(strstr(err, "--max-policy-entries"));
	done(&f);
}

static void test_str_match(void **state)
{
	assert_true(sl_authz_str_match("*", "a"));
	assert_false(sl_authz_str_match("*", ""));
	assert_true(sl_authz_str_match("ab*", "abc"));
	assert_true(sl_authz_str_match("ab*", "ab"));
	assert_false(sl_authz_str_match("ab*", "a"));
	assert_true(sl_authz_str_match("*bc", "abc"));
	assert_false(sl_authz_str_match("*bc", "abd"));
	assert_true(sl_authz_str_match("a*c", "a*c"));
	assert_false(sl_authz_str_match("a*c", "abc"));
	assert_true(sl_authz_str_match("**", "**"));
	assert_false(sl_authz_str_match("**", "x"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_policy),
		cmocka_unit_test(test_allow_nothing),
		cmocka_unit_test(test_allow_nothing_empty_rules),
		cmocka_unit_test(test_deny_all),
		cmocka_unit_test(test_allow_all),
		cmocka_unit_test(test_namespace_wide),
		cmocka_unit_test(test_mesh_wide),
		cmocka_unit_test(test_principals_wildcards),
		cmocka_unit_test(test_not_namespaces),
		cmocka_unit_test(test_ipblocks_overlap),
		cmocka_unit_test(test_audit_and_dry_run),
		cmocka_unit_test(test_destination_ip),
		cmocka_unit_test(test_proxy_sources),
		cmocka_unit_test(test_compat_tcp_allow_both),
		cmocka_unit_test(test_compat_tcp_allow_only_http),
		cmocka_unit_test(test_compat_tcp_deny_both),
		cmocka_unit_test(test_compat_tcp_audit_both),
		cmocka_unit_test(test_compat_tcp_dry_run_mix),
		cmocka_unit_test(test_max_entries),
		cmocka_unit_test(test_str_match),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
