/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * bpf/tasks: threads started and ended, and TCP sockets' states, from BTF tracepoints
 * attached for every process. Not there when the kernel cannot (tracer__has_tasks());
 * the other functions are only for when it is. Functions return 0 or -errno.
 */
#ifndef LEAKBPF_PROBE_TASKS_H
#define LEAKBPF_PROBE_TASKS_H

#include <stdbool.h>
#include <sys/types.h>
#include <linux/types.h>
#include "abi/tasks.h"
#include "probe/tracer.h"

bool tracer__has_tasks(const struct tracer *t);
/* A process's thread counters, the CPUs merged. */
int tracer__thread_stats(struct tracer *t, pid_t pid, struct thread_stats *out);
/* A process's TCP socket counts per state since it was added (negative: fewer than then). */
int tracer__sock_stats(struct tracer *t, pid_t pid, struct sock_stats *out);
/*
 * Follow a socket that was open before the process was added, through fd, an fd of ours
 * for it; cw: its CLOSE_WAIT record when it is in CLOSE_WAIT. -EEXIST: already followed.
 */
int tracer__adopt_socket(struct tracer *t, int fd, const struct sock_owner *so,
			 const struct close_wait *cw);
/* Every socket in CLOSE_WAIT, of every process: fn(__u64 *id, struct close_wait *). */
int tracer__for_each_close_wait(struct tracer *t, map_entry_fn fn, void *arg);

#endif
