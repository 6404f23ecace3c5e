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

/* x86-64 user addresses lie below this (57-bit LA57 included): above, no return address */
#define USER_ADDR_END (1ULL << 56)

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
 * A user stack: return addresses, innermost first, zero-padded (the value of bpf/fds's
 * `fd_stacks`). Stack maps are keyed by a 64-bit hash: unlike BPF_MAP_TYPE_STACK_TRACE,
 * whose buckets are indexed by a 32-bit hash and refuse a second stack on a collision,
 * distinct stacks do not knock each other out.
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
	__u64 socks_untracked;	/* no sk storage for a new TCP socket: its states go unseen */
	__u64 close_waits_full;	/* `close_waits` was full: a CLOSE_WAIT socket has no age */
	__u64 unwind_lost;	/* the ring buffer was full: a new allocation stack was not sent
				 * to user space to be unwound (a later call from there may be) */
	__u64 unseen_frees;	/* a block's address was handed out again: its free was missed */
	__u64 putback_failed;	/* a failed realloc's block could not be put back */
};

/*
 * Per-process thread counters (a per-CPU value: user space adds up created, exited and
 * dead, takes the largest threads_at_exit, the earliest exit_ns and the exit_status of the
 * CPU that saw dead).
 */
struct thread_stats {
	__u64 created;		/* threads started while traced */
	__u64 exited;		/* threads ended while traced, the last ones included */
	__u64 threads_at_exit;	/* threads alive when the process began to exit (0: not yet) */
	__u64 exit_ns;		/* CLOCK_MONOTONIC then (0: not yet); the earliest CPU's */
	__u64 dead;		/* the last thread has exited */
	__u64 exit_status;	/* then: the wait(2) status its parent gets */
};

/*
 * TCP states are the kernel's (include/net/tcp_states.h, UAPI BPF_TCP_*): 1 (ESTABLISHED)
 * to 13 (BOUND_INACTIVE, 6.6+). Counters have a slot per state, indexed by the state.
 */
#define TCP_STATE_SLOTS 16

/*
 * Per-process TCP sockets per state, as changes since attach (a per-CPU value: user space
 * adds up the CPUs and what was open at attach). A socket moves from its state's slot to
 * the next one's, whatever CPU the move happens on, so one CPU's slot may be negative.
 */
struct sock_stats {
	__s64 state[TCP_STATE_SLOTS];
};

/*
 * The sk storage of a TCP socket of a traced process. The BPF side creates it when the
 * process connects or listens; a listener's is cloned into each connection it receives
 * (BPF_F_CLONE), and user space creates it for the sockets open at attach.
 */
struct sock_owner {
	/* key in `close_waits`: the sock's kernel address, or its inode number when adopted
	 * at attach (32-bit, below any kernel address) */
	__u64 id;
	__u32 tgid;		/* the process it is counted for */
	__u32 state;		/* the state it is counted in */
	__u32 frozen;		/* closed by its owner's exit: counted as it was at exit */
	__u32 pad;
};

/* Value of `close_waits`: one socket of a traced process in CLOSE_WAIT. */
struct close_wait {
	__u64 since_ns;		/* CLOCK_MONOTONIC when it entered CLOSE_WAIT; for one in
				 * CLOSE_WAIT at attach, attach: its age is a lower bound */
	__u64 until_ns;		/* 0 while it lasts; when its owner's exit closed it */
	__u32 tgid;
	__u32 pad;
};

/* How many sockets may be in CLOSE_WAIT at once in the traced processes. */
#define MAX_CLOSE_WAITS 65536

/* Flags of a process in the loader's `loader_watch` map. */
enum loader_flags {
	LOADER_WATCH = 1,	/* report each time its set of loaded modules is consistent */
	LOADER_STOP = 2,	/* stop it (SIGSTOP) the next time, until user space has looked */
	LOADER_EXEC = 4,	/* report each exec (a new image may use another allocator) */
	LOADER_EXEC_STOP = 8,	/* and stop the new image before its first instruction */
	LOADER_UNLOAD_STOP = 16, /* report and stop it before each unloading (dlclose) */
};

