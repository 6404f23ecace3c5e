// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/* leakbpf: memory leaks of live processes, found with eBPF. See doc/design.md and --help. */
#include <stdarg.h>
#include <stdio.h>
#include <bpf/libbpf.h>
#include "app/cli.h"
#include "app/session.h"
#include "base/log.h"
#include "fleet/agent.h"

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	/* errors are reported by leakbpf itself, with their cause; libbpf's own log is for -v */
	if (!log_verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
}

/* -a: the host agent (fleet/agent.h) */
static int run_agent(const struct env *env)
{
	struct agent_opts o = {
		.interval_s = env->interval_s ? env->interval_s : 15,
		.window_s = env->window_s,
		.every_s = env->every_s,
		.budget_pct = env->budget_pct,
		.max_procs = env->max_procs,
		.duration_s = env->duration_s,
		.serve = env->serve,
		.thresholds = &env->thresholds,
		.verbose = env->verbose,
	};

	return agent__run(&o) ? EXIT_FAILED : 0;
}

int main(int argc, char **argv)
{
	struct env env;
	int status = cli__parse(argc, argv, &env);

	if (status)
		return status;
	log_verbose = env.verbose;
	libbpf_set_print(libbpf_print);
	return env.all ? run_agent(&env) : session__run(&env);
}
