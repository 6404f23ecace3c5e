/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/* The ABI of bpf/fds.bpf.c: the fds the traced processes open and close. */
#ifndef LEAKBPF_ABI_FDS_H
#define LEAKBPF_ABI_FDS_H

/*
 * File descriptors (bpf/fds.bpf.c). An fd opened while traced is a record keyed by
 * {tgid, fd}; the fd table itself, not the records, is what the report counts.
 */
#define DEFAULT_MAX_FDS (1 << 16)	/* fds opened while traced and still open, all processes */
#define MAX_NEW_FDS 32			/* fds recorded from one syscall (SCM_RIGHTS may bring more) */

/*
 * The attach cookie of a probe on syscall(2): its first argument says which call it makes.
 * Other C library wrappers' cookies are the syscall they make.
 */
#define FD_COOKIE_SYSCALL (1 << 16)

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
	__u32 exec_gen;		/* proc_info.exec_gen when it was opened: its stack's image */
	__u32 kind;		/* enum fd_record_kind: for when /proc/PID/fd is gone (exit) */
};

/*
 * The kind of file an fd_info was opened on, from its filesystem, as user/proc/fd_table.c names
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

/* Flags of a process in the `procs` map. */
enum proc_flags {
	PROC_SKIP_EXEC = 1,	/* -- CMD: the first exec closes leakbpf's own fds, not the program's */
	PROC_HOLD_EXIT = 2,	/* stop the process at _Exit() until user space has read its fds */
	PROC_EXITED = 4,		/* its last thread exited: the open fds were counted once */
	PROC_FD_WRAPPERS = 8,	/* its fd calls are seen at its C library wrappers, not at syscalls */
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

#endif /* LEAKBPF_ABI_FDS_H */
