// SPDX-License-Identifier: Apache-2.0
/*
 * security.istio.io AuthorizationPolicy (v1, v1beta1): the workloads it selects, its
 * action (ALLOW, DENY, AUDIT; the istio.io/dry-run annotation) and its rules, kept as
 * written. Every value's syntax is checked here, so that the policy compiler only gives
 * values their meaning. Where Istio's own validation (pkg/config/validation,
 * pkg/config/security) refuses a policy, so does Sluice. CUSTOM (external authorization),
 * targetRef(s) and the source fields the model has no place for are refused by name.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/decode_int.h"
#include "model/objects.h"

static const char *const ap_top_keys[] = {
	"apiVersion", "kind", "metadata", "spec", "status", NULL
};
static const char *const ap_spec_keys[] = { "selector",	 "action",     "rules", "provider",
					    "targetRef", "targetRefs", NULL };
static const char *const selector_keys[] = { "matchLabels", NULL };
static const char *const rule_keys[] = { "from", "to", "when", NULL };
static const char *const from_keys[] = { "source", NULL };
static const char *const to_keys[] = { "operation", NULL };
static const char *const cond_keys[] = { "key", "values", "notValues", NULL };

/* Every field of Source (istio.io/api security/v1beta1, 1.28). */
static const char *const source_keys[] = {
	"principals",
	"notPrincipals",
	"namespaces",
	"notNamespaces",
	"ipBlocks",
	"notIpBlocks",
	"requestPrincipals",
	"notRequestPrincipals",
	"remoteIpBlocks",
	"notRemoteIpBlocks",
	"serviceAccounts",
	"notServiceAccounts",
	"trustDomains",
	"notTrustDomains",
	NULL,
};
static const char *const operation_keys[] = { "ports",	  "notPorts", "hosts",
					      "notHosts", "methods",  "notMethods",
					      "paths",	  "notPaths", NULL };

#define DRY_RUN "istio.io/dry-run"

/* How the values of a list are checked. */
enum v_kind {
	V_STR, /* any non-empty string */
	V_IP, /* an address or a CIDR block */
	V_PORT, /* a port number */
	V_PATH, /* an HTTP path, maybe a path template */
};

struct list_field {
	const char *key;
	size_t off; /* of its struct sl_strlist */
	enum v_kind kind;
};

#define SRC(f) offsetof(struct sl_authz_source, f)
static const struct list_field source_fields[] = {
	{ "principals", SRC(principals), V_STR },
	{ "notPrincipals", SRC(not_principals), V_STR },
	{ "namespaces", SRC(namespaces), V_STR },
	{ "notNamespaces", SRC(not_namespaces), V_STR },
	{ "ipBlocks", SRC(ip_blocks), V_IP },
	{ "notIpBlocks", SRC(not_ip_blocks), V_IP },
	{ "requestPrincipals", SRC(request_principals), V_STR },
	{ "notRequestPrincipals", SRC(not_request_principals), V_STR },
	{ "remoteIpBlocks", SRC(remote_ip_blocks), V_IP },
	{ "notRemoteIpBlocks", SRC(not_remote_ip_blocks), V_IP },
};
#undef SRC

#define OP(f) offsetof(struct sl_authz_operation, f)
static const struct list_field operation_fields[] = {
	{ "ports", OP(ports), V_PORT },	   { "notPorts", OP(not_ports), V_PORT },
	{ "hosts", OP(hosts), V_STR },	   { "notHosts", OP(not_hosts), V_STR },
	{ "methods", OP(methods), V_STR }, { "notMethods", OP(not_methods), V_STR },
	{ "paths", OP(paths), V_PATH },	   { "notPaths", OP(not_paths), V_PATH },
};
#undef OP

/* Decimal digits only, at most 65535; leading zeros are read as Istio's strconv.ParseUint
 * reads them. */
