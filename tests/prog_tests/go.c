// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * Go programs (built by Debian's Go): the channel batcher of the criteria's own document,
 * measured from outside and checked against what it measures of itself with
 * runtime.ReadMemStats and runtime.NumGoroutine; a pure Go program without the malloc
 * family; a cgo one whose C allocations are libc's. No target ever crashes.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "harness.h"
#include "test_progs.h"

#define GO_TARGETS TARGETS "go/"

/* What the runtime's background goroutines may allocate after the batcher's last count */
#define RUNTIME_LATE_OBJECTS 4
#define RUNTIME_LATE_BYTES 4096

/* The batcher's own line: "batcher: items=.. batches=.. ..." */
struct own {
	long long items, batches, goroutines_start, goroutines_end, mallocs, total_alloc,
		numgc_start, numgc_end, pause_max_ns;
	/* its runtime's totals since it began, printed as its last work (after "exit") */
	long long mallocs_total, total_alloc_total;
};

static long long field(const char *line, const char *name)
{
	char key[64];
	const char *at;

	snprintf(key, sizeof(key), " %s=", name);
	at = strstr(line, key);
	return at ? atoll(at + strlen(key)) : -1;
}

static bool own_numbers(const char *out, struct own *o)
{
	const char *line = out ? strstr(out, "batcher: items=") : NULL;
	const char *end = out ? strstr(out, "batcher_end:") : NULL;

	if (!line) {
		fprintf(stderr, "  no line from the batcher in: %s\n", out ? out : "(nothing)");
		return false;
	}
	line += strlen("batcher:");
	o->items = field(line, "items");
	o->batches = field(line, "batches");
	o->goroutines_start = field(line, "goroutines_start");
	o->goroutines_end = field(line, "goroutines_end");
	o->mallocs = field(line, "mallocs");
	o->total_alloc = field(line, "total_alloc");
	o->mallocs_total = end ? field(end + strlen("batcher_end:"), "mallocs_total") : -1;
	o->total_alloc_total = end ? field(end + strlen("batcher_end:"), "total_alloc_total") : -1;
	o->numgc_start = field(line, "numgc_start");
	o->numgc_end = field(line, "numgc_end");
	o->pause_max_ns = field(line, "pause_max_ns");
	return o->items > 0 && o->pause_max_ns >= 0;
}

/* How many checks failed other than `but` */
static int failed_besides(json_t *p, const char *but)
{
	json_t *checks = json_object_get(json_object_get(p, "verdict"), "checks"), *c;
	size_t i;
	int n = 0;

	json_array_foreach(checks, i, c) {
		if (!strcmp(jstr(c, "status") ?: "", "fail") && strcmp(jstr(c, "name") ?: "", but))
			n++;
	}
	return n;
}

/* Which checks failed, and their values, to tell a wrong verdict apart */
static void print_failed_checks(json_t *p)
{
	json_t *checks = json_object_get(json_object_get(p, "verdict"), "checks"), *c;
	size_t i;

	json_array_foreach(checks, i, c) {
		if (!strcmp(jstr(c, "status") ?: "", "fail"))
			fprintf(stderr, "  failed: %s = %g (threshold %g)\n", jstr(c, "name"),
				jnum(c, "value"), jnum(c, "threshold"));
	}
}

/*
 * -- CMD: the batcher traced from its first instruction until it is told to exit; its
 * final report (NULL if it fails), with the batcher's own numbers in *o.
 */
static json_t *trace_to_exit(struct proc *l, char *const cmd[], const char *const *extra,
			     struct own *o, int *status)
{
	json_t *r;

	if (!ASSERT_OK(trace_cmd_until_done(l, cmd, extra), "batcher done under leakbpf --") ||
	    !ASSERT_OK(proc_send(l, "exit"), "exit"))
		return NULL;
	r = leakbpf_finish(l, 0, status);
	if (r && !ASSERT_TRUE(own_numbers(l->out_buf, o), "the batcher's own numbers")) {
		json_decref(r);
		r = NULL;
	}
	return r;
}

/*
 * -- CMD, clean: the batcher's batches give the items (--item main.flushBatch#2 adds each
 * batch's length, Go's second integer register); goroutines at main.main and at the end
 * are its own NumGoroutine; every cycle it ran is counted; its heap objects and bytes,
 * counted from its first instruction, are the runtime's own totals (but for what the
 * runtime's background goroutines allocate after the batcher's last look); no leak,
 * status 0.
 */
