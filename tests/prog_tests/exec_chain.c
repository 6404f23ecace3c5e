// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * A target that execs another program, as wrappers do (env, sh -c 'exec ...', chroot):
 * leakbpf must probe the allocator of each new image before it runs its own code, count
 * nothing twice, and take the old image's blocks out of the outstanding ones
 * (memory.released_at_exec). What the final program leaks is asserted exactly; the
 * wrappers' own allocations depend on the system (locale...), so for them the books must
 * balance: every allocation was freed, released at exec, or is outstanding.
 */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "harness.h"
#include "test_progs.h"

#define JEMALLOC "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"
#define MUSL_LOADER "/lib/ld-musl-x86_64.so.1"

/* Everything listed: the outstanding blocks must add up to the sites. */
static const char *const verbose_all[] = { "-v", "--top", "100", NULL };

/* -v said that PID pid's allocator after an exec is path (as the process maps it). */
static bool said_allocator(const struct proc *l, pid_t pid, const char *path)
{
	char want[PATH_MAX + 64];

	snprintf(want, sizeof(want), "leakbpf: PID %d: allocator: %s (", pid, path);
	return l->err_buf && strstr(l->err_buf, want);
}

/* mallocs = frees + released at exec + outstanding, in objects and in bytes */
static void check_books(json_t *p)
{
	long long objects = 0, bytes = 0;
	json_t *site;
	size_t i;

	ASSERT_EQ(jint(p, "memory.mallocs"),
		  jint(p, "memory.frees") + jint(p, "memory.released_at_exec") +
		  jint(p, "memory.outstanding_objects"), "mallocs = frees + released + left");
	ASSERT_EQ(jint(p, "memory.bytes_allocated"),
		  jint(p, "memory.bytes_freed") + jint(p, "memory.bytes_released_at_exec") +
		  jint(p, "memory.outstanding_bytes"), "bytes balance too");
	ASSERT_EQ(jint(p, "memory.untracked_frees"), 0, "untracked_frees");
	json_array_foreach(json_object_get(p, "leak_sites"), i, site) {
		objects += jint(site, "objects");
		bytes += jint(site, "bytes");
	}
	ASSERT_EQ(objects, jint(p, "memory.outstanding_objects"), "sites add up (objects)");
	ASSERT_EQ(bytes, jint(p, "memory.outstanding_bytes"), "sites add up (bytes)");
}

/* A command is held at the final image's _Exit(): its fds are read as it left them. */
static void held_at_exit(json_t *p)
{
	json_t *fds = json_object_get(p, "fds");

	ASSERT_TRUE(json_is_true(json_object_get(fds, "at_exit")), "fds read at _Exit()");
	ASSERT_EQ(jint(p, "fds.end"), jint(p, "fds.start"), "no fd left open");
}

/* leak_n 6 72 0 25 ran last: its 6 x 72 B from leak_here, found in the final image */
static void check_final(json_t *r, json_t *p, const char *exe)
{
	json_t *site = site_by_symbol(p, "leak_here");
	const char *got = jstr(p, "exe");

	ASSERT_EQ(jint(r, "lost_events"), 0, "lost_events");
	ASSERT_TRUE(got && strlen(got) >= strlen(exe) &&
		    !strcmp(got + strlen(got) - strlen(exe), exe), "exe is the final program");
	if (ASSERT_OK_PTR(site, "leak_here site named")) {
		ASSERT_EQ(jint(site, "objects"), 6, "site objects");
		ASSERT_EQ(jint(site, "bytes"), 432, "site bytes");
		ASSERT_STREQ(stack_symbol(site, 1), "main", "second frame");
	}
	ASSERT_GE(jint(p, "memory.frees"), 25, "frees");
}

/*
 * `leakbpf -v -- cmd` through the final program's ready/go/done/exit; exec_leak first says
 * ready and waits for go itself (wrapper_waits).
 */
