// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * The same leaking program on other allocators: a static binary with its own malloc, musl,
 * and glibc's malloc replaced by jemalloc through LD_PRELOAD. The allocator's own
 * bookkeeping may allocate too, so the leak is asserted at its site, the totals at least.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "harness.h"
#include "test_progs.h"

#define JEMALLOC "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"

/* 6 x 72 B leaked from leak_here, 25 pairs */
static void check(struct proc *l, json_t *r, const char *allocator)
{
	json_t *p = report_proc(r), *site = site_by_symbol(p, "leak_here");

	if (!ASSERT_OK_PTR(site, "leak_here site named"))
		return;
	ASSERT_EQ(jint(site, "objects"), 6, "site objects");
	ASSERT_EQ(jint(site, "bytes"), 432, "site bytes");
	ASSERT_GE(jint(p, "memory.mallocs"), 31, "mallocs");
	ASSERT_GE(jint(p, "memory.frees"), 25, "frees");
	ASSERT_EQ(jint(r, "lost_events"), 0, "lost_events");
	ASSERT_OK_PTR(strstr(l->err_buf ? l->err_buf : "", allocator), "allocator chosen");
}

static void run_cmd(char *target, const char *allocator)
{
	char *cmd[] = { target, "6", "72", "0", "25", NULL };
	const char *extra[] = { "-v", NULL };
	struct proc l = {};
	int status;
	json_t *r;

	if (leakbpf_run_cmd(&l, extra, cmd) || proc_expect(&l, "ready") ||
	    proc_send(&l, "go") || proc_expect(&l, "done") || proc_send(&l, "exit"))
		goto out;
	status = proc_finish(&l);
	r = last_report(&l);
	if (ASSERT_OK_PTR(r, "report")) {
		json_t *p = report_proc(r);

		check(&l, r, allocator);
		/* a command held at exit: the 6 blocks leak_n drops are lost, if it is scanned */
		if (json_is_null(json_object_get(json_object_get(p, "memory"), "reachability"))) {
			ASSERT_EQ(status, 0, "status: no scan of this allocator, no verdict");
		} else {
			ASSERT_EQ(status, 23, "status: lost blocks");
			ASSERT_GE(jint(p, "memory.reachability.direct.objects"), 6,
				  "leak_here's 6 blocks lost");
		}
	}
	json_decref(r);
out:
	proc_free(&l);
}

static void run_pid(char *target, const char *allocator)
{
	char *cmd[] = { target, "6", "72", "0", "25", NULL };
	const char *extra[] = { "-v", NULL };
	struct proc t = {}, l = {};
	json_t *r;

	if (proc_start(&t, cmd, false) || proc_expect(&t, "ready") ||
	    leakbpf_attach_pid(&l, t.pid, extra) || proc_send(&t, "go") ||
	    proc_expect(&t, "done"))
		goto out;
	kill(l.pid, SIGINT);
	proc_finish(&l);
	r = last_report(&l);
	if (ASSERT_OK_PTR(r, "report"))
		check(&l, r, allocator);
	json_decref(r);
out:
	proc_free(&t);
	proc_free(&l);
}

void test_allocator_kinds(void)
{
	if (!bpf_tests_possible())
		return;
	if (test__start_subtest("static"))
		run_cmd(TARGETS "leak_n_static", "allocator: " TARGETS "leak_n_static");
	if (test__start_subtest("musl"))
		run_cmd(TARGETS "leak_n_musl", "allocator: /lib/ld-musl-x86_64.so.1");
	if (test__start_subtest("jemalloc_cmd")) {
		if (access(JEMALLOC, R_OK)) {
			test__skip("libjemalloc2 is not installed");
		} else {
			/* leakbpf asks the loader what the command will load, LD_PRELOAD included */
			setenv("LD_PRELOAD", JEMALLOC, 1);
			run_cmd(TARGETS "leak_n", "allocator: " JEMALLOC);
			unsetenv("LD_PRELOAD");
		}
	}
	if (test__start_subtest("jemalloc_pid")) {
		if (access(JEMALLOC, R_OK)) {
			test__skip("libjemalloc2 is not installed");
		} else {
			setenv("LD_PRELOAD", JEMALLOC, 1);
			run_pid(TARGETS "leak_n", "allocator: " JEMALLOC);
			unsetenv("LD_PRELOAD");
		}
	}
}
