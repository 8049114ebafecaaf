// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/htab.h"

static char tomb_marker;
#define SL_HTAB_TOMB ((void *)&tomb_marker)

/* FNV-1a, 64 bit: keys are short and not attacker-chosen in bulk. */
uint64_t sl_hash_bytes(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 1099511628211ull;
	}
	return h;
}

/* Where a key goes in a table: eight bytes at a time, then a final mix so that the low
 * bits, which pick the slot, depend on every byte. Not sl_hash_bytes(): its values are
 * kept and shared (Maglev tables, digests, consistent hashing in the proxy) and so can
 * never change, while this one is only compared within one table of one process. It
 * runs for every lookup, and the proxy makes several per request. */
static uint64_t slot_hash(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = 0x9e3779b97f4a7c15ull ^ n, w;
	uint32_t w4;
	uint16_t w2;

	for (; n >= 8; n -= 8, b += 8) {
		memcpy(&w, b, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	w = 0;
	if (n >= 4) {
		memcpy(&w4, b, 4);
		w = w4;
		n -= 4;
		b += 4;
	}
	if (n >= 2) {
		memcpy(&w2, b, 2);
		w = (w << 16) | w2;
		n -= 2;
		b += 2;
	}
	if (n)
		w = (w << 8) | *b;
	h = (h ^ w) * 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

static bool slot_live(const struct sl_htab_slot *s)
{
	return s->key && s->key != SL_HTAB_TOMB;
}

static struct sl_htab_slot *find(const struct sl_htab *h, const void *key, size_t klen,
				 uint64_t hash)
{
	if (!h->cap)
		return NULL;
	for (size_t i = hash & (h->cap - 1), n = 0; n < h->cap; i = (i + 1) & (h->cap - 1), n++) {
		struct sl_htab_slot *s = &h->slots[i];

		if (!s->key)
			return NULL;
		if (s->key != SL_HTAB_TOMB && s->hash == hash && s->klen == klen &&
		    !memcmp(s->key, key, klen))
			return s;
	}
	return NULL;
}

static int grow(struct sl_htab *h)
{
	size_t ncap = h->cap ? h->cap * 2 : 16;
	struct sl_htab_slot *ns;

	/* Rehash into a table of the same size when it is mostly tombstones. */
	if (h->cap && h->used * 4 < h->cap)
		ncap = h->cap;
	ns = calloc(ncap, sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	for (size_t i = 0; i < h->cap; i++) {
		struct sl_htab_slot *s = &h->slots[i];
		size_t j;

		if (!slot_live(s))
			continue;
		for (j = s->hash & (ncap - 1); ns[j].key; j = (j + 1) & (ncap - 1))
			;
		ns[j] = *s;
	}
	free(h->slots);
	h->slots = ns;
	h->cap = ncap;
	h->tombs = 0;
	return 0;
}

void *sl_htab_get(const struct sl_htab *h, const void *key, size_t klen)
{
	struct sl_htab_slot *s = find(h, key, klen, slot_hash(key, klen));

	return s ? s->val : NULL;
}

int sl_htab_put(struct sl_htab *h, const void *key, size_t klen, void *val, void **old)
{
	uint64_t hash = slot_hash(key, klen);
	struct sl_htab_slot *s = find(h, key, klen, hash);
	size_t i;
	void *k;

	if (old)
		*old = NULL;
	if (s) {
		if (old)
			*old = s->val;
		s->val = val;
		return 0;
	}
	if ((h->used + h->tombs + 1) * 4 > h->cap * 3) {
		int err = grow(h);

		if (err)
			return err;
	}
	k = malloc(klen ? klen : 1);
	if (!k)
		return -ENOMEM;
	memcpy(k, key, klen);
	for (i = hash & (h->cap - 1); slot_live(&h->slots[i]); i = (i + 1) & (h->cap - 1))
		;
	if (h->slots[i].key == SL_HTAB_TOMB)
		h->tombs--;
	h->slots[i] = (struct sl_htab_slot){ .key = k, .klen = klen, .hash = hash, .val = val };
	h->used++;
	return 0;
}

void *sl_htab_del(struct sl_htab *h, const void *key, size_t klen)
{
	struct sl_htab_slot *s = find(h, key, klen, slot_hash(key, klen));
	void *val;

	if (!s)
		return NULL;
	val = s->val;
	free(s->key);
	s->key = SL_HTAB_TOMB;
	s->val = NULL;
	h->used--;
	h->tombs++;
	return val;
}

void sl_htab_free(struct sl_htab *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->cap; i++)
		if (slot_live(&h->slots[i]))
			free(h->slots[i].key);
	free(h->slots);
	memset(h, 0, sizeof(*h));
}

bool sl_htab_next(const struct sl_htab *h, size_t *iter, const void **key, size_t *klen, void **val)
{
	for (; *iter < h->cap; (*iter)++) {
		struct sl_htab_slot *s = &h->slots[*iter];

		if (!slot_live(s))
			continue;
		if (key)
			*key = s->key;
		if (klen)
			*klen = s->klen;
		if (val)
			*val = s->val;
		(*iter)++;
		return true;
	}
	return false;
}
