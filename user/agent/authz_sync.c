// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "agent/authz_sync.h"
#include "agent/lb_sync.h"
#include "common/log.h"

static uint32_t zero;

static int read_cfg(const struct sl_authz_sync *s, struct sl_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	return bpf_map_lookup_elem(s->cfg_fd, &zero, cfg) ? -errno : 0;
}

int sl_authz_sync_init(struct sl_authz_sync *s, int ipcache_fd, int authz_fd, int cfg_fd)
{
	struct sl_lpm_key k, next;
	struct sl_authz_key ak, anext;
	struct sl_cfg cfg;
	void *prev = NULL;
	int ret;

	memset(s, 0, sizeof(*s));
	s->ipcache_fd = ipcache_fd;
	s->authz_fd = authz_fd;
	s->cfg_fd = cfg_fd;
	ret = read_cfg(s, &cfg);
	if (ret)
		return ret;
	s->epoch = cfg.authz_epoch & 1;
	s->on = cfg.authz_on;
	while (!bpf_map_get_next_key(ipcache_fd, prev, &next)) {
		struct sl_ip_info *v = malloc(sizeof(*v));

		k = next;
		prev = &k;
		if (!v)
			return -ENOMEM;
		if (bpf_map_lookup_elem(ipcache_fd, &k, v) ||
		    sl_htab_put(&s->ipc, &k, sizeof(k), v, NULL)) {
			free(v);
			continue;
		}
	}
	/* Entries of the epoch not in force are leftovers of an interrupted apply. */
	prev = NULL;
	while (!bpf_map_get_next_key(authz_fd, prev, &anext)) {
		ak = anext;
		prev = &ak;
		if (!!(ak.grp & SL_AUTHZ_EPOCH_BIT) == s->epoch)
			sl_htab_put(&s->ent, &ak, sizeof(ak), (void *)1, NULL);
	}
	prev = NULL;
	while (!bpf_map_get_next_key(authz_fd, prev, &anext)) {
		ak = anext;
		if (!sl_htab_get(&s->ent, &ak, sizeof(ak))) {
			bpf_map_delete_elem(authz_fd, &ak);
			prev = NULL; /* the walk restarts after a deletion */
			continue;
		}
		prev = &ak;
	}
	return 0;
}

static void clear_pending(struct sl_authz_sync *s)
{
	free(s->new_keys);
	free(s->created);
	free(s->changed);
	free(s->changed_old);
	s->new_keys = NULL;
	s->created = s->changed = NULL;
	s->changed_old = NULL;
	s->nnew = s->ncreated = s->nchanged = 0;
	s->pending = false;
	s->next = NULL;
}

void sl_authz_sync_abort(struct sl_authz_sync *s)
{
	if (!s->pending)
		return;
	for (size_t i = 0; i < s->nnew; i++)
		bpf_map_delete_elem(s->authz_fd, &s->new_keys[i]);
	for (size_t i = 0; i < s->ncreated; i++) {
		bpf_map_delete_elem(s->ipcache_fd, &s->created[i]);
		free(sl_htab_del(&s->ipc, &s->created[i], sizeof(s->created[i])));
	}
	for (size_t i = 0; i < s->nchanged; i++) {
		struct sl_ip_info *cur =
			sl_htab_get(&s->ipc, &s->changed[i], sizeof(s->changed[i]));

		if (!bpf_map_update_elem(s->ipcache_fd, &s->changed[i], &s->changed_old[i],
					 BPF_ANY) &&
		    cur)
			*cur = s->changed_old[i];
	}
	clear_pending(s);
}

