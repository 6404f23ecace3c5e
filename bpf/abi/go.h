/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/* The ABI of bpf/go.bpf.c: a Go runtime's goroutines and allocations, from entry probes. */
#ifndef LEAKBPF_ABI_GO_H
#define LEAKBPF_ABI_GO_H

/* Per-process counters (a per-CPU value). */
struct go_stats {
	__u64 mallocs;		/* runtime.mallocgc calls */
	__u64 bytes;		/* the sizes they asked for */
};

enum go_event_kind {
	GO_CREATED,		/* runtime.newproc1: a goroutine begins */
	GO_EXITED,		/* runtime.goexit0: one ends */
};

/*
 * Goroutines begun or ended, by the function each started at (its startpc): user space
 * names the function and leaves out the runtime's own, as runtime.NumGoroutine does.
 * before_main: before main.main was entered (a command's goroutines at its start).
 */
struct go_start_key {
	__u32 tgid;
	__u32 kind;		/* enum go_event_kind */
	__u64 startpc;
	__u32 before_main;
	__u32 pad;
};

#endif /* LEAKBPF_ABI_GO_H */
