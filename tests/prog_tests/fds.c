// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * File descriptors end to end: tests/targets/fds opens every kind of fd from functions
 * called through run_*(), closes some of them every way there is, and leakbpf's report must
 * say exactly how many, which ones are left, what they point to and who opened them.
 *
 * Before "ready" the target's fds are 0-2 (/dev/null) and the control pipes 3 and 4; under
 * -- CMD the dynamic loader's own opens (ld.so.cache, the C library) are counted too, and
 * are measured with the target's "none" mode rather than assumed.
 */
#include <dirent.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "harness.h"
#include "test_progs.h"

#define FDS TARGETS "fds"

static char dir[64];
/* where the syscall wrappers are: frame 0 of every stack */
static const char *wrappers = "libc.so";

static bool make_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/leakbpf-fds-XXXXXX");
	return mkdtemp(dir) != NULL;
}

static void remove_dir(void)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(dir);

	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

static const char *in_dir(const char *name)
{
	static char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s/%s", dir, name);
	return buf;
}

/* The target's next "port:N" line; -1 when it said something else. */
static int read_port(struct proc *p)
{
	char line[64];

	if (proc_read_line(p, line, sizeof(line)) || strncmp(line, "port:", 5))
		return -1;
	return atoi(line + 5);
}

/*
 * fd was left open with this kind and target, opened by fn, which run_fn called, which
 * main called, in the C library's wrapper (frame 0): the walk through the wrapper is right.
 */
static void expect_fd(json_t *proc, int fd, const char *kind, const char *target,
		      const char *fn, const char *run_fn)
{
	json_t *l = leaked_fd(proc, fd);
	char name[160];
	int at;

	snprintf(name, sizeof(name), "fd %d", fd);
	if (!ASSERT_OK_PTR(l, name))
		return;
	snprintf(name, sizeof(name), "fd %d kind", fd);
	ASSERT_STREQ(jstr(l, "kind"), kind, name);
	snprintf(name, sizeof(name), "fd %d target", fd);
	if (!target)	/* not known */
		ASSERT_TRUE(json_is_null(json_object_get(l, "target")), name);
	else if (target[strlen(target) - 1] == '*')	/* a prefix: pipe inodes, ephemeral ports */
		ASSERT_TRUE(jstr(l, "target") &&
			    !strncmp(jstr(l, "target"), target, strlen(target) - 1), name);
	else
		ASSERT_STREQ(jstr(l, "target"), target, name);
	snprintf(name, sizeof(name), "fd %d opened by %s, called by %s, by main", fd, fn, run_fn);
	at = stack_has(l, fn, (const char *const[]){ run_fn, "main", NULL });
	ASSERT_TRUE(at >= 1, name);
	snprintf(name, sizeof(name), "fd %d: frame 0 in the C library", fd);
	ASSERT_TRUE(strstr(jstr(json_array_get(json_object_get(l, "stack"), 0), "module") ?: "",
			   wrappers), name);
	snprintf(name, sizeof(name), "fd %d age", fd);
	ASSERT_TRUE(jnum(l, "age_s") >= 0 && jnum(l, "age_s") < 60, name);
}

static void expect_fds(json_t *p, long long start, long long end, long long opened,
		       long long closed)
{
	ASSERT_EQ(jint(p, "fds.start"), start, "fds.start");
	ASSERT_EQ(jint(p, "fds.end"), end, "fds.end");
	ASSERT_EQ(jint(p, "fds.opened"), opened, "fds.opened");
	ASSERT_EQ(jint(p, "fds.closed"), closed, "fds.closed");
}

static void expect_kinds(json_t *p, long long file, long long socket, long long pipe,
			 long long anon, long long other)
{
	ASSERT_EQ(jint(p, "fds.by_kind.file"), file, "by_kind.file");
	ASSERT_EQ(jint(p, "fds.by_kind.socket"), socket, "by_kind.socket");
	ASSERT_EQ(jint(p, "fds.by_kind.pipe"), pipe, "by_kind.pipe");
	ASSERT_EQ(jint(p, "fds.by_kind.anon"), anon, "by_kind.anon");
	ASSERT_EQ(jint(p, "fds.by_kind.other"), other, "by_kind.other");
}

