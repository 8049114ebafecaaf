// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for request path normalization (user/proxy/path_norm.h), which reads
 * the request-target of every client. Beyond "no crash, no UB" it checks the contracts
 * that make the policy's path the backend's, and abort()s when one breaks:
 *  - the result is never longer than the input, and in place equals out of place;
 *  - the query is kept byte for byte;
 *  - a normalized path starts with "/", has no "." or ".." segment, no "//", no
 *    backslash, no escape of an unreserved character, of '/', '\\' or NUL, and every
 *    escape is two upper-case hex digits;
 *  - normalizing again changes nothing (no double decoding can reopen a bypass).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/path_norm.h"

static int hexv(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static void check_path(const char *p, size_t n)
{
	if (!n || p[0] != '/')
		abort();
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\\' || (p[i] == '/' && i + 1 < n && p[i + 1] == '/'))
			abort();
		if (p[i] == '/') {
			size_t j = i + 1;

			while (j < n && p[j] != '/')
				j++;
			if ((j - i - 1 == 1 && p[i + 1] == '.') ||
			    (j - i - 1 == 2 && p[i + 1] == '.' && p[i + 2] == '.'))
				abort();
		}
		if (p[i] == '%') {
			int hi, lo, v;

			if (i + 2 >= n)
				abort();
			hi = hexv(p[i + 1]);
			lo = hexv(p[i + 2]);
			if (hi < 0 || lo < 0)
				abort();
			v = hi * 16 + lo;
			if (!v || v == '/' || v == '\\' || (v >= 'a' && v <= 'z') ||
			    (v >= 'A' && v <= 'Z') || (v >= '0' && v <= '9') || v == '-' ||
			    v == '.' || v == '_' || v == '~')
				abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = malloc(size + 1), *out = malloc(size + 1), *again = malloc(size + 1);
	const char *why, *q;
	size_t plen, plen2;
	long n, m;

	if (!in || !out || !again)
		abort();
	memcpy(in, data, size);
	n = px_path_normalize(in, size, out, size, &plen, &why);
	/* In place must give the same. */
	m = px_path_normalize(in, size, in, size, &plen2, &why);
	if (n != m || (n >= 0 && (plen != plen2 || memcmp(in, out, (size_t)n))))
		abort();
	if (n == -EINVAL && !why)
		abort();
	if (n < 0)
		goto out;
	if ((size_t)n > size || plen > (size_t)n)
		abort();
	q = memchr(data, '?', size);
	if (q && ((size_t)n - plen != size - (size_t)(q - (const char *)data) ||
		  memcmp(out + plen, q, (size_t)n - plen)))
		abort();
	if (plen && out[0] == '/') {
		check_path(out, plen);
		m = px_path_normalize(out, (size_t)n, again, size, &plen2, &why);
		if (m != n || memcmp(again, out, (size_t)n))
			abort();
	}
out:
	free(in);
	free(out);
	free(again);
	return 0;
}