static json_t *run_chain(struct proc *l, char *const cmd[], bool wrapper_waits)
{
	json_t *r;
	int status;

	if (leakbpf_run_cmd(l, verbose_all, cmd))
		return NULL;
	if (wrapper_waits && (proc_expect(l, "ready") || proc_send(l, "go")))
		return NULL;
	if (proc_expect(l, "ready") || proc_send(l, "go") || proc_expect(l, "done") ||
	    proc_send(l, "exit"))
		return NULL;
	/* leak_n's 6 blocks are lost: 23 where its allocator is scanned (the C library's) */
	status = proc_finish(l);
	if (!ASSERT_TRUE(status == 0 || status == 23, "status"))
		fprintf(stderr, "%s", l->err_buf ? l->err_buf : "");
	r = last_report(l);
	if (r && status == 23)
		ASSERT_STREQ(check_status(report_proc(r), "lost_objects"), "fail",
			     "a leak verdict: the lost blocks");
	return r;
}

/*
 * A wrapper execs leak_n 6 72 0 25 built as exe: the allocator (as the process maps it) is
 * probed after the exec, and not twice. outstanding: the blocks left at the end, or -1 when
 * the C library keeps some of its own (at least leak_here's 6 then).
 */
static void wrapped(char *const cmd[], const char *exe, const char *allocator,
		    long long outstanding)
{
	struct proc l = {};
	json_t *r, *p;

	r = run_chain(&l, cmd, false);
	if (!ASSERT_OK_PTR(r, "report"))
		goto out;
	p = report_proc(r);
	check_final(r, p, exe);
	check_books(p);
	ASSERT_GE(jint(p, "memory.released_at_exec"), 1, "the wrapper's blocks released at exec");
	if (outstanding >= 0)
		ASSERT_EQ(jint(p, "memory.outstanding_objects"), outstanding, "outstanding");
	else
		ASSERT_GE(jint(p, "memory.outstanding_objects"), 7, "the C library's blocks too");
	ASSERT_TRUE(said_allocator(&l, jint(p, "pid"), allocator), "allocator probed after exec");
	ASSERT_EQ(count_stderr(&l, "probed already"), 0, "nothing probed twice");
	held_at_exit(p);
	ASSERT_EQ(check_report_schema(&l), 0, "schema");
out:
	json_decref(r);
	proc_free(&l);
}

static void env_jemalloc(void)
{
	char *cmd[] = { "/usr/bin/env", "LD_PRELOAD=" JEMALLOC, TARGETS "leak_n", "6", "72",
			"0", "25", NULL };

	/* LD_PRELOAD is env's doing: only the loader of the final program knows of it */
	wrapped(cmd, "/leak_n", JEMALLOC, -1);
}

static void sh_static(void)
{
	char *cmd[] = { "/bin/sh", "-c", "exec " TARGETS "leak_n_static 6 72 0 25", NULL };
	char exe[PATH_MAX];

	/* held at exec: static glibc's own startup blocks are seen too */
	if (ASSERT_OK_PTR(realpath(TARGETS "leak_n_static", exe), "realpath"))
		wrapped(cmd, "/leak_n_static", exe, -1);
}

static void env_musl(void)
{
	char *cmd[] = { "/usr/bin/env", TARGETS "leak_n_musl", "6", "72", "0", "25", NULL };
	char libc[PATH_MAX];

	/* musl's loader is its libc, mapped under the name the link points to; musl allocates
	 * nothing of its own: the 6 blocks are the program's */
	if (ASSERT_OK_PTR(realpath(MUSL_LOADER, libc), "realpath"))
		wrapped(cmd, "/leak_n_musl", libc, 6);
}

/*
 * exec_leak 5 40 2 leak_n 6 72 0 25: 5 blocks of 40 B, 2 freed, 3 gone at exec; then
 * leak_n (the same libc: probed already, not twice) leaks 6 x 72 B and frees 25 x 72 B.
 */
