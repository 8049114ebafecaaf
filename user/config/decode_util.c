// SPDX-License-Identifier: Apache-2.0
/* Field-walking helpers shared by the per-kind decoders: paths, errors, typed reads. */
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/decode_int.h"
#include "model/objects.h"

static int d_verr(struct d_ctx *c, int line, int col, const char *fmt, va_list ap)
{
	int n;

	if (!c->errlen)
		return -EINVAL;
	if (c->plen)
		n = snprintf(c->err, c->errlen, "%s:%d:%d: %s: ", c->fname, line, col, c->path);
	else
		n = snprintf(c->err, c->errlen, "%s:%d:%d: ", c->fname, line, col);
	if (n >= 0 && (size_t)n < c->errlen)
		vsnprintf(c->err + n, c->errlen - n, fmt, ap);
	return -EINVAL;
}

int d_err(struct d_ctx *c, const struct yt_node *at, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = d_verr(c, at->line, at->col, fmt, ap);
	va_end(ap);
	return r;
}

int d_err_key(struct d_ctx *c, const struct yt_node *at, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	if (at->has_key)
		r = d_verr(c, at->kline, at->kcol, fmt, ap);
	else
		r = d_verr(c, at->line, at->col, fmt, ap);
	va_end(ap);
	return r;
}

int d_nomem(struct d_ctx *c)
{
	if (c->errlen)
		snprintf(c->err, c->errlen, "%s: out of memory", c->fname);
	return -ENOMEM;
}

/* Appends to the path; a path too long for the buffer is cut, which only shortens
 * messages. */
