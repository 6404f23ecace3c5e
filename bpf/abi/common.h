/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * The ABI of the BPF objects, a header per object in bpf/abi/ shared by bpf/ and user/: map
 * keys and values, enums and limits. No libc or vmlinux includes there; both sides provide
 * the __u64-style types. This one holds what more than one object uses: limits, the process
 * table, the loss counters of bpf/alloc and bpf/tasks, the events of the ring buffer that
 * bpf/alloc and bpf/fds share.
 */
#ifndef LEAKBPF_ABI_COMMON_H
#define LEAKBPF_ABI_COMMON_H

/* Frames kept per user stack. The kernel's own cap is kernel.perf_event_max_stack (127). */
#define MAX_STACK_DEPTH 64

/* x86-64 user addresses lie below this (57-bit LA57 included): above, no return address */
#define USER_ADDR_END (1ULL << 56)

/* Defaults for the sizes of the preallocated maps; options may change them. */
#define DEFAULT_MAX_STACKS (1 << 13)	/* distinct stacks (`stacks`, `fd_stacks`) */
#define MAX_PROCS 4096			/* processes traced at once */

/* How much the allocator probes track (--mode). */
enum track_mode {
	MODE_COUNTS = 0,	/* per-process counters from entry probes only */
	MODE_STACKS = 1,	/* plus every sampled block with its allocation stack */
	MODE_FULL = 2,		/* plus the time each block was allocated */
};

/*
 * A user stack: return addresses, innermost first, zero-padded (the value of bpf/fds's
 * `fd_stacks`). Stack maps are keyed by a 64-bit hash: unlike BPF_MAP_TYPE_STACK_TRACE,
 * whose buckets are indexed by a 32-bit hash and refuse a second stack on a collision,
 * distinct stacks do not knock each other out.
 */
struct stack_trace {
	__u64 ips[MAX_STACK_DEPTH];
};

/*
 * Global loss counters, in .bss (`drops`, of bpf/alloc and of bpf/tasks): every one of these
 * makes the report say so.
 */
struct drop_stats {
	__u64 allocs_full;	/* `allocs` was full: a block went untracked */
	__u64 stacks_failed;	/* a stack walk failed or `stacks` was full */
	__u64 state_missing;	/* no per-thread state: an allocation went unseen */
	__u64 socks_untracked;	/* no sk storage for a new TCP socket: its states go unseen */
	__u64 close_waits_full;	/* `close_waits` was full: a CLOSE_WAIT socket has no age */
	__u64 unwind_lost;	/* the ring buffer was full: a new allocation stack was not sent
				 * to user space to be unwound (a later call from there may be) */
	__u64 unseen_frees;	/* a block's address was handed out again: its free was missed */
	__u64 putback_failed;	/* a failed realloc's block could not be put back */
};

/*
 * Value of the process table `procs` (bpf/procs.bpf.h): bpf/fds counts the execs, bpf/alloc
 * and bpf/fds key unwind rules by the generation.
 */
struct proc_info {
	__u32 flags;		/* enum proc_flags (bpf/abi/fds.h) */
	__u32 exec_gen;		/* execs so far: unwind rules of an older image no longer apply */
};

/* Bytes of the ring buffer `events` (bpf/events.bpf.h): about 400 unwind events. */
#define EVENTS_RING_SIZE (1 << 21)

/* Events of the ring buffer `events` (bpf/events.bpf.h), told apart by their first field. */
enum event_type {
	EV_UNWIND = 1,		/* struct unwind_event (bpf/abi/unwind.h) */
	EV_FD_EXIT = 2,		/* struct fd_exit_event (bpf/abi/fds.h) */
	EV_LOADER = 3,		/* struct loader_event (bpf/abi/loader.h) */
	EV_TYPE_NR,
};

#endif /* LEAKBPF_ABI_COMMON_H */
