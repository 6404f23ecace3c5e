/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * Threads of a traced process: the live count at attach and at the end, the threads
 * started and ended in between (bpf/tasks), and how the process exited.
 */
#ifndef LEAKBPF_THREADS_H
#define LEAKBPF_THREADS_H

#include <stdint.h>
#include <linux/types.h>
#include "abi/tasks.h"

struct proc_snapshot;
struct target;
struct thread_counts;
struct tracer;

struct thread_tracker {
	uint64_t start;		/* live threads at attach; UNKNOWN when /proc could not say */
};

/* Remember how many threads tg has now, at attach. */
void threads__start(struct target *tg);
/*
 * Fill ps->threads; when the BPF side saw the process end and nothing else did (-p), also
 * its exit, and ps->end_ns becomes the time it began to exit, if sooner. 0 or -errno.
 */
int threads__snapshot(struct tracer *t, const struct target *tg, struct proc_snapshot *ps);

/*
 * The counts from the merged counters, the count at attach and the live count now (-errno
 * when it cannot be read). A process that ended reports the threads it had when it began
 * to exit: what it left running, not the 0 that remains afterwards.
 */
void threads__fill(const struct thread_stats *st, uint64_t start, int live,
		   struct thread_counts *out);
/* A wait(2) status as the report's exit_code: the exit status, or 128 + the signal. */
int threads__exit_code(uint64_t status);

#endif
