// SPDX-License-Identifier: Apache-2.0
/*
 * AuthorizationPolicy rules to normalised rules (authz_int.h), with Istio's treatment
 * of HTTP-only fields on traffic enforced at L4 (pilot/pkg/security/authz/model: an
 * ALLOW rule that needs HTTP is skipped, a DENY or AUDIT rule loses its HTTP parts).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "state/authz.h"
#include "state/authz_int.h"

void *az_alloc(struct az_ctx *ctx, size_t n)
{
	void *p;

	if (ctx->oom)
		return NULL;
	if (ctx->narena == ctx->carena) {
		size_t c = ctx->carena ? ctx->carena * 2 : 256;
		void **a = realloc(ctx->arena, c * sizeof(*a));

		if (!a) {
			ctx->oom = true;
			return NULL;
		}
		ctx->arena = a;
		ctx->carena = c;
	}
	p = calloc(1, n ? n : 1);
	if (!p) {
		ctx->oom = true;
		return NULL;
	}
	ctx->arena[ctx->narena++] = p;
	return p;
}

void az_ctx_free(struct az_ctx *ctx)
{
	for (size_t i = 0; i < ctx->narena; i++)
		free(ctx->arena[i]);
	free(ctx->arena);
	free(ctx->prims);
	free(ctx->src_blocks);
	free(ctx->dst_blocks);
	sl_htab_free(&ctx->prim_idx);
	sl_htab_free(&ctx->src_block_idx);
	sl_htab_free(&ctx->dst_block_idx);
	sl_buf_free(&ctx->warnings);
	memset(ctx, 0, sizeof(*ctx));
}

bool sl_authz_str_match(const char *pattern, const char *value)
{
	size_t pl = strlen(pattern), vl = strlen(value);

	if (!strcmp(pattern, "*"))
		return vl > 0;
	if (pl > 1 && pattern[pl - 1] == '*' && !strchr(pattern, '*')[1])
		return !strncmp(pattern, value, pl - 1);
	if (pl > 1 && pattern[0] == '*' && !strchr(pattern + 1, '*'))
		return vl >= pl - 1 && !strcmp(value + vl - (pl - 1), pattern + 1);
	return !strcmp(pattern, value);
}

int sl_authz_parse_prefix(const char *s, struct sl_lpm_key *out, uint8_t *family)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long plen;
	uint8_t b[16] = {};
	char *end;

	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, buf, b + 12) == 1) {
		b[10] = b[11] = 0xff;
		*family = 4;
		plen = 32;
	} else if (inet_pton(AF_INET6, buf, b) == 1) {
		*family = 6;
		plen = 128;
	} else {
		return -EINVAL;
	}
	if (slash) {
		if (!slash[1] || slash[1] < '0' || slash[1] > '9')
			return -EINVAL;
		unsigned long v = strtoul(slash + 1, &end, 10);

		if (*end || v > plen)
			return -EINVAL;
		plen = v;
	}
	if (*family == 4)
		plen += 96;
	/* Host bits are masked, as Envoy does with a CIDR range. */
	for (unsigned int i = 0; i < 16; i++) {
		unsigned int keep = plen >= (i + 1) * 8 ? 8 : plen > i * 8 ? plen - i * 8 : 0;

		b[i] &= (uint8_t)(0xff00 >> keep);
	}
	memcpy(&out->addr, b, 16);
	out->prefixlen = (uint32_t)plen;
	return 0;
}

bool az_block_holds(const struct az_block *outer, const struct sl_lpm_key *inner, uint8_t family)
{
	const uint8_t *a = (const uint8_t *)&outer->key.addr, *b = (const uint8_t *)&inner->addr;
	uint32_t plen = outer->key.prefixlen;

	if (outer->family != family || inner->prefixlen < plen)
		return false;
	for (uint32_t i = 0; i < plen / 8; i++)
		if (a[i] != b[i])
			return false;
	if (plen % 8) {
		uint8_t m = (uint8_t)(0xff00 >> (plen % 8));

		if ((a[plen / 8] & m) != (b[plen / 8] & m))
			return false;
	}
	return true;
}

