/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
#ifndef LEAKBPF_COUNTERS_H
#define LEAKBPF_COUNTERS_H

/*
 * Bump a per-CPU counter. Atomically, although no other CPU touches it: a uprobe program
 * runs with migration disabled but can be preempted (PREEMPT_DYNAMIC kernels in full or
 * lazy mode), and another thread of the target scheduled on the same CPU in between would
 * have its increment overwritten by a stale value. The counts are promised exact; a
 * lock-prefixed add on a cache line this CPU owns costs a few nanoseconds.
 */
#define COUNT(field, n) __sync_fetch_and_add(&(field), (n))

#endif