/*
 * The 20 fds run_all leaves open, opened at fds 5-23 and 50; named: with what they point
 * to (not when the process exited before its fds could be read).
 */
static void expect_run_all(json_t *p, bool named, int udp_port, int tcp_port)
{
	static const char *const anon[] = {
		"anon_inode:[eventfd]", "anon_inode:[eventpoll]", "anon_inode:[timerfd]",
		"anon_inode:[signalfd]", "anon_inode:inotify", "/memfd:leakbpf (deleted)",
		"anon_inode:[pidfd]",
	};
	char want[128];
	char a[PATH_MAX];
	int i;

	snprintf(a, sizeof(a), "%s", in_dir("a"));
	expect_fd(p, 5, "file", named ? a : NULL, "open_file", "run_all");
	expect_fd(p, 6, "file", named ? a : NULL, "dup_over", "run_all");	/* dup2 over the open "b" */
	expect_fd(p, 7, "file", named ? a : NULL, "dup_plain", "run_all");
	expect_fd(p, 50, "file", named ? a : NULL, "dup_high", "run_all");	/* fcntl F_DUPFD_CLOEXEC */
	expect_fd(p, 8, "pipe", named ? "pipe:[*" : NULL, "make_pipe", "run_all");
	expect_fd(p, 9, "pipe", named ? "pipe:[*" : NULL, "make_pipe", "run_all");
	snprintf(want, sizeof(want), "udp 127.0.0.1:%d", udp_port);
	expect_fd(p, 10, "socket", named ? want : NULL, "open_udp", "run_all");
	snprintf(want, sizeof(want), "tcp 127.0.0.1:%d (listening)", tcp_port);
	expect_fd(p, 11, "socket", named ? want : NULL, "open_listener", "run_all");
	expect_fd(p, 12, "socket", named ? "tcp 127.0.0.1:*" : NULL, "connect_client", "run_all");
	snprintf(want, sizeof(want), "tcp 127.0.0.1:%d -> 127.0.0.1:*", tcp_port);
	expect_fd(p, 13, "socket", named ? want : NULL, "accept_client", "run_all");
	for (i = 0; i < 7; i++)
		expect_fd(p, 14 + i, "anon", named ? anon[i] : NULL, "open_anon", "run_all");
	expect_fd(p, 21, "socket", named ? "unix stream" : NULL, "make_socketpair", "run_all");
	expect_fd(p, 22, "socket", named ? "unix stream" : NULL, "make_socketpair", "run_all");
	expect_fd(p, 23, "file", named ? a : NULL, "recv_fd", "run_all");	/* SCM_RIGHTS */
	snprintf(want, sizeof(want), "-> 127.0.0.1:%d", tcp_port);
	if (named)
		ASSERT_OK_PTR(strstr(jstr(leaked_fd(p, 12), "target") ?: "", want),
			      "client's peer");
}

/* leakbpf detached: the target goes on as before, and finishes on its own. */
static void target_goes_on(struct proc *t)
{
	ASSERT_OK(proc_send(t, "exit"), "target still listens");
	ASSERT_EQ(proc_finish(t), 0, "target exits normally");
}

/* Attach with -p once the target is ready; go; read the ports it reports; stop with SIGINT. */
static json_t *run_pid(const char *mode, const char *const *extra, int nports, int *ports,
		       int *status, struct proc *t, struct proc *l)
{
	char *cmd[] = { FDS, (char *)mode, dir, NULL };
	int i;

	if (proc_start(t, cmd, false) || proc_expect(t, "ready"))
		return NULL;
	if (leakbpf_attach_pid(l, t->pid, extra) || proc_send(t, "go"))
		return NULL;
	for (i = 0; i < nports; i++) {
		ports[i] = read_port(t);
		if (!ASSERT_TRUE(ports[i] > 0, "port"))
			return NULL;
	}
	if (proc_expect(t, "done"))
		return NULL;
	return leakbpf_finish(l, SIGINT, status);
}