static void command_clean(const char *program)
{
	const char *extra[] = { "--json", "--item", "main.flushBatch#2", "--batch",
				"main.flushBatch", NULL };
	char *cmd[] = { (char *)program, NULL };
	struct proc l = {};
	json_t *r = NULL, *p;
	bool slow_gc;
	struct own o;
	int status;

	r = trace_to_exit(&l, cmd, extra, &o, &status);
	if (!r)
		goto out;
	p = report_proc(r);
	/*
	 * Clean, so nothing fails but a GC pause that really was over 10 ms: make vmtest's
	 * emulated CPUs have paused 11 ms (the pause itself is checked against the batcher's).
	 */
	slow_gc = jnum(p, "go.gc.pause_max_ms") > 10;
	if (!ASSERT_EQ(failed_besides(p, "gc_pause"), 0, "no check fails but a slow GC's") ||
	    !ASSERT_EQ(status, slow_gc ? 23 : 0, "no leak, and the batcher's status 0"))
		print_failed_checks(p);
	ASSERT_OK(check_report_schema(&l), "the report fits the schema");
	ASSERT_EQ(jint(p, "exit_code"), 0, "the batcher exited 0");
	ASSERT_EQ(jint(p, "items.count"), o.items, "items: exact, from each batch's length");
	ASSERT_EQ(jint(p, "items.batches"), o.batches, "batches: exact");
	ASSERT_OK_PTR(strstr(jstr(p, "go.version") ?: "", "go1."), "the Go version");
	ASSERT_EQ(jint(p, "go.goroutines.start"), o.goroutines_start, "goroutines at the start");
	ASSERT_EQ(jint(p, "go.goroutines.end"), o.goroutines_end, "goroutines at the end");
	ASSERT_EQ(jint(p, "go.goroutines.created") - jint(p, "go.goroutines.exited"),
		  o.goroutines_end - o.goroutines_start, "created - exited: the growth");
	/* from its first instruction: every cycle it ran */
	ASSERT_NEAR(jint(p, "go.gc.cycles"), o.numgc_end, 1, "GC cycles");
	ASSERT_TRUE(jnum(p, "go.gc.pause_max_ms") * 1e6 >= o.pause_max_ns - 1,
		    "the longest pause: at least the batcher's");
	ASSERT_TRUE(o.mallocs_total > 0, "the batcher's closing totals");
	/*
	 * Its totals are read last, but the runtime's own goroutines run on: the scavenger,
	 * going back to sleep, may grow a P's timer heap (one 8-byte object, seen about one
	 * run in 30). Never fewer than the runtime's count, and at most a few such objects.
	 */
	if (!ASSERT_TRUE(jint(p, "go.heap.mallocs") >= o.mallocs_total &&
			 jint(p, "go.heap.mallocs") <= o.mallocs_total + RUNTIME_LATE_OBJECTS &&
			 jint(p, "go.heap.bytes_allocated") >= o.total_alloc_total &&
			 jint(p, "go.heap.bytes_allocated") <= o.total_alloc_total + RUNTIME_LATE_BYTES,
			 "Go mallocs and bytes: MemStats.Mallocs and TotalAlloc at its end"))
		fprintf(stderr, "  Go mallocs %lld, bytes %lld; MemStats %lld, %lld\n",
			jint(p, "go.heap.mallocs"), jint(p, "go.heap.bytes_allocated"),
			o.mallocs_total, o.total_alloc_total);
	ASSERT_STREQ(check_status(p, "goroutine_growth"), "pass", "goroutine_growth passes");
	ASSERT_STREQ(check_status(p, "gc_pause"), slow_gc ? "fail" : "pass",
		     "gc_pause judges the longest pause");
	ASSERT_STREQ(check_status(p, "thread_growth"), "pass",
		     "the runtime's threads, started before main.main, are no growth");
	ASSERT_TRUE(json_is_null(json_object_get(p, "memory")), "no malloc family in pure Go");
	ASSERT_OK_PTR(strstr(check_reason(p, "free_rate") ?: "", "Go program"),
		      "free_rate says why it has no malloc counts");
out:
	json_decref(r);
	proc_end(&l);
}

/*
 * -- CMD with rounds every 2 ms: a round after leakbpf lets the batcher go from its exit
 * hold comes before its exit is noticed, while its memory and fds are being torn down.
 * What was read at the hold stands: its GC cycles, its goroutines at the end, its
 * netpoller's fds left out of fd_growth.
 */
static void rounds_to_its_exit(void)
{
	const char *extra[] = { "--json", "-i", "0.002", NULL };
	char *cmd[] = { GO_TARGETS "batcher", NULL };
	struct proc l = {};
	json_t *r = NULL, *p;
	struct own o;
	int status;

	r = trace_to_exit(&l, cmd, extra, &o, &status);
	if (!r)
		goto out;
	p = report_proc(r);
	ASSERT_TRUE(json_is_true(json_object_get(r, "final")), "the final report");
	ASSERT_NEAR(jint(p, "go.gc.cycles"), o.numgc_end, 1, "GC cycles, read at its exit");
	ASSERT_EQ(jint(p, "go.goroutines.end"), o.goroutines_end, "goroutines at the end");
	if (!ASSERT_STREQ(check_status(p, "fd_growth"), "pass",
			  "its netpoller's fds are the runtime's, not growth"))
		print_failed_checks(p);
out:
	json_decref(r);
	proc_end(&l);
}

/*
 * -p, leaking: one round leaks 3 goroutines (blocked forever) and keeps every item in a
 * map. The issue's own case: growth 3, a leak, exit 23, Go's mallocs MemStats', items
 * exact.
 */