static bool port_ok(const char *s)
{
	size_t i, len;
	unsigned long v = 0;

	while (s[0] == '0' && s[1])
		s++;
	len = strlen(s);
	if (!len || len > 5)
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	return v <= 65535;
}

/* A segment of a path template that is a literal: RFC 3986 pchar, as Envoy wants it. */
static bool path_literal_ok(const char *s, size_t len)
{
	size_t i;

	if (!len)
		return false;
	for (i = 0; i < len; i++) {
		char ch = s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || strchr("-._~%!$&'()+,;:@=", ch)))
			return false;
	}
	return true;
}

static bool seg_is(const char *s, size_t len, const char *what)
{
	return len == strlen(what) && !memcmp(s, what, len);
}

/*
 * Istio's check of paths (pkg/config/security CheckValidPathTemplate): '{' and '}' only
 * appear as whole {*} or {**} segments, {**} at most once and after every other operator,
 * and in a path that holds a template every other segment is a literal. Returns what is
 * wrong, or NULL.
 */
static const char *path_error(const char *s)
{
	bool tmpl = strstr(s, "{*}") || strstr(s, "{**}"), any = false;
	const char *b = s, *e = s + strlen(s), *p, *end;

	while (b < e && *b == '/')
		b++;
	while (e > b && e[-1] == '/')
		e--;
	for (p = b;; p = end + 1) {
		size_t len;

		end = memchr(p, '/', (size_t)(e - p));
		if (!end)
			end = e;
		len = (size_t)(end - p);
		if (seg_is(p, len, "{*}") || seg_is(p, len, "{**}")) {
			if (any)
				return "{**} must be the last operator of a path template";
			any = seg_is(p, len, "{**}");
		} else if (memchr(p, '{', len) || memchr(p, '}', len)) {
			return "'{' and '}' are only allowed as whole {*} or {**} segments";
		} else if (tmpl && !path_literal_ok(p, len)) {
			return "in a path template every other segment must be a literal (letters, "
			       "digits and -._~%!$&'()+,;:@=)";
		}
		if (end == e)
			return NULL;
	}
}

/* One value of a list, as a string copied into *out: not empty, and of its kind. */
static int d_value(struct d_ctx *c, const struct yt_node *n, enum v_kind kind, char **out)
{
	const char *s = NULL, *why;
	unsigned int plen;
	struct sl_ip ip;
	int r;

	/* `ports: [80]`: YAML reads a number where Istio's schema wants a string, but what
	 * is meant is plain. Only canonical decimal: 0x50, +80 and 080 (octal to YAML 1.1
	 * readers) would mean different things to different tools. */
	if (kind == V_PORT && n->type == YT_SCALAR && n->stype == YT_S_INT && n->plain) {
		if (n->str[0] < '0' || n->str[0] > '9' || (n->str[0] == '0' && n->str[1]))
			return d_err(c, n, "expected a decimal port number, got %s", n->str);
		if (!port_ok(n->str))
			return d_err(c, n, "%s is out of range (0-65535)", n->str);
		*out = strdup(n->str);
		return *out ? 0 : d_nomem(c);
	}
	r = d_str(c, n, &s);
	if (r)
		return r;
	if (!s[0])
		return d_err(c, n, "empty value (Istio refuses it)");
	switch (kind) {
	case V_STR:
		break;
	case V_IP:
		r = sl_cidr_parse(s, &ip, &plen);
		if (r == -ERANGE)
			return d_err(c, n,
				     "\"%s\": prefix length out of range (0-32 for IPv4, 0-128 for "
				     "IPv6)",
				     s);
		if (r && !strncasecmp(s, "::ffff:", 7))
			return d_err(c, n,
				     "\"%s\": IPv4-mapped IPv6 addresses are not supported (write "
				     "the IPv4 address)",
				     s);
		if (r)
			return d_err(
				c, n,
				"\"%s\" is not an IP address or CIDR block (a.b.c.d, a.b.c.d/n, "
				"or IPv6 alike)",
				s);
		break;
	case V_PORT:
		if (!port_ok(s))
			return d_err(c, n, "\"%s\" is not a port number (decimal, 0-65535)", s);
		break;
	case V_PATH:
		why = path_error(s);
		if (why)
			return d_err(c, n, "\"%s\": %s", s, why);
		break;
	}
	return d_strdup(c, n, out);
}

