// SPDX-License-Identifier: Apache-2.0
/* sluice-proxy L7 authorization: path normalization (a table of tricky paths), the
 * evaluator against real policy objects decoded from YAML (every field, Istio's order
 * of DENY, ALLOW, AUDIT and dry-run), Istio's own builder inputs from ../shared/compat/,
 * and the L7 handoff of Services whose endpoints an HTTP rule protects. */
#include <errno.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/buf.h"
#include "model/objects.h"
#include "proxy/authz_http.h"
#include "proxy/http1.h"
#include "proxy/path_norm.h"
#include "config/decode.h"
#include "proxy/snapshot.h"
#include "proxy/worker-t.h"
#include "state/compile.h"
#include "state/store.h"
#include "test_files.h"

/* ---- path normalization ------------------------------------------------------------ */

struct norm_case {
	const char *in;
	const char *out; /* NULL: refused (400) */
	size_t path_len; /* of out's path part (no query); 0: strlen(out) */
};

static const struct norm_case norm_cases[] = {
	{ "/", "/", 0 },
	{ "/a/b", "/a/b", 0 },
	{ "/a/../b", "/b", 0 },
	{ "/a/./b", "/a/b", 0 },
	{ "/a/b/..", "/a/", 0 },
	{ "/a/b/.", "/a/b/", 0 },
	{ "/..", "/", 0 },
	{ "/../../etc/passwd", "/etc/passwd", 0 },
	{ "/a/..", "/", 0 },
	{ "/.", "/", 0 },
	{ "/admin/../public", "/public", 0 },
	{ "/public/../admin", "/admin", 0 },
	{ "/public/%2e%2e/admin", "/admin", 0 },
	{ "/public/%2E%2e/admin", "/admin", 0 },
	{ "/%2e%2e/", "/", 0 },
	{ "/%2e/a", "/a", 0 },
	{ "/.%2e/a", "/a", 0 },
	{ "/a.../b", "/a.../b", 0 },
	{ "/...", "/...", 0 },
	{ "/a/.b/..c", "/a/.b/..c", 0 },
	/* Escapes of unreserved characters are decoded, others upper-cased, once. */
	{ "/%41%62c", "/Abc", 0 },
	{ "/%7euser/%5f", "/~user/_", 0 },
	{ "/a%2db", "/a-b", 0 },
	{ "/a%3ab", "/a%3Ab", 0 },
	{ "/a%3Fb", "/a%3Fb", 0 },
	{ "/%252e%252e/admin", "/%252e%252e/admin", 0 },
	{ "/%25", "/%25", 0 },
	{ "/caf%c3%a9", "/caf%C3%A9", 0 },
	/* Escaped slashes and backslashes, NUL, malformed escapes: refused. */
	{ "/a%2fb", NULL, 0 },
	{ "/a%2Fb", NULL, 0 },
	{ "/a%5cb", NULL, 0 },
	{ "/a%5Cb", NULL, 0 },
	{ "/%00", NULL, 0 },
	{ "/a%00b", NULL, 0 },
	{ "/%zz", NULL, 0 },
	{ "/%4", NULL, 0 },
	{ "/a%", NULL, 0 },
	{ "/%g1", NULL, 0 },
	{ "/a#frag", NULL, 0 },
	{ "/a b", NULL, 0 },
	{ "/caf\xc3\xa9", NULL, 0 },
	{ "/a\x7f", NULL, 0 },
	/* Backslashes are slashes; runs of slashes merge, after the dot segments. */
	{ "/a\\b", "/a/b", 0 },
	{ "\\", "\\", 0 }, /* not a path: left alone */
	{ "/\\admin", "/admin", 0 },
	{ "/a\\..\\admin", "/admin", 0 },
	{ "//admin", "/admin", 0 },
	{ "/a//b///c", "/a/b/c", 0 },
	{ "/public//../admin", "/public/admin", 0 },
	{ "/a/..//admin", "/admin", 0 },
	{ "//", "/", 0 },
	/* The query is kept byte for byte and is no part of the path. */
	{ "/a/../b?x=/../%2f&y=%zz", "/b?x=/../%2f&y=%zz", 2 },
	{ "/?", "/?", 1 },
	{ "/a%2e?q", "/a.?q", 3 },
	{ "*", "*", 0 },
	{ "", "", 0 },
};

static void t_path_norm_table(void **state)
{
	for (size_t i = 0; i < sizeof(norm_cases) / sizeof(norm_cases[0]); i++) {
		const struct norm_case *c = &norm_cases[i];
		char out[256];
		const char *why = NULL;
		size_t plen = 0;
		long n = px_path_normalize(c->in, strlen(c->in), out, sizeof(out), &plen, &why);

		if (!c->out) {
			if (n != -EINVAL)
				fail_msg("%s: expected a refusal, got %ld", c->in, n);
			assert_non_null(why);
			continue;
		}
		if (n < 0)
			fail_msg("%s: refused (%s), expected %s", c->in, why, c->out);
		out[n] = '\0';
		if (strcmp(out, c->out))
			fail_msg("%s: got %s, expected %s", c->in, out, c->out);
		assert_int_equal(plen, c->path_len ? c->path_len : strlen(c->out));
	}
}