static size_t d_push(struct d_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static size_t d_push(struct d_ctx *c, const char *fmt, ...)
{
	size_t mark = c->plen;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(c->path + c->plen, sizeof(c->path) - c->plen, fmt, ap);
	va_end(ap);
	if (n > 0)
		c->plen += (size_t)n < sizeof(c->path) - c->plen ? (size_t)n
								 : sizeof(c->path) - c->plen - 1;
	return mark;
}

size_t d_push_key(struct d_ctx *c, const char *key)
{
	return c->plen ? d_push(c, ".%s", key) : d_push(c, "%s", key);
}

size_t d_push_idx(struct d_ctx *c, size_t i)
{
	return d_push(c, "[%zu]", i);
}

size_t d_push_label(struct d_ctx *c, const char *key)
{
	return d_push(c, "[\"%s\"]", key);
}

void d_pop(struct d_ctx *c, size_t mark)
{
	c->plen = mark;
	c->path[mark] = '\0';
}

bool d_is_null(const struct yt_node *n)
{
	return !n || (n->type == YT_SCALAR && n->stype == YT_S_NULL);
}

const char *d_type_name(const struct yt_node *n)
{
	if (!n)
		return "nothing";
	switch (n->type) {
	case YT_MAP:
		return "a mapping";
	case YT_SEQ:
		return "a sequence";
	}
	switch (n->stype) {
	case YT_S_NULL:
		return "null";
	case YT_S_BOOL:
		return "a boolean";
	case YT_S_INT:
		return "an integer";
	case YT_S_FLOAT:
		return "a float";
	}
	return "a string";
}

const struct yt_node *d_get(const struct yt_node *map, const char *key)
{
	size_t i, len = strlen(key);

	for (i = 0; i < map->n; i++) {
		const struct yt_node *k = map->items[2 * i];

		if (k->n == len && !memcmp(k->str, key, len)) {
			const struct yt_node *v = map->items[2 * i + 1];

			return d_is_null(v) ? NULL : v;
		}
	}
	return NULL;
}

int d_check_keys(struct d_ctx *c, const struct yt_node *map, const char *const *known)
{
	size_t i, j, mark;

	for (i = 0; i < map->n; i++) {
		const struct yt_node *k = map->items[2 * i];

		for (j = 0; known[j]; j++)
			if (!strcmp(k->str, known[j]))
				break;
		if (known[j])
			continue;
		mark = d_push_key(c, k->str);
		d_err(c, k, "unknown field");
		d_pop(c, mark);
		return -EINVAL;
	}
	return 0;
}

int d_missing(struct d_ctx *c, const struct yt_node *map, const char *key)
{
	size_t mark = d_push_key(c, key);

	d_err_key(c, map, "required");
	d_pop(c, mark);
	return -EINVAL;
}

int d_want_map(struct d_ctx *c, const struct yt_node *n)
{
	if (n->type != YT_MAP)
		return d_err(c, n, "expected a mapping, got %s", d_type_name(n));
	return 0;
}

int d_want_seq(struct d_ctx *c, const struct yt_node *n)
{
	if (n->type != YT_SEQ)
		return d_err(c, n, "expected a sequence, got %s", d_type_name(n));
	return 0;
}

int d_str(struct d_ctx *c, const struct yt_node *n, const char **out)
{
	if (n->type != YT_SCALAR || n->stype != YT_S_STR)
		return d_err(c, n, "expected a string, got %s", d_type_name(n));
	*out = n->str;
	return 0;
}

int d_strdup(struct d_ctx *c, const struct yt_node *n, char **out)
{
	const char *s = NULL;
	char *d;
	int r;

	r = d_str(c, n, &s);
	if (r)
		return r;
	d = strdup(s);
	if (!d)
		return d_nomem(c);
	free(*out);
	*out = d;
	return 0;
}

int d_int(struct d_ctx *c, const struct yt_node *n, long lo, long hi, long *out)
{
	const char *s = n->str;
	size_t i = 0;
	long v;

	if (n->type != YT_SCALAR || n->stype != YT_S_INT)
		return d_err(c, n, "expected an integer, got %s", d_type_name(n));
	/* Decimal only, no leading zeros: 0x1F, 0o17 and 017 (octal in YAML 1.1) would be
	 * read differently by different tools. */
	if (s[0] == '-' || s[0] == '+')
		i++;
	if (s[i] < '0' || s[i] > '9' || (s[i] == '0' && s[i + 1]))
		return d_err(c, n, "expected a decimal integer, got %s", s);
	errno = 0;
	v = strtol(s, NULL, 10);
	if (errno || v < lo || v > hi)
		return d_err(c, n, "%s is out of range (%ld-%ld)", s, lo, hi);
	*out = v;
	return 0;
}

int d_bool(struct d_ctx *c, const struct yt_node *n, bool *out)
{
	if (n->type != YT_SCALAR || n->stype != YT_S_BOOL)
		return d_err(c, n, "expected a boolean, got %s", d_type_name(n));
	*out = n->str[0] == 't' || n->str[0] == 'T';
	return 0;
}

int d_ip(struct d_ctx *c, const struct yt_node *n, struct sl_ip *out)
{
	const char *s = NULL;
	int r;

	r = d_str(c, n, &s);
	if (r)
		return r;
	if (sl_ip_parse(s, out))
		return d_err(c, n, "\"%s\" is not a valid IP address", s);
	return 0;
}

int f_str(struct d_ctx *c, const struct yt_node *map, const char *key, bool required, char **out)
{
	const struct yt_node *v = d_get(map, key);
	size_t mark;
	int r;

	if (!v)
		return required ? d_missing(c, map, key) : 0;
	mark = d_push_key(c, key);
	r = d_strdup(c, v, out);
	d_pop(c, mark);
	return r;
}

int f_int(struct d_ctx *c, const struct yt_node *map, const char *key, bool required, long lo,
	  long hi, long *out)
{
	const struct yt_node *v = d_get(map, key);
	size_t mark;
	int r;

	if (!v)
		return required ? d_missing(c, map, key) : 0;
	mark = d_push_key(c, key);
	r = d_int(c, v, lo, hi, out);
	d_pop(c, mark);
	return r;
}

int f_tristate(struct d_ctx *c, const struct yt_node *map, const char *key, enum sl_tristate *out)
{
	const struct yt_node *v = d_get(map, key);
	size_t mark;
	bool b = false;
	int r;

	*out = SL_UNSET;
	if (!v)
		return 0;
	mark = d_push_key(c, key);
	r = d_bool(c, v, &b);
	d_pop(c, mark);
	if (!r)
		*out = b ? SL_TRUE : SL_FALSE;
	return r;
}

int f_str_ref(struct d_ctx *c, const struct yt_node *map, const char *key,
	      const struct yt_node **vn, const char **s)
{
	const struct yt_node *v = d_get(map, key);
	size_t mark;
	int r;

	*s = NULL;
	*vn = v;
	if (!v)
		return 0;
	mark = d_push_key(c, key);
	r = d_str(c, v, s);
	d_pop(c, mark);
	return r;
}

int f_refuse(struct d_ctx *c, const struct yt_node *map, const char *key, const char *why)
{
	const struct yt_node *v = d_get(map, key);
	size_t mark;

	if (!v)
		return 0;
	/* At the key, as for an unknown field: it is the field that is refused, whatever
	 * its value (and a block value starts on the next line). */
	mark = d_push_key(c, key);
	d_err_key(c, v, "%s", why);
	d_pop(c, mark);
	return -EINVAL;
}

int f_refuse_nonempty(struct d_ctx *c, const struct yt_node *map, const char *key, const char *why)
{
	const struct yt_node *v = d_get(map, key);

	if (v && (v->type != YT_SCALAR || v->stype == YT_S_STR) && !v->n)
		return 0;
	return f_refuse(c, map, key, why);
}

int f_protocol(struct d_ctx *c, const struct yt_node *map, uint8_t *out)
{
	const struct yt_node *v = d_get(map, "protocol");
	const char *s = NULL;
	size_t mark;
	int r = 0;

	*out = IPPROTO_TCP;
	if (!v)
		return 0;
	mark = d_push_key(c, "protocol");
	r = d_str(c, v, &s);
	if (r)
		goto out;
	if (!strcmp(s, "TCP"))
		*out = IPPROTO_TCP;
	else if (!strcmp(s, "UDP"))
		*out = IPPROTO_UDP;
	else if (!strcmp(s, "SCTP"))
		r = d_err(c, v, "SCTP is not supported (Sluice balances TCP and UDP)");
	else
		r = d_err(c, v, "\"%s\" is not a valid protocol (TCP, UDP)", s);
out:
	d_pop(c, mark);
	return r;
}

static bool lower_alnum(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
}

/* [a-z0-9]([-a-z0-9]*[a-z0-9])? of len bytes; first must be a letter for DNS-1035. */
static bool label_ok(const char *s, size_t len, bool letter_first)
{
	size_t i;

	if (!len || len > 63)
		return false;
	if (!lower_alnum(s[0]) || !lower_alnum(s[len - 1]))
		return false;
	if (letter_first && !(s[0] >= 'a' && s[0] <= 'z'))
		return false;
	for (i = 1; i + 1 < len; i++)
		if (!lower_alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

bool d_name_ok(const char *s, enum d_name_rule rule)
{
	size_t len = strlen(s);
	const char *p, *dot;

	switch (rule) {
	case D_NAME_LABEL:
		return label_ok(s, len, false);
	case D_NAME_1035:
		return label_ok(s, len, true);
	case D_NAME_SUBDOMAIN:
		break;
	}
	if (!len || len > 253)
		return false;
	for (p = s;; p = dot + 1) {
		dot = strchr(p, '.');
		if (!label_ok(p, dot ? (size_t)(dot - p) : strlen(p), false))
			return false;
		if (!dot)
			return true;
	}
}

int d_check_name(struct d_ctx *c, const struct yt_node *n, const char *s, enum d_name_rule rule)
{
	static const char *const what[] = {
		[D_NAME_SUBDOMAIN] = "a DNS-1123 subdomain (lowercase letters, digits, '-' and "
				     "'.', at most 253 characters)",
		[D_NAME_LABEL] = "a DNS-1123 label (lowercase letters, digits and '-', at most 63 "
				 "characters)",
		[D_NAME_1035] = "a DNS-1035 label (lowercase letters, digits and '-', starting "
				"with a letter, at most 63 characters)",
	};

	if (d_name_ok(s, rule))
		return 0;
	return d_err(c, n, "\"%s\" is not %s", s, what[rule]);
}

bool d_port_name_ok(const char *s)
{
	size_t i, len = strlen(s);
	bool letter = false;

	if (!len || len > 15 || s[0] == '-' || s[len - 1] == '-' || strstr(s, "--"))
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] >= 'a' && s[i] <= 'z')
			letter = true;
		else if (!(s[i] >= '0' && s[i] <= '9') && s[i] != '-')
			return false;
	}
	return letter;
}

