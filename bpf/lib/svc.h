/* SPDX-License-Identifier: Apache-2.0 */
/* Service lookup and backend choice at the socket layer. */
#ifndef SLUICE_BPF_SVC_H
#define SLUICE_BPF_SVC_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "lib/identity.h"
#include "lib/proxy.h"
#include "lib/maps.h"
#include "lib/stats.h"

#ifndef ECONNREFUSED
#define ECONNREFUSED 111
#endif

/* Set by the agent before load: the kernel lets sock_addr programs choose the errno
 * of a refused connect (bpf_set_retval, probed at run time). */
const volatile bool cfg_refuse_with_econnrefused = false;

enum svc_verdict {
	SVC_NOT_A_SERVICE = 0, /* leave the socket alone */
	SVC_TRANSLATED, /* pick->be holds the backend */
	SVC_NO_BACKEND, /* no usable endpoint, or the pool is full: refuse fast */
	SVC_L7, /* an L7 frontend and a TCP connection: pick->be is the node proxy */
};

/* What svc_pick() decided. */
struct svc_pick {
	struct sl_backend be;
	__u32 svc_flags; /* enum sl_svc_flags of the frontend */
	__u32 svc_id;
	__u32 pool_id;
	__u32 reason; /* enum sl_reason, for SVC_NO_BACKEND */
};

static __always_inline struct sl_pool_val *pool_get(__u32 id)
{
	struct sl_pool_val *p = bpf_map_lookup_elem(&sl_pool, &id);
	struct sl_pool_val zero = {};

	if (p)
		return p;
	bpf_map_update_elem(&sl_pool, &id, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&sl_pool, &id);
}

static __always_inline __s64 backend_conns(const struct sl_backend *be)
{
	__s64 *n = bpf_map_lookup_elem(&sl_be_conns, be);

	return n ? *n : 0;
}

/* 32-bit mix of a 16-byte address (murmur3 finalizer over the words). */
static __always_inline __u32 addr_hash(const struct sl_addr *a)
{
	__u32 h = 0x9747b28c;

	for (int i = 0; i < 4; i++) {
		__u32 k = a->w[i] * 0xcc9e2d51;

		k = (k << 15) | (k >> 17);
		h ^= k * 0x1b873593;
		h = ((h << 13) | (h >> 19)) * 5 + 0xe6546b64;
	}
	h ^= h >> 16;
	h *= 0x85ebca6b;
	h ^= h >> 13;
	h *= 0xc2b2ae35;
	return h ^ (h >> 16);
}

/* One slot of destination d, by its algorithm. Returns 0 on success. */
static __always_inline int dest_slot(const struct sl_dest *d, const struct sl_addr *client,
				     __u32 *slot)
{
	__u32 count = d->count, a, b;

	switch (d->algo) {
	case SL_ALGO_ROUND_ROBIN: {
		struct sl_pool_val *p = pool_get(d->pool_id);

		*slot = p ? (__u32)(__sync_fetch_and_add(&p->rr, 1) % count)
			  : bpf_get_prandom_u32() % count;
		return 0;
	}
	case SL_ALGO_LEAST_REQUEST: {
		/* Power of two choices over live TCP connections. */
		struct sl_bset_key ka = { .set_id = d->set_id }, kb = { .set_id = d->set_id };
		struct sl_backend *ba, *bb;

		a = bpf_get_prandom_u32() % count;
		*slot = a;
		if (count < 2)
			return 0;
		b = (a + 1 + bpf_get_prandom_u32() % (count - 1)) % count;
		ka.slot = a;
		kb.slot = b;
		ba = bpf_map_lookup_elem(&sl_bset, &ka);
		bb = bpf_map_lookup_elem(&sl_bset, &kb);
		if (ba && bb && backend_conns(bb) < backend_conns(ba))
			*slot = b;
		return 0;
	}
	case SL_ALGO_MAGLEV: {
		void *table = bpf_map_lookup_elem(&sl_maglev, &d->set_id);
		__u32 bucket, *s;

		if (!table || !d->maglev_size)
			return -1;
		bucket = addr_hash(client) % d->maglev_size;
		s = bpf_map_lookup_elem(table, &bucket);
		if (!s)
			return -1;
		*slot = *s;
		return 0;
	}
	default:
		*slot = bpf_get_prandom_u32() % count;
		return 0;
	}
}

/* The affine backend of this client, if it is recent and still in its set. */
static __always_inline bool affinity_find(const struct sl_svc_val *svc,
					  const struct sl_route *route,
					  struct sl_affinity_key *akey, __u64 now,
					  struct svc_pick *pick)
{
	struct sl_affinity_val *av = bpf_map_lookup_elem(&sl_affinity, akey);
	struct sl_bset_rev_key rk = {};
	__u32 dest;

	if (!av || now - av->last_ns > (__u64)svc->affinity_timeout_s * 1000000000ull)
		return false;
	dest = av->dest;
	if (dest >= SL_MAX_DESTS || dest >= route->ndest)
		return false;
	rk.set_id = route->dest[dest].set_id;
	rk.addr = av->be.addr;
	rk.port = av->be.port;
	if (!bpf_map_lookup_elem(&sl_bset_rev, &rk))
		return false; /* the backend left the set: pick again */
	av->last_ns = now;
	av->set_id = rk.set_id;
	pick->be = av->be;
	pick->pool_id = route->dest[dest].pool_id;
	return true;
}