/* A list of values (absent: l->set stays false). `[]` is refused: Istio reads it as
 * absent (no constraint) while a list of no values reads as "matches nothing" just as
 * easily (Cilium CVE-2025-64715 came from that ambiguity), so the user says which. */
static int d_strlist(struct d_ctx *c, const struct yt_node *seq, enum v_kind kind,
		     struct sl_strlist *l)
{
	size_t i, mark;
	int r;

	r = d_want_seq(c, seq);
	if (r)
		return r;
	l->set = true;
	if (!seq->n)
		return d_err(c, seq,
			     "must not be empty (Istio ignores an empty list: omit the field to "
			     "place no constraint)");
	l->v = calloc(seq->n, sizeof(*l->v));
	if (!l->v)
		return d_nomem(c);
	for (i = 0; !r && i < seq->n; i++) {
		mark = d_push_idx(c, i);
		l->n++;
		r = d_value(c, seq->items[i], kind, &l->v[i]);
		d_pop(c, mark);
	}
	return r;
}

static int f_strlist(struct d_ctx *c, const struct yt_node *map, const char *key, enum v_kind kind,
		     struct sl_strlist *l)
{
	const struct yt_node *v = d_get(map, key);
	size_t mark;
	int r;

	if (!v)
		return 0;
	mark = d_push_key(c, key);
	r = d_strlist(c, v, kind, l);
	d_pop(c, mark);
	return r;
}

/* The lists of `fields` in `map` into the struct at `base`; true in *any when at least one
 * holds a value. */
static int d_fields(struct d_ctx *c, const struct yt_node *map, const struct list_field *fields,
		    size_t n, void *base, bool *any)
{
	size_t i;
	int r;

	*any = false;
	for (i = 0; i < n; i++) {
		struct sl_strlist *l = (struct sl_strlist *)((char *)base + fields[i].off);

		r = f_strlist(c, map, fields[i].key, fields[i].kind, l);
		if (r)
			return r;
		*any |= l->n > 0;
	}
	return 0;
}

static void set_pos(struct d_ctx *c, const struct yt_node *n, struct sl_pos *pos)
{
	pos->file = c->fname;
	pos->line = n->line;
	pos->col = n->col;
}

static int d_source(struct d_ctx *c, const struct yt_node *sm, struct sl_authz_source *s)
{
	bool any;
	int r;

	r = d_want_map(c, sm);
	if (!r)
		r = d_check_keys(c, sm, source_keys);
	if (!r)
		r = f_refuse(c, sm, "serviceAccounts",
			     "matching on service accounts is not supported yet (write principals: "
			     "[\"*/ns/<namespace>/sa/<service account>\"])");
	if (!r)
		r = f_refuse(c, sm, "notServiceAccounts",
			     "matching on service accounts is not supported yet (write "
			     "notPrincipals)");
	if (!r)
		r = f_refuse(c, sm, "trustDomains",
			     "matching on trust domains is not supported yet (write principals: "
			     "[\"<trust domain>/*\"])");
	if (!r)
		r = f_refuse(
			c, sm, "notTrustDomains",
			"matching on trust domains is not supported yet (write notPrincipals)");
	if (!r)
		r = d_fields(c, sm, source_fields, sizeof(source_fields) / sizeof(source_fields[0]),
			     s, &any);
	if (!r && !any)
		r = d_err(c, sm,
			  "a source must list at least one value (Istio refuses an empty one)");
	return r;
}

