/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/* The ABI of bpf/tasks.bpf.c: the threads and TCP sockets of the traced processes. */
#ifndef LEAKBPF_ABI_TASKS_H
#define LEAKBPF_ABI_TASKS_H

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

/*
 * bpf/tasks's .bss `nesting`: the moves the second socket program took in the first's
 * stead, and the moves the first took while the second was busy. The kernel counts both as
 * missed runs of the other program; neither lost a move.
 */
struct sock_nesting {
	__u64 taken_by_second;
	__u64 taken_while_second_busy;
};

/* How many sockets may be in CLOSE_WAIT at once in the traced processes. */
#define MAX_CLOSE_WAITS 65536

#endif /* LEAKBPF_ABI_TASKS_H */
