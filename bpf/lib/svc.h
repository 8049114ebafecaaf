/* SPDX-License-Identifier: Apache-2.0 */
/* Service lookup and backend choice at the socket layer. */
#ifndef SLUICE_BPF_SVC_H
#define SLUICE_BPF_SVC_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "lib/maps.h"
#include "lib/stats.h"

#ifndef ECONNREFUSED
#define ECONNREFUSED 111
#endif

/* Set by the agent before load: the kernel lets sock_addr programs choose the errno
 * of a refused connect (bpf_set_retval, probed at run time). */
const volatile bool cfg_refuse_with_econnrefused = false;

enum svc_verdict {
	SVC_NOT_A_SERVICE = 0, /* leave the socket alone */
	SVC_TRANSLATED, /* *be holds the backend */
	SVC_NO_BACKEND, /* a Service without usable endpoints: refuse fast */
};

/* Looks `key` up in sl_svc and picks one backend of its set, uniformly at random.
 * The service value is read once: the set it names is immutable, so the backend comes
 * from exactly one version of the endpoint list even while the agent replaces it. */
static __always_inline enum svc_verdict svc_pick(const struct sl_svc_key *key,
						 struct sl_backend *be, __u32 *svc_id)
{
	struct sl_svc_val *svc = bpf_map_lookup_elem(&sl_svc, key);
	struct sl_bset_key bkey = {};
	struct sl_backend *slot;
	__u32 count;

	if (!svc)
		return SVC_NOT_A_SERVICE;
	count = svc->count;
	bkey.set_id = svc->set_id;
	*svc_id = svc->svc_id;
	if (count == 0)
		return SVC_NO_BACKEND;
	bkey.slot = bpf_get_prandom_u32() % count;
	slot = bpf_map_lookup_elem(&sl_bset, &bkey);
	if (!slot) {
		/* Cannot happen while the agent orders its writes; refuse rather than
		 * let the connection reach the VIP, which nothing answers. */
		stat_inc(SL_STAT_BSET_MISS);
		return SVC_NO_BACKEND;
	}
	*be = *slot;
	return SVC_TRANSLATED;
}

/* Verdict for a refused connect/sendmsg: 0 rejects; the errno is ECONNREFUSED where
 * the kernel allows the program to set it, EPERM (the kernel's default) otherwise. */
static __always_inline int svc_refuse(void)
{
	if (cfg_refuse_with_econnrefused)
		bpf_set_retval(-ECONNREFUSED);
	return 0;
}

#endif
