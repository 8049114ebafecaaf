// SPDX-License-Identifier: Apache-2.0
/* uriRegexRewrite's targets (rewrite.h): the one part of the rewrites that runs a
 * regex over the client's path, apart so that its fuzz target builds it alone. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "proxy/regex.h"
#include "proxy/rewrite.h"

struct out {
	char *p;
	size_t len, cap;
	bool full;
};

static void put(struct out *o, const char *p, size_t n)
{
	if (o->full || n > o->cap - o->len) {
		o->full = true;
		return;
	}
	memcpy(o->p + o->len, p, n);
	o->len += n;
}

/* Rewrite string rw for the match pm of subject s (RE2::Rewrite: \0..\9, \\). */
static void expand(struct out *o, const char *rw, const struct px_regex_groups *g,
		   const regmatch_t *pm, const char *s)
{
	for (const char *c = rw; *c; c++) {
		if (*c != '\\' || !c[1]) {
			put(o, c, 1);
			continue;
		}
		c++;
		if (*c >= '0' && *c <= '9') {
			unsigned int k = (unsigned int)(*c - '0');
			unsigned int e = k ? (k <= g->n ? g->map[k] : PX_REGEX_ERE_GROUPS) : 0;

			/* A group that took no part in the match adds nothing. */
			if (e < PX_REGEX_ERE_GROUPS && pm[e].rm_so >= 0)
				put(o, s + pm[e].rm_so, (size_t)(pm[e].rm_eo - pm[e].rm_so));
		} else {
			put(o, c, 1); /* "\\": a backslash */
		}
	}
}

int px_rewrite_regex(const struct px_regex_sub *rx, const char *rw, struct sl_str t, char *buf,
		     size_t cap)
{
	const char *qm = t.len ? memchr(t.p, '?', t.len) : NULL;
	struct sl_str path = { t.p, qm ? (size_t)(qm - t.p) : t.len };
	struct out o = { buf, 0, cap, false };
	regmatch_t pm[PX_REGEX_ERE_GROUPS];
	size_t p = 0, lastend = (size_t)-1;

	/* RE2::GlobalReplace: every match, left to right, none overlapping; an empty
	 * match where the last one ended is skipped by a character. REG_STARTEND searches
	 * path (not NUL-terminated) from p, with ^ only at its start. */
	while (p <= path.len) {
		pm[0].rm_so = (regoff_t)p;
		pm[0].rm_eo = (regoff_t)path.len;
		if (regexec(&rx->re, path.p ? path.p : "", PX_REGEX_ERE_GROUPS, pm, REG_STARTEND))
			break;
		put(&o, path.p + p, (size_t)pm[0].rm_so - p);
		if (pm[0].rm_so == pm[0].rm_eo && (size_t)pm[0].rm_so == lastend) {
			if ((size_t)pm[0].rm_so < path.len)
				put(&o, path.p + pm[0].rm_so, 1);
			p = (size_t)pm[0].rm_so + 1;
			continue;
		}
		expand(&o, rw, &rx->groups, pm, path.p);
		p = lastend = (size_t)pm[0].rm_eo;
	}
	if (p < path.len)
		put(&o, path.p + p, path.len - p);
	/* The query is kept; an empty path is no target: Envoy sends "/". */
	if (!o.len && !o.full)
		put(&o, "/", 1);
	put(&o, t.p ? t.p + path.len : "", t.len - path.len);
	if (o.full || o.len >= cap)
		return -ENOSPC;
	buf[o.len] = '\0';
	return (int)o.len;
}
