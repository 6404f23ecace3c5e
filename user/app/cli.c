// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <argp.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "app/cli.h"
#include "base/util.h"

const char *argp_program_version = "leakbpf 0.1";

static const char doc[] =
"Find memory, thread, fd and connection leaks in a live process or a command,\n"
"with eBPF, without changing it.\n"
"\n"
"  leakbpf [OPTIONS] -p PID           attach to a running process\n"
"  leakbpf [OPTIONS] -- CMD [ARG...]  run CMD, traced from its very start\n"
"  leakbpf -a --serve ADDR:PORT       every process on the host, for Prometheus\n"
"\n"
"Counts the malloc family's blocks allocated and not freed while traced (with\n"
"the stacks that allocated them), the threads started and ended, the fds opened\n"
"and closed (with the stacks that opened them) and the TCP sockets' states, and\n"
"judges the leak checks (default limits; --threshold NAME=VALUE changes them):\n"
"  unreleased_objects    (mallocs - frees) / items > 0.10      needs --item\n"
"  heap_growth_per_item  outstanding bytes / items > 1024      needs --item\n"
"  heap_object_growth    outstanding blocks / items > 0.20     needs --item\n"
"  free_rate             frees / mallocs < 0.95       needs 1000 allocations\n"
"  growth_rate           outstanding bytes/min > 1 MiB  needs 3 s (a round a\n"
"                        second, or -i); names the site growing fastest\n"
"  thread_growth         threads now - threads at attach > 2\n"
"  fd_growth             open fds now - open fds at attach > 2\n"
"  fd_age                an fd opened while traced open > 120 s (sockets 60 s,\n"
"                        fd_age_socket=S)\n"
"  close_wait            a TCP socket in CLOSE_WAIT longer than 60 s\n"
"  goroutine_growth      Go: goroutines now - goroutines at the start > 2\n"
"  gc_pause              Go: the longest GC pause > 10 ms\n"
"  lost_objects          blocks nothing reaches any more (directly, or only\n"
"                        from such blocks) > 0; a command at its exit, -p\n"
"                        with --reachability (free_rate then does not judge)\n"
"A Go program gets a go section: goroutines (as runtime.NumGoroutine counts\n"
"them), GC cycles and pauses, its runtime's allocations and live heap; only\n"
"entry probes go into Go code.\n"
"Frees of blocks allocated before attach are counted apart (untracked_frees).\n"
"\n"
"-a watches every process in tiers: every -i SEC (default 15) its memory,\n"
"threads, fds and TCP sockets from /proc and sock_diag, no probe at all; in\n"
"turn, counts-mode allocator probes in that process alone for --probe-window SEC\n"
"every --probe-every SEC, shortened so that the estimated slowdown stays within\n"
"--budget; everything at http://ADDR:PORT/metrics (ADDR defaults to loopback).\n"
"--serve with -p or -- CMD serves that one process's numbers the same way.\n"
"When leakbpf stops (-d, SIGINT, SIGTERM) it detaches and leaves the target\n"
"running as before, a command started with -- included.\n"
"\n"
"Exit status: 0 no leak; 23 (--leak-exit-code) a leak verdict; 1 leakbpf\n"
"failed; 2 usage error. Under -- CMD, when there is no leak verdict, the\n"
"command's own failing status is passed through.\n"
"Needs root (or CAP_BPF, CAP_PERFMON, CAP_SYS_RESOURCE) and a kernel with BTF.\n"
"\vReports go to stdout (text, or JSON lines with --json), diagnostics to\n"
"stderr. See leakbpf(8) and README.md.";

enum {
	OPT_ITEM = 0x100,
	OPT_BATCH,
	OPT_THRESHOLD,
	OPT_TOP,
	OPT_JSON,
	OPT_SERVE,
	OPT_LEAK_EXIT_CODE,
	OPT_REACHABILITY,
	OPT_SUPPRESSIONS,
	OPT_MAX_ALLOCS,
	OPT_MAX_STACKS,
	OPT_CFI_STACKS,
	OPT_PROBE_WINDOW,
	OPT_PROBE_EVERY,
	OPT_BUDGET,
	OPT_MAX_PROCS,
};