static int d_operation(struct d_ctx *c, const struct yt_node *om, struct sl_authz_operation *op)
{
	bool any;
	int r;

	r = d_want_map(c, om);
	if (!r)
		r = d_check_keys(c, om, operation_keys);
	if (!r)
		r = d_fields(c, om, operation_fields,
			     sizeof(operation_fields) / sizeof(operation_fields[0]), op, &any);
	if (!r && !any)
		r = d_err(c, om,
			  "an operation must list at least one value (Istio refuses an empty one)");
	return r;
}

/* from[i] (`wrapper` "source") or to[i] ("operation"): the one key every element has. */
static int d_wrapped(struct d_ctx *c, const struct yt_node *em, const char *const *keys,
		     const char *wrapper, const struct yt_node **inner)
{
	int r;

	r = d_want_map(c, em);
	if (!r)
		r = d_check_keys(c, em, keys);
	if (r)
		return r;
	*inner = d_get(em, wrapper);
	return *inner ? 0 : d_missing(c, em, wrapper);
}

static int d_from(struct d_ctx *c, const struct yt_node *seq, struct sl_authz_rule *rule)
{
	const struct yt_node *sm;
	size_t i, mark;
	int r;

	r = d_want_seq(c, seq);
	/* Istio refuses it; and read as "no source matches" it would make a DENY rule deny
	 * less than Istio does with it. */
	if (!r && !seq->n)
		r = d_err(c, seq, "must not be empty (omit it to match every source)");
	if (r)
		return r;
	rule->from_set = true;
	rule->from = calloc(seq->n, sizeof(*rule->from));
	if (!rule->from)
		return d_nomem(c);
	for (i = 0; !r && i < seq->n; i++) {
		mark = d_push_idx(c, i);
		rule->nfrom++;
		set_pos(c, seq->items[i], &rule->from[i].pos);
		r = d_wrapped(c, seq->items[i], from_keys, "source", &sm);
		if (!r) {
			d_push_key(c, "source");
			r = d_source(c, sm, &rule->from[i]);
		}
		d_pop(c, mark);
	}
	return r;
}

static int d_to(struct d_ctx *c, const struct yt_node *seq, struct sl_authz_rule *rule)
{
	const struct yt_node *om;
	size_t i, mark;
	int r;

	r = d_want_seq(c, seq);
	if (!r && !seq->n)
		r = d_err(c, seq, "must not be empty (omit it to match every operation)");
	if (r)
		return r;
	rule->to_set = true;
	rule->to = calloc(seq->n, sizeof(*rule->to));
	if (!rule->to)
		return d_nomem(c);
	for (i = 0; !r && i < seq->n; i++) {
		mark = d_push_idx(c, i);
		rule->nto++;
		set_pos(c, seq->items[i], &rule->to[i].pos);
		r = d_wrapped(c, seq->items[i], to_keys, "operation", &om);
		if (!r) {
			d_push_key(c, "operation");
			r = d_operation(c, om, &rule->to[i]);
		}
		d_pop(c, mark);
	}
	return r;
}

/* "[NAME]" (nested: also "[A][B]..."), every name non-empty and without brackets. */
static bool brackets_ok(const char *s, bool nested)
{
	size_t i, len = strlen(s), seg = 0;

	if (len < 3 || s[0] != '[' || s[len - 1] != ']')
		return false;
	for (i = 1; i < len - 1; i++) {
		if (s[i] != '[' && s[i] != ']') {
			seg++;
			continue;
		}
		if (!nested || s[i] != ']' || s[i + 1] != '[' || !seg || i + 1 == len - 1)
			return false;
		i++;
		seg = 0;
	}
	return seg > 0;
}

static bool has_prefix(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* Istio's condition keys (istio.io/docs/reference/config/security/conditions, and
 * pkg/config/security ValidateAttribute). */
