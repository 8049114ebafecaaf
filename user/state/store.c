// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/intern.h"
#include "model/objects.h"
#include "state/store.h"

int sl_object_key(const struct sl_object *o, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s/%s", sl_kind_name(o->kind), o->meta.ns ? o->meta.ns : "",
			 o->meta.name ? o->meta.name : "");

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int sl_object_ref(const struct sl_object *o, char *buf, size_t len)
{
	static const char *const names[] = {
		[SL_KIND_SERVICE] = "service",
		[SL_KIND_ENDPOINT_SLICE] = "endpointslice",
		[SL_KIND_POD] = "pod",
		[SL_KIND_DESTINATION_RULE] = "destinationrule",
		[SL_KIND_VIRTUAL_SERVICE] = "virtualservice",
		[SL_KIND_AUTHORIZATION_POLICY] = "authorizationpolicy",
	};
	const char *kind = (size_t)o->kind < sizeof(names) / sizeof(names[0]) && names[o->kind]
				   ? names[o->kind]
				   : "object";
	int n = snprintf(buf, len, "%s/%s/%s", kind, o->meta.ns, o->meta.name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

void sl_store_txn_begin(struct sl_store_txn *t, struct sl_store *st)
{
	memset(t, 0, sizeof(*t));
	t->st = st;
}

/* The transaction's entry for key, or NULL. */
static struct sl_txn_entry *txn_find(const struct sl_store_txn *t, const char *key)
{
	uintptr_t pos = (uintptr_t)sl_htab_get(&t->index, key, strlen(key));

	return pos ? &t->v[pos - 1] : NULL;
}

/* Remembers the first value a key had in this transaction. */
static int txn_record(struct sl_store_txn *t, const char *key)
{
	struct sl_txn_entry *e;

	if (txn_find(t, key))
		return 0;
	if (t->n == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 16;
		struct sl_txn_entry *nv = realloc(t->v, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		t->v = nv;
		t->cap = ncap;
	}
	e = &t->v[t->n];
	e->key = strdup(key);
	if (!e->key)
		return -ENOMEM;
	e->old = sl_htab_get(&t->st->objs, key, strlen(key));
	if (sl_htab_put(&t->index, key, strlen(key), (void *)(uintptr_t)(t->n + 1), NULL)) {
		free(e->key);
		return -ENOMEM;
	}
	t->n++;
	return 0;
}

/* True when the object at key is the one the transaction started with. */
static bool txn_is_original(const struct sl_store_txn *t, const char *key,
			    const struct sl_object *o)
{
	const struct sl_txn_entry *e = txn_find(t, key);

	return e ? e->old == o : true;
}

bool sl_store_txn_touches(const struct sl_store_txn *t, const struct sl_object *o)
{
	char key[600];

	return !sl_object_key(o, key, sizeof(key)) && txn_find(t, key);
}

int sl_store_upsert(struct sl_store_txn *t, const struct sl_object *o, enum sl_change *ch)
{
	char key[600];
	struct sl_object *cur, *copy, *old;
	int err;

	err = sl_object_key(o, key, sizeof(key));
	if (err)
		return err;
	cur = sl_htab_get(&t->st->objs, key, strlen(key));
	if (cur && sl_object_equal(cur, o)) {
		*ch = SL_CHANGE_UNCHANGED;
		return 0;
	}
	err = txn_record(t, key);
	if (err)
		return err;
	copy = calloc(1, sizeof(*copy));
	if (!copy)
		return -ENOMEM;
	err = sl_object_clone(copy, o);
	if (err) {
		free(copy);
		return err;
	}
	copy->meta.pos.file = sl_intern(o->meta.pos.file);
	err = sl_htab_put(&t->st->objs, key, strlen(key), copy, (void **)&old);
	if (err) {
		sl_object_free(copy);
		free(copy);
		return err;
	}
	/* An intermediate version written earlier in this same transaction. */
	if (old && !txn_is_original(t, key, old)) {
		sl_object_free(old);
		free(old);
	}
	*ch = cur ? SL_CHANGE_CONFIGURED : SL_CHANGE_CREATED;
	return 0;
}

int sl_store_remove(struct sl_store_txn *t, const struct sl_object *o)
{
	char key[600];
	struct sl_object *old;
	int err;

	err = sl_object_key(o, key, sizeof(key));
	if (err)
		return err;
	if (!sl_htab_get(&t->st->objs, key, strlen(key)))
		return -ENOENT;
	err = txn_record(t, key);
	if (err)
		return err;
	old = sl_htab_del(&t->st->objs, key, strlen(key));
	if (old && !txn_is_original(t, key, old)) {
		sl_object_free(old);
		free(old);
	}
	return 0;
}

static void txn_free(struct sl_store_txn *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].key);
	free(t->v);
	t->v = NULL;
	t->n = t->cap = 0;
	sl_htab_free(&t->index);
}

void sl_store_txn_commit(struct sl_store_txn *t)
{
	for (size_t i = 0; i < t->n; i++) {
		struct sl_object *cur = sl_htab_get(&t->st->objs, t->v[i].key, strlen(t->v[i].key));

		if (t->v[i].old && t->v[i].old != cur) {
			sl_object_free(t->v[i].old);
			free(t->v[i].old);
		}
	}
	txn_free(t);
}

void sl_store_txn_rollback(struct sl_store_txn *t)
{
	for (size_t i = t->n; i-- > 0;) {
		const char *key = t->v[i].key;
		struct sl_object *cur = sl_htab_get(&t->st->objs, key, strlen(key));

		if (cur == t->v[i].old)
			continue;
		if (cur) {
			sl_htab_del(&t->st->objs, key, strlen(key));
			sl_object_free(cur);
			free(cur);
		}
		/* Only a rehash can fail here, and only for lack of memory. */
		if (t->v[i].old)
			sl_htab_put(&t->st->objs, key, strlen(key), t->v[i].old, NULL);
	}
	txn_free(t);
}

const struct sl_object *sl_store_get(const struct sl_store *st, enum sl_kind kind, const char *ns,
				     const char *name)
{
	struct sl_object probe = { .kind = kind };
	char key[600];

	probe.meta.ns = (char *)ns;
	probe.meta.name = (char *)name;
	if (sl_object_key(&probe, key, sizeof(key)))
		return NULL;
	return sl_htab_get(&st->objs, key, strlen(key));
}

size_t sl_store_count(const struct sl_store *st)
{
	return st->objs.used;
}

static int cmp_obj(const void *a, const void *b)
{
	const struct sl_object *x = *(const struct sl_object *const *)a;
	const struct sl_object *y = *(const struct sl_object *const *)b;
	int c;

	if (x->kind != y->kind)
		return (int)x->kind - (int)y->kind;
	c = strcmp(x->meta.ns, y->meta.ns);
	return c ? c : strcmp(x->meta.name, y->meta.name);
}

const struct sl_object **sl_store_sorted(const struct sl_store *st, int kind_filter, size_t *n)
{
	const struct sl_object **v = malloc((st->objs.used + 1) * sizeof(*v));
	size_t it = 0, k = 0;
	void *val;

	if (!v)
		return NULL;
	while (sl_htab_next(&st->objs, &it, NULL, NULL, &val)) {
		const struct sl_object *o = val;

		if (!kind_filter || (int)o->kind == kind_filter)
			v[k++] = o;
	}
	qsort(v, k, sizeof(*v), cmp_obj);
	*n = k;
	return v;
}

void sl_store_free(struct sl_store *st)
{
	size_t it = 0;
	void *val;

	if (!st)
		return;
	while (sl_htab_next(&st->objs, &it, NULL, NULL, &val)) {
		sl_object_free(val);
		free(val);
	}
	sl_htab_free(&st->objs);
}
