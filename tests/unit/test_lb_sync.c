// SPDX-License-Identifier: Apache-2.0
/* Map reconciliation against real kernel maps (needs root): ordering, capacity, restart. */
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
	int svc, bset;
};

static int maps_setup(void **state)
{
	LIBBPF_OPTS(bpf_map_create_opts, no_prealloc, .map_flags = BPF_F_NO_PREALLOC);
	struct maps *m = calloc(1, sizeof(*m));

	m->svc = bpf_map_create(BPF_MAP_TYPE_HASH, "t_svc", sizeof(struct sl_svc_key),
				sizeof(struct sl_svc_val), 16, &no_prealloc);
	m->bset = bpf_map_create(BPF_MAP_TYPE_HASH, "t_bset", sizeof(struct sl_bset_key),
				 sizeof(struct sl_backend), 16, NULL);
	if (m->svc < 0 || m->bset < 0) {
		free(m);
		return -1; /* not root, or no BPF: the group is reported as failed */
	}
	*state = m;
	return 0;
}

static int maps_teardown(void **state)
{
	struct maps *m = *state;

	close(m->svc);
	close(m->bset);
	free(m);
	return 0;
}

/* A frontend 10.96.0.<vip>:80/TCP with backends 10.244.1.<b>:8080 for each b in bes. */
static void add_fe(struct sl_compiled *c, int vip, const int *bes, int n)
{
	struct sl_frontend *fe = calloc(1, sizeof(*fe));

	fe->key.addr.w[2] = htonl(0xffff);
	fe->key.addr.w[3] = htonl(0x0a600000 | vip);
	fe->key.port = htons(80);
	fe->key.proto = 6;
	fe->svc_id = 100 + vip;
	fe->nbe = n;
	fe->be = calloc(n ? n : 1, sizeof(*fe->be));
	for (int i = 0; i < n; i++) {
		fe->be[i].addr.w[2] = htonl(0xffff);
		fe->be[i].addr.w[3] = htonl(0x0af40100 | bes[i]);
		fe->be[i].port = htons(8080);
	}
	assert_int_equal(sl_htab_put(&c->fe, &fe->key, sizeof(fe->key), fe, NULL), 0);
	c->nslots += n;
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

static void empty_maps(struct maps *m)
{
	struct sl_compiled none = {};
	struct sl_lb_sync s;
	struct sl_lb_result r;
	char err[256];

	assert_int_equal(sl_lb_sync_init(&s, m->svc, m->bset, 16, 16), 0);
	assert_int_equal(sl_lb_sync_apply(&s, &none, &r, err, sizeof(err)), 0);
	sl_lb_sync_gc(&s);
	sl_lb_sync_free(&s);
	assert_int_equal(count(m->svc, sizeof(struct sl_svc_key)), 0);
	assert_int_equal(count(m->bset, sizeof(struct sl_bset_key)), 0);
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
	assert_int_equal(sl_lb_sync_init(&s, m->svc, m->bset, 16, 16), 0);
	assert_int_equal(sl_lb_sync_apply(&s, &c, &r, err, sizeof(err)), 0);
	assert_int_equal(r.added, 3);
	assert_int_equal(count(m->svc, sizeof(struct sl_svc_key)), 3);
	assert_int_equal(count(m->bset, sizeof(struct sl_bset_key)), 3);
	sl_lb_sync_free(&s);

	/* A new agent reads the maps back: the same desired state writes nothing. */
	assert_int_equal(sl_lb_sync_init(&s, m->svc, m->bset, 16, 16), 0);
	assert_int_equal(sl_lb_sync_apply(&s, &c, &r, err, sizeof(err)), 0);
	assert_int_equal(r.unchanged, 3);
	assert_int_equal(r.added + r.changed + r.removed, 0);
	assert_int_equal(sl_lb_sync_pending_gc(&s), 0);
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
	struct sl_svc_key key;
	char err[256];
	const int x[] = { 11, 12 }, y[] = { 12, 13, 14 };

	add_fe(&a, 10, x, 2);
	add_fe(&b, 10, y, 3);
	assert_int_equal(sl_lb_sync_init(&s, m->svc, m->bset, 16, 16), 0);
	assert_int_equal(sl_lb_sync_apply(&s, &a, &r, err, sizeof(err)), 0);
	assert_int_equal(sl_lb_sync_apply(&s, &b, &r, err, sizeof(err)), 0);
	assert_int_equal(r.changed, 1);
	/* Old and new sets both present: a reader holding the old value still finds it. */
	assert_int_equal(count(m->bset, sizeof(struct sl_bset_key)), 5);
	assert_int_equal(sl_lb_sync_pending_gc(&s), 1);
	key = ((struct sl_frontend *)sl_htab_get(&b.fe, &(struct sl_svc_key){
		.addr.w = { 0, 0, htonl(0xffff), htonl(0x0a60000a) }, .port = htons(80), .proto = 6 },
		sizeof(struct sl_svc_key)))->key;
	assert_int_equal(bpf_map_lookup_elem(m->svc, &key, &v), 0);
	assert_int_equal(v.count, 3);
	sl_lb_sync_gc(&s);
	assert_int_equal(count(m->bset, sizeof(struct sl_bset_key)), 3);
	for (uint32_t i = 0; i < 3; i++) {
		struct sl_bset_key bk = { .set_id = v.set_id, .slot = i };
		struct sl_backend be;

		assert_int_equal(bpf_map_lookup_elem(m->bset, &bk, &be), 0);
		assert_int_equal(ntohl(be.addr.w[3]) & 0xff, (uint32_t)y[i]);
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
	struct sl_lb_sync s;
	struct sl_lb_result r;
	char err[256] = "";
	const int x[] = { 11 }, many[] = { 1, 2, 3, 4, 5 };

	add_fe(&a, 10, x, 1);
	assert_int_equal(sl_lb_sync_init(&s, m->svc, m->bset, 2, 4), 0);
	assert_int_equal(sl_lb_sync_apply(&s, &a, &r, err, sizeof(err)), 0);

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
	assert_int_equal(count(m->svc, sizeof(struct sl_svc_key)), 1);
	assert_int_equal(count(m->bset, sizeof(struct sl_bset_key)), 1);
	sl_lb_sync_free(&s);
	sl_compiled_free(&a);
	sl_compiled_free(&big);
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
	assert_int_equal(bpf_map_update_elem(m->bset, &bk, &be, BPF_ANY), 0);
	bk.slot = 1;
	assert_int_equal(bpf_map_update_elem(m->bset, &bk, &be, BPF_ANY), 0);
	assert_int_equal(sl_lb_sync_init(&s, m->svc, m->bset, 16, 16), 0);
	assert_int_equal(sl_lb_sync_pending_gc(&s), 1);
	assert_int_equal(sl_lb_sync_apply(&s, &none, &r, err, sizeof(err)), 0);
	sl_lb_sync_gc(&s);
	assert_int_equal(count(m->bset, sizeof(struct sl_bset_key)), 0);
	sl_lb_sync_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_apply_restart_unchanged),
		cmocka_unit_test(test_change_keeps_old_set_until_gc),
		cmocka_unit_test(test_capacity_refused_before_writing),
		cmocka_unit_test(test_orphan_sets_collected),
	};

	return cmocka_run_group_tests(tests, maps_setup, maps_teardown);
}
