// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * Threads end to end: targets/resources starts 8 threads of which 5 end and 3 block, with
 * or without threads from before attach; the counts, the thread_growth check and the exit
 * status of a process that ends while traced are asserted.
 */
#include <signal.h>
#include "harness.h"
#include "test_progs.h"

static void assert_threads(json_t *p, long long start, long long end, long long created,
			   long long exited)
{
	ASSERT_EQ(jint(p, "threads.start"), start, "threads.start");
	ASSERT_EQ(jint(p, "threads.end"), end, "threads.end");
	ASSERT_EQ(jint(p, "threads.created"), created, "threads.created");
	ASSERT_EQ(jint(p, "threads.exited"), exited, "threads.exited");
}

static double check_value(json_t *p, const char *name)
{
	json_t *checks = json_object_get(json_object_get(p, "verdict"), "checks"), *c;
	size_t i;

	json_array_foreach(checks, i, c) {
		if (!strcmp(jstr(c, "name") ?: "", name))
			return jnum(c, "value");
	}
	return -1;
}

/* 2 threads blocked from before attach: counts start at 3, and 3 more stay: growth 3. */
static void growth_pid(void)
{
	char *cmd[] = { TARGETS "resources", "leak", "2", NULL };
	struct proc t = {}, l = {};
	int status = -1;
	json_t *r = NULL, *p;

	if (!ASSERT_OK(trace_pid_until_done(&t, &l, cmd, NULL), "trace resources"))
		goto out;
	kill(l.pid, SIGINT);
	status = proc_finish(&l);
	r = last_report(&l);
	if (!ASSERT_OK_PTR(r, "report"))
		goto out;
	p = report_proc(r);
	assert_threads(p, 3, 6, 8, 5);
	ASSERT_STREQ(check_status(p, "thread_growth"), "fail", "thread_growth");
	ASSERT_NEAR(check_value(p, "thread_growth"), 3, 0, "growth");
	ASSERT_FALSE(json_is_true(json_object_get(p, "exited")), "still running");
	ASSERT_TRUE(json_is_null(json_object_get(p, "exit_code")), "no exit code yet");
	ASSERT_EQ(status, 23, "leak verdict");
	ASSERT_OK(proc_send(&t, "exit"), "target still listens");
	ASSERT_EQ(proc_finish(&t), 0, "target exits normally after detach");
out:
	json_decref(r);
	proc_free(&t);
	proc_free(&l);
}

/* A growth of 3 passes a threshold of 3. */
static void threshold(void)
{
	char *cmd[] = { TARGETS "resources", "leak", NULL };
	const char *extra[] = { "--threshold", "thread_growth=3", NULL };
	struct proc t = {}, l = {};
	int status = -1;
	json_t *r = NULL, *p;

	if (!ASSERT_OK(trace_pid_until_done(&t, &l, cmd, extra), "trace resources"))
		goto out;
	kill(l.pid, SIGINT);
	status = proc_finish(&l);
	r = last_report(&l);
	if (!ASSERT_OK_PTR(r, "report"))
		goto out;
	p = report_proc(r);
	assert_threads(p, 1, 4, 8, 5);
	ASSERT_STREQ(check_status(p, "thread_growth"), "pass", "thread_growth");
	/* the 4 CLOSE_WAIT sockets are younger than 60 s: no verdict from them either */
	ASSERT_EQ(status, 0, "no leak verdict");
	ASSERT_OK(proc_send(&t, "exit"), "exit");
	ASSERT_EQ(proc_finish(&t), 0, "target exit");
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

	if (!ASSERT_OK(trace_cmd_until_done(&l, cmd, NULL), "trace resources"))
		goto out;
	ASSERT_OK(proc_send(&l, "exit"), "exit");
	status = proc_finish(&l);
	r = last_report(&l);
	if (!ASSERT_OK_PTR(r, "report"))
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

/* -p: how the target ended comes from the BPF side, a status or a signal. */
static void exit_pid(void)
{
	char *cmd[] = { TARGETS "resources", "clean", "1", "5", NULL };
	struct proc t = {}, l = {};
	int status = -1;
	json_t *r = NULL, *p;

	if (!ASSERT_OK(trace_pid_until_done(&t, &l, cmd, NULL), "trace resources"))
		goto out;
	ASSERT_OK(proc_send(&t, "exit"), "exit");
	ASSERT_EQ(proc_finish(&t), 5, "target's status");
	status = proc_finish(&l);
	r = last_report(&l);
	if (!ASSERT_OK_PTR(r, "report"))
		goto out;
	p = report_proc(r);
	/* main and its pre-attach thread at exit: no growth */
	assert_threads(p, 2, 2, 8, 10);
	ASSERT_TRUE(json_is_true(json_object_get(p, "exited")), "exited");
	ASSERT_EQ(jint(p, "exit_code"), 5, "exit_code");
	ASSERT_STREQ(check_status(p, "thread_growth"), "pass", "thread_growth");
	ASSERT_EQ(status, 0, "no leak: 0, not the target's status (it is not our child)");
	json_decref(r);
	r = NULL;
	proc_free(&t);
	proc_free(&l);

	if (!ASSERT_OK(trace_pid_until_done(&t, &l, cmd, NULL), "trace resources again"))
		goto out;
	kill(t.pid, SIGKILL);
	ASSERT_EQ(proc_finish(&t), 128 + SIGKILL, "target killed");
	status = proc_finish(&l);
	r = last_report(&l);
	if (!ASSERT_OK_PTR(r, "report"))
		goto out;
	p = report_proc(r);
	ASSERT_EQ(jint(p, "exit_code"), 128 + SIGKILL, "exit_code of a kill");
	assert_threads(p, 2, 2, 8, 10);
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
		growth_pid();
	if (test__start_subtest("threshold"))
		threshold();
	if (test__start_subtest("exit_cmd"))
		exit_cmd();
	if (test__start_subtest("exit_pid"))
		exit_pid();
}
