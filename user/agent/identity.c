// SPDX-License-Identifier: Apache-2.0
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "agent/identity.h"
#include "common/log.h"
#include "model/objects.h"
#include "state/compile.h"

#define MAX_DEPTH 8

int sl_identity_init(struct sl_identity *id, int src_fd, int cfg_fd, const char *cgroup2_root,
		     const char *cgroup)
{
	size_t rl = strlen(cgroup2_root);

	memset(id, 0, sizeof(*id));
	id->src_fd = src_fd;
	id->cfg_fd = cfg_fd;
	snprintf(id->cgroup, sizeof(id->cgroup), "%s", cgroup);
	if (strncmp(cgroup, cgroup2_root, rl) || (cgroup[rl] && cgroup[rl] != '/'))
		return -EINVAL;
	for (const char *p = cgroup + rl; *p; p++)
		if (*p == '/' && p[1] && p[1] != '/')
			id->root_depth++;
	return 0;
}

/* The pod uid in a kubelet cgroup name, normalised to the API's dashed form. */
static bool pod_uid_of(const char *name, char *uid, size_t len)
{
	const char *p = strstr(name, "pod");
	size_t n = 0;

	if (!p)
		return false;
	/* "pod<uid>" (cgroupfs), "kubepods-besteffort-pod<uid_>.slice" (systemd). */
	if (p != name && p[-1] != '-')
		return false;
	p += 3;
	for (; *p && *p != '.' && n + 1 < len; p++) {
		if (!isxdigit((unsigned char)*p) && *p != '-' && *p != '_')
			return false;
		uid[n++] = *p == '_' ? '-' : (char)tolower((unsigned char)*p);
	}
	uid[n] = '\0';
	if (*p && strcmp(p, ".slice"))
		return false;
	return n == 36; /* 8-4-4-4-12 */
}

struct scan {
	const struct sl_identity *id;
	struct sl_htab *by_uid; /* uid -> const struct sl_object * */
	struct sl_htab found; /* cgid -> struct sl_pod_cg * */
	size_t unmatched;
};

/* The authorization classes of a pod's addresses, as the policy sync last wrote them. */
static void src_classes(const struct sl_identity *id, struct sl_src *src)
{
	const uint32_t *c =
		id->pod_cls ? sl_htab_get(id->pod_cls, &src->pod_id, sizeof(src->pod_id)) : NULL;

	if (c)
		memcpy(src->authz_cls, c, sizeof(src->authz_cls));
	else
		memset(src->authz_cls, 0, sizeof(src->authz_cls));
}

static void scan_dir(struct scan *sc, const char *path, unsigned int level, int depth)
{
	DIR *d = opendir(path);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		char sub[4096], uid[64];
		struct stat st;

		if (de->d_name[0] == '.' || de->d_type != DT_DIR)
			continue;
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name) >= sizeof(sub))
			continue;
		if (pod_uid_of(de->d_name, uid, sizeof(uid))) {
			const struct sl_object *pod = sl_htab_get(sc->by_uid, uid, strlen(uid));
			struct sl_pod_cg *pc;

			if (!pod || stat(sub, &st)) {
				sc->unmatched++;
				continue;
			}
			pc = calloc(1, sizeof(*pc));
			if (!pc)
				continue;
			snprintf(pc->path, sizeof(pc->path), "%s", sub);
			pc->cgid = st.st_ino; /* a cgroup2 directory's inode is its cgroup id */
			pc->level = level + 1;
			pc->src.pod_id = sl_pod_id(&pod->meta);
			/* The pod's IPv4 address if it has one (podIPs lists it first in
			 * dual-stack clusters), else its IPv6 one. */
			for (size_t i = 0; i < pod->pod.npod_ips; i++) {
				if (i == 0 || pod->pod.pod_ips[i].family == 4)
					memcpy(&pc->src.ip, pod->pod.pod_ips[i].b, 16);
				if (pod->pod.pod_ips[i].family == 4)
					break;
			}
			src_classes(sc->id, &pc->src);
			if (sl_htab_put(&sc->found, &pc->cgid, sizeof(pc->cgid), pc, NULL))
				free(pc);
			continue; /* containers below a pod are found through its ancestor */
		}
		if (depth < MAX_DEPTH)
			scan_dir(sc, sub, level + 1, depth + 1);
	}
	closedir(d);
}

