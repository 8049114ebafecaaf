/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals of the policy compiler shared by authz_rules.c (policies to normalised
 * rules) and authz.c (classes, groups, verdicts). A normalised rule is an AND of
 * clauses; a clause is an OR of alternatives; an alternative is an AND of fields;
 * a field tests one attribute against a list of values, possibly negated:
 *
 *   from:   one clause, one alternative per source, one field per written list
 *   to:     one clause, one alternative per operation
 *   when:   one clause per condition, with one alternative of its values/notValues
 *
 * A missing `from`, `to` or list adds nothing (no constraint); an empty one adds a
 * clause with no alternative or a field with no value (matches nothing, or for a
 * negated field everything).
 */
#ifndef SLUICE_STATE_AUTHZ_INT_H
#define SLUICE_STATE_AUTHZ_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/htab.h"
#include "model/objects-t.h"
#include "sluice/abi.h"

/* What a source-side value is tested against. */
enum az_prim_kind {
	AZ_PRIM_PRINCIPAL = 1, /* pattern on the source's principal */
	AZ_PRIM_NAMESPACE, /* pattern on the source's namespace */
	AZ_PRIM_SRC_BLOCK, /* the source address is in block `block` */
};

/* A source primitive: interned, shared by every rule that names it. */
struct az_prim {
	enum az_prim_kind kind;
	const char *pattern; /* PRINCIPAL, NAMESPACE */
	uint32_t block; /* SRC_BLOCK: index into az_ctx.src_blocks */
};

enum az_field_kind {
	AZ_F_SRC = 1, /* v: primitive indices */
	AZ_F_PORT, /* v: destination ports (0 never matches) */
	AZ_F_DST, /* v: indices into az_ctx.dst_blocks */
};

struct az_field {
	enum az_field_kind kind;
	bool negate; /* notX / notValues: true when no value matches */
	uint32_t *v;
	size_t n;
};

struct az_alt {
	struct az_field *f;
	size_t n;
};

struct az_clause {
	struct az_alt *a;
	size_t n;
};

struct az_rule {
	struct az_clause *c;
	size_t n;
};

enum az_effect {
	AZ_ALLOW = 1,
	AZ_DENY,
	AZ_AUDIT, /* AUDIT, and any dry-run policy */
};

struct az_policy {
	const struct sl_object *o;
	uint32_t id;
	enum az_effect effect;
	struct az_rule *r;
	size_t nr;
	uint32_t *prims; /* every source primitive its rules name, sorted, unique */
	size_t nprims;
	uint16_t *ports; /* every port its rules name, sorted, unique */
	size_t nports;
};

struct az_block {
	struct sl_lpm_key key;
	uint8_t family; /* 4 or 6 */
};

/* Compile-wide state: interned primitives and blocks, and an arena for the rules. */
struct az_ctx {
	struct az_prim *prims;
	size_t nprims, cprims;
	struct sl_htab prim_idx; /* kind|pattern|block -> index + 1 */
	struct az_block *src_blocks, *dst_blocks;
	size_t nsrc_blocks, csrc_blocks, ndst_blocks, cdst_blocks;
	struct sl_htab src_block_idx, dst_block_idx; /* lpm key -> index + 1 */
	void **arena; /* every allocation of the rules, freed together */
	size_t narena, carena;
	struct sl_buf warnings;
	bool l7; /* sluice-proxy applies HTTP fields to requests through Services */
	bool oom;
};

/* Allocates zeroed memory owned by ctx; NULL (ctx->oom set) when out of memory. */
void *az_alloc(struct az_ctx *ctx, size_t n);
/* Normalises policy o into p (p->o, p->id set by the caller). Reports dropped HTTP
 * parts as warnings in ctx. Returns 0 or -ENOMEM. */
int az_policy_build(struct az_ctx *ctx, struct az_policy *p);
void az_ctx_free(struct az_ctx *ctx);

/* Whether address key (a host prefix) or block inner lies in block outer; families
 * must agree (an IPv6 block never holds an IPv4 address). */
bool az_block_holds(const struct az_block *outer, const struct sl_lpm_key *inner, uint8_t family);

#endif
