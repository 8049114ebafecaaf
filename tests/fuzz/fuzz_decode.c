// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for the configuration decoder, the parser of untrusted bytes. Beyond
 * "no crash, no leak, no UB" it checks the decoder's contracts: a failure leaves the list
 * as it was and writes a "fuzz:LINE:COL: " message; a success prints (JSON and YAML) to
 * text that decodes back to equal objects. A broken contract abort()s.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/decode.h"
#include "config/emit.h"
#include "model/objects.h"

static void on_notice(void *arg, const char *msg)
{
	if (strncmp(msg, "fuzz:", 5))
		abort();
	++*(int *)arg;
}

static void check_round_trip(const struct sl_objects *l, enum sl_emit_format fmt)
{
	const struct sl_object **v = calloc(l->n + 1, sizeof(*v));
	struct sl_objects back = { 0 };
	char err[512], *buf = NULL;
	size_t i, len = 0;
	FILE *f;

	if (!v)
		abort();
	for (i = 0; i < l->n; i++)
		v[i] = &l->v[i];
	f = open_memstream(&buf, &len);
	if (!f || sl_emit_objects(f, v, l->n, fmt))
		abort();
	fclose(f);
	if (sl_decode_stream("emitted", buf, len, &back, NULL, err, sizeof(err))) {
		fprintf(stderr, "emitted text does not decode: %s\n%s\n", err, buf);
		abort();
	}
	if (back.n != l->n)
		abort();
	for (i = 0; i < l->n; i++)
		if (!sl_object_equal(&l->v[i], &back.v[i])) {
			fprintf(stderr, "object %zu differs after the round trip:\n%s\n", i, buf);
			abort();
		}
	sl_objects_free(&back);
	free(buf);
	free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_objects l = { 0 };
	int notices = 0;
	struct sl_decode_opts opts = { .notice = on_notice, .arg = &notices };
	char err[256];
	int r;

	r = sl_decode_stream("fuzz", (const char *)data, size, &l, &opts, err, sizeof(err));
	if (r) {
		if (l.n || l.v || strnlen(err, sizeof(err)) == sizeof(err) ||
		    (strncmp(err, "fuzz:", 5)))
			abort();
		return 0;
	}
	check_round_trip(&l, SL_EMIT_JSON);
	check_round_trip(&l, SL_EMIT_YAML);
	sl_objects_free(&l);
	return 0;
}
