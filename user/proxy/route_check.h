/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What of the L7 configuration this sluice-proxy applies, checked when a snapshot is
 * built: a VirtualService http route or DestinationRule setting that it does not apply
 * is refused, naming the field and where it was written ("FILE:LINE:COL: VirtualService
 * NS/NAME: spec.http[2].mirror is not applied by this sluice-proxy"), so that nothing
 * is served as if less had been written. The regexes of http matches and of corsPolicy
 * origins are compiled here too (a pattern regex.h does not support is refused the
 * same way).
 */
#ifndef SLUICE_PROXY_ROUTE_CHECK_H
#define SLUICE_PROXY_ROUTE_CHECK_H

#include <stddef.h>

#include "common/htab.h"
#include "state/store.h"

/* Checks every VirtualService and DestinationRule of st; compiles every match regex
 * into *regex (key: the pattern's char * as stored, value: a regex_t *). Returns 0,
 * -EINVAL with the message in err, or -ENOMEM. */
int px_route_check(const struct sl_store *st, struct sl_htab *regex, char *err, size_t errlen);

/* Frees the compiled patterns of a table px_route_check() filled, and the table. */
void px_regex_table_free(struct sl_htab *regex);

#endif /* SLUICE_PROXY_ROUTE_CHECK_H */
