// SPDX-License-Identifier: Apache-2.0
/* Snapshots taking effect (reload.h). Main thread only. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>

#include "common/log.h"
#include "proxy/metrics.h"
#include "proxy/reload.h"
#include "proxy/snapshot.h"
#include "proxy/worker.h"

int px_reload(struct px_proxy *px, const char *path, uint64_t version, const char *why,
	      bool *changed, char *err, size_t errlen)
{
	uint64_t cur = px->current->version;
	struct px_snapshot *s;
	int r;

	*changed = false;
	if (version && version < cur) {
		snprintf(err, errlen,
			 "version %" PRIu64 " is older than version %" PRIu64 " in force", version,
			 cur);
		return -ESTALE;
	}
	r = px_snapshot_load_opts(path, &px->snap_opts, version ? version : cur + 1, &s, err,
				  errlen);
	if (r) {
		px->reloads_failed++;
		snprintf(px->last_error, sizeof(px->last_error), "%s", err);
		pr_err("%s: configuration refused, keeping version %" PRIu64 ": %s", why, cur, err);
		return r;
	}
	if (cur && s->digest == px->current->digest && (!version || version == cur)) {
		pr_info("%s: %s unchanged, version %" PRIu64 " stays", why, path, cur);
		px_snapshot_put(s);
		return 0;
	}
	px->reloads_ok++;
	px->last_error[0] = '\0';
	for (unsigned int i = 0; i < px->nworkers; i++)
		px_worker_publish(&px->workers[i], s);
	px_snapshot_put(px->current);
	px->current = s;
	px_metrics_sync_names(px);
	*changed = true;
	pr_info("%s: snapshot version %" PRIu64 " in force: %zu objects, %zu frontends", why,
		s->version, s->nobjects, s->nfe);
	return 0;
}
