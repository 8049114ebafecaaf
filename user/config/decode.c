// SPDX-License-Identifier: Apache-2.0
/*
 * sl_decode_stream(): documents -> objects. Dispatches on apiVersion/kind, unrolls
 * Lists, decodes the Istio kinds Sluice implements and rejects the others (they would
 * change behaviour), skips other kinds with a notice, and makes the whole call all or
 * nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/decode.h"
#include "config/decode_int.h"
#include "model/objects.h"

struct kind_desc {
	const char *kind;
	const char *group; /* "" for the core group */
	const char *const *api_versions; /* the versions Sluice reads, NULL-terminated */
	enum sl_kind id;
	int (*decode)(struct d_ctx *c, const struct yt_node *root, struct sl_object *o);
};

static const char *const core_v1[] = { "v1", NULL };
static const char *const discovery_v1[] = { "discovery.k8s.io/v1", NULL };
/* Istio serves one schema under the three versions (v1beta1 and v1alpha3 stay for old
 * files), so they decode alike. */
static const char *const istio_networking[] = { "networking.istio.io/v1",
						"networking.istio.io/v1beta1",
						"networking.istio.io/v1alpha3", NULL };
/* security.istio.io serves v1 and v1beta1 alike, as networking does. */
static const char *const istio_security[] = { "security.istio.io/v1", "security.istio.io/v1beta1",
					      NULL };

static const struct kind_desc kinds[] = {
	{ "Service", "", core_v1, SL_KIND_SERVICE, d_service },
	{ "EndpointSlice", "discovery.k8s.io", discovery_v1, SL_KIND_ENDPOINT_SLICE,
	  d_endpoint_slice },
	{ "Pod", "", core_v1, SL_KIND_POD, d_pod },
	{ "DestinationRule", "networking.istio.io", istio_networking, SL_KIND_DESTINATION_RULE,
	  d_destination_rule },
	{ "VirtualService", "networking.istio.io", istio_networking, SL_KIND_VIRTUAL_SERVICE,
	  d_virtual_service },
	{ "AuthorizationPolicy", "security.istio.io", istio_security, SL_KIND_AUTHORIZATION_POLICY,
	  d_authorization_policy },
};

static bool version_ok(const struct kind_desc *kd, const char *api)
{
	size_t i;

	for (i = 0; kd->api_versions[i]; i++)
		if (!strcmp(api, kd->api_versions[i]))
			return true;
	return false;
}

/* "v1" or "a/v1, a/v1beta1 or a/v1alpha3", for messages. */
static void versions_text(const struct kind_desc *kd, char *buf, size_t len)
{
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; kd->api_versions[i] && n < len; i++) {
		const char *sep = !i ? "" : kd->api_versions[i + 1] ? ", " : " or ";

		n += snprintf(buf + n, len - n, "%s%s", sep, kd->api_versions[i]);
	}
}

/* Kinds without a namespace, so that a notice does not print "default/" before them. */
static const char *const cluster_kinds[] = {
	"Namespace",
	"Node",
	"PersistentVolume",
	"ClusterRole",
	"ClusterRoleBinding",
	"StorageClass",
	"CustomResourceDefinition",
	"PriorityClass",
	"IngressClass",
	"RuntimeClass",
	"APIService",
	"CSIDriver",
	"MutatingWebhookConfiguration",
	"ValidatingWebhookConfiguration",
	NULL,
};

