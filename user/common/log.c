// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"

static enum sl_log_level cur_level = SL_LOG_INFO;
static const char *prog_name = "sluice";

static const char *const level_names[] = {
	[SL_LOG_ERROR] = "error",
	[SL_LOG_WARN] = "warn",
	[SL_LOG_INFO] = "info",
	[SL_LOG_DEBUG] = "debug",
};

void sl_log_set_level(enum sl_log_level level)
{
	cur_level = level;
}

enum sl_log_level sl_log_get_level(void)
{
	return cur_level;
}

void sl_log_set_prog(const char *prog)
{
	prog_name = prog;
}

int sl_log_level_parse(const char *s, enum sl_log_level *out)
{
	for (unsigned int i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (!strcmp(s, level_names[i])) {
			*out = (enum sl_log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

void sl_log(enum sl_log_level level, const char *fmt, ...)
{
	char line[2048];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	int saved = errno;

	if (level > cur_level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* Drop one trailing newline so callers may or may not end with one. */
	size_t n = strlen(line);
	if (n && line[n - 1] == '\n')
		line[n - 1] = '\0';
	fprintf(stderr, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s: %s\n", tm.tm_year + 1900,
		tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
		prog_name, level_names[level], line);
	errno = saved;
}
