/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * A traced process: who it is, how to name its addresses, how it ended, and the trackers
 * that follow it (exec and loader, fds, threads, sockets), each keeping its own state.
 * Functions return 0 or -errno.
 */
#ifndef LEAKBPF_TARGET_H
#define LEAKBPF_TARGET_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "track/follow.h"
#include "track/go.h"
#include "track/reach.h"
#include "track/sockets.h"
#include "track/threads.h"

struct allocator;
struct suppressions;
struct fd_tracker;
struct symbolizer;
struct tracer;

struct target_exit {
	bool exited;
	bool code_known;
	int code;		/* exit status, or 128 + the signal that killed it */
	uint64_t ns;		/* CLOCK_MONOTONIC when leakbpf saw it gone; 0 while it runs */
};

struct target {
	pid_t pid;
	pid_t parent;		/* -f: the traced process that forked it; 0 for the target itself */
	uint64_t start_ns;	/* -f: when it was forked (CLOCK_MONOTONIC); 0: the run's attach */
	int pidfd;		/* readable once it has exited; -1 until target__open */
	char comm[32];
	char cmdline[512];	/* its arguments, space-separated; empty when unknown */
	char exe[PATH_MAX];	/* as the process names it; empty when unknown */
	/*
	 * -- CMD: the program found on PATH and the ELF that runs it (the program, or a
	 * script's interpreter), until its first exec; NULL under -p.
	 */
	const char *program, *program_elf;
	struct tracer *tracer;	/* the one that traces it: its events come to the trackers */
	struct symbolizer *sym;	/* NULL until its modules could be read */
	/* why the malloc family is not probed in it; NULL when it is */
	const char *no_alloc_why;
	struct target_exit exit;
	struct follow_state follow;
	struct fd_tracker *fds;
	struct thread_tracker threads;
	struct socket_tracker sockets;
	struct go_target go;
	struct reach_result reach;	/* a reachability scan, if one was made */
	const struct suppressions *suppressions;	/* --suppressions, or NULL */
	/* why no scan is made: its allocator keeps its books beside the blocks; NULL: none */
	const char *no_reach_why;
};

/*
 * Start following pid: its pidfd (-ESRCH when it is gone) and, under -p (program NULL),
 * its name and executable. program/program_elf: see struct target.
 */
int target__open(struct target *t, pid_t pid, const char *program, const char *program_elf);
/* An event of its own (exec, modules, exit held, a stack to unwind) for its trackers. */
int target__on_event(struct target *tg, const void *data, size_t size);
/* Re-read the process's name, executable and modules while it lives. */
int target__refresh(struct target *t);
/* The same after an exec: the old image's modules are forgotten. */
int target__exec(struct target *t);
/*
 * The allocator the process calls: the one its program will load, before its first exec,
 * else the one it maps. -ENOENT, unsaid, when there is none (a Go program, a static one
 * without the malloc family); other failures are said (elog).
 */
int target__find_allocator(const struct target *t, struct allocator *a);
/* Let a process held at one of leakbpf's stops go on; why: what it was held for. */
void target__resume(const struct target *t, const char *why);
/* It is gone: when, and how if it is leakbpf's child (a command: it is reaped then). */
void target__ended(struct target *t);
/*
 * Stopped (held at its exit, or by --reachability): which of its outstanding blocks it
 * can still reach, into t->reach; only where every block is followed (stacks and full
 * modes, no -s). Says why when it cannot.
 */
void target__scan_reach(struct target *t);
/* -p: stop it, scan, let it go on (target__scan_reach). */
int target__scan_reach_live(struct target *t);
/* Note the allocator the process now calls, by the path it has for it (the scan's trust). */
void target__set_allocator(struct target *t, const char *name);
void target__free(struct target *t);

#endif
