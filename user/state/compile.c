// SPDX-License-Identifier: Apache-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/htab.h"
#include "model/objects.h"
#include "state/compile.h"

void sl_endpoint_usable(const struct sl_endpoint *ep, bool *ready, bool *serving)
{
	/* EndpointConditions: a missing `ready` means ready; a missing `serving` defers
	 * to `ready`. kube-proxy falls back to serving (terminating) endpoints only when
	 * no endpoint is ready. */
	*ready = ep->ready != SL_FALSE;
	*serving = ep->serving == SL_UNSET ? *ready : ep->serving == SL_TRUE;
}

uint32_t sl_svc_port_id(const struct sl_service *svc, const struct sl_svc_port *p)
{
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "%s/%s/%s/%u", svc->meta.ns, svc->meta.name, p->name,
			 p->protocol);
	uint64_t h = sl_hash_bytes(buf, n > 0 ? (size_t)n : 0);

	return (uint32_t)(h ^ (h >> 32)) | 1; /* never 0 */
}

static int cmp_backend(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct sl_backend));
}

/* The EndpointSlices of one Service, found by namespace + service-name label. */
struct slice_list {
	const struct sl_endpoint_slice **v;
	size_t n, cap;
};

static int index_slices(const struct sl_store *st, struct sl_htab *idx)
{
	size_t it = 0;
	void *val;

	while (sl_htab_next(&st->objs, &it, NULL, NULL, &val)) {
		const struct sl_object *o = val;
		struct slice_list *l;
		char key[600];
		int n;

		if (o->kind != SL_KIND_ENDPOINT_SLICE || !o->eps.service_name)
			continue;
		n = snprintf(key, sizeof(key), "%s/%s", o->meta.ns, o->eps.service_name);
		if (n < 0 || (size_t)n >= sizeof(key))
			continue;
		l = sl_htab_get(idx, key, n);
		if (!l) {
			l = calloc(1, sizeof(*l));
			if (!l || sl_htab_put(idx, key, n, l, NULL)) {
				free(l);
				return -ENOMEM;
			}
		}
		if (l->n == l->cap) {
			size_t ncap = l->cap ? l->cap * 2 : 4;
			const struct sl_endpoint_slice **nv = realloc(l->v, ncap * sizeof(*nv));

			if (!nv)
				return -ENOMEM;
			l->v = nv;
			l->cap = ncap;
		}
		l->v[l->n++] = &o->eps;
	}
	return 0;
}

static void free_index(struct sl_htab *idx)
{
	size_t it = 0;
	void *val;

	while (sl_htab_next(idx, &it, NULL, NULL, &val)) {
		struct slice_list *l = val;

		free(l->v);
		free(l);
	}
	sl_htab_free(idx);
}

/* Backends of one service port for one address family: ready endpoints, or serving
 * ones when none is ready. */
static int collect_backends(const struct slice_list *slices, const struct sl_svc_port *sp,
			    uint8_t family, struct sl_frontend *fe)
{
	size_t cap = 0, nready = 0, nserving = 0;
	struct sl_backend *ready = NULL, *serving = NULL;

	for (size_t s = 0; slices && s < slices->n; s++) {
		const struct sl_endpoint_slice *eps = slices->v[s];
		uint16_t port = 0;

		if (eps->address_type != family)
			continue;
		for (size_t p = 0; p < eps->nports; p++) {
			if (!strcmp(eps->ports[p].name, sp->name) &&
			    eps->ports[p].protocol == sp->protocol) {
				port = eps->ports[p].port;
				break;
			}
		}
		if (!port)
			continue;
		for (size_t e = 0; e < eps->nendpoints; e++) {
			const struct sl_endpoint *ep = &eps->endpoints[e];
			bool r, sv;

			sl_endpoint_usable(ep, &r, &sv);
			if (!r && !sv)
				continue;
			for (size_t a = 0; a < ep->naddrs; a++) {
				struct sl_backend b = {};

				if (nready + nserving + 1 > cap) {
					size_t ncap = cap ? cap * 2 : 8;
					struct sl_backend *nr = realloc(ready, ncap * sizeof(*nr));

					if (!nr)
						goto enomem;
					ready = nr;
					nr = realloc(serving, ncap * sizeof(*nr));
					if (!nr)
						goto enomem;
					serving = nr;
					cap = ncap;
				}
				memcpy(&b.addr, ep->addrs[a].b, 16);
				b.port = htons(port);
				if (r)
					ready[nready++] = b;
				else
					serving[nserving++] = b;
			}
		}
	}
	if (nready) {
		fe->be = ready;
		fe->nbe = nready;
		free(serving);
	} else {
		fe->be = serving;
		fe->nbe = nserving;
		fe->serving_fallback = nserving > 0;
		free(ready);
	}
	if (fe->nbe) {
		size_t k = 0;

		qsort(fe->be, fe->nbe, sizeof(*fe->be), cmp_backend);
		for (size_t i = 0; i < fe->nbe; i++)
			if (!k || memcmp(&fe->be[k - 1], &fe->be[i], sizeof(*fe->be)))
				fe->be[k++] = fe->be[i];
		fe->nbe = k;
	} else {
		free(fe->be);
		fe->be = NULL;
	}
	return 0;
enomem:
	free(ready);
	free(serving);
	return -ENOMEM;
}