/* `leakbpf -- PROG MODE DIR`, through go/done/exit. */
static json_t *run_prog(const char *prog, const char *mode, const char *const *extra,
			int nports, int *ports, int *status, struct proc *l)
{
	char *cmd[] = { (char *)prog, (char *)mode, dir, NULL };
	int i;

	if (leakbpf_run_cmd(l, extra, cmd) || proc_expect(l, "ready") || proc_send(l, "go"))
		return NULL;
	for (i = 0; i < nports; i++) {
		ports[i] = read_port(l);
		if (!ASSERT_TRUE(ports[i] > 0, "port"))
			return NULL;
	}
	if (proc_expect(l, "done") || proc_send(l, "exit"))
		return NULL;
	return leakbpf_finish(l, 0, status);
}

static json_t *run_cmd(const char *mode, const char *const *extra, int nports, int *ports,
		       int *status, struct proc *l)
{
	return run_prog(FDS, mode, extra, nports, ports, status, l);
}

static void pid_every_kind(void)
{
	const char *extra[] = { "--top", "30", NULL };
	struct proc t = {}, l = {};
	int ports[2], status = -1;
	json_t *r, *p;

	r = run_pid("all", extra, 2, ports, &status, &t, &l);
	if (!ASSERT_OK_PTR(r, "report"))
		goto out;
	p = report_proc(r);
	ASSERT_EQ(jint(r, "lost_events"), 0, "lost_events");
	/* 25 made (a pipe and a socketpair count 2), 5 closed: dup2 over b, close_range x3, close */
	expect_fds(p, 5, 25, 25, 5);
	expect_kinds(p, 8, 6, 4, 7, 0);
	ASSERT_EQ(json_array_size(json_object_get(p, "leaked_fds")), 20, "leaked_fds");
	expect_run_all(p, true, ports[0], ports[1]);
	ASSERT_STREQ(check_status(p, "fd_growth"), "fail", "fd_growth");
	ASSERT_STREQ(check_status(p, "fd_age"), "pass", "fd_age: all young");
	ASSERT_EQ(status, 23, "leak -> 23");
	ASSERT_EQ(check_report_schema(&l), 0, "schema");
	target_goes_on(&t);
	json_decref(r);
out:
	proc_free(&t);
	proc_free(&l);
}

/* Under -- CMD: the dynamic loader's opens and closes; nothing else. Measured once. */
static int loader_opens(void)
{
	static int n = -1;
	struct proc l = {};
	int status = -1;
	json_t *r, *p;

	if (n >= 0)
		return n;
	r = run_cmd("none", NULL, 0, NULL, &status, &l);
	if (!ASSERT_OK_PTR(r, "report of 'none'"))
		goto out;
	p = report_proc(r);
	/* /dev/null and the three dup2 onto 0-2 (which close them), then its close */
	n = jint(p, "fds.opened") - 4;
	ASSERT_EQ(jint(p, "fds.closed") - 4, n, "the loader closes what it opens");
	/* seen by the syscall tracepoints; glibc's wrappers are probed once the loader is done */
	ASSERT_GE(n, 0, "the loader closes what it opens");
	ASSERT_EQ(jint(p, "fds.end"), 5, "end");
	ASSERT_EQ(status, 0, "0-2 replaced, no growth: no leak");
	json_decref(r);
out:
	proc_free(&l);
	return n;
}

static void cmd_every_kind(void)
{
	const char *extra[] = { "--top", "30", NULL };
	int ports[2], status = -1, ld = loader_opens(), i;
	struct proc l = {};
	json_t *r, *p;

	if (ld < 0)
		return;
	r = run_cmd("all", extra, 2, ports, &status, &l);
	if (!ASSERT_OK_PTR(r, "report"))
		goto out;
	p = report_proc(r);
	ASSERT_TRUE(json_is_true(json_object_get(p, "exited")), "exited");
	/* held at _exit(): the end state is what it left open, not the empty table after */
	ASSERT_TRUE(json_is_true(json_object_get(json_object_get(p, "fds"), "at_exit")),
		    "at_exit");
	expect_fds(p, 5, 25, 25 + 4 + ld, 5 + 4 + ld);
	expect_kinds(p, 8, 6, 4, 7, 0);
	/* 0-2 were replaced (dup2) while traced: they are the program's own now */
	ASSERT_EQ(json_array_size(json_object_get(p, "leaked_fds")), 23, "leaked_fds");
	for (i = 0; i < 3; i++)
		ASSERT_STREQ(jstr(leaked_fd(p, i), "target"), "/dev/null", "stdio on /dev/null");
	expect_run_all(p, true, ports[0], ports[1]);
	ASSERT_STREQ(check_status(p, "fd_growth"), "fail", "fd_growth");
	ASSERT_EQ(status, 23, "leak -> 23");
	ASSERT_EQ(check_report_schema(&l), 0, "schema");
	json_decref(r);
out:
	proc_free(&l);
}

