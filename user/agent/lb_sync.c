// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <linux/membarrier.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "agent/lb_sync.h"
#include "common/log.h"

static void fe_free(struct sl_lb_fe *fe)
{
	if (!fe)
		return;
	free(fe->be);
	free(fe);
}

static int gc_push(struct sl_lb_sync *s, uint32_t set_id, uint32_t nslots)
{
	if (!set_id || !nslots)
		return 0;
	if (s->ngc == s->capgc) {
		size_t ncap = s->capgc ? s->capgc * 2 : 64;
		struct sl_lb_gc *nv = realloc(s->gc, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		s->gc = nv;
		s->capgc = ncap;
	}
	s->gc[s->ngc++] = (struct sl_lb_gc){ .set_id = set_id, .nslots = nslots };
	return 0;
}

/* Reads one backend set. */
static int read_set(int bset_fd, uint32_t set_id, uint32_t n, struct sl_backend **out)
{
	struct sl_backend *be = calloc(n ? n : 1, sizeof(*be));

	if (!be)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		struct sl_bset_key k = { .set_id = set_id, .slot = i };

		if (bpf_map_lookup_elem(bset_fd, &k, &be[i])) {
			free(be);
			return -errno;
		}
	}
	*out = be;
	return 0;
}

struct set_seen {
	uint32_t max_slot_plus1;
	bool referenced;
};

int sl_lb_sync_init(struct sl_lb_sync *s, int svc_fd, int bset_fd, uint32_t max_services,
		    uint32_t max_backends)
{
	struct sl_svc_key key, next;
	struct sl_bset_key bk, bnext;
	struct sl_htab sets = {};
	void *prev = NULL;
	int err = 0;

	memset(s, 0, sizeof(*s));
	s->svc_fd = svc_fd;
	s->bset_fd = bset_fd;
	s->max_services = max_services;
	s->max_backends = max_backends;
	s->next_set_id = 1;

	/* Every set present in sl_bset, with its size. */
	while (!bpf_map_get_next_key(bset_fd, prev, &bnext)) {
		struct set_seen *ss = sl_htab_get(&sets, &bnext.set_id, sizeof(bnext.set_id));

		if (!ss) {
			ss = calloc(1, sizeof(*ss));
			if (!ss ||
			    sl_htab_put(&sets, &bnext.set_id, sizeof(bnext.set_id), ss, NULL)) {
				free(ss);
				err = -ENOMEM;
				goto out;
			}
		}
		if (bnext.slot + 1 > ss->max_slot_plus1)
			ss->max_slot_plus1 = bnext.slot + 1;
		s->nslots++;
		if (bnext.set_id >= s->next_set_id)
			s->next_set_id = bnext.set_id + 1;
		bk = bnext;
		prev = &bk;
	}
	prev = NULL;
	while (!bpf_map_get_next_key(svc_fd, prev, &next)) {
		struct sl_lb_fe *fe = calloc(1, sizeof(*fe));
		struct set_seen *ss;

		if (!fe) {
			err = -ENOMEM;
			goto out;
		}
		if (bpf_map_lookup_elem(svc_fd, &next, &fe->val)) {
			free(fe);
			key = next;
			prev = &key;
			continue;
		}
		fe->nbe = fe->val.count;
		err = read_set(bset_fd, fe->val.set_id, fe->nbe, &fe->be);
		if (err) {
			/* A frontend pointing at a broken set: forget it, so the next
			 * apply rewrites it from scratch. */
			pr_warn("service map entry with unreadable backend set %u: will rewrite",
				fe->val.set_id);
			fe->nbe = 0;
			fe->be = NULL;
			fe->val.count = UINT32_MAX; /* never equal to a desired entry */
			err = 0;
		}
		ss = sl_htab_get(&sets, &fe->val.set_id, sizeof(fe->val.set_id));
		if (ss)
			ss->referenced = true;
		if (fe->val.set_id >= s->next_set_id)
			s->next_set_id = fe->val.set_id + 1;
		err = sl_htab_put(&s->actual, &next, sizeof(next), fe, NULL);
		if (err) {
			fe_free(fe);
			goto out;
		}
		key = next;
		prev = &key;
	}
	/* Sets nothing references: left by an agent killed between writing a set and
	 * deleting an old one. */
	{
		size_t it = 0;
		const void *k;
		void *v;

		while (sl_htab_next(&sets, &it, &k, NULL, &v)) {
			struct set_seen *ss = v;

			if (!ss->referenced) {
				err = gc_push(s, *(const uint32_t *)k, ss->max_slot_plus1);
				if (err)
					goto out;
			}
		}
	}
out : {
	size_t it = 0;
	void *v;

	while (sl_htab_next(&sets, &it, NULL, NULL, &v))
		free(v);
	sl_htab_free(&sets);
}
	return err;
}