/* Index of a block in one of the two tables, added when new; -1 on a bad value or
 * out of memory. */
static long block_index(struct az_ctx *ctx, bool dst, const char *text)
{
	struct az_block **v = dst ? &ctx->dst_blocks : &ctx->src_blocks;
	size_t *n = dst ? &ctx->ndst_blocks : &ctx->nsrc_blocks;
	size_t *cap = dst ? &ctx->cdst_blocks : &ctx->csrc_blocks;
	struct sl_htab *idx = dst ? &ctx->dst_block_idx : &ctx->src_block_idx;
	struct az_block b = {};
	void *hit;

	if (sl_authz_parse_prefix(text, &b.key, &b.family))
		return -1;
	hit = sl_htab_get(idx, &b.key, sizeof(b.key));
	if (hit)
		return (long)(uintptr_t)hit - 1;
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		struct az_block *nv = realloc(*v, c * sizeof(*nv));

		if (!nv)
			return -1;
		*v = nv;
		*cap = c;
	}
	(*v)[*n] = b;
	if (sl_htab_put(idx, &b.key, sizeof(b.key), (void *)(uintptr_t)(*n + 1), NULL))
		return -1;
	return (long)(*n)++;
}

static long prim_index(struct az_ctx *ctx, enum az_prim_kind kind, const char *pattern,
		       uint32_t block)
{
	char key[1024];
	int kl = snprintf(key, sizeof(key), "%d|%u|%s", kind, block, pattern ? pattern : "");
	void *hit;

	if (kl < 0 || (size_t)kl >= sizeof(key))
		return -1;
	hit = sl_htab_get(&ctx->prim_idx, key, (size_t)kl);
	if (hit)
		return (long)(uintptr_t)hit - 1;
	if (ctx->nprims == ctx->cprims) {
		size_t c = ctx->cprims ? ctx->cprims * 2 : 64;
		struct az_prim *nv = realloc(ctx->prims, c * sizeof(*nv));

		if (!nv)
			return -1;
		ctx->prims = nv;
		ctx->cprims = c;
	}
	ctx->prims[ctx->nprims] = (struct az_prim){ .kind = kind, .block = block };
	if (pattern) {
		char *copy = az_alloc(ctx, strlen(pattern) + 1);

		if (!copy)
			return -1;
		strcpy(copy, pattern);
		ctx->prims[ctx->nprims].pattern = copy;
	}
	if (sl_htab_put(&ctx->prim_idx, key, (size_t)kl, (void *)(uintptr_t)(ctx->nprims + 1),
			NULL))
		return -1;
	return (long)ctx->nprims++;
}

/* Values of one list, as a field of `kind`. `what` says what the values are. */
enum az_value_kind {
	AZ_V_PRINCIPAL,
	AZ_V_NAMESPACE,
	AZ_V_SRC_BLOCK,
	AZ_V_PORT,
	AZ_V_DST_BLOCK,
};

