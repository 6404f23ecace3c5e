// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * Items, batches and rounds end to end, on the demo's channel batcher (demo/batcher.c): the
 * counts leakbpf reports must equal the ones the batcher counts itself, in every --item
 * form (SYMBOL, PATH:SYMBOL on a library, usdt:...), under -p and -- CMD; rounds are
 * cumulative and never early; a leaking batcher fails growth_rate and heap_growth_per_item,
 * a clean one passes everything.
 *
 * Nothing here depends on how fast the machine is: rates and growth are checked against
 * other numbers of the same reports (items over the traced time, bytes against items), not
 * against the batcher's nominal rate, which a loaded machine does not keep.
 */
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "harness.h"
#include "test_progs.h"
#include "report/verdict.h"

#define BATCHER ".output/demo/batcher"
#define ITEM_LIB TARGETS "item_lib"
#define LIBITEMS TARGETS "libitems.so"
#define MAX_REPORTS 64

/* What each item keeps with --leak-bytes 2048 */
#define LEAK_PER_ITEM 2048
/*
 * Besides what items keep, the batcher's outstanding bytes at any moment are its few fixed
 * buffers and the items in flight: the queue (256 x 64 B), a batch (50 x 64 B), one per
 * producer. Less than this, however the threads were scheduled.
 */
#define IN_FLIGHT_BYTES (64 * 1024)

/* What the batcher counted itself: its "done ITEMS BATCHES" line. */
struct totals {
	long long items, batches;
};

static int read_totals(struct proc *p, struct totals *t)
{
	char line[128];

	if (proc_read_line(p, line, sizeof(line)) ||
	    sscanf(line, "done %lld %lld", &t->items, &t->batches) != 2) {
		fprintf(stderr, "  PID %d said '%s', not 'done ITEMS BATCHES'\n", p->pid, line);
		test__fail();
		return -1;
	}
	return 0;
}

/*
 * Step a target that said "ready" through go, its "done..." line and exit (ctl: its control
 * pipes, leakbpf's under -- CMD). t NULL: a plain "done".
 */
static int go_to_exit(struct proc *ctl, struct totals *t)
{
	if (proc_send(ctl, "go") || (t ? read_totals(ctl, t) : proc_expect(ctl, "done")))
		return -1;
	return proc_send(ctl, "exit");
}

/* `leakbpf --json EXTRA -- CMD`, the target stepped through; leakbpf's exit status or -1. */
static int run_cmd(const char *const *extra, char *const cmd[], struct proc *l, struct totals *t)
{
	if (leakbpf_run_cmd(l, extra, cmd) || proc_expect(l, "ready") || go_to_exit(l, t))
		return -1;
	return proc_finish(l);
}

/*
 * `leakbpf --json EXTRA -p PID` on a target started first, SIGINT once it is done; then the
 * target, detached, must finish on its own. leakbpf's exit status or -1.
 */
static int run_pid(const char *const *extra, char *const cmd[], struct proc *l, struct totals *t)
{
	struct proc tg = {};
	int status = -1;

	/* its output captured: its totals line is for people, the test reads fd 4 */
	if (proc_start(&tg, cmd, true) || proc_expect(&tg, "ready"))
		goto out;
	if (leakbpf_attach_pid(l, tg.pid, extra) || proc_send(&tg, "go"))
		goto out;
	if (t ? read_totals(&tg, t) : proc_expect(&tg, "done"))
		goto out;
	kill(l->pid, SIGINT);
	status = proc_finish(l);
	if (proc_send(&tg, "exit") || !ASSERT_EQ(proc_finish(&tg), 0, "target exits on its own"))
		status = -1;
out:
	proc_free(&tg);
	return status;
}

/* Every JSON report in p's stdout, in order; the number found. */
static int reports(const struct proc *p, json_t **out, int max)
{
	char *copy = strdup(p->out_buf ? p->out_buf : ""), *line, *save = NULL;
	int n = 0;

	for (line = strtok_r(copy, "\n", &save); line && n < max;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '{')
			out[n] = json_loads(line, 0, NULL);
		if (line[0] == '{' && out[n])
			n++;
	}
	free(copy);
	return n;
}

