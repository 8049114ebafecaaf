/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal to user/config/: a YAML (or JSON) document as a tree of nodes with positions,
 * built from libyaml's events under limits meant for untrusted input. Aliases are
 * resolved by sharing the anchored node, so the tree is a DAG: walk it, never free nodes
 * one by one (yt_doc_free() frees them all).
 */
#ifndef SLUICE_CONFIG_YAML_TREE_H
#define SLUICE_CONFIG_YAML_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Limits on what one stream may make us do. */
#define YT_MAX_INPUT (64u << 20) /* bytes */
#define YT_MAX_DEPTH 64 /* nested collections */
#define YT_MAX_SCALAR (1u << 20) /* bytes in one scalar */
#define YT_MAX_ALIAS_NODES 1000000 /* nodes reached through aliases, per document */
#define YT_MAX_NODES (8u << 20) /* nodes in one document */
#define YT_MAX_ANCHORS 1000 /* per document */

enum yt_type {
	YT_SCALAR = 1,
	YT_SEQ,
	YT_MAP,
};

/* What a scalar means under the YAML 1.2 core schema (plain scalars) or its quotes. */
enum yt_stype {
	YT_S_STR = 0,
	YT_S_NULL,
	YT_S_BOOL,
	YT_S_INT,
	YT_S_FLOAT,
};

struct yt_node {
	uint8_t type; /* enum yt_type */
	uint8_t stype; /* enum yt_stype, scalars only */
	bool plain; /* plain scalar without a tag */
	bool has_key; /* kline/kcol are valid */
	int line, col; /* 1-based start of the node */
	int kline, kcol; /* 1-based start of the key it was first placed under */
	size_t n; /* scalar: length; sequence: items; mapping: pairs */
	union {
		char *str; /* scalar, NUL-terminated, no embedded NUL */
		struct yt_node **items; /* sequence: n items; mapping: 2n, key then value */
	};
	uint64_t weight; /* nodes in the subtree, aliases expanded (saturating) */
	struct yt_node *all_next; /* every node of a document, for freeing */
};

struct yt_doc {
	struct yt_node *root; /* NULL for an empty document */
	struct yt_node *all;
};

struct yt_stream;

/* Starts reading `len` bytes of `buf` (kept by the caller) named `fname`. Returns NULL
 * with errno = ENOMEM. */
struct yt_stream *yt_open(const char *fname, const char *buf, size_t len);
/* Reads the next document into *doc. Returns 1 when a document was read, 0 at the end
 * of the stream, -EINVAL (message in err: "FILE:LINE:COL: ...") or -ENOMEM. */
int yt_next(struct yt_stream *s, struct yt_doc *doc, char *err, size_t errlen);
void yt_doc_free(struct yt_doc *doc);
void yt_close(struct yt_stream *s);

/* Classifies a plain scalar's text as the YAML 1.2 core schema would resolve it. */
enum yt_stype yt_resolve_plain(const char *s, size_t len);

#endif /* SLUICE_CONFIG_YAML_TREE_H */
