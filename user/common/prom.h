/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A writer for the Prometheus text exposition format, version 0.0.4
 * (Content-Type: text/plain; version=0.0.4).
 *
 * The format requires every family to appear once, as "# HELP" and "# TYPE" followed by
 * all of its samples. Callers add samples in whatever order their data comes in (per
 * service, per workload, ...), so each family keeps its own buffer of sample lines and
 * sl_prom_finish() writes the families out in the order they were first declared, which
 * keeps the output stable and lets the caller group related metrics. Families are looked
 * up by a linear scan: an agent exports tens of families, not thousands.
 *
 * Usage:
 *	struct sl_prom p;
 *	sl_prom_init(&p);
 *	sl_prom_family(&p, "x_total", "counter", "Things done.");
 *	sl_prom_sample(&p, "x_total", labels, 2, 42);
 *	err = sl_prom_finish(&p, out);
 *	sl_prom_free(&p);
 */
#ifndef SLUICE_PROM_H
#define SLUICE_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

struct sl_prom_label {
	const char *name; /* [a-zA-Z_][a-zA-Z0-9_]*, not starting with "__" */
	const char *value; /* any UTF-8; escaped on output; NULL is written as "" */
};

enum sl_prom_type {
	SL_PROM_COUNTER,
	SL_PROM_GAUGE,
	SL_PROM_HISTOGRAM,
};

struct sl_prom_family {
	char *name;
	char *help; /* already escaped for a HELP line */
	enum sl_prom_type type;
	struct sl_buf lines; /* this family's sample lines, in the order added */
};

struct sl_prom {
	struct sl_prom_family *fams;
	size_t nfams, cap;
	/* First allocation failure; sticky, because a sample line may have been cut
	 * short and the output would no longer parse. Returned by sl_prom_finish(). */
	int err;
};

void sl_prom_init(struct sl_prom *p);

/*
 * Declares family `name` of type "counter", "gauge" or "histogram" with help text
 * `help` (any text; NULL: no HELP line). Counters should be named with the "_total"
 * suffix (promtool's lint asks for it); samples are then added under that same name.
 * Declaring an existing family again with the same type is a no-op returning 0, so a
 * render function may declare inside its loops; the first help text is kept.
 * Returns 0, -EINVAL (bad name or type), -EEXIST (same name, other type, or a name a
 * histogram's _bucket/_sum/_count lines already use), -ENOMEM.
 */
int sl_prom_family(struct sl_prom *p, const char *name, const char *type, const char *help);

/*
 * Adds one counter or gauge sample to family `name` (declared before), with labels in
 * the order given. Integral values up to 2^53 are written as integers ("1000000"), other
 * finite values with the fewest digits that read back to the same double, and NaN,
 * +Inf, -Inf as the format spells them. Nothing is written on error.
 * The caller must not add two samples with the same label set (it is not checked).
 * Returns 0, -ENOENT (family not declared), -EINVAL (histogram family, invalid or
 * duplicated label name), -ENOMEM.
 */
int sl_prom_sample(struct sl_prom *p, const char *name, const struct sl_prom_label *labels,
		   size_t nlabels, double value);

/*
 * Adds one histogram (one label set) to histogram family `name`: bucket_counts[i] is the
 * number of observations v with bounds[i-1] < v <= bounds[i] (per bucket, not
 * cumulative); observations above the last bound are count minus their sum. Writes
 * cumulative name_bucket{...,le="b"} lines for every bound and le="+Inf" (= count),
 * then name_sum and name_count. bounds must be finite and strictly increasing;
 * nbuckets may be 0 (only the +Inf bucket). Labels must not include "le".
 * Returns 0, -ENOENT, -EINVAL (not a histogram family, bad labels, bad bounds, or
 * bucket counts adding up to more than count), -ENOMEM.
 */
int sl_prom_histogram(struct sl_prom *p, const char *name, const struct sl_prom_label *labels,
		      size_t nlabels, const double *bounds, const uint64_t *bucket_counts,
		      size_t nbuckets, double sum, uint64_t count);

/*
 * Appends the exposition to out: the families in declaration order, each with its HELP
 * and TYPE lines and samples. Families without samples are left out (as client_golang
 * does: a labelled metric nobody observed yet has nothing to say). out is appended to,
 * not reset. Returns 0, the first error an earlier call hit running out of memory, or
 * -ENOMEM; on error out may hold a partial exposition and must not be served.
 */
int sl_prom_finish(struct sl_prom *p, struct sl_buf *out);

/* Releases everything; p may be NULL. p can be sl_prom_init()ed again afterwards. */
void sl_prom_free(struct sl_prom *p);

/* Checkers, exported for callers that build names from data (e.g. label names from
 * Kubernetes labels): true when s is a valid metric / label name. */
bool sl_prom_valid_metric_name(const char *s);
bool sl_prom_valid_label_name(const char *s);

/* Formats v as the format requires (see sl_prom_sample) into b. Returns 0 or -ENOMEM. */
int sl_prom_format_value(struct sl_buf *b, double v);

#endif
