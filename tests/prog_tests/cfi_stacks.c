// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * Leak sites through callers of malloc without frame pointers: tests/targets/nodes
 * allocates through libstdc++'s operator new and glibc's strdup, and each site must name
 * the function that called them, right after them, with exact counts.
 *
 * The first call from a new place is held provisionally until user space has learned how
 * to unwind it. "warm" lets that happen first (stderr says so with -v), so that places
 * told apart only by the frame the walk misses (strdup from two functions, operator new
 * from two functions called through one pointer) are apart from their first block. "cold"
 * allocates at once: its blocks carry provisional keys, and must end up in the right
 * sites all the same.
 */
#include <signal.h>
#include <string.h>
#include "harness.h"
#include "test_progs.h"

#define NODES TARGETS "nodes"
#define NEW "operator new(unsigned long)"

struct want_site {
	const char *alloc;	/* frame 0: the function that called malloc (a substring) */
	const char *caller;	/* frame 1: the function that called it */
	const char *const *then;	/* frames 2 on */
	long long objects, bytes;
};

static const char *const by_main[] = { "main", NULL };
static const char *const by_grow[] = { "grow(void (*)(int), int)", "grow_both(int, int)", "main",
				       NULL };

static const struct want_site nodes = { NEW, "make_nodes(int)", by_main, 20, 20 * 48 };
static const struct want_site names = { "strdup", "dup_name(int)", by_main, 5, 5 * 9 };
static const struct want_site warm_sites[] = {
	nodes,
	names,
	{ "strdup", "dup_other(int)", by_main, 3, 3 * 13 },
	{ NEW, "make_leaves(int)", by_grow, 7, 7 * 64 },
	{ NEW, "make_twigs(int)", by_grow, 4, 4 * 80 },
};

#define NR_WARM_SITES (sizeof(warm_sites) / sizeof(warm_sites[0]))

/* The leak site whose frame 1 is in function caller, NULL if none. */
static json_t *site_by_caller(json_t *proc, const char *caller)
{
	json_t *sites = json_object_get(proc, "leak_sites"), *s;
	size_t i;

	json_array_foreach(sites, i, s) {
		if (!strcmp(stack_symbol(s, 1) ?: "", caller))
			return s;
	}
	return NULL;
}

/* A field summed over the sites called by caller (one per class after a scan) */
static long long caller_sum(json_t *proc, const char *caller, const char *field)
{
	json_t *sites = json_object_get(proc, "leak_sites"), *s;
	long long n = 0;
	size_t i;

	json_array_foreach(sites, i, s) {
		if (!strcmp(stack_symbol(s, 1) ?: "", caller))
			n += jint(s, field);
	}
	return n;
}

/* What a site's stack is instead, when it is not as expected. */
static void print_stack(json_t *site)
{
	json_t *frames = json_object_get(site, "stack"), *f;
	size_t i;

	json_array_foreach(frames, i, f)
		fprintf(stderr, "    #%zu %s %s\n", i, jstr(f, "addr") ?: "?",
			jstr(f, "symbol") ?: "?");
}

static void expect_site(json_t *proc, const struct want_site *w)
{
	json_t *s = site_by_caller(proc, w->caller);
	char name[160];

	snprintf(name, sizeof(name), "a site called by %s", w->caller);
	if (!ASSERT_OK_PTR(s, name))
		return;
	snprintf(name, sizeof(name), "%s, called by %s, by %s", w->alloc, w->caller, w->then[0]);
	if (!ASSERT_OK_PTR(strstr(stack_symbol(s, 0) ?: "", w->alloc), name) ||
	    !ASSERT_EQ(stack_has(s, w->caller, w->then), 1, name))
		print_stack(s);
	/* a command's sites are split by class after its scan at exit: all of them count */
	snprintf(name, sizeof(name), "%s: objects", w->caller);
	ASSERT_EQ(caller_sum(proc, w->caller, "objects"), w->objects, name);
	snprintf(name, sizeof(name), "%s: bytes", w->caller);
	ASSERT_EQ(caller_sum(proc, w->caller, "bytes"), w->bytes, name);
}

