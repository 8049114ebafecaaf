// SPDX-License-Identifier: Apache-2.0
/* Map reconciliation against real kernel maps (needs root): ordering, capacity, restart,
 * source routes and Maglev tables. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <bpf/bpf.h>

#include "agent/lb_sync.h"
#include "state/compile.h"

struct maps {
	struct sl_lb_fds fd;
};

static int maps_setup(void **state)
{
	LIBBPF_OPTS(bpf_map_create_opts, no_prealloc, .map_flags = BPF_F_NO_PREALLOC);
	LIBBPF_OPTS(bpf_map_create_opts, inner_opts, .map_flags = BPF_F_INNER_MAP);
	LIBBPF_OPTS(bpf_map_create_opts, outer_opts);
	struct maps *m = calloc(1, sizeof(*m));
	int inner;

	m->fd.svc = bpf_map_create(BPF_MAP_TYPE_HASH, "t_svc", sizeof(struct sl_svc_key),
				   sizeof(struct sl_svc_val), 16, &no_prealloc);
	m->fd.src_route = bpf_map_create(BPF_MAP_TYPE_HASH, "t_src", sizeof(struct sl_src_route_key),
					 sizeof(struct sl_route), 16, &no_prealloc);
	m->fd.bset = bpf_map_create(BPF_MAP_TYPE_HASH, "t_bset", sizeof(struct sl_bset_key),
				    sizeof(struct sl_backend), 64, NULL);
	m->fd.bset_rev = bpf_map_create(BPF_MAP_TYPE_HASH, "t_rev", sizeof(struct sl_bset_rev_key),
					4, 64, NULL);
	inner = bpf_map_create(BPF_MAP_TYPE_ARRAY, "t_inner", 4, 4, 1, &inner_opts);
	outer_opts.inner_map_fd = inner;
	m->fd.maglev = bpf_map_create(BPF_MAP_TYPE_HASH_OF_MAPS, "t_maglev", 4, 4, 16, &outer_opts);
	if (inner >= 0)
		close(inner);
	if (m->fd.svc < 0 || m->fd.src_route < 0 || m->fd.bset < 0 || m->fd.bset_rev < 0 ||
	    m->fd.maglev < 0) {
		free(m);
		return -1; /* not root, or no BPF: the group is reported as failed */
	}
	*state = m;
	return 0;
}

static int maps_teardown(void **state)
{
	struct maps *m = *state;

	close(m->fd.svc);
	close(m->fd.src_route);
	close(m->fd.bset);
	close(m->fd.bset_rev);
	close(m->fd.maglev);
	free(m);
	return 0;
}

static const struct sl_lb_limits lim16 = { .max_services = 16, .max_backends = 64 };

static void backends(struct sl_fe_dest *d, const int *bes, int n)
{
	d->nbe = n;
	d->be = calloc(n ? n : 1, sizeof(*d->be));
	for (int i = 0; i < n; i++) {
		d->be[i].addr.w[2] = htonl(0xffff);
		d->be[i].addr.w[3] = htonl(0x0af40100 | bes[i]);
		d->be[i].port = htons(8080);
	}
}

/* A frontend 10.96.0.<vip>:80/TCP whose default route has one destination with
 * backends 10.244.1.<b>:8080 for each b in bes. The digest stands in for compile's. */
static struct sl_frontend *add_fe(struct sl_compiled *c, int vip, const int *bes, int n)
{
	struct sl_frontend *fe = calloc(1, sizeof(*fe));

	fe->key.addr.w[2] = htonl(0xffff);
	fe->key.addr.w[3] = htonl(0x0a600000 | vip);
	fe->key.port = htons(80);
	fe->key.proto = 6;
	fe->svc_id = 100 + vip;
	fe->routes = calloc(4, sizeof(*fe->routes));
	fe->nroutes = 1;
	fe->routes[0].ndest = 1;
	fe->routes[0].dest[0].weight = 100;
	backends(&fe->routes[0].dest[0], bes, n);
	fe->nslots = n;
	fe->digest = sl_hash_bytes(fe->routes[0].dest[0].be, n * sizeof(struct sl_backend)) ^ vip;
	assert_int_equal(sl_htab_put(&c->fe, &fe->key, sizeof(fe->key), fe, NULL), 0);
	c->nslots += n;
	return fe;
}