/* In place, as the proxy does it on the received head; and an overlong path. */
static void t_path_norm_in_place(void **state)
{
	char buf[] = "/a/./b/../../c%2e%41?q=1", *big;
	const char *why;
	size_t plen, n = 64 * 1024;
	long r;

	r = px_path_normalize(buf, strlen(buf), buf, strlen(buf), &plen, &why);
	assert_int_equal(r, strlen("/c.A?q=1"));
	assert_memory_equal(buf, "/c.A?q=1", (size_t)r);
	assert_int_equal(plen, 4);

	assert_int_equal(px_path_normalize("/abc", 4, buf, 3, &plen, &why), -ENOSPC);

	/* 64 KiB of "/a/..": everything goes, nothing overflows. */
	big = malloc(n + 1);
	assert_non_null(big);
	for (size_t i = 0; i < n; i += 5)
		memcpy(big + i, "/a/..", n - i < 5 ? n - i : 5);
	r = px_path_normalize(big, n, big, n, &plen, &why);
	assert_true(r >= 1);
	assert_true(big[0] == '/');
	free(big);
}

/* The head helper: the origin-form target follows the path. */
static void t_head_normalize(void **state)
{
	char raw[] = "/x/../admin?y";
	struct sl_h1_head h = { 0 };
	const char *why;

	h.target = (struct sl_str){ raw, strlen(raw) };
	h.msg.path = h.target;
	assert_int_equal(px_head_normalize_path(&h, &why), 0);
	assert_int_equal(h.msg.path.len, strlen("/admin?y"));
	assert_memory_equal(h.msg.path.p, "/admin?y", h.msg.path.len);
	assert_int_equal(h.target.len, h.msg.path.len);

	/* A normal path is never written to: here it is read-only memory, as the parser's
	 * constant "/" for "GET http://host HTTP/1.1" is. */
	static const char *const normal[] = { "/", "/a/b?x=/../", "/%3A/~", "*" };
	for (size_t i = 0; i < sizeof(normal) / sizeof(normal[0]); i++) {
		h.target = (struct sl_str){ normal[i], strlen(normal[i]) };
		h.msg.path = h.target;
		assert_int_equal(px_head_normalize_path(&h, &why), 0);
		assert_int_equal(h.msg.path.len, strlen(normal[i]));
	}

	char bad[] = "/a%2fb";
	h.target = (struct sl_str){ bad, strlen(bad) };
	h.msg.path = h.target;
	assert_int_equal(px_head_normalize_path(&h, &why), -EINVAL);
}

/* ---- matchers ------------------------------------------------------------------------- */

static struct sl_str S(const char *s)
{
	return (struct sl_str){ s, strlen(s) };
}

static void t_path_match(void **state)
{
	assert_true(px_authz_path_match("/exact", S("/exact")));
	assert_false(px_authz_path_match("/exact", S("/exact/")));
	assert_true(px_authz_path_match("/prefix/*", S("/prefix/a/b")));
	assert_true(px_authz_path_match("/prefix/*", S("/prefix/")));
	assert_false(px_authz_path_match("/prefix/*", S("/prefix")));
	assert_true(px_authz_path_match("*/suffix", S("/a/b/suffix")));
	assert_true(px_authz_path_match("*", S("/")));
	assert_false(px_authz_path_match("*", S("")));
	/* Case matters in paths. */
	assert_false(px_authz_path_match("/Admin", S("/admin")));
	/* {*}: one whole segment; {**}: any number, '/' included. */
	assert_true(px_authz_path_match("/path/template/{*}", S("/path/template/x")));
	assert_false(px_authz_path_match("/path/template/{*}", S("/path/template/x/y")));
	assert_false(px_authz_path_match("/path/template/{*}", S("/path/template/")));
	assert_true(px_authz_path_match("/{**}/path/template", S("/a/b/c/path/template")));
	assert_true(px_authz_path_match("/{**}/path/template", S("//path/template")));
	assert_false(px_authz_path_match("/{**}/path/template", S("/a/path/templatex")));
	assert_true(px_authz_path_match("/api/{*}/items/{**}", S("/api/v1/items/a/b")));
	assert_false(px_authz_path_match("/api/{*}/items/{**}", S("/api/v1/other/a")));
	assert_true(px_authz_path_match("/files/{**}", S("/files/")));
	assert_false(px_authz_path_match("/files/{**}", S("/files")));
}

static void t_host_match(void **state)
{
	assert_true(px_authz_host_match("example.com", S("example.com")));
	assert_true(px_authz_host_match("example.com", S("EXAMPLE.com")));
	assert_true(px_authz_host_match("example.com", S("example.com:8080")));
	assert_false(px_authz_host_match("example.com", S("example.com:80x")));
	assert_false(px_authz_host_match("example.com:80", S("example.com:8080")));
	assert_true(px_authz_host_match("example.com:80", S("Example.com:80")));
	assert_true(px_authz_host_match("*.example.com", S("a.b.Example.COM")));
	assert_true(px_authz_host_match("*.example.com", S("a.example.com:443")));
	assert_false(px_authz_host_match("*.example.com", S("example.com")));
	assert_true(px_authz_host_match("prefix.example.*", S("prefix.example.org")));
	assert_true(px_authz_host_match("*", S("anything")));
	assert_false(px_authz_host_match("*", S("")));
	assert_false(px_authz_host_match("fd00::1", S("[fd00::1]:80")));
	assert_true(px_authz_host_match("[fd00::1]", S("[fd00::1]:80")));
	assert_true(px_authz_host_match("[fd00::1]", S("[fd00::1]")));
	assert_false(px_authz_host_match("[fd00::1]:80", S("[fd00::1]:8080")));
}

