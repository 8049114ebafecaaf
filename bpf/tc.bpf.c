// SPDX-License-Identifier: Apache-2.0
/*
 * The authoritative authorization check, at the destination, and anti-spoofing at the
 * source: tc programs on the host side of every local pod's interface (attached by
 * sluiced as it finds the interfaces in the node's routes).
 *
 * sl_tc_to_pod (egress of the host-side interface: traffic entering the pod) judges
 * every new TCP connection (a SYN without ACK) and every UDP datagram that does not
 * answer one the pod sent, whatever address family, address (VIP traffic arrives
 * translated to the pod's address) or path it came by. ICMP and later fragments are
 * not judged: they open nothing.
 *
 * sl_tc_from_pod (ingress of the host-side interface: traffic leaving the pod) drops
 * packets whose source address is not one of the pod's own, so a pod cannot pass
 * itself off as another identity, and notes the UDP flows the pod opens.
 *
 * Both count the UDP datagrams they let through (UDP telemetry). Here that costs TCP
 * nothing more: a cgroup skb program would run a second time on every packet of every
 * socket, TCP included, while these look at each of the pod's packets anyway.
 */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "lib/authz.h"
#include "lib/ipcache.h"
#include "lib/maps.h"
#include "lib/pkt.h"
#include "lib/stats.h"
#include "lib/telemetry.h"

#define TC_ACT_OK_ 0
#define TC_ACT_SHOT_ 2
#define NSEC_PER_SEC_ 1000000000ull

char LICENSE[] SEC("license") = "GPL";

/* The UDP flow p belongs to, as the local pod sees it; towards_pod says which end of
 * p is the pod. */
static __always_inline void ct_key(const struct pkt *p, bool towards_pod, struct sl_udp_ct_key *k)
{
	__builtin_memset(k, 0, sizeof(*k));
	if (towards_pod) {
		k->pod = p->dst;
		k->pod_port = p->dport;
		k->peer = p->src;
		k->peer_port = p->sport;
	} else {
		k->pod = p->src;
		k->pod_port = p->sport;
		k->peer = p->dst;
		k->peer_port = p->dport;
	}
}

/* Whether a datagram towards a pod answers a flow the pod opened. */
static __always_inline bool ct_is_reply(const struct pkt *p, __u64 now)
{
	struct sl_udp_ct_key k;
	struct sl_udp_ct_val *v;

	ct_key(p, true, &k);
	v = bpf_map_lookup_elem(&sl_udp_ct, &k);
	return v && v->dir == SL_CT_OUTBOUND && now - v->seen_ns < SL_UDP_CT_TIMEOUT_NS;
}

/* Notes that the flow of p is alive; a flow seen recently keeps the direction of
 * whoever opened it, so a pod answering a judged peer never turns the peer's later
 * datagrams into "replies". Written at most once a second per flow. */
static __always_inline void ct_note(const struct pkt *p, bool towards_pod, __u32 dir, __u64 now)
{
	struct sl_udp_ct_val nv = { .seen_ns = now, .dir = dir }, *v;
	struct sl_udp_ct_key k;

	ct_key(p, towards_pod, &k);
	v = bpf_map_lookup_elem(&sl_udp_ct, &k);
	if (v && now - v->seen_ns < SL_UDP_CT_TIMEOUT_NS) {
		if (now - v->seen_ns > NSEC_PER_SEC_)
			v->seen_ns = now;
		return;
	}
	bpf_map_update_elem(&sl_udp_ct, &k, &nv, BPF_ANY);
}

/* UDP telemetry: a datagram let through the interface of local_pod, counted in
 * sl_flow_stats under (reporter, client pod, server pod, server port) as sockops counts
 * TCP; leaving the pod it was sent, entering the pod received, from the reporter's
 * side. The end with the lower port is taken for the server. Only first fragments come
 * here (later ones carry no header): the first carries the datagram's length. */
static __always_inline void udp_count(const struct pkt *p, bool from_pod, __u32 local_pod)
{
	bool src_is_server = bpf_ntohs(p->sport) < bpf_ntohs(p->dport);
	/* The pod is the source of what leaves it, the destination of what enters. */
	bool local_is_server = from_pod ? src_is_server : !src_is_server;
	struct sl_flow_key key = { .proto = IPPROTO_UDP_ };
	__u64 len = p->udp_len >= 8 ? p->udp_len - 8 : 0;
	struct sl_flow_counters *c;
	__u32 remote_pod;

	if (!cfg_telemetry)
		return;
	remote_pod = pod_of(from_pod ? &p->dst : &p->src);
	key.reporter = local_is_server ? SL_REPORTER_DESTINATION : SL_REPORTER_SOURCE;
	key.src_pod = local_is_server ? remote_pod : local_pod;
	key.dst_pod = local_is_server ? local_pod : remote_pod;
	key.dst_port = src_is_server ? p->sport : p->dport;
	c = flow_counters(&key);
	if (!c)
		return;
	c->packets++;
	if (from_pod)
		c->sent_bytes += len;
	else
		c->received_bytes += len;
}

