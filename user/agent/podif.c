// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "agent/podif.h"

/* One receive: the kernel builds no dump part larger than 32 KiB. A notification that
 * does not fit is cut short, which sl_podif_drain counts as a change. */
#define PODIF_BUF_SIZE 32768
/* Any relevant notification costs a full dump, so a lost one costs nothing more: the
 * buffer only has to make overruns rare during a burst of pod starts. */
#define PODIF_RCVBUF (1 << 20)
#define PODIF_DUMP_TRIES 8
/* Receives per drain: a storm of changes cannot hold the caller, and poll() reports
 * what is left. */
#define PODIF_DRAIN_MAX 256
/* The kernel creates every namespace's loopback device first, with this index. */
#define PODIF_LOOPBACK_IFINDEX 1

struct routes {
	struct sl_podif_route *v;
	size_t n, cap;
};

int sl_podif_open(struct sl_podif *w)
{
	static const unsigned int groups[] = { RTNLGRP_LINK, RTNLGRP_IPV4_ROUTE,
					       RTNLGRP_IPV6_ROUTE };
	int rcvbuf = PODIF_RCVBUF, on = 1, err;

	memset(w, 0, sizeof(*w));
	w->buf = malloc(PODIF_BUF_SIZE);
	if (!w->buf)
		return -ENOMEM;
	w->mon = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!w->mon || mnl_socket_bind(w->mon, 0, MNL_SOCKET_AUTOPID))
		goto fail;
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		unsigned int g = groups[i];

		if (mnl_socket_setsockopt(w->mon, NETLINK_ADD_MEMBERSHIP, &g, sizeof(g)))
			goto fail;
	}
	/* SO_RCVBUFFORCE may exceed net.core.rmem_max but needs CAP_NET_ADMIN. */
	if (setsockopt(mnl_socket_get_fd(w->mon), SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		       sizeof(rcvbuf)) &&
	    setsockopt(mnl_socket_get_fd(w->mon), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)))
		goto fail;
	/* Blocking: the kernel builds each dump part while we wait in recv, it never waits
	 * for anything else. */
	w->dump = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!w->dump || mnl_socket_bind(w->dump, 0, MNL_SOCKET_AUTOPID))
		goto fail;
	/* Strict checking (4.20+) lets the kernel dump the main table alone instead of
	 * every table, the local one (a route per address) included. Without it we get
	 * them all and filter below, so a failure here changes nothing. */
	mnl_socket_setsockopt(w->dump, NETLINK_GET_STRICT_CHK, &on, sizeof(on));
	return 0;
fail:
	err = errno ? -errno : -EIO;
	sl_podif_close(w);
	return err;
}

int sl_podif_fd(const struct sl_podif *w)
{
	return w->mon ? mnl_socket_get_fd(w->mon) : -1;
}

/* Decided by what identifies a route (family, prefix length, table), never by what a
 * replace can change (type, interface, gateway): when a pod's route is replaced by a
 * blackhole, the one notification describes the blackhole. */
static bool host_route_msg(const struct nlmsghdr *nlh)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	uint32_t table;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm))
		return true; /* cannot tell: look again */
	if (rtm->rtm_flags & RTM_F_CLONED)
		return false;
	if (!((rtm->rtm_family == AF_INET && rtm->rtm_dst_len == 32) ||
	      (rtm->rtm_family == AF_INET6 && rtm->rtm_dst_len == 128)))
		return false;
	table = rtm->rtm_table;
	mnl_attr_for_each(a, nlh, sizeof(*rtm))
	{
		if (mnl_attr_get_type(a) == RTA_TABLE && !mnl_attr_validate(a, MNL_TYPE_U32))
			table = mnl_attr_get_u32(a);
	}
	return table == RT_TABLE_MAIN;
}

static bool relevant(const struct nlmsghdr *nlh)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
			return true;
		/* AF_INET6 and AF_BRIDGE ones report protocol state of a link (router
		 * solicitations, bridge ports), not the link. Any AF_UNSPEC one counts: a
		 * link that went down has lost its IPv4 routes without a RTM_DELROUTE. */
		return ifi->ifi_family == AF_UNSPEC;
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		return host_route_msg(nlh);
	default:
		return false;
	}
}

int sl_podif_drain(struct sl_podif *w)
{
	int changed = 0;

	for (int i = 0; i < PODIF_DRAIN_MAX; i++) {
		int len = (int)mnl_socket_recvfrom(w->mon, w->buf, PODIF_BUF_SIZE);
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)w->buf;

		if (len < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return changed;
			if (errno == EINTR)
				continue;
			/* ENOBUFS: the socket overran and dropped notifications; ENOSPC
			 * (libmnl's MSG_TRUNC): one was cut short. Either may have been
			 * relevant, and the socket carries on with the next one. */
			if (errno == ENOBUFS || errno == ENOSPC) {
				changed = 1;
				continue;
			}
			return -errno;
		}
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len))
			if (relevant(nlh))
				changed = 1;
	}
	return changed;
}

/* Appends the route in nlh when it is a host route through one interface (see
 * sl_podif_dump). 0 when added or skipped, -ENOMEM. */