/* ---- the evaluator against decoded policies -------------------------------------------- */

static const char *const pods =
	"apiVersion: v1\nkind: Pod\n"
	"metadata: {name: httpbin, namespace: foo, labels: {app: httpbin, version: v1}}\n"
	"spec: {nodeName: n1, serviceAccountName: httpbin}\n"
	"status: {podIPs: [{ip: 10.1.2.3}, {ip: \"fd00::1:2:3\"}]}\n"
	"---\napiVersion: v1\nkind: Pod\n"
	"metadata: {name: web, namespace: foo, labels: {app: web}}\n"
	"spec: {nodeName: n1, serviceAccountName: web}\nstatus: {podIP: 10.1.2.4}\n"
	"---\napiVersion: v1\nkind: Pod\n"
	"metadata: {name: client, namespace: bar, labels: {app: client}}\n"
	"spec: {nodeName: n1, serviceAccountName: client}\n"
	"status: {podIPs: [{ip: 10.2.0.5}, {ip: \"fd00::2:0:5\"}]}\n"
	"---\napiVersion: v1\nkind: Pod\n"
	"metadata: {name: sleep, namespace: default, labels: {app: sleep}}\n"
	"spec: {nodeName: n1}\nstatus: {podIP: 10.3.0.7}\n"
	"---\napiVersion: v1\nkind: Pod\n"
	"metadata: {name: ingress, namespace: istio-system, labels: {app: ingress}}\n"
	"spec: {nodeName: n1, serviceAccountName: ingress}\nstatus: {podIP: 10.9.0.1}\n"
	"---\n";

static struct px_snapshot *build(const char *policies, const char *td)
{
	struct sl_buf b = {};
	struct px_snapshot_opts o = { .node = "n1", .trust_domain = td };
	struct px_snapshot *s;
	char err[512] = "";

	sl_buf_printf(&b, "%s%s", pods, policies);
	if (px_snapshot_build_opts("t.yaml", b.p, b.len, &o, 1, &s, err, sizeof(err)))
		fail_msg("%s", err);
	sl_buf_free(&b);
	return s;
}

struct req {
	struct sl_http_msg m;
	struct sl_http_field f[8];
	struct sl_ip src, dst;
	uint16_t port;
};

static struct sl_ip ip(const char *s)
{
	struct sl_ip a;

	if (sl_ip_parse(s, &a))
		fail_msg("bad address %s", s);
	return a;
}

/* A request from src to dst:port: method, authority, path, then pairs of header name
 * and value, NULL-terminated. */
static struct req *mkreq(struct req *r, const char *src, const char *dst, uint16_t port,
			 const char *method, const char *authority, const char *path, ...)
{
	va_list ap;
	const char *n;

	memset(r, 0, sizeof(*r));
	r->src = ip(src);
	r->dst = ip(dst);
	r->port = port;
	r->m.method_name = S(method);
	r->m.authority = S(authority);
	r->m.path = S(path);
	r->m.fields = r->f;
	va_start(ap, path);
	while ((n = va_arg(ap, const char *))) {
		r->f[r->m.nfields].name = S(n);
		r->f[r->m.nfields++].value = S(va_arg(ap, const char *));
	}
	va_end(ap);
	return r;
}

/* "allow", "deny", or "none" (no policy selects the destination). */
static const char *judge(const struct px_snapshot *s, const struct req *r,
			 struct px_authz_result *res)
{
	struct px_authz_result local;
	struct px_authz_req rq = { .src = &r->src,
				   .dst = &r->dst,
				   .dst_port = r->port,
				   .m = &r->m,
				   .path = r->m.path };
	const char *q = memchr(r->m.path.p, '?', r->m.path.len);

	if (q)
		rq.path.len = (size_t)(q - r->m.path.p);
	if (!res)
		res = &local;
	if (!px_authz_check(s, &rq, res))
		return "none";
	return res->verdict == PX_AUTHZ_ALLOWED ? "allow" : "deny";
}

#define CLIENT "10.2.0.5"
#define HTTPBIN "10.1.2.3"
#define WEB "10.1.2.4"
#define NOPOD "192.0.2.1"
#define J(s, ...) judge(s, mkreq(&r, __VA_ARGS__, NULL), NULL)

static void t_no_policy(void **state)
{
	struct px_snapshot *s = build("", NULL);
	struct req r;

	assert_string_equal(J(s, CLIENT, HTTPBIN, 80, "GET", "h", "/"), "none");
	px_snapshot_put(s);
}

