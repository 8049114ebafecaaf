/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small open-addressing hash table with byte-string keys, used by the desired-state
 * store (keys "kind/ns/name") and the map reconciler (keys are kernel map keys).
 * The table copies keys; values are opaque pointers owned by the caller.
 */
#ifndef SLUICE_HTAB_H
#define SLUICE_HTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sl_htab_slot {
	void *key; /* NULL: empty; SL_HTAB_TOMB: deleted */
	size_t klen;
	uint64_t hash;
	void *val;
};

struct sl_htab {
	struct sl_htab_slot *slots;
	size_t cap; /* power of two, or 0 */
	size_t used; /* live entries */
	size_t tombs;
};

uint64_t sl_hash_bytes(const void *p, size_t n);

/* Returns the value for key, or NULL when absent. */
void *sl_htab_get(const struct sl_htab *h, const void *key, size_t klen);
/* Inserts or replaces. Returns 0 or -ENOMEM. *old (if not NULL) receives the value
 * that was replaced, or NULL. */
int sl_htab_put(struct sl_htab *h, const void *key, size_t klen, void *val, void **old);
/* Removes key; returns its value or NULL when absent. */
void *sl_htab_del(struct sl_htab *h, const void *key, size_t klen);
/* Frees the table itself (not the values). Accepts a zeroed table. */
void sl_htab_free(struct sl_htab *h);

/* Iteration: for (size_t i = 0; sl_htab_next(h, &i, &k, &kl, &v);) ... Stable while the
 * table is not modified. */
bool sl_htab_next(const struct sl_htab *h, size_t *iter, const void **key, size_t *klen,
		  void **val);

#endif
