// SPDX-License-Identifier: Apache-2.0
/*
 * TCP connection events of mesh workloads:
 * - live connection counts per pool (connectionPool.tcp.maxConnections) and per
 *   backend (LEAST_REQUEST), +1 when a translated connection starts, -1 when it closes;
 * - telemetry: connections opened and closed, bytes each way, retransmits, per
 *   (reporter, source pod, destination pod, service port), brought up to date at close
 *   and, while the connection lives, on its first RTT-measuring ACK SL_TCP_REPORT_NS or
 *   more after the last update; open and close events with totals, smoothed RTT and
 *   duration.
 */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "lib/ctx.h"
#include "lib/maps.h"
#include "lib/proxy.h"
#include "lib/stats.h"
#include "lib/telemetry.h"

char LICENSE[] SEC("license") = "GPL";

#define TCP_CLOSE_ 7
#define SEND_SHUTDOWN_ 2 /* include/net/sock.h */
#define SOCK_DONE_ 1 /* enum sock_flags */
#define AF_INET_ 2

static __always_inline void count_conn(struct sl_sock_orig *o, __s64 delta)
{
	struct sl_backend be = { .addr = o->backend, .port = o->backend_port };
	struct sl_pool_val *p, pzero = {};
	__s64 *n, zero = 0;

	p = bpf_map_lookup_elem(&sl_pool, &o->pool_id);
	if (!p && delta > 0) {
		bpf_map_update_elem(&sl_pool, &o->pool_id, &pzero, BPF_NOEXIST);
		p = bpf_map_lookup_elem(&sl_pool, &o->pool_id);
	}
	if (p)
		__sync_fetch_and_add(&p->conns, delta);
	n = bpf_map_lookup_elem(&sl_be_conns, &be);
	if (!n && delta > 0) {
		bpf_map_update_elem(&sl_be_conns, &be, &zero, BPF_NOEXIST);
		n = bpf_map_lookup_elem(&sl_be_conns, &be);
	}
	if (n)
		__sync_fetch_and_add(n, delta);
}

#define SKOPS_LOAD(skops, field) CTX_LOAD32(skops, struct bpf_sock_ops, field)

/* The two ends of the connection as 16-byte addresses. */
static __always_inline void sock_addrs(const struct bpf_sock_ops *skops, struct sl_addr *local,
				       struct sl_addr *remote)
{
	if (SKOPS_LOAD(skops, family) == AF_INET_) {
		local->w[0] = local->w[1] = remote->w[0] = remote->w[1] = 0;
		local->w[2] = remote->w[2] = bpf_htonl(0x0000ffff);
		local->w[3] = SKOPS_LOAD(skops, local_ip4);
		remote->w[3] = SKOPS_LOAD(skops, remote_ip4);
		return;
	}
	local->w[0] = SKOPS_LOAD(skops, local_ip6[0]);
	local->w[1] = SKOPS_LOAD(skops, local_ip6[1]);
	local->w[2] = SKOPS_LOAD(skops, local_ip6[2]);
	local->w[3] = SKOPS_LOAD(skops, local_ip6[3]);
	remote->w[0] = SKOPS_LOAD(skops, remote_ip6[0]);
	remote->w[1] = SKOPS_LOAD(skops, remote_ip6[1]);
	remote->w[2] = SKOPS_LOAD(skops, remote_ip6[2]);
	remote->w[3] = SKOPS_LOAD(skops, remote_ip6[3]);
}

/* remote_port holds the network-order port in its upper 16 bits on little-endian
 * machines (the kernel's historical layout); local_port is host order. */
static __always_inline __be16 remote_port(const struct bpf_sock_ops *skops)
{
	return (__be16)(SKOPS_LOAD(skops, remote_port) >> 16);
}

static __always_inline __be16 local_port(const struct bpf_sock_ops *skops)
{
	return bpf_htons((__u16)SKOPS_LOAD(skops, local_port));
}

/* The socket's sl_sockhash / sl_accel_rx key: itself as it sees itself. */
static __always_inline void own_key(const struct bpf_sock_ops *skops, struct sl_sock_key *k)
{
	__builtin_memset(k, 0, sizeof(*k));
	sock_addrs(skops, &k->local, &k->remote);
	k->local_port = local_port(skops);
	k->remote_port = remote_port(skops);
}

/* Application bytes sent (and acked) and received so far. bytes_acked and
 * bytes_received count sequence space, and each FIN takes one sequence number that is
 * not data: ours once it is queued (SEND_SHUTDOWN) and acked (snd_una reached
 * write_seq), the peer's once tcp_fin() ran (SOCK_DONE, set right after rcv_nxt moved
 * past it). */