int d_annotation(struct d_ctx *c, const struct yt_node *root, const char *key,
		 const struct yt_node **out)
{
	const struct yt_node *md = d_get(root, "metadata"), *an;
	size_t i, mark, len = strlen(key);
	int r;

	*out = NULL;
	if (!md || md->type != YT_MAP)
		return 0;
	an = d_get(md, "annotations");
	if (!an)
		return 0;
	mark = d_push_key(c, "metadata");
	d_push_key(c, "annotations");
	r = d_want_map(c, an);
	d_pop(c, mark);
	if (r)
		return r;
	/* Not d_get(): a null value is returned, not taken for a missing annotation. */
	for (i = 0; i < an->n; i++) {
		const struct yt_node *k = an->items[2 * i];

		if (k->n == len && !memcmp(k->str, key, len)) {
			*out = an->items[2 * i + 1];
			break;
		}
	}
	return 0;
}

int d_object_with_spec(struct d_ctx *c, const struct yt_node *root, const char *const *top_keys,
		       enum d_name_rule rule, struct sl_object *o, d_spec_fn spec_fn)
{
	const struct yt_node *spec;
	size_t mark;
	int r;

	r = d_check_keys(c, root, top_keys);
	if (!r)
		r = d_meta(c, root, rule, &o->meta);
	if (r)
		return r;
	spec = d_get(root, "spec");
	if (!spec)
		return d_missing(c, root, "spec");
	mark = d_push_key(c, "spec");
	r = spec_fn(c, spec, o);
	d_pop(c, mark);
	return r;
}
