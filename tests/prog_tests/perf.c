// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * The cheap paths: counts mode's exact counters, -s N's estimates, where the probes went,
 * and a smoke run of the overhead benchmark (that it runs and loses nothing: no timing).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include "harness.h"
#include "test_progs.h"

/* `leakbpf --json EXTRA -- CMD` through the targets' ready/go/done/exit steps */
static json_t *traced(const char *const *extra, char *const cmd[], struct proc *l)
{
	if (leakbpf_run_cmd(l, extra, cmd) || proc_expect(l, "ready") || proc_send(l, "go") ||
	    proc_expect(l, "done") || proc_send(l, "exit"))
		return NULL;
	proc_finish(l);
	return last_report(l);
}

static void counts_exact(void)
{
	/* allocators: 22 allocations of 3551 bytes, 11 frees (realloc moves and realloc(p, 0)
	 * included); glibc's realloc(NULL, n) jumps to malloc, memalign goes through
	 * _mid_memalign: each is still one allocation */
	char *cmd[] = { TARGETS "allocators", NULL };
	const char *extra[] = { "-m", "counts", NULL };
	struct proc l = {};
	json_t *r = traced(extra, cmd, &l), *p;

	if (!ASSERT_OK_PTR(r, "report"))
		goto out;
	p = report_proc(r);
	ASSERT_STREQ(jstr(r, "mode"), "counts", "mode");
	ASSERT_EQ(jint(p, "memory.mallocs"), 22, "mallocs");
	ASSERT_EQ(jint(p, "memory.bytes_allocated"), 3551, "bytes_allocated");
	ASSERT_EQ(jint(p, "memory.free_calls"), 11, "free_calls");
	/* which frees released blocks from before attach is not known in counts mode */
	ASSERT_TRUE(json_is_null(json_object_get(json_object_get(p, "memory"), "frees")),
		    "frees null");
	ASSERT_TRUE(json_is_null(json_object_get(json_object_get(p, "memory"),
						 "outstanding_objects")), "outstanding null");
	ASSERT_EQ(jint(r, "lost_events"), 0, "lost_events");
	ASSERT_EQ(check_report_schema(&l), 0, "schema");
	json_decref(r);
out:
	proc_free(&l);
}

/*
 * Another tracer with return probes on the same C library (here a second leakbpf in full
 * mode, on another process) makes the kernel replace return addresses with its trampoline
 * in every process that calls the probed functions: counts mode must still count each
 * allocation once.
 */
static void counts_beside_another_tracer(void)
{
	char *decoy_cmd[] = { TARGETS "leak_n", "0", "8", NULL };
	struct proc decoy = {}, other = {};

	if (proc_start(&decoy, decoy_cmd, false) || proc_expect(&decoy, "ready") ||
	    leakbpf_attach_pid(&other, decoy.pid, NULL))
		goto out;
	counts_exact();
	kill(other.pid, SIGINT);
	ASSERT_EQ(proc_finish(&other), 0, "the other tracer");
out:
	proc_free(&other);
	proc_free(&decoy);
}

/*
 * Blocks realloc'ed many times must not be over-represented in the sample: 20000 blocks,
 * each realloc'ed 9 times, 5000 (and their array) left: the estimate of the outstanding
 * blocks, from about 500 sampled, lands within 25% (about 5 standard deviations) of
 * 5001. Following every realloc of a sampled block made it 7800.
 */
static void sampled_reallocs(void)
{
	char *cmd[] = { TARGETS "realloc_churn", "20000", "9", "5000", NULL };
	const char *extra[] = { "-m", "stacks", "-s", "10", NULL };
	struct proc l = {};
	json_t *r = traced(extra, cmd, &l), *p;

	if (!ASSERT_OK_PTR(r, "report"))
		goto out;
	p = report_proc(r);
	ASSERT_EQ(jint(p, "memory.mallocs"), 200001, "mallocs exact (a realloc is one)");
	ASSERT_EQ(jint(p, "memory.free_calls"), 195000, "free calls exact");
	ASSERT_NEAR(jint(p, "memory.outstanding_objects"), 5001, 1250, "outstanding estimate");
	json_decref(r);
out:
	proc_free(&l);
}

