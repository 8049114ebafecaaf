/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Edits of a head the proxy already wrote (forward.c): a VirtualService route's
 * rewrite (the request target, Host) and its header operations (headers.request and
 * .response, of the route and of its destination). Working on the written head keeps
 * forward.c's rules (hop-by-hop fields, x-forwarded-*) in one place and applies the
 * operations last, on what the next hop will see.
 *
 * Header operations as Envoy applies Istio's: per set, `remove` first, then `set`
 * (replaces every field of that name, or adds one), then `add` (appends a field).
 * Names compare case-insensitively. The sets apply in the order given: the
 * destination's, then the route's (Envoy's default: the less specific level is
 * applied last, so its `set` wins); the corsPolicy's fields (cors.h) come after them.
 */
#ifndef SLUICE_PROXY_HEAD_EDIT_H
#define SLUICE_PROXY_HEAD_EDIT_H

#include <stddef.h>

#include "model/objects-t.h"
#include "proxy/http-t.h"

struct px_head_edit {
	struct sl_str target; /* request heads: replaces the target; empty: kept */
	struct sl_str host; /* request heads: replaces Host's value; empty: kept */
	const struct sl_header_ops *ops[3]; /* applied in this order; NULL ends them */
	const char *add_name, *add_value; /* one more field appended (Location); NULL: none */
};

/* Edits the head in buf[0, *len) (a start line, field lines "name: value", the empty
 * line; nothing after it) within buf[0, cap); *len gets the new length. Returns 0,
 * -ENOMEM, or -ENOSPC (the head does not fit: buf is no longer to be sent). */
int px_head_edit(char *buf, size_t *len, size_t cap, const struct px_head_edit *e);

#endif /* SLUICE_PROXY_HEAD_EDIT_H */
