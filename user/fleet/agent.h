/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * leakbpf -a: the host agent. Every process is watched in tiers (doc/design.md, fleet
 * mode): always, from /proc and sock_diag (fleet/census.h); in turn, by counts-mode
 * allocator probes installed in that one process for a window; and the numbers are served
 * to Prometheus (fleet/metrics.h, serve/http.h).
 */
#ifndef LEAKBPF_FLEET_AGENT_H
#define LEAKBPF_FLEET_AGENT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/types.h>
#include "abi/alloc.h"
#include "abi/tasks.h"
#include "fleet/census.h"
#include "fleet/escalate.h"
#include "report/verdict.h"

struct agent_opts {
	double interval_s;	/* every process looked at this often (-i) */
	double window_s;	/* --probe-window */
	double every_s;		/* --probe-every; 0: every process probed all the time */
	double budget_pct;	/* --budget: the most a window may slow a process, averaged */
	int max_procs;		/* --max-procs */
	double duration_s;	/* -d; 0: until a signal */
	const char *serve;	/* --serve ADDR:PORT */
	const struct thresholds *thresholds;	/* the checks' limits (--threshold) */
	bool verbose;
};

/* The growth of resident memory: a least-squares slope over the last samples. */
#define GROWTH_SAMPLES 40

/* A CLOSE_WAIT socket of a watched process, since it was first seen so. */
struct close_wait_age {
	uint64_t inode;
	uint64_t since_ns;
};

/* One process the agent watches. */
struct watched {
	struct proc_look look;		/* the latest */
	uint64_t first_seen_ns;
	/* resident bytes at the last samples, oldest first in the ring from head */
	uint64_t sample_ns[GROWTH_SAMPLES], sample_rss[GROWTH_SAMPLES];
	int nsamples, head;
	double growth_bytes_per_min;	/* NaN-free: 0 until two samples */
	struct close_wait_age *close_waits;
	int nclose_waits;
	uint64_t oldest_close_wait_ns;
	/* the BPF side */
	bool registered;		/* tracer__add_process done */
	bool probed;			/* in a window: its allocator's probes are live */
	bool unprobeable;		/* no allocator leakbpf can probe (static, Go...) */
	uint64_t window_ns;		/* its window (shrunk by the budget) */
	uint64_t window_end_ns, next_window_ns;
	uint64_t windows;		/* windows begun */
	struct alloc_stats counts;	/* the latest read */
	struct thread_stats threads;
	uint64_t window_mallocs0, window_frees0;	/* counts at the window's start */
	double slowdown;		/* estimated, while probed */
	bool exited;			/* gone: exported once more, then dropped */
	/* escalation: what its signals were at the last full look, and what it found */
	int threads_first;		/* threads at the first look */
	int fds_first;			/* open fds at the first look */
	uint64_t looked_mallocs, looked_frees;	/* counts at the last full look */
	uint64_t next_escalation_ns;	/* not again before */
	uint64_t escalations;
	struct leak_site_brief sites[TOP_SITES];	/* the last escalation's, biggest first */
	int nsites;
};

/* Everything the exposition shows. */
struct agent_state {
	struct watched *procs;		/* by increasing pid */
	int nprocs;
	uint64_t dropped_procs;		/* not watched: --max-procs */
	uint64_t failed_attaches;	/* windows that could not begin */
	uint64_t lost_events;
	double hit_ns;			/* the measured cost of one probe hit */
	double cpu_s;			/* the agent's own */
	uint64_t rss_bytes;
	double scan_s;			/* the last look at every process took */
	const struct agent_opts *opts;
};

/* Run until a signal or -d; an exit status. */
int agent__run(const struct agent_opts *o);

#endif
