/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * The one header shared by bpf/ and user/: map keys and values, enums and limits.
 * No libc or vmlinux includes here; both sides provide the __u64-style types.
 */
#ifndef LEAKBPF_H
#define LEAKBPF_H

/* Frames kept per user stack. The kernel's own cap is kernel.perf_event_max_stack (127). */
#define MAX_STACK_DEPTH 64

/* Defaults for the sizes of the preallocated maps; options may change them. */
#define DEFAULT_MAX_ALLOCS (1 << 18)	/* outstanding blocks tracked at once */
#define DEFAULT_MAX_STACKS (1 << 13)	/* distinct allocation stacks */
#define MAX_PROCS 4096			/* processes traced at once */

/* How much the allocator probes track (--mode). */
enum track_mode {
	MODE_COUNTS = 0,	/* per-process counters from entry probes only */
	MODE_STACKS = 1,	/* plus every sampled block with its allocation stack */
	MODE_FULL = 2,		/* plus the time each block was allocated */
};

/* What an allocator entry probe saw; decides how the return is interpreted. */
enum alloc_kind {
	ALLOC_RET = 1,		/* the block is the return value (malloc, calloc, memalign...) */
	ALLOC_REALLOC = 2,	/* the return value replaces the block `old` */
	ALLOC_OUT_PTR = 3,	/* the block is written through `out` (posix_memalign) */
};

/*
 * The attach cookie of an entry probe: the bytes its prologue pushed before the probed
 * instruction (low 32 bits), and whether the function may call or jump to another probed
 * function (glibc's realloc calls free and malloc, and jumps to malloc for realloc(NULL, n))
 * or be called so. Without a return probe, such an inner call must be recognised at its
 * entry, and only the callee side pays for looking.
 */
#define COOKIE_SP_MASK 0xffffffffULL
#define COOKIE_CALLS (1ULL << 32)
#define COOKIE_CALLED (1ULL << 33)

/* Key of the `allocs` map: one outstanding block of one process. */
struct alloc_key {
	__u64 addr;
	__u32 tgid;
	__u32 pad;
};

/* Value of the `allocs` map. */
struct alloc_info {
	__u64 size;		/* bytes the program asked for */
	__u64 ts_ns;		/* CLOCK_MONOTONIC at allocation; 0 outside MODE_FULL */
	__u64 stack;		/* key in the `stacks` map; 0 when the stack was not captured */
};

/*
 * Value of the `stacks` map: user return addresses, innermost first, zero-padded. The key
 * is a 64-bit hash of the addresses: unlike BPF_MAP_TYPE_STACK_TRACE, whose buckets are
 * indexed by a 32-bit hash and refuse a second stack on a collision, distinct stacks do not
 * knock each other out.
 */
struct stack_trace {
	__u64 ips[MAX_STACK_DEPTH];
};

/*
 * Per-process allocator counters (a per-CPU value: user space sums the CPUs).
 * mallocs, bytes_allocated and free_calls are exact in every mode. The rest follow the
 * blocks in the sample (every block without -s): with -s N, a free of a block not in
 * `allocs` may be of a block from before attach or of one left out of the sample, so
 * user space splits them by estimate (user/collect.c).
 */
struct alloc_stats {
	__u64 mallocs;		/* allocations (a realloc counts one); calls, in counts mode */
	__u64 bytes_allocated;	/* bytes requested by those */
	__u64 frees;		/* frees of blocks in `allocs` (a moving realloc counts one) */
	__u64 bytes_freed;	/* bytes of those */
	__u64 untracked_frees;	/* frees of blocks not in `allocs` */
	__u64 tracked;		/* blocks inserted into `allocs` */
	__u64 bytes_tracked;	/* bytes of those */
	__u64 free_calls;	/* calls that released a block: free(p != NULL), realloc(p != NULL) */
};

/*
 * Where a process's allocator functions are (run-time addresses, [lo, hi)): a call whose
 * return address lies inside one of them is the allocator calling itself (realloc(NULL, n)
 * calls malloc, realloc(p, 0) calls free) and is not counted again.
 */
#define MAX_ALLOC_RANGES 12
struct alloc_text {
	__u64 lo[MAX_ALLOC_RANGES];
	__u64 hi[MAX_ALLOC_RANGES];
	__u32 n;
	__u32 pad;
};

/* Per-process calls of the --item and --batch probes (a per-CPU value). */
struct item_stats {
	__u64 items;
	__u64 batches;
};

/* Global loss counters, in .bss: every one of these makes the report say so. */
struct drop_stats {
	__u64 allocs_full;	/* `allocs` was full: a block went untracked */
	__u64 stacks_failed;	/* a stack walk failed or `stacks` was full */
	__u64 state_missing;	/* no per-thread state: an allocation went unseen */
};

/* Flags of a process in the loader's `loader_watch` map. */
enum loader_flags {
	LOADER_WATCH = 1,	/* report each time its set of loaded modules is consistent */
	LOADER_STOP = 2,	/* stop it (SIGSTOP) the next time, until user space has looked */
};

/* The dynamic loader finished mapping or unmapping modules in a process. */
struct loader_event {
	__u32 tgid;
	__u32 stopped;		/* SIGSTOP was sent: user space sends SIGCONT when done */
};

#endif /* LEAKBPF_H */
