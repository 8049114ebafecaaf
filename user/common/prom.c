// SPDX-License-Identifier: Apache-2.0
/* Prometheus text exposition format 0.0.4 writer (see prom.h). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/prom.h"

static const char *const type_names[] = {
	[SL_PROM_COUNTER] = "counter",
	[SL_PROM_GAUGE] = "gauge",
	[SL_PROM_HISTOGRAM] = "histogram",
};

/* The lines a histogram writes besides its own name; no other family may use them. */
static const char *const hist_suffixes[] = { "_bucket", "_sum", "_count" };

void sl_prom_init(struct sl_prom *p)
{
	memset(p, 0, sizeof(*p));
}

static bool is_alpha_(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

bool sl_prom_valid_metric_name(const char *s)
{
	if (!s || !(is_alpha_(*s) || *s == ':'))
		return false;
	for (s++; *s; s++)
		if (!is_alpha_(*s) && !is_digit(*s) && *s != ':')
			return false;
	return true;
}

bool sl_prom_valid_label_name(const char *s)
{
	/* Names starting with "__" are reserved for Prometheus' own use. */
	if (!s || !is_alpha_(*s) || !strncmp(s, "__", 2))
		return false;
	for (s++; *s; s++)
		if (!is_alpha_(*s) && !is_digit(*s))
			return false;
	return true;
}

int sl_prom_format_value(struct sl_buf *b, double v)
{
	char tmp[32];

	if (isnan(v))
		return sl_buf_append(b, "NaN", 3);
	if (isinf(v))
		return v > 0 ? sl_buf_append(b, "+Inf", 4) : sl_buf_append(b, "-Inf", 4);
	/* Counters are integers: print them as such, never "1e+06". Every integer up to
	 * 2^53 is exact in a double and in an int64_t, so this prints exactly the value
	 * counted (and "0" for -0). Done without libm, which the agent does not link. */
	if (v >= -9007199254740992.0 && v <= 9007199254740992.0 && v == (double)(int64_t)v)
		return sl_buf_printf(b, "%" PRId64, (int64_t)v);
	/* Otherwise the shortest form that reads back to the same double: "0.1", not
	 * "0.10000000000000001". */
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	return sl_buf_append(b, tmp, strlen(tmp));
}

/* Appends s escaped as the format requires: backslash and newline always, the double
 * quote too inside label values (`quote`); HELP text leaves quotes as they are. */
static int append_escaped(struct sl_buf *b, const char *s, bool quote)
{
	int err = 0;

	for (const char *run = s;; s++) {
		const char *esc = NULL;

		if (*s == '\\')
			esc = "\\\\";
		else if (*s == '\n')
			esc = "\\n";
		else if (*s == '"' && quote)
			esc = "\\\"";
		else if (*s)
			continue;
		err = sl_buf_append(b, run, (size_t)(s - run));
		if (err || !*s)
			return err;
		err = sl_buf_append(b, esc, 2);
		if (err)
			return err;
		run = s + 1;
	}
}

static struct sl_prom_family *find(struct sl_prom *p, const char *name)
{
	for (size_t i = 0; i < p->nfams; i++)
		if (!strcmp(p->fams[i].name, name))
			return &p->fams[i];
	return NULL;
}

/* True when `name` is `base` followed by one of the histogram suffixes. */
static bool is_hist_line(const char *name, const char *base)
{
	size_t bl = strlen(base);

	if (strncmp(name, base, bl))
		return false;
	for (size_t i = 0; i < sizeof(hist_suffixes) / sizeof(hist_suffixes[0]); i++)
		if (!strcmp(name + bl, hist_suffixes[i]))
			return true;
	return false;
}

int sl_prom_family(struct sl_prom *p, const char *name, const char *type, const char *help)
{
	struct sl_prom_family *f;
	struct sl_buf h = {};
	const size_t ntypes = sizeof(type_names) / sizeof(type_names[0]);
	size_t t;
	char *n;

	if (!sl_prom_valid_metric_name(name) || !type)
		return -EINVAL;
	for (t = 0; t < ntypes; t++)
		if (!strcmp(type, type_names[t]))
			break;
	if (t == ntypes)
		return -EINVAL;
	f = find(p, name);
	if (f)
		return f->type == (enum sl_prom_type)t ? 0 : -EEXIST;
	for (size_t i = 0; i < p->nfams; i++) {
		if (p->fams[i].type == SL_PROM_HISTOGRAM && is_hist_line(name, p->fams[i].name))
			return -EEXIST;
		if (t == SL_PROM_HISTOGRAM && is_hist_line(p->fams[i].name, name))
			return -EEXIST;
	}
	if (p->nfams == p->cap) {
		size_t ncap = p->cap ? p->cap * 2 : 16;
		struct sl_prom_family *nf = realloc(p->fams, ncap * sizeof(*nf));

		if (!nf)
			return -ENOMEM;
		p->fams = nf;
		p->cap = ncap;
	}
	n = strdup(name);
	if (!n)
		return -ENOMEM;
	if (help && (append_escaped(&h, help, false) || sl_buf_append(&h, "", 0))) {
		sl_buf_free(&h);
		free(n);
		return -ENOMEM;
	}
	f = &p->fams[p->nfams++];
	memset(f, 0, sizeof(*f));
	f->name = n;
	f->type = (enum sl_prom_type)t;
	f->help = h.p; /* NULL without help; "" for an empty one */
	return 0;
}

/* Checks the label names: valid, not reserved (`reserved` is "le" for histograms), no
 * name twice. Quadratic, but a label set is a handful of names. */
static int check_labels(const struct sl_prom_label *labels, size_t n, const char *reserved)
{
	if (n && !labels)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (!sl_prom_valid_label_name(labels[i].name))
			return -EINVAL;
		if (reserved && !strcmp(labels[i].name, reserved))
			return -EINVAL;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(labels[i].name, labels[j].name))
				return -EINVAL;
	}
	return 0;
}