static void free_reports(json_t **r, int n)
{
	while (n--)
		json_decref(r[n]);
}

/*
 * per_sec is the items over the process's traced time, attach to this report or to its
 * exit, exactly (to the 10 digits the JSON gives); while it runs, that time is the
 * report's duration_s.
 */
static void assert_per_sec(json_t *r)
{
	json_t *p = report_proc(r);
	double traced = jnum(p, "traced_s");

	ASSERT_TRUE(traced > 0 && traced <= jnum(r, "duration_s"), "0 < traced_s <= duration_s");
	if (!json_is_true(json_object_get(p, "exited")))
		ASSERT_NEAR(traced, jnum(r, "duration_s"), 0, "running: traced_s = duration_s");
	ASSERT_NEAR(jnum(p, "items.per_sec") * traced, jint(p, "items.count"),
		    1e-8 * jint(p, "items.count"), "per_sec = items.count / traced_s");
}

/* leakbpf's items, batches and mean batch are exactly what the target counted. */
static void assert_counts(json_t *r, const struct totals *t)
{
	json_t *p = report_proc(r);

	ASSERT_EQ(jint(p, "items.count"), t->items, "items.count = the batcher's own count");
	ASSERT_EQ(jint(p, "items.batches"), t->batches, "items.batches = the batcher's own count");
	ASSERT_NEAR(jnum(p, "items.mean_batch"), (double)t->items / t->batches, 1e-6,
		    "mean_batch");
	assert_per_sec(r);
}

/* The absolute path of a file of the tree: what a -p target names it by. */
static const char *abs_path(const char *rel, char *buf)
{
	return realpath(rel, buf) ? buf : rel;
}

/*
 * The batcher (cmd) under leakbpf EXTRA, by -p or -- CMD: it processes `items` items and
 * frees them all, and its own totals are leakbpf's. The last report (NULL if none).
 */
static json_t *exact(const char *const *extra, char *const cmd[], bool pid, long long items,
		     struct proc *l)
{
	struct totals t = {};
	int status = pid ? run_pid(extra, cmd, l, &t) : run_cmd(extra, cmd, l, &t);
	json_t *r = last_report(l);

	ASSERT_EQ(t.items, items, "the batcher processed every item");
	ASSERT_EQ(status, 0, "a clean batcher: exit 0");
	if (ASSERT_OK_PTR(r, "report"))
		assert_counts(r, &t);
	return r;
}

static void exact_cmd(void)
{
	char *cmd[] = { BATCHER, "--rate", "0", "--items", "20000", "--batch", "64", NULL };
	const char *extra[] = { "--item", "process_item", "--batch", "flush_batch", NULL };
	struct proc l = {};
	json_t *r = exact(extra, cmd, false, 20000, &l), *p = report_proc(r);

	ASSERT_GE(jint(p, "items.batches"), 20000 / 64 + 1, "312 full batches and a partial one");
	ASSERT_STREQ(jstr(p, "items.probe"), "process_item", "probe");
	ASSERT_STREQ(jstr(p, "memory.grade"), "excellent", "grade");
	ASSERT_EQ(check_report_schema(&l), 0, "schema");
	json_decref(r);
	proc_free(&l);
}

static void exact_pid(void)
{
	char *cmd[] = { BATCHER, "--rate", "0", "--items", "20000", "--producers", "3", NULL };
	const char *extra[] = { "--item", "process_item", "--batch", "flush_batch", NULL };
	struct proc l = {};

	json_decref(exact(extra, cmd, true, 20000, &l));
	proc_free(&l);
}

/*
 * -p, and leakbpf cannot look until well after the target exited (it is stopped
 * meanwhile): the target's item rate and its blocks' ages still stop at its exit, not at
 * the late report.
 */
