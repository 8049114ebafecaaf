// SPDX-License-Identifier: Apache-2.0
/*
 * Changes go through libbpf's tc API. What is there now is read with our own netlink
 * requests instead of bpf_tc_query() and a blind bpf_tc_hook_create(): libbpf logs
 * every error the kernel explains as a warning ("Exclusivity flag on, cannot modify"
 * for a clsact qdisc that exists, "Cannot find specified filter chain" for a hook
 * without filters), and bpf_tc_query() answers -EINVAL, not -ENOENT, when there is
 * no qdisc or no filter at our priority. A qdisc lookup and a filter dump say the same
 * quietly, and a dump finds nothing instead of failing.
 *
 * The kernel answers a qdisc GET to the requester only when it carries NLM_F_ECHO (it
 * is sent as a notification), so `tc monitor` shows our lookups. A qdisc dump would
 * not, but lists every interface's qdiscs: the kernel does not filter it by ifindex.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <libmnl/libmnl.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>

#include "agent/tc_attach.h"
#include "common/log.h"

#define TC_NL_BUF_SIZE 16384

/* What one hook of an interface holds. */
struct hook {
	bool exists; /* a qdisc that has this hook: clsact, or the legacy ingress for ingress */
	bool legacy; /* the ingress qdisc is the legacy `ingress` one, not clsact */
	__u32 prog_id; /* of Sluice's filter, 0 when there is none */
};

static const char *hook_name(bool egress)
{
	return egress ? "egress" : "ingress";
}

/* Sends req on a socket of its own and feeds the replies to cb up to the ACK or the end
 * of the dump. 0, or -errno with the kernel's error for the request. No socket outlives
 * the call, so a request cut short leaves nothing behind for the next one. */
static int nl_request(struct nlmsghdr *req, mnl_cb_t cb, void *data)
{
	struct mnl_socket *nl;
	unsigned int portid;
	char *buf;
	int ret, err = 0;

	buf = malloc(TC_NL_BUF_SIZE);
	if (!buf)
		return -ENOMEM;
	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl) {
		err = -errno;
		goto out_buf;
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID)) {
		err = -errno;
		goto out_sock;
	}
	portid = mnl_socket_get_portid(nl);
	req->nlmsg_seq = 1;
	if (mnl_socket_sendto(nl, req, req->nlmsg_len) < 0) {
		err = -errno;
		goto out_sock;
	}
	for (;;) {
		ret = (int)mnl_socket_recvfrom(nl, buf, TC_NL_BUF_SIZE);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret < 0)
			break;
		ret = mnl_cb_run(buf, (size_t)ret, req->nlmsg_seq, portid, cb, data);
		if (ret <= MNL_CB_STOP)
			break;
	}
	if (ret < 0)
		err = errno ? -errno : -EIO;
out_sock:
	mnl_socket_close(nl);
out_buf:
	free(buf);
	return err;
}

static int qdisc_cb(const struct nlmsghdr *nlh, void *data)
{
	char *kind = data; /* IFNAMSIZ bytes */
	const struct nlattr *a;

	if (nlh->nlmsg_type != RTM_NEWQDISC ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(struct tcmsg))
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(struct tcmsg))
	{
		if (mnl_attr_get_type(a) == TCA_KIND && !mnl_attr_validate(a, MNL_TYPE_NUL_STRING))
			snprintf(kind, IFNAMSIZ, "%s", mnl_attr_get_str(a));
	}
	return MNL_CB_OK;
}

