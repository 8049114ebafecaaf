// SPDX-License-Identifier: Apache-2.0
/*
 * agent/podif.c and agent/tc_attach.c against the real kernel (needs root): host routes
 * through pod interfaces, change notifications, and Sluice's tc filter on a veth.
 *
 * Every test first moves this process into a network namespace of its own
 * (unshare(CLONE_NEWNET)), so the `ip` and `tc` commands it runs inherit it and the
 * machine's namespaces are never touched. A namespace has no name and no route off the
 * machine, and disappears with the last socket in it, also when a test fails; short
 * interface names cannot collide with anything outside it.
 */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/pkt_cls.h>

#include "agent/podif.h"
#include "agent/tc_attach.h"
#include "model/objects.h"

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

static int netns_setup(void **state)
{
	if (unshare(CLONE_NEWNET))
		return -1; /* not root: the test is reported as failed */
	/* No duplicate address detection or router solicitations on the test's links: no
	 * IPv6 chatter arriving while a test expects silence. */
	write_file("/proc/sys/net/ipv6/conf/default/accept_dad", "0");
	write_file("/proc/sys/net/ipv6/conf/default/router_solicitations", "0");
	return 0;
}

/* Runs a shell command built from fmt in this test's namespace; its exit status. */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* A veth pair a<->b, both up (a peer that is down would leave a without carrier). */
static int veth(const char *a, const char *b)
{
	assert_int_equal(sh("ip link add %s type veth peer name %s && ip link set %s up && "
			    "ip link set %s up",
			    a, b, a, b),
			 0);
	return (int)if_nametoindex(a);
}

static void assert_route(const struct sl_podif_route *r, const char *ip, int ifindex)
{
	struct sl_ip want;
	char got[64];

	assert_int_equal(sl_ip_parse(ip, &want), 0);
	sl_ip_format(&r->dst, got, sizeof(got));
	assert_string_equal(got, ip);
	assert_int_equal(r->dst.family, want.family);
	assert_memory_equal(r->dst.b, want.b, sizeof(want.b));
	assert_int_equal(r->ifindex, ifindex);
}

/* Drains until nothing is pending, whatever was (the links' own setup, say). */
static void settle(struct sl_podif *w)
{
	assert_true(sl_podif_drain(w) >= 0);
	assert_int_equal(sl_podif_drain(w), 0);
}

static void test_dump_host_routes(void **state)
{
	struct sl_podif_route *r;
	struct sl_podif w;
	int a, c, e;
	size_t n;

	assert_int_equal(sh("ip link set lo up"), 0); /* ::1/128 dev lo is in the main table */
	a = veth("pa0", "pb0");
	c = veth("pc0", "pd0");
	/* pe0 has no carrier (its peer is down): its route is still a pod's. */
	assert_int_equal(sh("ip link add pe0 type veth peer name pf0 && ip link set pe0 up"), 0);
	e = (int)if_nametoindex("pe0");
	assert_int_equal(sh("ip route add 10.244.9.10/32 dev pa0 && "
			    "ip route add 10.244.9.11/32 dev pc0 && "
			    "ip route add 10.244.9.11/32 dev pc0 metric 50 && "
			    "ip route add 10.244.9.12/32 dev pe0 && "
			    "ip -6 route add fd00:244:9::10/128 dev pa0"),
			 0);
	/* None of these is a pod behind one interface. */
	assert_int_equal(sh("ip addr add 10.244.9.1/24 dev pa0 && "
			    "ip -6 addr add fd00:244:9::1/64 dev pa0 nodad && "
			    "ip route add 10.244.8.0/24 dev pa0 && "
			    "ip route add 10.244.9.20/32 dev pa0 table 100 && "
			    "ip -6 route add fd00:244:9::20/128 dev pa0 table 100 && "
			    "ip route add 10.244.9.30/32 nexthop dev pa0 nexthop dev pc0 && "
			    "ip -6 route add fd00:244:9::30/128 nexthop via fe80::1 dev pa0 "
			    "nexthop via fe80::2 dev pc0 && "
			    "ip route add 10.244.9.40/32 via 10.244.9.10 dev pa0 && "
			    "ip -6 route add fd00:244:9::40/128 via fe80::1 dev pa0 && "
			    "ip route add blackhole 10.244.9.50/32 && "
			    "ip -6 route add unreachable fd00:244:9::50/128 && "
			    "ip route add 10.244.9.60/32 dev lo"),
			 0);

	assert_int_equal(sl_podif_open(&w), 0);
	assert_int_equal(sl_podif_dump(&w, &r, &n), 0);
	assert_int_equal(n, 4);
	assert_route(&r[0], "10.244.9.10", a);
	assert_route(&r[1], "10.244.9.11", c);
	assert_route(&r[2], "10.244.9.12", e);
	assert_route(&r[3], "fd00:244:9::10", a);
	free(r);
	sl_podif_close(&w);
}