static long count(int fd, size_t ksz)
{
	char k[64], nk[64];
	void *prev = NULL;
	long n = 0;

	while (!bpf_map_get_next_key(fd, prev, nk)) {
		memcpy(k, nk, ksz);
		prev = k;
		n++;
	}
	return n;
}

static void assert_empty(struct maps *m)
{
	assert_int_equal(count(m->fd.svc, sizeof(struct sl_svc_key)), 0);
	assert_int_equal(count(m->fd.src_route, sizeof(struct sl_src_route_key)), 0);
	assert_int_equal(count(m->fd.bset, sizeof(struct sl_bset_key)), 0);
	assert_int_equal(count(m->fd.bset_rev, sizeof(struct sl_bset_rev_key)), 0);
	assert_int_equal(count(m->fd.maglev, 4), 0);
}

static void empty_maps(struct maps *m)
{
	struct sl_compiled none = {};
	struct sl_lb_sync s;
	struct sl_lb_result r;
	char err[256];

	assert_int_equal(sl_lb_sync_init(&s, &m->fd, &lim16), 0);
	assert_int_equal(sl_lb_sync_apply(&s, &none, &r, err, sizeof(err)), 0);
	free(r.gone);
	sl_lb_sync_gc(&s);
	sl_lb_sync_free(&s);
	assert_empty(m);
}

static void test_apply_restart_unchanged(void **state)
{
	struct maps *m = *state;
	struct sl_compiled c = {};
	struct sl_lb_sync s;
	struct sl_lb_result r;
	char err[256];
	const int two[] = { 11, 12 }, one[] = { 13 };

	add_fe(&c, 10, two, 2);
	add_fe(&c, 11, one, 1);
	add_fe(&c, 12, NULL, 0);
	assert_int_equal(sl_lb_sync_init(&s, &m->fd, &lim16), 0);
	assert_int_equal(sl_lb_sync_apply(&s, &c, &r, err, sizeof(err)), 0);
	assert_int_equal(r.added, 3);
	assert_int_equal(count(m->fd.svc, sizeof(struct sl_svc_key)), 3);
	assert_int_equal(count(m->fd.bset, sizeof(struct sl_bset_key)), 3);
	assert_int_equal(count(m->fd.bset_rev, sizeof(struct sl_bset_rev_key)), 3);
	free(r.gone);
	sl_lb_sync_free(&s);

	/* A new agent reads the maps back: the same desired state writes nothing. */
	assert_int_equal(sl_lb_sync_init(&s, &m->fd, &lim16), 0);
	assert_int_equal(sl_lb_sync_pending_gc(&s), 0);
	assert_int_equal(sl_lb_sync_apply(&s, &c, &r, err, sizeof(err)), 0);
	assert_int_equal(r.unchanged, 3);
	assert_int_equal(r.added + r.changed + r.removed, 0);
	assert_int_equal(sl_lb_sync_pending_gc(&s), 0);
	free(r.gone);
	sl_lb_sync_free(&s);
	sl_compiled_free(&c);
	empty_maps(m);
}

