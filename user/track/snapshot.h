/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * What the tracked processes look like at one moment, as plain numbers and lists: the BPF
 * maps and /proc read by track/, judged and printed by report/, which never sees the BPF
 * side. A value that was not measured is UNKNOWN (counts); a section that was not is
 * absent (present false).
 */
#ifndef LEAKBPF_SNAPSHOT_H
#define LEAKBPF_SNAPSHOT_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "base/loss.h"
#include "proc/fd_table.h"

#define UNKNOWN UINT64_MAX

struct symbolizer;

/* Calls of the --item and --batch probes. */
struct item_counts {
	bool present;		/* --item given */
	bool batches_present;	/* --batch given */
	uint64_t items, batches;
};

/*
 * The malloc family's counters since attach, complete (what BPF leaves to be derived is
 * derived). mallocs, bytes_allocated and free_calls are exact in every mode; the rest count
 * the blocks followed (all of them, or the sample of -s N).
 */
struct alloc_counts {
	uint64_t mallocs, bytes_allocated;
	uint64_t free_calls;		/* calls that released a block */
	uint64_t frees, bytes_freed;	/* of blocks followed */
	uint64_t untracked_frees;	/* of blocks not followed (from before attach) */
	uint64_t tracked, bytes_tracked;	/* blocks followed */
	uint64_t exec_released, bytes_exec_released;	/* followed, gone with an exec */
	uint64_t untracked_allocs;	/* not followed: the block map was full */
};

/*
 * Of a site's blocks whose birth is known (full mode), with t their birth in seconds after
 * the run's attach: sum(bytes), sum(bytes * t), sum(bytes * t^2), from which the site's
 * growth over any window is found (report/verdict.c's slope_of_births).
 */
struct births {
	double bytes, t1, t2;
};

static inline void births__merge(struct births *into, const struct births *from)
{
	into->bytes += from->bytes;
	into->t1 += from->t1;
	into->t2 += from->t2;
}

/* Outstanding blocks of one allocation stack. */
struct block_site {
	uint64_t objects, bytes;	/* of the blocks followed (a sample under -s N) */
	uint64_t oldest_ns;		/* CLOCK_MONOTONIC birth of the oldest; UINT64_MAX: not known */
	struct births born;
	int nips;			/* <= 0: the stack could not be read */
	/* after a scan: 1 direct, 2 indirect leaks, 3 reachable, 4 suppressed; 0: no scan */
	int leak_class;
	uint64_t *ips;			/* innermost first: ips[0] called the allocator */
};

struct thread_counts {
	bool present;
	uint64_t start, end;		/* live threads at attach and now (or at exit) */
	uint64_t created, exited;	/* while traced */
};

struct fd_counts {
	bool present;
	uint64_t start, end;		/* open fds at attach and now (or at exit) */
	uint64_t opened, closed;	/* while traced (up to its exit: not the exit's closes) */
	uint64_t by_kind[FD_KIND_NR];	/* the end state, split by kind */
	uint64_t when_ns;		/* the moment the end state is of: fds' ages run to it */
	bool at_exit;			/* end is the table when the process exited */
	/*
	 * Exited without being held at _Exit(): end is what the kernel closed at its exit,
	 * counted by BPF. The kinds of the fds from before attach are not known, so by_kind
	 * is not either.
	 */
	bool kinds_unknown;
};

/* An fd opened while traced (or out of sight of bpf/fds) and open at the end. */
struct open_fd {
	int fd;
	enum fd_kind kind;
	char *target;		/* path, "tcp 127.0.0.1:80 -> ...", "pipe:[123]"; NULL: not known */
	uint64_t ts_ns;		/* when it was opened; 0 when not seen */
	bool old_image;		/* opened before an exec: its addresses name other modules */
	int nips;
	uint64_t *ips;		/* where it was opened, innermost first */
};

/* TCP sockets the process holds. */
struct tcp_counts {
	bool present;
	uint64_t open, established, close_wait, listen;
};

/* A Go program's runtime (track/go.h); UNKNOWN / NAN where it could not be read. */
struct go_counts {
	bool present;
	char version[32];
	uint64_t goroutines_start, goroutines_end, created, exited;
	uint64_t gc_cycles;
	double pause_max_ms, pause_total_ms;
	uint64_t mallocs, bytes_allocated, live_start, live_end;
	int runtime_fds[3];		/* its netpoller's fds at the end (-1: none) */
};

/* What a reachability scan found of the outstanding blocks (track/reach.h) */
struct reach_counts {
	bool present;
	const char *why_not;		/* when no scan can be made, why */
	uint64_t objects[3], bytes[3];	/* reachable, direct, indirect */
	uint64_t suppressed_objects, suppressed_bytes;	/* leaks --suppressions took out */
	uint64_t bytes_read;
	double pause_ms;
};

struct proc_snapshot {
	pid_t pid;
	pid_t parent;		/* -f: the traced process that forked it; 0: the target */
	uint64_t start_ns;	/* when its tracing began: the run's attach, or its fork (-f) */
	char cmdline[512];	/* empty when unknown */
	char comm[32];
	char exe[PATH_MAX];	/* empty when unknown */
	bool exited;
	bool exit_code_known;
	int exit_code;		/* exit status, or 128 + signal */
	/* now, or when it began to exit: counts and ages stop there */
	uint64_t end_ns;
	struct symbolizer *sym;	/* names its addresses; NULL when no module could be read */
	struct item_counts items;
	/* the malloc family is probed; if not, why (a Go program, a static one without it) */
	bool alloc_traced;
	const char *no_alloc_why;
	bool blocks_followed;	/* stacks and full modes: frees and outstanding blocks known */
	uint32_t sample_every;	/* -s: one block followed in this many */
	struct alloc_counts alloc;
	struct block_site *sites;	/* one per stack, in no order */
	int nsites;
	struct thread_counts threads;
	struct fd_counts fds;
	struct open_fd *open_fds;	/* in no order */
	int nopen_fds;
	struct tcp_counts tcp;
	struct go_counts go;
	struct reach_counts reach;
	uint64_t *close_wait_ns;	/* how long each socket in CLOSE_WAIT has been there */
	int nclose_waits;
};

struct run_snapshot {
	uint64_t attach_ns;	/* CLOCK_MONOTONIC when every probe was live */
	uint64_t now_ns;
	struct losses losses;
	struct proc_snapshot *procs;
	int nprocs;
};

struct target;
struct tracer;

/*
 * Read what t knows of the n targets now, with the time every probe went live; 0 or
 * -errno (said; nothing is left to free then). out is freed with run_snapshot__free.
 * full: everything, the sites (a walk of the block map) and the fd table included;
 * without, the counters only (a round that is not printed, for the growth's slope).
 */
int snapshot__take(struct tracer *t, struct target *const *tgs, int n, uint64_t attach_ns,
		   bool full, struct run_snapshot *out);
void run_snapshot__free(struct run_snapshot *s);

#endif
