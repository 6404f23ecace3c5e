/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * The ABI of bpf/unwind.bpf.h, in bpf/alloc and bpf/fds: the rules user space learns to unwind
 * frames, and the stacks it is sent to learn them from.
 */
#ifndef LEAKBPF_ABI_UNWIND_H
#define LEAKBPF_ABI_UNWIND_H

#include "common.h"

/*
 * Unwinding without frame pointers (bpf/unwind.bpf.h, for bpf/alloc and bpf/fds). Code
 * built without them hides its caller from a frame-pointer walk: C libraries' syscall
 * wrappers (the caller of open()), libstdc++'s operator new and strdup (the caller of
 * malloc's caller). User space learns from the CFI of the frame's module how to unwind
 * one frame, per {tgid, pc}; CFA is the caller's stack pointer.
 */
#define MAX_UNWIND_RULES (1 << 16)	/* learned unwind rules (struct unwind_rule) */
#define UNWIND_STACK_COPY 4096		/* bytes of user stack an unwind_event carries */
#define UNWIND_CFI_STEPS 8		/* frames unwound by rules before the frame-pointer walk */

enum unwind_rule_type {
	RULE_CFA_SP = 1,	/* CFA = sp + cfa_off */
	RULE_CFA_BP = 2,	/* CFA = bp + cfa_off */
	RULE_FP = 3,		/* a frame-pointer frame: walk the rbp chain from here */
	RULE_END = 4,		/* the outermost frame: nothing called it */
	RULE_PENDING = 5,	/* asked for: sent is how many stacks went to user space */
};

/*
 * Stacks sent to user space for one pc before its rule is known; then bpf/fds makes do
 * with frame pointers, and bpf/alloc keeps its stack provisional.
 */
#define MAX_PENDING_EVENTS 16

struct unwind_key {
	__u64 pc;		/* frame 0: the ip (after the syscall, or the return from malloc);
				 * others: the return address */
	__u32 tgid;
	__u32 exec_gen;		/* proc_info.exec_gen of the image the pc belongs to */
};

struct unwind_rule {
	__u32 type;		/* enum unwind_rule_type */
	__s32 cfa_off;
	__s32 ra_off;		/* the return address is at CFA + ra_off */
	__s32 bp_off;		/* the caller's rbp is at CFA + bp_off; 0: rbp is unchanged */
	__u32 sent;		/* RULE_PENDING: stacks sent so far */
	__u32 pad;
};

/* A frame-pointer walk: rets[0] is the ip, rets[i > 0] the return address read at bps[i] + 8. */
struct fp_frames {
	__u64 rets[MAX_STACK_DEPTH];
	__u64 bps[MAX_STACK_DEPTH];
};

/* Which object asked for a stack to be unwound. */
enum unwind_origin {
	UNWIND_FD = 1,		/* bpf/fds: the ip is where a syscall returns to */
	UNWIND_ALLOC = 2,	/* bpf/alloc: the ip is the return address of a malloc call */
};

/* A stack met a pc with no learned rule: user space unwinds it from this. */
struct unwind_event {
	__u32 type;		/* EV_UNWIND */
	__u32 tgid;
	__u64 seq;		/* UNWIND_FD: fd_info.seq of the fds it made */
	__u64 stack;		/* UNWIND_ALLOC: the provisional key in `stacks` it stands for;
				 * UNWIND_FD: a frame above ip (the wrapper a probed return left), or 0 */
	__u32 exec_gen;		/* for the rules learned from it */
	__u32 origin;		/* enum unwind_origin */
	__u64 ip, sp, bp;	/* user registers */
	struct fp_frames fp;	/* frame-pointer walk from bp (garbage if code reused rbp) */
	__u32 nfp;		/* entries in fp */
	__u32 copy_len;		/* bytes of copy */
	__u8 copy[UNWIND_STACK_COPY];	/* the user stack from sp up */
};

#endif /* LEAKBPF_ABI_UNWIND_H */
