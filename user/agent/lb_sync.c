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
#include "state/maglev.h"

static void set_free(struct sl_lb_set *set)
{
	free(set->be);
	set->be = NULL;
}

static void fe_free(struct sl_lb_fe *fe)
{
	if (!fe)
		return;
	for (size_t i = 0; i < fe->nsets; i++)
		set_free(&fe->sets[i]);
	free(fe->sets);
	free(fe->src);
	free(fe);
}

static int gc_push(struct sl_lb_sync *s, struct sl_lb_set set)
{
	if (s->ngc == s->capgc) {
		size_t ncap = s->capgc ? s->capgc * 2 : 64;
		struct sl_lb_set *nv = realloc(s->gc, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		s->gc = nv;
		s->capgc = ncap;
	}
	s->gc[s->ngc++] = set;
	return 0;
}

/* Reads the backends of set `id` (slots 0..n-1). */
static int read_set(int bset_fd, uint32_t id, uint32_t n, struct sl_backend **out)
{
	struct sl_backend *be = calloc(n ? n : 1, sizeof(*be));

	if (!be)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		struct sl_bset_key k = { .set_id = id, .slot = i };

		if (bpf_map_lookup_elem(bset_fd, &k, &be[i])) {
			free(be);
			return -errno;
		}
	}
	*out = be;
	return 0;
}

static void delete_set(const struct sl_lb_sync *s, const struct sl_lb_set *set)
{
	for (uint32_t i = 0; i < set->n; i++) {
		struct sl_bset_key k = { .set_id = set->id, .slot = i };
		struct sl_bset_rev_key rk = { .set_id = set->id };

		if (set->be) {
			rk.addr = set->be[i].addr;
			rk.port = set->be[i].port;
			bpf_map_delete_elem(s->fd.bset_rev, &rk);
		}
		bpf_map_delete_elem(s->fd.bset, &k);
	}
	if (set->maglev)
		bpf_map_delete_elem(s->fd.maglev, &set->id);
}

/* What init learns about each set present in sl_bset. */
struct seen_set {
	uint32_t nslots;
	bool referenced;
	bool maglev;
};

static struct seen_set *seen_get(struct sl_htab *sets, uint32_t id, bool create)
{
	struct seen_set *ss = sl_htab_get(sets, &id, sizeof(id));

	if (ss || !create)
		return ss;
	ss = calloc(1, sizeof(*ss));
	if (ss && sl_htab_put(sets, &id, sizeof(id), ss, NULL)) {
		free(ss);
		ss = NULL;
	}
	return ss;
}

/* Adds the sets a kernel route references to fe's list (once each). */
static int fe_add_route_sets(struct sl_lb_sync *s, struct sl_lb_fe *fe, const struct sl_route *r,
			     struct sl_htab *seen)
{
	for (uint32_t d = 0; d < r->ndest && d < SL_MAX_DESTS; d++) {
		const struct sl_dest *dst = &r->dest[d];
		struct sl_lb_set *nv, set = { .id = dst->set_id,
					      .n = dst->count,
					      .maglev = dst->algo == SL_ALGO_MAGLEV };
		struct seen_set *ss;
		bool dup = false;
		int err;

		if (!dst->set_id || !dst->count)
			continue;
		for (size_t i = 0; i < fe->nsets; i++)
			dup |= fe->sets[i].id == dst->set_id;
		if (dup)
			continue;
		ss = seen_get(seen, dst->set_id, false);
		if (ss)
			ss->referenced = true;
		err = read_set(s->fd.bset, set.id, set.n, &set.be);
		if (err)
			return err;
		nv = realloc(fe->sets, (fe->nsets + 1) * sizeof(*nv));
		if (!nv) {
			set_free(&set);
			return -ENOMEM;
		}
		fe->sets = nv;
		fe->sets[fe->nsets++] = set;
	}
	return 0;
}

struct src_list {
	struct sl_lb_src *v;
	size_t n;
};