static void measured_to_exit(void)
{
	char *cmd[] = { BATCHER, "--rate", "0", "--items", "1000", "--leak-bytes", "2048", NULL };
	const char *extra[] = { "--item", "process_item", "--batch", "flush_batch", NULL };
	struct proc tg = {}, l = {};
	struct totals t = {};
	json_t *r, *p, *site;
	int status = -1;

	if (proc_start(&tg, cmd, true) || proc_expect(&tg, "ready") ||
	    leakbpf_attach_pid(&l, tg.pid, extra) || proc_send(&tg, "go") || read_totals(&tg, &t))
		goto out;
	kill(l.pid, SIGSTOP);
	if (!proc_send(&tg, "exit") && ASSERT_EQ(proc_finish(&tg), 0, "target exits"))
		usleep(300000);	/* not to synchronise: time after the exit, that must not count */
	kill(l.pid, SIGCONT);
	r = leakbpf_finish(&l, 0, &status);
	if (!r)
		goto out;
	p = report_proc(r);
	ASSERT_TRUE(json_is_true(json_object_get(p, "exited")), "exited");
	ASSERT_TRUE(jnum(r, "duration_s") - jnum(p, "traced_s") >= 0.3,
		    "traced_s ends at the exit, 0.3 s at least before the report");
	assert_counts(r, &t);
	site = site_by_symbol(p, "process_item");
	if (ASSERT_OK_PTR(site, "the leak site is process_item"))
		ASSERT_TRUE(jnum(site, "oldest_age_s") > 0 &&
			    jnum(site, "oldest_age_s") <= jnum(p, "traced_s"),
			    "oldest_age_s stops at the exit");
	ASSERT_EQ(status, 23, "leak -> 23");
	json_decref(r);
out:
	proc_free(&tg);
	proc_free(&l);
}

static void usdt_cmd(void)
{
	char *cmd[] = { BATCHER, "--rate", "0", "--items", "12345", "--batch", "100", NULL };
	/* both forms: the path given, and the target's executable by default */
	const char *extra[] = { "--item", "usdt:" BATCHER ":batcher:item",
				"--batch", "usdt:batcher:flush", NULL };
	struct proc l = {};
	json_t *r = exact(extra, cmd, false, 12345, &l);

	ASSERT_STREQ(jstr(report_proc(r), "items.probe"), "usdt:" BATCHER ":batcher:item",
		     "probe as written");
	json_decref(r);
	proc_free(&l);
}

static void usdt_pid(void)
{
	char *cmd[] = { BATCHER, "--rate", "0", "--items", "5000", "--batch", "10", NULL };
	char path[PATH_MAX], item[PATH_MAX + 32];
	const char *extra[] = { "--item", item, "--batch", "usdt:batcher:flush", NULL };
	struct proc l = {};

	/* -p: the path as the target names it */
	snprintf(item, sizeof(item), "usdt:%s:batcher:item", abs_path(BATCHER, path));
	json_decref(exact(extra, cmd, true, 5000, &l));
	proc_free(&l);
}

/*
 * --item LIB:lib_item (item) on a library the target (cmd) dlopens only after leakbpf
 * attached: every call counted.
 */
static void shared_lib(char *const cmd[], const char *item, bool pid)
{
	const char *extra[] = { "--item", item, NULL };
	struct proc l = {};
	int status;
	json_t *r, *p;

	status = pid ? run_pid(extra, cmd, &l, NULL) : run_cmd(extra, cmd, &l, NULL);
	r = last_report(&l);
	p = report_proc(r);
	if (!ASSERT_OK_PTR(r, "report"))
		goto out;
	ASSERT_EQ(jint(p, "items.count"), 1234, "every call of lib_item in the library");
	ASSERT_TRUE(json_is_null(json_object_get(json_object_get(p, "items"), "batches")),
		    "batches null without --batch");
	ASSERT_TRUE(json_is_null(json_object_get(json_object_get(p, "items"), "mean_batch")),
		    "mean_batch null without --batch");
	ASSERT_EQ(status, 0, "exit 0");
	json_decref(r);
out:
	proc_free(&l);
}