/* The API group of an apiVersion: "" for "v1", "apps" for "apps/v1". */
static void api_group(const char *api, char *buf, size_t len)
{
	const char *slash = strchr(api, '/');
	size_t n = slash ? (size_t)(slash - api) : 0;

	if (n >= len)
		n = len - 1;
	memcpy(buf, api, n);
	buf[n] = '\0';
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

/* Reads apiVersion and kind (strings, required unless implied by a typed List). */
static int d_type_meta(struct d_ctx *c, const struct yt_node *root, const char *implied_api,
		       const char *implied_kind, const char **api, const char **kind)
{
	const struct yt_node *v;
	size_t mark;
	int r;

	v = d_get(root, "apiVersion");
	if (!v && !implied_api)
		return d_missing(c, root, "apiVersion");
	*api = implied_api;
	if (v) {
		mark = d_push_key(c, "apiVersion");
		r = d_str(c, v, api);
		d_pop(c, mark);
		if (r)
			return r;
	}
	v = d_get(root, "kind");
	if (!v && !implied_kind)
		return d_missing(c, root, "kind");
	*kind = implied_kind;
	if (v) {
		mark = d_push_key(c, "kind");
		r = d_str(c, v, kind);
		d_pop(c, mark);
		if (r)
			return r;
	}
	return 0;
}

/* Control characters (a newline in a name) would break the one-line promise. */
static void one_line(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

static void notice_skip(struct d_ctx *c, const struct yt_node *root, const char *kind)
{
	const struct yt_node *md = d_get(root, "metadata"), *v;
	const char *name = "(unnamed)", *ns = "default";
	const struct yt_node *first = root->items[0];
	char msg[512];
	size_t i;

	if (!c->opts || !c->opts->notice)
		return;
	if (md && md->type == YT_MAP) {
		v = d_get(md, "name");
		if (v && v->type == YT_SCALAR)
			name = v->str;
		v = d_get(md, "namespace");
		if (v && v->type == YT_SCALAR)
			ns = v->str;
	}
	for (i = 0; cluster_kinds[i]; i++)
		if (!strcmp(kind, cluster_kinds[i]))
			break;
	if (cluster_kinds[i])
		snprintf(msg, sizeof(msg), "%s:%d:%d: skipped %s %.200s (not a kind Sluice uses)",
			 c->fname, first->line, first->col, kind, name);
	else
		snprintf(msg, sizeof(msg),
			 "%s:%d:%d: skipped %s %.100s/%.200s (not a kind Sluice uses)", c->fname,
			 first->line, first->col, kind, ns, name);
	one_line(msg);
	c->opts->notice(c->opts->arg, msg);
}

static int d_object(struct d_ctx *c, const struct yt_node *root, struct sl_objects *l,
		    const char *implied_api, const char *implied_kind, bool in_list);

/* v1 List (kubectl get -o yaml) or a typed list (ServiceList, ...), item by item. */
static int d_list(struct d_ctx *c, const struct yt_node *root, struct sl_objects *l,
		  const char *item_api, const char *item_kind)
{
	static const char *const list_keys[] = { "apiVersion", "kind", "metadata", "items", NULL };
	const struct yt_node *items;
	size_t i, mark;
	int r;

	r = d_check_keys(c, root, list_keys);
	if (r)
		return r;
	items = d_get(root, "items");
	if (!items)
		return 0;
	mark = d_push_key(c, "items");
	r = d_want_seq(c, items);
	d_pop(c, mark);
	for (i = 0; !r && i < items->n; i++)
		/* Paths in messages are relative to the item: its position says which. */
		r = d_object(c, items->items[i], l, item_api, item_kind, true);
	return r;
}

static int d_object(struct d_ctx *c, const struct yt_node *root, struct sl_objects *l,
		    const char *implied_api, const char *implied_kind, bool in_list)
{
	const struct kind_desc *kd = NULL;
	const char *api, *kind;
	char group[256];
	struct sl_object *o;
	size_t i, mark;
	int r;

	if (root->type != YT_MAP)
		return d_err(c, root, "expected a mapping (a Kubernetes object), got %s",
			     d_type_name(root));
	if (!root->n)
		return d_missing(c, root, "apiVersion");
	r = d_type_meta(c, root, implied_api, implied_kind, &api, &kind);
	if (r)
		return r;
	api_group(api, group, sizeof(group));

	if (!strcmp(kind, "List") && !strcmp(api, "v1")) {
		if (in_list)
			return d_err(c, root, "a List inside a List is not supported");
		return d_list(c, root, l, NULL, NULL);
	}
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		char list_kind[32];

		snprintf(list_kind, sizeof(list_kind), "%sList", kinds[i].kind);
		if (strcmp(group, kinds[i].group) && !(kinds[i].group[0] && !group[0]))
			continue;
		if (!strcmp(kind, kinds[i].kind)) {
			kd = &kinds[i];
		} else if (!strcmp(kind, list_kind) && version_ok(&kinds[i], api)) {
			if (in_list)
				return d_err(c, root, "a List inside a List is not supported");
			return d_list(c, root, l, api, kinds[i].kind);
		} else {
			continue;
		}
		if (!version_ok(kd, api)) {
			const struct yt_node *at = d_get(root, "apiVersion") ?: root;
			char want[160];

			versions_text(kd, want, sizeof(want));
			mark = d_push_key(c, "apiVersion");
			r = d_err(c, at, "%s is not supported for kind %s (expected %s)", api, kind,
				  want);
			d_pop(c, mark);
			return r;
		}
		break;
	}
	/* Every other Istio kind (Gateway, ServiceEntry, Sidecar, PeerAuthentication, ...)
	 * would change behaviour: refused, never skipped. */
	if (!kd && (ends_with(group, ".istio.io") || !strcmp(group, "istio.io"))) {
		const struct yt_node *at = d_get(root, "kind") ?: root;

		return d_err(c, at, "kind %s (%s) is not supported by this version of Sluice", kind,
			     api);
	}
	if (!kd) {
		notice_skip(c, root, kind);
		return 0;
	}
	o = sl_objects_push(l);
	if (!o)
		return d_nomem(c);
	o->kind = kd->id;
	o->meta.pos.file = c->fname;
	o->meta.pos.line = root->items[0]->line;
	o->meta.pos.col = root->items[0]->col;
	r = kd->decode(c, root, o);
	if (r) {
		sl_object_free(o);
		l->n--;
	}
	return r;
}

int sl_decode_stream(const char *fname, const char *buf, size_t len, struct sl_objects *out,
		     const struct sl_decode_opts *opts, char *err, size_t errlen)
{
	struct sl_objects local = { 0 };
	struct yt_stream *s;
	struct yt_doc doc;
	struct d_ctx *c;
	int r;

	if (!err)
		errlen = 0;
	if (errlen)
		err[0] = '\0';
	/* The context holds a path buffer: keep it off the (possibly small) stack. */
	c = calloc(1, sizeof(*c));
	if (!c) {
		r = -ENOMEM;
		goto err;
	}
	c->fname = fname;
	c->err = err;
	c->errlen = errlen;
	c->opts = opts;
	s = yt_open(fname, buf, len);
	if (!s) {
		r = d_nomem(c);
		goto err_ctx;
	}
	for (;;) {
		r = yt_next(s, &doc, err, errlen);
		if (r <= 0)
			break;
		/* An empty document (nothing, a comment, a lone null) is no object. */
		if (doc.root && !d_is_null(doc.root))
			r = d_object(c, doc.root, &local, NULL, NULL, false);
		else
			r = 0;
		yt_doc_free(&doc);
		if (r)
			break;
	}
	yt_close(s);
	if (r)
		goto err_ctx;
	/* Only now touch `out`, in one step that either fully happens or not at all. */
	if (local.n) {
		if (out->cap - out->n < local.n) {
			size_t cap = out->n + local.n;
			struct sl_object *v = realloc(out->v, cap * sizeof(*v));

			if (!v) {
				r = d_nomem(c);
				goto err_ctx;
			}
			out->v = v;
			out->cap = cap;
		}
		memcpy(out->v + out->n, local.v, local.n * sizeof(*local.v));
		out->n += local.n;
	}
	free(local.v);
	free(c);
	return 0;

err_ctx:
	free(c);
err:
	sl_objects_free(&local);
	if (r == -ENOMEM && errlen && !err[0])
		snprintf(err, errlen, "%s: out of memory", fname);
	return r;
}