int sl_lb_sync_init(struct sl_lb_sync *s, const struct sl_lb_fds *fds,
		    const struct sl_lb_limits *lim)
{
	struct sl_htab sets = {}, srcs = {};
	struct sl_svc_key key, next;
	struct sl_bset_key bk, bnext;
	struct sl_src_route_key sk, snext;
	uint32_t mk, mnext;
	void *prev;
	size_t it;
	const void *k;
	void *v;
	int err = 0;

	memset(s, 0, sizeof(*s));
	s->fd = *fds;
	s->lim = *lim;
	s->next_set_id = 1;

	/* Every set present in sl_bset, with its size. */
	for (prev = NULL; !bpf_map_get_next_key(s->fd.bset, prev, &bnext); prev = &bk) {
		struct seen_set *ss = seen_get(&sets, bnext.set_id, true);

		if (!ss) {
			err = -ENOMEM;
			goto out;
		}
		if (bnext.slot + 1 > ss->nslots)
			ss->nslots = bnext.slot + 1;
		s->nslots++;
		if (bnext.set_id >= s->next_set_id)
			s->next_set_id = bnext.set_id + 1;
		bk = bnext;
	}
	for (prev = NULL; !bpf_map_get_next_key(s->fd.maglev, prev, &mnext); prev = &mk) {
		struct seen_set *ss = seen_get(&sets, mnext, true);

		if (!ss) {
			err = -ENOMEM;
			goto out;
		}
		ss->maglev = true;
		s->nmaglev++;
		mk = mnext;
	}
	/* Source routes, grouped by the frontend (route id) they belong to. */
	for (prev = NULL; !bpf_map_get_next_key(s->fd.src_route, prev, &snext); prev = &sk) {
		struct src_list *l = sl_htab_get(&srcs, &snext.route_id, sizeof(snext.route_id));
		struct sl_lb_src *nv;

		sk = snext;
		if (!l) {
			l = calloc(1, sizeof(*l));
			if (!l ||
			    sl_htab_put(&srcs, &snext.route_id, sizeof(snext.route_id), l, NULL)) {
				free(l);
				err = -ENOMEM;
				goto out;
			}
		}
		nv = realloc(l->v, (l->n + 1) * sizeof(*nv));
		if (!nv) {
			err = -ENOMEM;
			goto out;
		}
		l->v = nv;
		l->v[l->n].pod_id = snext.pod_id;
		if (bpf_map_lookup_elem(s->fd.src_route, &snext, &l->v[l->n].route))
			continue;
		l->n++;
		s->nsrc++;
	}
	for (prev = NULL; !bpf_map_get_next_key(s->fd.svc, prev, &next); prev = &key) {
		struct sl_lb_fe *fe = calloc(1, sizeof(*fe));
		struct src_list *l;

		key = next;
		if (!fe) {
			err = -ENOMEM;
			goto out;
		}
		if (bpf_map_lookup_elem(s->fd.svc, &next, &fe->val)) {
			free(fe);
			continue;
		}
		err = fe_add_route_sets(s, fe, &fe->val.route, &sets);
		l = (fe->val.flags & SL_SVC_F_SRC_ROUTES)
			    ? sl_htab_get(&srcs, &fe->val.route_id, sizeof(fe->val.route_id))
			    : NULL;
		if (l && !err) {
			fe->src = l->v;
			fe->nsrc = l->n;
			l->v = NULL;
			l->n = 0;
			for (size_t i = 0; i < fe->nsrc && !err; i++)
				err = fe_add_route_sets(s, fe, &fe->src[i].route, &sets);
		}
		if (err) {
			/* Unreadable: forget the digest, so the next apply rewrites it. */
			pr_warn("service map entry with an unreadable backend set: will rewrite");
			fe->val.digest = 0;
			err = 0;
		}
		err = sl_htab_put(&s->actual, &next, sizeof(next), fe, NULL);
		if (err) {
			fe_free(fe);
			goto out;
		}
	}
	/* Sets nothing references: left by an agent killed between writing a set and
	 * deleting an old one. Source routes of no frontend: delete now. */
	it = 0;
	while (sl_htab_next(&sets, &it, &k, NULL, &v)) {
		struct seen_set *ss = v;
		struct sl_lb_set set = { .id = *(const uint32_t *)k,
					 .n = ss->nslots,
					 .maglev = ss->maglev };

		if (ss->referenced)
			continue;
		if (set.n && read_set(s->fd.bset, set.id, set.n, &set.be))
			set.be = NULL;
		err = gc_push(s, set);
		if (err)
			goto out;
	}
	it = 0;
	while (sl_htab_next(&srcs, &it, &k, NULL, &v)) {
		struct src_list *l = v;

		for (size_t i = 0; i < l->n; i++) {
			struct sl_src_route_key rk = { .route_id = *(const uint32_t *)k,
						       .pod_id = l->v[i].pod_id };

			bpf_map_delete_elem(s->fd.src_route, &rk);
			s->nsrc--;
		}
	}
out:
	it = 0;
	while (sl_htab_next(&sets, &it, NULL, NULL, &v))
		free(v);
	sl_htab_free(&sets);
	it = 0;
	while (sl_htab_next(&srcs, &it, NULL, NULL, &v)) {
		free(((struct src_list *)v)->v);
		free(v);
	}
	sl_htab_free(&srcs);
	return err;
}

