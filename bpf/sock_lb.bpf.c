// SPDX-License-Identifier: Apache-2.0
/*
 * Socket-level service load balancing (what kube-proxy does, without per-packet NAT).
 * connect4/6 and sendmsg4/6 send a ClusterIP:port to a backend; getpeername4/6 and
 * recvmsg4/6 show the ClusterIP again to the application.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "lib/addr.h"
#include "lib/authz.h"
#include "lib/maps.h"
#include "lib/stats.h"
#include "lib/svc.h"
#include "lib/telemetry.h"

#define IPPROTO_UDP_ 17

char LICENSE[] SEC("license") = "GPL";

/* Records where a connected socket really wanted to go. Failure to allocate only
 * costs the VIP in getpeername(); the connection itself still works. */
static __always_inline void sock_orig_store(struct bpf_sock_addr *ctx, const struct sl_svc_key *key,
					    const struct svc_pick *pick, bool l7)
{
	struct sl_sock_orig *o;

	o = bpf_sk_storage_get(&sl_sock_orig, ctx->sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!o)
		return;
	if (l7)
		o->flags |= SL_ORIG_F_L7;
	else
		o->flags &= ~SL_ORIG_F_L7;
	o->vip = key->addr;
	o->vip_port = key->port;
	o->backend = pick->be.addr;
	o->backend_port = pick->be.port;
	o->svc_id = pick->svc_id;
	o->pool_id = pick->pool_id;
	/* A socket connected again keeps its count until close: flags stay. */
}

/* A UDP socket re-connected to a plain address must not keep showing an old VIP. */
static __always_inline void sock_orig_forget(struct bpf_sock_addr *ctx)
{
	if (ctx->protocol == IPPROTO_UDP_)
		bpf_sk_storage_delete(&sl_sock_orig, ctx->sk);
}

/* Remembers, per socket and backend, the VIP an unconnected datagram was sent to, so
 * the reply can be shown as coming from it. Written only when missing or changed. */
static __always_inline void revnat_store(struct bpf_sock_addr *ctx, const struct sl_svc_key *key,
					 const struct sl_backend *be)
{
	struct sl_revnat_key rk = {};
	struct sl_revnat_val rv = {}, *cur;

	rk.cookie = bpf_get_socket_cookie(ctx);
	rk.backend = be->addr;
	rk.backend_port = be->port;
	cur = bpf_map_lookup_elem(&sl_udp_revnat, &rk);
	if (cur && addr_eq(&cur->vip, &key->addr) && cur->vip_port == key->port)
		return;
	rv.vip = key->addr;
	rv.vip_port = key->port;
	if (bpf_map_update_elem(&sl_udp_revnat, &rk, &rv, BPF_ANY))
		stat_inc(SL_STAT_REVNAT_FULL);
}

/* Finds the VIP a reply from (addr, port) should be shown as coming from: the socket's
 * own connect-time record first, then the unconnected-UDP table. */
static __always_inline bool revnat_find(struct bpf_sock_addr *ctx, const struct sl_addr *addr,
					__be16 port, struct sl_addr *vip, __be16 *vip_port)
{
	struct sl_revnat_key rk = {};
	struct sl_revnat_val *rv;
	struct sl_sock_orig *o;

	o = bpf_sk_storage_get(&sl_sock_orig, ctx->sk, 0, 0);
	if (o && addr_eq(&o->backend, addr) && o->backend_port == port) {
		*vip = o->vip;
		*vip_port = o->vip_port;
		return true;
	}
	rk.cookie = bpf_get_socket_cookie(ctx);
	rk.backend = *addr;
	rk.backend_port = port;
	rv = bpf_map_lookup_elem(&sl_udp_revnat, &rk);
	if (!rv)
		return false;
	*vip = rv->vip;
	*vip_port = rv->vip_port;
	return true;
}

/* A flow event for a connect/sendmsg decision: translation or refusal. */
static __always_inline void decision_event(const struct sl_svc_key *key,
					   const struct svc_pick *pick, __u8 type, __u32 reason)
{
	struct sl_src *src = client_pod();
	struct sl_flow_event *e;

	if (!cfg_telemetry)
		return;
	e = event_new(type);
	if (!e)
		return;
	e->proto = key->proto;
	e->reporter = SL_REPORTER_SOURCE;
	e->orig = key->addr;
	e->orig_port = key->port;
	e->dst = type == SL_EV_XLATE ? pick->be.addr : key->addr;
	e->dst_port = type == SL_EV_XLATE ? pick->be.port : key->port;
	e->svc_id = pick->svc_id;
	e->reason = reason;
	if (src) {
		e->src = src->ip;
		e->src_pod = src->pod_id;
	}
	if (type == SL_EV_XLATE)
		e->dst_pod = pod_of(&pick->be.addr);
	event_submit(e);
}

