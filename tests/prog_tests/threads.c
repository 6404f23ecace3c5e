// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * Threads end to end: targets/resources starts 8 threads of which 5 end and 3 block, with
 * or without threads from before attach; the counts, the thread_growth check and the exit
 * status of a process that ends while traced are asserted.
 */
#include <signal.h>
#include <stdlib.h>
#include "harness.h"
#include "test_progs.h"

static void assert_threads(json_t *p, long long start, long long end, long long created,
			   long long exited)
{
	ASSERT_EQ(jint(p, "threads.start"), start, "threads.start");
	ASSERT_EQ(jint(p, "threads.end"), end, "threads.end");
	ASSERT_EQ(jint(p, "threads.created"), created, "threads.created");
	ASSERT_EQ(jint(p, "threads.exited"), exited, "threads.exited");
	ASSERT_NEAR(check_value(p, "thread_growth"), end - start, 0, "thread_growth's value");
}

/*
 * "resources leak PRE": PRE threads blocked from before attach are where the count starts,
 * 3 more stay: a growth of 3, over the default 2 and not over a threshold of 3 (threshold:
 * the --threshold argument, NULL for the default).
 */
static void growth_pid(const char *pre, const char *threshold, const char *check,
		       int exit_status)
{
	char *cmd[] = { TARGETS "resources", "leak", (char *)pre, NULL };
	/* its fds stay open too: fd_growth is not what this is about */
	const char *extra[] = { "--threshold", "fd_growth=1000", threshold ? "--threshold" : NULL,
				threshold, NULL };
	long long start = 1 + atoi(pre);
	struct proc t = {}, l = {};
	int status = -1;
	json_t *r = NULL, *p;

	if (!ASSERT_OK(trace_pid_until_done(&t, &l, cmd, extra), "trace resources"))
		goto out;
	r = leakbpf_finish(&l, SIGINT, &status);
	if (!r)
		goto out;
	p = report_proc(r);
	assert_threads(p, start, start + 3, 8, 5);
	ASSERT_STREQ(check_status(p, "thread_growth"), check, "thread_growth");
	ASSERT_FALSE(json_is_true(json_object_get(p, "exited")), "still running");
	ASSERT_TRUE(json_is_null(json_object_get(p, "exit_code")), "no exit code yet");
	/* its 4 CLOSE_WAIT sockets are younger than 60 s: no verdict from them */
	ASSERT_EQ(status, exit_status, "leakbpf's exit status");
	ASSERT_OK(proc_send(&t, "exit"), "target still listens");
	ASSERT_EQ(proc_finish(&t), 0, "target exits normally after detach");
out:
	json_decref(r);
	proc_free(&t);
	proc_free(&l);
}

/*
 * -- CMD: the command returns 7 with its 3 blocked threads. end is what it had when it
 * began to exit; exited counts those 4 last exits too.
 */
static void exit_cmd(void)
{
	char *cmd[] = { TARGETS "resources", "leak", "0", "7", NULL };
	struct proc l = {};
	int status = -1;
	json_t *r = NULL, *p;

	if (!ASSERT_OK(trace_cmd_until_done(&l, cmd, NULL), "trace resources") ||
	    !ASSERT_OK(proc_send(&l, "exit"), "exit"))
		goto out;
	r = leakbpf_finish(&l, 0, &status);
	if (!r)
		goto out;
	p = report_proc(r);
	assert_threads(p, 1, 4, 8, 9);
	ASSERT_TRUE(json_is_true(json_object_get(p, "exited")), "exited");
	ASSERT_EQ(jint(p, "exit_code"), 7, "exit_code");
	ASSERT_STREQ(check_status(p, "thread_growth"), "fail", "thread_growth");
	ASSERT_EQ(status, 23, "leak verdict over the command's 7");
	ASSERT_EQ(check_report_schema(&l), 0, "schema");
out:
	json_decref(r);
	proc_free(&l);
}

/*
 * -p: how the target ended comes from the BPF side, a status (sig 0: it returns 5) or a
 * signal. "resources clean 1" ends with main and its thread from before attach.
 */
static void exit_pid(int sig, int exit_code)
{
	char *cmd[] = { TARGETS "resources", "clean", "1", "5", NULL };
	struct proc t = {}, l = {};
	int status = -1;
	json_t *r = NULL, *p;

	if (!ASSERT_OK(trace_pid_until_done(&t, &l, cmd, NULL), "trace resources"))
		goto out;
	if (sig)
		kill(t.pid, sig);
	else
		ASSERT_OK(proc_send(&t, "exit"), "exit");
	ASSERT_EQ(proc_finish(&t), exit_code, "the target's status, as its parent sees it");
	r = leakbpf_finish(&l, 0, &status);
	if (!r)
		goto out;
	p = report_proc(r);
	assert_threads(p, 2, 2, 8, 10);
	ASSERT_TRUE(json_is_true(json_object_get(p, "exited")), "exited");
	ASSERT_EQ(jint(p, "exit_code"), exit_code, "exit_code");
	ASSERT_STREQ(check_status(p, "thread_growth"), "pass", "thread_growth");
	ASSERT_EQ(status, 0, "no leak: 0, not the target's status (it is not our child)");
out:
	json_decref(r);
	proc_free(&t);
	proc_free(&l);
}

void test_threads(void)
{
	if (!bpf_tests_possible())
		return;
	if (test__start_subtest("growth_pid"))
		growth_pid("2", NULL, "fail", 23);
	if (test__start_subtest("threshold"))
		growth_pid("0", "thread_growth=3", "pass", 0);
	if (test__start_subtest("exit_cmd"))
		exit_cmd();
	if (test__start_subtest("exit_status_pid"))
		exit_pid(0, 5);
	if (test__start_subtest("exit_signal_pid"))
		exit_pid(SIGKILL, 128 + SIGKILL);
}
