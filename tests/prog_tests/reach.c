// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * Leaks by reachability, held against LeakSanitizer on the same source: tests/targets/lost
 * drops its only pointer to 101 blocks, one of them the head of a list of 50, and keeps
 * 200 reachable; built with -fsanitize=leak it says what LeakSanitizer finds. A program
 * that keeps its data until exit is no leak.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "harness.h"
#include "test_progs.h"

struct lsan_sums {
	long long direct_objects, direct_bytes, indirect_objects, indirect_bytes;
};

/* "Direct leak of B byte(s) in N object(s)" and "Indirect leak of ...", summed */
static void lsan_sums(const char *text, struct lsan_sums *s)
{
	const char *at;
	long long b, n;

	memset(s, 0, sizeof(*s));
	for (at = text; (at = strstr(at, "leak of ")); at++) {
		bool indirect = at >= text + 8 && !strncmp(at - 9, "Indirect ", 9);

		if (sscanf(at, "leak of %lld byte(s) in %lld object(s)", &b, &n) != 2)
			continue;
		if (indirect) {
			s->indirect_bytes += b;
			s->indirect_objects += n;
		} else {
			s->direct_bytes += b;
			s->direct_objects += n;
		}
	}
}

static void lsan_agrees(void)
{
	char *lsan[] = { TARGETS "lost_lsan", NULL };
	char *argv[] = { LEAKBPF, "--json", "--", TARGETS "lost", NULL };
	struct proc t = {}, l = {};
	struct lsan_sums want;
	json_t *r = NULL, *p;
	int status;

	if (!ASSERT_OK(proc_start(&t, lsan, true), "run the program under LeakSanitizer"))
		goto out;
	ASSERT_EQ(proc_finish(&t), 23, "LeakSanitizer found leaks (its exit status 23)");
	lsan_sums(t.err_buf ?: "", &want);
	ASSERT_EQ(want.direct_objects, 101, "LeakSanitizer: 101 direct");
	ASSERT_EQ(want.indirect_objects, 50, "LeakSanitizer: 50 indirect");
	if (!ASSERT_OK(proc_start(&l, argv, true), "leakbpf -- lost"))
		goto out;
	r = leakbpf_finish(&l, 0, &status);
	if (!r)
		goto out;
	ASSERT_EQ(status, 23, "a leak verdict");
	ASSERT_EQ(check_report_schema(&l), 0, "schema");
	p = report_proc(r);
	ASSERT_EQ(jint(p, "memory.reachability.direct.objects"), want.direct_objects,
		  "direct objects as LeakSanitizer counts");
	ASSERT_EQ(jint(p, "memory.reachability.direct.bytes"), want.direct_bytes,
		  "direct bytes as LeakSanitizer counts");
	ASSERT_EQ(jint(p, "memory.reachability.indirect.objects"), want.indirect_objects,
		  "indirect objects as LeakSanitizer counts");
	ASSERT_EQ(jint(p, "memory.reachability.indirect.bytes"), want.indirect_bytes,
		  "indirect bytes as LeakSanitizer counts");
	ASSERT_EQ(jint(p, "memory.reachability.reachable.objects"), 200, "200 reachable");
	/* what the scan cost: it read at least the blocks it found reachable */
	ASSERT_GE(jint(p, "memory.reachability.scan.bytes_read"), 200 * 32, "bytes read");
	ASSERT_TRUE(jnum(p, "memory.reachability.scan.pause_ms") > 0, "its pause");
	ASSERT_STREQ(check_status(p, "lost_objects"), "fail", "lost_objects fails");
	ASSERT_EQ(check_value(p, "lost_objects"), 151, "151 lost");
out:
	json_decref(r);
	proc_free(&t);
	proc_free(&l);
}

/* Its data kept until exit, every block reachable: clean, as LeakSanitizer would say */
static void kept_until_exit(void)
{
	char *argv[] = { LEAKBPF, "--json", "--", TARGETS "lost", "clean", NULL };
	char *lsan[] = { TARGETS "lost_lsan", "clean", NULL };
	struct proc l = {}, t = {};
	json_t *r = NULL, *p;
	int status;

	if (!ASSERT_OK(proc_start(&t, lsan, true), "under LeakSanitizer"))
		goto out;
	ASSERT_EQ(proc_finish(&t), 0, "LeakSanitizer: no leak");
	if (!ASSERT_OK(proc_start(&l, argv, true), "leakbpf -- lost clean"))
		goto out;
	r = leakbpf_finish(&l, 0, &status);
	if (!r)
		goto out;
	ASSERT_EQ(status, 0, "no leak: status 0");
	p = report_proc(r);
	ASSERT_EQ(jint(p, "memory.reachability.direct.objects"), 0, "none direct");
	ASSERT_EQ(jint(p, "memory.reachability.indirect.objects"), 0, "none indirect");
	ASSERT_EQ(jint(p, "memory.reachability.reachable.objects"), 200, "200 reachable");
	ASSERT_STREQ(check_status(p, "free_rate"), "skipped", "its free rate does not judge it");
out:
	json_decref(r);
	proc_free(&t);
	proc_free(&l);
}

