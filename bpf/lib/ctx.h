/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SLUICE_BPF_CTX_H
#define SLUICE_BPF_CTX_H

/* A 4-byte load of a context field at its fixed offset. Verifier workaround: plain C
 * reads of context fields inlined at several call sites can be merged by the compiler
 * into one load with a variable offset, which the verifier refuses ("dereference of
 * modified ctx ptr"); an inline-asm load cannot be merged. */
#define CTX_LOAD32(ctx, type, field)                                                               \
	({                                                                                         \
		__u32 __v;                                                                         \
		asm volatile("%[v] = *(u32 *)(%[c] + %[o])"                                        \
			     : [v] "=r"(__v)                                                       \
			     : [c] "r"(ctx), [o] "i"(__builtin_offsetof(type, field)));            \
		__v;                                                                               \
	})

#endif