static __always_inline void app_bytes(struct bpf_sock_ops *skops, struct bpf_sock *sk, __u64 *sent,
				      __u64 *received)
{
	struct tcp_sock *tp = bpf_skc_to_tcp_sock(sk);

	*sent = skops->bytes_acked;
	*received = skops->bytes_received;
	if (!tp)
		return;
	/* Redirected bytes never enter the TCP byte counters. */
	{
		struct sl_sock_tel *t = bpf_sk_storage_get(&sl_sock_tel, sk, 0, 0);
		struct sl_sock_key key;
		__u64 *rx;

		if (t)
			*sent += t->accel_sent;
		if (t && t->key.reporter) {
			own_key(skops, &key);
			rx = bpf_map_lookup_elem(&sl_accel_rx, &key);
			if (rx)
				*received += *rx;
		}
	}
	if ((tp->inet_conn.icsk_inet.sk.sk_shutdown & SEND_SHUTDOWN_) &&
	    tp->snd_una == tp->write_seq && *sent)
		(*sent)--;
	if ((tp->inet_conn.icsk_inet.sk.__sk_common.skc_flags & (1UL << SOCK_DONE_)) && *received)
		(*received)--;
}

/* Same-node acceleration: a connection between two local pods goes into the sockhash,
 * so the sk_msg program can hand its payload straight to the peer. */
const volatile bool cfg_accelerate = false;

static __always_inline void accel_add(struct bpf_sock_ops *skops)
{
	struct sl_sock_key key;
	struct sl_ip_info *l, *r;

	own_key(skops, &key);
	l = ip_info(&key.local);
	r = ip_info(&key.remote);
	if (!l || !r || !(l->flags & SL_IP_F_LOCAL) || !(r->flags & SL_IP_F_LOCAL))
		return;
	if (!bpf_sock_hash_update(skops, &sl_sockhash, &key, BPF_NOEXIST))
		stat_inc(SL_STAT_SOCKHASH_ADDED);
}

/* The proxy hop (--proxy-accelerate): SL_ACCEL_PROXY_REQUEST puts a steered
 * client's socket in sl_sockhash (its messages then go straight to the proxy's
 * socket) and the proxy's accepted socket in sl_proxy_socks (a target only: its
 * sends keep the normal path, so a client that reads with splice(2) gets every byte);
 * SL_ACCEL_PROXY_BOTH adds the proxy's socket to sl_sockhash too. */
const volatile __u32 cfg_accel_proxy = SL_ACCEL_PROXY_OFF;

/* Whether the socket's own end is the proxy's listener address and port. */
static __always_inline bool proxy_listener_end(const struct sl_sock_key *k)
{
	__u32 zero = 0;
	struct sl_proxy *p = bpf_map_lookup_elem(&sl_proxy, &zero);

	return p && p->port && k->local_port == p->port &&
	       (addr_eq(&k->local, &p->addr4) || addr_eq(&k->local, &p->addr6));
}