static void test_change_keeps_old_set_until_gc(void **state)
{
	struct maps *m = *state;
	struct sl_compiled a = {}, b = {};
	struct sl_lb_sync s;
	struct sl_lb_result r;
	struct sl_svc_val v;
	struct sl_frontend *fe;
	char err[256];
	const int x[] = { 11, 12 }, y[] = { 12, 13, 14 };

	add_fe(&a, 10, x, 2);
	fe = add_fe(&b, 10, y, 3);
	assert_int_equal(sl_lb_sync_init(&s, &m->fd, &lim16), 0);
	assert_int_equal(sl_lb_sync_apply(&s, &a, &r, err, sizeof(err)), 0);
	free(r.gone);
	assert_int_equal(sl_lb_sync_apply(&s, &b, &r, err, sizeof(err)), 0);
	assert_int_equal(r.changed, 1);
	/* 10.244.1.11 left the service: reported, so connected UDP sockets can move. */
	assert_int_equal(r.ngone, 1);
	assert_int_equal(ntohl(r.gone[0].addr.w[3]) & 0xff, 11);
	free(r.gone);
	/* Old and new sets both present: a reader holding the old value still finds it. */
	assert_int_equal(count(m->fd.bset, sizeof(struct sl_bset_key)), 5);
	assert_int_equal(sl_lb_sync_pending_gc(&s), 1);
	assert_int_equal(bpf_map_lookup_elem(m->fd.svc, &fe->key, &v), 0);
	assert_int_equal(v.route.ndest, 1);
	assert_int_equal(v.route.dest[0].count, 3);
	assert_int_equal(v.route.dest[0].cum_weight, 100);
	sl_lb_sync_gc(&s);
	assert_int_equal(count(m->fd.bset, sizeof(struct sl_bset_key)), 3);
	assert_int_equal(count(m->fd.bset_rev, sizeof(struct sl_bset_rev_key)), 3);
	for (uint32_t i = 0; i < 3; i++) {
		struct sl_bset_key bk = { .set_id = v.route.dest[0].set_id, .slot = i };
		struct sl_bset_rev_key rk = { .set_id = v.route.dest[0].set_id };
		struct sl_backend be;
		uint32_t slot;

		assert_int_equal(bpf_map_lookup_elem(m->fd.bset, &bk, &be), 0);
		assert_int_equal(ntohl(be.addr.w[3]) & 0xff, (uint32_t)y[i]);
		rk.addr = be.addr;
		rk.port = be.port;
		assert_int_equal(bpf_map_lookup_elem(m->fd.bset_rev, &rk, &slot), 0);
		assert_int_equal(slot, i);
	}
	sl_lb_sync_free(&s);
	sl_compiled_free(&a);
	sl_compiled_free(&b);
	empty_maps(m);
}

static void test_capacity_refused_before_writing(void **state)
{
	struct maps *m = *state;
	struct sl_compiled a = {}, big = {};
	const struct sl_lb_limits lim = { .max_services = 2, .max_backends = 4 };
	struct sl_lb_sync s;
	struct sl_lb_result r;
	char err[256] = "";
	const int x[] = { 11 }, many[] = { 1, 2, 3, 4, 5 };

	add_fe(&a, 10, x, 1);
	assert_int_equal(sl_lb_sync_init(&s, &m->fd, &lim), 0);
	assert_int_equal(sl_lb_sync_apply(&s, &a, &r, err, sizeof(err)), 0);
	free(r.gone);

	add_fe(&big, 10, x, 1);
	add_fe(&big, 11, x, 1);
	add_fe(&big, 12, x, 1);
	assert_int_equal(sl_lb_sync_apply(&s, &big, &r, err, sizeof(err)), -ENOSPC);
	assert_non_null(strstr(err, "--max-services=2"));
	sl_compiled_free(&big);
	memset(&big, 0, sizeof(big));
	add_fe(&big, 11, many, 5);
	assert_int_equal(sl_lb_sync_apply(&s, &big, &r, err, sizeof(err)), -ENOSPC);
	assert_non_null(strstr(err, "--max-backends=4"));
	/* Nothing changed. */
	assert_int_equal(count(m->fd.svc, sizeof(struct sl_svc_key)), 1);
	assert_int_equal(count(m->fd.bset, sizeof(struct sl_bset_key)), 1);
	sl_lb_sync_free(&s);
	sl_compiled_free(&a);
	sl_compiled_free(&big);
	empty_maps(m);
}

