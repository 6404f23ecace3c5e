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

#include <stddef.h>

/* The handler of the unwind events (EV_UNWIND) of bpf/alloc and bpf/fds for the target ctx. */
int unwinder__on_event(void *ctx, const void *data, size_t size);

#endif
