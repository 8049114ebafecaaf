// SPDX-License-Identifier: Apache-2.0
/*
 * Values the L7 settings of VirtualServices and DestinationRules share: durations,
 * percentages, StringMatch, RegexRewrite and header manipulation, each with the rules
 * Istio's validation (pkg/config/validation) applies to it.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/decode_int.h"
#include "model/objects.h"

void d_key_pos(struct d_ctx *c, const struct yt_node *n, struct sl_pos *pos)
{
	pos->file = c->fname;
	pos->line = n->has_key ? n->kline : n->line;
	pos->col = n->has_key ? n->kcol : n->col;
}

/* ---- durations ---- */

#define NS_MAX ((uint64_t)INT64_MAX) /* Go's time.Duration is an int64 of nanoseconds */

/* The unit at *s (advanced past it), in nanoseconds; 0 when there is none it knows. */
static uint64_t duration_unit(const char **s)
{
	static const struct {
		const char *name;
		uint64_t ns;
	} units[] = {
		{ "ns", 1ull },		  { "us", 1000ull },
		{ "\xc2\xb5s", 1000ull }, /* U+00B5 micro sign */
		{ "\xce\xbcs", 1000ull }, /* U+03BC Greek small letter mu */
		{ "ms", 1000000ull },	  { "s", 1000000000ull },
		{ "m", 60000000000ull },  { "h", 3600000000000ull },
	};
	size_t i, len = 0;

	/* Go takes everything up to the next '.' or digit as the unit. */
	while ((*s)[len] && (*s)[len] != '.' && ((*s)[len] < '0' || (*s)[len] > '9'))
		len++;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strlen(units[i].name) == len && !memcmp(*s, units[i].name, len)) {
			*s += len;
			return units[i].ns;
		}
	return 0;
}

/* Go's time.ParseDuration for durations >= 0. Returns 0, -EINVAL (syntax), -ERANGE
 * (negative or beyond Go's ~292 years). */
static int parse_duration(const char *s, uint64_t *out)
{
	uint64_t total = 0;

	if (*s == '+')
		s++;
	else if (*s == '-')
		return -ERANGE;
	if (!strcmp(s, "0")) {
		*out = 0;
		return 0;
	}
	if (!*s)
		return -EINVAL;
	while (*s) {
		uint64_t v = 0, f = 0, unit;
		double scale = 1;
		bool pre = false, post = false;

		while (*s >= '0' && *s <= '9') {
			if (v > NS_MAX / 10)
				return -ERANGE;
			v = v * 10 + (uint64_t)(*s++ - '0');
			if (v > NS_MAX)
				return -ERANGE;
			pre = true;
		}
		if (*s == '.') {
			s++;
			while (*s >= '0' && *s <= '9') {
				/* As Go: digits beyond what fits are dropped, not an error. */
				if (f <= (NS_MAX - 9) / 10) {
					f = f * 10 + (uint64_t)(*s - '0');
					scale *= 10;
				}
				s++;
				post = true;
			}
		}
		if (!pre && !post)
			return -EINVAL;
		unit = duration_unit(&s);
		if (!unit)
			return -EINVAL;
		if (v > NS_MAX / unit)
			return -ERANGE;
		v *= unit;
		if (f) {
			v += (uint64_t)((double)f * ((double)unit / scale));
			if (v > NS_MAX)
				return -ERANGE;
		}
		total += v;
		if (total > NS_MAX)
			return -ERANGE;
	}
	*out = total;
	return 0;
}

int d_duration(struct d_ctx *c, const struct yt_node *n, uint64_t *ns)
{
	const char *s = NULL;
	int r;

	r = d_str(c, n, &s);
	if (r)
		return r;
	r = parse_duration(s, ns);
	if (r == -ERANGE && s[0] == '-')
		return d_err(c, n, "\"%s\": a duration cannot be negative", s);
	if (r == -ERANGE)
		return d_err(c, n, "\"%s\" is out of range (at most 2562047h)", s);
	if (r)
		return d_err(c, n,
			     "\"%s\" is not a duration (numbers with units: 1h, 5m, 1.5s, 100ms, "
			     "250us, 10ns)",
			     s);
	return 0;
}

