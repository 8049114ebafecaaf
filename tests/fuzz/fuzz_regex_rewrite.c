// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for uriRegexRewrite (user/proxy/rewrite.h, regex.h): the pattern's
 * translation and compilation for a search, then the rewrite of a path, which is the
 * client's. Input: the pattern, "\n", the rewrite string, "\n", the request target.
 * Beyond "no crash, no UB" it checks, and abort()s when one breaks:
 *  - a refused pattern says why;
 *  - a rewrite fits the buffer or says -ENOSPC, and is NUL-terminated at its length;
 *  - the query is kept byte for byte at the end, and the path part is never empty;
 *  - a pattern that cannot match the path (a literal absent from it) leaves it as it is.
 */
#include <errno.h>
#include <regex.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/regex.h"
#include "proxy/rewrite.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *d = (const char *)data, *nl1, *nl2, *q;
	char *pat, *rw, *tgt, why[160] = "", out[1024];
	struct px_regex_sub rx;
	struct sl_str t;
	size_t tlen;
	int n;

	nl1 = memchr(d, '\n', size);
	if (!nl1 || memchr(d, '\0', size))
		return 0;
	nl2 = memchr(nl1 + 1, '\n', size - (size_t)(nl1 + 1 - d));
	if (!nl2)
		return 0;
	pat = strndup(d, (size_t)(nl1 - d));
	rw = strndup(nl1 + 1, (size_t)(nl2 - nl1 - 1));
	/* The target is searched with REG_STARTEND, which needs no NUL; the sanitizer's
	 * regexec() interceptor reads to one all the same. */
	tgt = strndup(nl2 + 1, size - (size_t)(nl2 + 1 - d));
	if (!pat || !rw || !tgt)
		abort();
	t = (struct sl_str){ tgt, size - (size_t)(nl2 + 1 - d) };
	n = px_regex_compile_search(pat, &rx, why, sizeof(why));
	if (n == -EINVAL && !why[0])
		abort();
	if (n)
		goto out;
	/* A small buffer too, so that -ENOSPC is taken as often as the rest. */
	for (size_t cap = t.len % 2 ? 16 : sizeof(out); cap; cap = 0) {
		n = px_rewrite_regex(&rx, rw, t, out, cap);
		if (n == -ENOSPC)
			continue;
		if (n < 0 || (size_t)n >= cap || out[n] != '\0')
			abort();
		q = memchr(t.p, '?', t.len);
		tlen = q ? t.len - (size_t)(q - t.p) : 0;
		if ((size_t)n < tlen + 1 || memcmp(out + n - tlen, q ? q : "", tlen))
			abort();
		/* "\x01" is never in a target here (it is not in a pattern that matches it:
		 * the path has none), so nothing changes. */
		if (!strcmp(pat, "\x01") && !memchr(t.p, 1, t.len) && t.len && t.p[0] != '?' &&
		    ((size_t)n != t.len || memcmp(out, t.p, t.len)))
			abort();
	}
	regfree(&rx.re);
out:
	free(tgt);
	free(pat);
	free(rw);
	return 0;
}
