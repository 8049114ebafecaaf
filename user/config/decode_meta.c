// SPDX-License-Identifier: Apache-2.0
/* metadata, common to every kind: name, namespace, uid and labels; the rest read past. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/decode_int.h"

static bool label_name_ok(const char *s, size_t len)
{
	size_t i;

	if (!len || len > 63)
		return false;
	for (i = 0; i < len; i++) {
		char ch = s[i];
		bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			     (ch >= '0' && ch <= '9');

		if (!alnum && ((i == 0 || i == len - 1) || (ch != '-' && ch != '_' && ch != '.')))
			return false;
	}
	return true;
}

/* [prefix/]name as k8s.io/apimachinery IsQualifiedName checks it. */
static bool label_key_ok(const char *k)
{
	const char *slash = strchr(k, '/');
	char prefix[254];
	size_t plen;

	if (!slash)
		return label_name_ok(k, strlen(k));
	plen = slash - k;
	if (!plen || plen > 253)
		return false;
	memcpy(prefix, k, plen);
	prefix[plen] = '\0';
	return d_name_ok(prefix, D_NAME_SUBDOMAIN) && label_name_ok(slash + 1, strlen(slash + 1));
}

int d_label_map(struct d_ctx *c, const struct yt_node *map, struct sl_label **labels, size_t *n)
{
	size_t i, mark;
	int r;

	r = d_want_map(c, map);
	if (r)
		return r;
	if (!map->n)
		return 0;
	/* Always a fresh array: callers start from an empty set. */
	*labels = calloc(map->n, sizeof(**labels));
	if (!*labels)
		return d_nomem(c);
	for (i = 0; i < map->n; i++) {
		const struct yt_node *k = map->items[2 * i], *v = map->items[2 * i + 1];
		struct sl_label *l = &(*labels)[*n];

		mark = d_push_label(c, k->str);
		if (!label_key_ok(k->str)) {
			r = d_err(c, k,
				  "not a valid label key (an optional DNS subdomain prefix and "
				  "'/', then 1-63 letters, digits, '-', '_' or '.')");
			goto out;
		}
		l->key = strdup(k->str);
		if (!l->key) {
			r = d_nomem(c);
			goto out;
		}
		(*n)++;
		/* A null value is "" to Kubernetes (JSON null into a string). */
		if (d_is_null(v))
			l->value = strdup("");
		else
			r = d_strdup(c, v, &l->value);
		if (r)
			goto out;
		if (!l->value) {
			r = d_nomem(c);
			goto out;
		}
		if (l->value[0] && !label_name_ok(l->value, strlen(l->value))) {
			r = d_err(c, v,
				  "\"%s\" is not a valid label value (at most 63 letters, "
				  "digits, '-', '_' or '.', starting and ending with a letter or "
				  "digit)",
				  l->value);
			goto out;
		}
		d_pop(c, mark);
	}
	return 0;
out:
	d_pop(c, mark);
	return r;
}

/* Decodes string field `key` of `md` and checks it against `rule`. */
static int f_name(struct d_ctx *c, const struct yt_node *md, const char *key, bool required,
		  enum d_name_rule rule, char **out)
{
	size_t mark;
	int r;

	r = f_str(c, md, key, required, out);
	if (r || !*out)
		return r;
	mark = d_push_key(c, key);
	r = d_check_name(c, d_get(md, key), *out, rule);
	d_pop(c, mark);
	return r;
}

int d_meta(struct d_ctx *c, const struct yt_node *root, enum d_name_rule rule,
	   struct sl_meta_obj *m)
{
	const struct yt_node *md = d_get(root, "metadata"), *v;
	size_t mark;
	int r;

	if (!md)
		return d_missing(c, root, "metadata");
	mark = d_push_key(c, "metadata");
	r = d_want_map(c, md);
	if (r)
		goto out;
	r = f_name(c, md, "name", true, rule, &m->name);
	if (r)
		goto out;
	r = f_name(c, md, "namespace", false, D_NAME_LABEL, &m->ns);
	if (r)
		goto out;
	if (!m->ns) {
		m->ns = strdup("default");
		if (!m->ns) {
			r = d_nomem(c);
			goto out;
		}
	}
	r = f_str(c, md, "uid", false, &m->uid);
	if (r)
		goto out;
	v = d_get(md, "labels");
	if (v) {
		d_push_key(c, "labels");
		r = d_label_map(c, v, &m->labels, &m->nlabels);
	}
	/* Everything else in metadata (annotations, managedFields, ownerReferences, ...) does
	 * not change what Sluice programs: read past. */
out:
	d_pop(c, mark);
	return r;
}
