// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <net/if.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "agent/datapath.h"
#include "agent/pod_tc.h"
#include "agent/tc_attach.h"
#include "common/log.h"
#include "tc.skel.h"

int sl_pod_tc_open(struct sl_pod_tc *t, const struct sl_datapath *dp)
{
	int err;

	memset(t, 0, sizeof(*t));
	t->podif_fd = dp->podif_fd;
	t->to_pod_fd = bpf_program__fd(dp->tc->progs.sl_tc_to_pod);
	t->from_pod_fd = bpf_program__fd(dp->tc->progs.sl_tc_from_pod);
	err = sl_podif_open(&t->w);
	if (err)
		return err;
	t->open = true;
	return 0;
}

int sl_pod_tc_fd(const struct sl_pod_tc *t)
{
	return t->open ? sl_podif_fd(&t->w) : -1;
}

size_t sl_pod_tc_count(const struct sl_pod_tc *t)
{
	return t->attached.used;
}

/* Both programs on one interface. The ingress hook (what the pod sends) is attached
 * first: sl_podif must name the pod before anti-spoofing can recognise it, and it is
 * written before either attach. */
static int attach_one(struct sl_pod_tc *t, int ifindex, uint32_t pod_id)
{
	struct sl_podif_val v = { .pod_id = pod_id };
	__u32 key = (__u32)ifindex;
	int err;

	if (bpf_map_update_elem(t->podif_fd, &key, &v, BPF_ANY))
		return -errno;
	err = sl_tc_attach(ifindex, false, t->from_pod_fd);
	if (!err)
		err = sl_tc_attach(ifindex, true, t->to_pod_fd);
	return err;
}

static void detach_one(struct sl_pod_tc *t, int ifindex)
{
	__u32 key = (__u32)ifindex;

	/* An interface that is gone took its filters with it (-ENODEV). */
	sl_tc_detach(ifindex, true);
	sl_tc_detach(ifindex, false);
	bpf_map_delete_elem(t->podif_fd, &key);
}

void sl_pod_tc_reconcile(struct sl_pod_tc *t, const struct sl_authz_out *az)
{
	struct sl_podif_route *r = NULL;
	struct sl_htab local = {}, want = {};
	size_t n = 0, it = 0, failed = 0;
	const void *k;
	void *v;
	int err;

	if (!t->open)
		return;
	err = sl_podif_dump(&t->w, &r, &n);
	if (err) {
		pr_warn("reading the node's routes: %s (pod interfaces not reconciled)",
			strerror(-err));
		return;
	}
	for (size_t i = 0; i < az->nips; i++)
		if (az->ips[i].local && az->ips[i].key.prefixlen == 128)
			sl_htab_put(&local, &az->ips[i].key.addr, 16,
				    (void *)(uintptr_t)az->ips[i].pod_id, NULL);
	for (size_t i = 0; i < n; i++) {
		void *pod = sl_htab_get(&local, r[i].dst.b, 16), *cur;

		if (!pod)
			continue;
		cur = sl_htab_get(&want, &r[i].ifindex, sizeof(int));
		if (cur && cur != pod) {
			pr_warn("interface %d routes addresses of two pods: enforcing the first",
				r[i].ifindex);
			continue;
		}
		sl_htab_put(&want, &r[i].ifindex, sizeof(int), pod, NULL);
	}
	free(r);
	sl_htab_free(&local);
	while (sl_htab_next(&t->attached, &it, &k, NULL, NULL)) {
		int ifindex = *(const int *)k;

		if (!sl_htab_get(&want, &ifindex, sizeof(ifindex))) {
			detach_one(t, ifindex);
			sl_htab_del(&t->attached, &ifindex, sizeof(ifindex));
		}
	}
	it = 0;
	while (sl_htab_next(&want, &it, &k, NULL, &v)) {
		int ifindex = *(const int *)k;

		if (sl_htab_get(&t->attached, &ifindex, sizeof(ifindex)) == v)
			continue;
		err = attach_one(t, ifindex, (uint32_t)(uintptr_t)v);
		if (err) {
			char name[IF_NAMESIZE] = "?";

			if_indextoname((unsigned int)ifindex, name);
			pr_warn("attaching to pod interface %s: %s", name, strerror(-err));
			failed++;
			continue;
		}
		sl_htab_put(&t->attached, &ifindex, sizeof(ifindex), v, NULL);
	}
	sl_htab_free(&want);
	t->nattach_failed = failed;
}

void sl_pod_tc_handle(struct sl_pod_tc *t, const struct sl_authz_out *az)
{
	int r = t->open ? sl_podif_drain(&t->w) : 0;

	if (r < 0)
		pr_warn("route notifications: %s", strerror(-r));
	if (r)
		sl_pod_tc_reconcile(t, az);
}

void sl_pod_tc_close(struct sl_pod_tc *t)
{
	if (t->open)
		sl_podif_close(&t->w);
	sl_htab_free(&t->attached);
	t->open = false;
}

int sl_pod_tc_cleanup(void)
{
	struct if_nameindex *ifs = if_nameindex(), *i;
	int n = 0;

	if (!ifs)
		return -errno;
	for (i = ifs; i->if_index; i++) {
		if (!sl_tc_detach((int)i->if_index, true))
			n++;
		if (!sl_tc_detach((int)i->if_index, false))
			n++;
	}
	if_freenameindex(ifs);
	return n;
}
