/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/* The ABI of bpf/go.bpf.c: a Go runtime's goroutines and allocations, from entry probes. */
#ifndef LEAKBPF_ABI_GO_H
#define LEAKBPF_ABI_GO_H

/*
 * Per-process counters (a per-CPU value): heap objects and their bytes as the runtime
 * counts them for MemStats.Mallocs and TotalAlloc, at the same places (a span's slots
 * when the span leaves its mcache, tiny allocations at their flush, each large object).
 */
struct go_stats {
	__u64 mallocs;
	__u64 bytes;
};

/*
 * Where this process's Go keeps what go_stats adds up (DWARF offsets; one per process,
 * since each Go version lays them out its own way).
 */
struct go_alloc_layout {
	__u16 mcache_alloc;		/* mcache.alloc: [nclasses]*mspan, by span class */
	__u16 mcache_tiny_allocs;	/* mcache.tinyAllocs: tiny objects not yet counted */
	__u16 nclasses;
	__u16 span_alloc_count;		/* mspan.allocCount (u16) */
	__u16 span_before_cache;	/* mspan.allocCountBeforeCache (u16) */
	__u16 span_elemsize;		/* mspan.elemsize (uintptr) */
};

/* The largest nclasses go.bpf.c walks (Go 1.19 has 136) */
#define GO_MAX_SPAN_CLASSES 256

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