/* Let the warm-up's first calls through operator new and strdup be unwound, then "more". */
static int after_warm_up(struct proc *l, struct proc *ctl)
{
	if (proc_expect(ctl, "warm"))
		return -1;
	if (!ASSERT_OK(proc_wait_stderr_count(l, "called by make_nodes(int):", 1),
		       "operator new unwound in user space") ||
	    !ASSERT_OK(proc_wait_stderr_count(l, "called by dup_name(int):", 1),
		       "strdup unwound in user space"))
		return -1;
	return proc_send(ctl, "more");
}

static void pid_warm(void)
{
	const char *extra[] = { "-v", "--cfi-stacks", NULL };
	char *cmd[] = { NODES, "warm", NULL };
	struct proc t = {}, l = {};
	int status = -1;
	json_t *r, *p;
	size_t i;

	if (proc_start(&t, cmd, false) || proc_expect(&t, "ready") ||
	    leakbpf_attach_pid(&l, t.pid, extra) || proc_send(&t, "go") ||
	    after_warm_up(&l, &t) || proc_expect(&t, "done"))
		goto out;
	r = leakbpf_finish(&l, SIGINT, &status);
	if (!r)
		goto out;
	p = report_proc(r);
	ASSERT_EQ(jint(r, "lost_events"), 0, "lost_events");
	/* the warm-up's 5, freed, then 39 */
	ASSERT_EQ(jint(p, "memory.mallocs"), 44, "mallocs");
	ASSERT_EQ(jint(p, "memory.frees"), 5, "frees");
	ASSERT_EQ(jint(p, "memory.outstanding_objects"), 39, "outstanding_objects");
	ASSERT_EQ(jint(p, "memory.outstanding_bytes"), 1812, "outstanding_bytes");
	ASSERT_EQ(json_array_size(json_object_get(p, "leak_sites")), NR_WARM_SITES,
		  "one site per function");
	for (i = 0; i < NR_WARM_SITES; i++)
		expect_site(p, &warm_sites[i]);
	ASSERT_EQ(check_report_schema(&l), 0, "schema");
	ASSERT_OK(proc_send(&t, "exit"), "target still listens");
	ASSERT_EQ(proc_finish(&t), 0, "target exits normally after detach");
	json_decref(r);
out:
	proc_free(&t);
	proc_free(&l);
}

/* From exec on, libstdc++'s own start-up allocations are there too: the sites are asserted. */
static void cmd_warm(void)
{
	const char *extra[] = { "-v", "--cfi-stacks", "--top", "20", NULL };
	char *cmd[] = { NODES, "warm", NULL };
	struct proc l = {};
	int status = -1;
	json_t *r, *p;
	size_t i;

	if (leakbpf_run_cmd(&l, extra, cmd) || proc_expect(&l, "ready") || proc_send(&l, "go") ||
	    after_warm_up(&l, &l) || proc_expect(&l, "done") || proc_send(&l, "exit"))
		goto out;
	r = leakbpf_finish(&l, 0, &status);
	if (!r)
		goto out;
	p = report_proc(r);
	ASSERT_EQ(jint(r, "lost_events"), 0, "lost_events");
	ASSERT_TRUE(json_is_true(json_object_get(p, "exited")), "exited");
	for (i = 0; i < NR_WARM_SITES; i++)
		expect_site(p, &warm_sites[i]);
	/* held at exit: what it left is judged by reachability */
	ASSERT_STREQ(check_status(p, "lost_objects"), status == 23 ? "fail" : "pass",
		     "the verdict is lost_objects'");
	json_decref(r);
out:
	proc_free(&l);
}

static const char *const cfi[] = { "--cfi-stacks", NULL };

/* No warm-up: whatever the timing, the first blocks end up in their place's site. */
static void check_cold(json_t *r)
{
	json_t *p = report_proc(r);

	ASSERT_EQ(jint(r, "lost_events"), 0, "lost_events");
	expect_site(p, &nodes);
	expect_site(p, &names);
}