static void test_dump_empty(void **state)
{
	struct sl_podif_route *r = (void *)1;
	struct sl_podif w;
	size_t n = 1;

	assert_int_equal(sl_podif_open(&w), 0);
	assert_true(sl_podif_fd(&w) >= 0);
	assert_int_equal(sl_podif_dump(&w, &r, &n), 0);
	assert_int_equal(n, 0);
	assert_null(r);
	/* Still no IPv4 main table: the kernel refuses to dump it, which is no error. */
	assert_int_equal(sh("ip link add pa0 type veth peer name pb0 && ip link set pa0 up && "
			    "ip -6 route add fd00:244:9::10/128 dev pa0"),
			 0);
	assert_int_equal(sl_podif_dump(&w, &r, &n), 0);
	assert_int_equal(n, 1);
	assert_route(&r[0], "fd00:244:9::10", (int)if_nametoindex("pa0"));
	free(r);
	sl_podif_close(&w);
	assert_int_equal(sl_podif_fd(&w), -1);
	sl_podif_close(&w); /* zeroed */
	sl_podif_close(NULL);
}

static void test_drain_route_changes(void **state)
{
	struct sl_podif_route *r;
	struct sl_podif w;
	size_t n;

	veth("pa0", "pb0");
	assert_int_equal(sl_podif_open(&w), 0);
	settle(&w);
	assert_int_equal(sh("ip route add 10.244.9.10/32 dev pa0"), 0);
	assert_int_equal(sl_podif_drain(&w), 1);
	assert_int_equal(sl_podif_drain(&w), 0);
	assert_int_equal(sh("ip -6 route add fd00:244:9::10/128 dev pa0"), 0);
	assert_int_equal(sl_podif_drain(&w), 1);
	/* A replace that turns the pod route into a blackhole takes it out of the dump. */
	assert_int_equal(sh("ip route replace blackhole 10.244.9.10/32"), 0);
	assert_int_equal(sl_podif_drain(&w), 1);
	assert_int_equal(sl_podif_dump(&w, &r, &n), 0);
	assert_int_equal(n, 1);
	free(r);
	assert_int_equal(sh("ip -6 route del fd00:244:9::10/128 dev pa0"), 0);
	assert_int_equal(sl_podif_drain(&w), 1);
	assert_int_equal(sl_podif_drain(&w), 0);
	sl_podif_close(&w);
}

static void test_drain_ignores_other_routes(void **state)
{
	struct sl_podif w;

	veth("pa0", "pb0");
	assert_int_equal(sl_podif_open(&w), 0);
	settle(&w);
	/* Prefix routes, another table's host routes, and the local table's routes of new
	 * addresses cannot change the dump. */
	assert_int_equal(sh("ip route add 10.244.8.0/24 dev pa0 && "
			    "ip -6 route add fd00:244:8::/64 dev pa0 && "
			    "ip route add 10.244.9.20/32 dev pa0 table 100 && "
			    "ip -6 route add fd00:244:9::20/128 dev pa0 table 100 && "
			    "ip addr add 10.244.9.1/24 dev pa0 && "
			    "ip -6 addr add fd00:244:9::1/64 dev pa0 nodad"),
			 0);
	assert_int_equal(sl_podif_drain(&w), 0);
	sl_podif_close(&w);
}

static void test_drain_link_delete(void **state)
{
	struct sl_podif_route *r;
	struct sl_podif w;
	size_t n;

	veth("pa0", "pb0");
	assert_int_equal(sh("ip route add 10.244.9.10/32 dev pa0"), 0);
	assert_int_equal(sl_podif_open(&w), 0);
	settle(&w);
	assert_int_equal(sh("ip link del pa0"), 0);
	assert_int_equal(sl_podif_drain(&w), 1);
	assert_int_equal(sl_podif_dump(&w, &r, &n), 0);
	assert_int_equal(n, 0);
	sl_podif_close(&w);
}

/* Adds 200 host routes in table 100: notifications, none of them relevant. */
static void add_irrelevant_routes(int base)
{
	FILE *f = popen("ip -batch -", "w");

	assert_non_null(f);
	for (int i = 0; i < 200; i++)
		fprintf(f, "route add 10.245.%d.%d/32 dev pa0 table 100\n", base + i / 100,
			i % 100 + 1);
	assert_int_equal(pclose(f), 0);
}