static void check_exact(json_t *r, json_t *p, const struct proc *l)
{
	check_final(r, p, "/leak_n");
	ASSERT_EQ(jint(p, "memory.mallocs"), 36, "mallocs (5 + 6 + 25)");
	ASSERT_EQ(jint(p, "memory.bytes_allocated"), 2432, "bytes_allocated");
	ASSERT_EQ(jint(p, "memory.frees"), 27, "frees (2 + 25)");
	ASSERT_EQ(jint(p, "memory.bytes_freed"), 1880, "bytes_freed");
	ASSERT_EQ(jint(p, "memory.untracked_frees"), 0, "untracked_frees");
	ASSERT_EQ(jint(p, "memory.released_at_exec"), 3, "released_at_exec");
	ASSERT_EQ(jint(p, "memory.bytes_released_at_exec"), 120, "bytes_released_at_exec");
	ASSERT_EQ(jint(p, "memory.outstanding_objects"), 6, "outstanding_objects");
	ASSERT_EQ(jint(p, "memory.outstanding_bytes"), 432, "outstanding_bytes");
	ASSERT_FALSE(site_by_symbol(p, "exec_leak_here"), "the old image's blocks are no site");
	ASSERT_EQ(json_array_size(json_object_get(p, "leak_sites")), 1, "one site");
	ASSERT_EQ(count_stderr(l, "), probed already"), 1, "the same libc is not probed twice");
}

static void exact_cmd(void)
{
	char *cmd[] = { TARGETS "exec_leak", "5", "40", "2", TARGETS "leak_n", "6", "72", "0",
			"25", NULL };
	struct proc l = {};
	json_t *r;

	r = run_chain(&l, cmd, true);
	if (!ASSERT_OK_PTR(r, "report"))
		goto out;
	check_exact(r, report_proc(r), &l);
	held_at_exit(report_proc(r));
	ASSERT_EQ(count_stderr(&l, "(held until its allocator is probed)"), 1, "held at exec");
	ASSERT_EQ(check_report_schema(&l), 0, "schema");
out:
	json_decref(r);
	proc_free(&l);
}

/*
 * Under -p: start cmd (exec_leak first), attach when it is ready, let it exec; wait_line,
 * when given, is what leakbpf must have said on stderr before the final program is let go.
 */
static json_t *run_chain_pid(struct proc *t, struct proc *l, char *const cmd[],
			     const char *wait_line)
{
	char line[PATH_MAX + 64];
	int status;
	json_t *r;

	if (proc_start(t, cmd, false) || proc_expect(t, "ready") ||
	    leakbpf_attach_pid(l, t->pid, verbose_all) || proc_send(t, "go") ||
	    proc_expect(t, "ready"))
		return NULL;
	if (wait_line) {
		snprintf(line, sizeof(line), "leakbpf: PID %d: %s", t->pid, wait_line);
		if (!ASSERT_OK(proc_wait_stderr(l, line), "leakbpf followed the exec"))
			return NULL;
	}
	if (proc_send(t, "go") || proc_expect(t, "done"))
		return NULL;
	r = leakbpf_finish(l, SIGINT, &status);
	ASSERT_EQ(status, 0, "status");
	/* detached: the target is unchanged and finishes on its own */
	ASSERT_OK(proc_send(t, "exit"), "target still listens");
	ASSERT_EQ(proc_finish(t), 0, "target exits normally after detach");
	return r;
}

/* The same under -p: followed across the exec, never stopped; the counts are the BPF side's. */
static void exact_pid(void)
{
	char *cmd[] = { TARGETS "exec_leak", "5", "40", "2", TARGETS "leak_n", "6", "72", "0",
			"25", NULL };
	struct proc t = {}, l = {};
	json_t *r;

	/* a -p target is not held: its new image's allocator is looked for while it runs */
	r = run_chain_pid(&t, &l, cmd, "allocator: ");
	if (!ASSERT_OK_PTR(r, "report"))
		goto out;
	check_exact(r, report_proc(r), &l);
	ASSERT_EQ(count_stderr(&l, "held until"), 0, "a -p target is not held");
out:
	json_decref(r);
	proc_free(&t);
	proc_free(&l);
}

/*
 * -p, and the final program calls another allocator: found at its loader's first consistent
 * state, without stopping it (what it allocates before the probes are live is missed).
 */
