/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * Unwinding a user stack from the registers and a copy of its top (struct unwind_event),
 * taken at a syscall by bpf/fds or at malloc's return by bpf/alloc, with the CFI of the
 * modules: code without frame pointers (C libraries' syscall wrappers, operator new,
 * strdup) hides its caller from a frame-pointer walk. The rules used on the way are
 * handed back for BPF to apply itself next time (bpf/unwind.bpf.h).
 */
#ifndef LEAKBPF_UNWIND_H
#define LEAKBPF_UNWIND_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/types.h>
#include "abi/unwind.h"
#include "proc/symbolize.h"

/* What the unwinder asks of the modules (user/track/unwinder.c: the symbolizer; unit tests: tables). */
struct unwind_ops {
	/* The CFI row at addr; 0 or -errno. */
	int (*cfi)(void *ctx, uint64_t addr, bool return_addr, struct cfi_row *out);
	/* The 7 code bytes before addr; 0 or -errno. */
	int (*code_before)(void *ctx, uint64_t addr, uint8_t code[7]);
	/* Where the function holding the return address addr starts; 0 or -errno. */
	int (*func_start)(void *ctx, uint64_t addr, uint64_t *start);
};

struct unwind_result {
	uint64_t ips[MAX_STACK_DEPTH];	/* the event's ip, then return addresses */
	int n;
	struct {
		uint64_t pc;
		struct unwind_rule rule;
	} rules[MAX_STACK_DEPTH];	/* for BPF's unwind_rules */
	int nrules;
	bool stuck;		/* no usable CFI at stuck_pc (not merely the end of the copy) */
	uint64_t stuck_pc;
};

/* The BPF rule for a CFI row; -ENOTSUP when BPF could not follow it. */
int unwind__rule(const struct cfi_row *row, struct unwind_rule *out);

/* x86-64: do the 7 bytes before an address end with a call instruction? */
bool unwind__ends_in_call(const uint8_t code[7]);
/* And if that is a direct call (call rel32), where to: 0, or -ENOENT. */
int unwind__call_target(const uint8_t code[7], uint64_t ret, uint64_t *target);

/*
 * CFI unwinding through the stack copy as far as it goes, then the frame-pointer walk the
 * event carries, joined where the frame pointers agree. Frames without CFI (hand-written
 * assembly; all of musl) are passed by the first word above them that is a return address
 * into code with CFI, and into the function the frame-pointer frame above was called for;
 * those frames teach BPF no rule. Never fails: at worst, ips[0].
 */
void unwind__event(const struct unwind_event *e, const struct unwind_ops *ops, void *ctx,
		   struct unwind_result *out);

/*
 * The stack bpf/alloc keeps for the call of e once it has the rules res learned: frames
 * unwound by rules up to the first one that keeps a frame pointer (at most
 * UNWIND_CFI_STEPS), then the frame-pointer walk from the rbp they leave, with fp_walk()'s
 * checks. A pc res has no rule for is taken for a frame-pointer frame, as BPF does once it
 * stops asking. Not the best unwinding user space can do, but BPF's: the blocks of one
 * place would show as two sites otherwise. The number of frames in ips.
 */
int unwind__bpf_view(const struct unwind_event *e, const struct unwind_result *res,
		     uint64_t ips[MAX_STACK_DEPTH]);

#endif
