// SPDX-License-Identifier: Apache-2.0
/*
 * libyaml events -> struct yt_node tree, one document at a time, with the limits that
 * make untrusted input safe to read: input size, nesting depth, scalar size, node count,
 * alias expansion (billion laughs), and no duplicate keys or merge keys.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "config/yaml_tree.h"

#define TAG_PREFIX "tag:yaml.org,2002:"

struct yt_frame {
	struct yt_node *node;
	size_t cap; /* allocated entries of node->items */
	char *anchor; /* registered when the collection ends: no self-reference */
};

struct yt_anchor {
	char *name;
	struct yt_node *node;
};

struct yt_stream {
	yaml_parser_t parser;
	const char *fname;
	const char *buf;
	size_t len;
	bool end;
	/* State of the document being read. */
	struct yt_doc doc;
	struct yt_frame stack[YT_MAX_DEPTH];
	int depth;
	struct yt_anchor *anchors;
	size_t nanchors;
	uint64_t alias_nodes;
	size_t nodes;
};

static int yt_err(const struct yt_stream *s, char *err, size_t errlen, int line, int col,
		  const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static int yt_err(const struct yt_stream *s, char *err, size_t errlen, int line, int col,
		  const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!errlen)
		return -EINVAL;
	n = snprintf(err, errlen, "%s:%d:%d: ", s->fname, line, col);
	if (n >= 0 && (size_t)n < errlen) {
		va_start(ap, fmt);
		vsnprintf(err + n, errlen - n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

struct yt_stream *yt_open(const char *fname, const char *buf, size_t len)
{
	struct yt_stream *s = calloc(1, sizeof(*s));

	if (!s)
		goto err;
	if (!yaml_parser_initialize(&s->parser))
		goto err_free;
	s->fname = fname;
	s->buf = buf;
	s->len = len;
	/* No BOM sniffing into UTF-16: Kubernetes files are UTF-8 and anything else is an
	 * error reported by the reader. */
	yaml_parser_set_encoding(&s->parser, YAML_UTF8_ENCODING);
	yaml_parser_set_input_string(&s->parser, (const unsigned char *)buf, len);
	return s;

err_free:
	free(s);
err:
	errno = ENOMEM;
	return NULL;
}

static void doc_state_reset(struct yt_stream *s)
{
	size_t i;

	for (i = 0; i < s->nanchors; i++)
		free(s->anchors[i].name);
	free(s->anchors);
	s->anchors = NULL;
	s->nanchors = 0;
	for (i = 0; i < (size_t)s->depth; i++)
		free(s->stack[i].anchor);
	s->depth = 0;
	s->alias_nodes = 0;
	s->nodes = 0;
}

void yt_doc_free(struct yt_doc *doc)
{
	struct yt_node *n, *next;

	if (!doc)
		return;
	for (n = doc->all; n; n = next) {
		next = n->all_next;
		if (n->type == YT_SCALAR)
			free(n->str);
		else
			free(n->items);
		free(n);
	}
	doc->all = doc->root = NULL;
}

void yt_close(struct yt_stream *s)
{
	if (!s)
		return;
	doc_state_reset(s);
	yt_doc_free(&s->doc);
	yaml_parser_delete(&s->parser);
	free(s);
}

/* The 1-based line and column (in characters) of byte `off` of the input. */
static void offset_pos(const struct yt_stream *s, size_t off, int *line, int *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	if (off > s->len)
		off = s->len;
	for (i = 0; i < off; i++) {
		unsigned char c = s->buf[i];

		if (c == '\n') {
			(*line)++;
			*col = 1;
		} else if ((c & 0xc0) != 0x80) {
			(*col)++;
		}
	}
}

static int parser_err(struct yt_stream *s, char *err, size_t errlen)
{
	yaml_parser_t *p = &s->parser;
	int line, col;

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		snprintf(err, errlen, "%s: out of memory reading YAML", s->fname);
		return -ENOMEM;
	case YAML_READER_ERROR:
		offset_pos(s, p->problem_offset, &line, &col);
		if (p->problem_value != -1)
			return yt_err(s, err, errlen, line, col, "invalid input: %s (byte 0x%02x)",
				      p->problem, p->problem_value & 0xff);
		return yt_err(s, err, errlen, line, col, "invalid input: %s", p->problem);
	default:
		line = (int)p->problem_mark.line + 1;
		col = (int)p->problem_mark.column + 1;
		if (p->context)
			return yt_err(
				s, err, errlen, line, col, "YAML syntax error: %s (%s at %d:%d)",
				p->problem ? p->problem : "?", p->context,
				(int)p->context_mark.line + 1, (int)p->context_mark.column + 1);
		return yt_err(s, err, errlen, line, col, "YAML syntax error: %s",
			      p->problem ? p->problem : "?");
	}
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

static struct yt_node *node_new(struct yt_stream *s, uint8_t type, const yaml_mark_t *m)
{
	struct yt_node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->type = type;
	n->line = (int)m->line + 1;
	n->col = (int)m->column + 1;
	n->weight = 1;
	n->all_next = s->doc.all;
	s->doc.all = n;
	return n;
}

static int key_cmp_idx(const void *a, const void *b, void *arg)
{
	struct yt_node **items = arg;
	size_t ia = *(const size_t *)a, ib = *(const size_t *)b;
	const struct yt_node *ka = items[2 * ia], *kb = items[2 * ib];
	size_t n = ka->n < kb->n ? ka->n : kb->n;
	int r = memcmp(ka->str, kb->str, n);

	if (r)
		return r;
	if (ka->n != kb->n)
		return ka->n < kb->n ? -1 : 1;
	return ia < ib ? -1 : ia > ib;
}

static bool key_eq(const struct yt_node *a, const struct yt_node *b)
{
	return a->n == b->n && !memcmp(a->str, b->str, a->n);
}

/* Rejects a mapping with the same key twice, at the first duplicate in input order.
 * Sorting keeps this O(n log n) for hostile mappings with many keys. */
static int check_dup_keys(struct yt_stream *s, struct yt_node *map, char *err, size_t errlen)
{
	size_t *idx, i, j, dup = SIZE_MAX;

	if (map->n < 2)
		return 0;
	if (map->n <= 8) {
		for (j = 1; j < map->n && dup == SIZE_MAX; j++)
			for (i = 0; i < j; i++)
				if (key_eq(map->items[2 * i], map->items[2 * j])) {
					dup = j;
					break;
				}
	} else {
		idx = malloc(map->n * sizeof(*idx));
		if (!idx) {
			snprintf(err, errlen, "%s: out of memory reading YAML", s->fname);
			return -ENOMEM;
		}
		for (i = 0; i < map->n; i++)
			idx[i] = i;
		qsort_r(idx, map->n, sizeof(*idx), key_cmp_idx, map->items);
		/* Equal keys sort by position: any but the first of a run is a duplicate. */
		for (i = 1; i < map->n; i++)
			if (key_eq(map->items[2 * idx[i - 1]], map->items[2 * idx[i]]) &&
			    idx[i] < dup)
				dup = idx[i];
		free(idx);
	}
	if (dup == SIZE_MAX)
		return 0;
	return yt_err(s, err, errlen, map->items[2 * dup]->line, map->items[2 * dup]->col,
		      "duplicate key \"%s\"", map->items[2 * dup]->str);
}

/* Places a finished node (new, or shared through an alias) into its parent, or as the
 * document's root. */
static int attach(struct yt_stream *s, struct yt_node *n, char *err, size_t errlen)
{
	struct yt_frame *f;
	struct yt_node *p;

	if (!s->depth) {
		s->doc.root = n;
		return 0;
	}
	f = &s->stack[s->depth - 1];
	p = f->node;
	if (p->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 8;
		struct yt_node **v = realloc(p->items, cap * sizeof(*v));

		if (!v) {
			snprintf(err, errlen, "%s: out of memory reading YAML", s->fname);
			return -ENOMEM;
		}
		p->items = v;
		f->cap = cap;
	}
	/* While a mapping is open p->n counts items, keys at even places. */
	if (p->type == YT_MAP) {
		if (!(p->n & 1)) {
			if (n->type != YT_SCALAR)
				return yt_err(s, err, errlen, n->line, n->col,
					      "mapping keys must be scalars");
			if (n->plain && n->n == 2 && !memcmp(n->str, "<<", 2))
				return yt_err(s, err, errlen, n->line, n->col,
					      "YAML merge keys (<<) are not supported");
		} else if (!n->has_key) {
			const struct yt_node *k = p->items[p->n - 1];

			n->has_key = true;
			n->kline = k->line;
			n->kcol = k->col;
		}
	}
	p->items[p->n++] = n;
	p->weight = sat_add(p->weight, n->weight);
	return 0;
}

static int check_tag(struct yt_stream *s, const yaml_char_t *tag, const char *want,
		     const yaml_mark_t *m, char *err, size_t errlen)
{
	const char *t = (const char *)tag;

	if (!t || !strcmp(t, "!"))
		return 0;
	if (!strncmp(t, TAG_PREFIX, strlen(TAG_PREFIX)) && !strcmp(t + strlen(TAG_PREFIX), want))
		return 0;
	return yt_err(s, err, errlen, (int)m->line + 1, (int)m->column + 1,
		      "YAML tag %s is not supported here", t);
}

static int make_scalar(struct yt_stream *s, yaml_event_t *ev, struct yt_node **out, char *err,
		       size_t errlen)
{
	const char *tag = (const char *)ev->data.scalar.tag;
	size_t len = ev->data.scalar.length;
	bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	struct yt_node *n;

	if (len > YT_MAX_SCALAR)
		return yt_err(s, err, errlen, (int)ev->start_mark.line + 1,
			      (int)ev->start_mark.column + 1,
			      "scalar of %zu bytes is longer than the limit (%u bytes)", len,
			      YT_MAX_SCALAR);
	if (memchr(ev->data.scalar.value, '\0', len))
		return yt_err(s, err, errlen, (int)ev->start_mark.line + 1,
			      (int)ev->start_mark.column + 1, "NUL character in a string");
	n = node_new(s, YT_SCALAR, &ev->start_mark);
	if (!n)
		goto nomem;
	n->str = malloc(len + 1);
	if (!n->str)
		goto nomem;
	memcpy(n->str, ev->data.scalar.value, len);
	n->str[len] = '\0';
	n->n = len;
	if (!tag || !strcmp(tag, "!")) {
		/* "!" is the non-specific tag of quoted scalars: a string. */
		n->stype = plain && !tag ? yt_resolve_plain(n->str, len) : YT_S_STR;
	} else if (!strcmp(tag, TAG_PREFIX "str")) {
		n->stype = YT_S_STR;
	} else if (plain && (!strcmp(tag, TAG_PREFIX "int") || !strcmp(tag, TAG_PREFIX "bool") ||
			     !strcmp(tag, TAG_PREFIX "null") || !strcmp(tag, TAG_PREFIX "float"))) {
		n->stype = yt_resolve_plain(n->str, len);
	} else {
		return yt_err(s, err, errlen, n->line, n->col, "YAML tag %s is not supported here",
			      tag);
	}
	n->plain = plain && !tag;
	*out = n;
	return 0;
nomem:
	snprintf(err, errlen, "%s: out of memory reading YAML", s->fname);
	return -ENOMEM;
}

static int add_anchor(struct yt_stream *s, char *name, struct yt_node *n, char *err, size_t errlen)
{
	struct yt_anchor *a;

	if (s->nanchors >= YT_MAX_ANCHORS) {
		free(name);
		return yt_err(s, err, errlen, n->line, n->col,
			      "more than %d YAML anchors in one document", YT_MAX_ANCHORS);
	}
	a = realloc(s->anchors, (s->nanchors + 1) * sizeof(*a));
	if (!a) {
		free(name);
		snprintf(err, errlen, "%s: out of memory reading YAML", s->fname);
		return -ENOMEM;
	}
	s->anchors = a;
	a[s->nanchors].name = name;
	a[s->nanchors].node = n;
	s->nanchors++;
	return 0;
}

static char *dup_anchor(const yaml_char_t *a)
{
	return a ? strdup((const char *)a) : NULL;
}

/* Handles one event of the document being built. Returns 1 at the document's end. */
static int on_event(struct yt_stream *s, yaml_event_t *ev, char *err, size_t errlen)
{
	struct yt_node *n = NULL;
	struct yt_frame *f;
	char *anchor;
	size_t i;
	int r;

	switch (ev->type) {
	case YAML_DOCUMENT_END_EVENT:
		return 1;
	case YAML_SCALAR_EVENT:
		r = make_scalar(s, ev, &n, err, errlen);
		if (r)
			return r;
		if (++s->nodes > YT_MAX_NODES)
			goto too_many;
		if (ev->data.scalar.anchor) {
			anchor = dup_anchor(ev->data.scalar.anchor);
			if (!anchor)
				goto nomem;
			r = add_anchor(s, anchor, n, err, errlen);
			if (r)
				return r;
		}
		return attach(s, n, err, errlen);
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT: {
		bool map = ev->type == YAML_MAPPING_START_EVENT;
		const yaml_char_t *tag =
			map ? ev->data.mapping_start.tag : ev->data.sequence_start.tag;

		if (s->depth >= YT_MAX_DEPTH)
			return yt_err(s, err, errlen, (int)ev->start_mark.line + 1,
				      (int)ev->start_mark.column + 1,
				      "nesting deeper than %d levels", YT_MAX_DEPTH);
		r = check_tag(s, tag, map ? "map" : "seq", &ev->start_mark, err, errlen);
		if (r)
			return r;
		if (++s->nodes > YT_MAX_NODES)
			goto too_many;
		n = node_new(s, map ? YT_MAP : YT_SEQ, &ev->start_mark);
		if (!n)
			goto nomem;
		f = &s->stack[s->depth++];
		f->node = n;
		f->cap = 0;
		f->anchor = NULL;
		anchor = (char *)(map ? ev->data.mapping_start.anchor
				      : ev->data.sequence_start.anchor);
		if (anchor) {
			f->anchor = strdup(anchor);
			if (!f->anchor)
				goto nomem;
		}
		return 0;
	}
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		f = &s->stack[s->depth - 1];
		n = f->node;
		if (n->type == YT_MAP) {
			n->n /= 2; /* items while open, pairs once closed */
			r = check_dup_keys(s, n, err, errlen);
			if (r)
				return r;
		}
		anchor = f->anchor;
		f->anchor = NULL;
		s->depth--;
		if (anchor) {
			r = add_anchor(s, anchor, n, err, errlen);
			if (r)
				return r;
		}
		return attach(s, n, err, errlen);
	case YAML_ALIAS_EVENT:
		n = NULL;
		/* The latest definition of a name wins, as YAML says. */
		for (i = s->nanchors; i-- > 0;)
			if (!strcmp(s->anchors[i].name, (const char *)ev->data.alias.anchor)) {
				n = s->anchors[i].node;
				break;
			}
		if (!n)
			return yt_err(s, err, errlen, (int)ev->start_mark.line + 1,
				      (int)ev->start_mark.column + 1, "unknown YAML alias *%s",
				      (const char *)ev->data.alias.anchor);
		s->alias_nodes = sat_add(s->alias_nodes, n->weight);
		if (s->alias_nodes > YT_MAX_ALIAS_NODES)
			return yt_err(s, err, errlen, (int)ev->start_mark.line + 1,
				      (int)ev->start_mark.column + 1,
				      "YAML aliases expand to more than %d nodes (alias bomb?)",
				      YT_MAX_ALIAS_NODES);
		return attach(s, n, err, errlen);
	default:
		return 0;
	}
too_many:
	return yt_err(s, err, errlen, (int)ev->start_mark.line + 1, (int)ev->start_mark.column + 1,
		      "document has more than %u nodes", YT_MAX_NODES);
nomem:
	snprintf(err, errlen, "%s: out of memory reading YAML", s->fname);
	return -ENOMEM;
}

int yt_next(struct yt_stream *s, struct yt_doc *doc, char *err, size_t errlen)
{
	bool in_doc = false;
	yaml_event_t ev;
	int r;

	memset(doc, 0, sizeof(*doc));
	if (s->end)
		return 0;
	if (s->len > YT_MAX_INPUT)
		return yt_err(s, err, errlen, 1, 1, "input of %zu bytes is larger than %u MiB",
			      s->len, YT_MAX_INPUT >> 20);
	for (;;) {
		if (!yaml_parser_parse(&s->parser, &ev)) {
			r = parser_err(s, err, errlen);
			goto fail;
		}
		if (ev.type == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&ev);
			s->end = true;
			return 0;
		}
		if (ev.type == YAML_DOCUMENT_START_EVENT) {
			in_doc = true;
			yaml_event_delete(&ev);
			continue;
		}
		if (!in_doc) {
			yaml_event_delete(&ev);
			continue;
		}
		r = on_event(s, &ev, err, errlen);
		yaml_event_delete(&ev);
		if (r < 0)
			goto fail;
		if (r == 1)
			break;
	}
	*doc = s->doc;
	memset(&s->doc, 0, sizeof(s->doc));
	doc_state_reset(s);
	return 1;

fail:
	doc_state_reset(s);
	yt_doc_free(&s->doc);
	s->end = true;
	return r;
}

static bool all_digits(const char *s, size_t len, const char *set)
{
	size_t i;

	if (!len)
		return false;
	for (i = 0; i < len; i++)
		if (!strchr(set, s[i]) || !s[i])
			return false;
	return true;
}

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static bool is_float(const char *s, size_t len)
{
	size_t i = 0, d1 = 0, d2 = 0;
	bool dot = false;

	if (i < len && (s[i] == '-' || s[i] == '+'))
		i++;
	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++, d1++;
	if (i < len && s[i] == '.') {
		dot = true;
		i++;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++, d2++;
	}
	if (!d1 && !d2)
		return false;
	if (!d1 && dot && !d2)
		return false;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		size_t d3 = 0;

		i++;
		if (i < len && (s[i] == '-' || s[i] == '+'))
			i++;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++, d3++;
		if (!d3)
			return false;
	}
	return i == len;
}

enum yt_stype yt_resolve_plain(const char *s, size_t len)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };
	static const char *const bools[] = { "true", "True", "TRUE", "false", "False", "FALSE" };
	static const char *const floats[] = { ".inf",  ".Inf",	".INF",	 "+.inf", "+.Inf", "+.INF",
					      "-.inf", "-.Inf", "-.INF", ".nan",  ".NaN",  ".NAN" };
	size_t i;

	for (i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
		if (len == strlen(nulls[i]) && !memcmp(s, nulls[i], len))
			return YT_S_NULL;
	for (i = 0; i < sizeof(bools) / sizeof(bools[0]); i++)
		if (len == strlen(bools[i]) && !memcmp(s, bools[i], len))
			return YT_S_BOOL;
	if (len > 2 && s[0] == '0' && s[1] == 'o' && all_digits(s + 2, len - 2, "01234567"))
		return YT_S_INT;
	if (len > 2 && s[0] == '0' && s[1] == 'x' &&
	    all_digits(s + 2, len - 2, "0123456789abcdefABCDEF"))
		return YT_S_INT;
	i = len && (s[0] == '-' || s[0] == '+');
	if (all_digits(s + i, len - i, "0123456789"))
		return YT_S_INT;
	if (is_float(s, len))
		return YT_S_FLOAT;
	for (i = 0; i < sizeof(floats) / sizeof(floats[0]); i++)
		if (len == strlen(floats[i]) && !memcmp(s, floats[i], len))
			return YT_S_FLOAT;
	return YT_S_STR;
}