static void t_methods_paths_hosts(void **state)
{
	struct px_snapshot *s = build(
		"apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
		"metadata: {name: get-only, namespace: foo}\n"
		"spec:\n  selector: {matchLabels: {app: httpbin}}\n  rules:\n"
		"  - to:\n    - operation:\n        methods: [GET, HEAD]\n"
		"        paths: [\"/public/*\", /status]\n        notPaths: [\"/public/secret*\"]\n"
		"        hosts: [httpbin.foo.svc.cluster.local, \"httpbin*\"]\n",
		NULL);
	struct req r;

	assert_string_equal(J(s, CLIENT, HTTPBIN, 80, "GET", "httpbin", "/status"), "allow");
	assert_string_equal(J(s, CLIENT, HTTPBIN, 80, "GET", "httpbin:80", "/public/a?x=1"),
			    "allow");
	assert_string_equal(J(s, CLIENT, HTTPBIN, 80, "HEAD", "HTTPBIN.foo.svc.cluster.local",
			      "/public/x"),
			    "allow");
	/* The query is no part of the path. */
	assert_string_equal(J(s, CLIENT, HTTPBIN, 80, "GET", "httpbin", "/status?/public/x"),
			    "allow");
	assert_string_equal(J(s, CLIENT, HTTPBIN, 80, "GET", "httpbin", "/statusx"), "deny");
	assert_string_equal(J(s, CLIENT, HTTPBIN, 80, "POST", "httpbin", "/status"), "deny");
	/* Methods are case-sensitive. */
	assert_string_equal(J(s, CLIENT, HTTPBIN, 80, "get", "httpbin", "/status"), "deny");
	assert_string_equal(J(s, CLIENT, HTTPBIN, 80, "GET", "httpbin", "/public/secret.txt"),
			    "deny");
	assert_string_equal(J(s, CLIENT, HTTPBIN, 80, "GET", "evil.com", "/status"), "deny");
	/* Another pod is not selected. */
	assert_string_equal(J(s, CLIENT, WEB, 80, "POST", "web", "/x"), "none");
	px_snapshot_put(s);
}

static void t_sources(void **state)
{
	struct px_snapshot *s = build(
		"apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
		"metadata: {name: from-bar, namespace: foo}\n"
		"spec:\n  selector: {matchLabels: {app: httpbin}}\n  rules:\n"
		"  - from:\n    - source: {principals: [\"cluster.local/ns/bar/sa/client\"]}\n"
		"    to:\n    - operation: {paths: [\"/admin*\"]}\n"
		"  - from:\n    - source: {namespaces: [\"def*\"], notPrincipals: [\"*/sa/evil\"]}\n"
		"    to:\n    - operation: {methods: [GET]}\n"
		"  - from:\n    - source: {ipBlocks: [192.0.2.0/24], notIpBlocks: [192.0.2.9]}\n"
		"  - from:\n    - source: {remoteIpBlocks: [\"fd00::2:0:0/96\"]}\n"
		"  - from:\n    - source: {principals: [\"spiffe://cluster.local/ns/istio-system/sa/ingress\"]}\n",
		NULL);
	struct req r;

	assert_string_equal(J(s, CLIENT, HTTPBIN, 80, "POST", "h", "/admin/x"), "allow");
	assert_string_equal(J(s, "10.3.0.7", HTTPBIN, 80, "POST", "h", "/admin/x"), "deny");
	/* sleep: namespace default, service account "default" */
	assert_string_equal(J(s, "10.3.0.7", HTTPBIN, 80, "GET", "h", "/x"), "allow");
	assert_string_equal(J(s, CLIENT, HTTPBIN, 80, "GET", "h", "/x"), "deny");
	/* Not a pod: no principal, no namespace; its address may be in a block. */
	assert_string_equal(J(s, "192.0.2.1", HTTPBIN, 80, "DELETE", "h", "/x"), "allow");
	assert_string_equal(J(s, "192.0.2.9", HTTPBIN, 80, "DELETE", "h", "/x"), "deny");
	assert_string_equal(J(s, "198.51.100.1", HTTPBIN, 80, "GET", "h", "/admin"), "deny");
	/* IPv6 source in the remote block (the peer: no X-Forwarded-For is trusted). */
	assert_string_equal(J(s, "fd00::2:0:5", "fd00::1:2:3", 80, "PUT", "h", "/x",
			      "x-forwarded-for", "1.1.1.1"),
			    "allow");
	assert_string_equal(J(s, "10.9.0.1", HTTPBIN, 80, "PUT", "h", "/x"), "allow");
	px_snapshot_put(s);

	/* Another trust domain: principals are made of it. */
	s = build("apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
		  "metadata: {name: td, namespace: foo}\n"
		  "spec:\n  rules:\n"
		  "  - from:\n    - source: {principals: [\"example.org/ns/bar/sa/client\"]}\n",
		  "example.org");
	assert_string_equal(J(s, CLIENT, HTTPBIN, 80, "GET", "h", "/"), "allow");
	assert_string_equal(J(s, CLIENT, WEB, 80, "GET", "h", "/"), "allow");
	assert_string_equal(J(s, "10.3.0.7", WEB, 80, "GET", "h", "/"), "deny");
	px_snapshot_put(s);
}

