// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * Stopping leakbpf at any moment of a command's start must leave the command as if
 * leakbpf had never been there: never stopped (SIGSTOP holds, ptrace stop), running its
 * course, or, if it had not run a single instruction yet, not run at all.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "test_progs.h"
#include "proc/procfs.h"

/* The command's PID from leakbpf's "attached to PID N" line, 0 if it never got there. */
static pid_t attached_pid(const struct proc *l)
{
	const char *at = l->err_buf ? strstr(l->err_buf, "leakbpf: attached to PID ") : NULL;

	return at ? (pid_t)atoi(at + strlen("leakbpf: attached to PID ")) : 0;
}

/*
 * After leakbpf is gone: the command runs (answers on its pipes and exits 0), or was never
 * started (leakbpf said so). Either way, nothing is left stopped.
 */
static void check_left_running(struct proc *l, const char *name)
{
	pid_t pid = attached_pid(l);

	if (!pid)
		return;	/* stopped before it forked: there is no command */
	if (!ASSERT_TRUE(proc__stopped(pid) <= 0, name))
		fprintf(stderr, "  PID %d is left stopped\n", pid);
	if (l->err_buf && strstr(l->err_buf, "not running it"))
		return;	/* killed before its first instruction */
	/* it runs: it says ready, works when told, exits when told */
	if (proc_expect(l, "ready") || proc_send(l, "go") || proc_expect(l, "done"))
		return;
	proc_send(l, "exit");
}

static void stop_at(int when, const char *name)
{
	char *cmd[] = { LEAKBPF, "--json", "--", TARGETS "leak_n", "3", "10", NULL };
	struct proc l = {};

	if (!ASSERT_OK(proc_start(&l, cmd, true), name))
		return;
	/* 0: at once, anywhere in its setup; 1: right when the probes are live */
	if (when == 1 && proc_wait_stderr(&l, "leakbpf: attached to PID")) {
		test__fail();
		goto out;
	}
	kill(l.pid, SIGTERM);
	ASSERT_TRUE(proc_wait_exit(&l) >= 0, name);
	check_left_running(&l, name);
out:
	proc_free(&l);
}

static void short_duration(void)
{
	char *cmd[] = { LEAKBPF, "--json", "-d", "0.000001", "--", TARGETS "leak_n", "3", "10",
			NULL };
	struct proc l = {};

	if (!ASSERT_OK(proc_start(&l, cmd, true), "start"))
		return;
	ASSERT_EQ(proc_wait_exit(&l), 0, "a final report, no verdict");
	ASSERT_OK_PTR(strstr(l.out_buf ? l.out_buf : "", "\"final\":true"), "final report");
	check_left_running(&l, "-d over before the command ran");
	proc_free(&l);
}

/* The command leakbpf forked and holds before exec, or 0 once leakbpf is gone. */
static pid_t held_child(pid_t leakbpf)
{
	char path[64], buf[64];
	pid_t child = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", leakbpf, leakbpf);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (fgets(buf, sizeof(buf), f))
		child = atoi(buf);
	fclose(f);
	return child;
}

/*
 * A signal for the command's process group can reach it while leakbpf still holds it
 * before exec (a Ctrl-C): leakbpf must pass it on, not wait forever for an exec.
 */
static void signal_before_exec(void)
{
	char *cmd[] = { LEAKBPF, "--json", "--", TARGETS "leak_n", "3", "10", NULL };
	struct proc l = {};
	pid_t child = 0;
	int status;

	if (!ASSERT_OK(proc_start(&l, cmd, true), "start"))
		return;
	/* the fork comes early in leakbpf's setup, the exec once every probe is live */
	while (!child && kill(l.pid, 0) == 0)
		child = held_child(l.pid);
	if (child)
		kill(child, SIGTERM);
	status = proc_wait_exit(&l);
	/* killed before exec (leakbpf could not run it), or after (its status passed on) */
	ASSERT_TRUE(status == 1 || status == 128 + SIGTERM, "leakbpf ends, with the reason");
	ASSERT_TRUE(!child || kill(child, 0) != 0, "the command is gone");
	proc_free(&l);
}

void test_lifecycle(void)
{
	int i;

	if (!bpf_tests_possible())
		return;
	/* each is a race with the command's start, run a few times to take several sides */
	if (test__start_subtest("sigterm_at_start"))
		for (i = 0; i < 4; i++)
			stop_at(0, "SIGTERM during setup");
	if (test__start_subtest("sigterm_when_attached"))
		for (i = 0; i < 4; i++)
			stop_at(1, "SIGTERM once attached");
	if (test__start_subtest("duration_over_at_once"))
		for (i = 0; i < 4; i++)
			short_duration();
	if (test__start_subtest("signal_before_exec"))
		for (i = 0; i < 4; i++)
			signal_before_exec();
}