static void sampled_estimates(void)
{
	/* 1000 x 100 B leaked, 20000 balanced pairs, one allocation in 4 followed */
	char *cmd[] = { TARGETS "leak_n", "1000", "100", "0", "20000", NULL };
	const char *extra[] = { "-m", "stacks", "-s", "4", NULL };
	struct proc l = {};
	json_t *r = traced(extra, cmd, &l), *p, *site;
	long long frees, untracked, outstanding;

	if (!ASSERT_OK_PTR(r, "report"))
		goto out;
	p = report_proc(r);
	ASSERT_EQ(jint(r, "sample_every"), 4, "sample_every");
	ASSERT_TRUE(json_is_true(json_object_get(json_object_get(p, "memory"), "estimated")),
		    "estimated");
	/* exact whatever the sample */
	ASSERT_EQ(jint(p, "memory.mallocs"), 21000, "mallocs");
	ASSERT_EQ(jint(p, "memory.bytes_allocated"), 2100000, "bytes_allocated");
	ASSERT_EQ(jint(p, "memory.free_calls"), 20000, "free_calls");
	/* estimates: the exact free calls split, never more than there were */
	frees = jint(p, "memory.frees");
	untracked = jint(p, "memory.untracked_frees");
	ASSERT_EQ(frees + untracked, 20000, "frees + untracked_frees = free_calls");
	ASSERT_LE(frees, 20000, "frees");
	/* about 250 of the 1000 leaked blocks are followed (sd ~14): 1000 +- 30% is > 6 sd */
	outstanding = jint(p, "memory.outstanding_objects");
	ASSERT_GE(outstanding, 700, "outstanding_objects low");
	ASSERT_LE(outstanding, 1300, "outstanding_objects high");
	ASSERT_GE(jnum(p, "memory.free_rate"), 0.0, "free_rate >= 0");
	ASSERT_LE(jnum(p, "memory.free_rate"), 1.0, "free_rate <= 1");
	site = site_by_symbol(p, "leak_here");
	if (ASSERT_OK_PTR(site, "leak_here site")) {
		ASSERT_GE(jint(site, "objects"), 700, "site objects low");
		ASSERT_LE(jint(site, "objects"), 1300, "site objects high");
	}
	ASSERT_EQ(jint(r, "lost_events"), 0, "lost_events");
	ASSERT_EQ(check_report_schema(&l), 0, "schema");
	json_decref(r);
out:
	proc_free(&l);
}

static void placement_verbose(void)
{
	char *cmd[] = { TARGETS "leak_n", "0", "16", "0", "10", NULL };
	const char *extra[] = { "-v", NULL };
	struct proc l = {};
	json_t *r = traced(extra, cmd, &l);
	const char *err;

	if (!ASSERT_OK_PTR(r, "report"))
		goto out;
	/* -v says where each probe went; free's and malloc's are on emulated instructions */
	err = l.err_buf ? l.err_buf : "";
	ASSERT_OK_PTR(strstr(err, "leakbpf: probe free at +0x"), "free");
	ASSERT_OK_PTR(strstr(err, "leakbpf: probe malloc (entry and return)"), "malloc");
	/* glibc's free starts with `test rdi, rdi; je`: the probe is past it */
	if (strstr(err, "libc.so"))
		ASSERT_OK_PTR(strstr(err, "skipped 'test rdi, rdi; je"), "free(NULL) skipped");
	json_decref(r);
out:
	proc_free(&l);
}

static void bench_smoke(void)
{
	char line[256];
	FILE *f;
	int status, rows = 0, bad = 0;

	status = system("tools/bench/bench.sh --smoke > .output/bench/smoke.log 2>&1");
	if (!ASSERT_EQ(status, 0, "bench.sh --smoke exits 0"))
		return;
	f = fopen(".output/bench/smoke-results.tsv", "r");
	if (!ASSERT_OK_PTR(f, "smoke-results.tsv"))
		return;
	/* workload config round ns lost cpu rss: a number for each, no lost event */
	while (fgets(line, sizeof(line), f)) {
		char w[16], c[32], lost[16];
		double ns;
		int round;

		rows++;
		if (sscanf(line, "%15s %31s %d %lf %15s", w, c, &round, &ns, lost) != 5)
			bad++;
		else if (!(ns > 0) || (strcmp(lost, "-") && strcmp(lost, "0")))
			bad++;	/* NaN: the run failed */
	}
	fclose(f);
	ASSERT_GE(rows, 7, "one row per configuration");
	ASSERT_EQ(bad, 0, "every row has a time and no lost event");
}

void test_perf(void)
{
	if (!bpf_tests_possible())
		return;
	if (test__start_subtest("counts_exact"))
		counts_exact();
	if (test__start_subtest("counts_exact_beside_another_tracer"))
		counts_beside_another_tracer();
	if (test__start_subtest("sampled_estimates"))
		sampled_estimates();
	if (test__start_subtest("sampled_reallocs"))
		sampled_reallocs();
	if (test__start_subtest("placement_verbose"))
		placement_verbose();
	if (test__start_subtest("bench_smoke"))
		bench_smoke();
}
