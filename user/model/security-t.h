/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Istio security configuration (security.istio.io v1, v1beta1) as plain C values:
 * AuthorizationPolicy. Every list remembers whether it was written at all, because a
 * missing field (no constraint) and an empty list (matches nothing) mean different
 * things. Values are kept as written; their meaning (Istio's exact, "prefix*",
 * "*suffix" and "*" matching, CIDRs, ports) is given to them by the policy compiler
 * (user/state/authz.c), after the decoder has checked their syntax.
 * Included by objects-t.h (struct sl_meta_obj, struct sl_label, struct sl_pos come
 * from there).
 */
#ifndef SLUICE_MODEL_SECURITY_T_H
#define SLUICE_MODEL_SECURITY_T_H

#include <stdbool.h>
#include <stddef.h>

/* A list of strings as written. `set` is false when the field is absent; `[]` has set
 * true and n 0. */
struct sl_strlist {
	char **v;
	size_t n;
	bool set;
};

/* rules[].from[].source */
struct sl_authz_source {
	struct sl_strlist principals, not_principals;
	struct sl_strlist namespaces, not_namespaces;
	struct sl_strlist ip_blocks, not_ip_blocks; /* "a.b.c.d", "a.b.c.d/n", IPv6 alike */
	/* HTTP-only: need a request (JWT) or the proxy's view of the client. */
	struct sl_strlist request_principals, not_request_principals;
	struct sl_strlist remote_ip_blocks, not_remote_ip_blocks;
	struct sl_pos pos;
};

/* rules[].to[].operation */
struct sl_authz_operation {
	struct sl_strlist ports, not_ports; /* decimal "1".."65535" */
	/* HTTP-only. */
	struct sl_strlist hosts, not_hosts;
	struct sl_strlist methods, not_methods;
	struct sl_strlist paths, not_paths;
	struct sl_pos pos;
};

/* rules[].when[]: `key` is one of Istio's condition keys (checked by the decoder);
 * at least one of values / notValues is set. */
struct sl_authz_condition {
	char *key;
	struct sl_strlist values, not_values;
	struct sl_pos pos;
};

struct sl_authz_rule {
	struct sl_authz_source *from;
	size_t nfrom;
	bool from_set; /* `from` was written (possibly as []) */
	struct sl_authz_operation *to;
	size_t nto;
	bool to_set;
	struct sl_authz_condition *when;
	size_t nwhen;
	bool when_set;
	struct sl_pos pos;
};

enum sl_authz_action {
	SL_AUTHZ_ALLOW = 0, /* Istio's default when `action` is omitted */
	SL_AUTHZ_DENY,
	SL_AUTHZ_AUDIT, /* matches are flagged and counted; no effect on the verdict */
};

struct sl_authz_policy {
	struct sl_meta_obj meta;
	bool has_selector; /* spec.selector.matchLabels written (never empty: refused) */
	struct sl_label *selector;
	size_t nselector;
	enum sl_authz_action action;
	bool dry_run; /* annotation istio.io/dry-run: "true": evaluated and flagged only */
	struct sl_authz_rule *rules;
	size_t nrules;
	bool rules_set; /* `rules` was written (possibly as []) */
};

#endif /* SLUICE_MODEL_SECURITY_T_H */
