/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * A Go target: goroutines begun and ended (entry probes, bpf/go.bpf.c), counted as
 * runtime.NumGoroutine counts them; GC cycles and pauses, and the live heap, read from
 * the runtime's own variables in its memory; the runtime's allocations, counted where it
 * counts them (a span at a time) so that they are MemStats'. Functions return
 * 0 or -errno.
 */
#ifndef LEAKBPF_TRACK_GO_H
#define LEAKBPF_TRACK_GO_H

#include <stdbool.h>
#include <sys/types.h>
#include "proc/go_runtime.h"

struct target;
struct tracer;
struct proc_snapshot;

struct go_target {
	bool is_go;
	struct go_binary bin;
	bool from_start;	/* a command: seen from its first instruction */
	bool counts_allocs;	/* its allocator probed: heap mallocs and bytes known */
	uint64_t bias;		/* its load address less its link address (PIE) */
	bool bias_known;
	bool have_start, have_end;
	bool end_at_exit;	/* end was read while held at its exit: final */
	struct go_state start;	/* at attach (-p) */
	struct go_state end;	/* at its exit (held there), else read at each snapshot */
};

/* Is the program at path (the target's executable as leakbpf opens it) a Go program? */
bool go_target__find(struct go_target *g, const char *path);
/* Probe its runtime; command: traced from its first instruction (else -p, now). */
int go_target__attach(struct tracer *t, struct target *tg, const char *path, bool command);
/* Held at its exit: read the runtime's state before it is gone. */
void go_target__at_exit(struct target *tg);
/* Fill ps->go (untouched for a program that is not Go). */
int go_target__snapshot(struct tracer *t, struct target *tg, struct proc_snapshot *ps);

#endif