static void attached_leak(void)
{
	const char *extra[] = { "--json", "--item", "main.processItem", NULL };
	char *cmd[] = { GO_TARGETS "batcher", "-leak", "-rounds", "1", NULL };
	struct proc t = {}, l = {};
	json_t *r = NULL, *p;
	struct own o;
	int status;

	if (!ASSERT_OK(proc_start(&t, cmd, true), "start the batcher") ||
	    !ASSERT_OK(proc_expect(&t, "ready"), "ready") ||
	    !ASSERT_OK(leakbpf_attach_pid(&l, t.pid, extra), "attach") ||
	    !ASSERT_OK(proc_send(&t, "go"), "go") || !ASSERT_OK(proc_expect(&t, "done"), "done"))
		goto out;
	/* read while it waits, alive: its state now */
	r = leakbpf_finish(&l, SIGINT, &status);
	if (!ASSERT_OK(proc_send(&t, "exit"), "exit"))
		goto out;
	ASSERT_EQ(proc_finish(&t), 0, "the batcher exits 0: never crashed");
	if (!r || !ASSERT_TRUE(own_numbers(t.out_buf, &o), "the batcher's own numbers"))
		goto out;
	ASSERT_EQ(status, 23, "a leak verdict");
	ASSERT_OK(check_report_schema(&l), "the report fits the schema");
	p = report_proc(r);
	ASSERT_EQ(jint(p, "items.count"), o.items, "items: exact, one per processItem call");
	ASSERT_EQ(o.goroutines_end - o.goroutines_start, 3, "the batcher leaked 3");
	ASSERT_EQ(jint(p, "go.goroutines.start"), o.goroutines_start, "goroutines at attach");
	ASSERT_EQ(jint(p, "go.goroutines.end"), o.goroutines_end, "goroutines at the end");
	ASSERT_EQ(check_value(p, "goroutine_growth"), 3, "goroutine growth 3");
	ASSERT_STREQ(check_status(p, "goroutine_growth"), "fail", "goroutine_growth fails");
	/* attached before its first runtime.GC(): one cycle more than its own window */
	ASSERT_NEAR(jint(p, "go.gc.cycles"), o.numgc_end - o.numgc_start, 1, "GC cycles");
	ASSERT_TRUE(jnum(p, "go.gc.pause_max_ms") * 1e6 >= o.pause_max_ns - 1,
		    "the longest pause: at least the batcher's");
	/*
	 * Its window is [runtime.GC, ReadMemStats], leakbpf's [attach, SIGINT]: the same,
	 * plus its report line (fmt boxes 16 integers) and "done", allocated between.
	 */
	if (!ASSERT_TRUE(jint(p, "go.heap.mallocs") >= o.mallocs &&
			 jint(p, "go.heap.mallocs") <= o.mallocs + 32,
			 "Go mallocs: MemStats.Mallocs', and its report line's"))
		fprintf(stderr, "  Go mallocs %lld, MemStats.Mallocs %lld\n",
			jint(p, "go.heap.mallocs"), o.mallocs);
	ASSERT_TRUE(jint(p, "go.heap.live_end") > jint(p, "go.heap.live_start"),
		    "the kept items grow the live heap");
out:
	json_decref(r);
	proc_end(&t);
	proc_end(&l);
}

/* cgo: the C side's allocations are libc's, traced as in any C program; Go's beside them */
static void cgo(void)
{
	char *argv[] = { LEAKBPF, "--json", "--", GO_TARGETS "cgo", NULL };
	struct proc l = {};
	json_t *r = NULL, *p, *site;
	int status;

	if (!ASSERT_OK(proc_start(&l, argv, true), "leakbpf -- cgo"))
		goto out;
	r = leakbpf_finish(&l, 0, &status);
	if (!r)
		goto out;
	p = report_proc(r);
	/* as command_clean: only a GC pause over 10 ms (emulated CPUs) may fail */
	ASSERT_EQ(failed_besides(p, "gc_pause"), 0, "no check fails but a slow GC's");
	ASSERT_EQ(status, jnum(p, "go.gc.pause_max_ms") > 10 ? 23 : 0,
		  "its status, 0 (one block kept is under every threshold)");
	ASSERT_FALSE(json_is_null(json_object_get(p, "memory")), "libc's malloc traced");
	ASSERT_EQ(jint(p, "memory.outstanding_objects") >= 1, 1, "the block cgo_work keeps");
	site = site_by_symbol(p, "cgo_work");
	ASSERT_OK_PTR(site, "its site: cgo_work");
	ASSERT_FALSE(json_is_null(json_object_get(p, "go")), "and a go section");
out:
	json_decref(r);
	proc_free(&l);
}

void test_go(void)
{
	if (!bpf_tests_possible())
		return;
	if (test__start_subtest("command_clean"))
		command_clean(GO_TARGETS "batcher");
	/* position-independent: every address the runtime's state is read at moves */
	if (test__start_subtest("command_clean_pie"))
		command_clean(GO_TARGETS "batcher_pie");
	if (test__start_subtest("rounds_to_its_exit"))
		rounds_to_its_exit();
	if (test__start_subtest("attached_leak"))
		attached_leak();
	if (test__start_subtest("cgo"))
		cgo();
}