static void t_when(void **state)
{
	struct px_snapshot *s = build(
		"apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
		"metadata: {name: when, namespace: foo}\n"
		"spec:\n  selector: {matchLabels: {app: httpbin}}\n  rules:\n"
		"  - when:\n    - key: request.headers[X-Token]\n      values: [\"abc*\"]\n"
		"      notValues: [abcd]\n"
		"    - key: destination.port\n      values: [\"8080\"]\n"
		"  - when:\n    - key: source.namespace\n      values: [default]\n"
		"    - key: destination.ip\n      values: [10.1.2.0/24]\n"
		"    - key: source.ip\n      notValues: [10.3.0.0/30]\n"
		"  - when:\n    - key: request.auth.principal\n      values: [\"*\"]\n"
		"  - when:\n    - key: request.headers[x-present]\n      values: [\"*\"]\n"
		"    - key: source.principal\n      values: [\"*/ns/bar/sa/client\", \"*a*\"]\n",
		NULL);
	struct req r;

	assert_string_equal(J(s, CLIENT, HTTPBIN, 8080, "GET", "h", "/", "x-token", "abc1"),
			    "allow");
	/* Header names are case-insensitive, values are not. */
	assert_string_equal(J(s, CLIENT, HTTPBIN, 8080, "GET", "h", "/", "X-TOKEN", "abcz"),
			    "allow");
	assert_string_equal(J(s, CLIENT, HTTPBIN, 8080, "GET", "h", "/", "x-token", "ABC1"),
			    "deny");
	assert_string_equal(J(s, CLIENT, HTTPBIN, 8080, "GET", "h", "/", "x-token", "abcd"),
			    "deny");
	assert_string_equal(J(s, CLIENT, HTTPBIN, 9090, "GET", "h", "/", "x-token", "abc1"),
			    "deny");
	/* Several fields of one name are joined with ',' (Envoy's header matcher). */
	assert_string_equal(J(s, CLIENT, HTTPBIN, 8080, "GET", "h", "/", "x-token", "zzz",
			      "x-token", "abc"),
			    "deny");
	assert_string_equal(J(s, CLIENT, HTTPBIN, 8080, "GET", "h", "/", "x-token", "abc",
			      "x-token", "zzz"),
			    "allow");
	/* No header: values never match. */
	assert_string_equal(J(s, CLIENT, HTTPBIN, 8080, "GET", "h", "/"), "deny");
	/* sleep (10.3.0.7) is outside 10.3.0.0/30. */
	assert_string_equal(J(s, "10.3.0.7", HTTPBIN, 1, "GET", "h", "/"), "allow");
	/* Presence (an empty value counts) and a principal pattern. */
	assert_string_equal(J(s, CLIENT, HTTPBIN, 1, "GET", "h", "/", "x-present", ""),
			    "allow");
	assert_string_equal(J(s, "10.9.0.1", HTTPBIN, 1, "GET", "h", "/", "x-present", "1"),
			    "deny");
	/* No JWT: request.auth.principal is absent. */
	assert_string_equal(J(s, "10.9.0.1", HTTPBIN, 1, "GET", "h", "/", "authorization",
			      "Bearer x"),
			    "deny");
	px_snapshot_put(s);
}

static void t_deny_before_allow_audit_dry_run(void **state)
{
	struct px_snapshot *s = build(
		"apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
		"metadata: {name: allow-all-get, namespace: foo}\n"
		"spec:\n  rules:\n  - to:\n    - operation: {methods: [GET]}\n"
		"---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
		"metadata: {name: deny-admin, namespace: foo}\n"
		"spec:\n  action: DENY\n  rules:\n  - to:\n    - operation: {paths: [\"/admin*\"]}\n"
		"---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
		"metadata: {name: audit-debug, namespace: foo}\n"
		"spec:\n  action: AUDIT\n  rules:\n  - to:\n    - operation: {paths: [/debug]}\n"
		"---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
		"metadata: {name: dry-deny, namespace: foo, annotations: {istio.io/dry-run: \"true\"}}\n"
		"spec:\n  action: DENY\n  rules:\n  - to:\n    - operation: {paths: [/debug]}\n"
		"---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
		"metadata: {name: mesh-deny, namespace: istio-system}\n"
		"spec:\n  action: DENY\n  rules:\n  - to:\n    - operation: {methods: [TRACE]}\n",
		NULL);
	struct px_authz_result res;
	struct req r;

	assert_string_equal(J(s, CLIENT, HTTPBIN, 80, "GET", "h", "/x"), "allow");
	assert_string_equal(judge(s, mkreq(&r, CLIENT, HTTPBIN, 80, "GET", "h", "/admin", NULL),
				  &res),
			    "deny");
	assert_non_null(res.policy);
	assert_string_equal(res.policy->meta.name, "deny-admin");
	assert_string_equal(judge(s, mkreq(&r, CLIENT, HTTPBIN, 80, "POST", "h", "/x", NULL),
				  &res),
			    "deny");
	assert_null(res.policy); /* no ALLOW matched */
	/* AUDIT flags, dry-run only counts: both leave the verdict alone. */
	assert_string_equal(judge(s, mkreq(&r, CLIENT, HTTPBIN, 80, "GET", "h", "/debug", NULL),
				  &res),
			    "allow");
	assert_non_null(res.audit);
	assert_true(res.shadow_set);
	assert_true(res.shadow_denied);
	assert_string_equal(judge(s, mkreq(&r, CLIENT, HTTPBIN, 80, "GET", "h", "/x", NULL),
				  &res),
			    "allow");
	assert_null(res.audit);
	assert_false(res.shadow_denied);
	/* The root namespace's policy applies in every namespace. */
	assert_string_equal(J(s, CLIENT, HTTPBIN, 80, "TRACE", "h", "/x"), "deny");
	assert_string_equal(J(s, CLIENT, "10.3.0.7", 80, "TRACE", "h", "/x"), "deny");
	assert_string_equal(J(s, CLIENT, "10.3.0.7", 80, "POST", "h", "/x"), "allow");
	px_snapshot_put(s);
}

