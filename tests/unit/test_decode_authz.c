// SPDX-License-Identifier: Apache-2.0
/* sl_decode_stream() on security.istio.io AuthorizationPolicy: every field, missing and
 * empty lists at each level, every refusal with its exact position and path, the inputs of
 * Istio's own builder tests (../shared/compat/istio-authz), and the round trip through the
 * emitter that the agent's state file relies on. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_files.h"

#include "config/decode.h"
#include "config/emit.h"
#include "model/objects.h"

static int decode(const char *text, struct sl_objects *out, char *err, size_t errlen)
{
	return sl_decode_stream("t.yaml", text, strlen(text), out, NULL, err, errlen);
}

static void decode_ok(const char *text, struct sl_objects *out)
{
	char err[512] = "";

	if (decode(text, out, err, sizeof(err)))
		fail_msg("decode failed: %s\n%s", err, text);
}

/* The list holds exactly these values (NULL-terminated), and was written. */
static void want_list(const struct sl_strlist *l, ...)
{
	const char *s;
	va_list ap;
	size_t n = 0;

	assert_true(l->set);
	va_start(ap, l);
	while ((s = va_arg(ap, const char *))) {
		if (n >= l->n)
			fail_msg("list has %zu values, wanted more (next \"%s\")", l->n, s);
		assert_string_equal(l->v[n], s);
		n++;
	}
	va_end(ap);
	assert_int_equal(l->n, n);
}

static void want_unset(const struct sl_strlist *l)
{
	assert_false(l->set);
	assert_int_equal(l->n, 0);
	assert_null(l->v);
}

static const char *label(const struct sl_label *l, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(l[i].key, key))
			return l[i].value;
	return NULL;
}

#define APH                                                                                        \
	"apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n  name: p\n"      \
	"spec:\n" /* 5 lines */
#define SRC APH "  rules:\n  - from:\n    - source:\n" /* 8 lines; fields at column 9 */
#define OPH APH "  rules:\n  - to:\n    - operation:\n" /* 8 lines; fields at column 9 */
#define WHEN APH "  rules:\n  - when:\n" /* 7 lines */

/* ---- valid input ---- */

static void test_full(void **state)
{
	static const char doc[] = "apiVersion: security.istio.io/v1\n"
				  "kind: AuthorizationPolicy\n"
				  "metadata:\n"
				  "  name: web.deny\n"
				  "  namespace: shop\n"
				  "  uid: u-1\n"
				  "  labels: {team: a}\n"
				  "  annotations:\n"
				  "    kubectl.kubernetes.io/last-applied-configuration: x\n"
				  "    istio.io/dry-run: \"true\"\n"
				  "spec:\n"
				  "  selector:\n"
				  "    matchLabels: {app: web, version: v1}\n"
				  "  action: DENY\n"
				  "  rules:\n"
				  "  - from:\n" /* 16 */
				  "    - source:\n"
				  "        principals: [\"cluster.local/ns/a/sa/b\", \"*\"]\n"
				  "        notPrincipals: [\"x*\"]\n"
				  "        namespaces: [a]\n"
				  "        notNamespaces: [\"*-test\"]\n"
				  "        ipBlocks: [10.0.0.0/8, \"fd00::/8\", 192.168.1.1]\n"
				  "        notIpBlocks: [10.1.0.1/16]\n"
				  "        requestPrincipals: [\"iss/sub\"]\n"
				  "        notRequestPrincipals: [\"*\"]\n"
				  "        remoteIpBlocks: [\"::1\"]\n"
				  "        notRemoteIpBlocks: [0.0.0.0/0]\n"
				  "    - source: {namespaces: [b]}\n" /* 28 */
				  "    to:\n"
				  "    - operation:\n" /* 30 */
				  "        ports: [\"80\", 443, \"0\", \"08080\"]\n"
				  "        notPorts: [\"65535\"]\n"
				  "        hosts: [\"*.example.com\"]\n"
				  "        notHosts: [a.example.com]\n"
				  "        methods: [GET]\n"
				  "        notMethods: [DELETE]\n"
				  "        paths: [\"/api/*\", \"/{*}/x/{**}\"]\n"
				  "        notPaths: [\"/admin\"]\n"
				  "    when:\n"
				  "    - key: request.headers[x-user]\n" /* 40 */
				  "      values: [\"a\"]\n"
				  "    - key: destination.port\n"
				  "      notValues: [\"9090\", 9091]\n"
				  "    - key: request.auth.claims[groups][admin]\n"
				  "      values: [\"true\"]\n"
				  "  - {}\n" /* 46 */
				  "status: {validationMessages: []}\n";
	const struct sl_authz_policy *ap;
	const struct sl_authz_rule *r;
	const struct sl_authz_source *s;
	const struct sl_authz_operation *op;
	struct sl_objects l = { 0 };

	decode_ok(doc, &l);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0].kind, SL_KIND_AUTHORIZATION_POLICY);
	ap = &l.v[0].ap;
	assert_string_equal(ap->meta.name, "web.deny");
	assert_string_equal(ap->meta.ns, "shop");
	assert_string_equal(ap->meta.uid, "u-1");
	assert_string_equal(sl_label_get(&ap->meta, "team"), "a");
	assert_true(ap->dry_run);
	assert_int_equal(ap->action, SL_AUTHZ_DENY);
	assert_true(ap->has_selector);
	assert_int_equal(ap->nselector, 2);
	assert_string_equal(label(ap->selector, ap->nselector, "app"), "web");
	assert_string_equal(label(ap->selector, ap->nselector, "version"), "v1");
	assert_true(ap->rules_set);
	assert_int_equal(ap->nrules, 2);

	r = &ap->rules[0];
	assert_int_equal(r->pos.line, 16);
	assert_int_equal(r->pos.col, 5);
	assert_string_equal(r->pos.file, "t.yaml");
	assert_true(r->from_set);
	assert_int_equal(r->nfrom, 2);
	s = &r->from[0];
	assert_int_equal(s->pos.line, 17);
	assert_int_equal(s->pos.col, 7);
	want_list(&s->principals, "cluster.local/ns/a/sa/b", "*", NULL);
	want_list(&s->not_principals, "x*", NULL);
	want_list(&s->namespaces, "a", NULL);
	want_list(&s->not_namespaces, "*-test", NULL);
	/* As written: host bits stay, meaning is the compiler's. */
	want_list(&s->ip_blocks, "10.0.0.0/8", "fd00::/8", "192.168.1.1", NULL);
	want_list(&s->not_ip_blocks, "10.1.0.1/16", NULL);
	want_list(&s->request_principals, "iss/sub", NULL);
	want_list(&s->not_request_principals, "*", NULL);
	want_list(&s->remote_ip_blocks, "::1", NULL);
	want_list(&s->not_remote_ip_blocks, "0.0.0.0/0", NULL);
	s = &r->from[1];
	assert_int_equal(s->pos.line, 28);
	want_list(&s->namespaces, "b", NULL);
	want_unset(&s->principals);
	want_unset(&s->ip_blocks);
	want_unset(&s->not_remote_ip_blocks);

	assert_true(r->to_set);
	assert_int_equal(r->nto, 1);
	op = &r->to[0];
	assert_int_equal(op->pos.line, 30);
	assert_int_equal(op->pos.col, 7);
	/* The unquoted 443 reads as the string "443"; leading zeros stay as written. */
	want_list(&op->ports, "80", "443", "0", "08080", NULL);
	want_list(&op->not_ports, "65535", NULL);
	want_list(&op->hosts, "*.example.com", NULL);
	want_list(&op->not_hosts, "a.example.com", NULL);
	want_list(&op->methods, "GET", NULL);
	want_list(&op->not_methods, "DELETE", NULL);
	want_list(&op->paths, "/api/*", "/{*}/x/{**}", NULL);
	want_list(&op->not_paths, "/admin", NULL);

	assert_true(r->when_set);
	assert_int_equal(r->nwhen, 3);
	assert_int_equal(r->when[0].pos.line, 40);
	assert_int_equal(r->when[0].pos.col, 7);
	assert_string_equal(r->when[0].key, "request.headers[x-user]");
	want_list(&r->when[0].values, "a", NULL);
	want_unset(&r->when[0].not_values);
	assert_string_equal(r->when[1].key, "destination.port");
	want_unset(&r->when[1].values);
	want_list(&r->when[1].not_values, "9090", "9091", NULL);
	assert_string_equal(r->when[2].key, "request.auth.claims[groups][admin]");
	want_list(&r->when[2].values, "true", NULL);

	/* `- {}`: a rule that matches every request. */
	r = &ap->rules[1];
	assert_int_equal(r->pos.line, 46);
	assert_false(r->from_set || r->to_set || r->when_set);
	assert_int_equal(r->nfrom + r->nto + r->nwhen, 0);
	sl_objects_free(&l);
}

