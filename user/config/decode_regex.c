// SPDX-License-Identifier: Apache-2.0
/*
 * A syntax check of RE2 regular expressions, as Go's regexp.Compile (regexp/syntax with
 * the Perl flags) makes it: Istio validates VirtualService and DestinationRule regexes
 * that way and Envoy matches them with RE2. POSIX regcomp() is no substitute: it refuses
 * (?i) and (?:...), and takes \d, \pL, \x41 and a*? for something else than RE2 does.
 * Only the syntax is checked; nothing is compiled. Where Sluice is looser than Go: Unicode
 * script names in \p{...} are not looked up (any name of letters and '_' passes), and
 * the total program size of nested repetitions is not bounded.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/decode_int.h"

#define RE_MAX_REPEAT 1000 /* Go's maximum repetition count */
#define RE_MAX_DEPTH 1000 /* Go's maximum nesting */
#define RE_MAX_NAMES 256 /* distinct capture group names remembered */

struct re_state {
	const char *s;
	size_t i, n;
	const char *err; /* first error, NULL while there is none */
	size_t err_at; /* byte offset of the construct the error is about */
	size_t names[RE_MAX_NAMES][2]; /* offset and length of each group name */
	size_t nnames;
};

static bool re_fail(struct re_state *st, size_t at, const char *msg)
{
	if (!st->err) {
		st->err = msg;
		st->err_at = at;
	}
	return false;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alnum(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int hex_val(char c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One UTF-8 sequence at st->i (the decoder only passes valid UTF-8): its code point. */
static uint32_t re_rune(struct re_state *st)
{
	const unsigned char *p = (const unsigned char *)st->s + st->i;
	size_t len = *p < 0x80 ? 1 : *p < 0xe0 ? 2 : *p < 0xf0 ? 3 : 4;
	uint32_t r = len == 1 ? *p : *p & (0x7f >> len);
	size_t k;

	for (k = 1; k < len && st->i + k < st->n; k++)
		r = (r << 6) | (p[k] & 0x3f);
	st->i += k;
	return r;
}

/* Go's parseInt: decimal, no leading zero, saturating above 10^8 (always too big). */
static bool re_int(struct re_state *st, long *v)
{
	size_t start = st->i;

	if (st->i >= st->n || !is_digit(st->s[st->i]))
		return false;
	if (st->s[st->i] == '0' && st->i + 1 < st->n && is_digit(st->s[st->i + 1]))
		return false;
	*v = 0;
	while (st->i < st->n && is_digit(st->s[st->i])) {
		if (*v <= 100000000)
			*v = *v * 10 + (st->s[st->i] - '0');
		st->i++;
	}
	return st->i > start;
}

/*
 * {n}, {n,} or {n,m} at st->i ('{'). Returns 1 and the counts (*max -1 for none) when it
 * is one, with st->i past it; 0 when it is not (then '{' is a literal, as in Go).
 */
static int re_repeat_spec(struct re_state *st, long *min, long *max)
{
	size_t save = st->i;

	st->i++;
	if (!re_int(st, min))
		goto literal;
	if (st->i < st->n && st->s[st->i] == ',') {
		st->i++;
		if (st->i < st->n && st->s[st->i] == '}')
			*max = -1;
		else if (!re_int(st, max))
			goto literal;
	} else {
		*max = *min;
	}
	if (st->i >= st->n || st->s[st->i] != '}')
		goto literal;
	st->i++;
	return 1;
literal:
	st->i = save;
	return 0;
}

/* \p or \P at st->i (the backslash): a one-letter category or a braced name. */
static bool re_unicode_class(struct re_state *st)
{
	static const char *const cats[] = { "C",  "Cc", "Cf", "Co", "Cs", "L",	"Ll", "Lm", "Lo",
					    "Lt", "Lu", "M",  "Mc", "Me", "Mn", "N",  "Nd", "Nl",
					    "No", "P",	"Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps",
					    "S",  "Sc", "Sk", "Sm", "So", "Z",	"Zl", "Zp", "Zs" };
	size_t at = st->i, start, len, k;

	st->i += 2;
	if (st->i >= st->n)
		return re_fail(st, at, "invalid character class range");
	if (st->s[st->i] != '{') {
		/* One letter: a general category. */
		if (!strchr("CLMNPSZ", st->s[st->i]) || !st->s[st->i])
			return re_fail(st, at, "invalid character class range");
		st->i++;
		return true;
	}
	st->i++;
	if (st->i < st->n && st->s[st->i] == '^')
		st->i++;
	start = st->i;
	while (st->i < st->n && st->s[st->i] != '}')
		st->i++;
	if (st->i >= st->n)
		return re_fail(st, at, "invalid character class range");
	len = st->i - start;
	st->i++;
	for (k = 0; k < sizeof(cats) / sizeof(cats[0]); k++)
		if (strlen(cats[k]) == len && !memcmp(cats[k], st->s + start, len))
			return true;
	if (len == 3 && !memcmp(st->s + start, "Any", 3))
		return true;
	/* A script name (Greek, Old_Italic): not looked up, see the top of the file. */
	if (len < 2 || st->s[start] < 'A' || st->s[start] > 'Z')
		return re_fail(st, at, "invalid character class range");
	for (k = 0; k < len; k++) {
		char ch = st->s[start + k];

		if (!(ch >= 'a' && ch <= 'z') && !(ch >= 'A' && ch <= 'Z') && ch != '_')
			return re_fail(st, at, "invalid character class range");
	}
	return true;
}

/*
 * Go's parseEscape at st->i (the backslash): the escapes that stand for one character
 * (octal, hex, \a\f\n\r\t\v, escaped punctuation), its value in *r.
 */
static bool re_escape_char(struct re_state *st, uint32_t *r)
{
	size_t at = st->i;
	char ch;
	int k, h;

	st->i++;
	if (st->i >= st->n)
		return re_fail(st, at, "trailing backslash at end of expression");
	ch = st->s[st->i++];
	switch (ch) {
	case '1':
	case '2':
	case '3':
	case '4':
	case '5':
	case '6':
	case '7':
		/* A lone non-zero digit is a backreference, which RE2 does not have. */
		if (st->i >= st->n || st->s[st->i] < '0' || st->s[st->i] > '7')
			return re_fail(st, at, "backreferences are not supported (RE2)");
		/* fallthrough */
	case '0':
		*r = (uint32_t)(ch - '0');
		for (k = 1; k < 3 && st->i < st->n && st->s[st->i] >= '0' && st->s[st->i] <= '7';
		     k++)
			*r = *r * 8 + (uint32_t)(st->s[st->i++] - '0');
		return true;
	case 'x':
		if (st->i < st->n && st->s[st->i] == '{') {
			st->i++;
			*r = 0;
			for (k = 0; st->i < st->n && st->s[st->i] != '}'; k++) {
				h = hex_val(st->s[st->i++]);
				if (h < 0)
					return re_fail(st, at, "invalid escape sequence");
				*r = *r * 16 + (uint32_t)h;
				if (*r > 0x10ffff)
					return re_fail(st, at, "invalid escape sequence");
			}
			if (st->i >= st->n || !k)
				return re_fail(st, at, "invalid escape sequence");
			st->i++;
			return true;
		}
		if (st->i + 1 >= st->n || hex_val(st->s[st->i]) < 0 ||
		    hex_val(st->s[st->i + 1]) < 0)
			return re_fail(st, at, "invalid escape sequence");
		*r = (uint32_t)(hex_val(st->s[st->i]) * 16 + hex_val(st->s[st->i + 1]));
		st->i += 2;
		return true;
	case 'a':
		*r = 7;
		return true;
	case 'f':
		*r = 12;
		return true;
	case 'n':
		*r = 10;
		return true;
	case 'r':
		*r = 13;
		return true;
	case 't':
		*r = 9;
		return true;
	case 'v':
		*r = 11;
		return true;
	}
	/* Escaped ASCII punctuation stands for itself; letters and digits are reserved. */
	if ((unsigned char)ch < 0x80 && !is_alnum(ch)) {
		*r = (unsigned char)ch;
		return true;
	}
	return re_fail(st, at, "invalid escape sequence");
}

static bool re_perl_class(const struct re_state *st)
{
	return st->i + 1 < st->n && st->s[st->i] == '\\' && strchr("dDsSwW", st->s[st->i + 1]) &&
	       st->s[st->i + 1];
}

/* One character of a class (a rune or a one-character escape), its value in *r. */
static bool re_class_char(struct re_state *st, uint32_t *r)
{
	if (st->s[st->i] == '\\')
		return re_escape_char(st, r);
	*r = re_rune(st);
	return true;
}

/* [...] at st->i. */
static bool re_class(struct re_state *st)
{
	static const char *const posix[] = { "alnum", "alpha", "ascii", "blank", "cntrl",
					     "digit", "graph", "lower", "print", "punct",
					     "space", "upper", "word",	"xdigit" };
	size_t at = st->i, k;
	bool first = true;
	uint32_t lo, hi;

	st->i++;
	if (st->i < st->n && st->s[st->i] == '^')
		st->i++;
	for (;;) {
		if (st->i >= st->n)
			return re_fail(st, at, "missing closing ]");
		if (st->s[st->i] == ']' && !first) {
			st->i++;
			return true;
		}
		first = false;
		/* [:alpha:] and [:^alpha:] */
		if (st->s[st->i] == '[' && st->i + 1 < st->n && st->s[st->i + 1] == ':') {
			const char *end = strstr(st->s + st->i + 2, ":]");

			if (end) {
				const char *name = st->s + st->i + 2;
				size_t len;

				if (*name == '^')
					name++;
				len = (size_t)(end - name);
				for (k = 0; k < sizeof(posix) / sizeof(posix[0]); k++)
					if (strlen(posix[k]) == len && !memcmp(posix[k], name, len))
						break;
				if (k == sizeof(posix) / sizeof(posix[0]))
					return re_fail(st, st->i, "invalid character class range");
				st->i = (size_t)(end - st->s) + 2;
				continue;
			}
		}
		if (st->s[st->i] == '\\' && st->i + 1 < st->n &&
		    (st->s[st->i + 1] == 'p' || st->s[st->i + 1] == 'P')) {
			if (!re_unicode_class(st))
				return false;
			continue;
		}
		if (re_perl_class(st)) {
			st->i += 2;
			continue;
		}
		k = st->i;
		if (!re_class_char(st, &lo))
			return false;
		if (st->i + 1 < st->n && st->s[st->i] == '-' && st->s[st->i + 1] != ']') {
			st->i++;
			if (!re_class_char(st, &hi))
				return false;
			if (hi < lo)
				return re_fail(st, k, "invalid character class range");
		}
	}
}

/* (?P<name> or (?<name> at st->i (just past the '<'): the name and the closing '>'. */
static bool re_group_name(struct re_state *st, size_t at)
{
	size_t start = st->i, len, k;

	while (st->i < st->n && st->s[st->i] != '>') {
		if (!is_alnum(st->s[st->i]) && st->s[st->i] != '_')
			return re_fail(st, at, "invalid named capture");
		st->i++;
	}
	len = st->i - start;
	if (st->i >= st->n || !len)
		return re_fail(st, at, "invalid named capture");
	st->i++;
	for (k = 0; k < st->nnames; k++)
		if (st->names[k][1] == len && !memcmp(st->s + st->names[k][0], st->s + start, len))
			return re_fail(st, at, "duplicate capture group name");
	if (st->nnames < RE_MAX_NAMES) {
		st->names[st->nnames][0] = start;
		st->names[st->nnames][1] = len;
		st->nnames++;
	}
	return true;
}

/*
 * "(?" at st->i: a named group, a group with flags, or flags alone (imsU, '-' once).
 * *group tells whether a group was opened.
 */
static bool re_perl_group(struct re_state *st, bool *group)
{
	size_t at = st->i;
	bool neg = false, saw = false;

	st->i += 2;
	*group = false;
	if (st->i + 1 < st->n && st->s[st->i] == 'P' && st->s[st->i + 1] == '<') {
		st->i += 2;
		*group = true;
		return re_group_name(st, at);
	}
	if (st->i + 1 < st->n && st->s[st->i] == '<' && st->s[st->i + 1] != '=' &&
	    st->s[st->i + 1] != '!') {
		st->i++;
		*group = true;
		return re_group_name(st, at);
	}
	for (; st->i < st->n; st->i++) {
		switch (st->s[st->i]) {
		case 'i':
		case 'm':
		case 's':
		case 'U':
			saw = true;
			continue;
		case '-':
			if (neg)
				break;
			neg = true;
			saw = false;
			continue;
		case ':':
		case ')':
			if (neg && !saw)
				break;
			*group = st->s[st->i] == ':';
			st->i++;
			return true;
		}
		break;
	}
	/* Lookarounds, atomic groups, comments, (?P=name) and everything else. */
	return re_fail(st, at, "invalid or unsupported Perl syntax");
}

/* The whole expression; false with st->err set on the first error. */
static bool re_parse(struct re_state *st)
{
	bool atom = false, last_repeat = false, group;
	int depth = 0;
	long min, max;
	uint32_t r;
	size_t at;

	while (st->i < st->n) {
		at = st->i;
		switch (st->s[st->i]) {
		case '(':
			if (st->i + 1 < st->n && st->s[st->i + 1] == '?') {
				if (!re_perl_group(st, &group))
					return false;
				last_repeat = false;
				if (!group)
					continue; /* flags only: nothing to repeat is added */
			} else {
				st->i++;
			}
			if (++depth > RE_MAX_DEPTH)
				return re_fail(st, at, "expression nests too deeply");
			atom = false;
			last_repeat = false;
			continue;
		case ')':
			if (!depth)
				return re_fail(st, at, "unexpected )");
			depth--;
			st->i++;
			atom = true;
			last_repeat = false;
			continue;
		case '|':
			st->i++;
			atom = false;
			last_repeat = false;
			continue;
		case '*':
		case '+':
		case '?':
			st->i++;
			goto repeat;
		case '{':
			if (!re_repeat_spec(st, &min, &max)) {
				st->i++; /* a literal '{' */
				break;
			}
			if (min < 0 || min > RE_MAX_REPEAT || max > RE_MAX_REPEAT ||
			    (max >= 0 && min > max))
				return re_fail(st, at, "invalid repeat count");
			goto repeat;
		case '[':
			if (!re_class(st))
				return false;
			break;
		case '\\':
			if (st->i + 1 < st->n && strchr("AzbB", st->s[st->i + 1]) &&
			    st->s[st->i + 1]) {
				st->i += 2;
				break;
			}
			if (st->i + 1 < st->n && st->s[st->i + 1] == 'C')
				return re_fail(st, at, "invalid escape sequence");
			if (st->i + 1 < st->n && st->s[st->i + 1] == 'Q') {
				/* Literal text up to \E or the end. */
				const char *e = strstr(st->s + st->i + 2, "\\E");
				size_t end = e ? (size_t)(e - st->s) : st->n;

				if (end > st->i + 2)
					atom = true;
				st->i = e ? end + 2 : st->n;
				last_repeat = false;
				continue;
			}
			if (st->i + 1 < st->n &&
			    (st->s[st->i + 1] == 'p' || st->s[st->i + 1] == 'P')) {
				if (!re_unicode_class(st))
					return false;
				break;
			}
			if (re_perl_class(st)) {
				st->i += 2;
				break;
			}
			if (!re_escape_char(st, &r))
				return false;
			break;
		default:
			re_rune(st);
			break;
		}
		atom = true;
		last_repeat = false;
		continue;
	repeat:
		if (!atom)
			return re_fail(st, at, "missing argument to repetition operator");
		/* Perl does not stack repetitions: a** is an error, not a doubled star. */
		if (last_repeat)
			return re_fail(st, at, "invalid nested repetition operator");
		if (st->i < st->n && st->s[st->i] == '?')
			st->i++; /* non-greedy */
		last_repeat = true;
	}
	if (depth)
		return re_fail(st, st->n, "missing closing )");
	return true;
}

int d_regex(struct d_ctx *c, const struct yt_node *n, const char *re)
{
	struct re_state *st = calloc(1, sizeof(*st));
	const char *msg;
	size_t at;

	if (!st)
		return d_nomem(c);
	st->s = re;
	st->n = strlen(re);
	if (re_parse(st)) {
		free(st);
		return 0;
	}
	msg = st->err;
	at = st->err_at;
	free(st);
	return d_err(c, n, "\"%s\" is not a valid RE2 regular expression: %s at byte %zu", re, msg,
		     at);
}
