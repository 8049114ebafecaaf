// SPDX-License-Identifier: Apache-2.0
/* The name directory of request metrics (names.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/objects.h"
#include "model/workload_name.h"
#include "proxy/names.h"

/* FNV-1a over a NUL-terminated string and its terminator, continuing from h. */
static uint32_t fnv(uint32_t h, const char *s)
{
	do {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	} while (*s++);
	return h;
}

uint32_t px_obj_id(const struct sl_object *o)
{
	/* Hashed in place, not formatted: it runs for every request. */
	uint32_t h = fnv(fnv(2166136261u ^ (uint32_t)o->kind, o->meta.ns), o->meta.name);

	return h ? h : 1;
}

static void name_free(struct px_name *p)
{
	if (!p)
		return;
	free(p->ns);
	free(p->name);
	free(p->workload);
	free(p->app);
	free(p->version);
	free(p);
}

static struct px_name *name_of(const struct sl_object *o)
{
	struct px_name *p = calloc(1, sizeof(*p));
	char wl[256];

	if (!p)
		return NULL;
	p->ns = strdup(o->meta.ns);
	p->name = strdup(o->meta.name);
	if (o->kind == SL_KIND_POD) {
		sl_workload_name(o, wl, sizeof(wl));
		p->workload = strdup(wl);
		p->app = strdup(sl_pod_label(o, "app"));
		p->version = strdup(sl_pod_label(o, "version"));
		if (!p->workload || !p->app || !p->version) {
			name_free(p);
			return NULL;
		}
	}
	if (!p->ns || !p->name) {
		name_free(p);
		return NULL;
	}
	return p;
}

/* Puts the names of o under id in h, replacing what was there. */
static int learn(struct sl_htab *h, uint32_t id, const struct sl_object *o)
{
	struct px_name *p = name_of(o), *old = NULL;

	if (!p || sl_htab_put(h, &id, sizeof(id), p, (void **)&old)) {
		name_free(p);
		return -ENOMEM;
	}
	name_free(old);
	return 0;
}

/* Marks what is not in `seen` departed; forgets what departed before `before`. */
static void age(struct sl_htab *h, const struct sl_htab *seen, int64_t now_ms, int64_t before)
{
	size_t it = 0;
	const void *k;
	void *v;

	while (sl_htab_next(h, &it, &k, NULL, &v)) {
		struct px_name *p = v;

		if (sl_htab_get(seen, k, sizeof(uint32_t)))
			continue;
		if (!p->departed_ms)
			p->departed_ms = now_ms;
		if (p->departed_ms < before) {
			/* A deletion does not move the other entries: the walk goes on. */
			sl_htab_del(h, k, sizeof(uint32_t));
			name_free(p);
		}
	}
}

int px_names_sync(struct px_names *n, const struct px_snapshot *s, int64_t now_ms, int64_t keep_ms)
{
	struct sl_htab seen_pods = {}, seen_svcs = {};
	size_t it = 0;
	void *v;
	int ret = 0;

	if (n->synced && n->version == s->version)
		return 0;
	while (sl_htab_next(&s->store.objs, &it, NULL, NULL, &v)) {
		const struct sl_object *o = v;
		struct sl_htab *seen;
		uint32_t id;

		if (o->kind == SL_KIND_POD) {
			id = px_obj_id(o);
			seen = &seen_pods;
			ret = learn(&n->pods, id, o);
		} else if (o->kind == SL_KIND_SERVICE) {
			id = px_obj_id(o);
			seen = &seen_svcs;
			ret = learn(&n->svcs, id, o);
		} else {
			continue;
		}
		if (ret || sl_htab_put(seen, &id, sizeof(id), (void *)1, NULL)) {
			ret = -ENOMEM;
			break;
		}
	}
	/* After a failure nothing is aged: what was not seen may still be in s. */
	if (!ret) {
		age(&n->pods, &seen_pods, now_ms, now_ms - keep_ms);
		age(&n->svcs, &seen_svcs, now_ms, now_ms - keep_ms);
		n->version = s->version;
		n->synced = true;
	}
	sl_htab_free(&seen_pods);
	sl_htab_free(&seen_svcs);
	return ret;
}

const struct px_name *px_names_pod(const struct px_names *n, uint32_t id)
{
	return id ? sl_htab_get(&n->pods, &id, sizeof(id)) : NULL;
}

const struct px_name *px_names_svc(const struct px_names *n, uint32_t id)
{
	return id ? sl_htab_get(&n->svcs, &id, sizeof(id)) : NULL;
}

void px_names_free(struct px_names *n)
{
	size_t it = 0;
	void *v;

	while (sl_htab_next(&n->pods, &it, NULL, NULL, &v))
		name_free(v);
	it = 0;
	while (sl_htab_next(&n->svcs, &it, NULL, NULL, &v))
		name_free(v);
	sl_htab_free(&n->pods);
	sl_htab_free(&n->svcs);
	memset(n, 0, sizeof(*n));
}
