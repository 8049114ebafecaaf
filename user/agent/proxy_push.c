// SPDX-License-Identifier: Apache-2.0
/* Versioned snapshots for the node's sluice-proxy (proxy_push.h). */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/agent.h"
#include "agent/proxy_link.h"
#include "agent/proxy_push.h"
#include "common/log.h"

/* Building a large snapshot takes the proxy a while; it answers when it is in force. */
#define PUSH_TIMEOUT_MS 10000
#define VERSION_TIMEOUT_MS 1000

void sl_proxy_push_init(struct sl_agent *a)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	a->push.version = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Records the outcome; logs only changes, so a proxy that is down is said once. */
static void outcome(struct sl_agent *a, int err, const char *msg)
{
	if (err && (err != a->push.err || strcmp(msg, a->push.msg)))
		pr_warn("--proxy-control %s: version %" PRIu64 " not in force at the proxy: %s",
			a->proxy_control, a->push.version, msg);
	else if (!err && a->push.err)
		pr_info("--proxy-control %s: version %" PRIu64 " in force at the proxy",
			a->proxy_control, a->push.version);
	a->push.err = err;
	snprintf(a->push.msg, sizeof(a->push.msg), "%s", msg);
}

static int push(struct sl_agent *a)
{
	char cmd[PATH_MAX + 64], path[PATH_MAX], dir[PATH_MAX];
	struct sl_buf out = {};
	uint64_t got = 0;
	int err;

	if (!realpath(a->state_dir, dir)) {
		err = -errno;
		outcome(a, err, strerror(errno));
		return err;
	}
	if (snprintf(path, sizeof(path), "%s/state.json", dir) >= (int)sizeof(path)) {
		outcome(a, -ENAMETOOLONG, "the state directory's path is too long");
		return -ENAMETOOLONG;
	}
	snprintf(cmd, sizeof(cmd), "snapshot %" PRIu64 " %s", a->push.version, path);
	err = sl_proxy_request(a->proxy_control, cmd, &out, PUSH_TIMEOUT_MS);
	if (!err &&
	    (!out.p || sscanf(out.p, "version %" SCNu64, &got) != 1 || got != a->push.version))
		err = -EPROTO;
	if (!err) {
		a->push.acked = got;
		a->push.pushes++;
		outcome(a, 0, "");
	} else if (err == -EREMOTEIO) {
		outcome(a, err, out.p ? out.p : "refused");
	} else {
		outcome(a, err, strerror(-err));
	}
	sl_buf_free(&out);
	return err;
}

void sl_proxy_push_changed(struct sl_agent *a, struct sl_buf *warn)
{
	if (!a->proxy_control)
		return;
	a->push.version++;
	if (push(a) && warn)
		sl_buf_printf(warn,
			      "warning: the node proxy has not taken version %" PRIu64
			      " yet (%s); the agent pushes it again every second\n",
			      a->push.version, a->push.msg);
}

void sl_proxy_push_sync(struct sl_agent *a)
{
	struct sl_buf out = {};
	uint64_t got;
	int err;

	if (!a->proxy_control || !a->applies)
		return;
	err = sl_proxy_request(a->proxy_control, "version", &out, VERSION_TIMEOUT_MS);
	if (!err && out.p && sscanf(out.p, "version %" SCNu64, &got) == 1 &&
	    got == a->push.version) {
		a->push.acked = got;
		if (a->push.err)
			outcome(a, 0, "");
	} else if (err && err != -EREMOTEIO) {
		outcome(a, err, strerror(-err));
	} else {
		push(a);
	}
	sl_buf_free(&out);
}