/* Looks `key` up in sl_svc and picks one backend. The route is read from one map
 * value, and each set it names is immutable, so the backend comes from exactly one
 * version of the endpoint list even while the agent replaces it. `tcp` enables the
 * connection limit (only TCP connections are counted). */
static __always_inline enum svc_verdict svc_pick(void *ctx, const struct sl_svc_key *key, bool tcp,
						 struct svc_pick *pick)
{
	struct sl_svc_val *svc = bpf_map_lookup_elem(&sl_svc, key);
	struct sl_affinity_key akey = {};
	struct sl_bset_key bkey = {};
	struct sl_route *route;
	struct sl_src *src = NULL;
	struct sl_backend *be;
	struct sl_addr client = {};
	const struct sl_dest *d;
	__u32 ndest, r, idx = 0, flags, slot;
	__u64 now = 0;

	if (!svc)
		return SVC_NOT_A_SERVICE;
	flags = svc->flags;
	pick->svc_flags = flags;
	pick->svc_id = svc->svc_id;
	if ((flags & SL_SVC_F_L7) && tcp) {
		/* The proxy routes it; without a proxy (or for the proxy's own connections)
		 * the frontend's L4 route applies. */
		const struct sl_addr *px = proxy_target(&key->addr, &pick->be.port);

		if (px) {
			pick->be.addr = *px;
			return SVC_L7;
		}
	}
	route = &svc->route;
	if (flags & (SL_SVC_F_SRC_ROUTES | SL_SVC_F_AFFINITY))
		src = client_pod();
	if ((flags & SL_SVC_F_SRC_ROUTES) && src) {
		struct sl_src_route_key rk = { .route_id = svc->route_id, .pod_id = src->pod_id };
		struct sl_route *sr = bpf_map_lookup_elem(&sl_src_route, &rk);

		if (sr) {
			route = sr;
			stat_inc(SL_STAT_SRC_ROUTE_HIT);
		}
	}
	ndest = route->ndest;
	pick->reason = SL_REASON_NO_ENDPOINT;
	if (!ndest)
		return SVC_NO_BACKEND;
	client_addr(ctx, src, &client);
	if (flags & SL_SVC_F_AFFINITY) {
		now = bpf_ktime_get_ns();
		akey.fe = *key;
		akey.client = client;
		if (affinity_find(svc, route, &akey, now, pick)) {
			stat_inc(SL_STAT_AFFINITY_HIT);
			return SVC_TRANSLATED;
		}
	}
	/* Weighted choice of a destination: cumulative weights end at 100. */
	r = bpf_get_prandom_u32() % 100;
	for (int i = 0; i < SL_MAX_DESTS; i++) {
		if (i >= ndest)
			break;
		idx = i;
		if (r < route->dest[i].cum_weight)
			break;
	}
	if (idx >= SL_MAX_DESTS)
		return SVC_NO_BACKEND;
	d = &route->dest[idx];
	if (!d->count)
		return SVC_NO_BACKEND;
	if (tcp && d->max_conns) {
		struct sl_pool_val *p = bpf_map_lookup_elem(&sl_pool, &d->pool_id);

		if (p && p->conns >= (__s64)d->max_conns) {
			stat_inc(SL_STAT_POOL_FULL);
			pick->reason = SL_REASON_POOL_FULL;
			return SVC_NO_BACKEND;
		}
	}
	if (dest_slot(d, &client, &slot)) {
		stat_inc(SL_STAT_BSET_MISS);
		pick->reason = SL_REASON_NO_BACKEND_SLOT;
		return SVC_NO_BACKEND;
	}
	bkey.set_id = d->set_id;
	bkey.slot = slot;
	be = bpf_map_lookup_elem(&sl_bset, &bkey);
	if (!be) {
		/* Cannot happen while the agent orders its writes; refuse rather than
		 * let the connection reach the VIP, which nothing answers. */
		stat_inc(SL_STAT_BSET_MISS);
		pick->reason = SL_REASON_NO_BACKEND_SLOT;
		return SVC_NO_BACKEND;
	}
	pick->be = *be;
	pick->pool_id = d->pool_id;
	if (flags & SL_SVC_F_AFFINITY) {
		struct sl_affinity_val av = {
			.last_ns = now, .be = *be, .dest = idx, .set_id = d->set_id
		};

		bpf_map_update_elem(&sl_affinity, &akey, &av, BPF_ANY);
	}
	return SVC_TRANSLATED;
}

/* Verdict for a refused connect/sendmsg: 0 rejects; the errno is ECONNREFUSED where
 * the kernel allows the program to set it, EPERM (the kernel's default) otherwise. */
static __always_inline int svc_refuse(void)
{
	if (cfg_refuse_with_econnrefused)
		bpf_set_retval(-ECONNREFUSED);
	return 0;
}

#endif