/* Writes `name suffix{labels[,le="le"]} ` (the series, up to the value). */
static int write_series(struct sl_buf *b, const char *name, const char *suffix,
			const struct sl_prom_label *labels, size_t n, const char *le)
{
	int err = sl_buf_printf(b, "%s%s", name, suffix);

	if (!err && (n || le))
		err = sl_buf_append(b, "{", 1);
	for (size_t i = 0; i < n && !err; i++) {
		err = sl_buf_printf(b, "%s%s=\"", i ? "," : "", labels[i].name);
		if (!err)
			err = append_escaped(b, labels[i].value ? labels[i].value : "", true);
		if (!err)
			err = sl_buf_append(b, "\"", 1);
	}
	if (!err && le)
		err = sl_buf_printf(b, "%sle=\"%s\"", n ? "," : "", le);
	if (!err && (n || le))
		err = sl_buf_append(b, "}", 1);
	if (!err)
		err = sl_buf_append(b, " ", 1);
	return err;
}

static int write_value_line(struct sl_buf *b, double v)
{
	int err = sl_prom_format_value(b, v);

	return err ?: sl_buf_append(b, "\n", 1);
}

/* Bucket counts and _count are uint64: written as such, exact past 2^53 too. */
static int write_count_line(struct sl_buf *b, uint64_t v)
{
	return sl_buf_printf(b, "%" PRIu64 "\n", v);
}

static int sticky(struct sl_prom *p, int err)
{
	if (err && !p->err)
		p->err = err;
	return err;
}

int sl_prom_sample(struct sl_prom *p, const char *name, const struct sl_prom_label *labels,
		   size_t nlabels, double value)
{
	struct sl_prom_family *f = name ? find(p, name) : NULL;
	int err;

	if (!f)
		return -ENOENT;
	if (f->type == SL_PROM_HISTOGRAM)
		return -EINVAL;
	err = check_labels(labels, nlabels, NULL);
	if (err)
		return err;
	err = write_series(&f->lines, f->name, "", labels, nlabels, NULL);
	if (!err)
		err = write_value_line(&f->lines, value);
	return sticky(p, err);
}

int sl_prom_histogram(struct sl_prom *p, const char *name, const struct sl_prom_label *labels,
		      size_t nlabels, const double *bounds, const uint64_t *bucket_counts,
		      size_t nbuckets, double sum, uint64_t count)
{
	struct sl_prom_family *f = name ? find(p, name) : NULL;
	struct sl_buf le = {};
	uint64_t cum = 0;
	int err;

	if (!f)
		return -ENOENT;
	if (f->type != SL_PROM_HISTOGRAM)
		return -EINVAL;
	err = check_labels(labels, nlabels, "le");
	if (err)
		return err;
	if (nbuckets && (!bounds || !bucket_counts))
		return -EINVAL;
	/* Check everything before writing, so a bad call leaves no half histogram. */
	for (size_t i = 0; i < nbuckets; i++) {
		if (!isfinite(bounds[i]) || (i && !(bounds[i] > bounds[i - 1])))
			return -EINVAL;
		if (bucket_counts[i] > count - cum)
			return -EINVAL;
		cum += bucket_counts[i];
	}
	cum = 0;
	for (size_t i = 0; i < nbuckets && !err; i++) {
		cum += bucket_counts[i];
		le.len = 0;
		err = sl_prom_format_value(&le, bounds[i]);
		if (!err)
			err = write_series(&f->lines, f->name, "_bucket", labels, nlabels, le.p);
		if (!err)
			err = write_count_line(&f->lines, cum);
	}
	if (!err)
		err = write_series(&f->lines, f->name, "_bucket", labels, nlabels, "+Inf");
	if (!err)
		err = write_count_line(&f->lines, count);
	if (!err)
		err = write_series(&f->lines, f->name, "_sum", labels, nlabels, NULL);
	if (!err)
		err = write_value_line(&f->lines, sum);
	if (!err)
		err = write_series(&f->lines, f->name, "_count", labels, nlabels, NULL);
	if (!err)
		err = write_count_line(&f->lines, count);
	sl_buf_free(&le);
	return sticky(p, err);
}

int sl_prom_finish(struct sl_prom *p, struct sl_buf *out)
{
	int err = p->err;

	for (size_t i = 0; i < p->nfams && !err; i++) {
		const struct sl_prom_family *f = &p->fams[i];

		if (!f->lines.len)
			continue;
		if (f->help)
			err = sl_buf_printf(out, "# HELP %s %s\n", f->name, f->help);
		if (!err)
			err = sl_buf_printf(out, "# TYPE %s %s\n", f->name, type_names[f->type]);
		if (!err)
			err = sl_buf_append(out, f->lines.p, f->lines.len);
	}
	return err;
}

void sl_prom_free(struct sl_prom *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nfams; i++) {
		free(p->fams[i].name);
		free(p->fams[i].help);
		sl_buf_free(&p->fams[i].lines);
	}
	free(p->fams);
	memset(p, 0, sizeof(*p));
}
