// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * The memory path end to end: real targets that leak known amounts, traced by ./leakbpf,
 * every number of the JSON report asserted.
 */
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "test_progs.h"

/* Run a target under `leakbpf --json EXTRA -- CMD`, stepping it through ready/go/done/exit. */
static json_t *run_cmd(const char *const *extra, char *const cmd[], int *status, struct proc *l)
{
	if (leakbpf_run_cmd(l, extra, cmd))
		return NULL;
	if (proc_expect(l, "ready") || proc_send(l, "go") || proc_expect(l, "done") ||
	    proc_send(l, "exit"))
		return NULL;
	*status = proc_finish(l);
	return last_report(l);
}

/* Attach to a running target with -p after it said "ready", stop leakbpf with sig. */
static json_t *run_pid(const char *const *extra, char *const cmd[], int sig, int *status,
		       struct proc *t, struct proc *l)
{
	if (proc_start(t, cmd, false) || proc_expect(t, "ready"))
		return NULL;
	if (leakbpf_attach_pid(l, t->pid, extra))
		return NULL;
	if (proc_send(t, "go") || proc_expect(t, "done"))
		return NULL;
	kill(l->pid, sig);
	*status = proc_finish(l);
	return last_report(l);
}

static void pid_attach_exact(void)
{
	/* 7 x 100 B leaked, 20 blocks (+ their array) from before attach freed, 50 pairs */
	char *cmd[] = { TARGETS "leak_n", "7", "100", "20", "50", NULL };
	const char *extra[] = { "--item", "churn", NULL };
	struct proc t = {}, l = {};
	json_t *r, *p, *site;
	int status = -1;

	r = run_pid(extra, cmd, SIGINT, &status, &t, &l);
	if (!ASSERT_OK_PTR(r, "report"))
		goto out;
	p = report_proc(r);
	ASSERT_EQ(jint(p, "pid"), t.pid, "pid");
	ASSERT_TRUE(json_is_true(json_object_get(r, "final")), "final");
	ASSERT_EQ(jint(r, "lost_events"), 0, "lost_events");
	ASSERT_EQ(jint(p, "memory.mallocs"), 57, "mallocs");
	ASSERT_EQ(jint(p, "memory.frees"), 50, "frees");
	ASSERT_EQ(jint(p, "memory.untracked_frees"), 21, "untracked_frees");
	ASSERT_EQ(jint(p, "memory.bytes_allocated"), 5700, "bytes_allocated");
	ASSERT_EQ(jint(p, "memory.bytes_freed"), 5000, "bytes_freed");
	ASSERT_EQ(jint(p, "memory.outstanding_objects"), 7, "outstanding_objects");
	ASSERT_EQ(jint(p, "memory.outstanding_bytes"), 700, "outstanding_bytes");
	ASSERT_EQ(jint(p, "items.count"), 50, "items");
	ASSERT_NEAR(jnum(p, "memory.bytes_per_item"), 14.0, 1e-9, "bytes_per_item");
	ASSERT_STREQ(jstr(p, "memory.grade"), "excellent", "grade");
	/* (57 - 50) / 50 = 0.14 > 0.10 */
	ASSERT_STREQ(check_status(p, "unreleased_objects"), "fail", "unreleased_objects");
	ASSERT_STREQ(check_status(p, "heap_object_growth"), "pass", "heap_object_growth");
	ASSERT_STREQ(check_status(p, "free_rate"), "skipped", "free_rate needs 1000");
	site = json_array_get(json_object_get(p, "leak_sites"), 0);
	ASSERT_STREQ(jstr(json_array_get(json_object_get(site, "stack"), 0), "symbol"),
		     "leak_here", "top site's first frame");
	ASSERT_EQ(jint(site, "objects"), 7, "site objects");
	ASSERT_EQ(jint(site, "bytes"), 700, "site bytes");
	ASSERT_STREQ(jstr(json_array_get(json_object_get(site, "stack"), 1), "symbol"), "main",
		     "second frame");
	ASSERT_TRUE(jnum(site, "oldest_age_s") >= 0, "oldest_age_s");
	ASSERT_EQ(status, 23, "exit status on a leak");
	ASSERT_EQ(check_report_schema(&l), 0, "report matches the schema");
	/* detached: the target is unchanged and finishes on its own */
	ASSERT_OK(proc_send(&t, "exit"), "target still listens");
	ASSERT_EQ(proc_finish(&t), 0, "target exits normally after detach");
	json_decref(r);
out:
	proc_free(&t);
	proc_free(&l);
}

