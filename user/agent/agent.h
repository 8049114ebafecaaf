/* SPDX-License-Identifier: Apache-2.0 */
/* The node agent's state, shared by its modules (main loop, commands, persistence). */
#ifndef SLUICE_AGENT_AGENT_H
#define SLUICE_AGENT_AGENT_H

#include <poll.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "agent/authz_sync.h"
#include "agent/datapath.h"
#include "agent/identity.h"
#include "agent/names.h"
#include "agent/telemetry.h"
#include "agent/lb_sync.h"
#include "agent/metrics_http.h"
#include "agent/pod_tc.h"
#include "common/buf.h"
#include "common/htab.h"
#include "state/authz.h"
#include "state/compile.h"
#include "state/store.h"

#define SLUICE_VERSION "0.1.0"

/* Bounds (seconds) of the sluice_apply_duration_seconds histogram. */
#define SL_APPLY_BUCKETS 10
extern const double sl_apply_bounds[SL_APPLY_BUCKETS];

struct sl_agent {
	const char *node;
	const char *socket_path;
	const char *state_dir;
	const char *config_dir; /* NULL: none */
	const char *metrics_addr; /* NULL: no metrics endpoint */
	struct sl_dp_opts dpo;
	const char *trust_domain; /* --trust-domain */
	const char *root_ns; /* --root-namespace */
	struct sl_proxy proxy; /* --proxy-addr, --proxy-addr6, --proxy-cgroup */
	const char *proxy_cgroup;
	const char *proxy_control; /* --proxy-control: the proxy's control socket, or NULL */
	int proxy_err; /* the last answer of the proxy's metrics (0: up), to log changes */
	struct { /* proxy_push.h */
		uint64_t version; /* of the desired state */
		uint64_t acked; /* the proxy's, as last seen */
		uint64_t pushes; /* snapshots the proxy took */
		int err; /* of the last push or version check (0: in force) */
		char msg[256];
	} push;
	/* --proxy-sources (or its default): what the authorization lets into every pod */
	const char **proxy_src;
	size_t nproxy_src;
	char *proxy_src_text; /* the strings of proxy_src point into it */
	bool proxy_src_set;

	struct sl_datapath dp;
	struct sl_lb_sync lb;
	struct sl_identity id;
	struct sl_names names; /* ids the kernel reports -> objects */
	struct sl_telemetry tel;
	struct sl_metrics_http http;
	bool http_open;
	struct sl_htab retired; /* Istio label set -> counters of departed pods (metrics.c) */
	uint32_t flow_key_retention_s; /* --flow-key-retention */
	struct sl_store store;
	struct sl_compiled compiled; /* what the maps hold now */
	struct sl_authz_sync az;
	struct sl_authz_out authz; /* the policy state in force */
	struct sl_pod_tc podtc;
	struct sl_htab dir_keys; /* store keys that came from --config-dir */

	int listen_fd, lock_fd;
	time_t started;
	uint64_t applies, apply_failures;
	uint64_t last_apply_us;
	uint64_t apply_buckets[SL_APPLY_BUCKETS]; /* apply durations, per bucket */
	double apply_seconds_sum;
};

/* The request being answered: what it asked and where the answer goes. */
struct sl_request {
	uint32_t verb;
	const char **args; /* "key=value" */
	size_t nargs;
	const char **file_names;
	const char **file_data;
	size_t *file_len;
	size_t nfiles;
	struct sl_buf out, err;
	int status;
};

/* Request argument `key=...`, or NULL. */
const char *sl_req_arg(const struct sl_request *r, const char *key);

/* Makes the store's pending transaction the running state: compiles it, writes the
 * maps, persists it. On any error the transaction is rolled back, the maps are as
 * they were, and err explains. */
int sl_agent_commit(struct sl_agent *a, struct sl_store_txn *txn, struct sl_buf *err);

/* The CLI socket (agent/server.c). */
int sl_open_listener(const char *path);
/* Answers one request. Returns true when the connection was kept (flows --follow). */
bool sl_serve_one(struct sl_agent *a, int cfd);
int sl_mkdir_parents(const char *path, mode_t mode);

/* The Prometheus endpoint (agent/metrics.c). */
int sl_metrics_open(struct sl_agent *a);
size_t sl_metrics_fds(struct sl_agent *a, struct pollfd *p, size_t max);
void sl_metrics_handle(struct sl_agent *a, const struct pollfd *p, size_t n);
void sl_metrics_close(struct sl_agent *a);
/* Moves the telemetry of pods gone for longer than --flow-key-retention out of the
 * kernel's sl_flow_stats into the agent's retired totals. */
void sl_metrics_evict(struct sl_agent *a, int64_t now_ns);

/* Commands (agent/cmd_*.c). Each fills r->out / r->err / r->status. */
void sl_cmd_apply(struct sl_agent *a, struct sl_request *r, bool delete);
void sl_cmd_get(struct sl_agent *a, struct sl_request *r);
void sl_cmd_describe(struct sl_agent *a, struct sl_request *r);
void sl_cmd_status(struct sl_agent *a, struct sl_request *r);

/* Persistence (agent/persist.c). */
int sl_persist_load(struct sl_agent *a);
int sl_persist_write_tmp(struct sl_agent *a, char *tmp, size_t len);
int sl_persist_commit_tmp(struct sl_agent *a, const char *tmp);
void sl_persist_remove(const char *state_dir);

/* --config-dir (agent/config_dir.c). */
int sl_config_dir_watch(struct sl_agent *a);
int sl_config_dir_apply(struct sl_agent *a);
void sl_config_dir_close(void);

#endif
