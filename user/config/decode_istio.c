// SPDX-License-Identifier: Apache-2.0
/* What the networking.istio.io decoders share: hosts, exportTo, gateways. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/decode_int.h"

int d_istio_host(struct d_ctx *c, const struct yt_node *n, char **out)
{
	const char *s = NULL;
	int r;

	r = d_str(c, n, &s);
	if (r)
		return r;
	/* "*", "*.example.com": matching many services is a routing table Sluice does not
	 * build (yet); taking them as one name would route nothing. */
	if (strchr(s, '*'))
		return d_err(c, n, "wildcard hosts (\"%s\") are not supported", s);
	if (!d_name_ok(s, D_NAME_SUBDOMAIN))
		return d_err(c, n,
			     "\"%s\" is not a host name (lowercase letters, digits, '-' and '.', "
			     "at most 253 characters)",
			     s);
	return d_strdup(c, n, out);
}

int f_export_to(struct d_ctx *c, const struct yt_node *spec)
{
	const struct yt_node *v = d_get(spec, "exportTo"), *e;
	size_t mark;
	int r;

	if (!v)
		return 0;
	mark = d_push_key(c, "exportTo");
	r = d_want_seq(c, v);
	if (r)
		goto out;
	/* Empty is the default to Istio (protobuf has no empty list), and so is ["*"]. */
	if (!v->n)
		goto out;
	e = v->items[0];
	if (v->n == 1 && e->type == YT_SCALAR && e->stype == YT_S_STR && !strcmp(e->str, "*"))
		goto out;
	r = d_err(c, v,
		  "visibility scoping is not supported (only [\"*\"], every namespace, which is "
		  "the default)");
out:
	d_pop(c, mark);
	return r;
}

int f_gateways(struct d_ctx *c, const struct yt_node *map)
{
	const struct yt_node *v = d_get(map, "gateways");
	const char *s;
	size_t i, mark, m2;
	int r;

	if (!v)
		return 0;
	mark = d_push_key(c, "gateways");
	r = d_want_seq(c, v);
	for (i = 0; !r && i < v->n; i++) {
		m2 = d_push_idx(c, i);
		r = d_str(c, v->items[i], &s);
		/* "mesh" is every sidecar (here: every pod socket Sluice sees). */
		if (!r && strcmp(s, "mesh"))
			r = d_err(c, v->items[i],
				  "gateway \"%s\": ingress gateways are not supported (only "
				  "\"mesh\")",
				  s);
		d_pop(c, m2);
	}
	d_pop(c, mark);
	return r;
}
