// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * TCP states end to end: targets/tcp_states holds a listener, connections open on both
 * ends and connections its peer closed (CLOSE_WAIT), made before and after attach, every
 * count of the report's sockets section and the close_wait check asserted.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
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

/*
 * The close_wait check judges the longest time a socket has been in CLOSE_WAIT, in
 * seconds, against the limit: value and threshold are those two, the offenders a count in
 * the reason.
 */
static void assert_close_wait(json_t *p, const char *check, double limit, int over)
{
	char reason[64];

	ASSERT_STREQ(check_status(p, "close_wait"), check, "close_wait check");
	ASSERT_NEAR(check_value(p, "close_wait"), jnum(p, "sockets.oldest_close_wait_s"), 0,
		    "value: the longest time in CLOSE_WAIT");
	ASSERT_NEAR(check_threshold(p, "close_wait"), limit, 0, "threshold: the limit");
	snprintf(reason, sizeof(reason), "%d socket(s) in CLOSE_WAIT, %d longer", CLOSE_WAIT,
		 over);
	ASSERT_OK_PTR(strstr(check_reason(p, "close_wait") ?: "", reason),
		      "the reason counts the sockets over the limit");
}

/*
 * Attached after half of them exist: those are adopted, one moves to CLOSE_WAIT while
 * traced. None is 60 s old (the default, threshold NULL, limit 60); with close_wait=0 any
 * time in CLOSE_WAIT at all is too long: all six are over.
 */
static void states_pid(const char *threshold, double limit, const char *check, int over,
		       int exit_status)
{
	char *cmd[] = { TARGETS "tcp_states", NULL };
	/* its fds stay open too: fd_growth is not what this is about */
	const char *extra[] = { "--threshold", "fd_growth=1000", threshold ? "--threshold" : NULL,
				threshold, NULL };
	struct proc t = {}, l = {};
	int status = -1;
	json_t *r = NULL, *p;

	if (!ASSERT_OK(trace_pid_until_done(&t, &l, cmd, extra), "trace tcp_states"))
		goto out;
	r = leakbpf_finish(&l, SIGINT, &status);
	if (!r)
		goto out;
	p = report_proc(r);
	ASSERT_EQ(jint(r, "lost_events"), 0, "lost_events");
	assert_states(p);
	/* the oldest were in CLOSE_WAIT at attach: their age counts from there */
	ASSERT_TRUE(jnum(p, "sockets.oldest_close_wait_s") >= 0, "oldest_close_wait_s known");
	ASSERT_TRUE(jnum(p, "sockets.oldest_close_wait_s") <= jnum(r, "duration_s"),
		    "no older than the attach");
	assert_close_wait(p, check, limit, over);
	ASSERT_EQ(jint(p, "threads.created"), 0, "no thread");
	ASSERT_EQ(status, exit_status, "leakbpf's exit status");
	ASSERT_EQ(check_report_schema(&l), 0, "schema");
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

	if (!ASSERT_OK(trace_cmd_until_done(&l, cmd, extra), "trace tcp_states") ||
	    !ASSERT_OK(proc_send(&l, "exit"), "exit"))
		goto out;
	r = leakbpf_finish(&l, 0, &status);
	if (!r)
		goto out;
	p = report_proc(r);
	ASSERT_TRUE(json_is_true(json_object_get(p, "exited")), "exited");
	ASSERT_EQ(jint(p, "exit_code"), 0, "exit_code");
	ASSERT_EQ(jint(r, "lost_events"), 0, "lost_events");
	assert_states(p);
	ASSERT_TRUE(jnum(p, "sockets.oldest_close_wait_s") >= 0, "oldest_close_wait_s");
	ASSERT_TRUE(jnum(p, "sockets.oldest_close_wait_s") <= jnum(r, "duration_s"),
		    "aged no longer than traced");
	assert_close_wait(p, "fail", 0, CLOSE_WAIT);
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
		states_pid(NULL, 60, "pass", 0, 0);
	if (test__start_subtest("threshold_zero"))
		states_pid("close_wait=0", 0, "fail", CLOSE_WAIT, 23);
	if (test__start_subtest("cmd_counts_at_exit"))
		cmd_counts_at_exit();
}
