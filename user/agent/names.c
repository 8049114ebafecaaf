// SPDX-License-Identifier: Apache-2.0
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>

#include "agent/names.h"
#include "model/objects.h"

static void pod_names_free(struct sl_pod_names *p)
{
	if (!p)
		return;
	free(p->ns);
	free(p->name);
	free(p->workload);
	free(p->app);
	free(p->version);
	for (size_t i = 0; i < p->nsvcs; i++) {
		free(p->svcs[i].ns);
		free(p->svcs[i].name);
	}
	free(p);
}

/* Remembers that pod p backs svc on port, keeping what an earlier apply taught. */
static void remember_service(struct sl_pod_names *p, uint16_t port, const struct sl_object *svc)
{
	for (size_t i = 0; i < p->nsvcs; i++)
		if (p->svcs[i].port == port)
			return;
	if (p->nsvcs == sizeof(p->svcs) / sizeof(p->svcs[0]))
		return;
	p->svcs[p->nsvcs].port = port;
	p->svcs[p->nsvcs].ns = strdup(svc->meta.ns);
	p->svcs[p->nsvcs].name = strdup(svc->meta.name);
	if (p->svcs[p->nsvcs].ns && p->svcs[p->nsvcs].name)
		p->nsvcs++;
	else {
		free(p->svcs[p->nsvcs].ns);
		free(p->svcs[p->nsvcs].name);
	}
}

bool sl_names_pod_service(const struct sl_pod_names *p, uint16_t port, const char **ns,
			  const char **name)
{
	for (size_t i = 0; p && i < p->nsvcs; i++) {
		if (p->svcs[i].port == port) {
			*ns = p->svcs[i].ns;
			*name = p->svcs[i].name;
			return true;
		}
	}
	return false;
}

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static struct sl_pod_names *pod_names_of(const struct sl_object *pod)
{
	struct sl_pod_names *p = calloc(1, sizeof(*p));
	char wl[256];

	if (!p)
		return NULL;
	sl_workload_name(pod, wl, sizeof(wl));
	p->ns = strdup(pod->meta.ns);
	p->name = strdup(pod->meta.name);
	p->workload = strdup(wl);
	p->app = strdup(sl_pod_label(pod, "app"));
	p->version = strdup(sl_pod_label(pod, "version"));
	for (size_t i = 0; i < pod->pod.npod_ips && i < 2; i++)
		p->ips[p->nips++] = pod->pod.pod_ips[i];
	if (!p->ns || !p->name || !p->workload || !p->app || !p->version) {
		pod_names_free(p);
		return NULL;
	}
	return p;
}

void sl_names_forget_departed(struct sl_names *n, int64_t before_ns)
{
	size_t it = 0;
	const void *k;
	void *v;

	while (sl_htab_next(&n->pods, &it, &k, NULL, &v)) {
		struct sl_pod_names *p = v;

		if (p->departed_ns && p->departed_ns < before_ns) {
			sl_htab_del(&n->pods, k, sizeof(uint32_t));
			pod_names_free(p);
		}
	}
}

void sl_names_free(struct sl_names *n)
{
	size_t it = 0;
	void *v;

	while (sl_htab_next(&n->pods, &it, NULL, NULL, &v))
		pod_names_free(v);
	sl_htab_free(&n->pods);
	sl_htab_free(&n->svcs);
	sl_htab_free(&n->backends);
}

void sl_names_rebuild(struct sl_names *n, const struct sl_store *st, const struct sl_compiled *c)
{
	struct sl_htab seen = {}, by_ip = {};
	int64_t now = mono_ns();
	size_t it = 0;
	const void *k;
	void *v;

	while (sl_htab_next(&st->objs, &it, NULL, NULL, &v)) {
		const struct sl_object *o = v;
		struct sl_pod_names *p, *old;
		uint32_t id;

		if (o->kind != SL_KIND_POD)
			continue;
		id = sl_pod_id(&o->meta);
		p = pod_names_of(o);
		if (!p || sl_htab_put(&n->pods, &id, sizeof(id), p, (void **)&old)) {
			pod_names_free(p);
			continue;
		}
		/* What the pod backed before stays known (its endpoints may go first). */
		for (size_t i = 0; old && i < old->nsvcs; i++) {
			p->svcs[i] = old->svcs[i];
			old->svcs[i].ns = old->svcs[i].name = NULL;
		}
		if (old) {
			p->nsvcs = old->nsvcs;
			old->nsvcs = 0;
		}
		pod_names_free(old);
		sl_htab_put(&seen, &id, sizeof(id), (void *)1, NULL);
	}
	/* Pods no longer applied keep their names until the telemetry that names them is
	 * retired (sl_metrics_evict). */
	it = 0;
	while (sl_htab_next(&n->pods, &it, &k, NULL, &v)) {
		struct sl_pod_names *p = v;

		if (!sl_htab_get(&seen, k, sizeof(uint32_t)) && !p->departed_ns)
			p->departed_ns = now;
	}
	sl_htab_free(&seen);
	sl_htab_free(&n->svcs);
	sl_htab_free(&n->backends);
	/* Pod addresses, to learn which Services each pod backs. */
	it = 0;
	while (sl_htab_next(&n->pods, &it, &k, NULL, &v)) {
		const struct sl_pod_names *p = v;

		for (size_t i = 0; i < p->nips; i++)
			sl_htab_put(&by_ip, p->ips[i].b, 16,
				    (void *)(uintptr_t) * (const uint32_t *)k, NULL);
	}
	it = 0;
	while (sl_htab_next(&c->fe, &it, NULL, NULL, &v)) {
		const struct sl_frontend *fe = v;
		const struct sl_fe_route *rt = &fe->routes[0];

		if (!sl_htab_get(&n->svcs, &fe->svc_id, sizeof(fe->svc_id)))
			sl_htab_put(&n->svcs, &fe->svc_id, sizeof(fe->svc_id), v, NULL);
		for (uint32_t d = 0; d < rt->ndest; d++) {
			for (uint32_t b = 0; b < rt->dest[d].nbe; b++) {
				const struct sl_backend *be = &rt->dest[d].be[b];
				uintptr_t pid = (uintptr_t)sl_htab_get(&by_ip, &be->addr, 16);
				struct sl_pod_names *p;

				if (!sl_htab_get(&n->backends, be, sizeof(*be)))
					sl_htab_put(&n->backends, be, sizeof(*be), v, NULL);
				p = pid ? sl_htab_get(&n->pods, &(uint32_t){ (uint32_t)pid },
						      sizeof(uint32_t))
					: NULL;
				if (p)
					remember_service(p, be->port, fe->svc);
			}
		}
	}
	sl_htab_free(&by_ip);
}

const struct sl_pod_names *sl_names_pod(const struct sl_names *n, uint32_t pod_id)
{
	return pod_id ? sl_htab_get(&n->pods, &pod_id, sizeof(pod_id)) : NULL;
}

const struct sl_frontend *sl_names_svc(const struct sl_names *n, uint32_t svc_id)
{
	return svc_id ? sl_htab_get(&n->svcs, &svc_id, sizeof(svc_id)) : NULL;
}

const struct sl_frontend *sl_names_backend(const struct sl_names *n, const struct sl_backend *b)
{
	return sl_htab_get(&n->backends, b, sizeof(*b));
}
