/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The RE2 patterns of VirtualService matches, matched with POSIX regexec(). Istio's
 * (Envoy's) regex matches are full matches of RE2 patterns; only whether a pattern
 * matches a whole value is asked here, which leftmost-first (RE2) and leftmost-longest
 * (POSIX) semantics answer alike. A pattern is translated to an ERE anchored at both
 * ends, "^(" pattern ")$", and compiled with REG_EXTENDED | REG_NOSUB.
 *
 * Supported: literals, ".", bracket expressions (POSIX classes such as [[:alpha:]],
 * and \d \w \s or an escaped punctuation character inside them), ^ $, |, groups
 * "(...)" and "(?:...)", the quantifiers * + ? {n} {n,} {n,m} and their lazy forms
 * (*? ...: a full match does not depend on laziness), \d \D \w \W \s \S, and a
 * backslash before any punctuation character (a literal). Refused, naming the
 * construct: flags ("(?i)"), named groups, \b \B \A \z, \p{..} \P{..} classes, \x
 * \Q..\E and other escapes, "{" that does not start a repetition (RE2 reads it as a
 * literal), and POSIX bracket constructs RE2 reads otherwise ([=, [.).
 */
#ifndef SLUICE_PROXY_REGEX_H
#define SLUICE_PROXY_REGEX_H

#include <regex.h>
#include <stddef.h>

/* Translates RE2 pattern re into an anchored ERE in out[0, cap). Returns 0, or
 * -EINVAL with what is not supported in why (e.g. "\b (word boundary)"), or -ENOSPC. */
int px_regex_translate(const char *re, char *out, size_t cap, char *why, size_t whylen);

/* Translates and compiles re into *out (free with regfree()). Returns 0, -EINVAL with
 * the reason in why, or -ENOMEM. */
int px_regex_compile(const char *re, regex_t *out, char *why, size_t whylen);

#endif /* SLUICE_PROXY_REGEX_H */