/* The early answer at the source: a connection or datagram that the destination's tc
 * program would drop fails here, at connect()/sendmsg(), with EPERM instead of a
 * hang. The same compiled verdicts answer both, so they cannot disagree; the
 * destination stays the authority (this check only sees clients in known pods). */
static __always_inline bool refused_at_source(const struct sl_addr *dst, __be16 port, __u8 proto)
{
	int epoch = authz_epoch();
	struct authz_decision d;
	struct sl_flow_event *e;
	struct sl_ip_info *di;
	struct sl_src *src;
	__u32 grp, cls;

	if (epoch < 0)
		return false;
	di = ip_info(dst);
	if (!di)
		return false;
	grp = di->authz_grp[epoch & 1];
	if (!grp)
		return false;
	src = client_pod();
	if (!src)
		return false;
	cls = src->authz_cls[epoch & 1][addr_is_v4(dst) ? 0 : 1];
	authz_decide(cls, grp, bpf_ntohs(port), &d);
	if (d.verdict == SL_VERDICT_ALLOW)
		return false;
	stat_inc(SL_STAT_AUTHZ_DENIED_SOURCE);
	authz_count(src->pod_id, d.policy, SL_AZ_DENIED_AT_SOURCE);
	if (!cfg_telemetry)
		return true;
	e = event_new(SL_EV_DROP);
	if (!e)
		return true;
	e->proto = proto;
	e->reporter = SL_REPORTER_SOURCE;
	e->src = src->ip;
	e->src_pod = src->pod_id;
	e->dst = *dst;
	e->orig = *dst;
	e->dst_port = port;
	e->orig_port = port;
	e->dst_pod = di->pod_id;
	e->reason = SL_REASON_POLICY_DENIED;
	e->policy = d.policy;
	e->flags = d.flags;
	event_submit(e);
	return true;
}

/* user_port carries a __be16 in a 4-byte field. */
static __always_inline __be16 ctx_port(const struct bpf_sock_addr *ctx)
{
	return (__be16)ctx->user_port;
}

static __always_inline int connect_common(struct bpf_sock_addr *ctx, struct sl_svc_key *key,
					  bool v6)
{
	struct svc_pick pick = {};

	switch (svc_pick(ctx, key, key->proto != IPPROTO_UDP_, &pick)) {
	case SVC_NOT_A_SERVICE:
		if (key->proto != IPPROTO_UDP_ && proxy_private(ctx, &key->addr, key->port)) {
			stat_inc(SL_STAT_PROXY_PORT_REFUSED);
			return 0;
		}
		if (refused_at_source(&key->addr, key->port, key->proto))
			return 0;
		sock_orig_forget(ctx);
		return 1;
	case SVC_NO_BACKEND:
		stat_inc(SL_STAT_CONNECT_NO_BACKEND);
		decision_event(key, &pick, SL_EV_DROP, pick.reason);
		return svc_refuse();
	case SVC_L7:
		/* To the node proxy, which applies the L7 configuration (and L7
		 * authorization) and picks the backend; sockops records the original
		 * destination for its SO_ORIGINAL_DST once the source port is known. */
		if (v6)
			addr_to_ctx6(ctx, &pick.be.addr);
		else
			ctx->user_ip4 = pick.be.addr.w[3];
		ctx->user_port = pick.be.port;
		pick.pool_id = 0;
		sock_orig_store(ctx, key, &pick, true);
		stat_inc(SL_STAT_L7_STEERED);
		return 1;
	case SVC_TRANSLATED:
		break;
	}
	if (refused_at_source(&pick.be.addr, pick.be.port, key->proto))
		return 0;
	if (v6)
		addr_to_ctx6(ctx, &pick.be.addr);
	else
		ctx->user_ip4 = pick.be.addr.w[3];
	ctx->user_port = pick.be.port;
	sock_orig_store(ctx, key, &pick, false);
	stat_inc(SL_STAT_CONNECT_XLATED);
	/* A TCP connection's open event already says where its VIP went. */
	if (key->proto == IPPROTO_UDP_)
		decision_event(key, &pick, SL_EV_XLATE, SL_REASON_NONE);
	return 1;
}