/*
 * Other C libraries: static glibc (wrappers in the executable, no loader), and musl, whose
 * syscall wrappers have no CFI at all (the stack is searched, checked against the frame
 * pointers). Both are held at _Exit(); neither loader opens anything.
 */
static void other_libcs(void)
{
	static const struct {
		const char *prog, *wrappers;
	} libcs[] = {
		{ TARGETS "fds_static", "fds_static" },
		{ TARGETS "fds_musl", "x86_64-linux-musl/libc.so" },
	};
	const char *extra[] = { "--top", "30", NULL };
	int ports[2], status = -1;
	struct proc l = {};
	json_t *r, *p;
	size_t i;

	for (i = 0; i < sizeof(libcs) / sizeof(libcs[0]); i++) {
		r = run_prog(libcs[i].prog, "all", extra, 2, ports, &status, &l);
		if (!ASSERT_OK_PTR(r, libcs[i].prog))
			break;
		p = report_proc(r);
		ASSERT_TRUE(json_is_true(json_object_get(json_object_get(p, "fds"), "at_exit")),
			    "held at _Exit()");
		expect_fds(p, 5, 25, 25 + 4, 5 + 4);
		expect_kinds(p, 8, 6, 4, 7, 0);
		ASSERT_EQ(json_array_size(json_object_get(p, "leaked_fds")), 23, "leaked_fds");
		wrappers = libcs[i].wrappers;
		expect_run_all(p, true, ports[0], ports[1]);
		wrappers = "libc.so";
		ASSERT_EQ(status, 23, "leak -> 23");
		json_decref(r);
		proc_free(&l);
	}
	proc_free(&l);
}

static void clean_pass(void)
{
	struct proc t = {}, l = {};
	int ports[2], status = -1;
	json_t *r, *p;

	r = run_pid("clean", NULL, 2, ports, &status, &t, &l);
	if (!ASSERT_OK_PTR(r, "report"))
		goto out;
	p = report_proc(r);
	expect_fds(p, 5, 5, 25, 25);
	expect_kinds(p, 3, 0, 2, 0, 0);
	ASSERT_EQ(json_array_size(json_object_get(p, "leaked_fds")), 0, "nothing leaked");
	ASSERT_STREQ(check_status(p, "fd_growth"), "pass", "fd_growth");
	ASSERT_STREQ(check_status(p, "fd_age"), "pass", "fd_age");
	ASSERT_TRUE(json_is_false(json_object_get(json_object_get(p, "verdict"), "leak")),
		    "no check fails");
	ASSERT_EQ(status, 0, "no leak -> 0");
	target_goes_on(&t);
	json_decref(r);
out:
	proc_free(&t);
	proc_free(&l);
}

/*
 * Per-kind age limits: files (and pipes, anon) at 0 s, sockets at 1000 s. Every non-socket
 * fd run_all leaves is over its limit, no socket is, and the 5 fds from before the attach
 * are never judged: exactly 14 offenders, counted in the reason. The value is the worst
 * one's age against its own limit: the oldest non-socket fd's, against 0 s.
 */