/* -- CMD: the path as leakbpf's user names it, relative here */
static void shared_lib_cmd(void)
{
	char *cmd[] = { ITEM_LIB, LIBITEMS, "1234", NULL };

	shared_lib(cmd, LIBITEMS ":lib_item", false);
}

/* -p: the path as the target names it */
static void shared_lib_pid(void)
{
	char path[PATH_MAX], item[PATH_MAX + 16];
	char *cmd[] = { ITEM_LIB, path, "1234", NULL };

	abs_path(LIBITEMS, path);
	snprintf(item, sizeof(item), "%s:lib_item", path);
	shared_lib(cmd, item, true);
}

/*
 * -p with a relative path: from the target's working directory, which is not leakbpf's
 * (there is no libitems.so in leakbpf's), as the target itself would open it.
 */
static void shared_lib_pid_relative(void)
{
	char *cmd[] = { "/bin/sh", "-c", "cd " TARGETS " && exec ./item_lib ./libitems.so 1234",
			NULL };

	shared_lib(cmd, "libitems.so:lib_item", true);
}

/*
 * leakbpf ARGS -- batcher refuses to start: exit 1, one line on stderr naming the cause,
 * and the batcher never ran (it would have said "ready" first).
 */
static void refused(const char *const *args, const char *cause)
{
	char *argv[16] = { LEAKBPF }, line[64];
	struct proc l = {};
	int n = 1, i;

	for (i = 0; args[i]; i++)
		argv[n++] = (char *)args[i];
	argv[n++] = "--";
	argv[n++] = BATCHER;
	argv[n] = NULL;
	if (!ASSERT_OK(proc_start(&l, argv, true), "start leakbpf"))
		return;
	ASSERT_EQ(proc_finish(&l), 1, cause);
	ASSERT_OK_PTR(l.err_buf ? strstr(l.err_buf, cause) : NULL, cause);
	if (l.err_buf) {
		ASSERT_EQ(strncmp(l.err_buf, "leakbpf: ", 9), 0, "the line is leakbpf's");
		ASSERT_TRUE(strchr(l.err_buf, '\n') == l.err_buf + l.err_len - 1, "one line");
	}
	ASSERT_TRUE(proc_read_line(&l, line, sizeof(line)) && !line[0], "the target never ran");
	proc_free(&l);
}

static void errors(void)
{
	const char *sym[] = { "--item", "no_such_function", NULL };
	const char *probe[] = { "--item", "process_item", "--batch", "usdt:batcher:no_such_probe",
				NULL };
	const char *lib[] = { "--item", "/no/such/lib.so:lib_item", NULL };
	const char *usdt_file[] = { "--item", "usdt:/no/such/file:batcher:item", NULL };
	const char *not_elf[] = { "--item", "/etc/passwd:f", NULL };
	char *cmd[] = { ITEM_LIB, LIBITEMS, "10", NULL }, pid[16];
	char *argv[] = { LEAKBPF, "--item", "no_such_function", "-p", pid, NULL };
	struct proc l = {}, t = {};

	refused(sym, "--item no_such_function: no function 'no_such_function' in " BATCHER);
	refused(probe, "--batch usdt:batcher:no_such_probe: no USDT probe "
		"batcher:no_such_probe in " BATCHER);
	refused(lib, "cannot read /no/such/lib.so (ENOENT");
	refused(usdt_file, "cannot read /no/such/file (ENOENT");
	refused(not_elf, "--item /etc/passwd:f: /etc/passwd is not an ELF file");

	/* -p: refused the same way, the target goes on untouched */
	if (!ASSERT_OK(proc_start(&t, cmd, false), "start target") || proc_expect(&t, "ready"))
		goto out;
	snprintf(pid, sizeof(pid), "%d", t.pid);
	if (ASSERT_OK(proc_start(&l, argv, true), "start leakbpf"))
		ASSERT_EQ(proc_finish(&l), 1, "-p, unknown symbol: exit 1");
	ASSERT_OK_PTR(l.err_buf ? strstr(l.err_buf, "no function 'no_such_function'") : NULL,
		      "names the cause");
	ASSERT_OK(go_to_exit(&t, NULL), "the target was left alone");
	ASSERT_EQ(proc_finish(&t), 0, "target exits normally");
out:
	proc_free(&l);
	proc_free(&t);
}