/* Writes one sl_ipcache entry, remembering how to undo it. */
static int ipc_write(struct sl_authz_sync *s, const struct sl_lpm_key *k,
		     const struct sl_ip_info *v)
{
	struct sl_ip_info *cur = sl_htab_get(&s->ipc, k, sizeof(*k));

	if (cur && !memcmp(cur, v, sizeof(*v)))
		return 0;
	if (bpf_map_update_elem(s->ipcache_fd, k, v, cur ? BPF_EXIST : BPF_NOEXIST))
		return -errno;
	if (cur) {
		s->changed_old[s->nchanged] = *cur;
		s->changed[s->nchanged++] = *k;
		*cur = *v;
		return 0;
	}
	cur = malloc(sizeof(*cur));
	if (!cur || sl_htab_put(&s->ipc, k, sizeof(*k), cur, NULL)) {
		free(cur);
		bpf_map_delete_elem(s->ipcache_fd, k);
		return -ENOMEM;
	}
	*cur = *v;
	s->created[s->ncreated++] = *k;
	return 0;
}

int sl_authz_sync_prepare(struct sl_authz_sync *s, const struct sl_authz_out *next, char *err,
			  size_t errlen)
{
	int ne = !s->epoch, ret = 0;
	uint32_t tag = ne ? SL_AUTHZ_EPOCH_BIT : 0;
	struct sl_htab want = {};
	size_t it = 0, cap;
	const void *k;
	void *v;

	clear_pending(s);
	s->pending = true;
	s->next = next;
	if (s->primed && next->digest == s->digest)
		return 0;
	cap = next->nips + s->ipc.used + 1;
	s->new_keys = malloc((next->nentries + 1) * sizeof(*s->new_keys));
	s->created = malloc(cap * sizeof(*s->created));
	s->changed = malloc(cap * sizeof(*s->changed));
	s->changed_old = malloc(cap * sizeof(*s->changed_old));
	if (!s->new_keys || !s->created || !s->changed || !s->changed_old) {
		ret = -ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < next->nentries; i++) {
		struct sl_authz_key key = next->entries[i].key;

		key.grp |= tag;
		if (bpf_map_update_elem(s->authz_fd, &key, &next->entries[i].val, BPF_ANY)) {
			ret = -errno;
			snprintf(err, errlen,
				 "sl_authz: cannot store %zu policy entries (%s): raise "
				 "--max-policy-entries",
				 next->nentries, strerror(errno));
			goto fail_msg;
		}
		s->new_keys[s->nnew++] = key;
	}
	for (size_t i = 0; i < next->nips; i++) {
		const struct sl_az_ip *ip = &next->ips[i];
		const struct sl_ip_info *cur = sl_htab_get(&s->ipc, &ip->key, sizeof(ip->key));
		struct sl_ip_info nv = {};

		if (cur)
			nv = *cur;
		nv.pod_id = ip->pod_id;
		nv.flags = ip->local ? SL_IP_F_LOCAL : 0;
		nv.authz_cls[ne] = ip->cls;
		nv.authz_grp[ne] = ip->grp ? ip->grp | tag : 0;
		ret = ipc_write(s, &ip->key, &nv);
		if (ret) {
			snprintf(
				err, errlen,
				"sl_ipcache: cannot store %zu addresses (%s): raise --max-backends",
				next->nips, strerror(-ret));
			goto fail_msg;
		}
		sl_htab_put(&want, &ip->key, sizeof(ip->key), (void *)1, NULL);
	}
	/* Addresses that go answer "unknown, no policy" in the new epoch until deleted. */
	while (sl_htab_next(&s->ipc, &it, &k, NULL, &v)) {
		struct sl_ip_info nv = *(struct sl_ip_info *)v;

		if (sl_htab_get(&want, k, sizeof(struct sl_lpm_key)))
			continue;
		nv.authz_cls[ne] = nv.authz_grp[ne] = 0;
		if (memcmp(&nv, v, sizeof(nv)) &&
		    !bpf_map_update_elem(s->ipcache_fd, k, &nv, BPF_EXIST)) {
			s->changed_old[s->nchanged] = *(struct sl_ip_info *)v;
			s->changed[s->nchanged++] = *(const struct sl_lpm_key *)k;
			*(struct sl_ip_info *)v = nv;
		}
	}
	sl_htab_free(&want);
	/* The classes sl_src entries must carry in the new epoch. */
	it = 0;
	while (sl_htab_next(&s->pod_cls, &it, NULL, NULL, &v))
		((uint32_t(*)[2])v)[ne][0] = ((uint32_t(*)[2])v)[ne][1] = 0;
	for (size_t i = 0; i < next->npods; i++) {
		uint32_t(*c)[2] = sl_htab_get(&s->pod_cls, &next->pods[i].pod_id, sizeof(uint32_t));

		if (!c) {
			c = calloc(2, sizeof(*c));
			if (!c || sl_htab_put(&s->pod_cls, &next->pods[i].pod_id, sizeof(uint32_t),
					      c, NULL)) {
				free(c);
				ret = -ENOMEM;
				goto fail;
			}
		}
		c[ne][0] = next->pods[i].cls[0];
		c[ne][1] = next->pods[i].cls[1];
	}
	return 0;

fail:
	snprintf(err, errlen, "policy sync: %s", strerror(-ret));
fail_msg:
	sl_htab_free(&want);
	sl_authz_sync_abort(s);
	return ret;
}

