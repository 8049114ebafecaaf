/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Decoding Kubernetes YAML or JSON (what `kubectl get -o yaml|json` prints, and what
 * users apply) into struct sl_object values. The decoder is strict where a field would
 * change behaviour (unsupported values and unknown fields are errors naming the field)
 * and reads past what does not (status, managedFields, annotations, ...). It never
 * logs: errors and notices go to the caller.
 */
#ifndef SLUICE_CONFIG_DECODE_H
#define SLUICE_CONFIG_DECODE_H

#include <stddef.h>

#include "model/objects-t.h"

struct sl_decode_opts {
	/* Called once per skipped document (a kind Sluice does not use) with a one-line
	 * "FILE:LINE:COL: skipped Deployment default/x (not a kind Sluice uses)". */
	void (*notice)(void *arg, const char *msg); /* may be NULL */
	void *arg;
};

/* Decodes a YAML or JSON stream (several documents allowed, `---` separated; empty
 * documents ignored) into objects appended to `out`, in input order. `fname` is used in
 * messages and stored (not copied) in every sl_pos. On error returns -EINVAL (or -ENOMEM),
 * writes "FILE:LINE:COL: message" into err (NUL-terminated, truncated to errlen), and
 * leaves `out` exactly as it was on entry (objects appended by this call are freed).
 * `opts` may be NULL; `err` may be NULL when errlen is 0. */
int sl_decode_stream(const char *fname, const char *buf, size_t len, struct sl_objects *out,
		     const struct sl_decode_opts *opts, char *err, size_t errlen);

#endif /* SLUICE_CONFIG_DECODE_H */