/*
 * The reports of one -i run: numbered from 1, only the last final, each later than the one
 * before, counts cumulative since attach (never lower than in the round before), per_sec
 * exact in every one. And never early: the first round comes at one interval at the
 * soonest, each next one at the first multiple of the interval after the one before
 * (rounds leakbpf was too busy to print in time are skipped, not printed late).
 */
static void assert_rounds(json_t **r, int n, double interval)
{
	double due = interval, d;
	int i;

	for (i = 0; i < n; i++) {
		json_t *p = report_proc(r[i]), *q = i ? report_proc(r[i - 1]) : NULL;

		ASSERT_EQ(jint(r[i], "round"), i + 1, "rounds are numbered from 1");
		ASSERT_EQ(json_is_true(json_object_get(r[i], "final")), i == n - 1,
			  "only the last report is final");
		assert_per_sec(r[i]);
		d = jnum(r[i], "duration_s");
		if (i < n - 1) {
			/* the JSON's 10 digits may round a hair below the due time */
			ASSERT_TRUE(d >= due * (1 - 1e-9), "a round is never early");
			due = (floor(d / interval) + 1) * interval;
		}
		if (!q)
			continue;
		ASSERT_TRUE(d > jnum(r[i - 1], "duration_s"), "duration_s increases");
		ASSERT_GE(jint(p, "items.count"), jint(q, "items.count"), "items cumulative");
		ASSERT_GE(jint(p, "items.batches"), jint(q, "items.batches"), "batches cumulative");
		ASSERT_GE(jint(p, "memory.mallocs"), jint(q, "memory.mallocs"), "mallocs, too");
	}
}

/*
 * growth_bytes_per_min is the least-squares slope of the rounds' outstanding bytes over
 * their traced_s. Each item keeps per_item bytes, so it is per_item times the slope of the
 * rounds' item counts, both measured by leakbpf at the same moments: whatever the rate the
 * machine let the batcher keep, and however long it idled before "go" and after "done".
 * What moves besides is the items in flight, at most IN_FLIGHT_BYTES at any report (the
 * slope of an error within +-E is at most E * sum|x - mean| / sum (x - mean)^2), and the
 * items processed between the reads of the two counters (5%, or a whole round of them
 * was processed in a preemption of leakbpf).
 */
static void assert_growth(json_t **r, int n, double per_item)
{
	double x[MAX_REPORTS], items[MAX_REPORTS], mean = 0, abs_dev = 0, sq_dev = 0, expect;
	double growth = jnum(report_proc(r[n - 1]), "memory.growth_bytes_per_min"), tol;
	int i;

	for (i = 0; i < n; i++) {
		x[i] = jnum(report_proc(r[i]), "traced_s");
		items[i] = jint(report_proc(r[i]), "items.count");
		mean += x[i] / n;
	}
	for (i = 0; i < n; i++) {
		abs_dev += fabs(x[i] - mean);
		sq_dev += (x[i] - mean) * (x[i] - mean);
	}
	expect = per_item * slope_least_squares(x, items, n) * 60;
	tol = 0.05 * fabs(expect) + IN_FLIGHT_BYTES * abs_dev / sq_dev * 60;
	ASSERT_NEAR(growth, expect, tol,
		    "growth_bytes_per_min = per item x the slope of the items, per minute");
}

/*
 * 2.5 s at 2000 items/s under -i 0.5: rounds while it runs, then the final report when the
 * batcher exits. leak: each item keeps 2 KiB.
 */
