// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * -f: the processes a target forks, and what they exec, each traced from its first
 * instruction and reported on its own, with its parent and arguments. tests/targets/lost
 * leaks 101 blocks directly and 50 indirectly (LeakSanitizer's count, tests reach), and
 * keeps 200 reachable ("clean": only those); tests/targets/forker's children each lose a
 * known number of blocks without an exec.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "harness.h"
#include "test_progs.h"

#define LOST TARGETS "lost"

/* The processes of a report whose cmdline is exactly cmdline; the first in *first. */
static int procs_running(json_t *r, const char *cmdline, json_t **first)
{
	json_t *procs = json_object_get(r, "processes"), *p;
	size_t i;
	int n = 0;

	*first = NULL;
	json_array_foreach(procs, i, p) {
		if (jstr(p, "cmdline") && !strcmp(jstr(p, "cmdline"), cmdline)) {
			if (!n++)
				*first = p;
		}
	}
	return n;
}

/* A child that ran lost (or lost clean): its parent, its exit, its blocks as LSan counts. */
static void expect_lost(json_t *p, long long parent, bool clean, const char *what)
{
	char name[128];

	snprintf(name, sizeof(name), "%s: forked by the shell", what);
	ASSERT_EQ(jint(p, "parent"), parent, name);
	snprintf(name, sizeof(name), "%s: exited 0", what);
	ASSERT_EQ(jint(p, "exit_code"), 0, name);
	snprintf(name, sizeof(name), "%s: direct objects", what);
	ASSERT_EQ(jint(p, "memory.reachability.direct.objects"), clean ? 0 : 101, name);
	snprintf(name, sizeof(name), "%s: direct bytes", what);
	ASSERT_EQ(jint(p, "memory.reachability.direct.bytes"), clean ? 0 : 4824, name);
	snprintf(name, sizeof(name), "%s: indirect objects", what);
	ASSERT_EQ(jint(p, "memory.reachability.indirect.objects"), clean ? 0 : 50, name);
	snprintf(name, sizeof(name), "%s: reachable objects", what);
	ASSERT_EQ(jint(p, "memory.reachability.reachable.objects"), 200, name);
	snprintf(name, sizeof(name), "%s: lost_objects", what);
	ASSERT_STREQ(check_status(p, "lost_objects"), clean ? "pass" : "fail", name);
}

/* leakbpf -f -- sh -c 'lost clean; lost': both reported, the shell too; the run leaks. */
static void sh_c(void)
{
	char *argv[] = { LEAKBPF, "-f", "--json", "--", "sh", "-c", LOST " clean; " LOST, NULL };
	struct proc l = {};
	json_t *r = NULL, *a, *b, *sh;
	int status;

	if (!ASSERT_OK(proc_start(&l, argv, true), "leakbpf -f -- sh -c"))
		goto out;
	r = leakbpf_finish(&l, 0, &status);
	if (!r)
		goto out;
	ASSERT_EQ(status, 23, "a child leaks: the run's verdict is a leak");
	ASSERT_EQ(check_report_schema(&l), 0, "schema");
	ASSERT_EQ(jint(r, "follow.processes"), 3, "the shell and two children");
	ASSERT_EQ(jint(r, "follow.dropped"), 0, "none dropped");
	sh = report_proc(r);
	ASSERT_TRUE(json_is_null(json_object_get(sh, "parent")), "the target has no parent");
	ASSERT_FALSE(json_is_true(json_object_get(json_object_get(sh, "verdict"), "leak")),
		     "the shell leaks nothing");
	ASSERT_EQ(procs_running(r, LOST " clean", &a), 1, "lost clean reported once");
	ASSERT_EQ(procs_running(r, LOST, &b), 1, "lost reported once");
	if (a)
		expect_lost(a, jint(sh, "pid"), true, "lost clean");
	if (b)
		expect_lost(b, jint(sh, "pid"), false, "lost");
out:
	json_decref(r);
	proc_free(&l);
}

/*
 * An exec chain in a child: the shell forks, the child execs env, env execs lost: one
 * process, reported as what it ran last.
 */
static void exec_chain(void)
{
	char *argv[] = { LEAKBPF, "-f", "--json", "--", "sh", "-c", "env " LOST "; true", NULL };
	struct proc l = {};
	json_t *r = NULL, *p;
	int status;

	if (!ASSERT_OK(proc_start(&l, argv, true), "leakbpf -f -- sh -c 'env lost'"))
		goto out;
	r = leakbpf_finish(&l, 0, &status);
	if (!r)
		goto out;
	ASSERT_EQ(status, 23, "leak");
	ASSERT_EQ(jint(r, "follow.processes"), 2, "the shell and its child");
	if (ASSERT_EQ(procs_running(r, LOST, &p), 1, "the child, as lost after env"))
		expect_lost(p, jint(report_proc(r), "pid"), false, "env, then lost");
out:
	json_decref(r);
	proc_free(&l);
}

/* A make-like tree: make runs each recipe line in a shell, which runs the program. */
static void make_tree(void)
{
	char mk[] = "/tmp/leakbpf-follow-XXXXXX";
	char *argv[] = { LEAKBPF, "-f", "--json", "--", "make", "-s", "-f", mk, NULL };
	struct proc l = {};
	json_t *r = NULL, *a, *b;
	int status, fd;
	FILE *f;

	if (!have_tool("make")) {
		test__skip("no make");
		return;
	}
	fd = mkstemp(mk);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!ASSERT_OK_PTR(f, "a Makefile"))
		return;
	/* two recipe lines, each run by a shell of its own: sh -> lost */
	fprintf(f, "all:\n\t%s clean && true\n\t%s && true\n", LOST, LOST);
	fclose(f);
	if (!ASSERT_OK(proc_start(&l, argv, true), "leakbpf -f -- make"))
		goto out;
	r = leakbpf_finish(&l, 0, &status);
	if (!r)
		goto out;
	ASSERT_EQ(status, 23, "leak");
	ASSERT_EQ(check_report_schema(&l), 0, "schema");
	ASSERT_EQ(procs_running(r, LOST " clean", &a), 1, "lost clean, under make's shell");
	ASSERT_EQ(procs_running(r, LOST, &b), 1, "lost, under make's shell");
	/* make -> sh -> lost: the parent is a shell make forked, not make */
	if (a)
		ASSERT_TRUE(jint(a, "parent") != jint(report_proc(r), "pid"), "a grandchild");
	if (a)
		expect_lost(a, jint(a, "parent"), true, "lost clean");
	if (b)
		expect_lost(b, jint(b, "parent"), false, "lost");
	ASSERT_EQ(jint(r, "follow.processes"), 5, "make, two shells, two programs");
out:
	unlink(mk);
	json_decref(r);
	proc_free(&l);
}

