// SPDX-License-Identifier: Apache-2.0
/*
 * Same-node acceleration: runs for every sendmsg of a socket in sl_sockhash (a TCP
 * connection between two pods of this node) and hands the payload straight to the
 * peer socket's receive queue, skipping the TCP/IP stack and both veths. Bytes moved
 * this way are counted for telemetry, which the TCP counters never see: as sent in the
 * sender's socket storage, as received in sl_accel_rx under the receiver's key.
 * A message whose peer is not in the map goes the normal path, and so does every later
 * message of that socket (byte order at the peer depends on it); both are counted.
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
	struct sl_sock_key key = {};
	struct sl_sock_tel *t;
	__u64 *rx, zero = 0;
	__u32 size = msg->size;

	/* Created when missing: the no-redirect mark must stick even with telemetry off. */
	t = msg->sk ? bpf_sk_storage_get(&sl_sock_tel, msg->sk, 0, BPF_SK_STORAGE_GET_F_CREATE)
		    : NULL;
	if (t && (t->flags & SL_TEL_F_NO_REDIRECT))
		goto fallback;
	/* After shutdown(SHUT_WR) the normal path refuses the write (EPIPE); a redirect
	 * would deliver it after the peer's EOF. */
	if (msg->sk) {
		struct tcp_sock *tp = bpf_skc_to_tcp_sock(msg->sk);

		if (tp && (tp->inet_conn.icsk_inet.sk.sk_shutdown & SEND_SHUTDOWN_)) {
			if (t)
				t->flags |= SL_TEL_F_NO_REDIRECT;
			goto fallback;
		}
	}
	peer_key(msg, &key);
	if (bpf_msg_redirect_hash(msg, &sl_sockhash, &key, BPF_F_INGRESS) != SK_PASS) {
		if (t)
			t->flags |= SL_TEL_F_NO_REDIRECT;
		goto fallback;
	}
	stat_inc(SL_STAT_MSG_REDIRECTED);
	if (t)
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