static void age_limits(void)
{
	const char *extra[] = { "--top", "30", "--threshold", "fd_age=0", "--threshold",
				"fd_age_socket=1000", NULL };
	struct proc t = {}, l = {};
	int ports[2], status = -1;
	json_t *r, *p, *fd;
	double oldest = 0;
	size_t i;

	r = run_pid("all", extra, 2, ports, &status, &t, &l);
	if (!ASSERT_OK_PTR(r, "report"))
		goto out;
	p = report_proc(r);
	ASSERT_STREQ(check_status(p, "fd_age"), "fail", "fd_age");
	ASSERT_OK_PTR(strstr(check_reason(p, "fd_age") ?: "", ", 14 longer than"),
		      "fd_age: 14 offenders");
	json_array_foreach(json_object_get(p, "leaked_fds"), i, fd) {
		ASSERT_EQ(json_is_true(json_object_get(fd, "over_age")),
			  strcmp(jstr(fd, "kind"), "socket") != 0, "over_age by kind");
		if (strcmp(jstr(fd, "kind"), "socket") && jnum(fd, "age_s") > oldest)
			oldest = jnum(fd, "age_s");
	}
	ASSERT_TRUE(oldest > 0, "the non-socket fds have ages");
	ASSERT_NEAR(check_value(p, "fd_age"), oldest, 0, "value: the oldest non-socket fd's age");
	ASSERT_NEAR(check_threshold(p, "fd_age"), 0, 0, "threshold: its limit, 0 s");
	ASSERT_EQ(status, 23, "leak");
	target_goes_on(&t);
	json_decref(r);
out:
	proc_free(&t);
	proc_free(&l);
}

/* The scenario, fds half: growth 14 = 5 files + 2 UDP + a pipe + a listener + 4 */
static void scenario(void)
{
	const char *extra[] = { NULL };	/* all 14 listed, though --top is 10 */
	static const char *const logs[] = { "log1", "log2", "log3", "log4", "log5" };
	struct proc t = {}, l = {};
	int ports[3], status = -1, i;
	char want[128];
	json_t *r, *p;

	r = run_pid("scenario", extra, 3, ports, &status, &t, &l);
	if (!ASSERT_OK_PTR(r, "report"))
		goto out;
	p = report_proc(r);
	/* 4 connections accepted and closed by the server side */
	expect_fds(p, 5, 19, 18, 4);
	expect_kinds(p, 8, 7, 4, 0, 0);
	ASSERT_EQ(jint(p, "fds.end") - jint(p, "fds.start"), 14, "fd growth 14");
	ASSERT_EQ(json_array_size(json_object_get(p, "leaked_fds")), 14, "leaked_fds");
	for (i = 0; i < 5; i++)
		expect_fd(p, 5 + i, "file", in_dir(logs[i]), "open_file", "run_scenario");
	snprintf(want, sizeof(want), "udp 127.0.0.1:%d", ports[0]);
	expect_fd(p, 10, "socket", want, "open_udp", "run_scenario");
	snprintf(want, sizeof(want), "udp 127.0.0.1:%d", ports[1]);
	expect_fd(p, 11, "socket", want, "open_udp", "run_scenario");
	expect_fd(p, 12, "pipe", "pipe:[*", "make_pipe", "run_scenario");
	expect_fd(p, 13, "pipe", "pipe:[*", "make_pipe", "run_scenario");
	snprintf(want, sizeof(want), "tcp 127.0.0.1:%d (listening)", ports[2]);
	expect_fd(p, 14, "socket", want, "open_listener", "run_scenario");
	/* each accepted fd was closed and its number reused by the next client: 15-18 */
	snprintf(want, sizeof(want), "-> 127.0.0.1:%d (CLOSE_WAIT)", ports[2]);
	for (i = 0; i < 4; i++) {
		expect_fd(p, 15 + i, "socket", "tcp 127.0.0.1:*", "connect_client",
			  "run_scenario");
		ASSERT_OK_PTR(strstr(jstr(leaked_fd(p, 15 + i), "target") ?: "", want),
			      "client in CLOSE_WAIT");
	}
	ASSERT_STREQ(check_status(p, "fd_growth"), "fail", "fd_growth");
	ASSERT_EQ(status, 23, "leak -> 23");
	target_goes_on(&t);
	json_decref(r);
out:
	proc_free(&t);
	proc_free(&l);
}

/*
 * exec: the close-on-exec file and pipe are closed by it, the plain file survives. Its
 * stack is of the image before the exec: addresses, no names from the new one.
 */
