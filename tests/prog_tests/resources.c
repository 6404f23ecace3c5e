// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * Issue 3's "done when", as written: `leakbpf -p PID -d 8 --json` on targets/resources,
 * which after attach starts 8 threads (3 never end), and leaks 5 files, 2 UDP sockets, a
 * pipe, a listener and 4 connections the server side closed (thread growth 3, fd growth
 * 14, close_wait 4, each leaked fd with the function that opened it); and the same target
 * closing everything, where every check passes.
 */
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "proc/fd_table.h"
#include "harness.h"
#include "test_progs.h"

/* The target inherits the tests' stdin, stdout and stderr: by kind, they are these. */
static void stdio_kinds(long long kinds[FD_KIND_NR])
{
	char path[32], link[PATH_MAX];
	ssize_t n;
	int fd;

	memset(kinds, 0, FD_KIND_NR * sizeof(kinds[0]));
	for (fd = 0; fd < 3; fd++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n = readlink(path, link, sizeof(link) - 1);
		if (n < 0)
			continue;
		link[n] = '\0';
		kinds[fd_kind_of_link(link)]++;
	}
}

static bool ends_with(const char *s, const char *end)
{
	size_t n = s ? strlen(s) : 0, m = strlen(end);

	return n >= m && !strcmp(s + n - m, end);
}

/*
 * The 14 fds "go" leaves open, at fds 5 to 18, each with the function that opened it: 5
 * files, 2 UDP sockets, a pipe, the listener, and the 4 client ends in CLOSE_WAIT (the
 * server side's accepted fd was closed each time, so the next client took its number).
 */
static void assert_fds(json_t *p)
{
	static const char *const main_only[] = { "main", NULL };
	static const char *const by_conn[] = { "connect_server_closes", "main", NULL };
	long long stdio[FD_KIND_NR];
	char exe[PATH_MAX], name[64];
	json_t *l;
	int fd;

	stdio_kinds(stdio);
	ASSERT_EQ(jint(p, "fds.start"), 5, "fds.start: stdio and the control pipes");
	ASSERT_EQ(jint(p, "fds.end"), 19, "fds.end");
	ASSERT_EQ(jint(p, "fds.opened"), 18, "fds.opened: 14 and the 4 accepted");
	ASSERT_EQ(jint(p, "fds.closed"), 4, "fds.closed: the 4 accepted");
	ASSERT_STREQ(check_status(p, "fd_growth"), "fail", "fd_growth");
	ASSERT_NEAR(check_value(p, "fd_growth"), 14, 0, "fd growth 14");
	ASSERT_EQ(jint(p, "fds.by_kind.file"), stdio[FD_FILE] + 5, "by_kind.file");
	ASSERT_EQ(jint(p, "fds.by_kind.socket"), stdio[FD_SOCKET] + 7, "by_kind.socket");
	ASSERT_EQ(jint(p, "fds.by_kind.pipe"), stdio[FD_PIPE] + 2 + 2, "by_kind.pipe");
	ASSERT_EQ(jint(p, "fds.by_kind.anon"), stdio[FD_ANON], "by_kind.anon");
	ASSERT_EQ(jint(p, "fds.by_kind.other"), stdio[FD_OTHER], "by_kind.other");
	ASSERT_EQ(json_array_size(json_object_get(p, "leaked_fds")), 14, "leaked_fds");
	ASSERT_OK_PTR(realpath(TARGETS "resources", exe), "the target's path");
	for (fd = 5; fd < 19; fd++) {
		l = leaked_fd(p, fd);
		snprintf(name, sizeof(name), "leaked fd %d", fd);
		if (!ASSERT_OK_PTR(l, name))
			continue;
		if (fd < 10) {
			ASSERT_STREQ(jstr(l, "target"), exe, "file: /proc/self/exe");
			ASSERT_TRUE(stack_has(l, "open_file", main_only) >= 1, "opened by open_file");
		} else if (fd < 12) {
			/* an unbound UDP socket is in no /proc/net table */
			ASSERT_TRUE(!strncmp(jstr(l, "target") ?: "", "socket:[", 8), "udp");
			ASSERT_TRUE(stack_has(l, "open_udp_socket", main_only) >= 1,
				    "opened by open_udp_socket");
		} else if (fd < 14) {
			ASSERT_STREQ(jstr(l, "kind"), "pipe", "pipe");
			ASSERT_TRUE(stack_has(l, "open_pipe", main_only) >= 1, "opened by open_pipe");
		} else if (fd == 14) {
			ASSERT_TRUE(ends_with(jstr(l, "target"), " (listening)"), "listener");
			ASSERT_TRUE(stack_has(l, "open_listener", main_only) >= 1,
				    "opened by open_listener");
		} else {
			ASSERT_TRUE(ends_with(jstr(l, "target"), " (CLOSE_WAIT)"), "client end");
			ASSERT_TRUE(stack_has(l, "connect_to", by_conn) >= 1, "opened by connect_to");
		}
	}
}

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
	ASSERT_NEAR(check_value(p, "close_wait"), jnum(p, "sockets.oldest_close_wait_s"), 0,
		    "close_wait's value: the longest wait");
	ASSERT_TRUE(check_value(p, "close_wait") > 0 && check_value(p, "close_wait") < 60,
		    "in CLOSE_WAIT since the target's work, before -d 8 ended");
	ASSERT_NEAR(check_threshold(p, "close_wait"), 60, 0, "against 60 s");
	ASSERT_OK_PTR(strstr(check_reason(p, "close_wait") ?: "", "4 socket(s) in CLOSE_WAIT, 0 "),
		      "4 in CLOSE_WAIT, none over");
	assert_fds(p);
	ASSERT_STREQ(check_status(p, "fd_age"), "pass", "fd_age: 8 s is young");
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
	/* no socket waited at all: 0 s, a known 0, not past even a limit of 0 */
	ASSERT_NEAR(check_value(p, "close_wait"), 0, 0, "close_wait's value: nothing waited");
	ASSERT_NEAR(check_threshold(p, "close_wait"), 0, 0, "close_wait's threshold");
	ASSERT_EQ(jint(p, "fds.start"), 5, "fds.start");
	ASSERT_EQ(jint(p, "fds.end"), 5, "fds.end");
	ASSERT_EQ(jint(p, "fds.opened"), 18, "fds.opened");
	ASSERT_EQ(jint(p, "fds.closed"), 18, "fds.closed");
	ASSERT_EQ(json_array_size(json_object_get(p, "leaked_fds")), 0, "no leaked fd");
	ASSERT_STREQ(check_status(p, "fd_growth"), "pass", "fd_growth");
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
