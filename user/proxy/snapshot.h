/* SPDX-License-Identifier: Apache-2.0 */
/* Building, sharing and querying configuration snapshots (snapshot-t.h). */
#ifndef SLUICE_PROXY_SNAPSHOT_H
#define SLUICE_PROXY_SNAPSHOT_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/objects-t.h"
#include "proxy/snapshot-t.h"

/* Decodes buf[0, len) (a YAML/JSON stream or a v1 List, as sl_decode_stream() reads
 * them; `fname` names it in messages) and compiles it for node `node` (NULL: no node:
 * internalTrafficPolicy Local Services get no endpoints, no source routes) into a new
 * snapshot with one reference and the given version. On error returns -EINVAL or
 * -ENOMEM with "FILE:LINE:COL: message" (or a plain message) in err, and *out is NULL. */
int px_snapshot_build(const char *fname, const char *buf, size_t len, const char *node,
		      uint64_t version, struct px_snapshot **out, char *err, size_t errlen);

/* px_snapshot_build() with every option. */
int px_snapshot_build_opts(const char *fname, const char *buf, size_t len,
			   const struct px_snapshot_opts *o, uint64_t version,
			   struct px_snapshot **out, char *err, size_t errlen);

/* Reads file `path` and builds it (px_snapshot_build()). -errno of open/read too. */
int px_snapshot_load(const char *path, const char *node, uint64_t version, struct px_snapshot **out,
		     char *err, size_t errlen);
int px_snapshot_load_opts(const char *path, const struct px_snapshot_opts *o, uint64_t version,
			  struct px_snapshot **out, char *err, size_t errlen);

/* A snapshot with nothing in it (version 0), one reference; NULL on ENOMEM. */
struct px_snapshot *px_snapshot_empty(void);

/* Reference counting, from any thread. put accepts NULL; the last put frees. */
struct px_snapshot *px_snapshot_get(struct px_snapshot *s);
void px_snapshot_put(struct px_snapshot *s);

/* The frontend for a destination the client dialed (address, port in host order,
 * TCP), or NULL. */
const struct px_frontend *px_snapshot_frontend(const struct px_snapshot *s, const struct sl_ip *vip,
					       uint16_t port);

/* Whether ep is a backend of some route in s (pools of other endpoints are retired). */
bool px_snapshot_has_endpoint(const struct px_snapshot *s, const struct px_ep *ep);

/* The pod id (sl_pod_id()) of the Pod with address a, or 0. */
uint32_t px_snapshot_pod_id(const struct px_snapshot *s, const struct sl_ip *a);
/* The Pod with address a (any node), or NULL. */
const struct sl_object *px_snapshot_pod(const struct px_snapshot *s, const struct sl_ip *a);

/* The Maglev table (m entries: the destination's maglev table size, else
 * SL_MAGLEV_DEFAULT) of a destination with a consistent hash, or NULL. */
const uint32_t *px_snapshot_maglev(const struct px_snapshot *s, const struct sl_fe_dest *d);

/* The compiled form of an http match regex of s (the pattern's pointer in the store:
 * sl_str_match.value), or NULL when s holds no such pattern. */
const regex_t *px_snapshot_regex(const struct px_snapshot *s, const char *pattern);

#endif /* SLUICE_PROXY_SNAPSHOT_H */