/* udp_count() for a datagram entering the pod behind this interface. */
static __always_inline void udp_count_to_pod(struct __sk_buff *skb, const struct pkt *p)
{
	__u32 ifindex = skb->ifindex;
	struct sl_podif_val *pi;

	if (!cfg_telemetry)
		return;
	pi = bpf_map_lookup_elem(&sl_podif, &ifindex);
	if (pi)
		udp_count(p, false, pi->pod_id);
}

static __always_inline void tc_event(const struct pkt *p, __u8 type, __u32 reason, __u32 src_pod,
				     __u32 dst_pod, __u32 policy, __u8 flags, __u8 reporter)
{
	struct sl_flow_event *e;

	if (!cfg_telemetry)
		return;
	e = event_new(type);
	if (!e)
		return;
	e->src = p->src;
	e->dst = p->dst;
	e->orig = p->dst;
	e->src_port = p->sport;
	e->dst_port = p->dport;
	e->orig_port = p->dport;
	e->proto = p->proto;
	e->reason = reason;
	e->src_pod = src_pod;
	e->dst_pod = dst_pod;
	e->policy = policy;
	e->flags = flags;
	e->reporter = reporter;
	event_submit(e);
}

SEC("tc")
int sl_tc_to_pod(struct __sk_buff *skb)
{
	struct authz_decision d;
	__u64 now = 0;
	struct pkt p;
	__u16 port = 0;
	int epoch;

	if (!pkt_parse(skb, &p) || p.later_fragment)
		return TC_ACT_OK_;
	switch (p.proto) {
	case IPPROTO_ICMP_:
	case IPPROTO_ICMPV6_:
		return TC_ACT_OK_;
	case IPPROTO_TCP_:
		if (!(p.tcp_flags & TCP_FLAG_SYN_) || (p.tcp_flags & TCP_FLAG_ACK_))
			return TC_ACT_OK_;
		break;
	case IPPROTO_UDP_:
		/* the clock only for UDP: TCP packets of established flows need none */
		now = bpf_ktime_get_ns();
		if (ct_is_reply(&p, now)) {
			udp_count_to_pod(skb, &p);
			return TC_ACT_OK_;
		}
		break;
	}
	port = bpf_ntohs(p.dport);
	epoch = authz_epoch();
	if (epoch >= 0 && authz_decide_addr(epoch, &p.src, &p.dst, port, &d)) {
		__u8 evflags = d.flags;

		if (d.flags & SL_AUTHZ_F_AUDIT) {
			stat_inc(SL_STAT_AUTHZ_AUDITED);
			authz_count(d.dst_pod, d.audit_policy, SL_AZ_AUDITED);
		}
		if (d.verdict != SL_VERDICT_ALLOW) {
			stat_inc(SL_STAT_AUTHZ_DENIED);
			authz_count(d.dst_pod, d.policy, SL_AZ_DENIED);
			tc_event(&p, SL_EV_DROP, SL_REASON_POLICY_DENIED, d.src_pod, d.dst_pod,
				 d.policy, evflags, SL_REPORTER_DESTINATION);
			return TC_ACT_SHOT_;
		}
		if (evflags & SL_AUTHZ_F_AUDIT)
			tc_event(&p, SL_EV_AUDIT, SL_REASON_NONE, d.src_pod, d.dst_pod,
				 d.audit_policy, evflags, SL_REPORTER_DESTINATION);
	}
	if (p.proto == IPPROTO_UDP_) {
		ct_note(&p, true, SL_CT_INBOUND, now);
		udp_count_to_pod(skb, &p);
	}
	return TC_ACT_OK_;
}

/* IPv6 link-local (fe80::/10) and the unspecified address (duplicate address
 * detection) never leave the link: neighbour discovery needs them. */
static __always_inline bool link_local_v6(const struct sl_addr *a)
{
	__u32 w0 = bpf_ntohl(a->w[0]);

	return (w0 & 0xffc00000) == 0xfe800000 || (!a->w[0] && !a->w[1] && !a->w[2] && !a->w[3]);
}

SEC("tc")
int sl_tc_from_pod(struct __sk_buff *skb)
{
	__u32 ifindex = skb->ifindex;
	struct sl_podif_val *pi = bpf_map_lookup_elem(&sl_podif, &ifindex);
	struct sl_ip_info *own;
	struct pkt p;

	if (!pi || !pkt_parse(skb, &p))
		return TC_ACT_OK_;
	if (p.v6 && link_local_v6(&p.src))
		return TC_ACT_OK_;
	own = ip_info(&p.src);
	if (!own || own->pod_id != pi->pod_id || !(own->flags & SL_IP_F_LOCAL)) {
		stat_inc(SL_STAT_SPOOF_DROPPED);
		authz_count(pi->pod_id, 0, SL_AZ_SPOOFED);
		tc_event(&p, SL_EV_DROP, SL_REASON_SPOOFED, pi->pod_id, pod_of(&p.dst), 0, 0,
			 SL_REPORTER_SOURCE);
		return TC_ACT_SHOT_;
	}
	if (p.proto == IPPROTO_UDP_ && !p.later_fragment) {
		ct_note(&p, false, SL_CT_OUTBOUND, bpf_ktime_get_ns());
		udp_count(&p, true, pi->pod_id);
	}
	return TC_ACT_OK_;
}