static const struct argp_option options[] = {
	{ "pid", 'p', "PID", 0, "Attach to the running process PID", 0 },
	{ "duration", 'd', "SEC", 0, "Stop after SEC seconds (default: until the target exits, "
	  "or SIGINT/SIGTERM)", 0 },
	{ "interval", 'i', "SEC", 0, "Print a report every SEC seconds; the last one is final", 0 },
	{ "mode", 'm', "MODE", 0, "counts: allocation counters only (cheapest); stacks: plus "
	  "outstanding blocks per allocation stack; full: plus each block's age (default)", 0 },
	{ "sample", 's', "N", 0, "Follow one allocation in N, drawn at random (stacks and full "
	  "modes): allocations and free calls stay exact, frees, outstanding blocks and sites "
	  "become estimates (memory.estimated)", 0 },
	{ "item", OPT_ITEM, "SPEC", 0, "Each call of SPEC is one processed item: SYMBOL, "
	  "PATH:SYMBOL or usdt:[PATH:]PROVIDER:NAME (PATH defaults to the target's executable; "
	  "Go names as main.f or example.com/pkg.(*T).M); SYMBOL#N: each call counts its Nth "
	  "integer argument instead (Go's register ABI for Go functions, System V for C)", 0 },
	{ "batch", OPT_BATCH, "SPEC", 0, "Each call of SPEC is one flushed batch (same syntax)", 0 },
	{ "threshold", OPT_THRESHOLD, "NAME=VALUE", 0, "Override a check's threshold (repeatable)", 0 },
	{ "top", OPT_TOP, "N", 0, "Leak sites listed per process (default 10)", 0 },
	{ "json", OPT_JSON, NULL, 0, "One JSON object per report, one per line (schema leakbpf/1)", 0 },
	{ "reachability", OPT_REACHABILITY, NULL, 0, "At the end of a -p run, stop the process "
	  "a moment and class its outstanding blocks as LeakSanitizer does (direct, indirect, "
	  "reachable; check lost_objects); a command gets this at its exit anyway", 0 },
	{ "suppressions", OPT_SUPPRESSIONS, "FILE", 0, "LeakSanitizer-style leak:PATTERN lines: "
	  "lost blocks allocated where a frame's function, file or module matches are counted "
	  "as suppressed, not lost", 0 },
	{ "leak-exit-code", OPT_LEAK_EXIT_CODE, "N", 0, "Exit status on a leak verdict "
	  "(default 23)", 0 },
	{ "max-allocs", OPT_MAX_ALLOCS, "N", 0, "Outstanding blocks tracked at once (default "
	  "262144); blocks beyond are counted as lost events", 0 },
	{ "max-stacks", OPT_MAX_STACKS, "N", 0, "Distinct allocation stacks kept (default 8192)", 0 },
	{ "cfi-stacks", OPT_CFI_STACKS, NULL, 0, "Unwind allocation stacks through code built "
	  "without frame pointers by its CFI: its callers' callers too, not only the function "
	  "that called malloc; dearer in such code (stacks and full modes)", 0 },
	{ "verbose", 'v', NULL, 0, "Diagnostics on stderr, libbpf's log included", 0 },
	{ "follow", 'f', NULL, 0, "Also trace every process the target forks (and what they exec), "
	  "each reported on its own", 0 },
	{ NULL, 0, NULL, 0, "Fleet mode:", 1 },
	{ "all", 'a', NULL, 0, "Every process on the host, in tiers (counts mode); needs --serve",
	  1 },
	{ "serve", OPT_SERVE, "ADDR:PORT", 0, "Serve Prometheus metrics at http://ADDR:PORT/metrics"
	  " (ADDR: 127.0.0.1 unless given); with -p or -- CMD, each scrape gets that "
	  "process's numbers of the moment", 1 },
	{ "probe-window", OPT_PROBE_WINDOW, "SEC", 0, "How long each process's allocator probes "
	  "stay (default 10)", 1 },
	{ "probe-every", OPT_PROBE_EVERY, "SEC", 0, "How often each process gets a window "
	  "(default 300; 0: every process probed all the time)", 1 },
	{ "budget", OPT_BUDGET, "PCT", 0, "The most slowdown the probes may impose on a process, "
	  "averaged over --probe-every (default 1)", 1 },
	{ "max-procs", OPT_MAX_PROCS, "N", 0, "Processes watched at most (default 1000); those "
	  "beyond are counted as dropped", 1 },
	{ 0 },
};

