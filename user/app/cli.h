/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/* The command line (doc/design.md section 1) parsed into settings. */
#ifndef LEAKBPF_CLI_H
#define LEAKBPF_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/types.h>
#include "abi/alloc.h"
#include "proc/probe_spec.h"
#include "proc/suppress.h"
#include "report/verdict.h"

#define EXIT_LEAK_DEFAULT 23	/* as LeakSanitizer */
#define EXIT_FAILED 1		/* leakbpf itself failed */
#define EXIT_USAGE 2

struct env {
	pid_t pid;		/* -p */
	char **cmd;		/* -- CMD ARGS..., NULL-terminated */
	bool all;		/* -a */
	double duration_s;	/* -d; 0: until the target exits or a signal */
	double interval_s;	/* -i; 0: one report at the end */
	enum track_mode mode;
	uint32_t sample_every;	/* -s */
	bool follow;		/* -f */
	struct probe_spec item, batch;	/* kind SPEC_NONE when not given */
	struct thresholds thresholds;
	int top;
	bool json;
	const char *serve;	/* --serve ADDR:PORT */
	/* -a: the probe windows, the budget, how many processes at most */
	double window_s, every_s, budget_pct;
	int max_procs;
	bool fleet_opts_given;	/* one of those was given */
	int leak_exit_code;
	uint32_t max_allocs, max_stacks;
	bool cfi_stacks;
	bool reachability;	/* --reachability */
	struct suppressions suppressions;	/* --suppressions FILE (n 0 without) */
	bool verbose;
};

/*
 * Parse argv into env. Returns 0 to run, or an exit status to exit with right away
 * (0 after --help, EXIT_USAGE after a usage error, which has been printed).
 */
int cli__parse(int argc, char **argv, struct env *env);

#endif