/* The proxy judges the head it forwards (rewrites and header operations applied), and
 * counts what it decided. */
static void t_request_as_forwarded(void **state)
{
	struct px_snapshot *s = build(
		"apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
		"metadata: {name: token, namespace: foo}\n"
		"spec:\n  selector: {matchLabels: {app: httpbin}}\n  rules:\n"
		"  - when:\n    - key: request.headers[x-token]\n      values: [letmein]\n"
		"---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
		"metadata: {name: no-admin, namespace: foo}\n"
		"spec:\n  selector: {matchLabels: {app: httpbin}}\n  action: DENY\n  rules:\n"
		"  - to:\n    - operation: {paths: [\"/admin*\"], hosts: [rewritten.example]}\n",
		NULL);
	static const char ok[] = "GET /v1/x HTTP/1.1\r\nhost: h\r\nx-token: letmein\r\n\r\n";
	static const char admin[] =
		"GET /admin?q HTTP/1.1\r\nhost: Rewritten.Example:80\r\nx-token: letmein\r\n\r\n";
	struct px_config cfg = { 0 };
	struct px_worker w = { 0 };
	struct px_ep ep = { 0 };
	struct sl_ip peer = ip(CLIENT), pod = ip(HTTPBIN);
	struct req r;

	sl_h1_limits_default(&cfg.limits);
	w.cfg = &cfg;
	memcpy(ep.addr, pod.b, 16);
	ep.port = 8080;
	mkreq(&r, CLIENT, HTTPBIN, 8080, "GET", "h", "/id", NULL);
	/* As received the request has no token; as forwarded it has. */
	assert_true(px_authz_request(&w, s, &peer, &ep, ok, strlen(ok), &r.m));
	assert_false(px_authz_request(&w, s, &peer, &ep, admin, strlen(admin), &r.m));
	/* A head that cannot be read back: the request as received is judged. */
	assert_false(px_authz_request(&w, s, &peer, &ep, "junk", 4, &r.m));
	assert_int_equal(w.stats.v[PX_ST_RBAC_ALLOWED], 1);
	assert_int_equal(w.stats.v[PX_ST_RBAC_DENIED], 2);
	/* No policy selects web: nothing judged, nothing counted. */
	pod = ip(WEB);
	memcpy(ep.addr, pod.b, 16);
	assert_true(px_authz_request(&w, s, &peer, &ep, "junk", 4, &r.m));
	assert_int_equal(w.stats.v[PX_ST_RBAC_ALLOWED], 1);
	free(w.az_fields);
	px_snapshot_put(s);
}

/* ---- Istio's builder inputs ------------------------------------------------------------- */

static struct px_snapshot *build_compat(const char *name, char *err, size_t len)
{
	char path[512];
	struct sl_buf b = {};
	struct px_snapshot_opts o = { .node = "n1" };
	struct px_snapshot *s = NULL;
	size_t flen;
	char *text;

	snprintf(path, sizeof(path), "%s/../shared/compat/istio-authz/%s-in.yaml", srcdir(), name);
	text = read_file(path, &flen);
	if (!text)
		fail_msg("%s: cannot read", path);
	sl_buf_printf(&b, "%s", pods);
	sl_buf_append(&b, text, flen);
	if (px_snapshot_build_opts(path, b.p, b.len, &o, 1, &s, err, len))
		s = NULL;
	free(text);
	sl_buf_free(&b);
	return s;
}

