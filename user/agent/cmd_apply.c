// SPDX-License-Identifier: Apache-2.0
/* sluicectl apply / delete: all or nothing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "common/log.h"
#include "config/decode.h"
#include "model/objects.h"

static void notice_to_err(void *arg, const char *msg)
{
	sl_buf_printf(arg, "%s\n", msg);
}

static const char *change_word(enum sl_change ch)
{
	switch (ch) {
	case SL_CHANGE_CREATED:
		return "created";
	case SL_CHANGE_CONFIGURED:
		return "configured";
	case SL_CHANGE_DELETED:
		return "deleted";
	default:
		return "unchanged";
	}
}

void sl_cmd_apply(struct sl_agent *a, struct sl_request *r, bool delete)
{
	struct sl_decode_opts dopts = { .notice = notice_to_err, .arg = &r->err };
	bool ignore_missing = sl_req_arg(r, "ignore-not-found") != NULL;
	struct sl_objects objs = {};
	struct sl_store_txn txn;
	struct sl_buf lines = {};
	char err[1024], ref[600];
	int ret = 0;

	if (!r->nfiles) {
		sl_buf_printf(&r->err, "error: no input files\n");
		r->status = 2;
		return;
	}
	/* Decode everything first: one bad file and nothing is applied. */
	for (size_t i = 0; i < r->nfiles; i++) {
		ret = sl_decode_stream(r->file_names[i], r->file_data[i], r->file_len[i], &objs,
				       &dopts, err, sizeof(err));
		if (ret) {
			sl_buf_printf(&r->err, "error: %s\n", err);
			goto fail;
		}
	}
	sl_store_txn_begin(&txn, &a->store);
	for (size_t i = 0; i < objs.n; i++) {
		const struct sl_object *o = &objs.v[i];
		enum sl_change ch = SL_CHANGE_DELETED;

		sl_object_ref(o, ref, sizeof(ref));
		if (delete) {
			ret = sl_store_remove(&txn, o);
			if (ret == -ENOENT && ignore_missing) {
				ret = 0;
				continue;
			}
			if (ret == -ENOENT) {
				sl_buf_printf(&r->err, "error: %s:%d:%d: %s not found\n",
					      o->meta.pos.file, o->meta.pos.line, o->meta.pos.col,
					      ref);
				break;
			}
		} else {
			ret = sl_store_upsert(&txn, o, &ch);
		}
		if (ret) {
			sl_buf_printf(&r->err, "error: %s: %s\n", ref, strerror(-ret));
			break;
		}
		sl_buf_printf(&lines, "%s %s\n", ref, change_word(ch));
	}
	if (ret) {
		sl_store_txn_rollback(&txn);
		goto fail;
	}
	ret = sl_agent_commit(a, &txn, &r->err);
	if (ret)
		goto fail;
	if (lines.len)
		sl_buf_append(&r->out, lines.p, lines.len);
	sl_buf_free(&lines);
	sl_objects_free(&objs);
	return;
fail:
	sl_buf_printf(&r->err, "nothing was %s\n", delete ? "deleted" : "applied");
	sl_buf_free(&lines);
	sl_objects_free(&objs);
	r->status = 1;
}
