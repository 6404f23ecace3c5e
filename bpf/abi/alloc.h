/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * The ABI of bpf/alloc.bpf.c, the allocator probes: blocks, counters, and the stacks
 * bpf/alloc_stacks.bpf.h resolves.
 */
#ifndef LEAKBPF_ABI_ALLOC_H
#define LEAKBPF_ABI_ALLOC_H

#include "common.h"
#include "unwind.h"

/* The default size of the preallocated `allocs`; an option may change it. */
#define DEFAULT_MAX_ALLOCS (1 << 18)	/* outstanding blocks tracked at once */

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
 * Per-process allocator counters (a per-CPU value: user space sums the CPUs).
 * mallocs, bytes_allocated and free_calls are exact in every mode. The rest follow the
 * blocks in the sample (every block without -s): with -s N, a free of a block not in
 * `allocs` may be of a block from before attach or of one left out of the sample, so
 * user space splits them by estimate (user/report/model.c).
 *
 * Each counter bumped costs the target an atomic add (bpf/counters.h), so BPF bumps as few
 * as it can and tracer__alloc_stats() completes them: in the map, mallocs and
 * bytes_allocated leave out the tracked blocks (tracked, bytes_tracked), and free_calls
 * is not kept at all (frees + untracked_frees - frees_unseen).
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
	__u64 frees_unseen;	/* frees counted for a block whose address came back without a
				 * call we saw (not in free_calls) */
	__u64 exec_released;	/* blocks in `allocs` when the process exec'ed: gone with its
				 * address space, neither freed nor outstanding */
	__u64 bytes_exec_released;	/* bytes of those */
	__u64 untracked_allocs;	/* allocated while traced but not followed: `allocs` was full;
				 * their frees are among untracked_frees */
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

/*
 * bpf/alloc's `stacks` is keyed by the hash of the frame-pointer walk from malloc's return:
 * one lookup per allocation. Where the walk misses callers (code without frame pointers
 * between malloc and the first frame that keeps one: operator new, strdup), the stack
 * there also says how rules found the frames the walk missed (steps), and a call that
 * reaches it checks them, with one read of its stack: the same return addresses, the same
 * stack; another one, and the key of the frames so far mixed with it is looked up instead.
 * A stack met before its rules are known is held as well as the walk could tell, marked
 * provisional, until the rules come.
 */
enum alloc_stack_flags {
	STACK_PROVISIONAL = 1,	/* a rule on the way is not known yet (ips: the best guess;
				 * user space keeps the stack it unwound for the key) */
	STACK_CHECKED = 2,	/* frames level + 1 on were found by steps: check them */
	STACK_TAIL = 4,		/* with STACK_CHECKED: then the walk from the rbp the steps
				 * restored, whose hash is tail */
};

/*
 * Bytes of stack one read may cover to check a stack's steps: when every step's CFA is
 * rsp-based, the return addresses lie at fixed offsets from the first frame's rsp.
 */
#define STACK_SPAN_MAX 512

/*
 * Value of bpf/alloc's `stacks` map: the stack of the blocks that carry its key. What every
 * allocation reads comes first, in the cache line of the key.
 */
struct alloc_stack {
	__u32 flags;			/* enum alloc_stack_flags; 0: the walk is the stack */
	__u16 level;			/* STACK_CHECKED: ips[0..level] are what the key hashes */
	__u16 nsteps;			/* STACK_CHECKED: the frames after level found by steps */
	__u16 span_lo;			/* STACK_CHECKED: the steps read only [rsp + span_lo, */
	__u16 span_hi;			/* rsp + span_hi), within STACK_SPAN_MAX; span_hi 0: the
					 * steps do not all read from rsp, a read per step */
	__u32 pad;
	__u64 tail;			/* STACK_TAIL */
	struct unwind_rule steps[UNWIND_CFI_STEPS];	/* RULE_CFA_SP, RULE_CFA_BP */
	__u64 ips[MAX_STACK_DEPTH];	/* as in struct stack_trace */
};

#endif /* LEAKBPF_ABI_ALLOC_H */
