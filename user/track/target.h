/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/* A traced process: who it is, how to name its addresses, how it ended. */
#ifndef LEAKBPF_TARGET_H
#define LEAKBPF_TARGET_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/types.h>
#include "leakbpf.h"

struct fd_tracker;
struct symbolizer;

struct target {
	pid_t pid;
	char comm[32];
	char exe[PATH_MAX];	/* as the process names it; empty when unknown */
	struct symbolizer *sym;	/* NULL until its modules could be read */
	struct fd_tracker *fds;	/* NULL when its fds are not traced */
	bool exited;
	bool exit_code_known;
	int exit_code;		/* exit status, or 128 + the signal that killed it */
	uint64_t exit_ns;	/* CLOCK_MONOTONIC when leakbpf saw it gone; 0 while it runs */
	/* at attach, where the counts since then start (user/threads.c, user/sockets.c) */
	uint64_t threads_start;			/* live threads; UINT64_MAX when unknown */
	int64_t tcp_start[TCP_STATE_SLOTS];	/* TCP sockets it held, per state */
	/* outstanding bytes at each report so far, for growth_bytes_per_min */
	double *round_s, *round_bytes;
	int nrounds;
};

/* Re-read the process's name, executable and modules while it lives; 0 or -errno. */
int target__refresh(struct target *t);
/* The same after an exec: the old image's modules are forgotten. */
int target__exec(struct target *t);
/* Remember a report's outstanding bytes (NAN: unknown in this mode) at secs; 0 or -ENOMEM. */
int target__add_round(struct target *t, double secs, double bytes);
void target__free(struct target *t);

#endif
