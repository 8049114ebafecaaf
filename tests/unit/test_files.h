/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the unit tests that read fixture files. */
#ifndef SLUICE_TEST_FILES_H
#define SLUICE_TEST_FILES_H

#include <stdio.h>
#include <stdlib.h>

/* The whole file, NUL-terminated (caller frees), or NULL. */
static inline char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	*len = 0;
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		goto out;
	buf = malloc(n + 1);
	if (buf && fread(buf, 1, n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf) {
		buf[n] = '\0';
		*len = n;
	}
out:
	fclose(f);
	return buf;
}

/* The repository root: $SLUICE_SRCDIR, or the current directory. */
static inline const char *srcdir(void)
{
	const char *d = getenv("SLUICE_SRCDIR");

	return d && d[0] ? d : ".";
}

#endif
