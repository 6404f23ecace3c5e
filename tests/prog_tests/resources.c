// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * Issue 3's "done when", as written: `leakbpf -p PID -d 8 --json` on targets/resources,
 * which after attach starts 8 threads (3 never end), and leaks 5 files, 2 UDP sockets, a
 * pipe, a listener and 4 connections the server side closed; and the same target closing
 * everything, where every check passes.
 */
#include <signal.h>
#include "harness.h"
#include "test_progs.h"

static void done_when(void)
{
	char *cmd[] = { TARGETS "resources", "leak", NULL };
	const char *extra[] = { "-d", "8", NULL };
	struct proc t = {}, l = {};
	int status = -1;
	json_t *r = NULL, *p;

	if (!ASSERT_OK(trace_pid_until_done(&t, &l, cmd, extra), "trace resources"))
		goto out;
	/* -d 8 ends it; the target has been done for a long time by then */
	r = leakbpf_finish(&l, 0, &status);
	if (!r)
		goto out;
	p = report_proc(r);
	ASSERT_EQ(count_reports(&l), 1, "one report");
	ASSERT_TRUE(jnum(r, "duration_s") >= 8, "ran for -d 8");
	ASSERT_EQ(jint(r, "lost_events"), 0, "lost_events");
	ASSERT_EQ(jint(p, "threads.start"), 1, "threads.start");
	ASSERT_EQ(jint(p, "threads.end"), 4, "threads.end");
	ASSERT_EQ(jint(p, "threads.created"), 8, "threads.created");
	ASSERT_EQ(jint(p, "threads.exited"), 5, "threads.exited");
	ASSERT_STREQ(check_status(p, "thread_growth"), "fail", "thread_growth (3 > 2)");
	ASSERT_NEAR(check_value(p, "thread_growth"), 3, 0, "thread growth");
	/* the listener and the 4 client ends; UDP is not TCP */
	ASSERT_EQ(jint(p, "sockets.open"), 5, "sockets.open");
	ASSERT_EQ(jint(p, "sockets.listen"), 1, "sockets.listen");
	ASSERT_EQ(jint(p, "sockets.established"), 0, "sockets.established");
	ASSERT_EQ(jint(p, "sockets.close_wait"), 4, "sockets.close_wait");
	/* in CLOSE_WAIT for less than 8 s: within the 60 s default */
	ASSERT_STREQ(check_status(p, "close_wait"), "pass", "close_wait check");
	ASSERT_NEAR(check_value(p, "close_wait"), 0, 0, "none over the limit");
	ASSERT_EQ(status, 23, "leak verdict");
	ASSERT_EQ(check_report_schema(&l), 0, "schema");
	ASSERT_OK(proc_send(&t, "exit"), "target still listens");
	ASSERT_EQ(proc_finish(&t), 0, "target exits normally after detach");
out:
	json_decref(r);
	proc_free(&t);
	proc_free(&l);
}

/* Everything closed and joined: no check fails, even with no tolerance for CLOSE_WAIT. */
static void clean(void)
{
	char *cmd[] = { TARGETS "resources", "clean", NULL };
	const char *extra[] = { "--threshold", "close_wait=0", NULL };
	json_t *r = NULL, *p, *checks, *c;
	struct proc t = {}, l = {};
	int status = -1;
	size_t i;

	if (!ASSERT_OK(trace_pid_until_done(&t, &l, cmd, extra), "trace resources"))
		goto out;
	r = leakbpf_finish(&l, SIGINT, &status);
	if (!r)
		goto out;
	p = report_proc(r);
	ASSERT_EQ(jint(p, "threads.start"), 1, "threads.start");
	ASSERT_EQ(jint(p, "threads.end"), 1, "threads.end");
	ASSERT_EQ(jint(p, "threads.created"), 8, "threads.created");
	ASSERT_EQ(jint(p, "threads.exited"), 8, "threads.exited");
	ASSERT_EQ(jint(p, "sockets.open"), 0, "sockets.open");
	ASSERT_EQ(jint(p, "sockets.listen"), 0, "sockets.listen");
	ASSERT_EQ(jint(p, "sockets.established"), 0, "sockets.established");
	ASSERT_EQ(jint(p, "sockets.close_wait"), 0, "sockets.close_wait");
	ASSERT_TRUE(json_is_null(json_object_get(json_object_get(p, "sockets"),
						 "oldest_close_wait_s")), "no CLOSE_WAIT age");
	checks = json_object_get(json_object_get(p, "verdict"), "checks");
	json_array_foreach(checks, i, c)
		ASSERT_TRUE(strcmp(jstr(c, "status") ?: "", "fail"), jstr(c, "name") ?: "?");
	ASSERT_STREQ(check_status(p, "thread_growth"), "pass", "thread_growth");
	ASSERT_STREQ(check_status(p, "close_wait"), "pass", "close_wait");
	ASSERT_TRUE(json_is_false(json_object_get(json_object_get(r, "verdict"), "leak")),
		    "no leak");
	ASSERT_EQ(status, 0, "exit 0");
	ASSERT_EQ(check_report_schema(&l), 0, "schema");
	ASSERT_OK(proc_send(&t, "exit"), "target still listens");
	ASSERT_EQ(proc_finish(&t), 0, "target exits normally after detach");
out:
	json_decref(r);
	proc_free(&t);
	proc_free(&l);
}

void test_resources(void)
{
	if (!bpf_tests_possible())
		return;
	if (test__start_subtest("done_when"))
		done_when();
	if (test__start_subtest("clean"))
		clean();
}