bool sl_authz_sync_commit(struct sl_authz_sync *s)
{
	const struct sl_authz_out *next = s->next;
	int ne = !s->epoch;
	struct sl_htab keep = {};
	struct sl_cfg cfg;
	size_t it = 0;
	const void *k;
	void *v;

	if (!s->pending)
		return false;
	if (s->primed && next->digest == s->digest) {
		clear_pending(s);
		return false;
	}
	if (read_cfg(s, &cfg))
		memset(&cfg, 0, sizeof(cfg));
	cfg.authz_epoch = (uint32_t)ne;
	cfg.authz_on = next->on;
	if (bpf_map_update_elem(s->cfg_fd, &zero, &cfg, BPF_ANY))
		pr_err("sl_cfg: the policy epoch could not be switched: %s", strerror(errno));
	/* Nothing still reads the old epoch after a grace period. */
	sl_wait_grace_period();
	while (sl_htab_next(&s->ent, &it, &k, NULL, NULL))
		bpf_map_delete_elem(s->authz_fd, k);
	sl_htab_free(&s->ent);
	for (size_t i = 0; i < s->nnew; i++)
		sl_htab_put(&s->ent, &s->new_keys[i], sizeof(s->new_keys[i]), (void *)1, NULL);
	for (size_t i = 0; i < next->nips; i++)
		sl_htab_put(&keep, &next->ips[i].key, sizeof(next->ips[i].key), (void *)1, NULL);
	it = 0;
	while (sl_htab_next(&s->ipc, &it, &k, NULL, &v)) {
		struct sl_lpm_key key = *(const struct sl_lpm_key *)k;

		if (sl_htab_get(&keep, &key, sizeof(key)))
			continue;
		bpf_map_delete_elem(s->ipcache_fd, &key);
		free(sl_htab_del(&s->ipc, &key, sizeof(key)));
	}
	sl_htab_free(&keep);
	/* Pods without classes in either epoch are forgotten. */
	it = 0;
	while (sl_htab_next(&s->pod_cls, &it, &k, NULL, &v)) {
		uint32_t(*c)[2] = v, id = *(const uint32_t *)k;

		if (!c[0][0] && !c[0][1] && !c[1][0] && !c[1][1])
			free(sl_htab_del(&s->pod_cls, &id, sizeof(id)));
	}
	s->epoch = ne;
	s->on = next->on;
	s->digest = next->digest;
	s->primed = true;
	clear_pending(s);
	return true;
}

void sl_authz_sync_free(struct sl_authz_sync *s)
{
	size_t it = 0;
	void *v;

	if (!s)
		return;
	clear_pending(s);
	while (sl_htab_next(&s->ipc, &it, NULL, NULL, &v))
		free(v);
	sl_htab_free(&s->ipc);
	it = 0;
	while (sl_htab_next(&s->pod_cls, &it, NULL, NULL, &v))
		free(v);
	sl_htab_free(&s->pod_cls);
	sl_htab_free(&s->ent);
}
