// SPDX-License-Identifier: Apache-2.0
/* Maglev tables: balance, and how many clients move when a backend goes. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "state/maglev.h"

static void make_backends(struct sl_backend *be, int n, int skip)
{
	for (int i = 0, k = 0; i < n; i++) {
		if (i == skip)
			continue;
		memset(&be[k], 0, sizeof(be[k]));
		be[k].addr.w[2] = htonl(0xffff);
		be[k].addr.w[3] = htonl(0x0af40100 | (10 + i));
		be[k].port = htons(8080);
		k++;
	}
}

static void test_balance(void **state)
{
	const uint32_t m = 65537, n = 10;
	struct sl_backend be[10];
	uint32_t *t = calloc(m, sizeof(*t)), owned[10] = {};

	make_backends(be, n, -1);
	assert_int_equal(sl_maglev_build(be, n, m, t), 0);
	for (uint32_t b = 0; b < m; b++) {
		assert_true(t[b] < n);
		owned[t[b]]++;
	}
	/* Maglev fills round robin: every backend owns M/N buckets, give or take one. */
	for (uint32_t i = 0; i < n; i++)
		assert_true(owned[i] >= m / n - 1 && owned[i] <= m / n + 1);
	free(t);
}

static void test_removing_one_of_ten_moves_few(void **state)
{
	const uint32_t m = 65537;
	struct sl_backend ten[10], nine[9];
	uint32_t *a = calloc(m, sizeof(*a)), *b = calloc(m, sizeof(*b)), moved = 0;

	make_backends(ten, 10, -1);
	make_backends(nine, 10, 4); /* backend 4 goes */
	assert_int_equal(sl_maglev_build(ten, 10, m, a), 0);
	assert_int_equal(sl_maglev_build(nine, 9, m, b), 0);
	for (uint32_t k = 0; k < m; k++)
		moved += memcmp(&ten[a[k]], &nine[b[k]], sizeof(ten[0])) != 0;
	/* The removed backend's 10% must move; the bound for all moves is 15%. */
	assert_true(moved >= m / 10 - 1);
	assert_true(moved * 100 <= m * 15);
	free(a);
	free(b);
}

static void test_small_prime_table_and_bad_sizes(void **state)
{
	struct sl_backend be[3];
	uint32_t t[251];

	make_backends(be, 3, -1);
	assert_int_equal(sl_maglev_build(be, 3, 251, t), 0);
	assert_int_equal(sl_maglev_build(be, 3, 250, t), -EINVAL); /* not prime */
	assert_int_equal(sl_maglev_build(be, 3, 3, t), -EINVAL); /* not larger than N */
	assert_int_equal(sl_maglev_build(be, 0, 251, t), -EINVAL);
	assert_true(sl_is_prime(65537));
	assert_false(sl_is_prime(65535));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_balance),
		cmocka_unit_test(test_removing_one_of_ten_moves_few),
		cmocka_unit_test(test_small_prime_table_and_bad_sizes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
