// SPDX-License-Identifier: Apache-2.0
/* The CLI socket: one request per connection, answered in full, then closed. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "agent/agent.h"
#include "common/log.h"
#include "common/proto.h"

int sl_mkdir_parents(const char *path, mode_t mode)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, mode) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return 0;
}

int sl_open_listener(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, err;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		pr_err("--socket %s: path too long", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	err = sl_mkdir_parents(path, 0700);
	if (err) {
		pr_err("creating the directory of %s: %s", path, strerror(-err));
		return err;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* A socket file nobody answers on is left by a killed agent: replace it. The
	 * state-dir lock already proved no other agent uses these flags. */
	unlink(path);
	/* Created 0600 from the start: umask before bind, chmod after for certainty. */
	mode_t old = umask(0177);

	err = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (err || chmod(path, 0600) || listen(fd, 64)) {
		err = -errno;
		pr_err("listening on %s: %s", path, strerror(errno));
		close(fd);
		return err;
	}
	return fd;
}

const char *sl_req_arg(const struct sl_request *r, const char *key)
{
	size_t kl = strlen(key);

	for (size_t i = 0; i < r->nargs; i++)
		if (!strncmp(r->args[i], key, kl) && r->args[i][kl] == '=')
			return r->args[i] + kl + 1;
	return NULL;
}

static void free_request(struct sl_request *r)
{
	for (size_t i = 0; i < r->nargs; i++)
		free((void *)r->args[i]);
	for (size_t i = 0; i < r->nfiles; i++)
		free((void *)r->file_names[i]);
	free(r->args);
	free(r->file_names);
	free(r->file_data);
	free(r->file_len);
	sl_buf_free(&r->out);
	sl_buf_free(&r->err);
}

static int parse_request(struct sl_buf *in, struct sl_request *r)
{
	struct sl_proto_hdr h;
	struct sl_tlv t;
	size_t off = sizeof(h);
	int ret;

	if (in->len < sizeof(h))
		return -EBADMSG;
	memcpy(&h, in->p, sizeof(h));
	if (h.magic != SL_PROTO_MAGIC)
		return -EBADMSG;
	r->verb = h.verb;
	while ((ret = sl_tlv_next(in->p, in->len, &off, &t)) > 0) {
		char *s;

		if (t.type == SL_TLV_FILE_DATA) {
			if (!r->nfiles || r->file_data[r->nfiles - 1])
				return -EBADMSG;
			r->file_data[r->nfiles - 1] = t.data;
			r->file_len[r->nfiles - 1] = t.len;
			continue;
		}
		s = strndup(t.data, t.len);
		if (!s)
			return -ENOMEM;
		if (t.type == SL_TLV_ARG) {
			const char **nv = realloc(r->args, (r->nargs + 1) * sizeof(*nv));

			if (!nv) {
				free(s);
				return -ENOMEM;
			}
			r->args = nv;
			r->args[r->nargs++] = s;
		} else if (t.type == SL_TLV_FILE_NAME) {
			size_t n = r->nfiles + 1;
			const char **nn = realloc(r->file_names, n * sizeof(*nn));

			if (nn)
				r->file_names = nn;
			const char **nd = realloc(r->file_data, n * sizeof(*nd));

			if (nd)
				r->file_data = nd;
			size_t *nl = realloc(r->file_len, n * sizeof(*nl));

			if (nl)
				r->file_len = nl;
			if (!nn || !nd || !nl) {
				free(s);
				return -ENOMEM;
			}
			r->file_names[r->nfiles] = s;
			r->file_data[r->nfiles] = NULL;
			r->file_len[r->nfiles] = 0;
			r->nfiles++;
		} else {
			free(s);
			return -EBADMSG;
		}
	}
	for (size_t i = 0; i < r->nfiles; i++)
		if (!r->file_data[i])
			return -EBADMSG;
	return ret;
}

bool sl_serve_one(struct sl_agent *a, int cfd)
{
	bool kept = false;
	struct timeval tv = { .tv_sec = 10 };
	struct sl_request r = {};
	struct sl_buf in = {}, reply = {};
	uint32_t status;
	int err;

	setsockopt(cfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(cfd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	err = sl_buf_read_fd(&in, cfd, SL_PROTO_MAX_REQUEST);
	if (!err)
		err = parse_request(&in, &r);
	if (err) {
		sl_buf_printf(&r.err, "error: bad request: %s\n", strerror(-err));
		r.status = 2;
	} else {
		switch (r.verb) {
		case SL_VERB_APPLY:
			sl_cmd_apply(a, &r, false);
			break;
		case SL_VERB_DELETE:
			sl_cmd_apply(a, &r, true);
			break;
		case SL_VERB_GET:
			sl_cmd_get(a, &r);
			break;
		case SL_VERB_DESCRIBE:
			sl_cmd_describe(a, &r);
			break;
		case SL_VERB_STATUS:
			sl_cmd_status(a, &r);
			break;
		case SL_VERB_FLOWS:
			kept = sl_cmd_flows(a, &r, cfd);
			break;
		case SL_VERB_STATS:
			sl_cmd_stats(a, &r);
			break;
		case SL_VERB_VERSION:
			sl_buf_printf(&r.out, "sluiced %s (map layout %u)\n", SLUICE_VERSION,
				      SLUICE_ABI_VERSION);
			break;
		default:
			sl_buf_printf(&r.err, "error: unknown request %u\n", r.verb);
			r.status = 2;
		}
	}
	if (kept) {
		/* flows --follow: the connection now belongs to the telemetry module. */
		sl_buf_free(&in);
		free_request(&r);
		return true;
	}
	if (r.out.len)
		sl_tlv_put(&reply, SL_TLV_STDOUT, r.out.p, r.out.len);
	if (r.err.len)
		sl_tlv_put(&reply, SL_TLV_STDERR, r.err.p, r.err.len);
	status = (uint32_t)r.status;
	sl_tlv_put(&reply, SL_TLV_EXIT, &status, sizeof(status));
	if (!reply.oom && sl_write_all(cfd, reply.p, reply.len))
		pr_warn("writing a reply: %s", strerror(errno));
	sl_buf_free(&reply);
	sl_buf_free(&in);
	free_request(&r);
	return false;
}
