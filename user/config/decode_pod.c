// SPDX-License-Identifier: Apache-2.0
/* v1 Pod: workload identity (namespace, labels, service account), node and addresses. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/decode_int.h"

static const char *const pod_top_keys[] = {
	"apiVersion", "kind", "metadata", "spec", "status", NULL
};

static int f_name_field(struct d_ctx *c, const struct yt_node *map, const char *key, char **out)
{
	size_t mark;
	int r;

	r = f_str(c, map, key, false, out);
	if (r || !*out)
		return r;
	mark = d_push_key(c, key);
	r = d_check_name(c, d_get(map, key), *out, D_NAME_SUBDOMAIN);
	d_pop(c, mark);
	return r;
}

/* Only the service account and node matter; containers, volumes, ... are read past. */
static int d_pod_spec(struct d_ctx *c, const struct yt_node *spec, struct sl_pod *p)
{
	int r;

	r = d_want_map(c, spec);
	if (!r)
		r = f_name_field(c, spec, "serviceAccountName", &p->service_account);
	/* spec.serviceAccount is the deprecated spelling, used when the new one is absent. */
	if (!r && !p->service_account)
		r = f_name_field(c, spec, "serviceAccount", &p->service_account);
	if (!r)
		r = f_name_field(c, spec, "nodeName", &p->node_name);
	return r;
}

static int d_pod_ips(struct d_ctx *c, const struct yt_node *seq, struct sl_pod *p)
{
	size_t i, mark;
	int r;

	r = d_want_seq(c, seq);
	if (r || !seq->n)
		return r;
	if (seq->n > 2)
		return d_err(c, seq, "at most 2 addresses (one per family), got %zu", seq->n);
	p->pod_ips = calloc(seq->n, sizeof(*p->pod_ips));
	if (!p->pod_ips)
		return d_nomem(c);
	for (i = 0; i < seq->n; i++) {
		const struct yt_node *e = seq->items[i], *v;

		mark = d_push_idx(c, i);
		r = d_want_map(c, e);
		if (r)
			goto out;
		v = d_get(e, "ip");
		if (!v) {
			r = d_missing(c, e, "ip");
			goto out;
		}
		d_push_key(c, "ip");
		r = d_ip(c, v, &p->pod_ips[i]);
		if (r)
			goto out;
		if (i == 1 && p->pod_ips[0].family == p->pod_ips[1].family) {
			r = d_err(c, v, "both addresses are IPv%u: dual-stack needs one of each",
				  p->pod_ips[1].family);
			goto out;
		}
		p->npod_ips++;
		d_pop(c, mark);
	}
	return 0;
out:
	d_pop(c, mark);
	return r;
}

static int d_pod_status(struct d_ctx *c, const struct yt_node *st, struct sl_pod *p)
{
	const struct yt_node *one, *list;
	struct sl_ip ip;
	size_t mark;
	int r;

	r = d_want_map(c, st);
	if (r)
		return r;
	one = d_get(st, "podIP");
	list = d_get(st, "podIPs");
	if (one) {
		mark = d_push_key(c, "podIP");
		r = d_ip(c, one, &ip);
		d_pop(c, mark);
		if (r)
			return r;
	}
	if (list) {
		mark = d_push_key(c, "podIPs");
		r = d_pod_ips(c, list, p);
		d_pop(c, mark);
		if (r)
			return r;
	}
	if (!one)
		return 0;
	if (!p->npod_ips) {
		p->pod_ips = calloc(1, sizeof(*p->pod_ips));
		if (!p->pod_ips)
			return d_nomem(c);
		p->pod_ips[p->npod_ips++] = ip;
		return 0;
	}
	/* podIP is podIPs[0] written twice: they must agree. */
	if (memcmp(&ip, &p->pod_ips[0], sizeof(ip))) {
		mark = d_push_key(c, "podIP");
		r = d_err(c, one, "\"%s\" does not match podIPs[0]", one->str);
		d_pop(c, mark);
	}
	return r;
}

int d_pod(struct d_ctx *c, const struct yt_node *root, struct sl_object *o)
{
	struct sl_pod *p = &o->pod;
	const struct yt_node *v;
	size_t mark;
	int r;

	r = d_check_keys(c, root, pod_top_keys);
	if (!r)
		r = d_meta(c, root, D_NAME_SUBDOMAIN, &o->meta);
	if (r)
		return r;
	v = d_get(root, "spec");
	if (v) {
		mark = d_push_key(c, "spec");
		r = d_pod_spec(c, v, p);
		d_pop(c, mark);
		if (r)
			return r;
	}
	if (!p->service_account) {
		p->service_account = strdup("default");
		if (!p->service_account)
			return d_nomem(c);
	}
	v = d_get(root, "status");
	if (v) {
		mark = d_push_key(c, "status");
		r = d_pod_status(c, v, p);
		d_pop(c, mark);
	}
	return r;
}
