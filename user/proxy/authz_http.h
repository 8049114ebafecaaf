/* SPDX-License-Identifier: Apache-2.0 */
/* L7 authorization (authz_http-t.h): per-pod policy sets and the per-request verdict. */
#ifndef SLUICE_PROXY_AUTHZ_HTTP_H
#define SLUICE_PROXY_AUTHZ_HTTP_H

#include "proxy/authz_http-t.h"
#include "proxy/snapshot-t.h"
#include "state/store.h"

/* Fills idx (struct sl_htab: const struct sl_object *pod -> struct px_authz_set *)
 * with the set of every Pod of st that some AuthorizationPolicy selects (root_ns:
 * policies there select in every namespace). Returns 0 or -ENOMEM (idx then holds what
 * was built: free it with px_authz_index_free()). */
int px_authz_index(const struct sl_store *st, const char *root_ns, struct sl_htab *idx);
void px_authz_index_free(struct sl_htab *idx);

/* Judges request rq by the policies of the pod at rq->dst in snapshot s (none: allowed)
 * into *res. Returns true when some policy selects that pod (a verdict was reached by
 * policies), false when none does. */
bool px_authz_check(const struct px_snapshot *s, const struct px_authz_req *rq,
		    struct px_authz_result *res);

struct px_worker;
struct px_ep;

/* The policy set of the pod at endpoint ep (NULL: no policy selects it, or not a pod):
 * endpoints with the same set give every request the same verdict. */
const struct px_authz_set *px_authz_set_of(const struct px_snapshot *s, const struct px_ep *ep);

/* Judges the request from peer to endpoint ep for worker w as the endpoint will receive
 * it: the head in head[0, len) as forwarded (path normalized, the route's rewrites and
 * header operations applied), which is read back; m, the request as received (path
 * normalized), is judged instead only if that head cannot be read (more fields than
 * storage: never with the proxy's own limits). Counts it (rbac_* stats) and logs a
 * denial at debug level. Returns true when it may go. */
bool px_authz_request(struct px_worker *w, const struct px_snapshot *s, const struct sl_ip *peer,
		      const struct px_ep *ep, const char *head, size_t len,
		      const struct sl_http_msg *m);

/* Istio's `paths` match of one value: exact, "prefix*", "*suffix", "*" (any non-empty),
 * and path templates with {*} (one segment) and {**} (the rest, any segments). */
bool px_authz_path_match(const char *pattern, struct sl_str path);
/* Istio's `hosts` match of one value: case-insensitive, "prefix*", "*suffix", "*"; a
 * value without a port also matches the authority with its port removed. Istio matches
 * the authority only as written, so a DENY on "admin.example" is passed by a client
 * sending "Host: admin.example:80"; here it is not (the port of the Host field takes
 * nobody anywhere else: the connection's destination is fixed). */
bool px_authz_host_match(const char *pattern, struct sl_str authority);

#endif /* SLUICE_PROXY_AUTHZ_HTTP_H */