enum loader_event_kind {
	LOADER_EV_MODULES = 0,	/* the loader's set of modules is consistent */
	LOADER_EV_EXEC = 1,	/* the process exec'ed a new image */
	LOADER_EV_UNLOADING = 2, /* the loader is about to unmap modules */
};

/* What bpf/loader saw in a process. */
struct loader_event {
	__u32 tgid;
	__u32 stopped;		/* SIGSTOP was sent: user space sends SIGCONT when done */
	__u32 kind;		/* enum loader_event_kind */
	__u32 pad;
};

/*
 * File descriptors (bpf/fds.bpf.c). An fd opened while traced is a record keyed by
 * {tgid, fd}; the fd table itself, not the records, is what the report counts.
 */
#define DEFAULT_MAX_FDS (1 << 16)	/* fds opened while traced and still open, all processes */
#define MAX_NEW_FDS 32			/* fds recorded from one syscall (SCM_RIGHTS may bring more) */

/* Key of the `fd_records` map. */
struct fd_key {
	__u32 tgid;
	__s32 fd;
};

/* Value of the `fd_records` map: an fd opened while traced. */
struct fd_info {
	__u64 ts_ns;		/* CLOCK_MONOTONIC when it was opened */
	__u64 stack;		/* key in `fd_stacks`; 0 when not captured here */
	__u64 seq;		/* else the unwind_event that carried its stack to user space; 0: none */
	__u64 ino;		/* i_ino of its file: a later fd with the same number has another */
	__u32 exec_gen;		/* fd_proc.exec_gen when it was opened: its stack's image */
	__u32 kind;		/* enum fd_record_kind: for when /proc/PID/fd is gone (exit) */
};

/*
 * The kind of file an fd_info was opened on, from its filesystem, as user/fd_proc.c names
 * the kinds from /proc/PID/fd links (a file on an unusual pseudo filesystem is a file).
 */
enum fd_record_kind {
	FDR_UNKNOWN = 0,	/* its file could not be read */
	FDR_FILE = 1,
	FDR_SOCKET = 2,
	FDR_PIPE = 3,
	FDR_ANON = 4,		/* anon inodes (eventfd, epoll...), pidfds, memfds */
	FDR_OTHER = 5,		/* namespaces */
};

/* Per-process fd counters (a per-CPU value: user space sums the CPUs). */
struct fd_stats {
	__u64 opened;		/* fds created by a traced syscall */
	__u64 closed;		/* fds closed by close, close_range, dup2/dup3 over them, exec */
	__u64 closed_at_exit;	/* fds still open when the process exited (the kernel closed them) */
};

/* Flags of a process in the `fd_procs` map. */
enum fd_proc_flags {
	FDP_SKIP_EXEC = 1,	/* -- CMD: the first exec closes leakbpf's own fds, not the program's */
	FDP_HOLD_EXIT = 2,	/* stop the process at _Exit() until user space has read its fds */
	FDP_EXITED = 4,		/* its last thread exited: the open fds were counted once */
};

/* Value of the `fd_procs` map (bpf/fds counts the execs; bpf/alloc reads the generation). */
struct fd_proc {
	__u32 flags;		/* enum fd_proc_flags */
	__u32 exec_gen;		/* execs so far: unwind rules of an older image no longer apply */
};

/*
 * Unwinding without frame pointers (bpf/unwind.bpf.h, for bpf/alloc and bpf/fds). Code
 * built without them hides its caller from a frame-pointer walk: C libraries' syscall
 * wrappers (the caller of open()), libstdc++'s operator new and strdup (the caller of
 * malloc's caller). User space learns from the CFI of the frame's module how to unwind
 * one frame, per {tgid, pc}; CFA is the caller's stack pointer.
 */
#define MAX_UNWIND_RULES (1 << 16)	/* learned unwind rules (struct unwind_rule) */
#define UNWIND_STACK_COPY 4096		/* bytes of user stack an unwind_event carries */
#define UNWIND_CFI_STEPS 8		/* frames unwound by rules before the frame-pointer walk */

