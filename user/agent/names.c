// SPDX-License-Identifier: Apache-2.0
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "agent/names.h"
#include "model/objects.h"

void sl_names_free(struct sl_names *n)
{
	sl_htab_free(&n->pods);
	sl_htab_free(&n->svcs);
	sl_htab_free(&n->backends);
}

void sl_names_rebuild(struct sl_names *n, const struct sl_store *st, const struct sl_compiled *c)
{
	size_t it = 0;
	void *v;

	sl_names_free(n);
	while (sl_htab_next(&st->objs, &it, NULL, NULL, &v)) {
		const struct sl_object *o = v;
		uint32_t id;

		if (o->kind != SL_KIND_POD)
			continue;
		id = sl_pod_id(&o->meta);
		sl_htab_put(&n->pods, &id, sizeof(id), v, NULL);
	}
	it = 0;
	while (sl_htab_next(&c->fe, &it, NULL, NULL, &v)) {
		const struct sl_frontend *fe = v;
		const struct sl_fe_route *rt = &fe->routes[0];

		if (!sl_htab_get(&n->svcs, &fe->svc_id, sizeof(fe->svc_id)))
			sl_htab_put(&n->svcs, &fe->svc_id, sizeof(fe->svc_id), v, NULL);
		for (uint32_t d = 0; d < rt->ndest; d++)
			for (uint32_t b = 0; b < rt->dest[d].nbe; b++)
				if (!sl_htab_get(&n->backends, &rt->dest[d].be[b],
						 sizeof(struct sl_backend)))
					sl_htab_put(&n->backends, &rt->dest[d].be[b],
						    sizeof(struct sl_backend), v, NULL);
	}
}

const struct sl_object *sl_names_pod(const struct sl_names *n, uint32_t pod_id)
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

/* Is s a generated suffix: 5 (pod) or 9-10 (ReplicaSet hash) lowercase alphanumerics? */
static bool hash_suffix(const char *s, size_t n)
{
	if (n != 5 && n != 9 && n != 10)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]) && !islower((unsigned char)s[i]))
			return false;
	return true;
}

void sl_workload_name(const struct sl_object *pod, char *buf, size_t len)
{
	static const char *const keys[] = { "service.istio.io/canonical-name",
					    "app.kubernetes.io/name", "app" };
	const char *name;
	size_t n;

	if (!pod) {
		snprintf(buf, len, "unknown");
		return;
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v = sl_label_get(&pod->meta, keys[i]);

		if (v && *v) {
			snprintf(buf, len, "%s", v);
			return;
		}
	}
	/* "reviews-v1-7d9f8c6b5-x2x4q": Deployment name = pod name less two suffixes. */
	name = pod->meta.name;
	n = strlen(name);
	for (int strip = 0; strip < 2; strip++) {
		const char *dash = NULL;

		for (size_t i = 0; i < n; i++)
			if (name[i] == '-')
				dash = name + i;
		if (!dash || !hash_suffix(dash + 1, n - (size_t)(dash + 1 - name)))
			break;
		n = (size_t)(dash - name);
	}
	snprintf(buf, len, "%.*s", (int)n, name);
}

const char *sl_pod_label(const struct sl_object *pod, const char *key)
{
	const char *v = pod ? sl_label_get(&pod->meta, key) : NULL;

	return v && *v ? v : "unknown";
}
