// SPDX-License-Identifier: Apache-2.0
/*
 * The policy compiler: source classes, destination groups and verdict entries (see
 * authz.h). The work is bounded by (addresses x address blocks) for classes and
 * (groups x classes that some primitive of the group matches) for verdicts: a class
 * that matches none of a group's source primitives answers like the unknown source,
 * so it needs no entries of its own.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/htab.h"
#include "model/objects.h"
#include "state/authz.h"
#include "state/authz_int.h"
#include "state/compile.h"

struct az_ident {
	const char *ns, *sa;
	char *principal;
};

/* One sl_ipcache entry in the making. */
struct az_addr {
	struct sl_lpm_key key;
	uint8_t family;
	const struct sl_object *pod; /* NULL: an address block */
	long ident; /* index into identities, -1: none */
	uint32_t cls, grp;
};

struct az_class {
	uint64_t *bits; /* primitives this class matches (nprims bits) */
	long ident; /* -1: none */
	uint32_t *blocks; /* source blocks holding its addresses */
	size_t nblocks;
};

struct az_group {
	uint32_t *pol; /* indices into the policy array, ascending */
	size_t npol;
	uint64_t *dst_bits; /* destination blocks holding the group's addresses */
	bool local; /* some address of the group is a local pod's */
};

struct az_state {
	const struct sl_authz_opts *o;
	struct az_ctx ctx;
	struct az_policy *pol;
	size_t npol;
	struct az_ident *ids;
	size_t nids;
	uint64_t *id_bits; /* nids x words: PRINCIPAL / NAMESPACE primitives matched */
	long *block_prim; /* src block -> its SRC_BLOCK primitive, -1 when none */
	struct az_addr *addrs;
	size_t naddrs, caddrs;
	struct az_class *cls; /* index = class id; [0] the unknown source */
	size_t ncls;
	struct az_group *grp; /* index = group id; [0] unused */
	size_t ngrp;
	size_t words; /* 64-bit words of a primitive bitset */
	size_t dwords; /* of a destination block bitset */
	struct sl_az_entry *ent;
	size_t nent, cent;
};

static inline bool bit_get(const uint64_t *b, size_t i)
{
	return (b[i / 64] >> (i % 64)) & 1;
}

static inline void bit_set(uint64_t *b, size_t i)
{
	b[i / 64] |= 1ull << (i % 64);
}

uint32_t sl_authz_policy_id(const struct sl_meta_obj *m)
{
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "authorizationpolicy/%s/%s", m->ns, m->name);
	uint64_t h = sl_hash_bytes(buf, n > 0 ? (size_t)n : 0);

	return (uint32_t)(h ^ (h >> 32)) | 1;
}