enum op_kind {
	OP_SVC_DEL, /* undo: put old back */
	OP_SVC_PUT, /* undo: put old back, or delete */
	OP_SRC_DEL,
	OP_SRC_PUT,
	OP_SET, /* undo: delete the set */
};

struct op {
	enum op_kind kind;
	bool had_old;
	struct sl_svc_key key;
	struct sl_src_route_key skey;
	union {
		struct sl_svc_val svc;
		struct sl_route route;
	} old;
	struct sl_lb_set set;
};

struct oplog {
	struct op *v;
	size_t n, cap;
};

static int oplog_push(struct oplog *l, const struct op *op)
{
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 64;
		struct op *nv = realloc(l->v, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		l->v = nv;
		l->cap = ncap;
	}
	l->v[l->n++] = *op;
	return 0;
}

static void undo(struct sl_lb_sync *s, struct oplog *l)
{
	for (size_t i = l->n; i-- > 0;) {
		struct op *op = &l->v[i];

		switch (op->kind) {
		case OP_SVC_DEL:
			bpf_map_update_elem(s->fd.svc, &op->key, &op->old.svc, BPF_ANY);
			break;
		case OP_SVC_PUT:
			if (op->had_old)
				bpf_map_update_elem(s->fd.svc, &op->key, &op->old.svc, BPF_ANY);
			else
				bpf_map_delete_elem(s->fd.svc, &op->key);
			break;
		case OP_SRC_DEL:
			bpf_map_update_elem(s->fd.src_route, &op->skey, &op->old.route, BPF_ANY);
			s->nsrc++;
			break;
		case OP_SRC_PUT:
			if (op->had_old) {
				bpf_map_update_elem(s->fd.src_route, &op->skey, &op->old.route,
						    BPF_ANY);
			} else {
				bpf_map_delete_elem(s->fd.src_route, &op->skey);
				s->nsrc--;
			}
			break;
		case OP_SET:
			delete_set(s, &op->set);
			s->nslots -= op->set.n;
			s->nmaglev -= op->set.maglev;
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

/* Writes one backend set (slots, reverse index, Maglev table). On error nothing of it
 * stays in the maps. */
static int write_set(struct sl_lb_sync *s, const struct sl_fe_dest *d, uint32_t id, char *err,
		     size_t errlen)
{
	struct sl_lb_set partial = { .id = id };
	uint32_t i;
	int ret = 0;

	for (i = 0; i < d->nbe; i++) {
		struct sl_bset_key k = { .set_id = id, .slot = i };
		struct sl_bset_rev_key rk = { .set_id = id,
					      .addr = d->be[i].addr,
					      .port = d->be[i].port };

		if (bpf_map_update_elem(s->fd.bset, &k, &d->be[i], BPF_NOEXIST) ||
		    bpf_map_update_elem(s->fd.bset_rev, &rk, &i, BPF_NOEXIST)) {
			ret = -errno;
			snprintf(err, errlen, "writing a backend map entry: %s", strerror(errno));
			goto fail;
		}
	}
	if (d->algo == SL_ALGO_MAGLEV) {
		LIBBPF_OPTS(bpf_map_create_opts, mo, .map_flags = BPF_F_INNER_MAP);
		uint32_t *table = calloc(d->maglev_size, sizeof(*table));
		int fd = -1;

		ret = table ? sl_maglev_build(d->be, d->nbe, d->maglev_size, table) : -ENOMEM;
		if (!ret) {
			fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "sl_maglev_tbl", 4, 4,
					    d->maglev_size, &mo);
			ret = fd < 0 ? -errno : 0;
		}
		for (uint32_t b = 0; !ret && b < d->maglev_size; b++)
			if (bpf_map_update_elem(fd, &b, &table[b], BPF_ANY))
				ret = -errno;
		if (!ret && bpf_map_update_elem(s->fd.maglev, &id, &fd, BPF_NOEXIST))
			ret = -errno;
		free(table);
		if (fd >= 0)
			close(fd); /* the outer map holds it now */
		if (ret) {
			snprintf(err, errlen, "building a Maglev table of %u entries: %s",
				 d->maglev_size, strerror(-ret));
			goto fail;
		}
	}
	return 0;
fail:
	partial.n = i;
	partial.be = d->be;
	delete_set(s, &partial);
	return ret;
}

/* Writes the sets of one compiled route and fills the kernel route. */
static int write_route(struct sl_lb_sync *s, const struct sl_fe_route *fr, struct sl_route *kr,
		       struct oplog *log, char *err, size_t errlen)
{
	uint32_t cum = 0;

	memset(kr, 0, sizeof(*kr));
	kr->ndest = fr->ndest;
	for (uint32_t i = 0; i < fr->ndest; i++) {
		const struct sl_fe_dest *d = &fr->dest[i];
		struct sl_dest *kd = &kr->dest[i];
		struct op op = { .kind = OP_SET };
		int ret;

		cum += d->weight;
		kd->cum_weight = i + 1 == fr->ndest ? 100 : cum;
		kd->pool_id = d->pool_id;
		kd->max_conns = d->max_conns;
		kd->algo = d->algo;
		kd->maglev_size = d->algo == SL_ALGO_MAGLEV ? d->maglev_size : 0;
		if (!d->nbe)
			continue;
		kd->set_id = alloc_set_id(s);
		kd->count = d->nbe;
		ret = write_set(s, d, kd->set_id, err, errlen);
		if (ret)
			return ret;
		op.set = (struct sl_lb_set){ .id = kd->set_id,
					     .n = d->nbe,
					     .be = d->be,
					     .maglev = d->algo == SL_ALGO_MAGLEV };
		s->nslots += d->nbe;
		s->nmaglev += op.set.maglev;
		ret = oplog_push(log, &op);
		if (ret) {
			delete_set(s, &op.set);
			s->nslots -= d->nbe;
			s->nmaglev -= op.set.maglev;
			snprintf(err, errlen, "out of memory");
			return ret;
		}
	}
	return 0;
}

static const struct sl_lb_src *find_src(const struct sl_lb_fe *a, uint32_t route_id, uint32_t pod)
{
	if (!a || a->val.route_id != route_id || !(a->val.flags & SL_SVC_F_SRC_ROUTES))
		return NULL;
	for (size_t i = 0; i < a->nsrc; i++)
		if (a->src[i].pod_id == pod)
			return &a->src[i];
	return NULL;
}

static bool has_src(const struct sl_frontend *d, uint32_t route_id, uint32_t pod)
{
	if (!(d->flags & SL_SVC_F_SRC_ROUTES) || d->route_id != route_id)
		return false;
	for (size_t i = 0; i < d->nsrc; i++)
		if (d->src[i].pod_id == pod)
			return true;
	return false;
}

/* Writes one changed frontend: sets, source routes, the service value, then deletes
 * source routes it lost. */
static int write_frontend(struct sl_lb_sync *s, const struct sl_frontend *d,
			  const struct sl_lb_fe *a, struct oplog *log, char *err, size_t errlen)
{
	struct sl_route *kr = calloc(d->nroutes, sizeof(*kr));
	struct sl_svc_val nv = {};
	struct op op;
	int ret = 0;

	if (!kr)
		return -ENOMEM;
	ret = write_route(s, &d->routes[0], &kr[0], log, err, errlen);
	for (size_t i = 0; !ret && i < d->nsrc; i++) {
		size_t r = d->src[i].route;

		if (!kr[r].ndest)
			ret = write_route(s, &d->routes[r], &kr[r], log, err, errlen);
	}
	for (size_t i = 0; !ret && i < d->nsrc; i++) {
		const struct sl_lb_src *old = find_src(a, d->route_id, d->src[i].pod_id);

		op = (struct op){ .kind = OP_SRC_PUT,
				  .had_old = old != NULL,
				  .skey = { .route_id = d->route_id, .pod_id = d->src[i].pod_id } };
		if (old)
			op.old.route = old->route;
		if (bpf_map_update_elem(s->fd.src_route, &op.skey, &kr[d->src[i].route], BPF_ANY)) {
			ret = -errno;
			snprintf(err, errlen, "writing a source route: %s", strerror(errno));
			break;
		}
		if (!old)
			s->nsrc++;
		ret = oplog_push(log, &op);
	}
	if (!ret) {
		nv = (struct sl_svc_val){ .digest = d->digest,
					  .svc_id = d->svc_id,
					  .flags = d->flags,
					  .route_id = d->route_id,
					  .affinity_timeout_s = d->affinity_timeout_s,
					  .route = kr[0] };
		op = (struct op){ .kind = OP_SVC_PUT, .had_old = a != NULL, .key = d->key };
		if (a)
			op.old.svc = a->val;
		if (bpf_map_update_elem(s->fd.svc, &d->key, &nv, BPF_ANY)) {
			ret = -errno;
			snprintf(err, errlen, "writing a service map entry: %s", strerror(errno));
		} else {
			ret = oplog_push(log, &op);
		}
	}
	for (size_t i = 0; !ret && a && i < a->nsrc; i++) {
		if (has_src(d, a->val.route_id, a->src[i].pod_id))
			continue;
		op = (struct op){ .kind = OP_SRC_DEL,
				  .skey = { .route_id = a->val.route_id,
					    .pod_id = a->src[i].pod_id },
				  .old.route = a->src[i].route };
		if (bpf_map_delete_elem(s->fd.src_route, &op.skey) && errno != ENOENT) {
			ret = -errno;
			snprintf(err, errlen, "deleting a source route: %s", strerror(errno));
			break;
		}
		s->nsrc--;
		ret = oplog_push(log, &op);
	}
	free(kr);
	return ret;
}

/* The mirror entry for a frontend just written: values read back from the kernel's
 * view of what was written, backends copied from the compiled state. */
static struct sl_lb_fe *mirror_of(const struct sl_lb_sync *s, const struct sl_frontend *d)
{
	struct sl_lb_fe *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	if (bpf_map_lookup_elem(s->fd.svc, &d->key, &m->val))
		goto fail;
	if (d->nsrc) {
		m->src = calloc(d->nsrc, sizeof(*m->src));
		if (!m->src)
			goto fail;
		for (size_t i = 0; i < d->nsrc; i++) {
			struct sl_src_route_key k = { .route_id = d->route_id,
						      .pod_id = d->src[i].pod_id };

			m->src[i].pod_id = d->src[i].pod_id;
			if (bpf_map_lookup_elem(s->fd.src_route, &k, &m->src[i].route))
				goto fail;
			m->nsrc++;
		}
	}
	/* Sets: every distinct set the routes reference, with the compiled backends. */
	for (size_t r = 0; r <= m->nsrc; r++) {
		const struct sl_route *kr = r == 0 ? &m->val.route : &m->src[r - 1].route;
		const struct sl_fe_route *fr =
			r == 0 ? &d->routes[0] : &d->routes[d->src[r - 1].route];

		for (uint32_t i = 0; i < kr->ndest && i < SL_MAX_DESTS; i++) {
			struct sl_lb_set *nv,
				set = { .id = kr->dest[i].set_id,
					.n = kr->dest[i].count,
					.maglev = kr->dest[i].algo == SL_ALGO_MAGLEV };
			bool dup = false;

			if (!set.id)
				continue;
			for (size_t k = 0; k < m->nsets; k++)
				dup |= m->sets[k].id == set.id;
			if (dup)
				continue;
			set.be = malloc(set.n * sizeof(*set.be));
			nv = realloc(m->sets, (m->nsets + 1) * sizeof(*nv));
			if (!set.be || !nv) {
				free(set.be);
				if (nv)
					m->sets = nv;
				goto fail;
			}
			memcpy(set.be, fr->dest[i].be, set.n * sizeof(*set.be));
			m->sets = nv;
			m->sets[m->nsets++] = set;
		}
	}
	return m;
fail:
	fe_free(m);
	return NULL;
}

static bool backend_in(const struct sl_backend *b, const struct sl_frontend *d)
{
	for (size_t r = 0; d && r < d->nroutes; r++)
		for (uint32_t i = 0; i < d->routes[r].ndest; i++)
			for (uint32_t k = 0; k < d->routes[r].dest[i].nbe; k++)
				if (!memcmp(&d->routes[r].dest[i].be[k], b, sizeof(*b)))
					return true;
	return false;
}

/* Backends of the old frontend `a` that `d` (NULL: removed) no longer has. */
static void note_gone(struct sl_lb_result *res, const struct sl_lb_fe *a,
		      const struct sl_frontend *d)
{
	for (size_t i = 0; i < a->nsets; i++) {
		for (uint32_t k = 0; a->sets[i].be && k < a->sets[i].n; k++) {
			const struct sl_backend *b = &a->sets[i].be[k];
			struct sl_backend *nv;

			if (backend_in(b, d))
				continue;
			nv = realloc(res->gone, (res->ngone + 1) * sizeof(*nv));
			if (!nv)
				return;
			res->gone = nv;
			res->gone[res->ngone++] = *b;
		}
	}
}

int sl_lb_sync_apply(struct sl_lb_sync *s, const struct sl_compiled *c, struct sl_lb_result *res,
		     char *err, size_t errlen)
{
	struct oplog log = {};
	size_t new_slots = 0, new_maglev = 0, it;
	const void *k;
	void *v;
	int ret = 0;

	memset(res, 0, sizeof(*res));
	if (c->fe.used > s->lim.max_services) {
		snprintf(
			err, errlen,
			"the configuration needs %zu service entries (ClusterIP x port), more than --max-services=%u",
			c->fe.used, s->lim.max_services);
		return -ENOSPC;
	}
	if (c->nsrc > s->lim.max_services) {
		snprintf(
			err, errlen,
			"the configuration needs %zu source routes (client pods x VirtualService source matches), more than --max-services=%u",
			c->nsrc, s->lim.max_services);
		return -ENOSPC;
	}
	it = 0;
	while (sl_htab_next(&c->fe, &it, &k, NULL, &v)) {
		const struct sl_frontend *d = v;
		const struct sl_lb_fe *a = sl_htab_get(&s->actual, k, sizeof(struct sl_svc_key));

		if (a && a->val.digest == d->digest)
			continue;
		new_slots += d->nslots;
		for (size_t r = 0; r < d->nroutes; r++)
			for (uint32_t i = 0; i < d->routes[r].ndest; i++)
				new_maglev += d->routes[r].dest[i].algo == SL_ALGO_MAGLEV &&
					      d->routes[r].dest[i].nbe;
	}
	if ((s->nslots + new_slots > s->lim.max_backends ||
	     s->nmaglev + new_maglev > s->lim.max_services) &&
	    s->ngc)
		sl_lb_sync_gc(s);
	if (s->nslots + new_slots > s->lim.max_backends) {
		snprintf(
			err, errlen,
			"the configuration needs %zu more backend entries while %zu are in use, more than --max-backends=%u",
			new_slots, s->nslots, s->lim.max_backends);
		return -ENOSPC;
	}
	if (s->nmaglev + new_maglev > s->lim.max_services) {
		snprintf(
			err, errlen,
			"the configuration needs %zu more Maglev tables while %zu are in use, more than --max-services=%u",
			new_maglev, s->nmaglev, s->lim.max_services);
		return -ENOSPC;
	}

	/* 1. Frontends that go away: the service entry first, so no lookup reaches
	 * their source routes any more. */
	it = 0;
	while (sl_htab_next(&s->actual, &it, &k, NULL, &v)) {
		const struct sl_lb_fe *a = v;
		struct op op = { .kind = OP_SVC_DEL, .old.svc = a->val };

		if (sl_htab_get(&c->fe, k, sizeof(struct sl_svc_key)))
			continue;
		memcpy(&op.key, k, sizeof(op.key));
		if (bpf_map_delete_elem(s->fd.svc, &op.key) && errno != ENOENT) {
			ret = -errno;
			snprintf(err, errlen, "deleting a service map entry: %s", strerror(errno));
			goto rollback;
		}
		if ((ret = oplog_push(&log, &op)))
			goto rollback_nomem;
		for (size_t i = 0; i < a->nsrc; i++) {
			struct op sop = { .kind = OP_SRC_DEL,
					  .old.route = a->src[i].route,
					  .skey = { .route_id = a->val.route_id,
						    .pod_id = a->src[i].pod_id } };

			bpf_map_delete_elem(s->fd.src_route, &sop.skey);
			s->nsrc--;
			if ((ret = oplog_push(&log, &sop)))
				goto rollback_nomem;
		}
		res->removed++;
	}

	/* 2 and 3. Changed and new frontends. */
	it = 0;
	while (sl_htab_next(&c->fe, &it, &k, NULL, &v)) {
		const struct sl_frontend *d = v;
		const struct sl_lb_fe *a = sl_htab_get(&s->actual, k, sizeof(struct sl_svc_key));

		if (a && a->val.digest == d->digest) {
			res->unchanged++;
			continue;
		}
		ret = write_frontend(s, d, a, &log, err, errlen);
		if (ret)
			goto rollback;
		if (a)
			res->changed++;
		else
			res->added++;
	}

	/* Committed to the kernel: bring the mirror up to date and queue the old sets. */
	it = 0;
	while (sl_htab_next(&s->actual, &it, &k, NULL, &v)) {
		struct sl_lb_fe *a = v;
		const struct sl_frontend *d = sl_htab_get(&c->fe, k, sizeof(struct sl_svc_key));

		if (d && a->val.digest == d->digest)
			continue;
		note_gone(res, a, d);
		for (size_t i = 0; i < a->nsets; i++) {
			if (gc_push(s, a->sets[i]))
				pr_warn("out of memory queueing backend set %u for gc",
					a->sets[i].id);
			a->sets[i].be = NULL; /* now owned by the gc list */
		}
		a->nsets = 0;
	}
	it = 0;
	while (sl_htab_next(&c->fe, &it, &k, NULL, &v)) {
		const struct sl_frontend *d = v;
		struct sl_lb_fe *a = sl_htab_get(&s->actual, k, sizeof(struct sl_svc_key)), *m;

		if (a && a->val.digest == d->digest)
			continue;
		m = mirror_of(s, d);
		if (!m || sl_htab_put(&s->actual, k, sizeof(struct sl_svc_key), m, NULL)) {
			/* The kernel is right; only the mirror is short. Drop it: the next
			 * apply rewrites this frontend. */
			pr_err("out of memory updating the service mirror");
			fe_free(m);
			fe_free(sl_htab_del(&s->actual, k, sizeof(struct sl_svc_key)));
			continue;
		}
		fe_free(a);
	}
	it = 0;
	while (sl_htab_next(&s->actual, &it, &k, NULL, &v)) {
		if (sl_htab_get(&c->fe, k, sizeof(struct sl_svc_key)))
			continue;
		fe_free(v);
		sl_htab_del(&s->actual, k, sizeof(struct sl_svc_key));
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
void sl_wait_grace_period(void)
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
	sl_wait_grace_period();
	for (size_t i = 0; i < s->ngc; i++) {
		delete_set(s, &s->gc[i]);
		s->nslots -= s->gc[i].n < s->nslots ? s->gc[i].n : s->nslots;
		s->nmaglev -= s->gc[i].maglev && s->nmaglev;
		set_free(&s->gc[i]);
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
	for (size_t i = 0; i < s->ngc; i++)
		set_free(&s->gc[i]);
	free(s->gc);
	s->gc = NULL;
	s->ngc = s->capgc = 0;
}
