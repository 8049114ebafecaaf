/* SPDX-License-Identifier: Apache-2.0 */
/* Filling a desired-state store from YAML, for the unit tests of the compilers. Include
 * after cmocka.h. */
#ifndef SLUICE_TEST_STORE_H
#define SLUICE_TEST_STORE_H

#include <string.h>

#include "config/decode.h"
#include "model/objects.h"
#include "state/store.h"

/* Decodes `len` bytes of `yaml` (named `name` in positions and errors) and upserts every
 * object into st in one committed transaction; a decode error fails the test. */
static inline void store_apply(struct sl_store *st, const char *name, const char *yaml, size_t len)
{
	struct sl_objects objs = {};
	struct sl_store_txn txn;
	char err[512];

	if (sl_decode_stream(name, yaml, len, &objs, NULL, err, sizeof(err)))
		fail_msg("%s", err);
	sl_store_txn_begin(&txn, st);
	for (size_t i = 0; i < objs.n; i++) {
		enum sl_change ch;

		assert_int_equal(sl_store_upsert(&txn, &objs.v[i], &ch), 0);
	}
	sl_store_txn_commit(&txn);
	sl_objects_free(&objs);
}

#endif