static int field_build(struct az_ctx *ctx, struct az_field *f, const struct sl_strlist *l,
		       enum az_value_kind what, bool negate)
{
	f->negate = negate;
	f->n = 0;
	f->v = az_alloc(ctx, (l->n ? l->n : 1) * sizeof(*f->v));
	if (!f->v)
		return -ENOMEM;
	switch (what) {
	case AZ_V_PORT:
		f->kind = AZ_F_PORT;
		break;
	case AZ_V_DST_BLOCK:
		f->kind = AZ_F_DST;
		break;
	default:
		f->kind = AZ_F_SRC;
	}
	for (size_t i = 0; i < l->n; i++) {
		const char *s = l->v[i];
		long idx;

		switch (what) {
		case AZ_V_PRINCIPAL:
			/* Policies may name principals as SPIFFE ids. */
			if (!strncmp(s, "spiffe://", 9))
				s += 9;
			idx = prim_index(ctx, AZ_PRIM_PRINCIPAL, s, 0);
			break;
		case AZ_V_NAMESPACE:
			idx = prim_index(ctx, AZ_PRIM_NAMESPACE, s, 0);
			break;
		case AZ_V_SRC_BLOCK:
			idx = block_index(ctx, false, s);
			if (idx >= 0)
				idx = prim_index(ctx, AZ_PRIM_SRC_BLOCK, NULL, (uint32_t)idx);
			break;
		case AZ_V_DST_BLOCK:
			idx = block_index(ctx, true, s);
			break;
		case AZ_V_PORT: {
			char *end;
			unsigned long v = strtoul(s, &end, 10);

			idx = *s && !*end && v <= 65535 ? (long)v : -1;
			break;
		}
		default:
			idx = -1;
		}
		if (idx < 0)
			return ctx->oom ? -ENOMEM : -EINVAL;
		f->v[f->n++] = (uint32_t)idx;
	}
	return 0;
}

/* Room for the fields a list adds (one per written list). */
struct fields {
	struct az_field f[8];
	size_t n;
};

static int add_list(struct az_ctx *ctx, struct fields *fs, const struct sl_strlist *l,
		    enum az_value_kind what, bool negate)
{
	if (!l->set)
		return 0;
	return field_build(ctx, &fs->f[fs->n++], l, what, negate);
}

static int alt_from_fields(struct az_ctx *ctx, struct az_alt *a, const struct fields *fs)
{
	a->f = az_alloc(ctx, (fs->n ? fs->n : 1) * sizeof(*a->f));
	if (!a->f)
		return -ENOMEM;
	memcpy(a->f, fs->f, fs->n * sizeof(*a->f));
	a->n = fs->n;
	return 0;
}

/* The L4 keys of `when` conditions; everything else needs HTTP (or, for
 * connection.sni, the TLS handshake) and cannot be judged from a SYN. */
static bool when_key_l4(const char *key, enum az_value_kind *what)
{
	static const struct {
		const char *key;
		enum az_value_kind what;
	} keys[] = {
		{ "source.ip", AZ_V_SRC_BLOCK },	{ "source.namespace", AZ_V_NAMESPACE },
		{ "source.principal", AZ_V_PRINCIPAL }, { "destination.ip", AZ_V_DST_BLOCK },
		{ "destination.port", AZ_V_PORT },
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(key, keys[i].key)) {
			*what = keys[i].what;
			return true;
		}
	return false;
}

/* Appends the names of the HTTP-only fields rule r uses to b; returns their count. */
static size_t rule_http_fields(const struct sl_authz_rule *r, struct sl_buf *b)
{
	size_t n = 0;

#define HTTP_FIELD(list, name)                                                                     \
	do {                                                                                       \
		if ((list).set) {                                                                  \
			sl_buf_printf(b, "%s%s", n ? ", " : "", name);                             \
			n++;                                                                       \
		}                                                                                  \
	} while (0)
	for (size_t i = 0; i < r->nfrom; i++) {
		const struct sl_authz_source *s = &r->from[i];

		HTTP_FIELD(s->request_principals, "requestPrincipals");
		HTTP_FIELD(s->not_request_principals, "notRequestPrincipals");
		HTTP_FIELD(s->remote_ip_blocks, "remoteIpBlocks");
		HTTP_FIELD(s->not_remote_ip_blocks, "notRemoteIpBlocks");
	}
	for (size_t i = 0; i < r->nto; i++) {
		const struct sl_authz_operation *op = &r->to[i];

		HTTP_FIELD(op->hosts, "hosts");
		HTTP_FIELD(op->not_hosts, "notHosts");
		HTTP_FIELD(op->methods, "methods");
		HTTP_FIELD(op->not_methods, "notMethods");
		HTTP_FIELD(op->paths, "paths");
		HTTP_FIELD(op->not_paths, "notPaths");
	}
	for (size_t i = 0; i < r->nwhen; i++) {
		enum az_value_kind what;

		if (!when_key_l4(r->when[i].key, &what)) {
			sl_buf_printf(b, "%swhen %s", n ? ", " : "", r->when[i].key);
			n++;
		}
	}
#undef HTTP_FIELD
	return n;
}

