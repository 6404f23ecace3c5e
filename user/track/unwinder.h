/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * The user-space half of unwinding without frame pointers (bpf/unwind.bpf.h): a stack on
 * which bpf/alloc or bpf/fds met a pc without a rule (an EV_UNWIND event) is unwound here
 * with the CFI of the target's modules. The rules used on the way go back to BPF, which
 * applies them itself from then on; the stack goes to whoever waits for it.
 */
#ifndef LEAKBPF_UNWINDER_H
#define LEAKBPF_UNWINDER_H

#include "leakbpf.h"

struct fd_tracker;
struct symbolizer;
struct tracer;

/*
 * Unwind e and teach BPF the rules. The stack of an fd is kept by ft (NULL: not traced);
 * bpf/alloc's provisional stack is told with the frames BPF itself finds from now on
 * (tracer__fix_stack). sym NULL: no module could be read yet, the frame-pointer walk has
 * to do. 0 or -errno.
 */
int unwinder__event(struct tracer *t, struct symbolizer *sym, struct fd_tracker *ft,
		    const struct unwind_event *e);

#endif