static void test_defaults(void **state)
{
	const struct sl_authz_policy *ap;
	struct sl_objects l = { 0 };

	decode_ok("apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
		  "metadata: {name: p}\nspec: {}\n",
		  &l);
	ap = &l.v[0].ap;
	assert_string_equal(ap->meta.ns, "default");
	assert_int_equal(ap->action, SL_AUTHZ_ALLOW);
	assert_false(ap->dry_run);
	assert_false(ap->has_selector);
	assert_int_equal(ap->nselector, 0);
	assert_false(ap->rules_set);
	assert_int_equal(ap->nrules, 0);
	assert_null(ap->rules);
	assert_int_equal(ap->meta.pos.line, 1);
	sl_objects_free(&l);

	/* Explicit ALLOW, dry-run "false", null selector and rules: all the defaults. */
	decode_ok(APH "  action: ALLOW\n  selector: null\n  rules: ~\n", &l);
	ap = &l.v[0].ap;
	assert_int_equal(ap->action, SL_AUTHZ_ALLOW);
	assert_false(ap->has_selector);
	assert_false(ap->rules_set);
	sl_objects_free(&l);
	decode_ok("apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n"
		  "  name: p\n  annotations: {istio.io/dry-run: \"false\"}\nspec:\n"
		  "  action: AUDIT\n",
		  &l);
	ap = &l.v[0].ap;
	assert_false(ap->dry_run);
	assert_int_equal(ap->action, SL_AUTHZ_AUDIT);
	sl_objects_free(&l);
}

/* What `kubectl get -o yaml` adds is read past; v1beta1 and typed lists decode alike. */
static void test_versions_and_noise(void **state)
{
	static const char doc[] =
		"apiVersion: security.istio.io/v1beta1\n"
		"kind: AuthorizationPolicyList\n"
		"metadata: {resourceVersion: \"1\"}\n"
		"items:\n"
		"- metadata:\n"
		"    name: a\n"
		"    namespace: n\n"
		"    creationTimestamp: \"2024-01-01T00:00:00Z\"\n"
		"    generation: 2\n"
		"    resourceVersion: \"77\"\n"
		"    managedFields: [{manager: kubectl, operation: Update}]\n"
		"    annotations: {kubectl.kubernetes.io/last-applied-configuration: \"{}\"}\n"
		"  spec:\n"
		"    targetRefs: []\n"
		"    rules: [{to: [{operation: {ports: [\"22\"]}}]}]\n"
		"  status: {observedGeneration: \"2\"}\n"
		"- apiVersion: security.istio.io/v1\n"
		"  kind: AuthorizationPolicy\n"
		"  metadata: {name: b}\n"
		"  spec: {action: DENY, rules: [{}]}\n";
	struct sl_objects l = { 0 };

	decode_ok(doc, &l);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.v[0].kind, SL_KIND_AUTHORIZATION_POLICY);
	assert_string_equal(l.v[0].ap.meta.name, "a");
	assert_false(l.v[0].ap.dry_run);
	want_list(&l.v[0].ap.rules[0].to[0].ports, "22", NULL);
	assert_int_equal(l.v[1].ap.action, SL_AUTHZ_DENY);
	assert_int_equal(l.v[1].ap.nrules, 1);
	sl_objects_free(&l);

	decode_ok("apiVersion: security.istio.io/v1beta1\nkind: AuthorizationPolicy\n"
		  "metadata: {name: p}\nspec: {action: AUDIT}\n",
		  &l);
	assert_int_equal(l.v[0].ap.action, SL_AUTHZ_AUDIT);
	sl_objects_free(&l);
}

/* Missing and [] are told apart wherever Istio accepts both. */
static void test_missing_vs_empty(void **state)
{
	const struct sl_authz_rule *r;
	struct sl_objects l = { 0 };

	/* rules */
	decode_ok(APH "  rules: []\n", &l);
	assert_true(l.v[0].ap.rules_set);
	assert_int_equal(l.v[0].ap.nrules, 0);
	sl_objects_free(&l);
	decode_ok(APH "  action: ALLOW\n", &l);
	assert_false(l.v[0].ap.rules_set);
	sl_objects_free(&l);

	/* from and to: missing only ([] is refused, see the bad cases) */
	decode_ok(APH "  rules:\n  - to: [{operation: {methods: [GET]}}]\n"
		      "  - from: [{source: {namespaces: [a]}}]\n",
		  &l);
	r = l.v[0].ap.rules;
	assert_false(r[0].from_set);
	assert_null(r[0].from);
	assert_true(r[0].to_set);
	assert_int_equal(r[0].nto, 1);
	assert_true(r[1].from_set);
	assert_false(r[1].to_set);
	assert_false(r[1].when_set);
	sl_objects_free(&l);

	/* when */
	decode_ok(APH "  rules:\n  - when: []\n  - {}\n", &l);
	r = l.v[0].ap.rules;
	assert_true(r[0].when_set);
	assert_int_equal(r[0].nwhen, 0);
	assert_false(r[1].when_set);
	sl_objects_free(&l);

	/* principals (a source), ports (an operation), values (a condition): [] is
	 * refused (the bad cases), missing stays unset */
	decode_ok(APH "  rules:\n  - from:\n    - source: {namespaces: [a]}\n"
		      "    to:\n    - operation: {methods: [GET]}\n"
		      "    when:\n    - {key: source.ip, notValues: [10.0.0.1]}\n",
		  &l);
	r = l.v[0].ap.rules;
	want_unset(&r->from[0].principals);
	want_unset(&r->to[0].ports);
	want_unset(&r->when[0].values);
	/* null reads as missing, as everywhere in the decoder */
	sl_objects_free(&l);
	decode_ok(SRC "        principals: null\n        namespaces: [a]\n", &l);
	want_unset(&l.v[0].ap.rules[0].from[0].principals);
	sl_objects_free(&l);
}

