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
 * literal), POSIX bracket constructs RE2 reads otherwise ([=, [.), and, as RE2 refuses
 * them, a repetition of a repetition ("a**", "a{2}{3}") and counts over 1000. A pattern
 * whose repetitions would make regcomp() copy its parts more than 20000 times in all
 * (glibc copies x{n,m} m times, so nested repetitions multiply) is refused too: RE2
 * bounds its programs' size, and a short pattern must not take the agent's memory.
 *
 * Rewrites (uriRegexRewrite) search for the matches of a pattern instead, and use its
 * groups: the pattern is translated without anchors, compiled with its
 * subexpressions, and RE2's group numbers are mapped to the ERE's (an RE2 "(?:" is an
 * ERE group too, POSIX having no other kind). A search's matches depend on the
 * semantics where a full match does not: lazy quantifiers are refused there, and an
 * alternation finds POSIX's longest match where RE2 takes its first alternative that
 * matches ("a|ab" on "ab": RE2 "a", here "ab"); patterns without alternatives whose
 * matches overlap find the same matches.
 */
#ifndef SLUICE_PROXY_REGEX_H
#define SLUICE_PROXY_REGEX_H

#include <regex.h>
#include <stddef.h>

/* RE2 groups \1..\9 (what a rewrite can name) and the ERE groups a match reports. */
#define PX_REGEX_GROUPS 10
#define PX_REGEX_ERE_GROUPS 32

/* RE2 group k (1..n) is ERE group map[k]; map[0] is 0, the whole match. */
struct px_regex_groups {
	unsigned char map[PX_REGEX_GROUPS];
	unsigned int n; /* RE2 groups numbered, at most PX_REGEX_GROUPS - 1 */
};

/* A pattern compiled for a search. `re` comes first: regfree() and free() of the
 * struct's address free it (the snapshot's regex table holds both kinds). */
struct px_regex_sub {
	regex_t re;
	struct px_regex_groups groups;
};

/* Translates RE2 pattern re into an anchored ERE in out[0, cap). Returns 0, or
 * -EINVAL with what is not supported in why (e.g. "\b (word boundary)"), or -ENOSPC. */
int px_regex_translate(const char *re, char *out, size_t cap, char *why, size_t whylen);

/* Translates and compiles re into *out (free with regfree()). Returns 0, -EINVAL with
 * the reason in why, or -ENOMEM. */
int px_regex_compile(const char *re, regex_t *out, char *why, size_t whylen);

/* Translates RE2 pattern re for a search (no anchors added) into out[0, cap), with its
 * groups' map in *g. Returns as px_regex_translate() does. */
int px_regex_translate_search(const char *re, char *out, size_t cap, struct px_regex_groups *g,
			      char *why, size_t whylen);

/* Translates and compiles re for a search into *out (free with regfree(&out->re)).
 * Returns 0, -EINVAL with the reason in why, or -ENOMEM. */
int px_regex_compile_search(const char *re, struct px_regex_sub *out, char *why, size_t whylen);

#endif /* SLUICE_PROXY_REGEX_H */
