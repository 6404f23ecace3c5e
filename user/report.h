/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * One report (a round, or the final one) as data, before it is printed as text or JSON.
 * A value that is not known is UNKNOWN (counts) or NAN (numbers): it prints as null.
 */
#ifndef LEAKBPF_REPORT_H
#define LEAKBPF_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "symbolize.h"
#include "verdict.h"

#define UNKNOWN UINT64_MAX

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
	uint64_t mallocs, frees, untracked_frees;
	uint64_t bytes_allocated, bytes_freed;
	uint64_t outstanding_objects, outstanding_bytes;
	double free_rate, bytes_per_item, growth_bytes_per_min;
	const char *grade;	/* NULL when bytes_per_item is unknown */
};

struct leak_site {
	uint64_t objects, bytes;
	double oldest_age_s;	/* NAN outside full mode */
	int nframes;
	struct frame *frames;	/* innermost first: frames[0] called the allocator */
};

struct proc_report {
	pid_t pid;
	char comm[32];
	char exe[4096];		/* empty when unknown */
	bool exited;
	bool exit_code_known;
	int exit_code;		/* exit status, or 128 + signal */
	struct items_report items;
	struct memory_report memory;
	struct leak_site *sites;	/* largest first, at most --top */
	int nsites;
	uint64_t sites_total;	/* distinct stacks with outstanding blocks */
	struct verdict verdict;
};

struct report {
	bool final;
	const char *mode;
	double duration_s;
	uint64_t lost_events;
	int sample_every;
	struct proc_report *procs;
	int nprocs;
	bool leak;
};

void report__free(struct report *r);
int report__print_json(const struct report *r, FILE *out);
void report__print_text(const struct report *r, FILE *out);

#endif
