// SPDX-License-Identifier: Apache-2.0
/* RE2 patterns to anchored POSIX EREs (regex.h says what is supported, and why). */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
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

int px_regex_translate(const char *re, char *out, size_t cap, char *why, size_t whylen)
{
	struct rx_out o = { out, 0, cap, false };
	int ret;

	if (!cap)
		return -ENOSPC;
	out[0] = '\0';
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
		} else if (c == '[') {
			ret = bracket(re, &i, &o, why, whylen);
			if (ret)
				return ret;
		} else if (c == '(') {
			if (re[i + 1] == '?') {
				if (re[i + 2] != ':')
					return refuse(why, whylen, "(?flags) and named groups");
				i += 2;
			}
			putc1(&o, '(');
		} else if (c == '{') {
			size_t end;

			if (!repetition(re, i, &end))
				return refuse(why, whylen, "a { that does not start a repetition");
			for (; i <= end; i++)
				putc1(&o, re[i]);
			i--;
			if (re[i + 1] == '?')
				i++; /* lazy: the same full matches */
		} else if ((c == '*' || c == '+' || c == '?') && re[i + 1] == '?') {
			putc1(&o, c);
			i++;
		} else {
			putc1(&o, c);
		}
	}
	put(&o, ")$");
	return o.full ? -ENOSPC : 0;
}

int px_regex_compile(const char *re, regex_t *out, char *why, size_t whylen)
{
	size_t cap = strlen(re) * 12 + 8;
	char *ere = malloc(cap);
	int ret;

	if (!ere)
		return -ENOMEM;
	ret = px_regex_translate(re, ere, cap, why, whylen);
	if (!ret && regcomp(out, ere, REG_EXTENDED | REG_NOSUB)) {
		snprintf(why, whylen, "a pattern POSIX regcomp() does not take (as %s)", ere);
		ret = -EINVAL;
	}
	free(ere);
	return ret == -ENOSPC ? -ENOMEM : ret;
}