static const struct {
	const char *key;
	enum v_kind kind;
} cond_exact[] = {
	{ "source.ip", V_IP },
	{ "remote.ip", V_IP },
	{ "source.namespace", V_STR },
	{ "source.principal", V_STR },
	{ "request.auth.principal", V_STR },
	{ "request.auth.audiences", V_STR },
	{ "request.auth.presenter", V_STR },
	{ "destination.ip", V_IP },
	{ "destination.port", V_PORT },
	{ "connection.sni", V_STR },
};

/* Checks when[i].key (node n) and says how its values are checked. */
static int d_cond_key(struct d_ctx *c, const struct yt_node *n, const char *key, enum v_kind *kind)
{
	const char *rest;
	size_t i;

	*kind = V_STR;
	for (i = 0; i < sizeof(cond_exact) / sizeof(cond_exact[0]); i++)
		if (!strcmp(key, cond_exact[i].key)) {
			*kind = cond_exact[i].kind;
			return 0;
		}
	if (has_prefix(key, "request.headers[")) {
		if (!brackets_ok(key + strlen("request.headers"), false))
			return d_err(c, n, "\"%s\" is not of the form request.headers[NAME]", key);
		return 0;
	}
	if (has_prefix(key, "request.auth.claims[")) {
		if (!brackets_ok(key + strlen("request.auth.claims"), true))
			return d_err(c, n,
				     "\"%s\" is not of the form request.auth.claims[NAME] (nested: "
				     "[NAME][NAME])",
				     key);
		return 0;
	}
	if (has_prefix(key, "experimental.envoy.filters.")) {
		rest = key + strlen("experimental.envoy.filters.");
		i = strcspn(rest, "[]");
		if (!i || !brackets_ok(rest + i, true))
			return d_err(
				c, n,
				"\"%s\" is not of the form experimental.envoy.filters.FILTER[FIELD]",
				key);
		return 0;
	}
	/* The keys Istio knows but refuses itself, and the newer ones Sluice lacks. */
	if (!strcmp(key, "destination.namespace"))
		return d_err(c, n, "%s is refused by Istio: the policy's namespace says it", key);
	if (has_prefix(key, "destination.labels"))
		return d_err(c, n, "%s is refused by Istio: use the selector", key);
	if (!strcmp(key, "destination.name") || !strcmp(key, "destination.user"))
		return d_err(c, n, "%s is only in Istio's v1alpha1 RBAC API", key);
	if (!strcmp(key, "source.serviceAccount") ||
	    has_prefix(key, "request.experimental.inline.headers"))
		return d_err(c, n, "condition key %s is not supported yet", key);
	return d_err(c, n,
		     "unknown condition key \"%s\" (source.ip, remote.ip, source.namespace, "
		     "source.principal, request.headers[NAME], request.auth.principal, "
		     "request.auth.audiences, request.auth.presenter, request.auth.claims[NAME], "
		     "destination.ip, destination.port, connection.sni, "
		     "experimental.envoy.filters.*)",
		     key);
}

static int d_condition(struct d_ctx *c, const struct yt_node *cm, struct sl_authz_condition *cond)
{
	enum v_kind kind = V_STR;
	const struct yt_node *kn;
	size_t mark;
	int r;

	r = d_want_map(c, cm);
	if (!r)
		r = d_check_keys(c, cm, cond_keys);
	if (!r)
		r = f_str(c, cm, "key", true, &cond->key);
	if (r)
		return r;
	kn = d_get(cm, "key");
	mark = d_push_key(c, "key");
	if (!cond->key[0])
		r = d_err(c, kn, "must not be empty");
	else
		r = d_cond_key(c, kn, cond->key, &kind);
	d_pop(c, mark);
	if (!r)
		r = f_strlist(c, cm, "values", kind, &cond->values);
	if (!r)
		r = f_strlist(c, cm, "notValues", kind, &cond->not_values);
	if (!r && !cond->values.n && !cond->not_values.n)
		r = d_err(c, cm, "at least one of values and notValues must list a value");
	return r;
}

