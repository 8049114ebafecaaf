/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The agent's side of sluice-proxy's control socket (--proxy-control; the protocol is
 * in user/proxy/control-t.h): one command per connection, the answer read to its end.
 *
 * It blocks, bounded: the caller's loop (the agent's, for a metrics scrape) waits at
 * most timeout_ms for the proxy, whose main thread answers from its own poll loop
 * within milliseconds when it is alive. A proxy that is gone fails at once (no socket,
 * or nobody accepting); only a hung proxy costs the whole timeout.
 */
#ifndef SLUICE_AGENT_PROXY_LINK_H
#define SLUICE_AGENT_PROXY_LINK_H

#include "common/buf.h"

/* The largest answer read; the proxy's metrics are far smaller. */
#define SL_PROXY_ANSWER_MAX (64u << 20)

/*
 * Sends command line `cmd` (no newline) to the proxy's control socket at `path` and
 * reads the answer within timeout_ms. On "ok" returns 0 with the output after that
 * first line appended to out. On "error: MESSAGE" returns -EREMOTEIO with MESSAGE in
 * out. Otherwise -errno: of socket()/connect() (-ENOENT, -ECONNREFUSED: no proxy),
 * -ETIMEDOUT, -E2BIG (more than SL_PROXY_ANSWER_MAX bytes), -EPROTO (an answer in
 * another shape); out then holds nothing new.
 */
int sl_proxy_request(const char *path, const char *cmd, struct sl_buf *out, int timeout_ms);

#endif /* SLUICE_AGENT_PROXY_LINK_H */
