// SPDX-License-Identifier: Apache-2.0
#include <stdlib.h>
#include <string.h>

#include "common/htab.h"
#include "common/intern.h"

static struct sl_htab interned;

const char *sl_intern(const char *s)
{
	char *copy;

	if (!s)
		return NULL;
	copy = sl_htab_get(&interned, s, strlen(s));
	if (copy)
		return copy;
	copy = strdup(s);
	if (!copy)
		return NULL;
	if (sl_htab_put(&interned, s, strlen(s), copy, NULL)) {
		free(copy);
		return NULL;
	}
	return copy;
}
