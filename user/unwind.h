/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * Unwinding a user stack from the registers and a copy of its top taken at a syscall
 * (struct unwind_event), with the CFI of the modules: C libraries' syscall wrappers keep
 * no frame pointer, so this is how the function that called open() is found. The rules
 * used on the way are handed back for bpf/fds to apply itself next time.
 */
#ifndef LEAKBPF_UNWIND_H
#define LEAKBPF_UNWIND_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/types.h>
#include "leakbpf.h"
#include "symbolize.h"

/* What the unwinder asks of the modules (user/unwinder.c: the symbolizer; unit tests: tables). */
struct unwind_ops {
	/* The CFI row at addr; 0 or -errno. */
	int (*cfi)(void *ctx, uint64_t addr, bool return_addr, struct cfi_row *out);
	/* The 7 code bytes before addr; 0 or -errno. */
	int (*code_before)(void *ctx, uint64_t addr, uint8_t code[7]);
	/* Where the function holding the return address addr starts; 0 or -errno. */
	int (*func_start)(void *ctx, uint64_t addr, uint64_t *start);
};

struct unwind_result {
	uint64_t ips[MAX_STACK_DEPTH];	/* ip at the syscall, then return addresses */
	int n;
	struct {
		uint64_t pc;
		struct unwind_rule rule;
	} rules[MAX_STACK_DEPTH];	/* for bpf/fds's unwind_rules */
	int nrules;
	bool stuck;		/* no usable CFI at stuck_pc (not merely the end of the copy) */
	uint64_t stuck_pc;
};

/* The bpf/fds rule for a CFI row; -ENOTSUP when BPF could not follow it. */
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
 * those frames teach bpf/fds no rule. Never fails: at worst, ips[0].
 */
void unwind__event(const struct unwind_event *e, const struct unwind_ops *ops, void *ctx,
		   struct unwind_result *out);

#endif
