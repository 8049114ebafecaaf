/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The agent's configuration, pushed to the node's sluice-proxy as versioned snapshots
 * over its control socket (--proxy-control; the commands are in user/proxy/control.c).
 *
 * Every commit gives the desired state a new version (versions start at the agent's
 * start time in microseconds, so a restarted agent never goes back) and pushes
 * `snapshot VERSION <state-dir>/state.json` at once: the proxy builds the file the
 * commit just wrote and swaps it in without dropping connections. The commit has
 * already passed the proxy's own check (commit.c), so a refusal means a proxy of
 * another build. A proxy that is down, restarted or refused is brought up to date
 * within a second: once a second the agent asks its version and pushes again when
 * it differs.
 */
#ifndef SLUICE_AGENT_PROXY_PUSH_H
#define SLUICE_AGENT_PROXY_PUSH_H

#include "common/buf.h"

struct sl_agent;

/* Before the first commit: the first version. */
void sl_proxy_push_init(struct sl_agent *a);

/* After a commit: a new version, pushed now; a failure is added to warn (the apply's
 * output) and retried by sl_proxy_push_sync(). */
void sl_proxy_push_changed(struct sl_agent *a, struct sl_buf *warn);

/* Once a second: asks the proxy's version and pushes when it is not ours. */
void sl_proxy_push_sync(struct sl_agent *a);

#endif /* SLUICE_AGENT_PROXY_PUSH_H */