enum unwind_rule_type {
	RULE_CFA_SP = 1,	/* CFA = sp + cfa_off */
	RULE_CFA_BP = 2,	/* CFA = bp + cfa_off */
	RULE_FP = 3,		/* a frame-pointer frame: walk the rbp chain from here */
	RULE_END = 4,		/* the outermost frame: nothing called it */
	RULE_PENDING = 5,	/* asked for: sent is how many stacks went to user space */
};

/*
 * Stacks sent to user space for one pc before its rule is known; then bpf/fds makes do
 * with frame pointers, and bpf/alloc keeps its stack provisional.
 */
#define MAX_PENDING_EVENTS 16

struct unwind_key {
	__u64 pc;		/* frame 0: the ip (after the syscall, or the return from malloc);
				 * others: the return address */
	__u32 tgid;
	__u32 exec_gen;		/* fd_proc.exec_gen of the image the pc belongs to */
};

struct unwind_rule {
	__u32 type;		/* enum unwind_rule_type */
	__s32 cfa_off;
	__s32 ra_off;		/* the return address is at CFA + ra_off */
	__s32 bp_off;		/* the caller's rbp is at CFA + bp_off; 0: rbp is unchanged */
	__u32 sent;		/* RULE_PENDING: stacks sent so far */
	__u32 pad;
};

/* A frame-pointer walk: rets[0] is the ip, rets[i > 0] the return address read at bps[i] + 8. */
struct fp_frames {
	__u64 rets[MAX_STACK_DEPTH];
	__u64 bps[MAX_STACK_DEPTH];
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

/* Bytes of the ring buffer `events` (bpf/unwind.bpf.h): about 400 unwind events. */
#define EVENTS_RING_SIZE (1 << 21)

/* Events of bpf/unwind.bpf.h's ring buffer `events`, told apart by their first field. */
enum event_type {
	EV_UNWIND = 1,		/* struct unwind_event */
	EV_FD_EXIT = 2,		/* struct fd_exit_event */
	EV_LOADER = 3,		/* struct loader_event */
	EV_TYPE_NR,
};

/* Which object asked for a stack to be unwound. */
enum unwind_origin {
	UNWIND_FD = 1,		/* bpf/fds: the ip is where a syscall returns to */
	UNWIND_ALLOC = 2,	/* bpf/alloc: the ip is the return address of a malloc call */
};

/* A stack met a pc with no learned rule: user space unwinds it from this. */
struct unwind_event {
	__u32 type;		/* EV_UNWIND */
	__u32 tgid;
	__u64 seq;		/* UNWIND_FD: fd_info.seq of the fds it made */
	__u64 stack;		/* UNWIND_ALLOC: the provisional key in `stacks` it stands for */
	__u32 exec_gen;		/* for the rules learned from it */
	__u32 origin;		/* enum unwind_origin */
	__u64 ip, sp, bp;	/* user registers */
	struct fp_frames fp;	/* frame-pointer walk from bp (garbage if code reused rbp) */
	__u32 nfp;		/* entries in fp */
	__u32 copy_len;		/* bytes of copy */
	__u8 copy[UNWIND_STACK_COPY];	/* the user stack from sp up */
};

/* A process called _Exit() and, with stopped, waits (SIGSTOP) for user space to look. */
struct fd_exit_event {
	__u32 type;		/* EV_FD_EXIT */
	__u32 tgid;
	__u32 stopped;
	__u32 pad;
};

/* Losses of bpf/fds.bpf.c, in .bss: every one of these makes the report say so. */
struct fd_drop_stats {
	__u64 records_full;	/* `fd_records` was full, or an SCM_RIGHTS message brought more */
	__u64 stacks_failed;	/* `fd_stacks` was full */
	__u64 events_lost;	/* the ring buffer was full: an fd went without its stack */
};

#endif /* LEAKBPF_H */