static void free_rate_without_items(void)
{
	/* 100 leaked of 1000: free_rate 0.9 < 0.95 fails without --item */
	char *cmd[] = { TARGETS "leak_n", "100", "16", "0", "900", NULL };
	struct proc t = {}, l = {};
	int status = -1;
	json_t *r = run_pid(NULL, cmd, SIGTERM, &status, &t, &l), *p;

	if (!ASSERT_OK_PTR(r, "report"))
		goto out;
	p = report_proc(r);
	ASSERT_EQ(jint(p, "memory.mallocs"), 1000, "mallocs");
	ASSERT_EQ(jint(p, "memory.frees"), 900, "frees");
	ASSERT_NEAR(jnum(p, "memory.free_rate"), 0.9, 1e-9, "free_rate");
	ASSERT_STREQ(check_status(p, "free_rate"), "fail", "free_rate check");
	ASSERT_STREQ(check_status(p, "unreleased_objects"), "skipped", "needs --item");
	ASSERT_EQ(status, 23, "SIGTERM ends with a final report and the verdict");
	json_decref(r);
out:
	proc_free(&t);
	proc_free(&l);
}

static void cmd_from_exec(void)
{
	/* everything from the first instruction: the 20 early blocks are tracked frees now */
	char *cmd[] = { TARGETS "leak_n", "7", "100", "20", "50", NULL };
	const char *extra[] = { "--item", "churn", NULL };
	struct proc l = {};
	int status = -1;
	json_t *r = run_cmd(extra, cmd, &status, &l), *p, *site;

	if (!ASSERT_OK_PTR(r, "report"))
		goto out;
	p = report_proc(r);
	ASSERT_TRUE(json_is_true(json_object_get(p, "exited")), "exited");
	ASSERT_EQ(jint(p, "exit_code"), 0, "exit_code");
	ASSERT_EQ(jint(p, "memory.mallocs"), 78, "mallocs (7 + 20 + 1 + 50)");
	ASSERT_EQ(jint(p, "memory.frees"), 71, "frees");
	ASSERT_EQ(jint(p, "memory.untracked_frees"), 0, "untracked_frees");
	ASSERT_EQ(jint(p, "memory.outstanding_objects"), 7, "outstanding_objects");
	ASSERT_EQ(jint(p, "memory.outstanding_bytes"), 700, "outstanding_bytes");
	site = site_by_symbol(p, "leak_here");
	ASSERT_OK_PTR(site, "leak_here site");
	ASSERT_EQ(jint(site, "objects"), 7, "site objects");
	/* the libc frame below main is named too: its module was read before it exited */
	ASSERT_OK_PTR(strstr(l.out_buf ? l.out_buf : "", "libc.so.6"), "libc frame named");
	ASSERT_EQ(status, 23, "leak -> 23");
	ASSERT_EQ(check_report_schema(&l), 0, "schema");
	json_decref(r);
out:
	proc_free(&l);
}