int sl_identity_sync(struct sl_identity *id, const struct sl_store *st)
{
	struct scan sc = { .id = id };
	struct sl_htab by_uid = {};
	struct sl_cfg cfg = {};
	size_t it = 0;
	const void *k;
	void *v;
	uint32_t zero = 0;

	while (sl_htab_next(&st->objs, &it, NULL, NULL, &v)) {
		const struct sl_object *o = v;

		if (o->kind == SL_KIND_POD && o->meta.uid)
			sl_htab_put(&by_uid, o->meta.uid, strlen(o->meta.uid), v, NULL);
	}
	sc.by_uid = &by_uid;
	scan_dir(&sc, id->cgroup, (unsigned int)id->root_depth, 0);
	sl_htab_free(&by_uid);

	/* Gone or changed pods first, then new ones. */
	it = 0;
	while (sl_htab_next(&id->pods, &it, &k, NULL, &v)) {
		struct sl_pod_cg *old = v, *now = sl_htab_get(&sc.found, k, sizeof(uint64_t));

		if (now && !memcmp(&now->src, &old->src, sizeof(old->src)))
			continue;
		if (!now)
			bpf_map_delete_elem(id->src_fd, &old->cgid);
	}
	it = 0;
	while (sl_htab_next(&sc.found, &it, &k, NULL, &v)) {
		struct sl_pod_cg *now = v, *old = sl_htab_get(&id->pods, k, sizeof(uint64_t));
		__u64 cgid = now->cgid;

		if (!cfg.pod_level_min || now->level < cfg.pod_level_min)
			cfg.pod_level_min = now->level;
		if (now->level > cfg.pod_level_max)
			cfg.pod_level_max = now->level;
		if (old && !memcmp(&now->src, &old->src, sizeof(old->src)))
			continue;
		if (bpf_map_update_elem(id->src_fd, &cgid, &now->src, BPF_ANY))
			pr_warn("identity of %s not stored: %s", now->path, strerror(errno));
	}
	if (cfg.pod_level_max - cfg.pod_level_min >= SL_POD_LEVELS)
		cfg.pod_level_max = cfg.pod_level_min + SL_POD_LEVELS - 1;
	{
		/* sl_cfg also holds the policy epoch: change only the depths. */
		struct sl_cfg cur = {};

		bpf_map_lookup_elem(id->cfg_fd, &zero, &cur);
		cur.pod_level_min = cfg.pod_level_min;
		cur.pod_level_max = cfg.pod_level_max;
		bpf_map_update_elem(id->cfg_fd, &zero, &cur, BPF_ANY);
	}
	it = 0;
	while (sl_htab_next(&id->pods, &it, NULL, NULL, &v))
		free(v);
	sl_htab_free(&id->pods);
	id->pods = sc.found;
	if (sc.unmatched != id->unmatched && sc.unmatched)
		pr_debug("%zu pod cgroups have no applied Pod (apply the Pods to identify them)",
			 sc.unmatched);
	id->unmatched = sc.unmatched;
	return 0;
}

/* The first process of a cgroup, looking into child cgroups (containers). */
static int first_pid(const char *path, int depth)
{
	char f[4200];
	FILE *fp;
	int pid = 0;
	DIR *d;
	struct dirent *de;

	snprintf(f, sizeof(f), "%s/cgroup.procs", path);
	fp = fopen(f, "re");
	if (fp) {
		if (fscanf(fp, "%d", &pid) != 1)
			pid = 0;
		fclose(fp);
	}
	if (pid > 0 || depth >= MAX_DEPTH)
		return pid;
	d = opendir(path);
	if (!d)
		return 0;
	while (!pid && (de = readdir(d))) {
		if (de->d_name[0] == '.' || de->d_type != DT_DIR)
			continue;
		snprintf(f, sizeof(f), "%s/%s", path, de->d_name);
		pid = first_pid(f, depth + 1);
	}
	closedir(d);
	return pid;
}

size_t sl_identity_netns(const struct sl_identity *id, int *fds, size_t max)
{
	struct sl_htab seen = {};
	size_t it = 0, n = 0;
	void *v;

	while (n < max && sl_htab_next(&id->pods, &it, NULL, NULL, &v)) {
		const struct sl_pod_cg *pc = v;
		char p[64];
		struct stat st;
		int pid = first_pid(pc->path, 0), fd;

		if (pid <= 0)
			continue;
		snprintf(p, sizeof(p), "/proc/%d/ns/net", pid);
		fd = open(p, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (fstat(fd, &st) || sl_htab_get(&seen, &st.st_ino, sizeof(st.st_ino))) {
			close(fd);
			continue;
		}
		sl_htab_put(&seen, &st.st_ino, sizeof(st.st_ino), (void *)1, NULL);
		fds[n++] = fd;
	}
	sl_htab_free(&seen);
	return n;
}

void sl_identity_refresh_classes(struct sl_identity *id)
{
	size_t it = 0;
	void *v;

	while (sl_htab_next(&id->pods, &it, NULL, NULL, &v)) {
		struct sl_pod_cg *pc = v;
		struct sl_src now = pc->src;
		__u64 cgid = pc->cgid;

		src_classes(id, &now);
		if (!memcmp(&now, &pc->src, sizeof(now)))
			continue;
		if (bpf_map_update_elem(id->src_fd, &cgid, &now, BPF_ANY)) {
			pr_warn("identity of %s not updated: %s", pc->path, strerror(errno));
			continue;
		}
		pc->src = now;
	}
}

void sl_identity_free(struct sl_identity *id)
{
	size_t it = 0;
	void *v;

	if (!id)
		return;
	while (sl_htab_next(&id->pods, &it, NULL, NULL, &v))
		free(v);
	sl_htab_free(&id->pods);
}
