// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * TCP states end to end: targets/tcp_states holds a listener, connections open on both
 * ends and connections its peer closed (CLOSE_WAIT), made before and after attach, every
 * count of the report's sockets section and the close_wait check asserted.
 */
#include <math.h>
#include <signal.h>
#include "harness.h"
#include "test_progs.h"

/* What tcp_states holds once it said "done" (see the target). */
#define LISTEN 1
#define ESTABLISHED 4
#define CLOSE_WAIT 6
#define OPEN (LISTEN + ESTABLISHED + CLOSE_WAIT)

static void assert_states(json_t *p)
{
	ASSERT_EQ(jint(p, "sockets.open"), OPEN, "sockets.open");
	ASSERT_EQ(jint(p, "sockets.listen"), LISTEN, "sockets.listen");
	ASSERT_EQ(jint(p, "sockets.established"), ESTABLISHED, "sockets.established");
	ASSERT_EQ(jint(p, "sockets.close_wait"), CLOSE_WAIT, "sockets.close_wait");
}

/* Attached after half of them exist: those are adopted, one of them moves while traced. */
static void states_pid(void)
{
	char *cmd[] = { TARGETS "tcp_states", NULL };
	struct proc t = {}, l = {};
	int status = -1;
	json_t *r = NULL, *p;

	if (!ASSERT_OK(trace_pid_until_done(&t, &l, cmd, NULL), "trace tcp_states"))
		goto out;
	kill(l.pid, SIGINT);
	status = proc_finish(&l);
	r = last_report(&l);
	if (!ASSERT_OK_PTR(r, "report"))
		goto out;
	p = report_proc(r);
	ASSERT_EQ(jint(r, "lost_events"), 0, "lost_events");
	assert_states(p);
	/* the oldest were in CLOSE_WAIT at attach: their age counts from there */
	ASSERT_TRUE(jnum(p, "sockets.oldest_close_wait_s") >= 0, "oldest_close_wait_s known");
	ASSERT_TRUE(jnum(p, "sockets.oldest_close_wait_s") < 60, "younger than the limit");
	ASSERT_STREQ(check_status(p, "close_wait"), "pass", "none older than 60 s");
	ASSERT_EQ(jint(p, "threads.created"), 0, "no thread");
	ASSERT_EQ(status, 0, "no leak verdict");
	ASSERT_EQ(check_report_schema(&l), 0, "schema");
	ASSERT_OK(proc_send(&t, "exit"), "target still listens");
	ASSERT_EQ(proc_finish(&t), 0, "target exits normally after detach");
out:
	json_decref(r);
	proc_free(&t);
	proc_free(&l);
}

/* close_wait=0: any time in CLOSE_WAIT at all is too long, the check fails on all six. */
static void threshold_zero(void)
{
	char *cmd[] = { TARGETS "tcp_states", NULL };
	const char *extra[] = { "--threshold", "close_wait=0", NULL };
	struct proc t = {}, l = {};
	int status = -1;
	json_t *r = NULL, *p, *c;
	size_t i;

	if (!ASSERT_OK(trace_pid_until_done(&t, &l, cmd, extra), "trace tcp_states"))
		goto out;
	kill(l.pid, SIGTERM);
	status = proc_finish(&l);
	r = last_report(&l);
	if (!ASSERT_OK_PTR(r, "report"))
		goto out;
	p = report_proc(r);
	assert_states(p);
	ASSERT_STREQ(check_status(p, "close_wait"), "fail", "close_wait check");
	json_array_foreach(json_object_get(json_object_get(p, "verdict"), "checks"), i, c) {
		if (strcmp(jstr(c, "name") ?: "", "close_wait"))
			continue;
		ASSERT_NEAR(jnum(c, "value"), CLOSE_WAIT, 0, "sockets over the limit");
		ASSERT_NEAR(jnum(c, "threshold"), 0, 0, "threshold");
	}
	ASSERT_EQ(status, 23, "leak verdict");
	ASSERT_OK(proc_send(&t, "exit"), "target still listens");
	ASSERT_EQ(proc_finish(&t), 0, "target exits normally after detach");
out:
	json_decref(r);
	proc_free(&t);
	proc_free(&l);
}

/*
 * Under -- CMD every socket is born traced. The command then exits with all of them open:
 * the report counts them as they were at exit, and their CLOSE_WAIT ages stop there.
 */
static void cmd_counts_at_exit(void)
{
	char *cmd[] = { TARGETS "tcp_states", NULL };
	const char *extra[] = { "--threshold", "close_wait=0", NULL };
	struct proc l = {};
	int status = -1;
	json_t *r = NULL, *p;

	if (!ASSERT_OK(trace_cmd_until_done(&l, cmd, extra), "trace tcp_states"))
		goto out;
	ASSERT_OK(proc_send(&l, "exit"), "exit");
	status = proc_finish(&l);
	r = last_report(&l);
	if (!ASSERT_OK_PTR(r, "report"))
		goto out;
	p = report_proc(r);
	ASSERT_TRUE(json_is_true(json_object_get(p, "exited")), "exited");
	ASSERT_EQ(jint(p, "exit_code"), 0, "exit_code");
	ASSERT_EQ(jint(r, "lost_events"), 0, "lost_events");
	assert_states(p);
	ASSERT_TRUE(jnum(p, "sockets.oldest_close_wait_s") >= 0, "oldest_close_wait_s");
	ASSERT_TRUE(jnum(p, "sockets.oldest_close_wait_s") <= jnum(r, "duration_s"),
		    "aged no longer than traced");
	ASSERT_STREQ(check_status(p, "close_wait"), "fail", "close_wait check");
	ASSERT_EQ(status, 23, "leak verdict over the command's 0");
	ASSERT_EQ(check_report_schema(&l), 0, "schema");
out:
	json_decref(r);
	proc_free(&l);
}

void test_sockets(void)
{
	if (!bpf_tests_possible())
		return;
	if (test__start_subtest("states_pid"))
		states_pid();
	if (test__start_subtest("threshold_zero"))
		threshold_zero();
	if (test__start_subtest("cmd_counts_at_exit"))
		cmd_counts_at_exit();
}
