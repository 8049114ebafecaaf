// SPDX-License-Identifier: Apache-2.0
/*
 * Same-node acceleration: runs for every sendmsg of a socket in sl_sockhash (a TCP
 * connection between two pods of this node) and hands the payload straight to the
 * peer socket's receive queue, skipping the TCP/IP stack and both veths. Bytes moved
 * this way are counted for telemetry, which the TCP counters never see: as sent in the
 * sender's socket storage, as received in sl_accel_rx under the receiver's key.
 * A message whose peer is not in the map goes the normal path, and so does every later
 * message of that socket (byte order at the peer depends on it); both are counted.
 * The proxy hop uses the same path: a client steered to the node proxy (marked
 * SL_TEL_F_TO_PROXY by sockops) sends straight to the proxy's socket in sl_proxy_socks.
 */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "lib/ctx.h"
#include "lib/maps.h"
#include "lib/stats.h"

char LICENSE[] SEC("license") = "GPL";

#define AF_INET_ 2
#define SEND_SHUTDOWN_ 2 /* include/net/sock.h */
#define MSG_LOAD(msg, field) CTX_LOAD32(msg, struct sk_msg_md, field)

/* Redirected bytes skip the peer's TCP window, and the kernel bounds the peer's queue
 * of them (the psock's ingress list) only by global TCP memory: a peer that stops
 * reading (the proxy holding a client back while its upstream is slow, a client that
 * does not read its response) would let the sender queue without limit, and an sk_msg
 * program cannot see that queue (looking the peer up takes a reference it may not
 * release). So each socket of the proxy hop redirects at most this many bytes, about
 * what TCP's receive window lets a non-reading peer be sent, and then takes TCP for
 * good, whose window applies again. The byte order holds: a reader drains the
 * redirected queue before the TCP one (tcp_bpf_recvmsg); FIONREAD, though, counts only
 * the TCP queue while both hold bytes, so the proxy must not size reads by it
 * (sluice-proxy does not). Same-node pod pairs (--accelerate) have no budget: their
 * applications do use FIONREAD (tests/e2e/test_accel.sh), see README.md. */
const volatile __u64 cfg_redirect_budget = SL_ACCEL_REDIRECT_BUDGET;

/* The peer's key: this socket's own view with the ends swapped. */
static __always_inline void peer_key(struct sk_msg_md *msg, struct sl_sock_key *k)
{
	if (MSG_LOAD(msg, family) == AF_INET_) {
		k->local.w[2] = k->remote.w[2] = bpf_htonl(0x0000ffff);
		k->local.w[3] = MSG_LOAD(msg, remote_ip4);
		k->remote.w[3] = MSG_LOAD(msg, local_ip4);
	} else {
		k->local.w[0] = MSG_LOAD(msg, remote_ip6[0]);
		k->local.w[1] = MSG_LOAD(msg, remote_ip6[1]);
		k->local.w[2] = MSG_LOAD(msg, remote_ip6[2]);
		k->local.w[3] = MSG_LOAD(msg, remote_ip6[3]);
		k->remote.w[0] = MSG_LOAD(msg, local_ip6[0]);
		k->remote.w[1] = MSG_LOAD(msg, local_ip6[1]);
		k->remote.w[2] = MSG_LOAD(msg, local_ip6[2]);
		k->remote.w[3] = MSG_LOAD(msg, local_ip6[3]);
	}
	/* remote_port: network order in the upper 16 bits (little endian); local_port:
	 * host order. */
	k->local_port = (__be16)(MSG_LOAD(msg, remote_port) >> 16);
	k->remote_port = bpf_htons((__u16)MSG_LOAD(msg, local_port));
}

SEC("sk_msg")
int sl_sk_msg(struct sk_msg_md *msg)
{
	struct bpf_sock *sk = msg->sk;
	struct sl_sock_key key = {};
	struct sl_sock_tel *t;
	__u64 *rx, zero = 0;
	__u32 size = msg->size;
	long verdict;

	/* Verifier workaround: sk is read once, here, from the unmodified context (read
	 * again further down, the compiler derived it from a moved pointer). */
	asm volatile("" : "+r"(sk));
	/* Created when missing: the no-redirect mark must stick even with telemetry off. */
	t = sk ? bpf_sk_storage_get(&sl_sock_tel, sk, 0, BPF_SK_STORAGE_GET_F_CREATE) : NULL;
	if (t && (t->flags & SL_TEL_F_BUDGET_SPENT))
		return SK_PASS; /* counted once, when it was spent */
	if (t && (t->flags & SL_TEL_F_NO_REDIRECT))
		goto fallback;
	/* After shutdown(SHUT_WR) the normal path refuses the write (EPIPE); a redirect
	 * would deliver it after the peer's EOF. */
	if (sk) {
		struct tcp_sock *tp = bpf_skc_to_tcp_sock(sk);

		if (tp && (tp->inet_conn.icsk_inet.sk.sk_shutdown & SEND_SHUTDOWN_)) {
			if (t)
				t->flags |= SL_TEL_F_NO_REDIRECT;
			goto fallback;
		}
	}
	if (!t)
		goto fallback; /* without the storage there is no budget to count against */
	if ((t->flags & SL_TEL_F_PROXY_HOP) && t->accel_sent + size > cfg_redirect_budget) {
		stat_inc(SL_STAT_MSG_BUDGET_SPENT);
		t->flags |= SL_TEL_F_NO_REDIRECT | SL_TEL_F_BUDGET_SPENT;
		return SK_PASS;
	}
	peer_key(msg, &key);
	/* Two calls, not one with a chosen map: the verifier wants a known map. */
	if (t->flags & SL_TEL_F_TO_PROXY)
		verdict = bpf_msg_redirect_hash(msg, &sl_proxy_socks, &key, BPF_F_INGRESS);
	else
		verdict = bpf_msg_redirect_hash(msg, &sl_sockhash, &key, BPF_F_INGRESS);
	if (verdict != SK_PASS) {
		t->flags |= SL_TEL_F_NO_REDIRECT;
		goto fallback;
	}
	stat_inc(SL_STAT_MSG_REDIRECTED);
	__sync_fetch_and_add(&t->accel_sent, size);
	rx = bpf_map_lookup_elem(&sl_accel_rx, &key);
	if (!rx) {
		bpf_map_update_elem(&sl_accel_rx, &key, &zero, BPF_NOEXIST);
		rx = bpf_map_lookup_elem(&sl_accel_rx, &key);
	}
	if (rx)
		__sync_fetch_and_add(rx, size);
	return SK_PASS;
fallback:
	stat_inc(SL_STAT_MSG_FALLBACK);
	return SK_PASS;
}
