/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_AGENT_ACCEL_PROBE_H
#define SLUICE_AGENT_ACCEL_PROBE_H

#include <stddef.h>

/* 0 when same-node acceleration delivers redirected bytes to every read path this
 * probe knows (recv and splice) on this kernel; otherwise -errno and why. */
int sl_accel_probe(char *why, size_t whylen);

#endif
