/* SPDX-License-Identifier: Apache-2.0 */
/* Printing objects back as Kubernetes YAML or JSON, in a form sl_decode_stream() reads. */
#ifndef SLUICE_CONFIG_EMIT_H
#define SLUICE_CONFIG_EMIT_H

#include <stddef.h>
#include <stdio.h>

#include "model/objects-t.h"

enum sl_emit_format {
	SL_EMIT_JSON = 0,
	SL_EMIT_YAML,
};

/* Writes the `n` objects as one `v1 List` (apiVersion, kind, items) in Kubernetes shape.
 * The output is deterministic (fields in a fixed order, labels sorted by key) and
 * decodes back into objects sl_object_equal() to the input. Returns 0, -EINVAL for an
 * object that cannot be printed (unknown kind, bad address family), -ENOMEM, or -EIO
 * when writing to `f` fails (part of the output may have been written). */
int sl_emit_objects(FILE *f, const struct sl_object *const *objs, size_t n,
		    enum sl_emit_format fmt);

#endif /* SLUICE_CONFIG_EMIT_H */