static void jemalloc_pid(void)
{
	char *cmd[] = { TARGETS "exec_leak", "5", "40", "2", "/usr/bin/env", "LD_PRELOAD=" JEMALLOC,
			TARGETS "leak_n", "6", "72", "0", "25", NULL };
	struct proc t = {}, l = {};
	json_t *r, *p;

	r = run_chain_pid(&t, &l, cmd, "allocator: " JEMALLOC);
	if (!ASSERT_OK_PTR(r, "report"))
		goto out;
	p = report_proc(r);
	check_final(r, p, "/leak_n");
	/* exec_leak's 3, then env's */
	ASSERT_GE(jint(p, "memory.released_at_exec"), 4, "released at both execs");
	ASSERT_EQ(count_stderr(&l, "held until"), 0, "a -p target is not held");
out:
	json_decref(r);
	proc_free(&t);
	proc_free(&l);
}

static int sh(const char *fmt, const char *a)
{
	char cmd[PATH_MAX * 3];

	snprintf(cmd, sizeof(cmd), fmt, a);
	return system(cmd);
}

/*
 * `-- chroot DIR /leak_n`: the program runs with its own copies of ld.so and libc (other
 * inodes than the host's, as in a container image). The new loader is probed while the
 * process is held at exec, its libc at the loader's first consistent state.
 */
static void chroot_cmd(void)
{
	char dir[] = "/tmp/leakbpf-execchroot-XXXXXX", libc[PATH_MAX];
	char *cmd[] = { "/usr/sbin/chroot", dir, "/leak_n", "9", "33", "5", "40", NULL };
	struct proc l = {};
	json_t *r = NULL, *p, *site;

	if (!ASSERT_OK_PTR(mkdtemp(dir), "mkdtemp"))
		return;
	if (!ASSERT_OK(sh("mkdir -p %1$s/lib/x86_64-linux-gnu %1$s/lib64 && "
			  "cp " TARGETS "leak_n %1$s/leak_n && "
			  "cp /lib/x86_64-linux-gnu/libc.so.6 %1$s/lib/x86_64-linux-gnu/ && "
			  "cp /lib64/ld-linux-x86-64.so.2 %1$s/lib64/", dir),
		       "copy target, libc and ld.so"))
		goto out;
	if (leakbpf_run_cmd(&l, verbose_all, cmd) || proc_expect(&l, "ready") ||
	    proc_send(&l, "go") || proc_expect(&l, "done") || proc_send(&l, "exit"))
		goto out;
	ASSERT_EQ(proc_finish(&l), 0, "status");
	r = last_report(&l);
	if (!ASSERT_OK_PTR(r, "report"))
		goto out;
	p = report_proc(r);
	snprintf(libc, sizeof(libc), "%s/lib/x86_64-linux-gnu/libc.so.6", dir);
	ASSERT_TRUE(said_allocator(&l, jint(p, "pid"), libc), "the chroot's libc probed");
	check_books(p);
	ASSERT_GE(jint(p, "memory.released_at_exec"), 1, "chroot's blocks released at exec");
	/* leak_n 9 33 5 40: 9 x 33 B leaked; its 5 early blocks and their array freed */
	ASSERT_EQ(jint(p, "memory.outstanding_objects"), 9, "outstanding_objects");
	ASSERT_EQ(jint(p, "memory.outstanding_bytes"), 297, "outstanding_bytes");
	site = site_by_symbol(p, "leak_here");
	if (ASSERT_OK_PTR(site, "leak_here named from the chroot's binary"))
		ASSERT_EQ(jint(site, "objects"), 9, "site objects");
out:
	json_decref(r);
	proc_free(&l);
	sh("rm -rf %s", dir);
}

void test_exec_chain(void)
{
	bool jemalloc = !access(JEMALLOC, R_OK);

	if (!bpf_tests_possible())
		return;
	if (test__start_subtest("env_jemalloc")) {
		if (jemalloc)
			env_jemalloc();
		else
			test__skip("libjemalloc2 is not installed");
	}
	if (test__start_subtest("sh_static"))
		sh_static();
	if (test__start_subtest("env_musl"))
		env_musl();
	if (test__start_subtest("exact_cmd"))
		exact_cmd();
	if (test__start_subtest("exact_pid"))
		exact_pid();
	if (test__start_subtest("jemalloc_pid")) {
		if (jemalloc)
			jemalloc_pid();
		else
			test__skip("libjemalloc2 is not installed");
	}
	if (test__start_subtest("chroot_cmd"))
		chroot_cmd();
}