/*
 * -p -f: a running process forks children that never exec; each is traced from its first
 * instruction (the blocks it loses right away are all counted) and held at its exit.
 */
static void pid_forks(void)
{
	char *cmd[] = { TARGETS "forker", "3", "17", NULL };
	const char *extra[] = { "-f", NULL };
	struct proc t = {}, l = {};
	json_t *r = NULL, *procs, *p;
	int status, kids = 0;
	size_t i;

	if (trace_pid_until_done(&t, &l, cmd, extra))
		goto out;
	r = leakbpf_finish(&l, SIGINT, &status);
	if (!r)
		goto out;
	ASSERT_EQ(status, 23, "its children leak");
	ASSERT_EQ(check_report_schema(&l), 0, "schema");
	ASSERT_EQ(jint(r, "follow.processes"), 4, "the target and its 3 children");
	procs = json_object_get(r, "processes");
	json_array_foreach(procs, i, p) {
		if (!i)
			continue;
		kids++;
		ASSERT_EQ(jint(p, "parent"), t.pid, "forked by the target");
		ASSERT_EQ(jint(p, "memory.mallocs"), 17, "every malloc, from the first");
		ASSERT_EQ(jint(p, "memory.reachability.direct.objects"), 17, "17 lost");
		ASSERT_EQ(jint(p, "memory.reachability.direct.bytes"), 17 * 40, "of 40 bytes");
		ASSERT_EQ(jint(p, "exit_code"), 0, "exited 0");
	}
	ASSERT_EQ(kids, 3, "3 children reported");
	ASSERT_FALSE(json_is_true(json_object_get(json_object_get(report_proc(r), "verdict"),
						  "leak")),
		     "the target itself leaks nothing");
	ASSERT_OK(proc_send(&t, "exit"), "the target goes on");
	ASSERT_EQ(proc_finish(&t), 0, "and exits 0");
out:
	json_decref(r);
	proc_free(&t);
	proc_free(&l);
}

/* A fork server: past FAMILY_MAX (128) processes at once, the rest are counted, not traced. */
static void bounded(void)
{
	char *cmd[] = { TARGETS "forker", "130", "1", NULL };
	const char *extra[] = { "-f", NULL };
	struct proc l = {};
	json_t *r = NULL;
	int status;

	if (trace_cmd_until_done(&l, cmd, extra))
		goto out;
	ASSERT_OK(proc_send(&l, "exit"), "let it exit");
	r = leakbpf_finish(&l, 0, &status);
	if (!r)
		goto out;
	ASSERT_EQ(jint(r, "follow.processes"), 128, "128 traced");
	ASSERT_EQ(json_array_size(json_object_get(r, "processes")), 128, "128 reported");
	ASSERT_EQ(jint(r, "follow.dropped"), 130 - 127, "the rest counted");
	ASSERT_EQ(status, 23, "the traced children leak");
out:
	json_decref(r);
	proc_free(&l);
}

/* Without -f a child is not reported: the run is the target's alone. */
static void not_followed(void)
{
	char *argv[] = { LEAKBPF, "--json", "--", "sh", "-c", LOST "; true", NULL };
	struct proc l = {};
	json_t *r = NULL;
	int status;

	if (!ASSERT_OK(proc_start(&l, argv, true), "leakbpf -- sh -c"))
		goto out;
	r = leakbpf_finish(&l, 0, &status);
	if (!r)
		goto out;
	ASSERT_EQ(json_array_size(json_object_get(r, "processes")), 1, "only the shell");
	ASSERT_TRUE(json_is_null(json_object_get(r, "follow")), "follow: null without -f");
	ASSERT_EQ(status, 0, "the shell leaks nothing");
out:
	json_decref(r);
	proc_free(&l);
}

void test_follow(void)
{
	if (test__start_subtest("sh_c"))
		sh_c();
	if (test__start_subtest("exec_chain"))
		exec_chain();
	if (test__start_subtest("make_tree"))
		make_tree();
	if (test__start_subtest("pid_forks"))
		pid_forks();
	if (test__start_subtest("bounded"))
		bounded();
	if (test__start_subtest("not_followed"))
		not_followed();
}
