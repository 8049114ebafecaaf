// SPDX-License-Identifier: Apache-2.0
/* Request path normalization (path_norm.h). */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "proxy/path_norm.h"

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* p[i] = c, without writing when it holds c already: a path that needs no change is
 * never written to (a parser may hand out a constant "/" for an absolute-form target
 * without a path). */
static inline void put(char *p, size_t i, char c)
{
	if (p[i] != c)
		p[i] = c;
}

static bool unreserved(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

/* Step 1 and 3 on p[0, n) in place; returns the new length, or -EINVAL with *why. */
static long decode(char *p, size_t n, const char **why)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t r, w = 0;

	for (r = 0; r < n; r++) {
		unsigned char c = (unsigned char)p[r];
		int hi, lo, v;

		if (c <= 0x20 || c >= 0x7f || c == '#') {
			*why = c == '#' ? "fragment in the path" : "invalid byte in the path";
			return -EINVAL;
		}
		if (c == '\\') {
			put(p, w++, '/');
			continue;
		}
		if (c != '%') {
			put(p, w++, (char)c);
			continue;
		}
		if (n - r < 3 || (hi = hexval((unsigned char)p[r + 1])) < 0 ||
		    (lo = hexval((unsigned char)p[r + 2])) < 0) {
			*why = "malformed percent-escape in the path";
			return -EINVAL;
		}
		v = hi * 16 + lo;
		r += 2;
		if (!v) {
			*why = "%00 in the path";
			return -EINVAL;
		}
		if (v == '/' || v == '\\') {
			*why = "escaped slash or backslash (%2F, %5C) in the path";
			return -EINVAL;
		}
		if (unreserved((unsigned char)v)) {
			put(p, w++, (char)v);
		} else {
			put(p, w++, '%');
			put(p, w++, hex[hi]);
			put(p, w++, hex[lo]);
		}
	}
	return (long)w;
}

/* Step 4 on p[0, n) (starts with "/") in place; returns the new length. */
static size_t remove_dots(char *p, size_t n)
{
	size_t i = 0, o = 0;

	while (i < n) {
		/* p[i] is '/': the segment is p[i + 1, j). */
		const char *slash = memchr(p + i + 1, '/', n - i - 1);
		size_t j = slash ? (size_t)(slash - p) : n, sl = j - i - 1;
		bool last = j == n;

		if (sl == 1 && p[i + 1] == '.') {
			if (last)
				p[o++] = '/';
		} else if (sl == 2 && p[i + 1] == '.' && p[i + 2] == '.') {
			while (o > 0 && p[--o] != '/')
				;
			if (last)
				p[o++] = '/';
		} else {
			if (o != i)
				memmove(p + o, p + i, j - i);
			o += j - i;
		}
		i = j;
	}
	if (!o)
		p[o++] = '/';
	return o;
}

/* Step 5 on p[0, n) in place; returns the new length. */
static size_t merge_slashes(char *p, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++)
		if (p[i] != '/' || !o || p[o - 1] != '/')
			put(p, o++, p[i]);
	return o;
}

long px_path_normalize(const char *in, size_t len, char *out, size_t cap, size_t *path_len,
		       const char **why)
{
	const char *q = memchr(in, '?', len);
	size_t plen = q ? (size_t)(q - in) : len, qlen = len - plen, n;
	long d;

	*why = NULL;
	if (cap < len)
		return -ENOSPC;
	if (out != in && len)
		memmove(out, in, len);
	if (!plen || out[0] != '/') {
		/* "*", or a query without a path: nothing to normalize, nothing to check. */
		*path_len = plen;
		return (long)len;
	}
	d = decode(out, plen, why);
	if (d < 0)
		return d;
	n = merge_slashes(out, remove_dots(out, (size_t)d));
	*path_len = n;
	if (n != plen)
		memmove(out + n, out + plen, qlen);
	return (long)(n + qlen);
}

int px_head_normalize_path(struct sl_h1_head *h, const char **why)
{
	struct sl_str *path = &h->msg.path;
	bool same = h->target.p == path->p && h->target.len == path->len;
	size_t plen;
	long n;

	*why = NULL;
	if (!path->len || path->p[0] != '/')
		return 0;
	/* The received bytes are the caller's and only get shorter: written in place. */
	n = px_path_normalize(path->p, path->len, (char *)path->p, path->len, &plen, why);
	if (n < 0)
		return -EINVAL;
	path->len = (size_t)n;
	if (same)
		h->target.len = (size_t)n;
	return 0;
}