static void rounds(bool leak)
{
	char *cmd[] = { BATCHER, "--duration", "2.5", "--rate", "2000",
			"--leak-bytes", leak ? "2048" : "0", NULL };
	const char *extra[] = { "-i", "0.5", "--item", "process_item", "--batch", "flush_batch",
				NULL };
	json_t *r[MAX_REPORTS], *p, *site;
	struct totals t = {};
	struct proc l = {};
	int status = run_cmd(extra, cmd, &l, &t), n = reports(&l, r, MAX_REPORTS), i;

	/*
	 * It ran 2.5 s at least after "go", so 0.5 s rounds were due at 0.5, 1, 1.5 and 2 s:
	 * unless leakbpf could not run for a whole interval, four of them and the final one.
	 * Three are what growth_rate needs, and what this test does.
	 */
	if (!ASSERT_GE(n, GROWTH_MIN_ROUNDS, "rounds and the final report"))
		goto out;
	if (n < 5)
		fprintf(stderr, "  only %d reports: leakbpf could not run for a whole round\n", n);
	assert_rounds(r, n, 0.5);
	p = report_proc(r[n - 1]);
	ASSERT_EQ(t.items, 5000, "the batcher processed 2.5 s x 2000 items");
	assert_counts(r[n - 1], &t);
	ASSERT_TRUE(json_is_true(json_object_get(p, "exited")), "the final report is the exit's");
	ASSERT_STREQ(check_status(p, "growth_rate"), leak ? "fail" : "pass", "growth_rate");
	ASSERT_STREQ(check_status(p, "heap_growth_per_item"), leak ? "fail" : "pass",
		     "heap_growth_per_item");
	assert_growth(r, n, leak ? LEAK_PER_ITEM : 0);
	if (leak) {
		site = site_by_symbol(p, "process_item");
		ASSERT_OK_PTR(site, "the leak site is process_item");
		ASSERT_EQ(jint(site, "objects"), 5000, "one record per item");
		ASSERT_EQ(jint(site, "bytes"), 5000 * LEAK_PER_ITEM, "2 KiB each");
		/* its blocks stopped ageing when it exited: none is older than its traced time */
		ASSERT_TRUE(jnum(site, "oldest_age_s") > 0 &&
			    jnum(site, "oldest_age_s") <= jnum(p, "traced_s"), "oldest_age_s");
		ASSERT_STREQ(jstr(p, "memory.grade"), "needs_optimization", "grade");
		/* the items counted were processed (all but one, maybe) before the bytes were read */
		for (i = 0; i < n; i++)
			ASSERT_GE(jint(report_proc(r[i]), "memory.outstanding_bytes"),
				  (jint(report_proc(r[i]), "items.count") - 1) * LEAK_PER_ITEM,
				  "each item counted keeps its 2 KiB");
		ASSERT_EQ(status, 23, "leak -> 23");
	} else {
		json_t *checks = json_object_get(json_object_get(p, "verdict"), "checks"), *c;
		size_t k;

		for (i = 0; i < n; i++)
			ASSERT_LE(jint(report_proc(r[i]), "memory.outstanding_bytes"),
				  IN_FLIGHT_BYTES, "nothing kept but the items in flight");
		ASSERT_TRUE(fabs(jnum(p, "memory.growth_bytes_per_min")) < 1048576,
			    "growth under 1 MiB/min");
		ASSERT_STREQ(jstr(p, "memory.grade"), "excellent", "grade");
		json_array_foreach(checks, k, c)
			ASSERT_TRUE(strcmp(jstr(c, "status"), "fail"), jstr(c, "name"));
		ASSERT_EQ(status, 0, "clean -> 0");
	}
	ASSERT_EQ(check_report_schema(&l), 0, "schema");
out:
	free_reports(r, n);
	proc_free(&l);
}

static void rounds_leaking(void)
{
	rounds(true);
}

static void rounds_clean(void)
{
	rounds(false);
}

/*
 * -d 1.5 -i 0.5 -p: rounds at 0.5 and 1 s of leakbpf's clock, then the final report at
 * 1.5 s in place of a third round: three reports, never early, never a round and a final
 * at once. How late each comes is up to the machine's load, and not asserted.
 */