static bool fe_equal(const struct sl_lb_fe *a, const struct sl_frontend *d)
{
	return a->val.count == d->nbe && a->val.svc_id == d->svc_id && a->val.flags == 0 &&
	       (!d->nbe || !memcmp(a->be, d->be, d->nbe * sizeof(*d->be)));
}

enum op_kind {
	OP_SVC_DELETED, /* undo: put old value back */
	OP_SET_WRITTEN, /* undo: delete the set */
	OP_SVC_INSERTED, /* undo: delete */
	OP_SVC_REPLACED, /* undo: put old value back */
};

struct op {
	enum op_kind kind;
	struct sl_svc_key key;
	struct sl_svc_val old;
	uint32_t set_id, nslots;
};

struct oplog {
	struct op *v;
	size_t n, cap;
};

static int oplog_push(struct oplog *l, struct op op)
{
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 64;
		struct op *nv = realloc(l->v, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		l->v = nv;
		l->cap = ncap;
	}
	l->v[l->n++] = op;
	return 0;
}

static void delete_set(int bset_fd, uint32_t set_id, uint32_t nslots)
{
	for (uint32_t i = 0; i < nslots; i++) {
		struct sl_bset_key k = { .set_id = set_id, .slot = i };

		bpf_map_delete_elem(bset_fd, &k);
	}
}

static void undo(struct sl_lb_sync *s, struct oplog *l)
{
	for (size_t i = l->n; i-- > 0;) {
		struct op *op = &l->v[i];

		switch (op->kind) {
		case OP_SVC_DELETED:
		case OP_SVC_REPLACED:
			if (bpf_map_update_elem(s->svc_fd, &op->key, &op->old, BPF_ANY))
				pr_err("rollback: cannot restore a service entry: %s",
				       strerror(errno));
			break;
		case OP_SVC_INSERTED:
			bpf_map_delete_elem(s->svc_fd, &op->key);
			break;
		case OP_SET_WRITTEN:
			delete_set(s->bset_fd, op->set_id, op->nslots);
			s->nslots -= op->nslots;
			break;
		}
	}
}

static uint32_t alloc_set_id(struct sl_lb_sync *s)
{
	uint32_t id = s->next_set_id++;

	if (!s->next_set_id)
		s->next_set_id = 1;
	return id;
}

