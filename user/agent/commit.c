// SPDX-License-Identifier: Apache-2.0
/* The one path by which a change of desired state reaches the kernel. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent.h"
#include "common/log.h"

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int sl_agent_commit(struct sl_agent *a, struct sl_store_txn *txn, struct sl_buf *err)
{
	struct sl_compiled next = {};
	struct sl_lb_result res;
	char msg[1024] = "", tmp[4096];
	uint64_t t0 = now_us();
	int ret;

	ret = sl_compile(&a->store, &next, msg, sizeof(msg));
	if (ret)
		goto fail;
	ret = sl_persist_write_tmp(a, tmp, sizeof(tmp));
	if (ret) {
		snprintf(msg, sizeof(msg), "cannot write the state file in %s: %s", a->state_dir,
			 strerror(-ret));
		goto fail_compiled;
	}
	ret = sl_lb_sync_apply(&a->lb, &next, &res, msg, sizeof(msg));
	if (ret) {
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
		goto fail_compiled;
	}
	/* The old compiled state points into objects the commit frees. */
	sl_compiled_free(&a->compiled);
	a->compiled = next;
	sl_store_txn_commit(txn);
	a->applies++;
	a->last_apply_us = now_us() - t0;
	pr_debug("applied: %zu frontends added, %zu changed, %zu removed, %zu unchanged in %llu us",
		 res.added, res.changed, res.removed, res.unchanged,
		 (unsigned long long)a->last_apply_us);
	return 0;

fail_compiled:
	sl_compiled_free(&next);
fail:
	sl_store_txn_rollback(txn);
	a->apply_failures++;
	sl_buf_printf(err, "error: %s\n", msg);
	return ret;
}
