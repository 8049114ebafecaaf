// SPDX-License-Identifier: Apache-2.0
/*
 * Configuration snapshots: decode, store, compile (the agent's pipeline, so the proxy
 * and the kernel agree on every Service's endpoints), then index for requests.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "config/decode.h"
#include "model/objects.h"
#include "proxy/authz_http.h"
#include "proxy/route_check.h"
#include "proxy/snapshot.h"
#include "state/maglev.h"

static void snapshot_free(struct px_snapshot *s)
{
	size_t it;
	void *val;

	if (!s)
		return;
	for (size_t i = 0; i < s->nfe; i++)
		free(s->fev[i].rr);
	free(s->fev);
	sl_htab_free(&s->fes);
	sl_htab_free(&s->pods);
	sl_htab_free(&s->endpoints);
	px_authz_index_free(&s->authz);
	free(s->trust_domain);
	free(s->root_ns);
	px_regex_table_free(&s->regex);
	it = 0;
	while (sl_htab_next(&s->maglev, &it, NULL, NULL, &val))
		free(val);
	sl_htab_free(&s->maglev);
	sl_compiled_free(&s->compiled);
	sl_store_free(&s->store);
	free(s->source);
	free(s);
}

struct px_snapshot *px_snapshot_get(struct px_snapshot *s)
{
	__atomic_add_fetch(&s->refs, 1, __ATOMIC_RELAXED);
	return s;
}

void px_snapshot_put(struct px_snapshot *s)
{
	/* Release: the last holder's reads happen before the free. */
	if (s && __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) == 0)
		snapshot_free(s);
}

struct px_snapshot *px_snapshot_empty(void)
{
	struct px_snapshot *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->refs = 1;
	s->loaded = time(NULL);
	return s;
}

/* The Maglev table of destination d when its DestinationRule asks for a consistent
 * hash (lb.h). */
static int maglev_for(struct px_snapshot *s, const struct sl_fe_dest *d)
{
	const struct sl_lb_policy *lb = &d->lb;
	uint32_t m = lb->maglev_table_size ? lb->maglev_table_size : SL_MAGLEV_DEFAULT;
	uint32_t *t;

	if (!d->nbe ||
	    !(lb->hash_source_ip || lb->hash_header || lb->hash_cookie_set || lb->hash_query))
		return 0;
	t = malloc(m * sizeof(*t));
	if (!t || sl_maglev_build(d->be, d->nbe, m, t) ||
	    sl_htab_put(&s->maglev, &d, sizeof(d), t, NULL)) {
		free(t);
		return -ENOMEM;
	}
	return 0;
}

/* Every backend of every route (tcp and http) of fe into s->endpoints. */
static int index_endpoints(struct px_snapshot *s, const struct sl_frontend *fe)
{
	for (size_t r = 0; r < fe->nroutes + fe->nhttp; r++) {
		const struct sl_fe_route *rt =
			r < fe->nroutes ? &fe->routes[r] : &fe->http[r - fe->nroutes];

		for (uint32_t d = 0; d < rt->ndest; d++) {
			const struct sl_fe_dest *dst = &rt->dest[d];

			if (maglev_for(s, dst))
				return -ENOMEM;

			for (uint32_t b = 0; b < dst->nbe; b++) {
				struct px_ep ep = {};

				memcpy(ep.addr, &dst->be[b].addr, 16);
				ep.port = ntohs(dst->be[b].port);
				if (sl_htab_put(&s->endpoints, &ep, sizeof(ep), (void *)1, NULL))
					return -ENOMEM;
			}
		}
	}
	return 0;
}

static int index_snapshot(struct px_snapshot *s)
{
	size_t it = 0, n = 0;
	void *val;

	s->fev = calloc(s->compiled.fe.used ? s->compiled.fe.used : 1, sizeof(*s->fev));
	if (!s->fev)
		return -ENOMEM;
	while (sl_htab_next(&s->compiled.fe, &it, NULL, NULL, &val)) {
		const struct sl_frontend *fe = val;
		struct px_frontend *pf = &s->fev[n++];

		s->nfe = n;
		pf->fe = fe;
		pf->rr = calloc((fe->nroutes + fe->nhttp) * SL_MAX_DESTS, sizeof(*pf->rr));
		if (!pf->rr || sl_htab_put(&s->fes, &fe->key, sizeof(fe->key), pf, NULL) ||
		    index_endpoints(s, fe))
			return -ENOMEM;
	}
	it = 0;
	while (sl_htab_next(&s->store.objs, &it, NULL, NULL, &val)) {
		struct sl_object *o = val;

		if (o->kind != SL_KIND_POD)
			continue;
		for (size_t i = 0; i < o->pod.npod_ips; i++)
			if (sl_htab_put(&s->pods, o->pod.pod_ips[i].b, 16, o, NULL))
				return -ENOMEM;
	}
	return 0;
}

