// SPDX-License-Identifier: Apache-2.0
/* The one path by which a change of desired state reaches the kernel. */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/proxy_push.h"
#include "common/log.h"
#include "proxy/route_check.h"

const double sl_apply_bounds[SL_APPLY_BUCKETS] = { 0.0005, 0.001, 0.0025, 0.005, 0.01,
						   0.025,  0.05,  0.1,	  0.5,	 1 };

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Connected UDP sockets of local pods that point at a backend the apply removed are
 * destroyed, so their applications reconnect through the VIP. */
static void move_udp_sockets(struct sl_agent *a, struct sl_lb_result *res)
{
	int fds[1024];
	size_t n;

	if (res->ngone && a->dp.feat.sock_destroy) {
		n = sl_identity_netns(&a->id, fds, sizeof(fds) / sizeof(fds[0]));
		sl_dp_destroy_udp(&a->dp, res->gone, res->ngone, fds, n);
		for (size_t i = 0; i < n; i++)
			close(fds[i]);
	}
	free(res->gone);
	res->gone = NULL;
	res->ngone = 0;
}

/* Closes the established connections into local pods that the new policy denies. */
static void sweep_connections(struct sl_agent *a)
{
	int fds[1024];
	size_t n;

	if (!a->dp.feat.sock_destroy)
		return;
	n = sl_identity_netns(&a->id, fds, sizeof(fds) / sizeof(fds[0]));
	sl_dp_sweep_tcp(&a->dp, fds, n);
	for (size_t i = 0; i < n; i++)
		close(fds[i]);
}

int sl_agent_commit(struct sl_agent *a, struct sl_store_txn *txn, struct sl_buf *err)
{
	struct sl_authz_out naz = {};
	struct sl_compiled next = {};
	struct sl_lb_result res;
	char msg[1024] = "", tmp[4096];
	uint64_t t0 = now_us();
	int ret;

	/* L7 configuration is accepted when a proxy takes the steered connections. */
	struct sl_compile_opts copts = {
		.node = a->node, .l7 = a->proxy.port != 0, .root_ns = a->root_ns, .txn = txn
	};
	struct sl_authz_opts aopts = { .node = a->node,
				       .trust_domain = a->trust_domain,
				       .root_ns = a->root_ns,
				       .max_entries = a->dpo.max_policy_entries,
				       .l7 = a->proxy.port != 0,
				       .proxy_src = a->proxy_src,
				       .nproxy_src = a->nproxy_src };
	bool flipped, new_warnings;

	ret = sl_compile(&a->store, &copts, &next, msg, sizeof(msg));
	if (ret)
		goto fail;
	if (copts.l7) {
		/* What the proxy would refuse is refused here, before anything changes. */
		struct sl_htab rx = {};

		ret = px_route_check(&a->store, &rx, msg, sizeof(msg));
		px_regex_table_free(&rx);
		if (ret)
			goto fail_compiled;
	}
	ret = sl_authz_compile(&a->store, &aopts, &naz, msg, sizeof(msg));
	if (ret)
		goto fail_compiled;
	ret = sl_persist_write_tmp(a, tmp, sizeof(tmp));
	if (ret) {
		snprintf(msg, sizeof(msg), "cannot write the state file in %s: %s", a->state_dir,
			 strerror(-ret));
		goto fail_compiled;
	}
	/* The policy epoch not in force is written first: harmless until the flip. */
	ret = sl_authz_sync_prepare(&a->az, &naz, msg, sizeof(msg));
	if (ret) {
		unlink(tmp);
		goto fail_compiled;
	}
	sl_identity_refresh_classes(&a->id);
	ret = sl_lb_sync_apply(&a->lb, &next, &res, msg, sizeof(msg));
	if (ret) {
		sl_authz_sync_abort(&a->az);
		unlink(tmp);
		goto fail_compiled;
	}
	ret = sl_persist_commit_tmp(a, tmp);
	if (ret) {
		/* The maps changed but the state file did not: put the maps back. */
		struct sl_lb_result undo;
		char m2[256];

		snprintf(msg, sizeof(msg), "cannot replace the state file in %s: %s", a->state_dir,
			 strerror(-ret));
		if (sl_lb_sync_apply(&a->lb, &a->compiled, &undo, m2, sizeof(m2)))
			pr_err("restoring the maps after a state-file error failed: %s", m2);
		sl_authz_sync_abort(&a->az);
		free(undo.gone);
		free(res.gone);
		goto fail_compiled;
	}
	/* New connections see the new policy from here on. */
	flipped = sl_authz_sync_commit(&a->az);
	/* The old compiled state points into objects the commit frees. */
	sl_compiled_free(&a->compiled);
	a->compiled = next;
	/* Warnings are shown by the apply that causes them, not by every later one. */
	new_warnings =
		naz.warnings && (!a->authz.warnings || strcmp(naz.warnings, a->authz.warnings));
	sl_authz_out_free(&a->authz);
	a->authz = naz;
	sl_store_txn_commit(txn);
	sl_identity_sync(&a->id, &a->store);
	sl_names_rebuild(&a->names, &a->store, &a->compiled);
	move_udp_sockets(a, &res);
	if (flipped)
		sweep_connections(a);
	sl_pod_tc_reconcile(&a->podtc, &a->authz);
	if (new_warnings)
		sl_buf_printf(err, "%s", a->authz.warnings);
	sl_proxy_push_changed(a, err);
	/* Compiling and persisting a large state frees as much as it allocates: give the
	 * free pages back rather than keep the peak as resident memory. */
	malloc_trim(0);
	a->applies++;
	a->last_apply_us = now_us() - t0;
	a->apply_seconds_sum += (double)a->last_apply_us / 1e6;
	for (int b = 0; b < SL_APPLY_BUCKETS; b++) {
		if ((double)a->last_apply_us / 1e6 <= sl_apply_bounds[b]) {
			a->apply_buckets[b]++;
			break;
		}
	}
	pr_debug("applied: %zu frontends added, %zu changed, %zu removed, %zu unchanged in %llu us",
		 res.added, res.changed, res.removed, res.unchanged,
		 (unsigned long long)a->last_apply_us);
	return 0;

fail_compiled:
	sl_authz_out_free(&naz);
	sl_compiled_free(&next);
fail:
	sl_store_txn_rollback(txn);
	a->apply_failures++;
	sl_buf_printf(err, "error: %s\n", msg);
	return ret;
}