/* Every condition key Istio documents, and the values checked by key. */
static void test_condition_keys(void **state)
{
	static const struct {
		const char *key, *value;
	} ok[] = {
		{ "source.ip", "10.0.0.0/8" },
		{ "remote.ip", "fd00::1" },
		{ "source.namespace", "ns-*" },
		{ "source.principal", "*/ns/a/sa/b" },
		{ "request.headers[User-Agent]", "curl*" },
		{ "request.headers[:method]", "GET" },
		{ "request.auth.principal", "iss/sub" },
		{ "request.auth.audiences", "aud" },
		{ "request.auth.presenter", "p" },
		{ "request.auth.claims[iss]", "https://x" },
		{ "request.auth.claims[nested1][nested2]", "v" },
		{ "destination.ip", "10.0.0.1" },
		{ "destination.port", "0" },
		{ "connection.sni", "*.example.com" },
		{ "experimental.envoy.filters.a.b[c]", "x" },
		{ "experimental.envoy.filters.a[b][c]", "x" },
	};
	struct sl_objects l = { 0 };
	char doc[1024];
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(doc, sizeof(doc), WHEN "    - key: \"%s\"\n      values: [\"%s\"]\n",
			 ok[i].key, ok[i].value);
		decode_ok(doc, &l);
		assert_string_equal(l.v[0].ap.rules[0].when[0].key, ok[i].key);
		want_list(&l.v[0].ap.rules[0].when[0].values, ok[i].value, NULL);
		sl_objects_free(&l);
	}
	/* Values of other keys are free text: "1.2.3" is only an IP for the IP keys. */
	decode_ok(WHEN "    - {key: source.namespace, values: [\"1.2.3\", \"x/y\"]}\n", &l);
	sl_objects_free(&l);
}

static void test_value_syntax(void **state)
{
	static const char *const ips[] = {
		"1.2.3.4", "0.0.0.0/0",	 "10.0.0.1/8",	   "255.255.255.255/32", "::",
		"::/0",	   "fd00::1/64", "2001:db8::/128", "10.0.0.0/10",
	};
	static const char *const ports[] = { "0", "1", "65535", "00080" };
	static const char *const paths[] = {
		"/",
		"/exact",
		"/prefix/*",
		"*/suffix",
		"*",
		"/path/template/{*}",
		"/{**}/path/template",
		"/{*}/{*}/{**}",
		"{*}",
		"/a/{**}/",
		"/a%20b/{*}",
	};
	struct sl_objects l = { 0 };
	char doc[1024];
	size_t i;

	for (i = 0; i < sizeof(ips) / sizeof(ips[0]); i++) {
		snprintf(doc, sizeof(doc), SRC "        ipBlocks: [\"%s\"]\n", ips[i]);
		decode_ok(doc, &l);
		want_list(&l.v[0].ap.rules[0].from[0].ip_blocks, ips[i], NULL);
		sl_objects_free(&l);
	}
	for (i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		snprintf(doc, sizeof(doc), OPH "        notPorts: [\"%s\"]\n", ports[i]);
		decode_ok(doc, &l);
		want_list(&l.v[0].ap.rules[0].to[0].not_ports, ports[i], NULL);
		sl_objects_free(&l);
	}
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		snprintf(doc, sizeof(doc), OPH "        paths: [\"%s\"]\n", paths[i]);
		decode_ok(doc, &l);
		sl_objects_free(&l);
	}
}

/* ---- bad input ---- */