static int d_when(struct d_ctx *c, const struct yt_node *seq, struct sl_authz_rule *rule)
{
	size_t i, mark;
	int r;

	r = d_want_seq(c, seq);
	if (r)
		return r;
	rule->when_set = true;
	if (!seq->n)
		return 0;
	rule->when = calloc(seq->n, sizeof(*rule->when));
	if (!rule->when)
		return d_nomem(c);
	for (i = 0; !r && i < seq->n; i++) {
		mark = d_push_idx(c, i);
		rule->nwhen++;
		set_pos(c, seq->items[i], &rule->when[i].pos);
		r = d_condition(c, seq->items[i], &rule->when[i]);
		d_pop(c, mark);
	}
	return r;
}

static int d_rule(struct d_ctx *c, const struct yt_node *rm, struct sl_authz_rule *rule)
{
	static const struct {
		const char *key;
		int (*fn)(struct d_ctx *c, const struct yt_node *seq, struct sl_authz_rule *rule);
	} parts[] = { { "from", d_from }, { "to", d_to }, { "when", d_when } };
	const struct yt_node *v;
	size_t i, mark;
	int r;

	r = d_want_map(c, rm);
	if (!r)
		r = d_check_keys(c, rm, rule_keys);
	for (i = 0; !r && i < sizeof(parts) / sizeof(parts[0]); i++) {
		v = d_get(rm, parts[i].key);
		if (!v)
			continue;
		mark = d_push_key(c, parts[i].key);
		r = parts[i].fn(c, v, rule);
		d_pop(c, mark);
	}
	return r;
}

static int d_rules(struct d_ctx *c, const struct yt_node *seq, struct sl_authz_policy *ap)
{
	size_t i, mark;
	int r;

	r = d_want_seq(c, seq);
	if (r)
		return r;
	ap->rules_set = true;
	if (!seq->n)
		return 0;
	ap->rules = calloc(seq->n, sizeof(*ap->rules));
	if (!ap->rules)
		return d_nomem(c);
	for (i = 0; !r && i < seq->n; i++) {
		mark = d_push_idx(c, i);
		ap->nrules++;
		set_pos(c, seq->items[i], &ap->rules[i].pos);
		r = d_rule(c, seq->items[i], &ap->rules[i]);
		d_pop(c, mark);
	}
	return r;
}

/*
 * selector.matchLabels. Istio takes an empty selector for every workload of the namespace
 * (with a warning); an empty list of labels reads as "matches nothing" just as easily, so
 * it is refused and the user says which one is meant.
 */
#define EMPTY_SELECTOR                                                                             \
	"an empty selector is refused (it could mean every workload or none): omit selector to "   \
	"select every workload of the namespace"

static int d_selector(struct d_ctx *c, const struct yt_node *sel, struct sl_authz_policy *ap)
{
	const struct yt_node *ml;
	size_t mark;
	int r;

	r = d_want_map(c, sel);
	if (!r)
		r = d_check_keys(c, sel, selector_keys);
	if (r)
		return r;
	ml = d_get(sel, "matchLabels");
	if (!ml)
		return d_err(c, sel, EMPTY_SELECTOR);
	mark = d_push_key(c, "matchLabels");
	r = d_label_map(c, ml, &ap->selector, &ap->nselector);
	if (!r && !ap->nselector)
		r = d_err(c, ml, EMPTY_SELECTOR);
	d_pop(c, mark);
	if (!r)
		ap->has_selector = true;
	return r;
}