int px_snapshot_build(const char *fname, const char *buf, size_t len, const char *node,
		      uint64_t version, struct px_snapshot **out, char *err, size_t errlen)
{
	struct px_snapshot_opts o = { .node = node };

	return px_snapshot_build_opts(fname, buf, len, &o, version, out, err, errlen);
}

int px_snapshot_build_opts(const char *fname, const char *buf, size_t len,
			   const struct px_snapshot_opts *o, uint64_t version,
			   struct px_snapshot **out, char *err, size_t errlen)
{
	const char *td = o->trust_domain ? o->trust_domain : "cluster.local";
	const char *root_ns = o->root_ns ? o->root_ns : "istio-system";
	/* This proxy is the one the L7 configuration is for. */
	struct sl_compile_opts co = { .node = o->node, .l7 = true, .root_ns = root_ns };
	struct sl_objects objs = {};
	struct sl_store_txn txn;
	struct px_snapshot *s;
	int ret;

	*out = NULL;
	s = px_snapshot_empty();
	if (!s || !(s->source = strdup(fname)) || !(s->trust_domain = strdup(td)) ||
	    !(s->root_ns = strdup(root_ns))) {
		ret = -ENOMEM;
		goto fail_oom;
	}
	s->version = version;
	s->digest = sl_hash_bytes(buf, len);
	/* Objects keep pointers to the name they were decoded under: the snapshot's
	 * own copy, which lives as long as they do. */
	ret = sl_decode_stream(s->source, buf, len, &objs, NULL, err, errlen);
	if (ret)
		goto fail;
	sl_store_txn_begin(&txn, &s->store);
	for (size_t i = 0; i < objs.n; i++) {
		enum sl_change ch;

		ret = sl_store_upsert(&txn, &objs.v[i], &ch);
		if (ret) {
			sl_store_txn_rollback(&txn);
			goto fail_oom;
		}
	}
	sl_store_txn_commit(&txn);
	s->nobjects = sl_store_count(&s->store);
	/* L7 configuration this proxy does not apply is refused, naming it, rather than
	 * served as if it were not there: the previous snapshot stays in force. */
	ret = px_route_check(&s->store, &s->regex, err, errlen);
	if (ret)
		goto fail;
	ret = sl_compile(&s->store, &co, &s->compiled, err, errlen);
	if (ret)
		goto fail;
	ret = index_snapshot(s);
	if (!ret)
		ret = px_authz_index(&s->store, s->root_ns, &s->authz);
	if (ret)
		goto fail_oom;
	sl_objects_free(&objs);
	*out = s;
	return 0;
fail_oom:
	snprintf(err, errlen, "out of memory while building the snapshot");
fail:
	sl_objects_free(&objs);
	snapshot_free(s);
	return ret;
}

int px_snapshot_load(const char *path, const char *node, uint64_t version, struct px_snapshot **out,
		     char *err, size_t errlen)
{
	struct px_snapshot_opts o = { .node = node };

	return px_snapshot_load_opts(path, &o, version, out, err, errlen);
}

int px_snapshot_load_opts(const char *path, const struct px_snapshot_opts *o, uint64_t version,
			  struct px_snapshot **out, char *err, size_t errlen)
{
	struct sl_buf data = {};
	int fd, ret;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return ret;
	}
	ret = sl_buf_read_fd(&data, fd, 1u << 30);
	close(fd);
	if (ret) {
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		sl_buf_free(&data);
		return ret;
	}
	if (err && errlen)
		err[0] = '\0';
	ret = px_snapshot_build_opts(path, data.p ? data.p : "", data.len, o, version, out, err,
				     errlen);
	sl_buf_free(&data);
	return ret;
}

const struct px_frontend *px_snapshot_frontend(const struct px_snapshot *s, const struct sl_ip *vip,
					       uint16_t port)
{
	struct sl_svc_key k;

	memset(&k, 0, sizeof(k));
	memcpy(&k.addr, vip->b, 16);
	k.port = htons(port);
	k.proto = 6;
	return sl_htab_get(&s->fes, &k, sizeof(k));
}

bool px_snapshot_has_endpoint(const struct px_snapshot *s, const struct px_ep *ep)
{
	return sl_htab_get(&s->endpoints, ep, sizeof(*ep)) != NULL;
}

const struct sl_object *px_snapshot_pod(const struct px_snapshot *s, const struct sl_ip *a)
{
	return sl_htab_get(&s->pods, a->b, 16);
}

uint32_t px_snapshot_pod_id(const struct px_snapshot *s, const struct sl_ip *a)
{
	const struct sl_object *pod = px_snapshot_pod(s, a);

	return pod ? sl_pod_id(&pod->meta) : 0;
}

const uint32_t *px_snapshot_maglev(const struct px_snapshot *s, const struct sl_fe_dest *d)
{
	return sl_htab_get(&s->maglev, &d, sizeof(d));
}

const regex_t *px_snapshot_regex(const struct px_snapshot *s, const char *pattern)
{
	return sl_htab_get(&s->regex, &pattern, sizeof(pattern));
}