static void rounds_duration(void)
{
	char *cmd[] = { BATCHER, "--duration", "60", "--rate", "1000", NULL };
	const char *extra[] = { "-d", "1.5", "-i", "0.5", "--item", "process_item", NULL };
	struct proc l = {}, t = {};
	json_t *r[MAX_REPORTS];
	int n = 0;

	if (proc_start(&t, cmd, false) || proc_expect(&t, "ready") ||
	    leakbpf_attach_pid(&l, t.pid, extra) || proc_send(&t, "go"))
		goto out;
	ASSERT_EQ(proc_finish(&l), 0, "-d ends leakbpf, exit 0");
	n = reports(&l, r, MAX_REPORTS);
	if (!ASSERT_EQ(n, 3, "two rounds and the final report"))
		goto out;
	assert_rounds(r, n, 0.5);
	ASSERT_TRUE(jnum(r[2], "duration_s") >= 1.5, "the final report at -d, not before");
	ASSERT_FALSE(json_is_true(json_object_get(report_proc(r[2]), "exited")),
		     "the target still runs");
	ASSERT_TRUE(jint(report_proc(r[2]), "items.count") > 0, "items counted");
out:
	free_reports(r, n);
	proc_free(&l);
	proc_free(&t);
}

/* Without --json: a compact line per round, then the full report once. */
static void rounds_text(void)
{
	char *argv[] = { LEAKBPF, "-i", "0.4", "--item", "process_item", "--batch", "flush_batch",
			 "--", BATCHER, "--duration", "1", "--rate", "2000", NULL };
	struct totals t = {};
	struct proc l = {};
	char expect[128];
	const char *out;
	int lines = 0;

	if (proc_start(&l, argv, true) || proc_wait_stderr(&l, "leakbpf: attached to PID") ||
	    proc_expect(&l, "ready") || go_to_exit(&l, &t))
		goto out;
	ASSERT_EQ(proc_finish(&l), 0, "exit 0");
	for (out = l.out_buf; out && !strncmp(out, "round ", 6);) {
		const char *nl = strchr(out, '\n'), *b = strstr(out, " batches ");

		lines++;
		ASSERT_TRUE(b && nl && b < nl, "a round line tells the batches");
		out = nl ? nl + 1 : NULL;
	}
	ASSERT_GE(lines, 2, "a line per round (0.4 s, 0.8 s)");
	ASSERT_OK_PTR(out && !strncmp(out, "leakbpf final report after", 26) ? out : NULL,
		      "then the final report");
	snprintf(expect, sizeof(expect), "items       %lld calls of process_item", t.items);
	ASSERT_OK_PTR(out ? strstr(out, expect) : NULL, "the final report's items");
	ASSERT_TRUE(!strstr(l.out_buf, "interim report"), "no full report but the final one");
out:
	proc_free(&l);
}

void test_batcher(void)
{
	if (!bpf_tests_possible())
		return;
	if (test__start_subtest("exact_cmd"))
		exact_cmd();
	if (test__start_subtest("exact_pid"))
		exact_pid();
	if (test__start_subtest("measured_to_exit"))
		measured_to_exit();
	if (test__start_subtest("usdt_cmd"))
		usdt_cmd();
	if (test__start_subtest("usdt_pid"))
		usdt_pid();
	if (test__start_subtest("shared_lib_cmd"))
		shared_lib_cmd();
	if (test__start_subtest("shared_lib_pid"))
		shared_lib_pid();
	if (test__start_subtest("shared_lib_pid_relative"))
		shared_lib_pid_relative();
	if (test__start_subtest("errors"))
		errors();
	if (test__start_subtest("rounds_leaking"))
		rounds_leaking();
	if (test__start_subtest("rounds_clean"))
		rounds_clean();
	if (test__start_subtest("rounds_duration"))
		rounds_duration();
	if (test__start_subtest("rounds_text"))
		rounds_text();
}
