/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * One report (a round, or the final one) as data, before it is printed as text or JSON:
 * built from a snapshot (track/snapshot.h) and judged. A value that is not known is
 * UNKNOWN (counts) or NAN (numbers): it prints as null.
 */
#ifndef LEAKBPF_REPORT_H
#define LEAKBPF_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "proc/symbolize.h"
#include "report/verdict.h"
#include "track/snapshot.h"

struct items_report {
	bool present;		/* --item given */
	const char *probe;	/* the spec as the user wrote it */
	uint64_t count;
	double per_sec;
	uint64_t batches;	/* UNKNOWN without --batch */
	double mean_batch;
};

struct memory_report {
	bool present;
	const char *why_absent;	/* when not present: why the allocator is not traced */
	bool estimated;		/* -s N: frees, outstanding and sites are estimates */
	uint64_t free_calls;	/* calls that released a block, exact in every mode */
	double scale_objects, scale_bytes;	/* what one sampled block/byte stands for */
	uint64_t mallocs, frees, untracked_frees;
	uint64_t bytes_allocated, bytes_freed;
	uint64_t outstanding_objects, outstanding_bytes;
	/* blocks an exec took away with the old image: neither freed nor outstanding */
	uint64_t released_at_exec, bytes_released_at_exec;
	uint64_t untracked_allocs;	/* not followed (the block map was full), or UNKNOWN */
	double free_rate, bytes_per_item, growth_bytes_per_min;
	struct reach_counts reach;	/* present: a reachability scan was made */
	const char *grade;	/* NULL when bytes_per_item is unknown */
};

/*
 * Leaked fds listed per process. The issue asks for each one, so not --top; but a process
 * that leaked a million must not make a report of a million stacks.
 */
#define MAX_LISTED_FDS 1024

/* An fd opened while traced and still open. */
struct leaked_fd {
	int fd;
	enum fd_kind kind;
	char target[512];		/* path, "127.0.0.1:80 -> 10.0.0.2:5555", "pipe:[123]"... */
	double age_s;			/* NAN when unknown */
	bool over_age;			/* older than its kind's fd_age limit */
	int nframes;
	struct frame *frames;		/* where it was opened, innermost first */
};

struct leak_site {
	/* after a reachability scan: "direct", "indirect", "reachable", "suppressed"; else NULL */
	const char *leak_class;
	uint64_t objects, bytes;
	double oldest_age_s;	/* NAN outside full mode */
	/*
	 * How fast the bytes it still holds grew, bytes/min: the least-squares slope, over the
	 * traced window, of its outstanding bytes by when they were allocated; NAN outside
	 * full mode or before the window is GROWTH_MIN_SECONDS long.
	 */
	double growth_bytes_per_min;
	int nframes;
	struct frame *frames;	/* innermost first: frames[0] called the allocator */
};

struct proc_report {
	pid_t pid;
	pid_t parent;		/* -f: the traced process that forked it; 0: the target */
	char cmdline[512];	/* empty when unknown */
	char comm[32];
	char exe[4096];		/* empty when unknown */
	bool exited;
	bool exit_code_known;
	int exit_code;		/* exit status, or 128 + signal */
	/*
	 * Seconds from attach to this report, or to when it began to exit: the time base of
	 * items.per_sec, the ages and the rounds' growth, which stop at its exit.
	 */
	double traced_s;
	struct items_report items;
	struct memory_report memory;
	struct thread_counts threads;
	struct fd_counts fds;
	struct age_worst fd_ages;	/* those opened while traced, against fd_age's limits */
	struct tcp_counts sockets;
	struct go_counts go;		/* present: a Go program */
	struct age_worst close_wait_ages;	/* of those in CLOSE_WAIT, against the limit */
	double oldest_close_wait_s;	/* NAN when none */
	struct leak_site *sites;	/* largest first, at most --top */
	int nsites;
	uint64_t sites_total;	/* distinct stacks with outstanding blocks */
	/* oldest first: every one up to MAX_LISTED_FDS (the text report shows --top of them) */
	struct leaked_fd *leaked_fds;
	int nleaked_fds;
	uint64_t leaked_fds_total;
	struct verdict verdict;
};

struct report {
	bool final;
	const char *mode;
	double duration_s;
	uint64_t lost_events;
	int sample_every;
	int rounds;		/* reports printed so far, this one included */
	double tracer_cpu_s;	/* leakbpf's own CPU time (user + system) so far */
	uint64_t tracer_max_rss_kib;	/* leakbpf's own peak resident memory */
	int top;		/* --top */
	struct proc_report *procs;
	int nprocs;
	bool follow;		/* -f */
	uint64_t follow_dropped;	/* -f: forked processes not traced (too many at once) */
	bool leak;
};

/* What the report says besides what the snapshot holds. */
struct report_opts {
	const char *mode;	/* "counts", "stacks" or "full" */
	const struct thresholds *thresholds;
	int top;		/* leak sites listed per process */
	const char *item_probe;	/* --item as the user wrote it; NULL without */
	bool batches;		/* --batch given */
	/*
	 * A look between rounds (--serve answering a scrape): judged like a round, but not
	 * kept as one, so scrapes do not change what growth_rate sees.
	 */
	bool peek;
	/* a round taken to follow the growth, not printed: counted for growth_rate only */
	bool quiet;
	bool follow;		/* -f */
	uint64_t follow_dropped;
};

/*
 * Each process's outstanding bytes at every report so far, for the growth slope: a report
 * adds its own. Zeroed to start; report_history__free() at the end.
 */
struct proc_rounds {
	pid_t pid;
	double *secs, *bytes;	/* NAN bytes: not known in this mode */
	int n;
};

struct report_history {
	struct proc_rounds *procs;
	int n;
	int printed;		/* reports printed so far (quiet rounds are not) */
};

void report_history__free(struct report_history *h);

/*
 * The report of snapshot s, one more round in h; final: the last one. 0 or -ENOMEM; r is
 * freed with report__free (after a failure too).
 */
int report__build(const struct run_snapshot *s, const struct report_opts *o,
		  struct report_history *h, bool final, struct report *r);
void report__free(struct report *r);
int report__print_json(const struct report *r, FILE *out);
void report__print_text(const struct report *r, FILE *out);
/* -i in text mode: one compact line per process for a round that is not the last */
void report__print_round_line(const struct report *r, FILE *out);
/* --serve: the Prometheus text exposition of r (report/metrics.c); 0 or -EIO */
int report__print_metrics(const struct report *r, FILE *out);

#endif