static void every_allocator(void)
{
	static const struct {
		const char *fn;
		long long bytes;
	} want[] = {
		{ "via_malloc", 100 }, { "via_calloc", 120 }, { "via_realloc_null", 130 },
		{ "via_realloc_grow", 2000 }, { "via_realloc_fail", 30 },
		{ "via_reallocarray", 140 }, { "via_posix_memalign", 150 },
		{ "via_aligned_alloc", 160 }, { "via_memalign", 170 }, { "via_valloc", 180 },
		{ "via_pvalloc", 190 },
	};
	char *cmd[] = { TARGETS "allocators", NULL };
	const char *extra[] = { "--top", "20", NULL };
	struct proc l = {};
	int status = -1;
	json_t *r = run_cmd(extra, cmd, &status, &l), *p;
	size_t i;

	if (!ASSERT_OK_PTR(r, "report"))
		goto out;
	p = report_proc(r);
	ASSERT_EQ(jint(p, "memory.mallocs"), 22, "mallocs");
	ASSERT_EQ(jint(p, "memory.frees"), 11, "frees (realloc moves and realloc(p, 0) count)");
	ASSERT_EQ(jint(p, "memory.untracked_frees"), 0, "untracked_frees");
	ASSERT_EQ(jint(p, "memory.outstanding_objects"), 11, "outstanding_objects");
	ASSERT_EQ(jint(p, "memory.outstanding_bytes"), 3370, "outstanding_bytes");
	ASSERT_EQ(json_array_size(json_object_get(p, "leak_sites")), 11, "one site per function");
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		json_t *site = site_by_symbol(p, want[i].fn);

		if (!ASSERT_OK_PTR(site, want[i].fn))
			continue;
		ASSERT_EQ(jint(site, "objects"), 1, want[i].fn);
		ASSERT_EQ(jint(site, "bytes"), want[i].bytes, want[i].fn);
	}
	/* one block each function leaves: lost at exit but the last, which sink holds */
	ASSERT_EQ(jint(p, "memory.reachability.direct.objects") +
		  jint(p, "memory.reachability.indirect.objects"), 10, "10 blocks lost");
	ASSERT_EQ(jint(p, "memory.reachability.reachable.objects"), 1, "sink's block reachable");
	ASSERT_EQ(status, 23, "lost blocks: a leak verdict");
	json_decref(r);
out:
	proc_free(&l);
}

static void four_threads(void)
{
	char *cmd[] = { TARGETS "threads", "4", "2500", NULL };
	struct proc t = {}, l = {};
	int status = -1;
	json_t *r = run_pid(NULL, cmd, SIGINT, &status, &t, &l), *p, *site;

	if (!ASSERT_OK_PTR(r, "report"))
		goto out;
	p = report_proc(r);
	ASSERT_EQ(jint(r, "lost_events"), 0, "lost_events");
	ASSERT_EQ(jint(p, "memory.mallocs"), 20000, "mallocs");
	ASSERT_EQ(jint(p, "memory.frees"), 10000, "frees");
	ASSERT_EQ(jint(p, "memory.outstanding_objects"), 10000, "outstanding_objects");
	ASSERT_EQ(jint(p, "memory.outstanding_bytes"), 640000, "outstanding_bytes");
	site = site_by_symbol(p, "thread_leak");
	ASSERT_OK_PTR(site, "thread_leak site");
	ASSERT_EQ(jint(site, "objects"), 10000, "site objects");
	ASSERT_EQ(jint(site, "bytes"), 640000, "site bytes");
	ASSERT_STREQ(check_status(p, "free_rate"), "fail", "free_rate 0.5");
	ASSERT_EQ(status, 23, "leak");
	json_decref(r);
out:
	proc_free(&t);
	proc_free(&l);
}

static void exit_statuses(void)
{
	char *clean[] = { TARGETS "leak_n", "0", "100", "0", "2000", NULL };
	char *failing[] = { TARGETS "leak_n", "0", "100", "0", "10", "3", NULL };
	char *leaking[] = { TARGETS "leak_n", "100", "100", "0", "900", "3", NULL };
	const char *code42[] = { "--leak-exit-code", "42", NULL };
	struct proc l = {};
	int status = -1;
	json_t *r;

	r = run_cmd(NULL, clean, &status, &l);
	ASSERT_EQ(status, 0, "clean -> 0");
	/* a command's end is judged by reachability, not its free rate */
	ASSERT_STREQ(check_status(report_proc(r), "lost_objects"), "pass", "clean: none lost");
	json_decref(r);
	proc_free(&l);

	r = run_cmd(NULL, failing, &status, &l);
	ASSERT_EQ(status, 3, "failing command, no leak -> its status");
	ASSERT_EQ(jint(report_proc(r), "exit_code"), 3, "exit_code in the report");
	json_decref(r);
	proc_free(&l);

	r = run_cmd(code42, leaking, &status, &l);
	ASSERT_EQ(status, 42, "leak wins over the command's status, --leak-exit-code");
	json_decref(r);
	proc_free(&l);
}

