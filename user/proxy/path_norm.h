/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Request path normalization: the one form of a path that authorization policies check,
 * routes match and the backend receives, so that no spelling of a path reaches a
 * backend as one thing while a policy saw another (CVE-2021-31920).
 *
 * Istio's default (meshConfig.pathNormalization BASE: Envoy's normalize_path, RFC 3986
 * with backslashes as slashes) plus two choices that close what BASE leaves open:
 *
 *  1. Percent-escapes are decoded once (never twice: "%252e" stays "%252E"): an
 *     escaped unreserved character (ALPHA, DIGIT, "-", ".", "_", "~") becomes the
 *     character, every other escape is kept with its hex digits in upper case.
 *     "%00" and malformed escapes ("%zz", "%4", a trailing "%") are refused.
 *  2. Escaped slashes and backslashes ("%2F", "%5C", any case) are refused (400):
 *     Envoy's path_with_escaped_slashes_action REJECT_REQUEST. Istio's BASE keeps them
 *     (KEEP_UNCHANGED), so "/admin%2Fusers" is not "/admin/..." to a policy while many
 *     servers decode it into exactly that; decoding them (Istio's
 *     DECODE_AND_MERGE_SLASHES) changes what applications that use them mean.
 *  3. Backslashes become slashes (Envoy's BASE does it too).
 *  4. Dot segments are removed (RFC 3986 section 5.2.4), never above the root:
 *     "/a/../b" is "/b", "/a/./b" is "/a/b", "/.." is "/", "/a/.." is "/".
 *  5. Runs of slashes are merged, after 4 (Istio's MERGE_SLASHES, its advice
 *     against CVE-2021-31920): "//admin" and "/public//../admin" are "/admin".
 *
 * The query (from the first "?") is kept byte for byte and is no part of the path a
 * policy checks. A fragment ("#"), control characters, space and bytes above 0x7e are
 * refused: a request-target never carries them (the HTTP/1.1 parser refuses them
 * first). Only a path that starts with "/" is normalized; "*" (a server-wide OPTIONS)
 * and an empty one are left alone.
 */
#ifndef SLUICE_PROXY_PATH_NORM_H
#define SLUICE_PROXY_PATH_NORM_H

#include <stddef.h>

#include "proxy/http1-t.h"

/*
 * Normalizes the request path in[0, len) (path and query) into out[0, cap): out may be
 * in (the normalized path is never longer than the input, and every byte is read before
 * it is written over). Returns the length written, with the path part's length (no
 * query) in *path_len; -EINVAL for a path to refuse (400), with a short reason in
 * *why; -ENOSPC when out is too small.
 */
long px_path_normalize(const char *in, size_t len, char *out, size_t cap, size_t *path_len,
		       const char **why);

/* Normalizes the path of request head h where it was received (the buffer its slices
 * point into, which the caller owns), and shortens h's path (and for an origin-form
 * target, the target) to match. A path that is normal already is not written to (it may
 * be the parser's constant "/"). Returns 0, or -EINVAL with *why: answer 400. */
int px_head_normalize_path(struct sl_h1_head *h, const char **why);

#endif /* SLUICE_PROXY_PATH_NORM_H */