static int add_route(struct routes *r, uint8_t family, const struct nlmsghdr *nlh)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	unsigned int alen = family == AF_INET ? 4 : 16;
	const struct nlattr *a, *dst = NULL;
	struct sl_podif_route *e;
	uint32_t table, oif = 0;
	bool other_hops = false;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm) || rtm->rtm_family != family ||
	    rtm->rtm_dst_len != alen * 8 || rtm->rtm_type != RTN_UNICAST ||
	    (rtm->rtm_scope != RT_SCOPE_LINK && rtm->rtm_scope != RT_SCOPE_UNIVERSE) ||
	    (rtm->rtm_flags & RTM_F_CLONED))
		return 0;
	table = rtm->rtm_table;
	mnl_attr_for_each(a, nlh, sizeof(*rtm))
	{
		switch (mnl_attr_get_type(a)) {
		case RTA_DST:
			if (mnl_attr_get_payload_len(a) == alen)
				dst = a;
			break;
		case RTA_OIF:
			if (!mnl_attr_validate(a, MNL_TYPE_U32))
				oif = mnl_attr_get_u32(a);
			break;
		case RTA_TABLE:
			if (!mnl_attr_validate(a, MNL_TYPE_U32))
				table = mnl_attr_get_u32(a);
			break;
		case RTA_GATEWAY:
		case RTA_VIA:
		case RTA_MULTIPATH:
			/* The address lives behind another hop, or behind several. */
			other_hops = true;
			break;
		}
	}
	if (table != RT_TABLE_MAIN || !dst || other_hops || !oif || oif > INT32_MAX ||
	    oif == PODIF_LOOPBACK_IFINDEX)
		return 0;

	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 64;
		struct sl_podif_route *v = realloc(r->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		r->v = v;
		r->cap = cap;
	}
	e = &r->v[r->n++];
	memset(e, 0, sizeof(*e));
	e->ifindex = (int)oif;
	if (family == AF_INET) {
		e->dst.b[10] = e->dst.b[11] = 0xff;
		memcpy(&e->dst.b[12], mnl_attr_get_payload(dst), 4);
		e->dst.family = 4;
	} else {
		memcpy(e->dst.b, mnl_attr_get_payload(dst), 16);
		e->dst.family = 6;
	}
	return 0;
}

/* The error a dump ended with: NLMSG_DONE carries one when the dump failed part way,
 * NLMSG_ERROR when it could not start. */
static int dump_end_error(const struct nlmsghdr *nlh)
{
	const int *e = mnl_nlmsg_get_payload(nlh); /* first field of struct nlmsgerr too */

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e))
		return nlh->nlmsg_type == NLMSG_DONE ? 0 : -EBADMSG;
	return *e < 0 ? *e : 0;
}

/* One dump of one family's routes into r. Reads up to the end of the dump even after
 * running out of memory, so that the socket holds nothing of it for the next request.
 * *intr is set when the kernel marked the dump interrupted. */
static int dump_once(struct sl_podif *w, uint8_t family, struct routes *r, bool *intr)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(w->buf);
	unsigned int portid = mnl_socket_get_portid(w->dump);
	struct rtmsg *rtm;
	int err = 0;

	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = ++w->seq;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = family;
	rtm->rtm_table = RT_TABLE_MAIN; /* honoured with strict checking only */
	if (mnl_socket_sendto(w->dump, nlh, nlh->nlmsg_len) < 0)
		return -errno;

	for (;;) {
		int len = (int)mnl_socket_recvfrom(w->dump, w->buf, PODIF_BUF_SIZE);

		if (len < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (nlh = (struct nlmsghdr *)w->buf; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			/* Replies to an earlier request that an error cut short. */
			if (nlh->nlmsg_seq != w->seq || nlh->nlmsg_pid != portid)
				continue;
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				*intr = true;
			if (nlh->nlmsg_type == NLMSG_DONE || nlh->nlmsg_type == NLMSG_ERROR) {
				int e = dump_end_error(nlh);

				/* Asked for the main table alone, IPv4 says -ENOENT until the
				 * namespace's first route creates it: nothing to list. */
				if (e && e != -ENOENT)
					return e;
				return err;
			}
			if (nlh->nlmsg_type == RTM_NEWROUTE && !err)
				err = add_route(r, family, nlh);
		}
	}
}

static int dump_family(struct sl_podif *w, uint8_t family, struct routes *r)
{
	size_t keep = r->n;

	for (int i = 0; i < PODIF_DUMP_TRIES; i++) {
		bool intr = false;
		int err;

		r->n = keep;
		err = dump_once(w, family, r, &intr);
		if (err || !intr)
			return err;
	}
	return -EAGAIN;
}

static int route_cmp(const void *pa, const void *pb)
{
	const struct sl_podif_route *a = pa, *b = pb;
	int c = memcmp(a->dst.b, b->dst.b, sizeof(a->dst.b));

	if (c)
		return c;
	if (a->dst.family != b->dst.family)
		return a->dst.family < b->dst.family ? -1 : 1;
	return a->ifindex < b->ifindex ? -1 : a->ifindex > b->ifindex;
}

int sl_podif_dump(struct sl_podif *w, struct sl_podif_route **out, size_t *n)
{
	struct routes r = {};
	size_t k = 0;
	int err;

	*out = NULL;
	*n = 0;
	err = dump_family(w, AF_INET, &r);
	err = err ?: dump_family(w, AF_INET6, &r);
	if (err) {
		free(r.v);
		return err;
	}
	if (!r.n) {
		free(r.v);
		return 0;
	}
	qsort(r.v, r.n, sizeof(*r.v), route_cmp);
	/* The same address through the same interface at several metrics is one pair. */
	for (size_t i = 1; i < r.n; i++)
		if (route_cmp(&r.v[k], &r.v[i]))
			r.v[++k] = r.v[i];
	*out = r.v;
	*n = k + 1;
	return 0;
}

void sl_podif_close(struct sl_podif *w)
{
	if (!w)
		return;
	if (w->mon)
		mnl_socket_close(w->mon);
	if (w->dump)
		mnl_socket_close(w->dump);
	free(w->buf);
	memset(w, 0, sizeof(*w));
}
