// SPDX-License-Identifier: Apache-2.0
/* Rewrites of written heads: target, Host, header operations (head_edit.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proxy/head_edit.h"

struct ed {
	char *p;
	size_t len, cap;
	bool full;
};

static void put(struct ed *o, const char *s, size_t n)
{
	if (o->len + n > o->cap) {
		o->full = true;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void puts_(struct ed *o, const char *s)
{
	put(o, s, strlen(s));
}

static bool name_is(const char *line, size_t n, const char *name)
{
	size_t nl = strlen(name);

	return n > nl && line[nl] == ':' && !strncasecmp(line, name, nl);
}

static bool named_in(const char *line, size_t n, const struct sl_label *v, size_t nv)
{
	for (size_t i = 0; i < nv; i++)
		if (name_is(line, n, v[i].key))
			return true;
	return false;
}

static bool removed(const char *line, size_t n, const struct sl_header_ops *o)
{
	for (size_t i = 0; o && i < o->nremove; i++)
		if (name_is(line, n, o->remove[i]))
			return true;
	return o && named_in(line, n, o->set, o->nset);
}

static void put_field(struct ed *o, const char *name, const char *value)
{
	puts_(o, name);
	put(o, ": ", 2);
	puts_(o, value);
	put(o, "\r\n", 2);
}

/* One pass: src (a whole head) into o, with edits e (ops: one set, may be NULL). */
static void pass(const char *src, size_t len, const struct px_head_edit *e,
		 const struct sl_header_ops *ops, bool first, struct ed *o)
{
	const char *end = src + len, *p = src;
	const char *eol = memchr(p, '\n', len);

	if (!eol)
		return put(o, src, len);
	/* The start line. */
	if (first && e->target.len) {
		const char *sp1 = memchr(p, ' ', (size_t)(eol - p));
		const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1)) : NULL;

		if (sp2) {
			put(o, p, (size_t)(sp1 - p) + 1);
			put(o, e->target.p, e->target.len);
			put(o, sp2, (size_t)(eol - sp2) + 1);
		} else {
			put(o, p, (size_t)(eol - p) + 1);
		}
	} else {
		put(o, p, (size_t)(eol - p) + 1);
	}
	for (p = eol + 1; p < end; p = eol + 1) {
		size_t n;

		eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end - 1;
		n = (size_t)(eol - p) + 1;
		if (n <= 2)
			break; /* the empty line: the fields end */
		if (removed(p, n, ops))
			continue;
		if (first && e->host.len && name_is(p, n, "host")) {
			puts_(o, "host: ");
			put(o, e->host.p, e->host.len);
			put(o, "\r\n", 2);
			continue;
		}
		put(o, p, n);
	}
	for (size_t i = 0; ops && i < ops->nset; i++)
		put_field(o, ops->set[i].key, ops->set[i].value);
	for (size_t i = 0; ops && i < ops->nadd; i++)
		put_field(o, ops->add[i].key, ops->add[i].value);
	if (first && e->add_name)
		put_field(o, e->add_name, e->add_value);
	put(o, "\r\n", 2);
}

/* Whether e would leave every head as it is (a route without rewrite or header
 * operations, the common case): then no pass is made at all. */
static bool edit_is_empty(const struct px_head_edit *e)
{
	if (e->target.len || e->host.len || e->add_name)
		return false;
	for (int k = 0; k < 3 && e->ops[k]; k++)
		if (e->ops[k]->nset || e->ops[k]->nadd || e->ops[k]->nremove)
			return false;
	return true;
}

int px_head_edit(char *buf, size_t *len, size_t cap, const struct px_head_edit *e)
{
	char *tmp;
	struct ed o;
	size_t cur = *len;
	int ret = 0;

	if (edit_is_empty(e))
		return 0;
	tmp = malloc(cap ? cap : 1);
	if (!tmp)
		return -ENOMEM;
	for (int k = 0; k < 3; k++) {
		if (k && !e->ops[k])
			break;
		o = (struct ed){ tmp, 0, cap, false };
		pass(buf, cur, e, e->ops[k], k == 0, &o);
		if (o.full) {
			ret = -ENOSPC;
			break;
		}
		memcpy(buf, tmp, o.len);
		cur = o.len;
	}
	free(tmp);
	if (!ret)
		*len = cur;
	return ret;
}