static __always_inline void proxy_hop_add(struct bpf_sock_ops *skops, struct bpf_sock *sk,
					  bool active)
{
	struct sl_sock_key key;
	struct sl_sock_orig *o;
	struct sl_sock_tel *t;

	own_key(skops, &key);
	if (active) {
		/* The client end: steered by connect4/6, which marked it. */
		o = bpf_sk_storage_get(&sl_sock_orig, sk, 0, 0);
		if (!o || !(o->flags & SL_ORIG_F_L7))
			return;
		t = bpf_sk_storage_get(&sl_sock_tel, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
		if (!t)
			return;
		t->flags |= SL_TEL_F_TO_PROXY | SL_TEL_F_PROXY_HOP;
		if (bpf_sock_hash_update(skops, &sl_sockhash, &key, BPF_NOEXIST)) {
			t->flags &= ~(SL_TEL_F_TO_PROXY | SL_TEL_F_PROXY_HOP);
			return;
		}
		stat_inc(SL_STAT_PROXY_SOCK_ADDED);
		return;
	}
	if (!proxy_listener_end(&key))
		return;
	/* The budget applies to its sends too (--proxy-accelerate=both). */
	t = bpf_sk_storage_get(&sl_sock_tel, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!t)
		return;
	t->flags |= SL_TEL_F_PROXY_HOP;
	if (bpf_sock_hash_update(skops, &sl_proxy_socks, &key, BPF_NOEXIST))
		return;
	stat_inc(SL_STAT_PROXY_SOCK_ADDED);
	if (cfg_accel_proxy == SL_ACCEL_PROXY_BOTH)
		bpf_sock_hash_update(skops, &sl_sockhash, &key, BPF_NOEXIST);
}

/* Adds what the connection sent and received since the last flush. */
static __always_inline void tel_flush(struct bpf_sock_ops *skops, struct bpf_sock *sk,
				      struct sl_sock_tel *t, bool closing)
{
	struct sl_flow_counters *c = flow_counters(&t->key);
	__u32 retrans = skops->total_retrans;
	__u64 sent, received;

	app_bytes(skops, sk, &sent, &received);
	if (!c)
		return;
	if (sent > t->sent)
		c->sent_bytes += sent - t->sent;
	if (received > t->received)
		c->received_bytes += received - t->received;
	c->retransmits += retrans - t->retrans;
	if (closing)
		c->closed++;
	t->sent = sent;
	t->received = received;
	t->retrans = retrans;
}

/* Fills the two ends of an open or close event: client and server, the address the
 * client dialed (o: the ClusterIP, for a translated client socket), ids, reporter. */
static __always_inline void event_ends(struct sl_flow_event *e, const struct bpf_sock_ops *skops,
				       const struct sl_sock_tel *t, const struct sl_sock_orig *o)
{
	bool active = t->key.reporter == SL_REPORTER_SOURCE;
	struct sl_addr local, remote;

	sock_addrs(skops, &local, &remote);
	e->proto = 6;
	e->reporter = t->key.reporter;
	e->src = active ? local : remote;
	e->dst = active ? remote : local;
	e->src_port = active ? local_port(skops) : remote_port(skops);
	e->dst_port = t->key.dst_port;
	e->orig = o ? o->vip : e->dst;
	e->orig_port = o ? o->vip_port : e->dst_port;
	e->svc_id = t->key.svc_id;
	e->src_pod = t->key.src_pod;
	e->dst_pod = t->key.dst_pod;
}

static __always_inline void tel_open(struct bpf_sock_ops *skops, struct bpf_sock *sk, bool active)
{
	struct sl_addr local, remote;
	struct sl_flow_counters *c;
	struct sl_flow_event *e;
	struct sl_sock_orig *o = NULL;
	struct sl_sock_tel *t;
	__u64 now = bpf_ktime_get_ns();

	t = bpf_sk_storage_get(&sl_sock_tel, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!t)
		return;
	sock_addrs(skops, &local, &remote);
	t->key.proto = 6;
	if (active) {
		o = bpf_sk_storage_get(&sl_sock_orig, sk, 0, 0);
		t->key.reporter = SL_REPORTER_SOURCE;
		t->key.src_pod = pod_of(&local);
		t->key.dst_pod = pod_of(&remote);
		t->key.svc_id = o ? o->svc_id : 0;
		t->key.dst_port = remote_port(skops);
	} else {
		t->key.reporter = SL_REPORTER_DESTINATION;
		t->key.src_pod = pod_of(&remote);
		t->key.dst_pod = pod_of(&local);
		t->key.dst_port = local_port(skops);
	}
	t->open_ns = now;
	t->flushed_ns = bpf_ktime_get_coarse_ns();
	app_bytes(skops, sk, &t->sent0, &t->received0);
	t->sent = t->sent0;
	t->received = t->received0;
	t->retrans = skops->total_retrans;
	c = flow_counters(&t->key);
	if (c)
		c->opened++;
	e = event_new(SL_EV_OPEN);
	if (!e)
		return;
	event_ends(e, skops, t, o);
	event_submit(e);
}

static __always_inline void tel_close(struct bpf_sock_ops *skops, struct bpf_sock *sk)
{
	struct sl_sock_tel *t = bpf_sk_storage_get(&sl_sock_tel, sk, 0, 0);
	struct sl_sock_orig *o;
	struct sl_flow_event *e;
	__u64 now = bpf_ktime_get_ns();
	bool active;

	if (!t || !t->open_ns)
		return;
	tel_flush(skops, sk, t, true);
	active = t->key.reporter == SL_REPORTER_SOURCE;
	e = event_new(SL_EV_CLOSE);
	if (e) {
		o = active ? bpf_sk_storage_get(&sl_sock_orig, sk, 0, 0) : NULL;
		event_ends(e, skops, t, o);
		e->duration_ns = now - t->open_ns;
		e->sent_bytes = t->sent - t->sent0;
		e->received_bytes = t->received - t->received0;
		e->srtt_us = skops->srtt_us >> 3; /* the kernel keeps it scaled by 8 */
		e->retransmits = t->retrans;
		event_submit(e);
	}
	t->open_ns = 0; /* closed once */
	{
		struct sl_sock_key key;

		own_key(skops, &key);
		bpf_map_delete_elem(&sl_accel_rx, &key);
	}
}

/* A connection steered to the node proxy: its original destination, keyed by the
 * client end as the proxy will see its peer. Written before the SYN leaves, so it is
 * there before the proxy can accept. */
static __always_inline void orig_dst_note(struct bpf_sock_ops *skops, const struct sl_sock_orig *o)
{
	struct sl_orig_dst_key k = {};
	struct sl_orig_dst v = {};
	struct sl_addr remote;

	sock_addrs(skops, &k.client, &remote);
	k.client_port = local_port(skops);
	v.vip = o->vip;
	v.vip_port = o->vip_port;
	v.svc_id = o->svc_id;
	bpf_map_update_elem(&sl_orig_dst, &k, &v, BPF_ANY);
}

static __always_inline void orig_dst_forget(struct bpf_sock_ops *skops)
{
	struct sl_orig_dst_key k = {};
	struct sl_addr remote;

	sock_addrs(skops, &k.client, &remote);
	k.client_port = local_port(skops);
	bpf_map_delete_elem(&sl_orig_dst, &k);
}

SEC("sockops")
int sl_sockops(struct bpf_sock_ops *skops)
{
	struct bpf_sock *sk = skops->sk;
	struct sl_sock_orig *o;
	struct sl_sock_tel *t;

	if (!sk)
		return 1;
	switch (skops->op) {
	case BPF_SOCK_OPS_TCP_CONNECT_CB:
		/* Right before the SYN: connect4/6 has recorded the service. */
		o = bpf_sk_storage_get(&sl_sock_orig, sk, 0, 0);
		if (o && (o->flags & SL_ORIG_F_L7)) {
			orig_dst_note(skops, o);
			bpf_sock_ops_cb_flags_set(skops, skops->bpf_sock_ops_cb_flags |
								 BPF_SOCK_OPS_STATE_CB_FLAG);
			break;
		}
		if (!o || (o->flags & SL_ORIG_F_COUNTED))
			break;
		count_conn(o, 1);
		o->flags |= SL_ORIG_F_COUNTED;
		bpf_sock_ops_cb_flags_set(skops, skops->bpf_sock_ops_cb_flags |
							 BPF_SOCK_OPS_STATE_CB_FLAG);
		break;
	case BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB:
	case BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB:
		if (cfg_accelerate)
			accel_add(skops);
		if (cfg_accel_proxy != SL_ACCEL_PROXY_OFF)
			proxy_hop_add(skops, sk, skops->op == BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB);
		if (!cfg_telemetry)
			break;
		tel_open(skops, sk, skops->op == BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB);
		bpf_sock_ops_cb_flags_set(skops, skops->bpf_sock_ops_cb_flags |
							 BPF_SOCK_OPS_STATE_CB_FLAG |
							 BPF_SOCK_OPS_RTT_CB_FLAG);
		break;
	case BPF_SOCK_OPS_RTT_CB: {
		/* Every ACK that measures the RTT comes here. The coarse clock (the last
		 * tick's time, no clock source read) is precise enough to space flushes
		 * SL_TCP_REPORT_NS apart; flushed_ns is kept on it alone. */
		__u64 now = bpf_ktime_get_coarse_ns();

		t = bpf_sk_storage_get(&sl_sock_tel, sk, 0, 0);
		if (!t || !t->open_ns || (__s64)(now - t->flushed_ns) < (__s64)SL_TCP_REPORT_NS)
			break;
		tel_flush(skops, sk, t, false);
		t->flushed_ns = now;
		break;
	}
	case BPF_SOCK_OPS_STATE_CB:
		if (skops->args[1] != TCP_CLOSE_)
			break;
		if (cfg_telemetry)
			tel_close(skops, sk);
		o = bpf_sk_storage_get(&sl_sock_orig, sk, 0, 0);
		if (o && (o->flags & SL_ORIG_F_L7))
			orig_dst_forget(skops);
		if (!o || !(o->flags & SL_ORIG_F_COUNTED))
			break;
		count_conn(o, -1);
		o->flags &= ~SL_ORIG_F_COUNTED;
		break;
	}
	return 1;
}
