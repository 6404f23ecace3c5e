/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * The BPF side as user space sees it. This core owns what the BPF objects share: their
 * lifecycle (open, configure, load, attach, detach), the links, the process table, the
 * unwind rules and the one ring buffer their events come through. Each object has a file of
 * its own beside it (probe/alloc.h, items.h, loader.h, fds.h, tasks.h). Functions return 0
 * or -errno.
 */
#ifndef LEAKBPF_TRACER_H
#define LEAKBPF_TRACER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/types.h>
#include "abi/common.h"
#include "abi/unwind.h"

struct kernel_features;
struct losses;

struct tracer_opts {
	enum track_mode mode;
	uint32_t sample_every;	/* 1: every block */
	uint32_t max_allocs;	/* size of the outstanding-block map */
	uint32_t max_stacks;	/* size of the stack maps */
	bool cfi_stacks;	/* allocation stacks through code without frame pointers */
	bool items;		/* load the --item/--batch programs */
	bool go;		/* load the Go runtime's programs (probe/go.h) */
};

struct tracer;

/* Open, configure and load every object; NULL with errno set (EPERM: not privileged). */
struct tracer *tracer__new(const struct tracer_opts *opts);
/* Remove every probe: nothing reaches the maps or stops a process any more. */
void tracer__detach(struct tracer *t);
void tracer__free(struct tracer *t);
const struct tracer_opts *tracer__opts(const struct tracer *t);
/* What the kernel offers, as tracer__new found it (probe/features.h). */
const struct kernel_features *tracer__features(const struct tracer *t);

/* Start counting for a process: the BPF programs ignore processes not added. */
int tracer__add_process(struct tracer *t, pid_t pid);
/* Stop counting for a process (gone, or no longer watched): its probes and entries go. */
void tracer__forget_process(struct tracer *t, pid_t pid);
/* A process's entry in the process table: its flags and exec generation. */
int tracer__proc(struct tracer *t, pid_t pid, struct proc_info *out);
/* Set enum proc_flags of a process added (BPF clears some of them). */
int tracer__add_proc_flags(struct tracer *t, pid_t pid, uint32_t flags);
int tracer__clear_proc_flags(struct tracer *t, pid_t pid, uint32_t flags);

/*
 * Called for each event of one type (enum event_type) that the BPF objects send, with the
 * event and its size; returns 0 or -errno. One handler per type; NULL: ignored.
 */
typedef int (*event_fn)(void *ctx, const void *data, size_t size);

void tracer__on_event(struct tracer *t, enum event_type type, event_fn fn, void *ctx);
/* Readable when events wait; tracer__consume() hands each to its handler. */
int tracer__events_fd(struct tracer *t);
int tracer__consume(struct tracer *t);

/* Teach bpf/alloc and bpf/fds how to unwind a frame at pc of an image of pid. */
int tracer__set_unwind_rule(struct tracer *t, pid_t pid, uint32_t exec_gen, uint64_t pc,
			    const struct unwind_rule *rule);

/*
 * Each program that ran, with its runs and the time the kernel measured it run (both 0
 * unless kernel.bpf_stats_enabled is 1): leakbpf's own work apart from the traps'.
 */
typedef void (*prog_stats_fn)(const char *name, uint64_t runs, uint64_t run_ns, void *arg);
void tracer__prog_stats(struct tracer *t, prog_stats_fn fn, void *arg);

/* Every loss counter of every object, by name (base/loss.h), added to out. */
void tracer__losses(struct tracer *t, struct losses *out);

/* For map walks: called with each entry until it returns non-zero. */
typedef int (*map_entry_fn)(const void *key, const void *value, void *arg);

#endif
