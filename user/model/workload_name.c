// SPDX-License-Identifier: Apache-2.0
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "model/objects.h"
#include "model/workload_name.h"

/* Is s a generated suffix: 5 (pod) or 9-10 (ReplicaSet hash) lowercase alphanumerics? */
static bool hash_suffix(const char *s, size_t n)
{
	if (n != 5 && n != 9 && n != 10)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]) && !islower((unsigned char)s[i]))
			return false;
	return true;
}

void sl_workload_name(const struct sl_object *pod, char *buf, size_t len)
{
	static const char *const keys[] = { "service.istio.io/canonical-name",
					    "app.kubernetes.io/name", "app" };
	const char *name;
	size_t n;

	if (!pod) {
		snprintf(buf, len, "unknown");
		return;
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v = sl_label_get(&pod->meta, keys[i]);

		if (v && *v) {
			snprintf(buf, len, "%s", v);
			return;
		}
	}
	/* "reviews-v1-7d9f8c6b5-x2x4q": Deployment name = pod name less two suffixes. */
	name = pod->meta.name;
	n = strlen(name);
	for (int strip = 0; strip < 2; strip++) {
		const char *dash = NULL;

		for (size_t i = 0; i < n; i++)
			if (name[i] == '-')
				dash = name + i;
		if (!dash || !hash_suffix(dash + 1, n - (size_t)(dash + 1 - name)))
			break;
		n = (size_t)(dash - name);
	}
	snprintf(buf, len, "%.*s", (int)n, name);
}

const char *sl_pod_label(const struct sl_object *pod, const char *key)
{
	const char *v = pod ? sl_label_get(&pod->meta, key) : NULL;

	return v && *v ? v : "unknown";
}