int sl_lb_sync_apply(struct sl_lb_sync *s, const struct sl_compiled *c, struct sl_lb_result *res,
		     char *err, size_t errlen)
{
	struct oplog log = {};
	size_t new_slots = 0, it;
	const void *k;
	void *v;
	int ret = 0;

	memset(res, 0, sizeof(*res));
	if (c->fe.used > s->max_services) {
		snprintf(
			err, errlen,
			"the configuration needs %zu service entries (ClusterIP x port), more than --max-services=%u",
			c->fe.used, s->max_services);
		return -ENOSPC;
	}
	it = 0;
	while (sl_htab_next(&c->fe, &it, &k, NULL, &v)) {
		const struct sl_frontend *d = v;
		const struct sl_lb_fe *a = sl_htab_get(&s->actual, k, sizeof(struct sl_svc_key));

		if (!a || !fe_equal(a, d))
			new_slots += d->nbe;
	}
	if (s->nslots + new_slots > s->max_backends && s->ngc)
		sl_lb_sync_gc(s);
	if (s->nslots + new_slots > s->max_backends) {
		snprintf(
			err, errlen,
			"the configuration needs %zu more backend entries while %zu are in use, more than --max-backends=%u",
			new_slots, s->nslots, s->max_backends);
		return -ENOSPC;
	}

	/* 1. Frontends that go away. */
	it = 0;
	while (sl_htab_next(&s->actual, &it, &k, NULL, &v)) {
		const struct sl_lb_fe *a = v;
		struct op op = { .kind = OP_SVC_DELETED, .old = a->val };

		if (sl_htab_get(&c->fe, k, sizeof(struct sl_svc_key)))
			continue;
		memcpy(&op.key, k, sizeof(op.key));
		if (bpf_map_delete_elem(s->svc_fd, &op.key) && errno != ENOENT) {
			ret = -errno;
			snprintf(err, errlen, "deleting a service map entry: %s", strerror(errno));
			goto rollback;
		}
		ret = oplog_push(&log, op);
		if (ret)
			goto rollback_nomem;
		res->removed++;
	}

	/* 2 and 3. New sets, then the swap, frontend by frontend. */
	it = 0;
	while (sl_htab_next(&c->fe, &it, &k, NULL, &v)) {
		const struct sl_frontend *d = v;
		const struct sl_lb_fe *a = sl_htab_get(&s->actual, k, sizeof(struct sl_svc_key));
		struct sl_svc_val nv = { .count = d->nbe, .svc_id = d->svc_id };
		struct op op = {};

		if (a && fe_equal(a, d)) {
			res->unchanged++;
			continue;
		}
		if (d->nbe) {
			nv.set_id = alloc_set_id(s);
			for (uint32_t i = 0; i < d->nbe; i++) {
				struct sl_bset_key bk = { .set_id = nv.set_id, .slot = i };

				if (bpf_map_update_elem(s->bset_fd, &bk, &d->be[i], BPF_NOEXIST)) {
					ret = -errno;
					snprintf(err, errlen, "writing a backend map entry: %s",
						 strerror(errno));
					delete_set(s->bset_fd, nv.set_id, i);
					goto rollback;
				}
			}
			s->nslots += d->nbe;
			op = (struct op){ .kind = OP_SET_WRITTEN,
					  .set_id = nv.set_id,
					  .nslots = d->nbe };
			ret = oplog_push(&log, op);
			if (ret) {
				delete_set(s->bset_fd, nv.set_id, d->nbe);
				s->nslots -= d->nbe;
				goto rollback_nomem;
			}
		}
		op = (struct op){ .kind = a ? OP_SVC_REPLACED : OP_SVC_INSERTED, .key = d->key };
		if (a)
			op.old = a->val;
		if (bpf_map_update_elem(s->svc_fd, &d->key, &nv, BPF_ANY)) {
			ret = -errno;
			snprintf(err, errlen, "writing a service map entry: %s", strerror(errno));
			goto rollback;
		}
		ret = oplog_push(&log, op);
		if (ret) {
			if (a)
				bpf_map_update_elem(s->svc_fd, &d->key, &a->val, BPF_ANY);
			else
				bpf_map_delete_elem(s->svc_fd, &d->key);
			goto rollback_nomem;
		}
		if (a)
			res->changed++;
		else
			res->added++;
	}

	/* Committed to the kernel: bring the mirror up to date and queue the old sets. */
	for (size_t i = 0; i < log.n; i++) {
		struct op *op = &log.v[i];
		struct sl_lb_fe *a;

		if (op->kind == OP_SET_WRITTEN)
			continue;
		if (op->kind == OP_SVC_DELETED || op->kind == OP_SVC_REPLACED) {
			a = sl_htab_del(&s->actual, &op->key, sizeof(op->key));
			if (a) {
				if (gc_push(s, a->val.set_id, a->nbe))
					pr_warn("out of memory queueing backend set %u for gc",
						a->val.set_id);
				fe_free(a);
			}
		}
		if (op->kind == OP_SVC_INSERTED || op->kind == OP_SVC_REPLACED) {
			const struct sl_frontend *d =
				sl_htab_get(&c->fe, &op->key, sizeof(op->key));
			struct sl_lb_fe *na = calloc(1, sizeof(*na));

			if (na && d->nbe)
				na->be = malloc(d->nbe * sizeof(*na->be));
			if (!na || (d->nbe && !na->be) ||
			    sl_htab_put(&s->actual, &op->key, sizeof(op->key), na, NULL)) {
				/* The kernel is right; only the mirror is short. Mark the
				 * agent's view stale so the next apply rewrites this entry. */
				pr_err("out of memory updating the service mirror");
				fe_free(na);
				continue;
			}
			if (bpf_map_lookup_elem(s->svc_fd, &op->key, &na->val))
				na->val.count = UINT32_MAX;
			na->nbe = d->nbe;
			if (d->nbe)
				memcpy(na->be, d->be, d->nbe * sizeof(*na->be));
		}
	}
	free(log.v);
	return 0;

rollback_nomem:
	snprintf(err, errlen, "out of memory while writing the service maps");
	ret = -ENOMEM;
rollback:
	undo(s, &log);
	free(log.v);
	return ret;
}

/* Waits for an RCU grace period: membarrier(GLOBAL) calls synchronize_rcu(), and every
 * sock_addr program runs inside rcu_read_lock(), so once it returns no program still
 * holds a pointer to a value swapped out before the call. */
static void wait_grace_period(void)
{
	if (syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) == 0)
		return;
	/* nohz_full kernels refuse GLOBAL: a program runs for microseconds, so a pause
	 * many orders of magnitude longer is the fallback. */
	usleep(100 * 1000);
}

void sl_lb_sync_gc(struct sl_lb_sync *s)
{
	if (!s->ngc)
		return;
	wait_grace_period();
	for (size_t i = 0; i < s->ngc; i++) {
		delete_set(s->bset_fd, s->gc[i].set_id, s->gc[i].nslots);
		s->nslots -= s->gc[i].nslots < s->nslots ? s->gc[i].nslots : s->nslots;
	}
	s->ngc = 0;
}

size_t sl_lb_sync_pending_gc(const struct sl_lb_sync *s)
{
	return s->ngc;
}

void sl_lb_sync_free(struct sl_lb_sync *s)
{
	size_t it = 0;
	void *v;

	if (!s)
		return;
	while (sl_htab_next(&s->actual, &it, NULL, NULL, &v))
		fe_free(v);
	sl_htab_free(&s->actual);
	free(s->gc);
	s->gc = NULL;
	s->ngc = s->capgc = 0;
}