static __always_inline int sendmsg_common(struct bpf_sock_addr *ctx, struct sl_svc_key *key,
					  bool v6)
{
	struct svc_pick pick = {};

	switch (svc_pick(ctx, key, false, &pick)) {
	case SVC_NOT_A_SERVICE:
		return refused_at_source(&key->addr, key->port, IPPROTO_UDP_) ? 0 : 1;
	case SVC_NO_BACKEND:
		stat_inc(SL_STAT_SENDMSG_NO_BACKEND);
		decision_event(key, &pick, SL_EV_DROP, pick.reason);
		return svc_refuse();
	case SVC_L7: /* not for datagrams (svc_pick steers TCP only) */
	case SVC_TRANSLATED:
		break;
	}
	if (refused_at_source(&pick.be.addr, pick.be.port, IPPROTO_UDP_))
		return 0;
	revnat_store(ctx, key, &pick.be);
	if (v6)
		addr_to_ctx6(ctx, &pick.be.addr);
	else
		ctx->user_ip4 = pick.be.addr.w[3];
	ctx->user_port = pick.be.port;
	stat_inc(SL_STAT_SENDMSG_XLATED);
	return 1;
}

SEC("cgroup/connect4")
int sl_connect4(struct bpf_sock_addr *ctx)
{
	struct sl_svc_key key = {};

	addr_from_v4(&key.addr, ctx->user_ip4);
	key.port = ctx_port(ctx);
	key.proto = ctx->protocol;
	return connect_common(ctx, &key, false);
}

SEC("cgroup/connect6")
int sl_connect6(struct bpf_sock_addr *ctx)
{
	struct sl_svc_key key = {};

	addr_from_ctx6(&key.addr, ctx);
	key.port = ctx_port(ctx);
	key.proto = ctx->protocol;
	return connect_common(ctx, &key, true);
}

SEC("cgroup/sendmsg4")
int sl_sendmsg4(struct bpf_sock_addr *ctx)
{
	struct sl_svc_key key = {};

	addr_from_v4(&key.addr, ctx->user_ip4);
	key.port = ctx_port(ctx);
	key.proto = IPPROTO_UDP_;
	return sendmsg_common(ctx, &key, false);
}

SEC("cgroup/sendmsg6")
int sl_sendmsg6(struct bpf_sock_addr *ctx)
{
	struct sl_svc_key key = {};

	addr_from_ctx6(&key.addr, ctx);
	key.port = ctx_port(ctx);
	key.proto = IPPROTO_UDP_;
	return sendmsg_common(ctx, &key, true);
}

/* recvmsg and getpeername: show the VIP in place of the backend. Their return value
 * must be 1 (the kernel does not let these hooks refuse). */
static __always_inline void show_vip(struct bpf_sock_addr *ctx, bool v6, enum sl_stat stat)
{
	struct sl_addr addr, vip;
	__be16 vip_port;

	if (v6)
		addr_from_ctx6(&addr, ctx);
	else
		addr_from_v4(&addr, ctx->user_ip4);
	if (!revnat_find(ctx, &addr, ctx_port(ctx), &vip, &vip_port))
		return;
	if (v6)
		addr_to_ctx6(ctx, &vip);
	else
		ctx->user_ip4 = vip.w[3];
	ctx->user_port = vip_port;
	stat_inc(stat);
}

SEC("cgroup/recvmsg4")
int sl_recvmsg4(struct bpf_sock_addr *ctx)
{
	show_vip(ctx, false, SL_STAT_RECVMSG_REVNAT);
	return 1;
}

SEC("cgroup/recvmsg6")
int sl_recvmsg6(struct bpf_sock_addr *ctx)
{
	show_vip(ctx, true, SL_STAT_RECVMSG_REVNAT);
	return 1;
}

SEC("cgroup/getpeername4")
int sl_getpeername4(struct bpf_sock_addr *ctx)
{
	show_vip(ctx, false, SL_STAT_PEERNAME_REVNAT);
	return 1;
}

SEC("cgroup/getpeername6")
int sl_getpeername6(struct bpf_sock_addr *ctx)
{
	show_vip(ctx, true, SL_STAT_PEERNAME_REVNAT);
	return 1;
}