/*
 * More blocks alive at once than --max-allocs: the ones that do not fit are counted, the
 * report says so, and no check draws a leak from frees it could not match.
 */
static void map_full(void)
{
	/* 5000 blocks of 48 B (and their array) allocated, then all freed */
	char *cmd[] = { TARGETS "leak_n", "0", "16", "5000", "0", NULL };
	const char *extra[] = { "--max-allocs", "1000", NULL };
	struct proc l = {};
	int status = -1;
	json_t *r = run_cmd(extra, cmd, &status, &l), *p;

	if (!ASSERT_OK_PTR(r, "report"))
		goto out;
	p = report_proc(r);
	ASSERT_EQ(jint(p, "memory.mallocs"), 5001, "mallocs");
	ASSERT_EQ(jint(p, "memory.free_calls"), 5001, "free calls");
	ASSERT_GE(jint(p, "memory.untracked_allocs"), 4001, "blocks not followed");
	ASSERT_EQ(jint(r, "lost_events"), jint(p, "memory.untracked_allocs"), "lost_events");
	ASSERT_EQ(jint(p, "memory.frees") + jint(p, "memory.untracked_allocs"), 5001,
		  "every followed block freed");
	ASSERT_EQ(jint(p, "memory.outstanding_objects"), 0, "outstanding");
	ASSERT_STREQ(check_status(p, "free_rate"), "skipped", "free_rate not judged");
	ASSERT_EQ(status, 0, "no false leak verdict");
	json_decref(r);
out:
	proc_free(&l);
}

/*
 * Blocks leaked by a library that the target dlcloses before the report: their stacks are
 * still named after its code, from the module as leakbpf read it while it was mapped. A
 * command is held before each dlclose until leakbpf has read its modules, so the test
 * closes the library at once, without waiting for leakbpf to have seen it loaded.
 */
static void unloaded_library(void)
{
	char *cmd[] = { TARGETS "item_lib", TARGETS "libitems.so", "0", "9", NULL };
	const char *extra[] = { "-v", NULL };
	struct proc l = {};
	json_t *r = NULL, *p, *site, *frame;
	int status = -1;

	if (leakbpf_run_cmd(&l, extra, cmd) || proc_expect(&l, "ready") ||
	    proc_send(&l, "go") || proc_expect(&l, "loaded") || proc_send(&l, "close") ||
	    proc_expect(&l, "done") || proc_send(&l, "exit"))
		goto out;
	status = proc_finish(&l);
	r = last_report(&l);
	if (!ASSERT_OK_PTR(r, "report"))
		goto out;
	p = report_proc(r);
	ASSERT_EQ(jint(p, "exit_code"), 0, "the library was unmapped (else 3)");
	site = site_by_symbol(p, "lib_leak");
	if (!ASSERT_OK_PTR(site, "a site named after the unloaded library's function"))
		goto out;
	ASSERT_EQ(jint(site, "objects"), 9, "site objects");
	ASSERT_EQ(jint(site, "bytes"), 9 * 40, "site bytes");
	frame = json_array_get(json_object_get(site, "stack"), 0);
	ASSERT_OK_PTR(strstr(jstr(frame, "module") ? jstr(frame, "module") : "", "libitems.so"),
		      "its module");
	ASSERT_STREQ(jstr(json_array_get(json_object_get(site, "stack"), 1), "symbol"), "main",
		     "called from main");
	ASSERT_EQ(count_stderr(&l, "modules about to be unloaded (held until read)"), 1,
		  "held once, at the dlclose");
	/* 9 blocks are too few for the checks that need no --item: no verdict to assert */
	ASSERT_GE(status, 0, "leakbpf ended");
out:
	json_decref(r);
	proc_free(&l);
}