static void t_compat(void **state)
{
	/* Refused by name (CUSTOM, service accounts, trust domains). */
	static const char *const refused[] = {
		"http-custom-simple-http", "http-custom-bad-multiple-providers",
		"http-allow-full-rule", "http-trust-domains",
	};
	struct px_snapshot *s;
	struct px_authz_result res;
	char err[512];
	struct req r;

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		s = build_compat(refused[i], err, sizeof(err));
		if (s)
			fail_msg("%s: accepted", refused[i]);
		assert_non_null(strstr(err, "istio-authz/"));
	}

	s = build_compat("http-allow-path", err, sizeof(err));
	assert_non_null(s);
	/* paths and notPaths both hold "*": nothing passes notPaths. */
	assert_string_equal(J(s, CLIENT, HTTPBIN, 80, "GET", "h", "/exact"), "deny");
	assert_string_equal(J(s, CLIENT, WEB, 80, "GET", "h", "/exact"), "none");
	px_snapshot_put(s);

	s = build_compat("http-deny-and-allow", err, sizeof(err));
	assert_non_null(s);
	/* principals "deny" / "allow" are no pod's: nothing is allowed. */
	assert_string_equal(J(s, CLIENT, HTTPBIN, 80, "GET", "h", "/"), "deny");
	assert_string_equal(J(s, CLIENT, WEB, 80, "GET", "h", "/"), "deny");
	px_snapshot_put(s);

	s = build_compat("http-allow-nil-rule", err, sizeof(err));
	assert_non_null(s);
	assert_string_equal(J(s, CLIENT, HTTPBIN, 80, "GET", "h", "/"), "deny");
	assert_string_equal(J(s, CLIENT, WEB, 80, "GET", "h", "/"), "none");
	px_snapshot_put(s);

	s = build_compat("http-allow-empty-rule", err, sizeof(err));
	assert_non_null(s);
	assert_string_equal(J(s, NOPOD, HTTPBIN, 80, "DELETE", "h", "/x"), "allow");
	px_snapshot_put(s);

	s = build_compat("http-deny-empty-rule", err, sizeof(err));
	assert_non_null(s);
	assert_string_equal(J(s, CLIENT, HTTPBIN, 80, "GET", "h", "/"), "deny");
	px_snapshot_put(s);

	s = build_compat("http-audit-full-rule", err, sizeof(err));
	assert_non_null(s);
	assert_string_equal(judge(s, mkreq(&r, CLIENT, WEB, 80, "GET", "h", "/", NULL), &res),
			    "allow");
	assert_non_null(res.audit);
	px_snapshot_put(s);

	s = build_compat("http-dry-run-allow-and-deny", err, sizeof(err));
	assert_non_null(s);
	assert_string_equal(
		judge(s, mkreq(&r, CLIENT, HTTPBIN, 80, "GET", "h", "/deny", NULL), &res),
		"allow");
	assert_true(res.shadow_denied);
	assert_string_equal(
		judge(s, mkreq(&r, CLIENT, HTTPBIN, 80, "GET", "h", "/allow", NULL), &res),
		"allow");
	assert_false(res.shadow_denied);
	px_snapshot_put(s);

	s = build_compat("http-dry-run-mix", err, sizeof(err));
	assert_non_null(s);
	assert_string_equal(J(s, CLIENT, HTTPBIN, 80, "GET", "h", "/another"), "allow");
	assert_string_equal(J(s, CLIENT, HTTPBIN, 80, "GET", "h", "/allow"), "deny");
	px_snapshot_put(s);

	s = build_compat("http-multiple-policies", err, sizeof(err));
	assert_non_null(s);
	assert_string_equal(J(s, CLIENT, HTTPBIN, 80, "PUT", "google.com", "/"), "allow");
	assert_string_equal(J(s, CLIENT, HTTPBIN, 80, "PUT", "h", "/v1"), "allow");
	assert_string_equal(J(s, CLIENT, HTTPBIN, 80, "GET", "h", "/"), "allow");
	assert_string_equal(J(s, CLIENT, HTTPBIN, 90, "PUT", "h", "/"), "allow");
	assert_string_equal(J(s, CLIENT, HTTPBIN, 91, "PUT", "h", "/"), "deny");
	px_snapshot_put(s);

	s = build_compat("http-allow-host-before-111", err, sizeof(err));
	assert_non_null(s);
	assert_string_equal(J(s, CLIENT, HTTPBIN, 80, "GET", "example.com", "/"), "deny");
	px_snapshot_put(s);

	s = build_compat("http-simple-policy-principal-with-wildcard", err, sizeof(err));
	assert_non_null(s);
	assert_string_equal(J(s, CLIENT, HTTPBIN, 80, "GET", "h", "/"), "allow");
	assert_string_equal(J(s, NOPOD, HTTPBIN, 80, "GET", "h", "/"), "deny");
	px_snapshot_put(s);

	s = build_compat("http-single-policy", err, sizeof(err));
	assert_non_null(s);
	assert_string_equal(J(s, CLIENT, HTTPBIN, 9001, "rule[0]-to[0]-method[1]",
			      "rule[0]-to[0]-host[1]", "rule[0]-to[0]-path[1]"),
			    "deny");
	px_snapshot_put(s);
}

/* Every file of ../shared/compat/istio-authz/http-*: decoded and indexed, or refused
 * with a position; and a request judged without crashing. */
static void t_compat_all(void **state)
{
	static const char *const names[] = {
		"http-allow-full-rule",
		"http-custom-simple-http",
		"http-deny-and-allow",
		"http-allow-nil-rule",
		"http-audit-full-rule",
		"http-allow-path",
		"http-trust-domains",
		"http-simple-policy-td-aliases",
		"http-dry-run-allow-and-deny",
		"http-single-policy",
		"http-dry-run-allow",
		"http-custom-bad-multiple-providers",
		"http-dry-run-mix",
		"http-deny-empty-rule",
		"http-td-aliases-source-principal",
		"http-multiple-policies",
		"http-allow-empty-rule",
		"http-allow-host-before-111",
		"http-simple-policy-principal-with-wildcard",
		"http-simple-policy-multiple-td-aliases",
	};
	char err[512];
	struct req r;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct px_snapshot *s = build_compat(names[i], err, sizeof(err));

		if (!s) {
			if (!strstr(err, ".yaml:"))
				fail_msg("%s: refused without a position: %s", names[i], err);
			continue;
		}
		J(s, CLIENT, HTTPBIN, 80, "GET", "h", "/");
		px_snapshot_put(s);
	}
}

