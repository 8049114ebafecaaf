/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal to user/config/: what the per-kind decoders share. A struct d_ctx carries the
 * file name, the field path of the node being decoded ("spec.ports[0].port") and the
 * caller's error buffer; every helper that fails writes "FILE:LINE:COL: PATH: message"
 * there and returns -EINVAL (or -ENOMEM). Decoding stops at the first error.
 */
#ifndef SLUICE_CONFIG_DECODE_INT_H
#define SLUICE_CONFIG_DECODE_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "config/decode.h"
#include "config/yaml_tree.h"
#include "model/objects-t.h"

#define D_PATH_MAX 512

struct d_ctx {
	const char *fname;
	char *err;
	size_t errlen;
	const struct sl_decode_opts *opts;
	char path[D_PATH_MAX];
	size_t plen;
};

/* Error at node `at` (its value position). */
int d_err(struct d_ctx *c, const struct yt_node *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Error at the key `at` was written under (its own position if it has none). */
int d_err_key(struct d_ctx *c, const struct yt_node *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int d_nomem(struct d_ctx *c);

/* Path building: push returns a mark that pop restores. */
size_t d_push_key(struct d_ctx *c, const char *key);
size_t d_push_idx(struct d_ctx *c, size_t i);
size_t d_push_label(struct d_ctx *c, const char *key);
void d_pop(struct d_ctx *c, size_t mark);

/* "a string", "an integer", "a mapping", ... for "expected X, got Y" messages. */
const char *d_type_name(const struct yt_node *n);
bool d_is_null(const struct yt_node *n);
/* The value under `key` in mapping `map`, or NULL when absent or null. */
const struct yt_node *d_get(const struct yt_node *map, const char *key);

/* Every key of `map` must be in the NULL-terminated `known`, else "PATH.key: unknown field"
 * at that key. */
int d_check_keys(struct d_ctx *c, const struct yt_node *map, const char *const *known);
/* "PATH.key: required" at the key `map` sits under. */
int d_missing(struct d_ctx *c, const struct yt_node *map, const char *key);

/* Type checks on a present, non-null node; errors name the current path. */
int d_want_map(struct d_ctx *c, const struct yt_node *n);
int d_want_seq(struct d_ctx *c, const struct yt_node *n);
/* A string scalar (quoted, or plain that does not resolve to another type). */
int d_str(struct d_ctx *c, const struct yt_node *n, const char **out);
int d_strdup(struct d_ctx *c, const struct yt_node *n, char **out);
/* A plain decimal integer within lo..hi. */
int d_int(struct d_ctx *c, const struct yt_node *n, long lo, long hi, long *out);
/* A plain true/false (any capitalisation YAML 1.2 allows). */
int d_bool(struct d_ctx *c, const struct yt_node *n, bool *out);
int d_ip(struct d_ctx *c, const struct yt_node *n, struct sl_ip *out);

/* Field helpers: look `key` up in `map`, decode it with the path extended by the key.
 * An absent or null field leaves *out as it is, or is an error if `required`. */
int f_str(struct d_ctx *c, const struct yt_node *map, const char *key, bool required, char **out);
int f_int(struct d_ctx *c, const struct yt_node *map, const char *key, bool required, long lo,
	  long hi, long *out);
/* Boolean field `key` into a tristate: SL_UNSET when absent (or null). */
int f_tristate(struct d_ctx *c, const struct yt_node *map, const char *key, enum sl_tristate *out);
/* String field `key` borrowed into *s (NULL when absent), its node in *vn. */
int f_str_ref(struct d_ctx *c, const struct yt_node *map, const char *key,
	      const struct yt_node **vn, const char **s);
/* Present field `key` that Sluice refuses: "PATH.key: <why>" at the key. Returns 0 when
 * absent (or null). */
int f_refuse(struct d_ctx *c, const struct yt_node *map, const char *key, const char *why);
/* Like f_refuse(), but an empty sequence, mapping or string is read as absent (protobuf
 * cannot tell them apart, so neither can Istio). */
int f_refuse_nonempty(struct d_ctx *c, const struct yt_node *map, const char *key, const char *why);

/* Kubernetes name rules (k8s.io/apimachinery/pkg/util/validation). */
enum d_name_rule {
	D_NAME_SUBDOMAIN, /* DNS-1123 subdomain, <= 253 */
	D_NAME_LABEL, /* DNS-1123 label, <= 63 */
	D_NAME_1035, /* DNS-1035 label, <= 63 */
};
bool d_name_ok(const char *s, enum d_name_rule rule);
/* Checks a name-like string at node n, "must be a DNS-1123 label ..." on failure. */
int d_check_name(struct d_ctx *c, const struct yt_node *n, const char *s, enum d_name_rule rule);
/* IANA service name as a named port: 1-15 of [a-z0-9-], a letter, no "--", no edge '-'. */
bool d_port_name_ok(const char *s);

/* A map of label key -> value (metadata.labels, subset labels, sourceLabels), keys and
 * values checked as Kubernetes labels; a null value is "". *labels and *n must be empty
 * (NULL, 0) on entry. */
int d_label_map(struct d_ctx *c, const struct yt_node *map, struct sl_label **labels, size_t *n);

/* metadata: name (checked by `rule`), namespace (default "default"), uid, labels. */
int d_meta(struct d_ctx *c, const struct yt_node *root, enum d_name_rule rule,
	   struct sl_meta_obj *m);

/* The value node of annotation `key` (metadata.annotations[key]) in *out, null included
 * so that the caller can refuse it; NULL when there is no such annotation. d_meta() reads
 * annotations past, so this is for the few that change behaviour. Annotations that are not
 * a mapping are an error here. */
int d_annotation(struct d_ctx *c, const struct yt_node *root, const char *key,
		 const struct yt_node **out);

/* Decodes the spec of one kind: the map under "spec", into o. */
typedef int (*d_spec_fn)(struct d_ctx *c, const struct yt_node *spec, struct sl_object *o);
/* The shape every kind with a spec shares: only the known top-level keys, metadata
 * named by `rule`, then a required "spec" decoded by spec_fn under the "spec." path.
 * Anything else at the top (status) is the caller's to read past. */
int d_object_with_spec(struct d_ctx *c, const struct yt_node *root, const char *const *top_keys,
		       enum d_name_rule rule, struct sl_object *o, d_spec_fn spec_fn);

/* Per-kind decoders of one object's root mapping into `o` (kind already set, meta.pos
 * set). On error `o` may hold partial contents: the caller frees it. */
int d_service(struct d_ctx *c, const struct yt_node *root, struct sl_object *o);
int d_endpoint_slice(struct d_ctx *c, const struct yt_node *root, struct sl_object *o);
int d_pod(struct d_ctx *c, const struct yt_node *root, struct sl_object *o);
int d_destination_rule(struct d_ctx *c, const struct yt_node *root, struct sl_object *o);
int d_virtual_service(struct d_ctx *c, const struct yt_node *root, struct sl_object *o);
int d_authorization_policy(struct d_ctx *c, const struct yt_node *root, struct sl_object *o);

/* Shared by the Istio decoders (decode_istio.c). */
/* A host as Istio rules and routes name it: a DNS name, short or qualified; wildcards
 * are refused. Copied into *out. */
int d_istio_host(struct d_ctx *c, const struct yt_node *n, char **out);
/* exportTo: absent, empty or ["*"]; any other scoping is refused. */
int f_export_to(struct d_ctx *c, const struct yt_node *spec);
/* A gateways list (VirtualService, tcp match): only "mesh" (sidecar traffic) is supported. */
int f_gateways(struct d_ctx *c, const struct yt_node *map);

/* protocol: TCP (default) or UDP; SCTP and others are errors. */
int f_protocol(struct d_ctx *c, const struct yt_node *map, uint8_t *out);

/* VirtualService destination {host, subset, port.number} (decode_virtualservice.c). */
int d_route_destination(struct d_ctx *c, const struct yt_node *dm, struct sl_route_dest *d);
/* VirtualService http[] into vs->http (decode_http_route.c); `seq` is the node under
 * "http", the path already extended by it. */
int d_http_routes(struct d_ctx *c, const struct yt_node *seq, struct sl_virtual_service *vs);
/* One corsPolicy into *cp (decode_http_cors.c). */
int d_cors(struct d_ctx *c, const struct yt_node *n, struct sl_http_cors *cp);
/* One HTTPMatchRequest (decode_http_match.c). */
int d_http_match(struct d_ctx *c, const struct yt_node *mm, struct sl_http_match *m);

/* DestinationRule connectionPool and outlierDetection (decode_dr_pool.c), the node
 * under the key, path extended by it. */
int d_conn_pool(struct d_ctx *c, const struct yt_node *cp, struct sl_conn_pool *pool);
int d_outlier(struct d_ctx *c, const struct yt_node *od, struct sl_outlier *o);

/* Values the L7 settings share (decode_http.c). */
/* The position of the key `n` was written under (its own if it has none), for the
 * model's L7 positions. */
void d_key_pos(struct d_ctx *c, const struct yt_node *n, struct sl_pos *pos);
/* Go's time.ParseDuration syntax, which Istio reads protobuf Durations with: decimal
 * numbers with an optional fraction, each with a unit (ns, us, µs, ms, s, m, h):
 * "1h30m", "1.5s", "100ms", and "0". Negative durations are refused. */
int d_duration(struct d_ctx *c, const struct yt_node *n, uint64_t *ns);
enum d_dur_rule {
	D_DUR_MS, /* Istio's ValidateDuration: >= 1ms, a whole number of milliseconds */
	D_DUR_MS_OR_ZERO, /* the same, or 0 (which turns the setting off) */
	D_DUR_ANY, /* any duration >= 0 */
};
/* Duration field `key`: *ns and *set (may be NULL) written only when present. */
int f_duration(struct d_ctx *c, const struct yt_node *map, const char *key, enum d_dur_rule rule,
	       uint64_t *ns, bool *set);
/* A number (integer or float in YAML, a number in JSON), finite. */
int d_double(struct d_ctx *c, const struct yt_node *n, double *out);
/* Percent field `key` ({value: 0..100}, Istio's rule: 0, or 0.0001 to 100). */
int f_percent(struct d_ctx *c, const struct yt_node *map, const char *key, struct sl_percent *out);
/* A StringMatch: {exact|prefix|regex: string} or {} (SL_SM_ANY); regexes checked. */
int d_str_match(struct d_ctx *c, const struct yt_node *n, struct sl_str_match *m);
/* RegexRewrite field `key`: match (a regex) and rewrite, both required. */
int f_regex_rewrite(struct d_ctx *c, const struct yt_node *map, const char *key,
		    struct sl_regex_rewrite *rw);
/* Headers {request, response} {set, add, remove} with Istio's rules on names and values.
 * `authority` (may be NULL) is the route's rewrite.authority: the authority may be
 * rewritten in one place only. */
int d_headers(struct d_ctx *c, const struct yt_node *n, const char *authority,
	      struct sl_headers *h);
/* An HTTP header name (RFC 9110 token characters). */
bool d_header_name_ok(const char *s);

/* Regular expressions (decode_regex.c). Istio validates them with Go's regexp package
 * (RE2 syntax), so the decoder accepts exactly that syntax: Perl classes and flags,
 * (?P<name>), \pN and \p{Name}, non-greedy repetitions; no backreferences or
 * lookarounds; repetition counts up to 1000. Errors name the byte offset. */
int d_regex(struct d_ctx *c, const struct yt_node *n, const char *re);

#endif /* SLUICE_CONFIG_DECODE_INT_H */