static const struct bad_case {
	const char *name;
	const char *in;
	const char *prefix; /* exact "t.yaml:L:C: " */
	const char *says;
} bad_cases[] = {
	/* kind, version, top level, metadata */
	{ "v1alpha1",
	  "apiVersion: security.istio.io/v1alpha1\nkind: AuthorizationPolicy\nmetadata: {name: p}\n",
	  "t.yaml:1:13: ",
	  "apiVersion: security.istio.io/v1alpha1 is not supported for kind AuthorizationPolicy "
	  "(expected security.istio.io/v1 or security.istio.io/v1beta1)" },
	{ "no-spec",
	  "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: p}\n",
	  "t.yaml:1:1: ", "spec: required" },
	{ "bad-name",
	  "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: P}\nspec: {}\n",
	  "t.yaml:3:18: ", "metadata.name: \"P\" is not a DNS-1123 subdomain" },
	{ "top-unknown", APH "  rules: []\nextra: 1\n", "t.yaml:7:1: ", "extra: unknown field" },
	{ "spec-seq",
	  "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
	  "metadata: {name: p}\nspec: []\n",
	  "t.yaml:4:7: ", "spec: expected a mapping" },

	/* istio.io/dry-run */
	{ "dry-run-yes",
	  "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n  name: p\n"
	  "  annotations:\n    istio.io/dry-run: \"yes\"\nspec: {}\n",
	  "t.yaml:6:23: ",
	  "metadata.annotations[\"istio.io/dry-run\"]: \"yes\" is not a valid value for annotation "
	  "istio.io/dry-run (\"true\" or \"false\")" },
	{ "dry-run-capital",
	  "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n  name: p\n"
	  "  annotations:\n    istio.io/dry-run: \"True\"\nspec: {}\n",
	  "t.yaml:6:23: ", "\"True\" is not a valid value for annotation istio.io/dry-run" },
	{ "dry-run-bool",
	  "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n  name: p\n"
	  "  annotations:\n    istio.io/dry-run: true\nspec: {}\n",
	  "t.yaml:6:23: ",
	  "metadata.annotations[\"istio.io/dry-run\"]: expected a string, got a boolean" },
	{ "dry-run-null",
	  "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n  name: p\n"
	  "  annotations:\n    istio.io/dry-run:\nspec: {}\n",
	  "t.yaml:6:22: ",
	  "metadata.annotations[\"istio.io/dry-run\"]: expected a string, got null" },
	{ "annotations-seq",
	  "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n  name: p\n"
	  "  annotations: [a]\nspec: {}\n",
	  "t.yaml:5:16: ", "metadata.annotations: expected a mapping, got a sequence" },

	/* spec */
	{ "spec-unknown", APH "  rulez: []\n", "t.yaml:6:3: ", "spec.rulez: unknown field" },
	{ "custom", APH "  action: CUSTOM\n  provider: {name: ext}\n  rules: [{}]\n",
	  "t.yaml:6:11: ",
	  "spec.action: CUSTOM (external authorization through a provider) is not supported" },
	{ "action-lower", APH "  action: allow\n",
	  "t.yaml:6:11: ", "spec.action: \"allow\" is not a valid action (ALLOW, DENY or AUDIT)" },
	{ "action-int", APH "  action: 1\n",
	  "t.yaml:6:11: ", "spec.action: expected a string, got an integer" },
	{ "provider", APH "  provider: {name: ext}\n  rules: [{}]\n", "t.yaml:6:3: ",
	  "spec.provider: providers are only for action CUSTOM (external authorization), which is "
	  "not supported" },
	{ "target-ref", APH "  targetRef: {kind: Gateway, name: g}\n", "t.yaml:6:3: ",
	  "spec.targetRef: targetRef is not supported (Sluice selects workloads by labels" },
	{ "target-refs", APH "  targetRefs:\n  - {kind: Service, name: s}\n",
	  "t.yaml:6:3: ", "spec.targetRefs: targetRefs is not supported" },
	{ "deny-no-rules", APH "  action: DENY\n", "t.yaml:5:1: ",
	  "spec.rules: a DENY policy without rules never matches (Istio refuses it): add an empty "
	  "rule {} to deny every request" },
	{ "deny-empty-rules", APH "  action: DENY\n  rules: []\n",
	  "t.yaml:7:3: ", "spec.rules: a DENY policy without rules never matches" },

	/* selector */
	{ "selector-empty", APH "  selector: {}\n", "t.yaml:6:13: ",
	  "spec.selector: an empty selector is refused (it could mean every workload or none): "
	  "omit selector to select every workload of the namespace" },
	{ "selector-empty-labels", APH "  selector:\n    matchLabels: {}\n",
	  "t.yaml:7:18: ", "spec.selector.matchLabels: an empty selector is refused" },
	{ "selector-null-labels", APH "  selector:\n    matchLabels:\n",
	  "t.yaml:7:5: ", "spec.selector: an empty selector is refused" },
	{ "selector-unknown", APH "  selector: {labels: {a: b}}\n",
	  "t.yaml:6:14: ", "spec.selector.labels: unknown field" },
	{ "selector-wildcard", APH "  selector: {matchLabels: {app: \"*\"}}\n",
	  "t.yaml:6:33: ", "spec.selector.matchLabels[\"app\"]: \"*\" is not a valid label value" },
	{ "selector-labels-seq", APH "  selector: {matchLabels: [a]}\n",
	  "t.yaml:6:27: ", "spec.selector.matchLabels: expected a mapping, got a sequence" },

	/* rules, from, to */
	{ "rules-map", APH "  rules: {}\n", "t.yaml:6:10: ", "spec.rules: expected a sequence" },
	{ "rule-null", APH "  rules:\n  - null\n",
	  "t.yaml:7:5: ", "spec.rules[0]: expected a mapping, got null" },
	{ "rule-unknown", APH "  rules:\n  - form: []\n",
	  "t.yaml:7:5: ", "spec.rules[0].form: unknown field" },
	{ "from-empty", APH "  rules:\n  - from: []\n", "t.yaml:7:11: ",
	  "spec.rules[0].from: must not be empty (omit it to match every source)" },
	{ "to-empty", APH "  rules:\n  - to: []\n", "t.yaml:7:9: ",
	  "spec.rules[0].to: must not be empty (omit it to match every operation)" },
	{ "from-unknown", APH "  rules:\n  - from:\n    - sources: {}\n",
	  "t.yaml:8:7: ", "spec.rules[0].from[0].sources: unknown field" },
	{ "to-unknown", APH "  rules:\n  - to:\n    - op: {}\n",
	  "t.yaml:8:7: ", "spec.rules[0].to[0].op: unknown field" },
	{ "source-missing", APH "  rules:\n  - from:\n    - {}\n",
	  "t.yaml:8:7: ", "spec.rules[0].from[0].source: required" },
	{ "operation-missing", APH "  rules:\n  - to:\n    - operation: null\n",
	  "t.yaml:8:7: ", "spec.rules[0].to[0].operation: required" },
	{ "source-empty", APH "  rules:\n  - from:\n    - source: {}\n", "t.yaml:8:15: ",
	  "spec.rules[0].from[0].source: a source must list at least one value (Istio refuses an "
	  "empty one)" },
	{ "source-only-empty-lists", APH "  rules:\n  - from:\n    - source: {principals: []}\n",
	  "t.yaml:8:28: ", "spec.rules[0].from[0].source.principals: must not be empty" },
	{ "source-empty-list", APH "  rules:\n  - from:\n    - source: {principals: [], namespaces: [a]}\n",
	  "t.yaml:8:28: ", "spec.rules[0].from[0].source.principals: must not be empty" },
	{ "operation-empty-list", APH "  rules:\n  - to:\n    - operation: {ports: [], methods: [GET]}\n",
	  "t.yaml:8:26: ", "spec.rules[0].to[0].operation.ports: must not be empty" },
	{ "operation-empty", APH "  rules:\n  - to:\n    - operation: {}\n", "t.yaml:8:18: ",
	  "spec.rules[0].to[0].operation: an operation must list at least one value" },

	/* source fields */
	{ "source-unknown", APH "  rules:\n  - from:\n    - source: {principal: [a]}\n",
	  "t.yaml:8:16: ", "spec.rules[0].from[0].source.principal: unknown field" },
	{ "service-accounts", SRC "        serviceAccounts: [a/b]\n", "t.yaml:9:9: ",
	  "spec.rules[0].from[0].source.serviceAccounts: matching on service accounts is not "
	  "supported yet" },
	{ "not-trust-domains", SRC "        notTrustDomains: [x]\n", "t.yaml:9:9: ",
	  "spec.rules[0].from[0].source.notTrustDomains: matching on trust domains is not "
	  "supported yet" },
	{ "empty-value", SRC "        principals: [\"\"]\n", "t.yaml:9:22: ",
	  "spec.rules[0].from[0].source.principals[0]: empty value (Istio refuses it)" },
	{ "value-int", SRC "        namespaces: [1]\n", "t.yaml:9:22: ",
	  "spec.rules[0].from[0].source.namespaces[0]: expected a string, got an integer" },
	{ "value-null", SRC "        namespaces: [null]\n",
	  "t.yaml:9:22: ", "namespaces[0]: expected a string, got null" },
	{ "list-map", SRC "        principals: {a: b}\n", "t.yaml:9:21: ",
	  "spec.rules[0].from[0].source.principals: expected a sequence, got a mapping" },
	{ "cidr-prefix", SRC "        ipBlocks: [\"10.0.0.0/33\"]\n", "t.yaml:9:20: ",
	  "spec.rules[0].from[0].source.ipBlocks[0]: \"10.0.0.0/33\": prefix length out of range "
	  "(0-32 for IPv4, 0-128 for IPv6)" },
	{ "cidr-v6-prefix", SRC "        ipBlocks: [\"fd00::/129\"]\n",
	  "t.yaml:9:20: ", "ipBlocks[0]: \"fd00::/129\": prefix length out of range" },
	{ "cidr-bad-addr", SRC "        notIpBlocks: [\"10.0.0.256\"]\n", "t.yaml:9:23: ",
	  "spec.rules[0].from[0].source.notIpBlocks[0]: \"10.0.0.256\" is not an IP address or "
	  "CIDR block" },
	{ "cidr-leading-zero", SRC "        remoteIpBlocks: [\"10.0.0.0/08\"]\n", "t.yaml:9:26: ",
	  "remoteIpBlocks[0]: \"10.0.0.0/08\" is not an IP address or CIDR block" },
	{ "cidr-no-len", SRC "        ipBlocks: [\"10.0.0.0/\"]\n",
	  "t.yaml:9:20: ", "\"10.0.0.0/\" is not an IP address or CIDR block" },
	{ "cidr-two-slashes", SRC "        ipBlocks: [\"10.0.0.0/8/8\"]\n",
	  "t.yaml:9:20: ", "\"10.0.0.0/8/8\" is not an IP address" },
	{ "cidr-octal", SRC "        ipBlocks: [\"010.0.0.1\"]\n",
	  "t.yaml:9:20: ", "\"010.0.0.1\" is not an IP address" },
	{ "cidr-mapped", SRC "        notRemoteIpBlocks: [\"::ffff:10.0.0.1\"]\n", "t.yaml:9:29: ",
	  "notRemoteIpBlocks[0]: \"::ffff:10.0.0.1\": IPv4-mapped IPv6 addresses are not "
	  "supported (write the IPv4 address)" },
	{ "ip-second", SRC "        ipBlocks: [1.2.3.4, bad]\n", "t.yaml:9:29: ",
	  "spec.rules[0].from[0].source.ipBlocks[1]: \"bad\" is not an IP address" },

	/* operation fields */
	{ "operation-unknown", APH "  rules:\n  - to:\n    - operation: {port: [\"80\"]}\n",
	  "t.yaml:8:19: ", "spec.rules[0].to[0].operation.port: unknown field" },
	{ "port-range", OPH "        ports: [\"65536\"]\n", "t.yaml:9:17: ",
	  "spec.rules[0].to[0].operation.ports[0]: \"65536\" is not a port number (decimal, "
	  "0-65535)" },
	{ "port-name", OPH "        notPorts: [http]\n", "t.yaml:9:20: ",
	  "spec.rules[0].to[0].operation.notPorts[0]: \"http\" is not a port number" },
	{ "port-sign", OPH "        ports: [\"+80\"]\n",
	  "t.yaml:9:17: ", "\"+80\" is not a port number" },
	{ "port-range-list", OPH "        ports: [\"80-90\"]\n",
	  "t.yaml:9:17: ", "\"80-90\" is not a port number" },
	{ "port-hex", OPH "        ports: [0x50]\n",
	  "t.yaml:9:17: ", "ports[0]: expected a decimal port number, got 0x50" },
	{ "port-leading-zero-plain", OPH "        ports: [080]\n",
	  "t.yaml:9:17: ", "ports[0]: expected a decimal port number, got 080" },
	{ "port-negative", OPH "        ports: [-1]\n",
	  "t.yaml:9:17: ", "expected a decimal port number, got -1" },
	{ "port-int-range", OPH "        ports: [70000]\n",
	  "t.yaml:9:17: ", "ports[0]: 70000 is out of range (0-65535)" },
	{ "port-float", OPH "        ports: [8.0]\n",
	  "t.yaml:9:17: ", "ports[0]: expected a string, got a float" },
	{ "methods-int", OPH "        methods: [1]\n",
	  "t.yaml:9:19: ", "methods[0]: expected a string, got an integer" },
	{ "path-any-not-last", OPH "        paths: [\"/{**}/a/{*}\"]\n", "t.yaml:9:17: ",
	  "spec.rules[0].to[0].operation.paths[0]: \"/{**}/a/{*}\": {**} must be the last operator "
	  "of a path template" },
	{ "path-brace", OPH "        notPaths: [\"/a{b}\"]\n", "t.yaml:9:20: ",
	  "notPaths[0]: \"/a{b}\": '{' and '}' are only allowed as whole {*} or {**} segments" },
	{ "path-named-var", OPH "        paths: [\"/{name}/x\"]\n",
	  "t.yaml:9:17: ", "'{' and '}' are only allowed" },
	{ "path-template-glob", OPH "        paths: [\"/{*}/a*\"]\n", "t.yaml:9:17: ",
	  "\"/{*}/a*\": in a path template every other segment must be a literal" },
	{ "path-template-empty-seg", OPH "        paths: [\"/{*}//a\"]\n",
	  "t.yaml:9:17: ", "in a path template every other segment must be a literal" },

	/* when */
	{ "when-map", APH "  rules:\n  - when: {key: a}\n",
	  "t.yaml:7:11: ", "spec.rules[0].when: expected a sequence" },
	{ "when-unknown", WHEN "    - {key: source.ip, value: [1.2.3.4]}\n",
	  "t.yaml:8:24: ", "spec.rules[0].when[0].value: unknown field" },
	{ "when-key-missing", WHEN "    - values: [a]\n",
	  "t.yaml:8:7: ", "spec.rules[0].when[0].key: required" },
	{ "when-key-empty", WHEN "    - key: \"\"\n      values: [a]\n",
	  "t.yaml:8:12: ", "spec.rules[0].when[0].key: must not be empty" },
	{ "when-key-int", WHEN "    - key: 1\n      values: [a]\n",
	  "t.yaml:8:12: ", "spec.rules[0].when[0].key: expected a string, got an integer" },
	{ "when-key-unknown", WHEN "    - key: request.header[x]\n      values: [a]\n",
	  "t.yaml:8:12: ",
	  "spec.rules[0].when[0].key: unknown condition key \"request.header[x]\"" },
	{ "when-key-no-family", WHEN "    - key: request.headers\n      values: [a]\n",
	  "t.yaml:8:12: ", "unknown condition key \"request.headers\"" },
	{ "when-key-headers-empty", WHEN "    - key: request.headers[]\n      values: [a]\n",
	  "t.yaml:8:12: ", "\"request.headers[]\" is not of the form request.headers[NAME]" },
	{ "when-key-headers-open", WHEN "    - key: request.headers[a\n      values: [a]\n",
	  "t.yaml:8:12: ", "is not of the form request.headers[NAME]" },
	{ "when-key-headers-nested", WHEN "    - key: request.headers[a][b]\n      values: [a]\n",
	  "t.yaml:8:12: ", "is not of the form request.headers[NAME]" },
	{ "when-key-claims-empty", WHEN "    - key: request.auth.claims[a][]\n      values: [a]\n",
	  "t.yaml:8:12: ", "\"request.auth.claims[a][]\" is not of the form request.auth.claims" },
	{ "when-key-claims-trailing",
	  WHEN "    - key: request.auth.claims[a]x\n      values: [a]\n",
	  "t.yaml:8:12: ", "is not of the form request.auth.claims" },
	{ "when-key-experimental",
	  WHEN "    - key: experimental.envoy.filters.x\n      values: [a]\n", "t.yaml:8:12: ",
	  "\"experimental.envoy.filters.x\" is not of the form "
	  "experimental.envoy.filters.FILTER[FIELD]" },
	{ "when-key-experimental-noname",
	  WHEN "    - key: experimental.envoy.filters.[x]\n      values: [a]\n",
	  "t.yaml:8:12: ", "is not of the form experimental.envoy.filters.FILTER[FIELD]" },
	{ "when-key-dest-ns", WHEN "    - key: destination.namespace\n      values: [a]\n",
	  "t.yaml:8:12: ",
	  "destination.namespace is refused by Istio: the policy's namespace says it" },
	{ "when-key-dest-labels", WHEN "    - key: destination.labels[app]\n      values: [a]\n",
	  "t.yaml:8:12: ", "destination.labels[app] is refused by Istio: use the selector" },
	{ "when-key-dest-user", WHEN "    - key: destination.user\n      values: [a]\n",
	  "t.yaml:8:12: ", "destination.user is only in Istio's v1alpha1 RBAC API" },
	{ "when-key-source-sa", WHEN "    - key: source.serviceAccount\n      values: [a/b]\n",
	  "t.yaml:8:12: ", "condition key source.serviceAccount is not supported yet" },
	{ "when-no-values", WHEN "    - key: source.ip\n", "t.yaml:8:7: ",
	  "spec.rules[0].when[0]: at least one of values and notValues must list a value" },
	{ "when-empty-values", WHEN "    - {key: source.ip, values: [], notValues: [10.0.0.1]}\n",
	  "t.yaml:8:32: ", "spec.rules[0].when[0].values: must not be empty" },
	{ "when-ip-value", WHEN "    - key: source.ip\n      values: [10.0.0.0/40]\n",
	  "t.yaml:9:16: ",
	  "spec.rules[0].when[0].values[0]: \"10.0.0.0/40\": prefix length out of range" },
	{ "when-dest-ip-value", WHEN "    - key: destination.ip\n      notValues: [x]\n",
	  "t.yaml:9:19: ", "notValues[0]: \"x\" is not an IP address or CIDR block" },
	{ "when-port-value", WHEN "    - key: destination.port\n      notValues: [abc]\n",
	  "t.yaml:9:19: ", "spec.rules[0].when[0].notValues[0]: \"abc\" is not a port number" },
	{ "when-empty-value", WHEN "    - key: source.namespace\n      values: [a, \"\"]\n",
	  "t.yaml:9:19: ", "spec.rules[0].when[0].values[1]: empty value" },
};