int f_duration(struct d_ctx *c, const struct yt_node *map, const char *key, enum d_dur_rule rule,
	       uint64_t *ns, bool *set)
{
	const struct yt_node *v = d_get(map, key);
	size_t mark;
	uint64_t d = 0;
	int r;

	if (!v)
		return 0;
	mark = d_push_key(c, key);
	r = d_duration(c, v, &d);
	if (!r && rule != D_DUR_ANY && !(rule == D_DUR_MS_OR_ZERO && !d)) {
		if (d < 1000000)
			r = d_err(c, v, "%s is too short: a duration must be at least 1ms", v->str);
		else if (d % 1000000)
			r = d_err(c, v, "%s: only whole milliseconds are supported (Istio's rule)",
				  v->str);
	}
	d_pop(c, mark);
	if (r)
		return r;
	*ns = d;
	if (set)
		*set = true;
	return 0;
}

/* ---- numbers ---- */

int d_double(struct d_ctx *c, const struct yt_node *n, double *out)
{
	char *end;
	double v;

	if (n->type != YT_SCALAR || (n->stype != YT_S_INT && n->stype != YT_S_FLOAT))
		return d_err(c, n, "expected a number, got %s", d_type_name(n));
	/* Plain decimal only, as d_int(): hexadecimal and octal integers are refused. */
	if (strpbrk(n->str, "xXoO"))
		return d_err(c, n, "expected a decimal number, got %s", n->str);
	v = strtod(n->str, &end);
	if (*end || !isfinite(v))
		return d_err(c, n, "expected a finite decimal number, got %s", n->str);
	*out = v;
	return 0;
}

int f_percent(struct d_ctx *c, const struct yt_node *map, const char *key, struct sl_percent *out)
{
	static const char *const percent_keys[] = { "value", NULL };
	const struct yt_node *v = d_get(map, key), *val;
	size_t mark, m2;
	double d = 0;
	int r;

	if (!v)
		return 0;
	mark = d_push_key(c, key);
	r = d_want_map(c, v);
	if (!r)
		r = d_check_keys(c, v, percent_keys);
	val = r ? NULL : d_get(v, "value");
	if (val) {
		m2 = d_push_key(c, "value");
		r = d_double(c, val, &d);
		/* Istio: 0, or 0.0001 to 100 (Envoy counts in millionths). */
		if (!r && (d < 0 || d > 100 || (d > 0 && d < 0.0001)))
			r = d_err(c, val, "%s is neither 0 nor in the range 0.0001-100", val->str);
		d_pop(c, m2);
	}
	d_pop(c, mark);
	if (r)
		return r;
	out->set = true;
	out->value = d;
	return 0;
}

/* ---- StringMatch and RegexRewrite ---- */

int d_str_match(struct d_ctx *c, const struct yt_node *n, struct sl_str_match *m)
{
	static const char *const sm_keys[] = { "exact", "prefix", "regex", NULL };
	static const enum sl_str_match_kind kinds[] = { SL_SM_EXACT, SL_SM_PREFIX, SL_SM_REGEX };
	const struct yt_node *v = NULL;
	size_t i, which = 0, mark;
	int r;

	r = d_want_map(c, n);
	if (!r)
		r = d_check_keys(c, n, sm_keys);
	if (r)
		return r;
	for (i = 0; i < 3; i++) {
		const struct yt_node *x = d_get(n, sm_keys[i]);

		if (!x)
			continue;
		if (v) {
			mark = d_push_key(c, sm_keys[i]);
			r = d_err_key(c, x, "only one of exact, prefix and regex can be set");
			d_pop(c, mark);
			return r;
		}
		v = x;
		which = i;
	}
	if (!v) {
		m->kind = SL_SM_ANY;
		return 0;
	}
	mark = d_push_key(c, sm_keys[which]);
	r = d_strdup(c, v, &m->value);
	if (!r && kinds[which] == SL_SM_REGEX)
		r = d_regex(c, v, m->value);
	d_pop(c, mark);
	if (!r)
		m->kind = kinds[which];
	return r;
}