static void test_drain_overrun(void **state)
{
	int tiny = 1; /* the kernel rounds it up to its minimum */
	struct sl_podif w;

	veth("pa0", "pb0");
	assert_int_equal(sl_podif_open(&w), 0);
	settle(&w);
	add_irrelevant_routes(0);
	assert_int_equal(sl_podif_drain(&w), 0); /* the buffer held them all */

	assert_int_equal(setsockopt(sl_podif_fd(&w), SOL_SOCKET, SO_RCVBUF, &tiny, sizeof(tiny)),
			 0);
	add_irrelevant_routes(2);
	/* Only the overrun (ENOBUFS) can make this 1. */
	assert_int_equal(sl_podif_drain(&w), 1);
	assert_int_equal(sl_podif_drain(&w), 0);
	sl_podif_close(&w);
}

/* r0 = verdict; exit */
static int load_prog(int verdict)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = verdict },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "slut_podif", "GPL", insns, 2, NULL);

	assert_true(fd >= 0);
	return fd;
}

static __u32 prog_id(int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	assert_int_equal(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
	return info.id;
}

static __u32 query(int ifindex, bool egress)
{
	__u32 id = 0;

	assert_int_equal(sl_tc_query(ifindex, egress, &id), 0);
	return id;
}

/* libbpf's own answer, as a second opinion. */
static __u32 libbpf_query(int ifindex, bool egress, __u32 handle, __u32 prio)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = handle, .priority = prio);

	assert_int_equal(bpf_tc_query(&hook, &opts), 0);
	return opts.prog_id;
}

/* What another tool would do: its own filter at libbpf's default handle and priority. */
static void attach_foreign(int ifindex, int fd)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 1, .priority = 1, .prog_fd = fd);

	assert_int_equal(bpf_tc_attach(&hook, &opts), 0);
}

/* Lines of `cmd`'s output that contain needle. */
static int count_lines(const char *cmd, const char *needle)
{
	FILE *f = popen(cmd, "r");
	char line[1024];
	int n = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		n += strstr(line, needle) != NULL;
	assert_int_equal(pclose(f), 0);
	return n;
}

static void test_tc_attach_query(void **state)
{
	int ifi = veth("pa0", "pb0"), p = load_prog(TC_ACT_OK);
	__u32 id;

	assert_int_equal(sl_tc_query(ifi, false, &id), -ENOENT); /* no qdisc */
	assert_int_equal(sl_tc_attach(ifi, false, p), 0);
	assert_int_equal(query(ifi, false), prog_id(p));
	assert_int_equal(libbpf_query(ifi, false, SL_TC_HANDLE, SL_TC_PRIORITY), prog_id(p));
	assert_int_equal(sl_tc_query(ifi, true, &id), -ENOENT); /* clsact, no filter */
	assert_int_equal(sl_tc_attach(ifi, true, p), 0);
	assert_int_equal(query(ifi, true), prog_id(p));
	assert_int_equal(libbpf_query(ifi, true, SL_TC_HANDLE, SL_TC_PRIORITY), prog_id(p));
	assert_int_equal(count_lines("tc filter show dev pa0 ingress", "direct-action"), 1);
	assert_int_equal(count_lines("tc filter show dev pa0 egress", "direct-action"), 1);
	/* Once the qdisc is gone, attach makes a new one. */
	assert_int_equal(sh("tc qdisc del dev pa0 clsact"), 0);
	assert_int_equal(sl_tc_query(ifi, false, &id), -ENOENT);
	assert_int_equal(sl_tc_attach(ifi, true, p), 0);
	assert_int_equal(query(ifi, true), prog_id(p));
	close(p);
}

static void test_tc_reattach_replaces(void **state)
{
	int ifi = veth("pa0", "pb0"), p1 = load_prog(TC_ACT_OK), p2 = load_prog(TC_ACT_UNSPEC);
	int foreign = load_prog(TC_ACT_UNSPEC);
	char want[64];

	assert_int_not_equal(prog_id(p1), prog_id(p2));
	assert_int_equal(sl_tc_attach(ifi, false, p1), 0);
	attach_foreign(ifi, foreign);
	/* An agent restarting with a new program, then with the same one, five times. */
	for (int i = 0; i < 5; i++) {
		int p = i % 2 ? p1 : p2;

		assert_int_equal(sl_tc_attach(ifi, false, p), 0);
		assert_int_equal(sl_tc_attach(ifi, false, p), 0);
		assert_int_equal(query(ifi, false), prog_id(p));
	}
	snprintf(want, sizeof(want), " id %u ", prog_id(p2));
	assert_int_equal(count_lines("tc filter show dev pa0 ingress", "handle 0x5c1 "), 1);
	assert_int_equal(count_lines("tc filter show dev pa0 ingress", want), 1);
	assert_int_equal(count_lines("tc filter show dev pa0 ingress", "direct-action"), 2);
	assert_int_equal(libbpf_query(ifi, false, 1, 1), prog_id(foreign));
	close(p1);
	close(p2);
	close(foreign);
}