static void test_bad_table(void **state)
{
	size_t i, failed = 0;

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *b = &bad_cases[i];
		struct sl_objects l = { 0 };
		char err[512] = "";
		int r;

		/* Every case is run and every mismatch printed, then the test fails. */
		r = decode(b->in, &l, err, sizeof(err));
		if (r != -EINVAL) {
			print_error("%s: expected -EINVAL, got %d (%s)\n", b->name, r, err);
			failed++;
		} else if (strncmp(err, b->prefix, strlen(b->prefix)) || !strstr(err, b->says)) {
			print_error("%s: got \"%s\", want prefix \"%s\" and \"%s\"\n", b->name, err,
				    b->prefix, b->says);
			failed++;
		}
		assert_int_equal(l.n, 0);
		assert_null(l.v);
		sl_objects_free(&l);
	}
	assert_int_equal(failed, 0);
}

/* ---- Istio's builder test inputs (../shared/compat, real Istio files) ---- */

static int compat_dir(char *dir, size_t len)
{
	snprintf(dir, len, "%s/../shared/compat/istio-authz", srcdir());
	return access(dir, R_OK);
}

/* Decodes ../shared/compat/istio-authz/NAME into l (fails the test on error). */
static void decode_compat(const char *name, struct sl_objects *l)
{
	char dir[4096], path[4400], err[1024] = "";
	size_t len;
	char *buf;

	if (compat_dir(dir, sizeof(dir)))
		skip();
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	buf = read_file(path, &len);
	assert_non_null(buf);
	if (sl_decode_stream(name, buf, len, l, NULL, err, sizeof(err)))
		fail_msg("%s", err);
	free(buf);
}

