/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_INTERN_H
#define SLUICE_INTERN_H

/* Returns a copy of s that lives until the process exits; equal strings share one copy.
 * Used for the file names stored in positions of long-lived objects. NULL in, NULL out;
 * NULL also when out of memory. */
const char *sl_intern(const char *s);

#endif