static void expect_exec(json_t *p, int ld, int before)
{
	json_t *kept = leaked_fd(p, 6), *stack;
	size_t i;

	/* before: what was traced before run_exec (/dev/null under -- CMD) */
	expect_fds(p, 5, 6, before + 4 + ld, before + 3 + ld);
	expect_kinds(p, 4, 0, 2, 0, 0);
	if (!ASSERT_OK_PTR(kept, "the plain file survives the exec"))
		return;
	ASSERT_STREQ(jstr(kept, "target"), in_dir("kept"), "its target");
	ASSERT_TRUE(!leaked_fd(p, 5) && !leaked_fd(p, 7) && !leaked_fd(p, 8), "close-on-exec fds gone");
	/* at least the wrapper: once the image is gone, only the frame-pointer walk is left */
	stack = json_object_get(kept, "stack");
	ASSERT_GE(json_array_size(stack), 1, "its stack");
	json_array_foreach(stack, i, kept)
		ASSERT_TRUE(json_is_null(json_object_get(kept, "symbol")), "old image: no names");
	ASSERT_STREQ(check_status(p, "fd_growth"), "pass", "fd_growth 1");
}

static void cloexec_exec(void)
{
	struct proc t = {}, l = {};
	int status = -1, ld = loader_opens();
	json_t *r;

	if (ld < 0)
		return;
	r = run_pid("exec", NULL, 0, NULL, &status, &t, &l);
	if (!ASSERT_OK_PTR(r, "-p report"))
		goto out;
	expect_exec(report_proc(r), ld, 0);
	ASSERT_EQ(json_array_size(json_object_get(report_proc(r), "leaked_fds")), 1, "leaked");
	ASSERT_EQ(status, 0, "no leak");
	target_goes_on(&t);
	json_decref(r);
	proc_free(&t);
	proc_free(&l);

	/* -- CMD: leakbpf's own close-on-exec fds at the first exec are not the program's */
	r = run_cmd("exec", NULL, 0, NULL, &status, &l);
	if (!ASSERT_OK_PTR(r, "-- CMD report"))
		goto out;
	expect_exec(report_proc(r), ld, 4 + ld);
	ASSERT_EQ(json_array_size(json_object_get(report_proc(r), "leaked_fds")), 4,
		  "leaked: 0-2 and the plain file");
	json_decref(r);
out:
	proc_free(&t);
	proc_free(&l);
}

/*
 * The first fd from a place goes to user space to be unwound (stderr says so with -v), and
 * bpf/fds learns the rules; the next ones from the same places are unwound in the kernel,
 * and must come out the same.
 */
static void learned_rules(void)
{
	const char *extra[] = { "-v", NULL };
	char *cmd[] = { FDS, "twice", dir, NULL };
	const char *unwound = "unwound the stack of an fd";
	struct proc t = {}, l = {};
	int status, fd, i, multi;
	json_t *r, *p;

	if (proc_start(&t, cmd, false) || proc_expect(&t, "ready") ||
	    leakbpf_attach_pid(&l, t.pid, extra) || proc_send(&t, "go") ||
	    proc_expect(&t, "round1"))
		goto out;
	if (!ASSERT_OK(proc_wait_stderr_count(&l, unwound, 2), "two places unwound") ||
	    proc_send(&t, "again") || proc_expect(&t, "done"))
		goto out;
	r = leakbpf_finish(&l, SIGINT, &status);
	if (!r)
		goto out;
	p = report_proc(r);
	ASSERT_EQ(count_stderr(&l, unwound), 2, "the second round stayed in the kernel");
	/*
	 * A glibc program: its wrappers are probed, the host's syscalls are left alone; before
	 * uprobe_multi links (Linux 6.6) the syscall tracepoints instead.
	 */
	multi = count_stderr(&l, "uprobe_multi links (Linux 6.6): yes") > 0;
	ASSERT_EQ(count_stderr(&l, "wrappers of"), multi, "-v: its glibc's wrappers probed");
	ASSERT_EQ(count_stderr(&l, "raw syscall tracepoints"), !multi,
		  "-v: the syscall tracepoints only without uprobe_multi");
	ASSERT_EQ(json_array_size(json_object_get(p, "leaked_fds")), 6, "leaked");
	/* round 1: fds 5 (file) and 6 (socket); round 2: 7-10, alternately */
	for (fd = 5; fd <= 10; fd++) {
		const char *want[] = { stack_symbol(leaked_fd(p, 5 + !(fd % 2)), 0),
				       fd % 2 ? "open_file" : "open_udp", "run_twice", "main" };

		for (i = 0; i < 4; i++)
			ASSERT_STREQ(stack_symbol(leaked_fd(p, fd), i), want[i] ?: "?",
				     "same frames as round 1");
	}
	ASSERT_EQ(status, 23, "leak");
	ASSERT_OK(proc_send(&t, "exit"), "target still listens");
	json_decref(r);
out:
	proc_free(&t);
	proc_free(&l);
}