const char *sl_authz_policy_ref(const struct sl_authz_out *out, uint32_t id)
{
	size_t lo = 0, hi = out->npolicies;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (out->policies[mid].id == id)
			return out->policies[mid].ref;
		if (out->policies[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* ---- evaluation ---------------------------------------------------------------- */

struct az_eval {
	const uint64_t *src; /* the class's primitive bits */
	const uint64_t *dst; /* the group's destination block bits */
	uint16_t port; /* 0: a port no rule names */
};

static bool field_eval(const struct az_field *f, const struct az_eval *e)
{
	bool any = false;

	for (size_t i = 0; i < f->n && !any; i++) {
		switch (f->kind) {
		case AZ_F_SRC:
			any = bit_get(e->src, f->v[i]);
			break;
		case AZ_F_PORT:
			any = e->port && f->v[i] == e->port;
			break;
		case AZ_F_DST:
			any = bit_get(e->dst, f->v[i]);
			break;
		}
	}
	return any != f->negate;
}

static bool rule_eval(const struct az_rule *r, const struct az_eval *e)
{
	for (size_t c = 0; c < r->n; c++) {
		bool ok = false;

		for (size_t a = 0; a < r->c[c].n && !ok; a++) {
			ok = true;
			for (size_t f = 0; f < r->c[c].a[a].n && ok; f++)
				ok = field_eval(&r->c[c].a[a].f[f], e);
		}
		if (!ok)
			return false;
	}
	return true;
}

static bool policy_eval(const struct az_policy *p, const struct az_eval *e)
{
	for (size_t r = 0; r < p->nr; r++)
		if (rule_eval(&p->r[r], e))
			return true;
	return false;
}

/* Istio's order: a matching DENY denies; with ALLOW policies present one must match;
 * AUDIT only flags. */
static void decide(const struct az_state *s, const struct az_group *g, const struct az_eval *e,
		   struct sl_authz_val *v)
{
	uint32_t deny = 0, audit = 0, first_allow = 0;
	bool allowed = false;

	memset(v, 0, sizeof(*v));
	for (size_t i = 0; i < g->npol; i++) {
		const struct az_policy *p = &s->pol[g->pol[i]];

		switch (p->effect) {
		case AZ_DENY:
			if (!deny && policy_eval(p, e))
				deny = p->id;
			break;
		case AZ_ALLOW:
			if (!first_allow)
				first_allow = p->id;
			if (!allowed && policy_eval(p, e))
				allowed = true;
			break;
		case AZ_AUDIT:
			if (!audit && policy_eval(p, e))
				audit = p->id;
			break;
		}
	}
	if (deny) {
		v->verdict = SL_VERDICT_DENY;
		v->policy = deny;
	} else if (first_allow && !allowed) {
		/* Denied because no ALLOW rule matched: named after the first of them. */
		v->verdict = SL_VERDICT_DENY;
		v->policy = first_allow;
		v->flags |= SL_AUTHZ_F_NO_ALLOW_MATCH;
	}
	if (audit) {
		v->flags |= SL_AUTHZ_F_AUDIT;
		v->audit_policy = audit;
	}
}

/* ---- inputs: policies, identities, addresses ------------------------------------- */

static int ident_index(struct az_state *s, struct sl_htab *idx, const struct sl_object *pod,
		       long *out)
{
	char key[600], *pr;
	int kl = snprintf(key, sizeof(key), "%s/%s", pod->meta.ns, pod->pod.service_account);
	void *hit;

	if (kl < 0 || (size_t)kl >= sizeof(key))
		return -EINVAL;
	hit = sl_htab_get(idx, key, (size_t)kl);
	if (hit) {
		*out = (long)(uintptr_t)hit - 1;
		return 0;
	}
	if (asprintf(&pr, "%s/ns/%s/sa/%s", s->o->trust_domain, pod->meta.ns,
		     pod->pod.service_account) < 0)
		return -ENOMEM;
	s->ids[s->nids] = (struct az_ident){ .ns = pod->meta.ns,
					     .sa = pod->pod.service_account,
					     .principal = pr };
	if (sl_htab_put(idx, key, (size_t)kl, (void *)(uintptr_t)(s->nids + 1), NULL))
		return -ENOMEM;
	*out = (long)s->nids++;
	return 0;
}

static int addr_push(struct az_state *s, const struct az_addr *a)
{
	if (s->naddrs == s->caddrs) {
		size_t c = s->caddrs ? s->caddrs * 2 : 256;
		struct az_addr *n = realloc(s->addrs, c * sizeof(*n));

		if (!n)
			return -ENOMEM;
		s->addrs = n;
		s->caddrs = c;
	}
	s->addrs[s->naddrs++] = *a;
	return 0;
}

static bool pod_selected(const struct sl_authz_policy *ap, const struct sl_object *pod)
{
	for (size_t i = 0; i < ap->nselector; i++) {
		const char *v = sl_label_get(&pod->meta, ap->selector[i].key);

		if (!v || strcmp(v, ap->selector[i].value))
			return false;
	}
	return true;
}

bool sl_authz_selects(const struct sl_object *ap, const struct sl_object *pod, const char *root_ns)
{
	if (strcmp(ap->meta.ns, pod->meta.ns) && (!root_ns || strcmp(ap->meta.ns, root_ns)))
		return false;
	return pod_selected(&ap->ap, pod);
}

static bool pod_local(const struct az_state *s, const struct sl_object *pod)
{
	return s->o->node && pod->pod.node_name && !strcmp(pod->pod.node_name, s->o->node);
}

/* ---- hash-consing of classes and groups ------------------------------------------ */

struct sig {
	uint32_t *v;
	size_t n, cap;
};

static int sig_push(struct sig *g, uint32_t x)
{
	if (g->n == g->cap) {
		size_t c = g->cap ? g->cap * 2 : 32;
		uint32_t *n = realloc(g->v, c * sizeof(*n));

		if (!n)
			return -ENOMEM;
		g->v = n;
		g->cap = c;
	}
	g->v[g->n++] = x;
	return 0;
}

/* The class of address a: its identity and the source blocks holding it. */
static int class_of(struct az_state *s, struct sl_htab *idx, const struct az_addr *a, struct sig *g,
		    uint32_t *cls)
{
	struct az_class *c;
	void *hit;

	g->n = 0;
	if (sig_push(g, (uint32_t)(a->ident + 1)))
		return -ENOMEM;
	for (size_t b = 0; b < s->ctx.nsrc_blocks; b++)
		if (az_block_holds(&s->ctx.src_blocks[b], &a->key, a->family) && sig_push(g, b))
			return -ENOMEM;
	if (g->n == 1 && a->ident < 0) {
		*cls = 0;
		return 0;
	}
	hit = sl_htab_get(idx, g->v, g->n * sizeof(*g->v));
	if (hit) {
		*cls = (uint32_t)(uintptr_t)hit;
		return 0;
	}
	c = realloc(s->cls, (s->ncls + 1) * sizeof(*c));
	if (!c)
		return -ENOMEM;
	s->cls = c;
	c = &s->cls[s->ncls];
	memset(c, 0, sizeof(*c));
	c->ident = a->ident;
	c->bits = calloc(s->words ? s->words : 1, sizeof(uint64_t));
	c->blocks = malloc(g->n * sizeof(*c->blocks));
	if (!c->bits || !c->blocks) {
		free(c->bits);
		free(c->blocks);
		return -ENOMEM;
	}
	c->nblocks = g->n - 1;
	memcpy(c->blocks, g->v + 1, c->nblocks * sizeof(*c->blocks));
	if (a->ident >= 0)
		memcpy(c->bits, &s->id_bits[(size_t)a->ident * s->words],
		       s->words * sizeof(uint64_t));
	for (size_t i = 1; i < g->n; i++)
		if (s->block_prim[g->v[i]] >= 0)
			bit_set(c->bits, (size_t)s->block_prim[g->v[i]]);
	if (sl_htab_put(idx, g->v, g->n * sizeof(*g->v), (void *)(uintptr_t)s->ncls, NULL))
		return -ENOMEM;
	*cls = (uint32_t)s->ncls++;
	return 0;
}

/* The group of address a of a pod the policies pol[0..npol) select. */
static int group_of(struct az_state *s, struct sl_htab *idx, const struct az_addr *a,
		    const uint32_t *pol, size_t npol, struct sig *g, uint32_t *grp)
{
	struct az_group *gr;
	size_t ndst;
	void *hit;

	if (!npol) {
		*grp = 0;
		return 0;
	}
	g->n = 0;
	for (size_t i = 0; i < npol; i++)
		if (sig_push(g, pol[i]))
			return -ENOMEM;
	if (sig_push(g, UINT32_MAX))
		return -ENOMEM;
	for (size_t b = 0; b < s->ctx.ndst_blocks; b++)
		if (az_block_holds(&s->ctx.dst_blocks[b], &a->key, a->family) && sig_push(g, b))
			return -ENOMEM;
	hit = sl_htab_get(idx, g->v, g->n * sizeof(*g->v));
	if (hit) {
		*grp = (uint32_t)(uintptr_t)hit;
		return 0;
	}
	gr = realloc(s->grp, (s->ngrp + 1) * sizeof(*gr));
	if (!gr)
		return -ENOMEM;
	s->grp = gr;
	gr = &s->grp[s->ngrp];
	memset(gr, 0, sizeof(*gr));
	gr->pol = malloc(npol * sizeof(*gr->pol));
	gr->dst_bits = calloc(s->dwords ? s->dwords : 1, sizeof(uint64_t));
	if (!gr->pol || !gr->dst_bits) {
		free(gr->pol);
		free(gr->dst_bits);
		return -ENOMEM;
	}
	memcpy(gr->pol, pol, npol * sizeof(*pol));
	gr->npol = npol;
	ndst = g->n - npol - 1;
	for (size_t i = 0; i < ndst; i++)
		bit_set(gr->dst_bits, g->v[npol + 1 + i]);
	if (sl_htab_put(idx, g->v, g->n * sizeof(*g->v), (void *)(uintptr_t)s->ngrp, NULL))
		return -ENOMEM;
	*grp = (uint32_t)s->ngrp++;
	return 0;
}

/* ---- verdict entries -------------------------------------------------------------- */

static int entry_push(struct az_state *s, uint32_t grp, uint32_t cls, uint16_t port,
		      const struct sl_authz_val *v)
{
	struct sl_az_entry *e;

	if (s->nent == s->cent) {
		size_t c = s->cent ? s->cent * 2 : 256;

		e = realloc(s->ent, c * sizeof(*e));
		if (!e)
			return -ENOMEM;
		s->ent = e;
		s->cent = c;
	}
	e = &s->ent[s->nent++];
	memset(e, 0, sizeof(*e));
	e->key.grp = grp;
	e->key.cls = cls;
	e->key.port = port;
	e->val = *v;
	return 0;
}

static bool val_eq(const struct sl_authz_val *a, const struct sl_authz_val *b)
{
	return a->verdict == b->verdict && a->flags == b->flags && a->policy == b->policy &&
	       a->audit_policy == b->audit_policy;
}

/* The answers of one class for every port of the group: vec[i] for ports[i], and
 * vec[nports] for every other port. */
static void class_vector(const struct az_state *s, const struct az_group *g, const uint64_t *bits,
			 const uint16_t *ports, size_t nports, struct sl_authz_val *vec)
{
	struct az_eval e = { .src = bits, .dst = g->dst_bits };

	for (size_t i = 0; i <= nports; i++) {
		e.port = i < nports ? ports[i] : 0;
		decide(s, g, &e, &vec[i]);
	}
}

static int emit_vector(struct az_state *s, uint32_t grp, uint32_t cls, const uint16_t *ports,
		       size_t nports, const struct sl_authz_val *vec)
{
	int ret = entry_push(s, grp, cls, 0, &vec[nports]);

	for (size_t i = 0; !ret && i < nports; i++)
		if (!val_eq(&vec[i], &vec[nports]))
			ret = entry_push(s, grp, cls, ports[i], &vec[i]);
	return ret;
}

static int cmp_u16(const void *a, const void *b)
{
	uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;

	return x < y ? -1 : x > y;
}

static bool group_relevant(const struct az_state *s, const struct az_group *g, const uint64_t *bits)
{
	for (size_t i = 0; i < g->npol; i++) {
		const struct az_policy *p = &s->pol[g->pol[i]];

		for (size_t k = 0; k < p->nprims; k++)
			if (bit_get(bits, p->prims[k]))
				return true;
	}
	return false;
}

static int group_entries(struct az_state *s, uint32_t gid, const bool *cls_local)
{
	const struct az_group *g = &s->grp[gid];
	struct sl_authz_val *v0 = NULL, *vc = NULL;
	uint16_t *ports = NULL;
	size_t nports = 0, cap = 0;
	int ret = -ENOMEM;

	for (size_t i = 0; i < g->npol; i++)
		cap += s->pol[g->pol[i]].nports;
	ports = malloc((cap ? cap : 1) * sizeof(*ports));
	if (!ports)
		goto out;
	for (size_t i = 0; i < g->npol; i++)
		for (size_t k = 0; k < s->pol[g->pol[i]].nports; k++)
			ports[nports++] = s->pol[g->pol[i]].ports[k];
	qsort(ports, nports, sizeof(*ports), cmp_u16);
	cap = nports;
	nports = 0;
	for (size_t i = 0; i < cap; i++)
		if (!nports || ports[nports - 1] != ports[i])
			ports[nports++] = ports[i];
	v0 = calloc(nports + 1, sizeof(*v0));
	vc = calloc(nports + 1, sizeof(*vc));
	if (!v0 || !vc)
		goto out;
	class_vector(s, g, s->cls[0].bits, ports, nports, v0);
	ret = emit_vector(s, gid, SL_AUTHZ_CLS_ANY, ports, nports, v0);
	/* A group of remote pods only needs the classes of local clients, for the
	 * source-side check; a local group needs every class. */
	for (size_t c = 1; !ret && c < s->ncls; c++) {
		if (!g->local && !cls_local[c])
			continue;
		if (!group_relevant(s, g, s->cls[c].bits))
			continue;
		class_vector(s, g, s->cls[c].bits, ports, nports, vc);
		bool same = true;

		for (size_t i = 0; i <= nports && same; i++)
			same = val_eq(&vc[i], &v0[i]);
		if (!same)
			ret = emit_vector(s, gid, (uint32_t)c, ports, nports, vc);
	}
out:
	free(ports);
	free(v0);
	free(vc);
	return ret;
}

/* ---- the compile ------------------------------------------------------------------ */

static int cmp_entry(const void *a, const void *b)
{
	return memcmp(&((const struct sl_az_entry *)a)->key, &((const struct sl_az_entry *)b)->key,
		      sizeof(struct sl_authz_key));
}

static int cmp_ip(const void *a, const void *b)
{
	return memcmp(&((const struct sl_az_ip *)a)->key, &((const struct sl_az_ip *)b)->key,
		      sizeof(struct sl_lpm_key));
}

static int cmp_pod(const void *a, const void *b)
{
	uint32_t x = ((const struct sl_az_pod *)a)->pod_id,
		 y = ((const struct sl_az_pod *)b)->pod_id;

	return x < y ? -1 : x > y;
}

static int cmp_policy(const void *a, const void *b)
{
	uint32_t x = ((const struct sl_az_policy *)a)->id, y = ((const struct sl_az_policy *)b)->id;

	return x < y ? -1 : x > y;
}

static void state_free(struct az_state *s)
{
	for (size_t i = 0; i < s->nids; i++)
		free(s->ids[i].principal);
	free(s->ids);
	free(s->id_bits);
	free(s->block_prim);
	free(s->addrs);
	for (size_t i = 0; i < s->ncls; i++) {
		free(s->cls[i].bits);
		free(s->cls[i].blocks);
	}
	free(s->cls);
	for (size_t i = 0; i < s->ngrp; i++) {
		free(s->grp[i].pol);
		free(s->grp[i].dst_bits);
	}
	free(s->grp);
	free(s->ent);
	free(s->pol);
	az_ctx_free(&s->ctx);
}

/* Every Pod address, then every source block that is not a pod's address. An IPv6
 * block that covers the IPv4-mapped range gets a ::ffff:0:0/96 entry beside it, so an
 * IPv4 address outside every IPv4 block does not inherit the IPv6 block's class. */
static int collect_addrs(struct az_state *s, const struct sl_object **pods, size_t npods,
			 struct sl_htab *ident_idx)
{
	struct sl_htab seen = {};
	bool v4_range = false;
	int ret = 0;

	for (size_t i = 0; i < npods && !ret; i++) {
		const struct sl_object *pod = pods[i];
		long ident;

		ret = ident_index(s, ident_idx, pod, &ident);
		for (size_t k = 0; !ret && k < pod->pod.npod_ips; k++) {
			struct az_addr a = { .pod = pod, .ident = ident };

			a.key.prefixlen = 128;
			memcpy(&a.key.addr, pod->pod.pod_ips[k].b, 16);
			a.family = pod->pod.pod_ips[k].family;
			if (sl_htab_get(&seen, &a.key, sizeof(a.key)))
				continue; /* two Pods claiming one address: the first keeps it */
			ret = sl_htab_put(&seen, &a.key, sizeof(a.key), (void *)1, NULL)
				      ?: addr_push(s, &a);
		}
	}
	for (size_t b = 0; b < s->ctx.nsrc_blocks && !ret; b++) {
		const struct az_block *blk = &s->ctx.src_blocks[b];
		struct az_addr a = { .key = blk->key, .family = blk->family, .ident = -1 };

		if (blk->family == 6 && blk->key.prefixlen <= 96) {
			struct az_block r = { .family = 4 };

			r.key.prefixlen = 96;
			((uint8_t *)&r.key.addr)[10] = 0xff;
			((uint8_t *)&r.key.addr)[11] = 0xff;
			struct az_block as6 = r;

			as6.family = 6;
			if (az_block_holds(blk, &as6.key, 6))
				v4_range = true;
		}
		if (sl_htab_get(&seen, &a.key, sizeof(a.key)))
			continue;
		ret = sl_htab_put(&seen, &a.key, sizeof(a.key), (void *)1, NULL)
			      ?: addr_push(s, &a);
	}
	if (!ret && v4_range) {
		struct az_addr a = { .family = 4, .ident = -1 };

		a.key.prefixlen = 96;
		((uint8_t *)&a.key.addr)[10] = 0xff;
		((uint8_t *)&a.key.addr)[11] = 0xff;
		if (!sl_htab_get(&seen, &a.key, sizeof(a.key)))
			ret = addr_push(s, &a);
	}
	sl_htab_free(&seen);
	return ret;
}

/* The policies that select each pod: its namespace's and the root namespace's. */
static int pod_policies(const struct az_state *s, const struct sl_htab *by_ns,
			const struct sl_object *pod, struct sig *out)
{
	const char *nss[2] = { pod->meta.ns, s->o->root_ns };
	int ret = 0;

	out->n = 0;
	for (int k = 0; k < 2 && !ret; k++) {
		const struct sig *list;

		if (k == 1 && (!nss[1] || !strcmp(nss[0], nss[1])))
			break;
		list = sl_htab_get(by_ns, nss[k], strlen(nss[k]));
		for (size_t i = 0; list && i < list->n && !ret; i++)
			if (pod_selected(&s->pol[list->v[i]].o->ap, pod))
				ret = sig_push(out, list->v[i]);
	}
	/* Ascending policy indices: the group signature must not depend on order. */
	for (size_t i = 1; i < out->n; i++)
		for (size_t j = i; j > 0 && out->v[j - 1] > out->v[j]; j--) {
			uint32_t t = out->v[j];

			out->v[j] = out->v[j - 1];
			out->v[j - 1] = t;
		}
	return ret;
}

const char *sl_authz_prefix_format(const struct sl_lpm_key *k, char *buf, size_t len)
{
	struct sl_ip ip = { .family = 6 };
	char a[SL_IP_STRLEN];
	unsigned int plen = k->prefixlen;
	const uint8_t *b = (const uint8_t *)&k->addr;

	memcpy(ip.b, b, 16);
	if (plen >= 96 && !memcmp(b, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12)) {
		ip.family = 4;
		plen -= 96;
	}
	snprintf(buf, len, "%s/%u", sl_ip_format(&ip, a, sizeof(a)), plen);
	return buf;
}

static void explain_val(const struct az_state *s, struct sl_buf *b, const struct sl_authz_val *v)
{
	sl_buf_printf(b, "%s", v->verdict == SL_VERDICT_ALLOW ? "ALLOW" : "DENY");
	if (v->policy) {
		for (size_t i = 0; i < s->npol; i++)
			if (s->pol[i].id == v->policy)
				sl_buf_printf(b, " by %s/%s", s->pol[i].o->meta.ns,
					      s->pol[i].o->meta.name);
	}
	if (v->flags & SL_AUTHZ_F_NO_ALLOW_MATCH)
		sl_buf_printf(b, " (no ALLOW rule matched)");
	if (v->flags & SL_AUTHZ_F_AUDIT) {
		for (size_t i = 0; i < s->npol; i++)
			if (s->pol[i].id == v->audit_policy)
				sl_buf_printf(b, " audit %s/%s", s->pol[i].o->meta.ns,
					      s->pol[i].o->meta.name);
	}
}

/* The compiled state as text, ids included: what the golden tests compare. */
static char *explain(const struct az_state *s, const struct sl_authz_out *out)
{
	struct sl_buf b = {};
	char pfx[80];

	for (size_t c = 1; c < s->ncls; c++) {
		const struct az_class *k = &s->cls[c];

		sl_buf_printf(&b, "class %zu: %s", c,
			      k->ident >= 0 ? s->ids[k->ident].principal : "(no identity)");
		for (size_t i = 0; i < k->nblocks; i++)
			sl_buf_printf(&b, "%s%s", i ? " " : " in ",
				      sl_authz_prefix_format(&s->ctx.src_blocks[k->blocks[i]].key,
							     pfx, sizeof(pfx)));
		sl_buf_printf(&b, "\n");
	}
	for (size_t g = 1; g < s->ngrp; g++) {
		const struct az_group *gr = &s->grp[g];

		sl_buf_printf(&b, "group %zu:%s", g, gr->local ? " local" : "");
		for (size_t i = 0; i < gr->npol; i++)
			sl_buf_printf(&b, " %s/%s", s->pol[gr->pol[i]].o->meta.ns,
				      s->pol[gr->pol[i]].o->meta.name);
		for (size_t i = 0; i < s->ctx.ndst_blocks; i++)
			if (bit_get(gr->dst_bits, i))
				sl_buf_printf(&b, " dst-in %s",
					      sl_authz_prefix_format(&s->ctx.dst_blocks[i].key, pfx,
								     sizeof(pfx)));
		sl_buf_printf(&b, "\n");
	}
	for (size_t i = 0; i < out->nips; i++) {
		const struct sl_az_ip *ip = &out->ips[i];

		sl_buf_printf(&b, "ipcache %s pod=%08x%s class=%u group=%u\n",
			      sl_authz_prefix_format(&ip->key, pfx, sizeof(pfx)), ip->pod_id,
			      ip->local ? " local" : "", ip->cls, ip->grp);
	}
	for (size_t i = 0; i < out->nentries; i++) {
		const struct sl_az_entry *e = &out->entries[i];

		sl_buf_printf(&b, "authz group=%u class=", e->key.grp);
		if (e->key.cls == SL_AUTHZ_CLS_ANY)
			sl_buf_printf(&b, "any");
		else
			sl_buf_printf(&b, "%u", e->key.cls);
		if (e->key.port)
			sl_buf_printf(&b, " port=%u: ", e->key.port);
		else
			sl_buf_printf(&b, " port=*: ");
		explain_val(s, &b, &e->val);
		sl_buf_printf(&b, "\n");
	}
	if (b.oom) {
		sl_buf_free(&b);
		return NULL;
	}
	return b.p ? b.p : strdup("");
}

static int build_output(struct az_state *s, struct sl_authz_out *out)
{
	size_t nlocal = 0;

	out->ips = calloc(s->naddrs ? s->naddrs : 1, sizeof(*out->ips));
	if (!out->ips)
		return -ENOMEM;
	for (size_t i = 0; i < s->naddrs; i++) {
		const struct az_addr *a = &s->addrs[i];
		struct sl_az_ip *ip = &out->ips[out->nips++];

		ip->key = a->key;
		ip->pod_id = a->pod ? sl_pod_id(&a->pod->meta) : 0;
		ip->local = a->pod && pod_local(s, a->pod);
		ip->cls = a->cls;
		ip->grp = a->grp;
		if (ip->local)
			nlocal++;
	}
	qsort(out->ips, out->nips, sizeof(*out->ips), cmp_ip);
	out->pods = calloc(nlocal ? nlocal : 1, sizeof(*out->pods));
	if (!out->pods)
		return -ENOMEM;
	for (size_t i = 0; i < s->naddrs; i++) {
		const struct az_addr *a = &s->addrs[i];
		struct sl_az_pod *p = NULL;
		uint32_t id;

		if (!a->pod || !pod_local(s, a->pod))
			continue;
		id = sl_pod_id(&a->pod->meta);
		for (size_t k = 0; k < out->npods && !p; k++)
			if (out->pods[k].pod_id == id)
				p = &out->pods[k];
		if (!p) {
			p = &out->pods[out->npods++];
			p->pod_id = id;
		}
		if (!p->cls[a->family == 6])
			p->cls[a->family == 6] = a->cls;
	}
	qsort(out->pods, out->npods, sizeof(*out->pods), cmp_pod);
	out->policies = calloc(s->npol ? s->npol : 1, sizeof(*out->policies));
	if (!out->policies)
		return -ENOMEM;
	for (size_t i = 0; i < s->npol; i++) {
		char *ref;

		if (asprintf(&ref, "%s/%s", s->pol[i].o->meta.ns, s->pol[i].o->meta.name) < 0)
			return -ENOMEM;
		out->policies[out->npolicies].id = s->pol[i].id;
		out->policies[out->npolicies++].ref = ref;
	}
	qsort(out->policies, out->npolicies, sizeof(*out->policies), cmp_policy);
	qsort(s->ent, s->nent, sizeof(*s->ent), cmp_entry);
	out->entries = s->ent;
	out->nentries = s->nent;
	s->ent = NULL;
	s->nent = s->cent = 0;
	out->nclasses = s->ncls ? (uint32_t)s->ncls - 1 : 0;
	out->ngroups = s->ngrp ? (uint32_t)s->ngrp - 1 : 0;
	out->on = out->ngroups > 0;
	out->digest = sl_hash_bytes(out->ips, out->nips * sizeof(*out->ips)) ^
		      (sl_hash_bytes(out->entries, out->nentries * sizeof(*out->entries)) * 31);
	return 0;
}

/*
 * The proxy's sources: a class of their own, allowed into every group on every port.
 * The node proxy enforces every policy of the pod it sends a request to (L4 fields
 * included, with the client's identity: user/proxy/authz_http-t.h), so what reaches a
 * pod from it has been judged already; the kernel sees only the proxy's address. An
 * address that is also a policy block's keeps its entry with the proxy's class (the
 * proxy is known; a longer prefix wins in the LPM lookup anyway).
 */
static int add_proxy_sources(const struct sl_authz_opts *o, struct sl_authz_out *out, char *err,
			     size_t errlen)
{
	uint32_t cls = out->nclasses + 1;
	size_t nadd = 0;
	struct sl_az_ip *ips;
	struct sl_az_entry *ents;

	if (!o->nproxy_src || !out->ngroups)
		return 0;
	ips = realloc(out->ips, (out->nips + o->nproxy_src) * sizeof(*ips));
	if (!ips)
		return -ENOMEM;
	out->ips = ips;
	for (size_t i = 0; i < o->nproxy_src; i++) {
		struct sl_az_ip ip = { .cls = cls };
		struct sl_az_ip *hit;
		uint8_t fam;

		if (sl_authz_parse_prefix(o->proxy_src[i], &ip.key, &fam)) {
			snprintf(err, errlen,
				 "--proxy-sources: \"%s\" is not an address or CIDR block",
				 o->proxy_src[i]);
			return -EINVAL;
		}
		hit = bsearch(&ip, out->ips, out->nips, sizeof(*out->ips), cmp_ip);
		if (hit)
			hit->cls = cls;
		else
			out->ips[out->nips + nadd++] = ip;
	}
	out->nips += nadd;
	qsort(out->ips, out->nips, sizeof(*out->ips), cmp_ip);
	ents = realloc(out->entries, (out->nentries + out->ngroups) * sizeof(*ents));
	if (!ents)
		return -ENOMEM;
	out->entries = ents;
	for (uint32_t g = 1; g <= out->ngroups; g++)
		out->entries[out->nentries++] = (struct sl_az_entry){
			.key = { .grp = g, .cls = cls, .port = 0 },
			.val = { .verdict = SL_VERDICT_ALLOW },
		};
	qsort(out->entries, out->nentries, sizeof(*out->entries), cmp_entry);
	out->nclasses = cls;
	out->proxy_cls = cls;
	out->digest = sl_hash_bytes(out->ips, out->nips * sizeof(*out->ips)) ^
		      (sl_hash_bytes(out->entries, out->nentries * sizeof(*out->entries)) * 31);
	return 0;
}

int sl_authz_compile(const struct sl_store *st, const struct sl_authz_opts *o,
		     struct sl_authz_out *out, char *err, size_t errlen)
{
	const struct sl_object **pods = NULL, **aps = NULL;
	struct sl_htab ident_idx = {}, cls_idx = {}, grp_idx = {}, by_ns = {};
	struct az_state s = { .o = o, .ctx = { .l7 = o->l7 } };
	struct sig g = {}, pol = {};
	bool *cls_local = NULL;
	size_t npods = 0, naps = 0;
	int ret = -ENOMEM;

	pods = sl_store_sorted(st, SL_KIND_POD, &npods);
	aps = sl_store_sorted(st, SL_KIND_AUTHORIZATION_POLICY, &naps);
	if (!pods || !aps)
		goto out;
	s.pol = calloc(naps ? naps : 1, sizeof(*s.pol));
	s.ids = calloc(npods ? npods : 1, sizeof(*s.ids));
	if (!s.pol || !s.ids)
		goto out;
	for (size_t i = 0; i < naps; i++) {
		struct az_policy *p = &s.pol[s.npol++];
		struct sig *list;

		p->o = aps[i];
		p->id = sl_authz_policy_id(&aps[i]->meta);
		ret = az_policy_build(&s.ctx, p);
		if (ret == -EINVAL) {
			snprintf(err, errlen,
				 "%s:%d:%d: authorizationpolicy %s/%s: a value cannot be "
				 "compiled",
				 aps[i]->meta.pos.file ? aps[i]->meta.pos.file : "-",
				 aps[i]->meta.pos.line, aps[i]->meta.pos.col, aps[i]->meta.ns,
				 aps[i]->meta.name);
			goto out_err;
		}
		if (ret)
			goto out;
		ret = -ENOMEM;
		list = sl_htab_get(&by_ns, aps[i]->meta.ns, strlen(aps[i]->meta.ns));
		if (!list) {
			list = calloc(1, sizeof(*list));
			if (!list || sl_htab_put(&by_ns, aps[i]->meta.ns, strlen(aps[i]->meta.ns),
						 list, NULL)) {
				free(list);
				goto out;
			}
		}
		if (sig_push(list, (uint32_t)i))
			goto out;
	}
	if (s.ctx.oom)
		goto out;
	s.words = (s.ctx.nprims + 63) / 64;
	s.dwords = (s.ctx.ndst_blocks + 63) / 64;
	s.block_prim = malloc((s.ctx.nsrc_blocks ? s.ctx.nsrc_blocks : 1) * sizeof(long));
	if (!s.block_prim)
		goto out;
	for (size_t b = 0; b < s.ctx.nsrc_blocks; b++)
		s.block_prim[b] = -1;
	for (size_t k = 0; k < s.ctx.nprims; k++)
		if (s.ctx.prims[k].kind == AZ_PRIM_SRC_BLOCK)
			s.block_prim[s.ctx.prims[k].block] = (long)k;
	if (collect_addrs(&s, pods, npods, &ident_idx))
		goto out;
	/* What each identity's principal and namespace match. */
	s.id_bits = calloc((s.nids ? s.nids : 1) * (s.words ? s.words : 1), sizeof(uint64_t));
	if (!s.id_bits)
		goto out;
	for (size_t i = 0; i < s.nids; i++)
		for (size_t k = 0; k < s.ctx.nprims; k++) {
			const struct az_prim *p = &s.ctx.prims[k];

			if ((p->kind == AZ_PRIM_PRINCIPAL &&
			     sl_authz_str_match(p->pattern, s.ids[i].principal)) ||
			    (p->kind == AZ_PRIM_NAMESPACE &&
			     sl_authz_str_match(p->pattern, s.ids[i].ns)))
				bit_set(&s.id_bits[i * s.words], k);
		}
	/* Class 0, the unknown source, and group 0, unused. */
	s.cls = calloc(1, sizeof(*s.cls));
	s.grp = calloc(1, sizeof(*s.grp));
	if (!s.cls || !s.grp)
		goto out;
	s.cls[0].ident = -1;
	s.cls[0].bits = calloc(s.words ? s.words : 1, sizeof(uint64_t));
	if (!s.cls[0].bits)
		goto out;
	s.ncls = s.ngrp = 1;
	for (size_t i = 0; i < s.naddrs; i++) {
		struct az_addr *a = &s.addrs[i];

		if (class_of(&s, &cls_idx, a, &g, &a->cls))
			goto out;
		if (!a->pod || !s.npol)
			continue;
		if (pod_policies(&s, &by_ns, a->pod, &pol) ||
		    group_of(&s, &grp_idx, a, pol.v, pol.n, &g, &a->grp))
			goto out;
		if (a->grp && pod_local(&s, a->pod))
			s.grp[a->grp].local = true;
	}
	cls_local = calloc(s.ncls, sizeof(*cls_local));
	if (!cls_local)
		goto out;
	for (size_t i = 0; i < s.naddrs; i++)
		if (s.addrs[i].pod && pod_local(&s, s.addrs[i].pod))
			cls_local[s.addrs[i].cls] = true;
	for (uint32_t gid = 1; gid < s.ngrp; gid++)
		if (group_entries(&s, gid, cls_local))
			goto out;
	if (o->max_entries && s.nent > o->max_entries) {
		snprintf(err, errlen,
			 "the AuthorizationPolicies need %zu sl_authz entries, more than "
			 "--max-policy-entries (%zu)",
			 s.nent, o->max_entries);
		ret = -E2BIG;
		goto out_err;
	}
	if (build_output(&s, out))
		goto out;
	if (o->explain && !(out->explain = explain(&s, out)))
		goto out;
	ret = add_proxy_sources(o, out, err, errlen);
	if (ret == -EINVAL)
		goto out_err;
	if (ret)
		goto out;
	ret = -ENOMEM;
	if (s.ctx.warnings.len) {
		out->warnings = strndup(s.ctx.warnings.p, s.ctx.warnings.len);
		if (!out->warnings)
			goto out;
	}
	ret = 0;
	goto done;
out:
	ret = -ENOMEM;
	snprintf(err, errlen, "out of memory compiling AuthorizationPolicies");
out_err:
	sl_authz_out_free(out);
done : {
	size_t it = 0;
	void *v;

	while (sl_htab_next(&by_ns, &it, NULL, NULL, &v)) {
		free(((struct sig *)v)->v);
		free(v);
	}
}
	sl_htab_free(&by_ns);
	sl_htab_free(&ident_idx);
	sl_htab_free(&cls_idx);
	sl_htab_free(&grp_idx);
	free(g.v);
	free(pol.v);
	free(cls_local);
	free(pods);
	free(aps);
	state_free(&s);
	return ret;
}

void sl_authz_out_free(struct sl_authz_out *out)
{
	if (!out)
		return;
	free(out->ips);
	free(out->entries);
	free(out->pods);
	for (size_t i = 0; i < out->npolicies; i++)
		free(out->policies[i].ref);
	free(out->policies);
	free(out->warnings);
	free(out->explain);
	memset(out, 0, sizeof(*out));
}
