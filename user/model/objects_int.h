/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal to user/model/: what objects.c (every kind, the entry points) and
 * objects_istio.c (DestinationRule, VirtualService) share. The clone helpers follow one
 * rule: on allocation failure they set *err to -ENOMEM and go on, leaving NULLs (and
 * counts of what was copied) behind, so that one sl_object_free() undoes a failed clone.
 */
#ifndef SLUICE_MODEL_OBJECTS_INT_H
#define SLUICE_MODEL_OBJECTS_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "model/objects-t.h"

/* strdup() that keeps NULL as NULL. */
char *ob_dup_str(const char *s, int *err);
/* Copy of n elements of size sz; NULL for n == 0. */
/* calloc(n, sz) for a clone: NULL for n == 0, and NULL with *err = -ENOMEM when it
 * fails (the clone's count then stays 0, so freeing it is safe). */
void *ob_alloc(size_t n, size_t sz, int *err);
void *ob_dup_mem(const void *p, size_t n, size_t sz, int *err);
/* Frees n labels and the array. Accepts NULL. */
void ob_labels_free(struct sl_label *l, size_t n);
/* Copies n labels into *d (NULL for none); on failure *dn counts what *d holds. */
void ob_labels_clone(struct sl_label **d, size_t *dn, const struct sl_label *s, size_t n, int *err);
/* Same set of key/value pairs (keys are unique: the decoder refuses duplicates). */
bool ob_labels_eq(const struct sl_label *a, size_t na, const struct sl_label *b, size_t nb);
/* strcmp() equality where NULL equals only NULL. */
bool ob_str_eq(const char *a, const char *b);

/* The per-kind parts of sl_object_free(), sl_object_clone() and sl_object_equal() for
 * the networking.istio.io kinds (objects_istio.c). Free does not free meta. */
void ob_dr_free(struct sl_destination_rule *dr);
void ob_vs_free(struct sl_virtual_service *vs);
void ob_dr_clone(struct sl_destination_rule *d, const struct sl_destination_rule *s, int *err);
void ob_vs_clone(struct sl_virtual_service *d, const struct sl_virtual_service *s, int *err);
bool ob_dr_eq(const struct sl_destination_rule *a, const struct sl_destination_rule *b);
bool ob_vs_eq(const struct sl_virtual_service *a, const struct sl_virtual_service *b);

#endif /* SLUICE_MODEL_OBJECTS_INT_H */