static void pid_cold(void)
{
	char *cmd[] = { NODES, "cold", NULL };
	struct proc t = {}, l = {};
	int status = -1;
	json_t *r;

	if (trace_pid_until_done(&t, &l, cmd, cfi))
		goto out;
	r = leakbpf_finish(&l, SIGINT, &status);
	if (!r)
		goto out;
	check_cold(r);
	ASSERT_EQ(jint(report_proc(r), "memory.outstanding_objects"), 25, "outstanding_objects");
	ASSERT_EQ(jint(report_proc(r), "memory.outstanding_bytes"), 960 + 45,
		  "outstanding_bytes");
	ASSERT_OK(proc_send(&t, "exit"), "target still listens");
	ASSERT_EQ(proc_finish(&t), 0, "target exits");
	json_decref(r);
out:
	proc_free(&t);
	proc_free(&l);
}

static void cmd_cold(void)
{
	char *cmd[] = { NODES, "cold", NULL };
	struct proc l = {};
	int status = -1;
	json_t *r;

	if (trace_cmd_until_done(&l, cmd, cfi) || proc_send(&l, "exit"))
		goto out;
	r = leakbpf_finish(&l, 0, &status);
	if (!r)
		goto out;
	check_cold(r);
	json_decref(r);
out:
	proc_free(&l);
}

/* objects and bytes of the sites whose frame 0 is in a function named with fn */
static void sum_sites(json_t *proc, const char *fn, long long *objects, long long *bytes)
{
	json_t *sites = json_object_get(proc, "leak_sites"), *s;
	size_t i;

	*objects = *bytes = 0;
	json_array_foreach(sites, i, s) {
		if (!strstr(stack_symbol(s, 0) ?: "", fn))
			continue;
		*objects += jint(s, "objects");
		*bytes += jint(s, "bytes");
	}
}

/*
 * Without --cfi-stacks a stack is its frame-pointer walk: frame 0 is still the function
 * that called malloc (operator new, strdup), with every block of the warm run counted.
 */
static void pid_fp(void)
{
	char *cmd[] = { NODES, "warm", NULL };
	const char *extra[] = { "--top", "20", NULL };
	struct proc t = {}, l = {};
	long long objects, bytes;
	int status = -1;
	json_t *r, *p;

	if (proc_start(&t, cmd, false) || proc_expect(&t, "ready") ||
	    leakbpf_attach_pid(&l, t.pid, extra) || proc_send(&t, "go") ||
	    proc_expect(&t, "warm") || proc_send(&t, "more") || proc_expect(&t, "done"))
		goto out;
	r = leakbpf_finish(&l, SIGINT, &status);
	if (!r)
		goto out;
	p = report_proc(r);
	ASSERT_EQ(jint(r, "lost_events"), 0, "lost_events");
	ASSERT_EQ(jint(p, "memory.outstanding_objects"), 39, "outstanding_objects");
	ASSERT_EQ(jint(p, "memory.outstanding_bytes"), 1812, "outstanding_bytes");
	sum_sites(p, NEW, &objects, &bytes);
	ASSERT_EQ(objects, 20 + 7 + 4, "operator new's sites: objects");
	ASSERT_EQ(bytes, 20 * 48 + 7 * 64 + 4 * 80, "operator new's sites: bytes");
	sum_sites(p, "strdup", &objects, &bytes);
	ASSERT_EQ(objects, 5 + 3, "strdup's sites: objects");
	ASSERT_EQ(bytes, 5 * 9 + 3 * 13, "strdup's sites: bytes");
	ASSERT_OK(proc_send(&t, "exit"), "target still listens");
	ASSERT_EQ(proc_finish(&t), 0, "target exits normally after detach");
	json_decref(r);
out:
	proc_free(&t);
	proc_free(&l);
}

void test_cfi_stacks(void)
{
	if (!bpf_tests_possible())
		return;
	if (test__start_subtest("pid_warm"))
		pid_warm();
	if (test__start_subtest("cmd_warm"))
		cmd_warm();
	if (test__start_subtest("pid_cold"))
		pid_cold();
	if (test__start_subtest("cmd_cold"))
		cmd_cold();
	if (test__start_subtest("pid_fp"))
		pid_fp();
}