/*
 * No -i: rounds are taken all the same, unprinted, so a run of 3.5 s (-d, leakbpf's own
 * clock) judges growth_rate: drip leaks 512 bytes about every millisecond, some 30 MiB a
 * minute, far over 1 MiB. One report only. Each site's trend: drip_leak's kept bytes grow
 * at its pace (its bytes over the time traced: the drip is even), fill_cache's 200
 * blocks, allocated at once at the start, do not grow; growth_rate names drip_leak.
 */
static void growth_without_rounds(void)
{
	const char *extra[] = { "--json", "-d", "3.5", NULL };
	char *cmd[] = { TARGETS "drip", "512", "cache", "200", NULL };
	struct proc t = {}, l = {};
	json_t *r = NULL, *p, *drip, *cache;
	double pace;
	int status;

	if (!ASSERT_OK(proc_start(&t, cmd, false), "start drip") ||
	    !ASSERT_OK(proc_expect(&t, "ready"), "ready") ||
	    !ASSERT_OK(leakbpf_attach_pid(&l, t.pid, extra), "attach") ||
	    !ASSERT_OK(proc_send(&t, "go"), "go"))
		goto out;
	r = leakbpf_finish(&l, 0, &status);
	if (!r)
		goto out;
	p = report_proc(r);
	ASSERT_EQ(count_reports(&l), 1, "one report printed");
	ASSERT_EQ(jint(r, "round"), 1, "the first one printed");
	ASSERT_STREQ(check_status(p, "growth_rate"), "fail", "growth_rate judged, and fails");
	ASSERT_TRUE(check_value(p, "growth_rate") > 1048576, "over 1 MiB a minute");
	ASSERT_EQ(status, 23, "a leak verdict");
	drip = site_by_symbol(p, "drip_leak");
	cache = site_by_symbol(p, "fill_cache");
	if (!ASSERT_OK_PTR(drip, "drip_leak's site") || !ASSERT_OK_PTR(cache, "fill_cache's site"))
		goto out;
	ASSERT_EQ(jint(cache, "objects"), 200, "the cache: 200 blocks");
	pace = jnum(drip, "bytes") / jnum(p, "traced_s") * 60;
	if (!ASSERT_TRUE(fabs(jnum(drip, "growth_bytes_per_min") - pace) < 0.25 * pace,
			 "drip_leak grows at its pace, within 25%"))
		fprintf(stderr, "  growth %g B/min, pace %g B/min\n",
			jnum(drip, "growth_bytes_per_min"), pace);
	if (!ASSERT_TRUE(fabs(jnum(cache, "growth_bytes_per_min")) < 0.01 * pace,
			 "fill_cache does not grow"))
		fprintf(stderr, "  fill_cache growth %g B/min\n",
			jnum(cache, "growth_bytes_per_min"));
	ASSERT_OK_PTR(strstr(check_reason(p, "growth_rate") ?: "", "drip_leak"),
		      "growth_rate names the fastest-growing site");
out:
	json_decref(r);
	if (t.pid > 0) {
		proc_send(&t, "exit");
		ASSERT_EQ(proc_finish(&t), 0, "drip exits 0");
	}
	proc_free(&t);
	proc_free(&l);
}

void test_memory(void)
{
	if (!bpf_tests_possible())
		return;
	if (test__start_subtest("pid_attach_exact"))
		pid_attach_exact();
	if (test__start_subtest("free_rate_without_items"))
		free_rate_without_items();
	if (test__start_subtest("cmd_from_exec"))
		cmd_from_exec();
	if (test__start_subtest("every_allocator"))
		every_allocator();
	if (test__start_subtest("four_threads"))
		four_threads();
	if (test__start_subtest("exit_statuses"))
		exit_statuses();
	if (test__start_subtest("map_full"))
		map_full();
	if (test__start_subtest("unloaded_library"))
		unloaded_library();
	if (test__start_subtest("growth_without_rounds"))
		growth_without_rounds();
}