/*
 * Refused, with the first error at this line and column, naming this: CUSTOM (external
 * authorization), and two Source fields newer than the model (serviceAccounts,
 * trustDomains), refused by name rather than dropped.
 */
static const struct {
	const char *file;
	int line, col;
	const char *says;
} compat_refused[] = {
	{ "http-custom-bad-multiple-providers-in.yaml", 7, 11, "spec.action: CUSTOM" },
	{ "http-custom-simple-http-in.yaml", 7, 11, "spec.action: CUSTOM" },
	{ "tcp-custom-both-http-tcp-in.yaml", 7, 11, "spec.action: CUSTOM" },
	{ "tcp-custom-only-http-in.yaml", 7, 11, "spec.action: CUSTOM" },
	{ "http-allow-full-rule-in.yaml", 14, 13,
	  "spec.rules[0].from[0].source.serviceAccounts: matching on service accounts" },
	{ "http-trust-domains-in.yaml", 14, 13,
	  "spec.rules[0].from[0].source.trustDomains: matching on trust domains" },
};

static void test_compat_all(void **state)
{
	char dir[4096], path[4400], err[1024], want[4600];
	size_t nfiles = 0, nrefused = 0, nobjs = 0;
	struct dirent *de;
	DIR *d;

	if (compat_dir(dir, sizeof(dir)))
		skip();
	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d))) {
		struct sl_objects l = { 0 };
		size_t i, len;
		char *buf;
		int r;

		if (!strstr(de->d_name, ".yaml"))
			continue;
		nfiles++;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		buf = read_file(path, &len);
		assert_non_null(buf);
		err[0] = '\0';
		r = sl_decode_stream(path, buf, len, &l, NULL, err, sizeof(err));
		free(buf);
		for (i = 0; i < sizeof(compat_refused) / sizeof(compat_refused[0]); i++)
			if (!strcmp(de->d_name, compat_refused[i].file))
				break;
		/* Every CUSTOM file is in the table. */
		if (strstr(de->d_name, "custom"))
			assert_true(i < sizeof(compat_refused) / sizeof(compat_refused[0]));
		if (i < sizeof(compat_refused) / sizeof(compat_refused[0])) {
			if (r != -EINVAL)
				fail_msg("%s: decoded, want it refused", de->d_name);
			snprintf(want, sizeof(want), "%s:%d:%d: %s", path, compat_refused[i].line,
				 compat_refused[i].col, compat_refused[i].says);
			if (strncmp(err, want, strlen(want)))
				fail_msg("%s: got \"%s\", want \"%s...\"", de->d_name, err, want);
			if (strstr(de->d_name, "custom"))
				assert_non_null(strstr(err, "CUSTOM"));
			assert_int_equal(l.n, 0);
			nrefused++;
			continue;
		}
		if (r)
			fail_msg("%s", err);
		assert_true(l.n > 0);
		for (i = 0; i < l.n; i++) {
			assert_int_equal(l.v[i].kind, SL_KIND_AUTHORIZATION_POLICY);
			assert_string_equal(l.v[i].meta.ns, "foo");
		}
		nobjs += l.n;
		sl_objects_free(&l);
	}
	closedir(d);
	assert_int_equal(nfiles, 27);
	assert_int_equal(nrefused, sizeof(compat_refused) / sizeof(compat_refused[0]));
	assert_int_equal(nobjs, 33);
}

/* rule[10] of the TCP DENY test: every source, operation and condition field. */
static void test_compat_tcp_deny(void **state)
{
	const struct sl_authz_rule *r;
	const struct sl_authz_source *s;
	const struct sl_authz_operation *op;
	struct sl_objects l = { 0 };
	const struct sl_authz_policy *ap;

	decode_compat("tcp-deny-both-http-tcp-in.yaml", &l);
	assert_int_equal(l.n, 1);
	ap = &l.v[0].ap;
	assert_string_equal(ap->meta.name, "httpbin-deny");
	assert_int_equal(ap->action, SL_AUTHZ_DENY);
	assert_false(ap->has_selector);
	assert_false(ap->dry_run);
	assert_int_equal(ap->nrules, 11);
	/* rule[1]: `from` nil, `to` HTTP; rule[2]: the other way round; rule[8]: `when` only */
	assert_false(ap->rules[1].from_set);
	assert_true(ap->rules[1].to_set);
	assert_true(ap->rules[2].from_set);
	assert_false(ap->rules[2].to_set);
	assert_false(ap->rules[8].from_set || ap->rules[8].to_set);
	assert_string_equal(ap->rules[8].when[0].key, "request.headers[:method]");
	want_list(&ap->rules[9].when[0].values, "80", NULL);

	r = &ap->rules[10];
	assert_string_equal(r->pos.file, "tcp-deny-both-http-tcp-in.yaml");
	assert_int_equal(r->pos.line, 71);
	assert_int_equal(r->pos.col, 5);
	assert_int_equal(r->nfrom, 1);
	s = &r->from[0];
	assert_int_equal(s->pos.line, 72);
	assert_int_equal(s->pos.col, 7);
	want_list(&s->principals, "principal", "*principal-suffix", "principal-prefix*", "*", NULL);
	want_list(&s->request_principals, "requestPrincipals", NULL);
	want_list(&s->namespaces, "ns", "*ns-suffix", "ns-prefix*", "*", NULL);
	want_list(&s->ip_blocks, "1.2.3.4", NULL);
	want_list(&s->remote_ip_blocks, "172.18.4.0/22", NULL);
	want_list(&s->not_principals, "not-principal", "*not-principal-suffix",
		  "not-principal-prefix*", "*", NULL);
	want_list(&s->not_request_principals, "not-requestPrincipals", NULL);
	want_list(&s->not_namespaces, "not-ns", "*not-ns-suffix", "not-ns-prefix*", "*", NULL);
	want_list(&s->not_ip_blocks, "9.0.0.1", NULL);
	want_list(&s->not_remote_ip_blocks, "192.168.244.139", NULL);
	assert_int_equal(r->nto, 1);
	op = &r->to[0];
	assert_int_equal(op->pos.line, 84);
	want_list(&op->methods, "method", NULL);
	want_list(&op->hosts, "exact.com", NULL);
	want_list(&op->ports, "80", NULL);
	want_list(&op->paths, "/exact", NULL);
	want_list(&op->not_methods, "not-method", NULL);
	want_list(&op->not_hosts, "not-exact.com", NULL);
	want_list(&op->not_ports, "8000", NULL);
	want_list(&op->not_paths, "/not-exact", NULL);
	assert_int_equal(r->nwhen, 13);
	assert_int_equal(r->when[0].pos.line, 94);
	assert_int_equal(r->when[0].pos.col, 9);
	assert_string_equal(r->when[0].key, "request.headers[X-header]");
	want_list(&r->when[0].values, "header", NULL);
	want_list(&r->when[0].not_values, "not-header", NULL);
	assert_string_equal(r->when[2].key, "remote.ip");
	want_list(&r->when[2].not_values, "172.19.31.3", NULL);
	assert_string_equal(r->when[10].key, "destination.port");
	want_list(&r->when[10].values, "91", NULL);
	want_list(&r->when[10].not_values, "9001", NULL);
	assert_string_equal(r->when[12].key, "experimental.envoy.filters.a.b[c]");
	want_list(&r->when[12].values, "exact", NULL);
	sl_objects_free(&l);
}