static int f_action(struct d_ctx *c, const struct yt_node *spec, struct sl_authz_policy *ap)
{
	static const struct {
		const char *name;
		enum sl_authz_action v;
	} actions[] = {
		{ "ALLOW", SL_AUTHZ_ALLOW },
		{ "DENY", SL_AUTHZ_DENY },
		{ "AUDIT", SL_AUTHZ_AUDIT },
	};
	const struct yt_node *v;
	const char *s;
	size_t i, mark;
	int r;

	ap->action = SL_AUTHZ_ALLOW;
	r = f_str_ref(c, spec, "action", &v, &s);
	if (r || !s)
		return r;
	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (!strcmp(s, actions[i].name)) {
			ap->action = actions[i].v;
			return 0;
		}
	mark = d_push_key(c, "action");
	if (!strcmp(s, "CUSTOM"))
		r = d_err(c, v,
			  "CUSTOM (external authorization through a provider) is not supported");
	else
		r = d_err(c, v, "\"%s\" is not a valid action (ALLOW, DENY or AUDIT)", s);
	d_pop(c, mark);
	return r;
}

static int d_ap_spec(struct d_ctx *c, const struct yt_node *spec, struct sl_authz_policy *ap)
{
	const struct yt_node *v;
	size_t mark;
	int r;

	r = d_want_map(c, spec);
	if (!r)
		r = d_check_keys(c, spec, ap_spec_keys);
	/* The action first: a CUSTOM policy is refused for being CUSTOM, not for its
	 * provider. */
	if (!r)
		r = f_action(c, spec, ap);
	if (!r)
		r = f_refuse(c, spec, "provider",
			     "providers are only for action CUSTOM (external authorization), which "
			     "is not supported");
	if (!r)
		r = f_refuse(c, spec, "targetRef",
			     "targetRef is not supported (Sluice selects workloads by labels: use "
			     "selector)");
	if (!r)
		r = f_refuse_nonempty(c, spec, "targetRefs",
				      "targetRefs is not supported (Sluice selects workloads by "
				      "labels: use selector)");
	if (r)
		return r;
	v = d_get(spec, "selector");
	if (v) {
		mark = d_push_key(c, "selector");
		r = d_selector(c, v, ap);
		d_pop(c, mark);
		if (r)
			return r;
	}
	v = d_get(spec, "rules");
	if (v) {
		mark = d_push_key(c, "rules");
		r = d_rules(c, v, ap);
		d_pop(c, mark);
		if (r)
			return r;
	}
	/* As Istio: such a policy can never match, which is surely not what was meant. */
	if (ap->action == SL_AUTHZ_DENY && !ap->nrules) {
		mark = d_push_key(c, "rules");
		r = d_err_key(
			c, v ?: spec,
			"a DENY policy without rules never matches (Istio refuses it): add an "
			"empty rule {} to deny every request");
		d_pop(c, mark);
	}
	return r;
}

static int d_authorization_policy_spec(struct d_ctx *c, const struct yt_node *spec,
				       struct sl_object *o)
{
	return d_ap_spec(c, spec, &o->ap);
}

/* The istio.io/dry-run annotation: "true" or "false" (Istio parses more spellings; these
 * two are what its documentation writes). */
static int f_dry_run(struct d_ctx *c, const struct yt_node *root, struct sl_authz_policy *ap)
{
	const struct yt_node *v;
	const char *s = NULL;
	size_t mark;
	int r;

	r = d_annotation(c, root, DRY_RUN, &v);
	if (r || !v)
		return r;
	mark = d_push_key(c, "metadata");
	d_push_key(c, "annotations");
	d_push_label(c, DRY_RUN);
	r = d_str(c, v, &s);
	if (!r) {
		if (!strcmp(s, "true"))
			ap->dry_run = true;
		else if (strcmp(s, "false"))
			r = d_err(c, v,
				  "\"%s\" is not a valid value for annotation " DRY_RUN
				  " (\"true\" or \"false\")",
				  s);
	}
	d_pop(c, mark);
	return r;
}

int d_authorization_policy(struct d_ctx *c, const struct yt_node *root, struct sl_object *o)
{
	int r;

	/* status (Istio's validation and reconciliation conditions) is read past. */
	r = d_object_with_spec(c, root, ap_top_keys, D_NAME_SUBDOMAIN, o,
			       d_authorization_policy_spec);
	return r ?: f_dry_run(c, root, &o->ap);
}
