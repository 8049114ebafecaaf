// SPDX-License-Identifier: Apache-2.0
/*
 * UDP telemetry: datagrams and payload bytes per (reporter, client pod, server pod,
 * server port), counted on the pods' packets as they leave and arrive (cgroup skb
 * egress/ingress). Which end is the server is not in the packet: the end with the
 * lower port is taken as the server, as flow tools without connection tracking do.
 * Every other packet returns at once; nothing is ever dropped here.
 */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "lib/addr.h"
#include "lib/maps.h"
#include "lib/telemetry.h"

char LICENSE[] SEC("license") = "GPL";

#define ETH_P_IP_ 0x0800
#define ETH_P_IPV6_ 0x86DD
#define IPPROTO_UDP_ 17

static __always_inline void count_udp(struct __sk_buff *skb, bool egress)
{
	struct sl_addr saddr, daddr;
	struct sl_flow_counters *c;
	struct sl_flow_key key = { .proto = IPPROTO_UDP_ };
	struct udphdr udp;
	__u32 off;
	bool local_is_server, src_is_server;
	__u64 len;

	if (!cfg_telemetry)
		return;
	if (skb->protocol == bpf_htons(ETH_P_IP_)) {
		struct iphdr ip;

		if (bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)) || ip.protocol != IPPROTO_UDP_)
			return;
		off = ip.ihl * 4;
		addr_from_v4(&saddr, ip.saddr);
		addr_from_v4(&daddr, ip.daddr);
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6_)) {
		struct ipv6hdr ip6;

		if (bpf_skb_load_bytes(skb, 0, &ip6, sizeof(ip6)) || ip6.nexthdr != IPPROTO_UDP_)
			return;
		off = sizeof(ip6);
		__builtin_memcpy(&saddr, &ip6.saddr, 16);
		__builtin_memcpy(&daddr, &ip6.daddr, 16);
	} else {
		return;
	}
	if (bpf_skb_load_bytes(skb, off, &udp, sizeof(udp)))
		return;
	len = bpf_ntohs(udp.len) >= 8 ? bpf_ntohs(udp.len) - 8 : 0;
	src_is_server = bpf_ntohs(udp.source) < bpf_ntohs(udp.dest);
	/* The local end is the source on egress, the destination on ingress. */
	local_is_server = egress ? src_is_server : !src_is_server;
	key.reporter = local_is_server ? SL_REPORTER_DESTINATION : SL_REPORTER_SOURCE;
	key.src_pod = pod_of(src_is_server ? &daddr : &saddr);
	key.dst_pod = pod_of(src_is_server ? &saddr : &daddr);
	key.dst_port = src_is_server ? udp.source : udp.dest;
	c = flow_counters(&key);
	if (!c)
		return;
	c->packets++;
	/* sent/received from the reporter's point of view. */
	if (egress)
		c->sent_bytes += len;
	else
		c->received_bytes += len;
}

SEC("cgroup_skb/egress")
int sl_skb_egress(struct __sk_buff *skb)
{
	count_udp(skb, true);
	return 1;
}

SEC("cgroup_skb/ingress")
int sl_skb_ingress(struct __sk_buff *skb)
{
	count_udp(skb, false);
	return 1;
}
