/* SPDX-License-Identifier: Apache-2.0 */
/* Reading the addresses, protocol and ports of a packet at tc (Ethernet devices). */
#ifndef SLUICE_BPF_PKT_H
#define SLUICE_BPF_PKT_H

#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "lib/addr.h"

#define ETH_HLEN_ 14
#define ETH_P_IP_ 0x0800
#define ETH_P_IPV6_ 0x86DD
#define IPPROTO_ICMP_ 1
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define IPPROTO_ICMPV6_ 58
#define IPPROTO_SCTP_ 132
#define TCP_FLAG_SYN_ 0x02
#define TCP_FLAG_ACK_ 0x10
/* IPv6 extension headers walked to find the transport header. */
#define PKT_MAX_EXT 6

struct pkt {
	struct sl_addr src, dst;
	__be16 sport, dport; /* TCP, UDP, SCTP; 0 otherwise */
	__u16 udp_len; /* UDP: the header's length field (header and payload), host order */
	__u8 proto; /* transport protocol */
	__u8 tcp_flags;
	bool v6;
	bool later_fragment; /* not the first fragment: no transport header */
};

/* The transport header of an IPv6 packet: extension headers are skipped. Returns
 * false for a packet too short to hold what it announces. */
static __always_inline bool pkt_ipv6_transport(struct __sk_buff *skb, __u32 *off, __u8 *nexthdr,
					       bool *later_fragment)
{
	__u8 h[8];

	for (int i = 0; i < PKT_MAX_EXT; i++) {
		switch (*nexthdr) {
		case 0: /* hop-by-hop options */
		case 43: /* routing */
		case 60: /* destination options */
			if (bpf_skb_load_bytes(skb, *off, h, 2))
				return false;
			*nexthdr = h[0];
			*off += ((__u32)h[1] + 1) * 8;
			break;
		case 44: /* fragment */
			if (bpf_skb_load_bytes(skb, *off, h, 8))
				return false;
			*nexthdr = h[0];
			if (((h[2] << 8) | h[3]) & 0xfff8)
				*later_fragment = true;
			*off += 8;
			break;
		case 51: /* authentication header */
			if (bpf_skb_load_bytes(skb, *off, h, 2))
				return false;
			*nexthdr = h[0];
			*off += ((__u32)h[1] + 2) * 4;
			break;
		default:
			return true;
		}
	}
	return true;
}

/* Fills p from an Ethernet frame. Returns false for what is not IPv4 or IPv6 or is too
 * short to read (the stack drops truncated packets itself). */
static __always_inline bool pkt_parse(struct __sk_buff *skb, struct pkt *p)
{
	__u32 off = ETH_HLEN_;
	__u8 l4[14];

	__builtin_memset(p, 0, sizeof(*p));
	if (skb->protocol == bpf_htons(ETH_P_IP_)) {
		struct iphdr ip;

		if (bpf_skb_load_bytes(skb, off, &ip, sizeof(ip)) || ip.ihl < 5)
			return false;
		addr_from_v4(&p->src, ip.saddr);
		addr_from_v4(&p->dst, ip.daddr);
		p->proto = ip.protocol;
		if (ip.frag_off & bpf_htons(0x1fff))
			p->later_fragment = true;
		off += ip.ihl * 4;
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6_)) {
		struct ipv6hdr ip6;

		if (bpf_skb_load_bytes(skb, off, &ip6, sizeof(ip6)))
			return false;
		__builtin_memcpy(&p->src, &ip6.saddr, 16);
		__builtin_memcpy(&p->dst, &ip6.daddr, 16);
		p->v6 = true;
		p->proto = ip6.nexthdr;
		off += sizeof(ip6);
		if (!pkt_ipv6_transport(skb, &off, &p->proto, &p->later_fragment))
			return false;
	} else {
		return false;
	}
	if (p->later_fragment)
		return true;
	switch (p->proto) {
	case IPPROTO_TCP_:
		if (bpf_skb_load_bytes(skb, off, l4, 14))
			return false;
		p->tcp_flags = l4[13];
		break;
	case IPPROTO_UDP_:
		if (bpf_skb_load_bytes(skb, off, l4, 8))
			return false;
		p->udp_len = ((__u16)l4[4] << 8) | l4[5];
		break;
	case IPPROTO_SCTP_:
		if (bpf_skb_load_bytes(skb, off, l4, 4))
			return false;
		break;
	default:
		return true;
	}
	__builtin_memcpy(&p->sport, &l4[0], 2);
	__builtin_memcpy(&p->dport, &l4[2], 2);
	return true;
}

#endif
