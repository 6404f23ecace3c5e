/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * The file descriptors of one traced process: /proc/PID/fd at attach, the stacks user space
 * unwound for bpf/fds, the fd table as it was when the process called _Exit(), and from
 * those the counts and the fds opened while traced and still open. Functions return 0 or
 * -errno.
 */
#ifndef LEAKBPF_FD_TRACKER_H
#define LEAKBPF_FD_TRACKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/types.h>

struct fd_tracker;
struct proc_snapshot;
struct tracer;

/* NULL with errno set */
struct fd_tracker *fd_tracker__new(pid_t pid);
void fd_tracker__free(struct fd_tracker *ft);

/*
 * Read the fd table at attach. launched: the process is a command held before exec, and
 * only the fds the exec keeps (not close-on-exec) are the program's.
 */
int fd_tracker__start(struct fd_tracker *ft, bool launched);

/*
 * Stop the process at _Exit() until its fd table is read (-- CMD, where leakbpf is the
 * parent): _Exit in the first object the process maps that defines it (the executable if
 * static, else the C library). Does nothing the second time, nor without an _Exit.
 */
int fd_tracker__hold_exit(struct fd_tracker *ft, struct tracer *t);
/* The process exec'ed: the next fd_tracker__hold_exit() probes the new image's _Exit(). */
void fd_tracker__exec(struct fd_tracker *ft);
/*
 * How bpf/fds sees the process's fd calls: at its glibc's wrappers (wrappers: it may have
 * them; only it pays), else at every syscall on the host. A command's wrappers are probed
 * once its libraries are mapped (fd_tracker__hook_image), -p's here.
 */
int fd_tracker__hook(struct fd_tracker *ft, struct tracer *t, bool wrappers, bool command);
/* The process runs a new image, its libraries mapped: probe its wrappers, or fall back. */
int fd_tracker__hook_image(struct fd_tracker *ft, struct tracer *t);

/* Keep the stack user/track/unwinder.c unwound for the fds whose fd_info.seq is seq. */
int fd_tracker__keep_stack(struct fd_tracker *ft, uint64_t seq, const uint64_t *ips, int n);

/* The process is held at _Exit(): keep its fd table as the report's end state. */
int fd_tracker__at_exit(struct fd_tracker *ft, struct tracer *t, uint64_t now);

/*
 * Fill ps->fds and ps->open_fds as of ps->end_ns: the table now, or at its exit when it
 * was held there (exited: it is gone), or else what its records say.
 */
int fd_tracker__snapshot(struct fd_tracker *ft, struct tracer *t, bool exited,
			 struct proc_snapshot *ps);

/* Stacks that could not be kept (the table of unwound stacks was full). */
uint64_t fd_tracker__lost(const struct fd_tracker *ft);

#endif