static void test_source_routes_and_maglev(void **state)
{
	struct maps *m = *state;
	struct sl_compiled c = {}, c2 = {};
	struct sl_lb_sync s;
	struct sl_lb_result r;
	struct sl_src_route_key sk;
	struct sl_route kr;
	struct sl_svc_val v;
	struct sl_frontend *fe;
	char err[256];
	const int x[] = { 11, 12, 13 }, y[] = { 21 };

	fe = add_fe(&c, 10, x, 3);
	fe->routes[0].dest[0].algo = SL_ALGO_MAGLEV;
	fe->routes[0].dest[0].maglev_size = 251;
	/* Route 1: 90/10 split for pod 7. */
	fe->nroutes = 2;
	fe->routes[1].ndest = 2;
	fe->routes[1].dest[0].weight = 90;
	backends(&fe->routes[1].dest[0], x, 2);
	fe->routes[1].dest[1].weight = 10;
	backends(&fe->routes[1].dest[1], y, 1);
	fe->src = calloc(1, sizeof(*fe->src));
	fe->src[0] = (struct sl_fe_src){ .pod_id = 7, .route = 1 };
	fe->nsrc = 1;
	fe->flags = SL_SVC_F_SRC_ROUTES;
	fe->route_id = 99;
	fe->nslots = 6;
	fe->digest ^= 0x5eed; /* what compile's digest would do: the content changed */
	c.nslots = 6;
	c.nsrc = 1;

	assert_int_equal(sl_lb_sync_init(&s, &m->fd, &lim16), 0);
	assert_int_equal(sl_lb_sync_apply(&s, &c, &r, err, sizeof(err)), 0);
	free(r.gone);
	assert_int_equal(count(m->fd.maglev, 4), 1);
	sk = (struct sl_src_route_key){ .route_id = 99, .pod_id = 7 };
	assert_int_equal(bpf_map_lookup_elem(m->fd.src_route, &sk, &kr), 0);
	assert_int_equal(kr.ndest, 2);
	assert_int_equal(kr.dest[0].cum_weight, 90);
	assert_int_equal(kr.dest[1].cum_weight, 100);
	assert_int_equal(kr.dest[1].count, 1);
	assert_int_equal(bpf_map_lookup_elem(m->fd.svc, &fe->key, &v), 0);
	assert_int_equal(v.route.dest[0].algo, SL_ALGO_MAGLEV);
	{
		uint32_t id = v.route.dest[0].set_id, inner_id, b = 0, slot;
		int inner;

		assert_int_equal(bpf_map_lookup_elem(m->fd.maglev, &id, &inner_id), 0);
		inner = bpf_map_get_fd_by_id(inner_id);
		assert_true(inner >= 0);
		assert_int_equal(bpf_map_lookup_elem(inner, &b, &slot), 0);
		assert_true(slot < 3);
		close(inner);
	}
	sl_lb_sync_free(&s);

	/* Restart: read back (source routes included), nothing to write. */
	assert_int_equal(sl_lb_sync_init(&s, &m->fd, &lim16), 0);
	assert_int_equal(sl_lb_sync_apply(&s, &c, &r, err, sizeof(err)), 0);
	assert_int_equal(r.unchanged, 1);
	free(r.gone);
	/* The pod's source match goes away: its route entry is deleted. */
	add_fe(&c2, 10, x, 3);
	assert_int_equal(sl_lb_sync_apply(&s, &c2, &r, err, sizeof(err)), 0);
	free(r.gone);
	assert_int_equal(count(m->fd.src_route, sizeof(struct sl_src_route_key)), 0);
	sl_lb_sync_gc(&s);
	assert_int_equal(count(m->fd.maglev, 4), 0);
	sl_lb_sync_free(&s);
	sl_compiled_free(&c);
	sl_compiled_free(&c2);
	empty_maps(m);
}

static void test_orphan_sets_collected(void **state)
{
	struct maps *m = *state;
	struct sl_bset_key bk = { .set_id = 77, .slot = 0 };
	struct sl_backend be = {};
	struct sl_compiled none = {};
	struct sl_lb_sync s;
	struct sl_lb_result r;
	char err[256];

	/* What an agent killed between writing a set and referencing it leaves. */
	assert_int_equal(bpf_map_update_elem(m->fd.bset, &bk, &be, BPF_ANY), 0);
	bk.slot = 1;
	assert_int_equal(bpf_map_update_elem(m->fd.bset, &bk, &be, BPF_ANY), 0);
	assert_int_equal(sl_lb_sync_init(&s, &m->fd, &lim16), 0);
	assert_int_equal(sl_lb_sync_pending_gc(&s), 1);
	assert_int_equal(sl_lb_sync_apply(&s, &none, &r, err, sizeof(err)), 0);
	free(r.gone);
	sl_lb_sync_gc(&s);
	assert_int_equal(count(m->fd.bset, sizeof(struct sl_bset_key)), 0);
	sl_lb_sync_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_apply_restart_unchanged),
		cmocka_unit_test(test_change_keeps_old_set_until_gc),
		cmocka_unit_test(test_capacity_refused_before_writing),
		cmocka_unit_test(test_source_routes_and_maglev),
		cmocka_unit_test(test_orphan_sets_collected),
	};

	return cmocka_run_group_tests(tests, maps_setup, maps_teardown);
}