/*
 * -p --reachability: leak_n, attached before it leaks 6 blocks (its sink then keeps a
 * freed one), is stopped a moment at the end, scanned, and goes on to exit 0.
 */
static void attached(void)
{
	const char *extra[] = { "--json", "--reachability", NULL };
	char *cmd[] = { TARGETS "leak_n", "6", "72", "10", "25", NULL };
	struct proc t = {}, l = {};
	json_t *r = NULL, *p;
	int status;

	if (!ASSERT_OK(trace_pid_until_done(&t, &l, cmd, extra), "leak_n done under -p"))
		goto out;
	r = leakbpf_finish(&l, SIGINT, &status);
	if (!r)
		goto out;
	ASSERT_EQ(status, 23, "a leak verdict");
	p = report_proc(r);
	ASSERT_EQ(jint(p, "memory.reachability.direct.objects"), 6, "its 6 blocks lost");
	ASSERT_EQ(jint(p, "memory.reachability.direct.bytes"), 6 * 72, "6 x 72 bytes");
	ASSERT_STREQ(check_status(p, "lost_objects"), "fail", "lost_objects fails");
	ASSERT_OK(proc_send(&t, "exit"), "exit");
	ASSERT_EQ(proc_finish(&t), 0, "the target went on after the scan, and exits 0");
out:
	json_decref(r);
	proc_free(&t);
	proc_free(&l);
}

/*
 * --suppressions: the list lose_list() built (its head and its 50 nodes) suppressed, as
 * LeakSanitizer suppresses it with the same file; the 100 other blocks still lost.
 */
static void suppressed(void)
{
	char path[] = "/tmp/leakbpf-supp-XXXXXX", opts[128];
	char *lsan[] = { TARGETS "lost_lsan", NULL };
	char *argv[] = { LEAKBPF, "--json", "--suppressions", path, "--", TARGETS "lost", NULL };
	struct proc t = {}, l = {};
	long long n = -1, bytes = -1;
	struct lsan_sums want;
	json_t *r = NULL, *p;
	const char *used;
	int fd, status;

	fd = mkstemp(path);
	if (!ASSERT_TRUE(fd >= 0, "mkstemp"))
		return;
	/* keep_some's blocks are reachable: a pattern for them suppresses nothing */
	ASSERT_EQ(write(fd, "# the list\nleak:lose_list\nleak:keep_some\n", 42), 42,
		  "write suppressions");
	close(fd);
	snprintf(opts, sizeof(opts), "suppressions=%s:print_suppressions=1", path);
	setenv("LSAN_OPTIONS", opts, 1);
	fd = proc_start(&t, lsan, true);
	unsetenv("LSAN_OPTIONS");
	if (!ASSERT_OK(fd, "under LeakSanitizer"))
		goto out;
	ASSERT_EQ(proc_finish(&t), 23, "LeakSanitizer: the other leaks");
	lsan_sums(t.err_buf ?: "", &want);
	used = strstr(t.err_buf ?: "", "Suppressions used:");
	if (used)
		sscanf(used, "Suppressions used:%*[^0-9]%lld %lld", &n, &bytes);
	ASSERT_EQ(n, 51, "LeakSanitizer suppressed 51");
	if (!ASSERT_OK(proc_start(&l, argv, true), "leakbpf --suppressions"))
		goto out;
	r = leakbpf_finish(&l, 0, &status);
	if (!r)
		goto out;
	p = report_proc(r);
	ASSERT_EQ(status, 23, "the 100 others: a leak");
	ASSERT_EQ(jint(p, "memory.reachability.direct.objects"), want.direct_objects,
		  "direct, as LeakSanitizer counts after suppressions");
	ASSERT_EQ(jint(p, "memory.reachability.indirect.objects"), want.indirect_objects,
		  "indirect, likewise");
	ASSERT_EQ(jint(p, "memory.reachability.suppressed.objects"), n, "suppressed objects");
	ASSERT_EQ(jint(p, "memory.reachability.suppressed.bytes"), bytes, "suppressed bytes");
	ASSERT_EQ(check_value(p, "lost_objects"), 100, "100 lost");
	ASSERT_EQ(jint(p, "memory.reachability.reachable.objects"), 200,
		  "a reachable block is never suppressed");
out:
	unlink(path);
	json_decref(r);
	proc_free(&t);
	proc_free(&l);
}

void test_reach(void)
{
	if (!bpf_tests_possible())
		return;
	if (test__start_subtest("lsan_agrees"))
		lsan_agrees();
	if (test__start_subtest("kept_until_exit"))
		kept_until_exit();
	if (test__start_subtest("attached"))
		attached();
	if (test__start_subtest("suppressed"))
		suppressed();
}