bool sl_authz_policy_http(const struct sl_object *ap)
{
	for (size_t i = 0; i < ap->ap.nrules; i++) {
		struct sl_buf names = {};
		size_t n = rule_http_fields(&ap->ap.rules[i], &names);

		sl_buf_free(&names);
		if (n)
			return true;
	}
	return false;
}

static int rule_build(struct az_ctx *ctx, const struct sl_authz_rule *r, struct az_rule *out)
{
	size_t nc = 0;
	int ret;

	out->c = az_alloc(ctx, (2 + r->nwhen) * sizeof(*out->c));
	if (!out->c)
		return -ENOMEM;
	if (r->from_set) {
		struct az_clause *c = &out->c[nc++];

		c->a = az_alloc(ctx, (r->nfrom ? r->nfrom : 1) * sizeof(*c->a));
		if (!c->a)
			return -ENOMEM;
		for (size_t i = 0; i < r->nfrom; i++) {
			const struct sl_authz_source *s = &r->from[i];
			struct fields fs = {};

			if ((ret = add_list(ctx, &fs, &s->principals, AZ_V_PRINCIPAL, false)) ||
			    (ret = add_list(ctx, &fs, &s->not_principals, AZ_V_PRINCIPAL, true)) ||
			    (ret = add_list(ctx, &fs, &s->namespaces, AZ_V_NAMESPACE, false)) ||
			    (ret = add_list(ctx, &fs, &s->not_namespaces, AZ_V_NAMESPACE, true)) ||
			    (ret = add_list(ctx, &fs, &s->ip_blocks, AZ_V_SRC_BLOCK, false)) ||
			    (ret = add_list(ctx, &fs, &s->not_ip_blocks, AZ_V_SRC_BLOCK, true)) ||
			    (ret = alt_from_fields(ctx, &c->a[c->n++], &fs)))
				return ret;
		}
	}
	if (r->to_set) {
		struct az_clause *c = &out->c[nc++];

		c->a = az_alloc(ctx, (r->nto ? r->nto : 1) * sizeof(*c->a));
		if (!c->a)
			return -ENOMEM;
		for (size_t i = 0; i < r->nto; i++) {
			const struct sl_authz_operation *op = &r->to[i];
			struct fields fs = {};

			if ((ret = add_list(ctx, &fs, &op->ports, AZ_V_PORT, false)) ||
			    (ret = add_list(ctx, &fs, &op->not_ports, AZ_V_PORT, true)) ||
			    (ret = alt_from_fields(ctx, &c->a[c->n++], &fs)))
				return ret;
		}
	}
	for (size_t i = 0; i < r->nwhen; i++) {
		const struct sl_authz_condition *w = &r->when[i];
		struct az_clause *c;
		enum az_value_kind what;
		struct fields fs = {};

		if (!when_key_l4(w->key, &what))
			continue; /* only reached for DENY / AUDIT: the condition is dropped */
		c = &out->c[nc++];
		c->a = az_alloc(ctx, sizeof(*c->a));
		if (!c->a)
			return -ENOMEM;
		if ((ret = add_list(ctx, &fs, &w->values, what, false)) ||
		    (ret = add_list(ctx, &fs, &w->not_values, what, true)) ||
		    (ret = alt_from_fields(ctx, &c->a[c->n++], &fs)))
			return ret;
	}
	out->n = nc;
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_u16(const void *a, const void *b)
{
	uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;

	return x < y ? -1 : x > y;
}

/* The primitives and ports the policy's rules name, for relevance and port sets. */
static int policy_index(struct az_ctx *ctx, struct az_policy *p)
{
	size_t np = 0, nports = 0;

	for (int pass = 0; pass < 2; pass++) {
		if (pass) {
			p->prims = az_alloc(ctx, (np ? np : 1) * sizeof(*p->prims));
			p->ports = az_alloc(ctx, (nports ? nports : 1) * sizeof(*p->ports));
			if (!p->prims || !p->ports)
				return -ENOMEM;
		}
		np = nports = 0;
		for (size_t r = 0; r < p->nr; r++)
			for (size_t c = 0; c < p->r[r].n; c++)
				for (size_t a = 0; a < p->r[r].c[c].n; a++)
					for (size_t f = 0; f < p->r[r].c[c].a[a].n; f++) {
						const struct az_field *fd = &p->r[r].c[c].a[a].f[f];

						for (size_t i = 0; i < fd->n; i++) {
							if (fd->kind == AZ_F_SRC) {
								if (pass)
									p->prims[np] = fd->v[i];
								np++;
							} else if (fd->kind == AZ_F_PORT &&
								   fd->v[i]) {
								if (pass)
									p->ports[nports] =
										(uint16_t)fd->v[i];
								nports++;
							}
						}
					}
	}
	qsort(p->prims, np, sizeof(*p->prims), cmp_u32);
	qsort(p->ports, nports, sizeof(*p->ports), cmp_u16);
	p->nprims = p->nports = 0;
	for (size_t i = 0; i < np; i++)
		if (!p->nprims || p->prims[p->nprims - 1] != p->prims[i])
			p->prims[p->nprims++] = p->prims[i];
	for (size_t i = 0; i < nports; i++)
		if (!p->nports || p->ports[p->nports - 1] != p->ports[i])
			p->ports[p->nports++] = p->ports[i];
	return 0;
}

int az_policy_build(struct az_ctx *ctx, struct az_policy *p)
{
	const struct sl_authz_policy *ap = &p->o->ap;
	const struct sl_pos *pp = &p->o->meta.pos;
	int ret;

	p->effect = ap->dry_run			   ? AZ_AUDIT
		    : ap->action == SL_AUTHZ_ALLOW ? AZ_ALLOW
		    : ap->action == SL_AUTHZ_DENY  ? AZ_DENY
						   : AZ_AUDIT;
	p->r = az_alloc(ctx, (ap->nrules ? ap->nrules : 1) * sizeof(*p->r));
	if (!p->r)
		return -ENOMEM;
	for (size_t i = 0; i < ap->nrules; i++) {
		const struct sl_authz_rule *r = &ap->rules[i];
		struct sl_buf names = {};
		size_t nhttp = rule_http_fields(r, &names);

		if (nhttp) {
			/* Only the object's own position keeps its file name alive (the
			 * store owns it); the rule's gives the line and column. */
			const struct sl_pos *rp = r->pos.line ? &r->pos : pp;

			sl_buf_printf(
				&ctx->warnings,
				"%s:%d:%d: warning: authorizationpolicy %s/%s rules[%zu] uses "
				"HTTP-only fields (%s) that L4 enforcement cannot check: %s%s\n",
				pp->file ? pp->file : "-", rp->line, rp->col, p->o->meta.ns,
				p->o->meta.name, i, names.p ? names.p : "",
				ap->action == SL_AUTHZ_ALLOW
					? "the rule is ignored (allows less)"
					: "those fields are ignored (the rule matches more)",
				ctx->l7 ? " for connections to pod IPs; sluice-proxy applies the whole "
					  "rule to requests through their Services"
					: "");
		}
		sl_buf_free(&names);
		if (nhttp && ap->action == SL_AUTHZ_ALLOW)
			continue;
		ret = rule_build(ctx, r, &p->r[p->nr]);
		if (ret)
			return ret;
		p->nr++;
	}
	return policy_index(ctx, p);
}
