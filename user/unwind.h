/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * Unwinding a user stack from the registers and a copy of its top taken at a syscall
 * (struct fd_unwind_event), with the CFI of the modules: C libraries' syscall wrappers
 * keep no frame pointer, so this is how the function that called open() is found. The
 * rules used on the way are handed back for bpf/fds to apply itself next time.
 */
#ifndef LEAKBPF_UNWIND_H
#define LEAKBPF_UNWIND_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/types.h>
#include "leakbpf.h"
#include "symbolize.h"

/* The CFI row at addr (symbolizer__cfi, or a table in the unit tests); 0 or -errno. */
typedef int (*cfi_lookup_fn)(void *ctx, uint64_t addr, bool return_addr, struct cfi_row *out);

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

/*
 * CFI unwinding through the stack copy as far as it goes, then the frame-pointer walk the
 * event carries, joined where the frame pointers agree. Never fails: at worst, ips[0].
 */
void unwind__event(const struct fd_unwind_event *e, cfi_lookup_fn cfi, void *ctx,
		   struct unwind_result *out);

#endif
