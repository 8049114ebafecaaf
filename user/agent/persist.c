// SPDX-License-Identifier: Apache-2.0
/*
 * The applied state on disk: <state-dir>/state.json, a v1 List of every object, written
 * to a temporary file and renamed into place, so a crash leaves the old or the new
 * file, never a torn one.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/agent.h"
#include "common/log.h"
#include "config/decode.h"
#include "config/emit.h"
#include "model/objects.h"

#define STATE_FILE "state.json"

static void state_path(const struct sl_agent *a, char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", a->state_dir, name);
}

int sl_persist_load(struct sl_agent *a)
{
	char path[PATH_MAX], err[1024];
	struct sl_objects objs = {};
	struct sl_store_txn txn;
	struct sl_buf data = {}, eb = {};
	int fd, ret;

	state_path(a, path, sizeof(path), STATE_FILE);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT) {
			pr_err("reading %s: %s", path, strerror(errno));
			return -errno;
		}
		/* No state yet: still reconcile, so pinned entries nobody asked for go. */
		sl_store_txn_begin(&txn, &a->store);
		ret = sl_agent_commit(a, &txn, &eb);
		if (ret)
			pr_err("reconciling the pinned maps: %s", eb.p);
		goto out;
	}
	ret = sl_buf_read_fd(&data, fd, 1u << 30);
	close(fd);
	if (ret) {
		pr_err("reading %s: %s", path, strerror(-ret));
		goto out;
	}
	ret = sl_decode_stream(path, data.p ? data.p : "", data.len, &objs, NULL, err, sizeof(err));
	if (ret) {
		/* Refuse rather than serve less than was applied: the pinned maps keep
		 * serving the last good state while an operator looks. */
		pr_err("state file is unreadable, not starting: %s", err);
		goto out;
	}
	sl_store_txn_begin(&txn, &a->store);
	for (size_t i = 0; i < objs.n; i++) {
		enum sl_change ch;

		ret = sl_store_upsert(&txn, &objs.v[i], &ch);
		if (ret) {
			sl_store_txn_rollback(&txn);
			goto out;
		}
	}
	ret = sl_agent_commit(a, &txn, &eb);
	if (ret)
		pr_err("restoring the applied state: %s", eb.p);
	else
		pr_info("restored %zu objects from %s", objs.n, path);
out:
	sl_objects_free(&objs);
	sl_buf_free(&data);
	sl_buf_free(&eb);
	return ret;
}

int sl_persist_write_tmp(struct sl_agent *a, char *tmp, size_t len)
{
	const struct sl_object **v;
	size_t n;
	FILE *f;
	int ret = 0;

	snprintf(tmp, len, "%s/.%s.tmp", a->state_dir, STATE_FILE);
	v = sl_store_sorted(&a->store, 0, &n);
	if (!v)
		return -ENOMEM;
	f = fopen(tmp, "we");
	if (!f) {
		ret = -errno;
		goto out;
	}
	ret = sl_emit_objects(f, (const struct sl_object *const *)v, n, SL_EMIT_JSON);
	if (!ret && (fflush(f) || fsync(fileno(f))))
		ret = -errno;
	if (fclose(f) && !ret)
		ret = -errno;
	if (ret)
		unlink(tmp);
out:
	free(v);
	return ret;
}

int sl_persist_commit_tmp(struct sl_agent *a, const char *tmp)
{
	char path[PATH_MAX];
	int dfd;

	state_path(a, path, sizeof(path), STATE_FILE);
	if (rename(tmp, path)) {
		int err = -errno;

		unlink(tmp);
		return err;
	}
	dfd = open(a->state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

void sl_persist_remove(const char *state_dir)
{
	static const char *const files[] = { STATE_FILE, "." STATE_FILE ".tmp", "config-dir.keys",
					     "lock" };
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", state_dir, files[i]);
		if (unlink(path) && errno != ENOENT)
			pr_warn("removing %s: %s", path, strerror(errno));
	}
	if (rmdir(state_dir) && errno != ENOENT && errno != ENOTEMPTY)
		pr_warn("removing %s: %s", state_dir, strerror(errno));
}