/* ---- the L7 handoff --------------------------------------------------------------------- */

static void t_handoff(void **state)
{
	static const char *const svc =
		"apiVersion: v1\nkind: Service\nmetadata: {name: httpbin, namespace: foo}\n"
		"spec: {clusterIP: 10.96.0.10, ports: [{port: 80, targetPort: 8080}]}\n"
		"---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n"
		"metadata: {name: httpbin-1, namespace: foo, labels: {kubernetes.io/service-name: httpbin}}\n"
		"addressType: IPv4\nports: [{port: 8080, protocol: TCP}]\n"
		"endpoints: [{addresses: [10.1.2.3]}]\n"
		"---\napiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: foo}\n"
		"spec: {clusterIP: 10.96.0.11, ports: [{port: 80, targetPort: 8080}]}\n"
		"---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n"
		"metadata: {name: web-1, namespace: foo, labels: {kubernetes.io/service-name: web}}\n"
		"addressType: IPv4\nports: [{port: 8080, protocol: TCP}]\n"
		"endpoints: [{addresses: [10.1.2.4]}]\n---\n";
	static const char *const http_ap =
		"apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
		"metadata: {name: get, namespace: foo}\n"
		"spec:\n  selector: {matchLabels: {app: httpbin}}\n"
		"  rules:\n  - to:\n    - operation: {methods: [GET]}\n";
	static const char *const l4_ap =
		"apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
		"metadata: {name: l4, namespace: foo}\n"
		"spec:\n  selector: {matchLabels: {app: httpbin}}\n"
		"  rules:\n  - to:\n    - operation: {ports: [\"8080\"]}\n";
	static const char *const root_ap =
		"apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
		"metadata: {name: mesh, namespace: istio-system}\n"
		"spec:\n  action: DENY\n  rules:\n  - when:\n"
		"    - {key: \"request.headers[x-evil]\", values: [\"*\"]}\n";
	const char *const cases[][2] = { { http_ap, "L7 httpbin" },
					 { l4_ap, "" },
					 { root_ap, "L7 httpbin L7 web" } };

	for (size_t i = 0; i < 3; i++) {
		for (int l7 = 0; l7 < 2; l7++) {
			struct sl_compile_opts co = { .node = "n1",
						      .l7 = l7,
						      .root_ns = "istio-system" };
			struct sl_objects objs = {};
			struct sl_store st = {};
			struct sl_store_txn txn;
			struct sl_compiled c = {};
			struct sl_buf b = {};
			char err[512], got[64] = "";
			bool l7_of[2] = { false, false };
			size_t it = 0;
			void *val;

			sl_buf_printf(&b, "%s%s%s", pods, svc, cases[i][0]);
			assert_int_equal(sl_decode_stream("t.yaml", b.p, b.len, &objs, NULL, err,
							  sizeof(err)),
					 0);
			sl_store_txn_begin(&txn, &st);
			for (size_t k = 0; k < objs.n; k++) {
				enum sl_change ch;

				assert_int_equal(sl_store_upsert(&txn, &objs.v[k], &ch), 0);
			}
			sl_store_txn_commit(&txn);
			assert_int_equal(sl_compile(&st, &co, &c, err, sizeof(err)), 0);
			while (sl_htab_next(&c.fe, &it, NULL, NULL, &val)) {
				const struct sl_frontend *fe = val;

				if (fe->flags & SL_SVC_F_L7)
					l7_of[!strcmp(fe->svc->meta.name, "web")] = true;
			}
			snprintf(got, sizeof(got), "%s%s%s", l7_of[0] ? "L7 httpbin" : "",
				 l7_of[0] && l7_of[1] ? " " : "", l7_of[1] ? "L7 web" : "");
			/* Without a proxy nothing is handed over (the kernel applies Istio's
			 * TCP reading). */
			if (l7)
				assert_string_equal(got, cases[i][1]);
			else
				assert_string_equal(got, "");
			sl_compiled_free(&c);
			sl_store_free(&st);
			sl_objects_free(&objs);
			sl_buf_free(&b);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_path_norm_table),
		cmocka_unit_test(t_path_norm_in_place),
		cmocka_unit_test(t_head_normalize),
		cmocka_unit_test(t_path_match),
		cmocka_unit_test(t_host_match),
		cmocka_unit_test(t_no_policy),
		cmocka_unit_test(t_methods_paths_hosts),
		cmocka_unit_test(t_sources),
		cmocka_unit_test(t_when),
		cmocka_unit_test(t_deny_before_allow_audit_dry_run),
		cmocka_unit_test(t_request_as_forwarded),
		cmocka_unit_test(t_compat),
		cmocka_unit_test(t_compat_all),
		cmocka_unit_test(t_handoff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