int f_regex_rewrite(struct d_ctx *c, const struct yt_node *map, const char *key,
		    struct sl_regex_rewrite *rw)
{
	static const char *const rw_keys[] = { "match", "rewrite", NULL };
	const struct yt_node *v = d_get(map, key);
	size_t mark, m2;
	int r;

	if (!v)
		return 0;
	mark = d_push_key(c, key);
	r = d_want_map(c, v);
	if (!r)
		r = d_check_keys(c, v, rw_keys);
	if (!r)
		r = f_str(c, v, "match", true, &rw->match);
	if (!r)
		r = f_str(c, v, "rewrite", true, &rw->rewrite);
	if (!r && (!rw->match[0] || !rw->rewrite[0]))
		r = d_err(c, v, "both match and rewrite must be non-empty");
	if (!r) {
		m2 = d_push_key(c, "match");
		r = d_regex(c, d_get(v, "match"), rw->match);
		d_pop(c, m2);
	}
	d_pop(c, mark);
	return r;
}

/* ---- headers ---- */

bool d_header_name_ok(const char *s)
{
	static const char tchars[] = "!#$%&'*+-.^_`|~";
	size_t i;

	if (!s[0])
		return false;
	for (i = 0; s[i]; i++) {
		char ch = s[i];

		if (!(ch >= '0' && ch <= '9') && !(ch >= 'a' && ch <= 'z') &&
		    !(ch >= 'A' && ch <= 'Z') && !strchr(tchars, ch))
			return false;
	}
	return true;
}

static bool is_authority(const char *name)
{
	return !strcasecmp(name, ":authority") || !strcasecmp(name, "host");
}

/*
 * A header operation's name: request set/add may name the authority (":authority" or
 * "host", a rewrite of it); nothing else may start with ':' or be "host".
 */
static int header_op_name(struct d_ctx *c, const struct yt_node *k, bool request_set)
{
	const char *s = k->str;

	if (request_set && is_authority(s))
		return 0;
	if (s[0] == ':')
		return d_err(c, k, "\"%s\": pseudo-headers (':') cannot be changed", s);
	if (!strcasecmp(s, "host"))
		return d_err(c, k, "the Host header cannot be changed here");
	if (!d_header_name_ok(s))
		return d_err(c, k, "\"%s\" is not a valid HTTP header name", s);
	return 0;
}

/* Envoy's header value syntax: no control characters but tab; '%' starts a %VARIABLE%
 * that must be closed, and "%%" is a literal '%'. */
static int header_value(struct d_ctx *c, const struct yt_node *v, const char *s)
{
	const char *p;

	for (p = s; *p; p++)
		if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f)
			return d_err(c, v, "header values cannot hold control characters");
	for (p = s; (p = strchr(p, '%'));) {
		if (p[1] == '%') {
			p += 2;
			continue;
		}
		p = strchr(p + 1, '%');
		if (!p)
			return d_err(
				c, v,
				"\"%s\": an unclosed %% variable (write %%%% for a literal %%)", s);
		p++;
	}
	return 0;
}

/* set or add: a map of header name -> value. */
static int header_map(struct d_ctx *c, const struct yt_node *map, bool request,
		      struct sl_label **out, size_t *n)
{
	size_t i, mark;
	int r;