static void test_compat_dry_run(void **state)
{
	struct sl_objects l = { 0 };
	const struct sl_authz_policy *ap;

	decode_compat("tcp-dry-run-mix-in.yaml", &l);
	assert_int_equal(l.n, 2);
	ap = &l.v[0].ap;
	assert_string_equal(ap->meta.name, "httpbin-1");
	assert_true(ap->dry_run);
	assert_int_equal(ap->action, SL_AUTHZ_ALLOW);
	assert_int_equal(ap->nselector, 2);
	assert_string_equal(label(ap->selector, ap->nselector, "app"), "httpbin");
	want_list(&ap->rules[0].to[0].ports, "80", NULL);
	ap = &l.v[1].ap;
	assert_string_equal(ap->meta.name, "httpbin-2");
	assert_false(ap->dry_run);
	want_list(&ap->rules[0].to[0].ports, "9000", NULL);
	sl_objects_free(&l);

	decode_compat("http-dry-run-allow-and-deny-in.yaml", &l);
	assert_true(l.v[0].ap.dry_run && l.v[1].ap.dry_run);
	assert_int_equal(l.v[1].ap.action, SL_AUTHZ_DENY);
	sl_objects_free(&l);
}

static void test_compat_wildcards(void **state)
{
	struct sl_objects l = { 0 };
	const struct sl_authz_rule *r;

	decode_compat("http-simple-policy-principal-with-wildcard-in.yaml", &l);
	r = &l.v[0].ap.rules[0];
	assert_int_equal(r->nfrom, 2);
	want_list(&r->from[0].principals, "*", NULL);
	want_list(&r->from[1].principals, "*/ns/foo/sa/rule[0]-from[1]-principal[0]",
		  "*bar/ns/foo/sa/rule[0]-from[1]-principal[1]", NULL);
	sl_objects_free(&l);

	decode_compat("http-allow-nil-rule-in.yaml", &l);
	assert_false(l.v[0].ap.rules_set);
	assert_true(l.v[0].ap.has_selector);
	sl_objects_free(&l);
	decode_compat("http-allow-empty-rule-in.yaml", &l);
	assert_true(l.v[0].ap.rules_set);
	assert_int_equal(l.v[0].ap.nrules, 1);
	sl_objects_free(&l);
	decode_compat("http-audit-full-rule-in.yaml", &l);
	assert_int_equal(l.v[0].ap.action, SL_AUTHZ_AUDIT);
	assert_false(l.v[0].ap.has_selector);
	sl_objects_free(&l);
}

/* ---- the round trip through the emitter (the agent's state file) ---- */

/* Every missing/empty combination the decoder accepts, in one stream. */
static const char rich[] = APH
	"  rules: []\n"
	"---\n"
	"apiVersion: security.istio.io/v1beta1\nkind: AuthorizationPolicy\nmetadata:\n"
	"  name: d\n  namespace: n\n  uid: \"1\"\n  labels: {\"true\": \"1.0\", b: \"\"}\n"
	"  annotations: {istio.io/dry-run: \"true\", other: x}\n"
	"spec:\n  selector: {matchLabels: {app: web, \"yes\": \"null\"}}\n  action: DENY\n"
	"  rules:\n"
	"  - {}\n"
	"  - when: []\n"
	"  - from:\n    - source: {namespaces: [\"*\"], ipBlocks: [10.0.0.1, "
	"\"fd00::/8\", 10.0.0.0/8], notIpBlocks: [\"::\"]}\n"
	"    - source: {notPrincipals: [\"*-x\"], remoteIpBlocks: "
	"[1.2.3.4], notRemoteIpBlocks: [0.0.0.0/0], notRequestPrincipals: [a], notNamespaces: "
	"[\"0x1F\"]}\n"
	"    to:\n    - operation: {ports: [\"80\", 443, \"0\"], hosts: [\"*\"], "
	"notHosts: [\"1.5\"], methods: [GET], notMethods: [\"yes\"], paths: [\"/{*}\"], "
	"notPaths: [\"/a b\"]}\n"
	"    when:\n    - {key: \"request.headers[x]\", notValues: [\"\\\"q\\\"\"]}\n"
	"    - {key: destination.port, values: [\"1\"]}\n"
	"    - {key: \"request.auth.claims[a][b]\", values: [\"null\", \"~\", \"1:20\"]}\n"
	"---\n"
	"apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: a}\n"
	"spec: {action: AUDIT}\n";

static char *emit(const struct sl_objects *l, enum sl_emit_format fmt, size_t *len)
{
	const struct sl_object **v = calloc(l->n + 1, sizeof(*v));
	char *buf = NULL;
	FILE *f;
	size_t i;

	assert_non_null(v);
	for (i = 0; i < l->n; i++)
		v[i] = &l->v[i];
	f = open_memstream(&buf, len);
	assert_non_null(f);
	assert_int_equal(sl_emit_objects(f, v, l->n, fmt), 0);
	fclose(f);
	free(v);
	return buf;
}

