// SPDX-License-Identifier: Apache-2.0
/* RE2 patterns to anchored POSIX EREs (regex.h says what is supported, and why). */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/regex.h"

struct rx_out {
	char *p;
	size_t len, cap;
	bool full;
};

static void put(struct rx_out *o, const char *s)
{
	size_t n = strlen(s);

	if (o->len + n >= o->cap) {
		o->full = true;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

static void putc1(struct rx_out *o, char c)
{
	char s[2] = { c, '\0' };

	put(o, s);
}

/* An ERE for a punctuation character taken literally outside brackets. */
static void put_literal(struct rx_out *o, char c)
{
	if (strchr(".[]()*+?{}|^$\\", c)) {
		char s[3] = { '\\', c, '\0' };

		put(o, s);
	} else {
		putc1(o, c);
	}
}

static int refuse(char *why, size_t whylen, const char *what)
{
	snprintf(why, whylen, "%s", what);
	return -EINVAL;
}

/* A class escape (\d \w \s, upper case negated) as an ERE bracket expression body. */
static const char *class_body(char c)
{
	switch (tolower((unsigned char)c)) {
	case 'd':
		return "0-9";
	case 'w':
		return "0-9A-Za-z_";
	case 's':
		return "[:space:]";
	default:
		return NULL;
	}
}

static int escape_refused(char c, char *why, size_t whylen)
{
	switch (c) {
	case 'b':
	case 'B':
		return refuse(why, whylen, "\\b and \\B (word boundaries)");
	case 'A':
	case 'z':
		return refuse(why, whylen, "\\A and \\z (text anchors)");
	case 'p':
	case 'P':
		return refuse(why, whylen, "\\p and \\P (Unicode classes)");
	case 'Q':
	case 'E':
		return refuse(why, whylen, "\\Q...\\E (literal text)");
	default:
		return refuse(why, whylen, "this escape sequence");
	}
}

/* A bracket expression starting at re[*i] == '['; copies it translated. */
static int bracket(const char *re, size_t *i, struct rx_out *o, char *why, size_t whylen)
{
	size_t j = *i + 1;

	putc1(o, '[');
	if (re[j] == '^') {
		putc1(o, '^');
		j++;
	}
	/* A ']' first is a literal in both dialects. */
	if (re[j] == ']') {
		putc1(o, ']');
		j++;
	}
	for (; re[j] && re[j] != ']'; j++) {
		if (re[j] == '[' && (re[j + 1] == '=' || re[j + 1] == '.'))
			return refuse(why, whylen, "[= and [. inside a bracket expression");
		if (re[j] == '[' && re[j + 1] == ':') {
			const char *end = strstr(re + j + 2, ":]");

			if (!end)
				return refuse(why, whylen, "an unterminated [: class");
			for (; re + j < end + 2; j++)
				putc1(o, re[j]);
			j--;
			continue;
		}
		if (re[j] == '\\') {
			char c = re[j + 1];
			const char *cb = class_body(c);

			if (cb && islower((unsigned char)c)) {
				put(o, cb);
			} else if (c && ispunct((unsigned char)c) && c != ']' && c != '-' &&
				   c != '^' && c != '[') {
				putc1(o, c);
			} else {
				return refuse(why, whylen,
					      "this escape inside a bracket expression");
			}
			j++;
			continue;
		}
		putc1(o, re[j]);
	}
	if (re[j] != ']')
		return refuse(why, whylen, "an unterminated bracket expression");
	putc1(o, ']');
	*i = j;
	return 0;
}

/* Whether re + i ("{" at re[i]) is a repetition {n}, {n,} or {n,m}; *end gets the
 * index of its "}". */
static bool repetition(const char *re, size_t i, size_t *end)
{
	size_t j = i + 1;

	if (!isdigit((unsigned char)re[j]))
		return false;
	while (isdigit((unsigned char)re[j]))
		j++;
	if (re[j] == ',') {
		j++;
		while (isdigit((unsigned char)re[j]))
			j++;
	}
	if (re[j] != '}')
		return false;
	*end = j;
	return true;
}

/* What regcomp() makes of a pattern grows with its repetitions: glibc copies the
 * repeated part once per count (x{2,1000}: a thousand copies of x, and x+ is xx*), so
 * nested repetitions multiply, and a short pattern can take all the memory there is
 * (RE2 bounds its programs' size instead). The copies are counted as the pattern is
 * translated, and a pattern over RX_MAX_COPIES refused before regcomp() sees it. As
 * RE2 does, a repetition of a repetition ("a**", "a{2}{3}") and counts over 1000 are
 * refused too. */
#define RX_MAX_COPIES 20000
#define RX_MAX_COUNT 1000
#define RX_DEPTH 32

struct rx_cost {
	uint64_t sum[RX_DEPTH]; /* copies in the group open at each depth so far */
	uint64_t last[RX_DEPTH]; /* those of its last item: what a repetition repeats */
	unsigned int depth;
	bool after_rep;
};

static uint64_t sat(uint64_t v)
{
	return v > RX_MAX_COPIES ? RX_MAX_COPIES + 1 : v;
}

static void cost_item(struct rx_cost *k, uint64_t n)
{
	k->sum[k->depth] = sat(k->sum[k->depth] + n);
	k->last[k->depth] = n;
	k->after_rep = false;
}

static int cost_open(struct rx_cost *k, char *why, size_t whylen)
{
	if (k->depth + 1 >= RX_DEPTH)
		return refuse(why, whylen, "groups nested too deep");
	k->depth++;
	k->sum[k->depth] = k->last[k->depth] = 0;
	k->after_rep = false;
	return 0;
}

static void cost_close(struct rx_cost *k)
{
	uint64_t n = k->depth ? k->sum[k->depth--] : 1;

	cost_item(k, n ? n : 1);
}

static int cost_rep(struct rx_cost *k, uint64_t times, char *why, size_t whylen)
{
	uint64_t l = k->last[k->depth];

	if (k->after_rep)
		return refuse(why, whylen, "a repetition of a repetition");
	if (times > RX_MAX_COUNT + 1)
		return refuse(why, whylen, "a repetition count over 1000");
	k->sum[k->depth] = sat(k->sum[k->depth] + l * (times ? times - 1 : 0));
	k->last[k->depth] = sat(l * (times ? times : 1));
	k->after_rep = true;
	if (k->sum[k->depth] > RX_MAX_COPIES)
		return refuse(why, whylen, "repetitions that make too large a pattern");
	return 0;
}

/* The copies repetition {n}, {n,} or {n,m} at re + i makes: n, n + 1, m. */
static uint64_t rep_times(const char *re, size_t i)
{
	char *end;
	unsigned long n = strtoul(re + i + 1, &end, 10), m = n + 1;

	if (*end == ',' && isdigit((unsigned char)end[1]))
		m = strtoul(end + 1, NULL, 10);
	else if (*end == '}')
		m = n;
	if (n > RX_MAX_COUNT || m > RX_MAX_COUNT + 1)
		return RX_MAX_COUNT + 2;
	return m > n ? m : n;
}

/* The translation: anchored at both ends for a full match, or (groups not NULL) as it
 * is for a search with the capture groups kept, groups->map[k] the ERE group of RE2
 * group k (an RE2 "(?:" becomes an ERE group too: POSIX has no other kind). */
static int translate(const char *re, char *out, size_t cap, struct px_regex_groups *groups,
		     char *why, size_t whylen)
{
	struct rx_out o = { out, 0, cap, false };
	unsigned int ere = 0, re2 = 0;
	struct rx_cost k = { 0 };
	int ret;

	if (!cap)
		return -ENOSPC;
	out[0] = '\0';
	if (groups)
		*groups = (struct px_regex_groups){ 0 };
	else
		put(&o, "^(");
	for (size_t i = 0; re[i]; i++) {
		char c = re[i];

		if (c == '\\') {
			char e = re[i + 1];
			const char *cb = class_body(e);

			if (cb) {
				put(&o, isupper((unsigned char)e) ? "[^" : "[");
				put(&o, cb);
				put(&o, "]");
			} else if (e && ispunct((unsigned char)e)) {
				put_literal(&o, e);
			} else {
				return escape_refused(e, why, whylen);
			}
			i++;
			cost_item(&k, 1);
		} else if (c == '[') {
			ret = bracket(re, &i, &o, why, whylen);
			if (ret)
				return ret;
			cost_item(&k, 1);
		} else if (c == '(') {
			bool capture = true;

			if (re[i + 1] == '?') {
				if (re[i + 2] != ':')
					return refuse(why, whylen, "(?flags) and named groups");
				i += 2;
				capture = false;
			}
			ret = cost_open(&k, why, whylen);
			if (ret)
				return ret;
			ere++;
			if (groups && capture && ++re2 < PX_REGEX_GROUPS) {
				groups->map[re2] = (unsigned char)ere;
				groups->n = re2;
			}
			putc1(&o, '(');
		} else if (c == '{') {
			size_t end;

			if (!repetition(re, i, &end))
				return refuse(why, whylen, "a { that does not start a repetition");
			ret = cost_rep(&k, rep_times(re, i), why, whylen);
			if (ret)
				return ret;
			for (; i <= end; i++)
				putc1(&o, re[i]);
			i--;
			if (re[i + 1] == '?') {
				/* Lazy: the same full matches, but not the same matches found
				 * by a search (POSIX's are the longest). */
				if (groups)
					return refuse(why, whylen, "a lazy quantifier");
				i++;
			}
		} else if (c == '*' || c == '+' || c == '?') {
			ret = cost_rep(&k, c == '+' ? 2 : 1, why, whylen);
			if (ret)
				return ret;
			if (re[i + 1] == '?') {
				if (groups)
					return refuse(why, whylen, "a lazy quantifier");
				i++;
			}
			putc1(&o, c);
		} else {
			if (c == ')') {
				cost_close(&k);
			} else if (c == '|') { /* nothing before it to repeat */
				k.last[k.depth] = 0;
				k.after_rep = false;
			} else {
				cost_item(&k, 1);
			}
			putc1(&o, c);
		}
	}
	if (!groups)
		put(&o, ")$");
	if (groups && ere >= PX_REGEX_ERE_GROUPS)
		return refuse(why, whylen, "too many groups");
	return o.full ? -ENOSPC : 0;
}

int px_regex_translate(const char *re, char *out, size_t cap, char *why, size_t whylen)
{
	return translate(re, out, cap, NULL, why, whylen);
}

int px_regex_translate_search(const char *re, char *out, size_t cap, struct px_regex_groups *g,
			      char *why, size_t whylen)
{
	return translate(re, out, cap, g, why, whylen);
}

static int compile(const char *re, regex_t *out, struct px_regex_groups *g, char *why,
		   size_t whylen)
{
	size_t cap = strlen(re) * 12 + 8;
	char *ere = malloc(cap);
	int ret;

	if (!ere)
		return -ENOMEM;
	ret = translate(re, ere, cap, g, why, whylen);
	if (!ret && regcomp(out, ere, REG_EXTENDED | (g ? 0 : REG_NOSUB))) {
		snprintf(why, whylen, "a pattern POSIX regcomp() does not take (as %s)", ere);
		ret = -EINVAL;
	}
	free(ere);
	return ret == -ENOSPC ? -ENOMEM : ret;
}

int px_regex_compile(const char *re, regex_t *out, char *why, size_t whylen)
{
	return compile(re, out, NULL, why, whylen);
}

int px_regex_compile_search(const char *re, struct px_regex_sub *out, char *why, size_t whylen)
{
	return compile(re, &out->re, &out->groups, why, whylen);
}
