/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Configuration versions taking effect: a snapshot built from a file replaces the one in
 * force and is handed to every worker (worker-t.h says how requests keep theirs).
 *
 * Versions: a reload of --config numbers itself after the version in force; a snapshot
 * pushed by the agent (the control socket's `snapshot VERSION PATH`) carries the
 * agent's version, which must not be older than the one in force. Either way a file
 * that fails to build leaves the version in force untouched, and an unchanged file
 * (same digest) is no new version.
 */
#ifndef SLUICE_PROXY_RELOAD_H
#define SLUICE_PROXY_RELOAD_H

#include <stddef.h>
#include <stdint.h>

#include "proxy/worker-t.h"

/* Builds a snapshot from path and puts it in force as `version` (0: the version in
 * force + 1). Returns 0 (in force, or unchanged: *changed says which), or -EINVAL /
 * -ENOMEM / -ESTALE (version older than the one in force) with the reason in err. */
int px_reload(struct px_proxy *px, const char *path, uint64_t version, const char *why,
	      bool *changed, char *err, size_t errlen);

#endif /* SLUICE_PROXY_RELOAD_H */