	r = d_want_map(c, map);
	if (r || !map->n)
		return r;
	*out = calloc(map->n, sizeof(**out));
	if (!*out)
		return d_nomem(c);
	for (i = 0; !r && i < map->n; i++) {
		const struct yt_node *k = map->items[2 * i], *v = map->items[2 * i + 1];
		struct sl_label *l = &(*out)[*n];

		mark = d_push_label(c, k->str);
		r = header_op_name(c, k, request);
		if (!r) {
			l->key = strdup(k->str);
			r = l->key ? 0 : d_nomem(c);
		}
		if (!r)
			(*n)++;
		/* A null value is "" (protobuf's map<string, string>). */
		if (!r && d_is_null(v)) {
			l->value = strdup("");
			if (!l->value)
				r = d_nomem(c);
		} else if (!r) {
			r = d_strdup(c, v, &l->value);
		}
		if (!r)
			r = header_value(c, v, l->value);
		d_pop(c, mark);
	}
	return r;
}

static int header_ops(struct d_ctx *c, const struct yt_node *n, bool request,
		      struct sl_header_ops *ops)
{
	static const char *const ops_keys[] = { "set", "add", "remove", NULL };
	const struct yt_node *v;
	size_t i, mark, m2;
	int r;

	r = d_want_map(c, n);
	if (!r)
		r = d_check_keys(c, n, ops_keys);
	if (r)
		return r;
	v = d_get(n, "set");
	if (v) {
		mark = d_push_key(c, "set");
		r = header_map(c, v, request, &ops->set, &ops->nset);
		d_pop(c, mark);
	}
	v = r ? NULL : d_get(n, "add");
	if (v) {
		mark = d_push_key(c, "add");
		r = header_map(c, v, request, &ops->add, &ops->nadd);
		d_pop(c, mark);
	}
	v = r ? NULL : d_get(n, "remove");
	if (!v)
		return r;
	mark = d_push_key(c, "remove");
	r = d_want_seq(c, v);
	if (!r && v->n) {
		ops->remove = calloc(v->n, sizeof(*ops->remove));
		if (!ops->remove)
			r = d_nomem(c);
	}
	for (i = 0; !r && i < v->n; i++) {
		m2 = d_push_idx(c, i);
		r = d_strdup(c, v->items[i], &ops->remove[i]);
		if (!r) {
			ops->nremove++;
			r = header_op_name(c, v->items[i], false);
		}
		d_pop(c, m2);
	}
	d_pop(c, mark);
	return r;
}

/* Where the request rewrites the authority: rewrite.authority, then set and add. */
static int authority_once(struct d_ctx *c, const struct yt_node *n, const char *authority,
			  const struct sl_header_ops *ops)
{
	const char *cur = authority;
	size_t i;

	for (i = 0; i < ops->nset + ops->nadd; i++) {
		const struct sl_label *l = i < ops->nset ? &ops->set[i] : &ops->add[i - ops->nset];

		if (!is_authority(l->key))
			continue;
		if (cur)
			return d_err(c, n,
				     "the authority is rewritten twice (\"%s\" and \"%s\"); write "
				     "it in one place",
				     cur, l->value);
		cur = l->value;
	}
	return 0;
}

int d_headers(struct d_ctx *c, const struct yt_node *n, const char *authority, struct sl_headers *h)
{
	static const char *const headers_keys[] = { "request", "response", NULL };
	const struct yt_node *v;
	size_t mark;
	int r;

	r = d_want_map(c, n);
	if (!r)
		r = d_check_keys(c, n, headers_keys);
	if (r)
		return r;
	v = d_get(n, "request");
	if (v) {
		mark = d_push_key(c, "request");
		r = header_ops(c, v, true, &h->request);
		if (!r)
			r = authority_once(c, v, authority, &h->request);
		d_pop(c, mark);
	}
	v = r ? NULL : d_get(n, "response");
	if (v) {
		mark = d_push_key(c, "response");
		r = header_ops(c, v, false, &h->response);
		d_pop(c, mark);
	}
	return r;
}