static double parse_seconds(struct argp_state *state, const char *opt, const char *arg)
{
	double v;

	if (parse_nonneg_double(arg, &v) || v <= 0)
		argp_error(state, "%s takes a positive number of seconds, not '%s'", opt, arg);
	return v;
}

static uint64_t parse_count(struct argp_state *state, const char *opt, const char *arg,
			    uint64_t min, uint64_t max)
{
	uint64_t v;

	if (parse_u64(arg, min, max, &v))
		argp_error(state, "%s takes a whole number from %llu to %llu, not '%s'", opt,
			   (unsigned long long)min, (unsigned long long)max, arg);
	return v;
}

/* What -a takes and what it does not; the fleet options only with it. */
static void check_fleet(struct argp_state *state, const struct env *env, bool mode_set)
{
	if (!env->all) {
		if (env->fleet_opts_given)
			argp_error(state, "--probe-window, --probe-every, --budget and --max-procs "
				   "are for -a");
		return;
	}
	if (!env->serve)
		argp_error(state, "-a exports what it finds as metrics: give --serve ADDR:PORT");
	if (mode_set && env->mode != MODE_COUNTS)
		argp_error(state, "-a probes in counts mode only");
	if (env->item.kind || env->batch.kind || env->json || env->cfi_stacks ||
	    env->sample_every > 1)
		argp_error(state, "--item, --batch, --json, --cfi-stacks and -s are for one "
			   "process (-p or -- CMD), not -a");
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct env *env = state->input;
	const char *why;
	static bool mode_set;

	switch (key) {
	case 'p':
		env->pid = parse_count(state, "-p", arg, 1, 0x7fffffff);
		break;
	case 'a':
		env->all = true;
		break;
	case 'd':
		env->duration_s = parse_seconds(state, "-d", arg);
		break;
	case 'i':
		env->interval_s = parse_seconds(state, "-i", arg);
		break;
	case 'm':
		if (!strcmp(arg, "counts"))
			env->mode = MODE_COUNTS;
		else if (!strcmp(arg, "stacks"))
			env->mode = MODE_STACKS;
		else if (!strcmp(arg, "full"))
			env->mode = MODE_FULL;
		else
			argp_error(state, "-m takes counts, stacks or full, not '%s'", arg);
		mode_set = true;
		break;
	case 's':
		env->sample_every = parse_count(state, "-s", arg, 1, 1 << 20);
		break;
	case 'f':
		env->follow = true;
		break;
	case OPT_ITEM:
	case OPT_BATCH:
		if (spec__parse(arg, key == OPT_ITEM ? &env->item : &env->batch, &why))
			argp_error(state, "%s '%s': %s", key == OPT_ITEM ? "--item" : "--batch",
				   arg, why);
		break;
	case OPT_THRESHOLD:
		if (thresholds__parse(&env->thresholds, arg, &why))
			argp_error(state, "--threshold '%s': %s", arg, why);
		break;
	case OPT_TOP:
		env->top = parse_count(state, "--top", arg, 0, 10000);
		break;
	case OPT_JSON:
		env->json = true;
		break;
	case OPT_SERVE:
		env->serve = arg;
		break;
	case OPT_PROBE_WINDOW:
		env->window_s = parse_seconds(state, "--probe-window", arg);
		env->fleet_opts_given = true;
		break;
	case OPT_PROBE_EVERY:
		if (parse_nonneg_double(arg, &env->every_s))
			argp_error(state, "--probe-every takes a number of seconds (0: always), not "
				   "'%s'", arg);
		env->fleet_opts_given = true;
		break;
	case OPT_BUDGET:
		if (parse_nonneg_double(arg, &env->budget_pct) || env->budget_pct <= 0 ||
		    env->budget_pct > 100)
			argp_error(state, "--budget takes a percentage above 0, up to 100, not '%s'",
				   arg);
		env->fleet_opts_given = true;
		break;
	case OPT_MAX_PROCS:
		env->max_procs = parse_count(state, "--max-procs", arg, 1, MAX_PROCS);
		env->fleet_opts_given = true;
		break;
	case OPT_REACHABILITY:
		env->reachability = true;
		break;
	case OPT_SUPPRESSIONS: {
		char why[256];

		suppress__free(&env->suppressions);
		if (suppress__load(arg, &env->suppressions, why, sizeof(why)))
			argp_error(state, "--suppressions %s: %s", arg, why);
		break;
	}
	case OPT_LEAK_EXIT_CODE:
		env->leak_exit_code = parse_count(state, "--leak-exit-code", arg, 0, 255);
		break;
	case OPT_MAX_ALLOCS:
		env->max_allocs = parse_count(state, "--max-allocs", arg, 1, 1U << 26);
		break;
	case OPT_MAX_STACKS:
		env->max_stacks = parse_count(state, "--max-stacks", arg, 1, 1U << 20);
		break;
	case OPT_CFI_STACKS:
		env->cfi_stacks = true;
		break;
	case 'v':
		env->verbose = true;
		break;
	case ARGP_KEY_ARG:
		/* the command starts here: everything after it is its own */
		env->cmd = &state->argv[state->next - 1];
		state->next = state->argc;
		break;
	case ARGP_KEY_END:
		if (env->follow && env->all)
			argp_error(state, "-f follows one target's children: give -p PID or -- CMD");
		if (!!env->pid + !!env->cmd + env->all != 1)
			argp_error(state, "give one target: -p PID, -- CMD [ARG...] or -a");
		check_fleet(state, env, mode_set);
		if (!mode_set)
			env->mode = env->all ? MODE_COUNTS : MODE_FULL;
		if (env->sample_every > 1 && env->mode == MODE_COUNTS)
			argp_error(state, "-s samples tracked blocks: it needs --mode stacks or full");
		if (env->reachability && (env->all || env->mode == MODE_COUNTS ||
					  env->sample_every > 1))
			argp_error(state, "--reachability needs every block followed: -p or -- CMD in "
				   "stacks or full mode, without -s");
		if (env->cfi_stacks && env->mode == MODE_COUNTS)
			argp_error(state, "--cfi-stacks unwinds allocation stacks: it needs --mode "
				   "stacks or full");
		if (env->batch.kind && !env->item.kind)
			argp_error(state, "--batch needs --item: a batch is counted in items");
		if (env->interval_s && env->duration_s && env->interval_s > env->duration_s)
			argp_error(state, "-i %g is longer than -d %g: there would be no round",
				   env->interval_s, env->duration_s);
		mode_set = false;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

int cli__parse(int argc, char **argv, struct env *env)
{
	static const struct argp argp = { options, parse_opt,
					  "-p PID\n-- CMD [ARG...]\n-a --serve ADDR:PORT", doc,
					  NULL, NULL, NULL };
	int err;

	memset(env, 0, sizeof(*env));
	env->sample_every = 1;
	env->top = 10;
	env->leak_exit_code = EXIT_LEAK_DEFAULT;
	env->max_allocs = DEFAULT_MAX_ALLOCS;
	env->max_stacks = DEFAULT_MAX_STACKS;
	env->window_s = 10;
	env->every_s = 300;
	env->budget_pct = 1;
	env->max_procs = 1000;
	thresholds__init(&env->thresholds);
	argp_err_exit_status = EXIT_USAGE;
	err = argp_parse(&argp, argc, argv, ARGP_IN_ORDER, NULL, env);
	return err ? EXIT_USAGE : 0;
}
