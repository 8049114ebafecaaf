/* SPDX-License-Identifier: Apache-2.0 */
/* Functions on the decoded Kubernetes objects of objects-t.h. */
#ifndef SLUICE_MODEL_OBJECTS_H
#define SLUICE_MODEL_OBJECTS_H

#include <stdbool.h>
#include <stddef.h>

#include "model/objects-t.h"

/* Longest text sl_ip_format() writes, NUL included (INET6_ADDRSTRLEN). */
#define SL_IP_STRLEN 46

/* Frees everything `o` owns (not `o` itself) and zeroes it. Accepts NULL. */
void sl_object_free(struct sl_object *o);
/* Frees every object of `l` and the array; leaves `l` empty and reusable. Accepts NULL. */
void sl_objects_free(struct sl_objects *l);
/* Appends a zeroed slot to `l` and returns it; NULL with errno = ENOMEM when out of memory
 * (then `l` is unchanged). The pointer is valid until the next push. */
struct sl_object *sl_objects_push(struct sl_objects *l);
/* Deep copy of `src` into `dst` (which is overwritten, not freed). pos.file is copied as
 * is. Returns 0 or -ENOMEM (then `dst` is zeroed, nothing leaks). */
int sl_object_clone(struct sl_object *dst, const struct sl_object *src);
/* Semantic equality: same kind and same values; positions are ignored and labels compare
 * as a set (their order carries no meaning). */
bool sl_object_equal(const struct sl_object *a, const struct sl_object *b);
/* "Service", "EndpointSlice", "Pod", "DestinationRule", "VirtualService",
 * "AuthorizationPolicy"; "?" for anything else. */
const char *sl_kind_name(enum sl_kind kind);

/* Parses a textual IPv4 ("10.0.0.1") or IPv6 ("fd00::1") address, strictly (inet_pton:
 * no leading zeros, no trailing text). IPv4-mapped IPv6 text ("::ffff:1.2.3.4") is
 * rejected: it would be the same key as the IPv4 address with another family.
 * Returns 0 or -EINVAL. */
int sl_ip_parse(const char *s, struct sl_ip *out);
/* Parses an address or a CIDR block as AuthorizationPolicy writes them ("10.0.0.1",
 * "10.0.0.0/8", "fd00::/8"; the address by sl_ip_parse()'s rules). Host bits may be set
 * ("10.0.0.1/8"): Istio and Envoy mask them. *prefix gets the length in the address's own
 * family (0-32 or 0-128; 32 or 128 without a '/'), written in decimal without sign or
 * leading zero. Returns 0, -ERANGE for a length beyond the family's, or -EINVAL; *out
 * and *prefix are only written on success. */
int sl_cidr_parse(const char *s, struct sl_ip *out, unsigned int *prefix);
/* Writes `ip` as text into buf (IPv4 dotted, IPv6 RFC 5952) and returns buf; on a bad
 * family or a too small buffer writes "?" (if len > 0) and returns buf. */
const char *sl_ip_format(const struct sl_ip *ip, char *buf, size_t len);
/* The value of label `key`, or NULL when `m` has no such label. */
const char *sl_label_get(const struct sl_meta_obj *m, const char *key);

#endif /* SLUICE_MODEL_OBJECTS_H */