static void round_trip(enum sl_emit_format fmt)
{
	static const char *const files[] = {
		"tcp-deny-both-http-tcp-in.yaml", "tcp-dry-run-mix-in.yaml",
		"http-single-policy-in.yaml",	  "http-multiple-policies-in.yaml",
		"http-allow-nil-rule-in.yaml",	  "http-allow-empty-rule-in.yaml",
		"http-allow-path-in.yaml",
	};
	struct sl_objects a = { 0 }, b = { 0 };
	char err[512] = "", dir[4096], *out, *out2;
	size_t i, len, len2;

	if (sl_decode_stream("rich", rich, strlen(rich), &a, NULL, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(a.n, 3);
	if (!compat_dir(dir, sizeof(dir)))
		for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
			decode_compat(files[i], &a);
	out = emit(&a, fmt, &len);
	if (sl_decode_stream("emitted", out, len, &b, NULL, err, sizeof(err)))
		fail_msg("%s in:\n%s", err, out);
	assert_int_equal(b.n, a.n);
	for (i = 0; i < a.n; i++)
		if (!sl_object_equal(&a.v[i], &b.v[i]))
			fail_msg("object %zu differs after the round trip:\n%s", i, out);
	/* The empty lists came back as lists. */
	assert_true(b.v[0].ap.rules_set);
	assert_true(b.v[1].ap.rules[1].when_set);
	assert_false(b.v[1].ap.rules[2].from[0].principals.set);
	assert_true(b.v[1].ap.rules[2].from[0].namespaces.set);
	assert_true(b.v[1].ap.dry_run);
	/* Deterministic: printing the decoded copy gives the same bytes. */
	out2 = emit(&b, fmt, &len2);
	assert_int_equal(len, len2);
	assert_memory_equal(out, out2, len);
	free(out);
	free(out2);
	sl_objects_free(&a);
	sl_objects_free(&b);
}

static void test_round_trip_json(void **state)
{
	round_trip(SL_EMIT_JSON);
}

static void test_round_trip_yaml(void **state)
{
	round_trip(SL_EMIT_YAML);
}

/* The exact YAML of a small policy: what `sluicectl get ap -o yaml` prints. */
static void test_yaml_shape(void **state)
{
	static const char want[] = "apiVersion: v1\n"
				   "kind: List\n"
				   "items:\n"
				   "- apiVersion: security.istio.io/v1\n"
				   "  kind: AuthorizationPolicy\n"
				   "  metadata:\n"
				   "    name: p\n"
				   "    namespace: default\n"
				   "    annotations:\n"
				   "      istio.io/dry-run: \"true\"\n"
				   "  spec:\n"
				   "    selector:\n"
				   "      matchLabels:\n"
				   "        app: a\n"
				   "    action: DENY\n"
				   "    rules:\n"
				   "    - from:\n"
				   "      - source:\n"
				   "          namespaces:\n"
				   "          - ns\n"
				   "      to:\n"
				   "      - operation:\n"
				   "          ports:\n"
				   "          - \"80\"\n"
				   "      when: []\n"
				   "    - {}\n";
	struct sl_objects l = { 0 };
	size_t len;
	char *out;

	decode_ok("apiVersion: security.istio.io/v1beta1\nkind: AuthorizationPolicy\n"
		  "metadata:\n  name: p\n  annotations: {istio.io/dry-run: \"true\"}\n"
		  "spec:\n  action: DENY\n  selector: {matchLabels: {app: a}}\n  rules:\n"
		  "  - {from: [{source: {namespaces: [ns]}}], to: [{operation: "
		  "{ports: [80]}}], when: []}\n  - {}\n",
		  &l);
	out = emit(&l, SL_EMIT_YAML, &len);
	assert_string_equal(out, want);
	free(out);
	sl_objects_free(&l);
}

/* Clones are equal; equality sees every set flag, ignores positions and label order. */
static void test_clone_and_equal(void **state)
{
	struct sl_objects l = { 0 };
	struct sl_object c;
	struct sl_authz_rule *r;

	if (sl_decode_stream("rich", rich, strlen(rich), &l, NULL, NULL, 0))
		fail();
	assert_int_equal(sl_object_clone(&c, &l.v[1]), 0);
	assert_true(sl_object_equal(&c, &l.v[1]));
	r = &c.ap.rules[2];
	r->pos.line++;
	r->from[0].pos.col++;
	assert_true(sl_object_equal(&c, &l.v[1]));
	r->from[0].principals.set = true;
	assert_false(sl_object_equal(&c, &l.v[1]));
	r->from[0].principals.set = false;
	c.ap.rules[1].when_set = false;
	assert_false(sl_object_equal(&c, &l.v[1]));
	c.ap.rules[1].when_set = true;
	c.ap.dry_run = false;
	assert_false(sl_object_equal(&c, &l.v[1]));
	c.ap.dry_run = true;
	free(r->when[2].values.v[1]);
	r->when[2].values.v[1] = strdup("x");
	assert_false(sl_object_equal(&c, &l.v[1]));
	sl_object_free(&c);
	sl_objects_free(&l);

	/* rules: [] and no rules differ too. */
	decode_ok(APH "  rules: []\n---\n" APH "  action: ALLOW\n", &l);
	assert_false(sl_object_equal(&l.v[0], &l.v[1]));
	sl_objects_free(&l);

	/* Selector labels compare as a set. */
	decode_ok(APH "  selector: {matchLabels: {a: \"1\", b: \"2\"}}\n---\n" APH
		      "  selector: {matchLabels: {b: \"2\", a: \"1\"}}\n",
		  &l);
	assert_true(sl_object_equal(&l.v[0], &l.v[1]));
	sl_objects_free(&l);
	assert_string_equal(sl_kind_name(SL_KIND_AUTHORIZATION_POLICY), "AuthorizationPolicy");
}

static void test_cidr_parse(void **state)
{
	struct sl_ip ip;
	unsigned int n = 99;

	assert_int_equal(sl_cidr_parse("10.1.2.3", &ip, &n), 0);
	assert_int_equal(ip.family, 4);
	assert_int_equal(n, 32);
	assert_int_equal(sl_cidr_parse("10.1.2.3/8", &ip, &n), 0);
	assert_int_equal(n, 8);
	assert_int_equal(ip.b[15], 3); /* host bits kept: masking is the compiler's */
	assert_int_equal(sl_cidr_parse("fd00::/0", &ip, &n), 0);
	assert_int_equal(ip.family, 6);
	assert_int_equal(n, 0);
	assert_int_equal(sl_cidr_parse("::1", &ip, &n), 0);
	assert_int_equal(n, 128);
	n = 7;
	assert_int_equal(sl_cidr_parse("10.0.0.0/33", &ip, &n), -ERANGE);
	assert_int_equal(sl_cidr_parse("::/129", &ip, &n), -ERANGE);
	assert_int_equal(sl_cidr_parse("::/1000", &ip, &n), -ERANGE);
	assert_int_equal(n, 7);
	assert_int_equal(sl_cidr_parse("10.0.0.0/+8", &ip, &n), -EINVAL);
	assert_int_equal(sl_cidr_parse("10.0.0.0/ 8", &ip, &n), -EINVAL);
	assert_int_equal(sl_cidr_parse("/8", &ip, &n), -EINVAL);
	assert_int_equal(sl_cidr_parse("", &ip, &n), -EINVAL);
	assert_int_equal(sl_cidr_parse(NULL, &ip, &n), -EINVAL);
	assert_int_equal(sl_cidr_parse("::ffff:1.2.3.4/120", &ip, &n), -EINVAL);
	assert_int_equal(sl_cidr_parse("fe80::1%eth0", &ip, &n), -EINVAL);
	assert_int_equal(sl_cidr_parse("1111:2222:3333:4444:5555:6666:7777:8888:9999/8", &ip, &n),
			 -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_versions_and_noise),
		cmocka_unit_test(test_missing_vs_empty),
		cmocka_unit_test(test_condition_keys),
		cmocka_unit_test(test_value_syntax),
		cmocka_unit_test(test_bad_table),
		cmocka_unit_test(test_compat_all),
		cmocka_unit_test(test_compat_tcp_deny),
		cmocka_unit_test(test_compat_dry_run),
		cmocka_unit_test(test_compat_wildcards),
		cmocka_unit_test(test_round_trip_json),
		cmocka_unit_test(test_round_trip_yaml),
		cmocka_unit_test(test_yaml_shape),
		cmocka_unit_test(test_clone_and_equal),
		cmocka_unit_test(test_cidr_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