static int filter_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct tcmsg *tcm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a, *opts = NULL;
	__u32 *prog_id = data, chain = 0;
	bool bpf = false;

	/* The dump also lists each priority with handle 0: the filter kind, no filter. */
	if (nlh->nlmsg_type != RTM_NEWTFILTER || mnl_nlmsg_get_payload_len(nlh) < sizeof(*tcm) ||
	    tcm->tcm_handle != SL_TC_HANDLE ||
	    TC_H_MAJ(tcm->tcm_info) != TC_H_MAJ((__u32)SL_TC_PRIORITY << 16))
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(*tcm))
	{
		if (mnl_attr_get_type(a) == TCA_KIND && !mnl_attr_validate(a, MNL_TYPE_NUL_STRING))
			bpf = !strcmp(mnl_attr_get_str(a), "bpf");
		else if (mnl_attr_get_type(a) == TCA_OPTIONS)
			opts = a;
		else if (mnl_attr_get_type(a) == TCA_CHAIN && !mnl_attr_validate(a, MNL_TYPE_U32))
			chain = mnl_attr_get_u32(a);
	}
	/* The dump covers every chain; libbpf attaches to chain 0. */
	if (!bpf || !opts || chain)
		return MNL_CB_OK;
	mnl_attr_for_each_nested(a, opts)
	{
		if (mnl_attr_get_type(a) == TCA_BPF_ID && !mnl_attr_validate(a, MNL_TYPE_U32))
			*prog_id = mnl_attr_get_u32(a);
	}
	return MNL_CB_OK;
}

static int hook_lookup(int ifindex, bool egress, struct hook *h)
{
	struct {
		struct nlmsghdr nh;
		struct tcmsg tc;
	} req = {
		.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct tcmsg)),
		.nh.nlmsg_type = RTM_GETQDISC,
		.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO,
		.tc.tcm_family = AF_UNSPEC,
		.tc.tcm_ifindex = ifindex,
		.tc.tcm_parent = TC_H_INGRESS, /* where clsact and ingress both sit */
	};
	char kind[IFNAMSIZ] = "";
	int err;

	memset(h, 0, sizeof(*h));
	err = nl_request(&req.nh, qdisc_cb, kind);
	/* -ENOENT: the interface never had an ingress qdisc. Once one is deleted, the
	 * answer is the ACK alone and kind stays empty. */
	if (err == -ENOENT)
		return 0;
	if (err)
		return err;
	/* The legacy ingress qdisc accepts an egress filter but runs it on ingress. */
	h->legacy = !strcmp(kind, "ingress");
	h->exists = !strcmp(kind, "clsact") || (h->legacy && !egress);
	if (!h->exists)
		return 0;

	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct tcmsg));
	req.nh.nlmsg_type = RTM_GETTFILTER;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.tc.tcm_parent = TC_H_MAKE(TC_H_CLSACT, egress ? TC_H_MIN_EGRESS : TC_H_MIN_INGRESS);
	return nl_request(&req.nh, filter_cb, &h->prog_id);
}

int sl_tc_attach(int ifindex, bool egress, int prog_fd)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd, .flags = BPF_TC_F_REPLACE,
		    .handle = SL_TC_HANDLE, .priority = SL_TC_PRIORITY);
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	struct hook h;
	int err;

	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		return -errno;
	err = hook_lookup(ifindex, egress, &h);
	if (err)
		return err;
	if (h.prog_id == info.id)
		return 0;
	if (!h.exists && h.legacy) {
		pr_warn("ifindex %d has the legacy ingress qdisc, which has no egress hook; replace it with clsact to enforce on egress",
			ifindex);
		return -EOPNOTSUPP;
	}
	/* Created only when missing, to keep libbpf quiet; one somebody created since we
	 * looked serves as well. */
	if (!h.exists) {
		err = bpf_tc_hook_create(&hook);
		if (err && err != -EEXIST)
			return err;
	}
	err = bpf_tc_attach(&hook, &opts);
	if (err)
		return err;
	pr_debug("tc %s of ifindex %d: program %u (was %u)", hook_name(egress), ifindex, info.id,
		 h.prog_id);
	return 0;
}

int sl_tc_detach(int ifindex, bool egress)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = SL_TC_HANDLE, .priority = SL_TC_PRIORITY);
	struct hook h;
	int err;

	err = hook_lookup(ifindex, egress, &h);
	if (err)
		return err;
	if (!h.prog_id)
		return -ENOENT;
	err = bpf_tc_detach(&hook, &opts);
	if (err)
		return err;
	pr_debug("tc %s of ifindex %d: program %u detached", hook_name(egress), ifindex, h.prog_id);
	return 0;
}

int sl_tc_query(int ifindex, bool egress, __u32 *prog_id)
{
	struct hook h;
	int err;

	err = hook_lookup(ifindex, egress, &h);
	if (err)
		return err;
	if (!h.prog_id)
		return -ENOENT;
	*prog_id = h.prog_id;
	return 0;
}