static void fe_free(struct sl_frontend *fe)
{
	if (!fe)
		return;
	free(fe->be);
	free(fe);
}

int sl_compile(const struct sl_store *st, struct sl_compiled *out, char *err, size_t errlen)
{
	struct sl_htab idx = {};
	size_t it = 0;
	void *val;
	int ret;

	ret = index_slices(st, &idx);
	if (ret)
		goto fail;
	while (sl_htab_next(&st->objs, &it, NULL, NULL, &val)) {
		const struct sl_object *o = val;
		const struct sl_service *svc = &o->svc;
		const struct slice_list *slices;
		char key[600];
		int n;

		if (o->kind != SL_KIND_SERVICE || svc->type != SL_SVC_CLUSTER_IP || svc->headless)
			continue;
		n = snprintf(key, sizeof(key), "%s/%s", svc->meta.ns, svc->meta.name);
		slices = sl_htab_get(&idx, key, n);
		for (size_t i = 0; i < svc->ncluster_ips; i++) {
			for (size_t p = 0; p < svc->nports; p++) {
				const struct sl_svc_port *sp = &svc->ports[p];
				struct sl_frontend *fe = calloc(1, sizeof(*fe)), *other;

				if (!fe) {
					ret = -ENOMEM;
					goto fail;
				}
				memcpy(&fe->key.addr, svc->cluster_ips[i].b, 16);
				fe->key.port = htons(sp->port);
				fe->key.proto = sp->protocol;
				fe->svc_id = sl_svc_port_id(svc, sp);
				fe->svc = o;
				fe->port_idx = p;
				ret = collect_backends(slices, sp, svc->cluster_ips[i].family, fe);
				if (ret) {
					fe_free(fe);
					goto fail;
				}
				if (fe->nbe > SL_MAX_BACKENDS_PER_SVC) {
					snprintf(
						err, errlen,
						"%s:%d:%d: service %s/%s port %u has %u endpoints, more than the %u one service port can have",
						svc->meta.pos.file, svc->meta.pos.line,
						svc->meta.pos.col, svc->meta.ns, svc->meta.name,
						sp->port, fe->nbe, SL_MAX_BACKENDS_PER_SVC);
					fe_free(fe);
					ret = -EINVAL;
					goto fail;
				}
				other = sl_htab_get(&out->fe, &fe->key, sizeof(fe->key));
				if (other) {
					const struct sl_service *os = &other->svc->svc;
					char ip[64];

					sl_ip_format(&svc->cluster_ips[i], ip, sizeof(ip));
					snprintf(
						err, errlen,
						"%s:%d:%d: service %s/%s: %s port %u/%s is already used by service %s/%s (%s:%d:%d)",
						svc->meta.pos.file, svc->meta.pos.line,
						svc->meta.pos.col, svc->meta.ns, svc->meta.name, ip,
						sp->port, sp->protocol == 17 ? "UDP" : "TCP",
						os->meta.ns, os->meta.name, os->meta.pos.file,
						os->meta.pos.line, os->meta.pos.col);
					fe_free(fe);
					ret = -EINVAL;
					goto fail;
				}
				ret = sl_htab_put(&out->fe, &fe->key, sizeof(fe->key), fe, NULL);
				if (ret) {
					fe_free(fe);
					goto fail;
				}
				out->nslots += fe->nbe;
			}
		}
	}
	free_index(&idx);
	return 0;
fail:
	if (ret == -ENOMEM)
		snprintf(err, errlen, "out of memory while compiling the desired state");
	free_index(&idx);
	sl_compiled_free(out);
	return ret;
}

void sl_compiled_free(struct sl_compiled *c)
{
	size_t it = 0;
	void *val;

	if (!c)
		return;
	while (sl_htab_next(&c->fe, &it, NULL, NULL, &val))
		fe_free(val);
	sl_htab_free(&c->fe);
	c->nslots = 0;
}