static void test_tc_detach_only_ours(void **state)
{
	int ifi = veth("pa0", "pb0"), p = load_prog(TC_ACT_OK), foreign = load_prog(TC_ACT_UNSPEC);
	__u32 id;

	assert_int_equal(sl_tc_detach(ifi, false), -ENOENT); /* no qdisc */
	assert_int_equal(sl_tc_attach(ifi, false, p), 0);
	assert_int_equal(sl_tc_attach(ifi, true, p), 0);
	attach_foreign(ifi, foreign);
	assert_int_equal(sl_tc_detach(ifi, false), 0);
	assert_int_equal(sl_tc_query(ifi, false, &id), -ENOENT);
	assert_int_equal(sl_tc_detach(ifi, false), -ENOENT);
	assert_int_equal(query(ifi, true), prog_id(p));
	assert_int_equal(libbpf_query(ifi, false, 1, 1), prog_id(foreign));
	assert_int_equal(count_lines("tc qdisc show dev pa0", "qdisc clsact "), 1);
	assert_int_equal(sl_tc_detach(ifi, true), 0);
	assert_int_equal(count_lines("tc filter show dev pa0 egress", "bpf"), 0);
	assert_int_equal(count_lines("tc qdisc show dev pa0", "qdisc clsact "), 1);
	close(p);
	close(foreign);
}

static void test_tc_gone_interface(void **state)
{
	int ifi = veth("pa0", "pb0"), p = load_prog(TC_ACT_OK);
	__u32 id;

	assert_int_equal(sl_tc_attach(ifi, false, p), 0);
	assert_int_equal(sh("ip link del pa0"), 0);
	assert_int_equal(sl_tc_attach(ifi, false, p), -ENODEV);
	assert_int_equal(sl_tc_attach(ifi, true, p), -ENODEV);
	assert_int_equal(sl_tc_query(ifi, false, &id), -ENODEV);
	assert_int_equal(sl_tc_detach(ifi, false), -ENODEV);
	assert_int_equal(sl_tc_attach(0, false, p), -ENODEV);
	close(p);
}

static void test_tc_legacy_ingress(void **state)
{
	int ifi = veth("pa0", "pb0"), p = load_prog(TC_ACT_OK);
	__u32 id;

	assert_int_equal(sh("tc qdisc add dev pa0 ingress"), 0);
	assert_int_equal(sl_tc_attach(ifi, true, p), -EOPNOTSUPP);
	assert_int_equal(sl_tc_attach(ifi, false, p), 0);
	assert_int_equal(query(ifi, false), prog_id(p));
	assert_int_equal(sl_tc_query(ifi, true, &id), -ENOENT);
	assert_int_equal(sl_tc_detach(ifi, true), -ENOENT);
	assert_int_equal(sl_tc_detach(ifi, false), 0);
	close(p);
}

static int libbpf_warnings;

static int count_warnings(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN) {
		libbpf_warnings++;
		vfprintf(stderr, fmt, ap);
	}
	return 0;
}

/* The answers that are not errors (no qdisc yet, a qdisc there already, no filter) make
 * libbpf print nothing. */
static void test_tc_quiet(void **state)
{
	libbpf_print_fn_t old = libbpf_set_print(count_warnings);
	int ifi = veth("pa0", "pb0"), p = load_prog(TC_ACT_OK);
	__u32 id;

	libbpf_warnings = 0;
	assert_int_equal(sl_tc_query(ifi, false, &id), -ENOENT);
	assert_int_equal(sl_tc_detach(ifi, true), -ENOENT);
	assert_int_equal(sl_tc_attach(ifi, false, p), 0);
	assert_int_equal(sl_tc_attach(ifi, false, p), 0);
	assert_int_equal(sl_tc_query(ifi, true, &id), -ENOENT);
	assert_int_equal(sl_tc_attach(ifi, true, p), 0);
	assert_int_equal(sl_tc_detach(ifi, true), 0);
	assert_int_equal(sl_tc_detach(ifi, true), -ENOENT);
	assert_int_equal(libbpf_warnings, 0);
	libbpf_set_print(old);
	close(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_dump_host_routes, netns_setup),
		cmocka_unit_test_setup(test_dump_empty, netns_setup),
		cmocka_unit_test_setup(test_drain_route_changes, netns_setup),
		cmocka_unit_test_setup(test_drain_ignores_other_routes, netns_setup),
		cmocka_unit_test_setup(test_drain_link_delete, netns_setup),
		cmocka_unit_test_setup(test_drain_overrun, netns_setup),
		cmocka_unit_test_setup(test_tc_attach_query, netns_setup),
		cmocka_unit_test_setup(test_tc_reattach_replaces, netns_setup),
		cmocka_unit_test_setup(test_tc_detach_only_ours, netns_setup),
		cmocka_unit_test_setup(test_tc_gone_interface, netns_setup),
		cmocka_unit_test_setup(test_tc_legacy_ingress, netns_setup),
		cmocka_unit_test_setup(test_tc_quiet, netns_setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
