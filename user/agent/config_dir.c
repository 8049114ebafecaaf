// SPDX-License-Identifier: Apache-2.0
/*
 * --config-dir: the directory's *.yaml, *.yml and *.json files are applied as one
 * all-or-nothing change at start and whenever a file in it changes; objects that came
 * from the directory and are no longer in it are deleted. Their keys are kept in
 * <state-dir>/config-dir.keys so a restart also notices files removed while it was down.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "agent/agent.h"
#include "common/log.h"
#include "config/decode.h"
#include "model/objects.h"

static int inotify_fd = -1;

int sl_config_dir_watch(struct sl_agent *a)
{
	inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (inotify_fd < 0)
		return -1;
	if (inotify_add_watch(inotify_fd, a->config_dir,
			      IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
				      IN_CREATE) < 0) {
		pr_warn("cannot watch %s: %s; changes apply at restart only", a->config_dir,
			strerror(errno));
		close(inotify_fd);
		inotify_fd = -1;
	}
	return inotify_fd;
}

void sl_config_dir_close(void)
{
	if (inotify_fd >= 0)
		close(inotify_fd);
	inotify_fd = -1;
}

static bool config_file(const char *n)
{
	size_t l = strlen(n);

	if (n[0] == '.')
		return false;
	return (l > 5 && !strcmp(n + l - 5, ".yaml")) || (l > 4 && !strcmp(n + l - 4, ".yml")) ||
	       (l > 5 && !strcmp(n + l - 5, ".json"));
}

static int name_cmp(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static void load_keys(struct sl_agent *a)
{
	char path[PATH_MAX], line[700];
	FILE *f;

	if (a->dir_keys.used)
		return;
	snprintf(path, sizeof(path), "%s/config-dir.keys", a->state_dir);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0])
			sl_htab_put(&a->dir_keys, line, strlen(line), NULL, NULL);
	}
	fclose(f);
}

static void save_keys(struct sl_agent *a)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	const void *k;
	size_t it = 0, kl;
	FILE *f;

	snprintf(path, sizeof(path), "%s/config-dir.keys", a->state_dir);
	snprintf(tmp, sizeof(tmp), "%s/.config-dir.keys.tmp", a->state_dir);
	f = fopen(tmp, "we");
	if (!f)
		return;
	while (sl_htab_next(&a->dir_keys, &it, &k, &kl, NULL))
		fprintf(f, "%.*s\n", (int)kl, (const char *)k);
	if (fclose(f) || rename(tmp, path))
		pr_warn("saving %s: %s", path, strerror(errno));
}

int sl_config_dir_apply(struct sl_agent *a)
{
	struct sl_decode_opts dopts = {};
	struct sl_objects objs = {};
	struct sl_htab seen = {};
	struct sl_store_txn txn;
	struct sl_buf eb = {};
	char **names = NULL, err[1024], key[600];
	size_t nnames = 0, it;
	const void *k;
	size_t kl;
	struct dirent *de;
	DIR *d;
	int ret = 0;

	if (inotify_fd >= 0) {
		char ev[4096];

		while (read(inotify_fd, ev, sizeof(ev)) > 0)
			;
	}
	load_keys(a);
	d = opendir(a->config_dir);
	if (!d) {
		pr_err("--config-dir %s: %s", a->config_dir, strerror(errno));
		return -errno;
	}
	while ((de = readdir(d))) {
		char **nv;

		if (!config_file(de->d_name))
			continue;
		nv = realloc(names, (nnames + 1) * sizeof(*nv));
		if (!nv)
			break;
		names = nv;
		if (asprintf(&names[nnames], "%s/%s", a->config_dir, de->d_name) < 0)
			break;
		nnames++;
	}
	closedir(d);
	qsort(names, nnames, sizeof(*names), name_cmp);
	for (size_t i = 0; i < nnames && !ret; i++) {
		struct sl_buf data = {};
		int fd = open(names[i], O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			continue; /* removed meanwhile: the next event re-reads */
		ret = sl_buf_read_fd(&data, fd, 64u << 20);
		close(fd);
		if (!ret)
			ret = sl_decode_stream(names[i], data.p ? data.p : "", data.len, &objs,
					       &dopts, err, sizeof(err));
		else
			snprintf(err, sizeof(err), "%s: %s", names[i], strerror(-ret));
		sl_buf_free(&data);
	}
	if (ret) {
		pr_err("--config-dir not applied: %s", err);
		goto out;
	}
	sl_store_txn_begin(&txn, &a->store);
	for (size_t i = 0; i < objs.n && !ret; i++) {
		enum sl_change ch;

		ret = sl_store_upsert(&txn, &objs.v[i], &ch);
		if (!ret && !sl_object_key(&objs.v[i], key, sizeof(key)))
			ret = sl_htab_put(&seen, key, strlen(key), NULL, NULL);
	}
	/* What the directory held before and holds no more. */
	it = 0;
	while (!ret && sl_htab_next(&a->dir_keys, &it, &k, &kl, NULL)) {
		struct sl_object probe = {};
		char kind[32], ns[256], name[300];

		if (sl_htab_get(&seen, k, kl) ||
		    sscanf((const char *)k, "%31[^/]/%255[^/]/%299s", kind, ns, name) != 3)
			continue;
		probe.kind = 0;
		for (int kk = SL_KIND_SERVICE; kk <= SL_KIND_AUTHORIZATION_POLICY; kk++)
			if (!strcmp(kind, sl_kind_name(kk)))
				probe.kind = kk;
		if (!probe.kind)
			continue;
		probe.meta.ns = ns;
		probe.meta.name = name;
		if (sl_store_remove(&txn, &probe) == -ENOENT)
			continue;
	}
	if (ret) {
		sl_store_txn_rollback(&txn);
		pr_err("--config-dir not applied: %s", strerror(-ret));
		goto out;
	}
	ret = sl_agent_commit(a, &txn, &eb);
	if (ret) {
		pr_err("--config-dir not applied: %s", eb.p);
		goto out;
	}
	sl_htab_free(&a->dir_keys);
	a->dir_keys = seen;
	memset(&seen, 0, sizeof(seen));
	save_keys(a);
	pr_info("--config-dir %s applied: %zu objects from %zu files", a->config_dir, objs.n,
		nnames);
out:
	sl_htab_free(&seen);
	for (size_t i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	sl_objects_free(&objs);
	sl_buf_free(&eb);
	return ret;
}
