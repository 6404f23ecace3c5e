/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * bpf/fds: file descriptors opened and closed, with the stacks that opened them, and the
 * hold at _Exit(). Its events (stacks to unwind, EV_UNWIND; exits held, EV_FD_EXIT) come
 * through tracer__consume(). Functions return 0 or -errno.
 */
#ifndef LEAKBPF_PROBE_FDS_H
#define LEAKBPF_PROBE_FDS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/types.h>
#include "abi/fds.h"
#include "probe/tracer.h"

struct fd_wrappers;

/* What costs no other process anything: the exits and execs of traced processes (once). */
int tracer__attach_fds(struct tracer *t);
/* The raw syscall tracepoints (every syscall on the host pays), attached once. */
int tracer__attach_fd_syscalls(struct tracer *t);
/*
 * Probes on pid's C library wrappers (proc/fd_wrappers.h), with uprobe_multi links;
 * -EALREADY when that file is probed for pid already, -EOPNOTSUPP before Linux 6.6. The
 * process must also carry PROC_FD_WRAPPERS.
 */
int tracer__attach_fd_wrappers(struct tracer *t, pid_t pid, const struct fd_wrappers *w);
/* Can tracer__attach_fd_wrappers() probe at all (uprobe_multi links)? */
bool tracer__can_probe_fd_wrappers(struct tracer *t);
/* Remove the wrappers' probes of these processes (gone: -f's children that exited). */
void tracer__detach_fd_wrappers(struct tracer *t, const pid_t *pids, int n);
/* Hold the process at _Exit(): a uprobe at this file offset (fds_exit_hold). */
int tracer__attach_exit_hold(struct tracer *t, pid_t pid, const char *path, uint64_t offset);
int tracer__fd_stats(struct tracer *t, pid_t pid, struct fd_stats *out);
/* The record of an fd opened while traced; -ENOENT when there is none. */
int tracer__fd_record(struct tracer *t, pid_t pid, int fd, struct fd_info *out);
/* Every such record, of every process: fn(struct fd_key *, struct fd_info *). */
int tracer__for_each_fd_record(struct tracer *t, map_entry_fn fn, void *arg);
/* The frames of a stack in `fd_stacks`, innermost first; their number or -errno. */
int tracer__fd_stack(struct tracer *t, uint64_t stack, uint64_t *ips, int max);

#endif