/*
 * -p, and the target exits with its fds open, not held at _Exit() (only a command is): its
 * table is gone before leakbpf can read it. fds.end is what the kernel closed at the exit
 * (the BPF side counted them), fd_growth is judged on it, and the fds it opened while
 * traced are listed from their records, with kind, age and stack, without what they
 * pointed to; by_kind, which would need the kinds of the 5 fds from before attach, is
 * left empty: not known.
 */
static void exit_unheld(void)
{
	char *cmd[] = { FDS, "all", dir, NULL };
	const char *extra[] = { "--top", "30", NULL };
	struct proc t = {}, l = {};
	int status, ports[2];
	json_t *r, *p;

	if (proc_start(&t, cmd, false) || proc_expect(&t, "ready") ||
	    leakbpf_attach_pid(&l, t.pid, extra) || proc_send(&t, "go"))
		goto out;
	ports[0] = read_port(&t);
	ports[1] = read_port(&t);
	if (!ASSERT_TRUE(ports[0] > 0 && ports[1] > 0, "ports") || proc_expect(&t, "done") ||
	    proc_send(&t, "exit"))
		goto out;
	ASSERT_EQ(proc_finish(&t), 0, "target exits");
	r = leakbpf_finish(&l, 0, &status);
	if (!r)
		goto out;
	p = report_proc(r);
	ASSERT_TRUE(json_is_true(json_object_get(p, "exited")), "exited");
	ASSERT_TRUE(json_is_true(json_object_get(json_object_get(p, "fds"), "at_exit")),
		    "at_exit");
	ASSERT_EQ(jint(r, "lost_events"), 0, "lost_events");
	/* as pid_every_kind's: the 25 open when it exited, 5 closed before */
	expect_fds(p, 5, 25, 25, 5);
	ASSERT_EQ(json_object_size(json_object_get(json_object_get(p, "fds"), "by_kind")), 0,
		  "by_kind: not known");
	ASSERT_EQ(json_array_size(json_object_get(p, "leaked_fds")), 20, "leaked_fds");
	expect_run_all(p, false, ports[0], ports[1]);
	ASSERT_STREQ(check_status(p, "fd_growth"), "fail", "fd_growth: 25 - 5");
	ASSERT_EQ(status, 23, "leak -> 23");
	ASSERT_EQ(check_report_schema(&l), 0, "schema");
	json_decref(r);
out:
	proc_free(&t);
	proc_free(&l);
}

void test_fds(void)
{
	if (!bpf_tests_possible())
		return;
	if (!ASSERT_TRUE(make_dir(), "temporary directory"))
		return;
	if (test__start_subtest("pid_every_kind"))
		pid_every_kind();
	if (test__start_subtest("cmd_every_kind"))
		cmd_every_kind();
	if (test__start_subtest("other_libcs"))
		other_libcs();
	if (test__start_subtest("clean_pass"))
		clean_pass();
	if (test__start_subtest("age_limits"))
		age_limits();
	if (test__start_subtest("scenario"))
		scenario();
	if (test__start_subtest("cloexec_exec"))
		cloexec_exec();
	if (test__start_subtest("learned_rules"))
		learned_rules();
	if (test__start_subtest("exit_unheld"))
		exit_unheld();
	remove_dir();
}
