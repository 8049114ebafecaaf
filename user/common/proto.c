// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <string.h>

#include "common/proto.h"

int sl_tlv_put(struct sl_buf *b, uint32_t type, const void *data, size_t len)
{
	struct sl_tlv_hdr h = { .type = type, .len = (uint32_t)len };
	int err;

	if (len > UINT32_MAX)
		return -E2BIG;
	err = sl_buf_append(b, &h, sizeof(h));
	return err ?: sl_buf_append(b, data, len);
}

int sl_tlv_put_str(struct sl_buf *b, uint32_t type, const char *s)
{
	return sl_tlv_put(b, type, s, strlen(s));
}

int sl_tlv_next(const char *buf, size_t len, size_t *off, struct sl_tlv *t)
{
	struct sl_tlv_hdr h;

	if (*off == len)
		return 0;
	if (len - *off < sizeof(h))
		return -EBADMSG;
	memcpy(&h, buf + *off, sizeof(h));
	if (len - *off - sizeof(h) < h.len)
		return -EBADMSG;
	t->type = h.type;
	t->len = h.len;
	t->data = buf + *off + sizeof(h);
	*off += sizeof(h) + h.len;
	return 1;
}
