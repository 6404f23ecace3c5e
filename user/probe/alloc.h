/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * bpf/alloc: the malloc family's probes, the counters, the outstanding blocks and their
 * stacks. Functions return 0 or -errno.
 */
#ifndef LEAKBPF_PROBE_ALLOC_H
#define LEAKBPF_PROBE_ALLOC_H

#include <stdint.h>
#include <sys/types.h>
#include <linux/types.h>
#include "abi/alloc.h"
#include "probe/tracer.h"

struct allocator;

/*
 * Probe the malloc family in one object for one process (-1: every process); -EALREADY
 * when that file (inode) is probed for it already: a second probe would count twice.
 */
int tracer__attach_allocator(struct tracer *t, pid_t pid, const struct allocator *a);
/* Remove the probes tracer__attach_allocator placed for pid (its counters stay); -ENOENT. */
int tracer__detach_allocator(struct tracer *t, pid_t pid);
/* The same for n processes at once: far quicker than one after the other. */
int tracer__detach_allocators(struct tracer *t, const pid_t *pids, int n);
/*
 * Tell the programs where the allocators' functions are mapped in pid, once it has mapped
 * one (-ENOENT before): calls from inside them are the allocator's own.
 */
int tracer__refresh_allocator(struct tracer *t, pid_t pid);
/*
 * What one hit of an allocator probe costs the caller on this machine, in ns: a function of
 * leakbpf's own is timed bare and with an entry probe of bpf/alloc (which ignores it).
 */
int tracer__measure_hit_ns(struct tracer *t, double *ns);
/* A process's counters, the CPUs summed and what BPF leaves to be derived derived. */
int tracer__alloc_stats(struct tracer *t, pid_t pid, struct alloc_stats *out);
/* Every outstanding block (of every process): fn(struct alloc_key *, struct alloc_info *). */
int tracer__for_each_block(struct tracer *t, map_entry_fn fn, void *arg);
/*
 * The user return addresses of a stack, innermost first; the number of frames or -errno.
 * A provisional one is told as user space unwound it (tracer__fix_stack), if it did.
 */
int tracer__stack(struct tracer *t, uint64_t stack, uint64_t *ips, int max);
/*
 * The n frames in ips are those of bpf/alloc's provisional stack at key stack, for as long
 * as it stays provisional (then BPF's own are). -ENOSPC: too many kept already (counted
 * as lost).
 */
int tracer__fix_stack(struct tracer *t, uint64_t stack, const uint64_t *ips, int n);

#endif
