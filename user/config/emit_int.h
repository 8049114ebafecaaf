/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal to user/config/: the emitter's state and the primitives emit.c (the writers,
 * the core kinds, the list) and emit_istio.c (DestinationRule, VirtualService) share.
 * Every primitive is a no-op once e->err is set (the first error is sticky).
 */
#ifndef SLUICE_CONFIG_EMIT_INT_H
#define SLUICE_CONFIG_EMIT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <yaml.h>

#include "config/emit.h"
#include "model/objects-t.h"

#define EMIT_MAX_DEPTH 16

struct emitter {
	enum sl_emit_format fmt;
	FILE *f;
	int err; /* first error, sticky: later calls do nothing */
	/* JSON */
	int depth;
	size_t count[EMIT_MAX_DEPTH]; /* entries written at each open level */
	bool after_key;
	/* YAML */
	yaml_emitter_t ye;
};

/* A mapping key; then exactly one value (scalar or open) must follow. */
void em_key(struct emitter *e, const char *k);
/* Scalars: strings quoted when a YAML reader would take them for something else. */
void em_str(struct emitter *e, const char *v);
void em_int(struct emitter *e, long v);
void em_bool(struct emitter *e, bool v);
/* A double as the shortest text that reads back to the same value. */
void em_double(struct emitter *e, double v);
/* Opens or closes a mapping (map true) or a sequence. */
void em_open(struct emitter *e, bool map);
void em_close(struct emitter *e, bool map);
void em_kv_str(struct emitter *e, const char *k, const char *v);
void em_kv_int(struct emitter *e, const char *k, long v);
void em_kv_bool(struct emitter *e, const char *k, bool v);
/* A duration in the largest unit that divides it exactly: "7s", "100ms", "1500ms". */
void em_kv_duration(struct emitter *e, const char *k, uint64_t ns);
/* `key`: {labels sorted by key}; `extra` (a label the object implies) first when set. */
void emit_label_map(struct emitter *e, const char *key, const struct sl_label *l, size_t n,
		    const char *extra_key, const char *extra_value);
/* apiVersion, kind and metadata. */
void emit_head(struct emitter *e, const char *api, const char *kind, const struct sl_meta_obj *m,
	       const char *svc_name);

/* The networking.istio.io kinds' object bodies (emit_istio.c). */
void emit_dr(struct emitter *e, const struct sl_destination_rule *dr);
void emit_vs(struct emitter *e, const struct sl_virtual_service *vs);

#endif /* SLUICE_CONFIG_EMIT_INT_H */
