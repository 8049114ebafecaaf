/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The desired state: every applied Service, EndpointSlice and Pod, keyed by
 * "Kind/namespace/name". Changes go through a transaction so an apply that fails later
 * (compile error, map overflow, kernel error) can put the store back exactly as it was.
 */
#ifndef SLUICE_STATE_STORE_H
#define SLUICE_STATE_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/htab.h"
#include "model/objects-t.h"

struct sl_store {
	struct sl_htab objs; /* key -> struct sl_object * (heap, owned) */
};

enum sl_change {
	SL_CHANGE_UNCHANGED = 0,
	SL_CHANGE_CREATED,
	SL_CHANGE_CONFIGURED,
	SL_CHANGE_DELETED,
};

struct sl_txn_entry {
	char *key;
	struct sl_object *old; /* what the key held before the first change, or NULL */
};

struct sl_store_txn {
	struct sl_store *st;
	struct sl_txn_entry *v;
	size_t n, cap;
	struct sl_htab index; /* key -> (uintptr_t)(position in v + 1) */
};

/* Writes the identity key of o ("Service/default/reviews") into buf. */
int sl_object_key(const struct sl_object *o, char *buf, size_t len);
/* "service/default/reviews": the kubectl-like name used in CLI output. */
int sl_object_ref(const struct sl_object *o, char *buf, size_t len);

void sl_store_txn_begin(struct sl_store_txn *t, struct sl_store *st);
/* Stores a deep copy of o. *ch says whether it was new, different or the same. */
int sl_store_upsert(struct sl_store_txn *t, const struct sl_object *o, enum sl_change *ch);
/* Removes the object with o's identity; -ENOENT when there is none. */
int sl_store_remove(struct sl_store_txn *t, const struct sl_object *o);
/* Whether the transaction creates, changes or removes the object with o's identity. */
bool sl_store_txn_touches(const struct sl_store_txn *t, const struct sl_object *o);
/* Keeps the changes and frees what they replaced. */
void sl_store_txn_commit(struct sl_store_txn *t);
/* Puts back what the transaction changed. */
void sl_store_txn_rollback(struct sl_store_txn *t);

const struct sl_object *sl_store_get(const struct sl_store *st, enum sl_kind kind, const char *ns,
				     const char *name);
size_t sl_store_count(const struct sl_store *st);
/* Every object, sorted by kind, namespace and name (for output and persistence).
 * Returns a malloc'ed array (caller frees the array, not the objects) or NULL. */
const struct sl_object **sl_store_sorted(const struct sl_store *st, int kind_filter, size_t *n);
void sl_store_free(struct sl_store *st);

#endif
