/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * bpf/loader: hearing of a process's execs and of its dynamic loader's module changes, and
 * holding it there until user space has looked. Its events (struct loader_event, EV_LOADER)
 * come through tracer__consume(). Functions return 0 or -errno.
 */
#ifndef LEAKBPF_PROBE_LOADER_H
#define LEAKBPF_PROBE_LOADER_H

#include <stdbool.h>
#include <sys/types.h>
#include <linux/types.h>
#include "abi/loader.h"
#include "probe/tracer.h"

struct dynloader;

/*
 * Report each time the loader ld has (un)mapped modules in pid; with stop, stop the process
 * the next time, and before each time it unmaps modules (user space must SIGCONT it, once
 * per event that says it stopped). Call again for the loader of a new image (a loader
 * already probed is not probed twice), while the process is stopped if with stop.
 */
int tracer__watch_loader(struct tracer *t, pid_t pid, const struct dynloader *ld, bool stop);
/*
 * Report each exec of pid (LOADER_EV_EXEC); with stop, stop the new image before its first
 * instruction, at every exec.
 */
int tracer__follow_exec(struct tracer *t, pid_t pid, bool stop);
/*
 * -f: each process pid forks is stopped before its first instruction and reported
 * (EV_LOADER, LOADER_EV_FORK); user space probes it and lets it go (SIGCONT).
 */
int tracer__follow_forks(struct tracer *t, pid_t pid);

#endif
