/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sluicectl <-> sluiced protocol on the unix socket. One request per connection:
 * the client writes a header and TLV records, then shuts down its write side; the agent
 * answers with STDOUT/STDERR records and one EXIT record, then closes. All integers are
 * host order (both ends are on the same machine).
 */
#ifndef SLUICE_PROTO_H
#define SLUICE_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define SL_PROTO_MAGIC 0x31434c53u /* "SLC1" */
#define SL_PROTO_MAX_REQUEST (256u << 20)

enum sl_verb {
	SL_VERB_APPLY = 1,
	SL_VERB_DELETE,
	SL_VERB_GET,
	SL_VERB_DESCRIBE,
	SL_VERB_STATUS,
	SL_VERB_VERSION,
	SL_VERB_FLOWS,
	SL_VERB_STATS,
};

enum sl_tlv_type {
	SL_TLV_ARG = 1, /* a command argument (resource, name, flag) */
	SL_TLV_FILE_NAME, /* followed by its SL_TLV_FILE_DATA */
	SL_TLV_FILE_DATA,
	SL_TLV_STDOUT,
	SL_TLV_STDERR,
	SL_TLV_EXIT, /* 4 bytes: exit status */
};

struct sl_proto_hdr {
	uint32_t magic;
	uint32_t verb;
};

struct sl_tlv_hdr {
	uint32_t type;
	uint32_t len;
};

struct sl_tlv {
	uint32_t type;
	uint32_t len;
	const char *data; /* points into the message buffer */
};

int sl_tlv_put(struct sl_buf *b, uint32_t type, const void *data, size_t len);
int sl_tlv_put_str(struct sl_buf *b, uint32_t type, const char *s);
/* Iterates records in buf[*off..len): 1 with *t filled, 0 at the end, -EBADMSG if torn. */
int sl_tlv_next(const char *buf, size_t len, size_t *off, struct sl_tlv *t);

#endif
