// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * --serve with one process (-- CMD, -p): each scrape gets that process's numbers of the
 * moment, the same ones the report ends with, and scraping does not change the report.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "harness.h"
#include "test_progs.h"

static int serve_port(void)
{
	return 40000 + getpid() % 20000;
}

/* One scrape: the body, or NULL (the test fails). */
static char *scrape(int port)
{
	int status = 0;
	char *body = http_get(port, "/metrics", &status);

	if (!ASSERT_OK_PTR(body, "scrape answered") || !ASSERT_EQ(status, 200, "HTTP 200")) {
		free(body);
		return NULL;
	}
	return body;
}

static long long metric(const char *body, const char *name, pid_t pid, const char *more)
{
	double v;

	if (!metric_value(body, name, pid, more, &v)) {
		fprintf(stderr, "  no %s{pid=\"%d\"%s%s}\n", name, pid, more ? "," : "",
			more ? more : "");
		return -1;
	}
	return (long long)v;
}

/*
 * -- CMD: leak_n keeps 1000 blocks of 64 bytes from leak_here() and makes 5000 balanced
 * pairs; every figure of the scrape is exact, and the final report agrees.
 */
static void command(void)
{
	char serve[32];
	const char *extra[] = { "--serve", serve, "--json", "--item", "leak_here", NULL };
	char *cmd[] = { TARGETS "leak_n", "1000", "64", "0", "5000", NULL };
	struct proc l = {};
	char *body = NULL, *again = NULL;
	int port = serve_port(), status;
	json_t *r = NULL, *p;
	pid_t pid;

	snprintf(serve, sizeof(serve), "127.0.0.1:%d", port);
	if (!ASSERT_OK(trace_cmd_until_done(&l, cmd, extra), "leak_n done under leakbpf --"))
		goto out;
	body = scrape(port);
	if (!body)
		goto out;
	/* the only process: its pid from any of its series */
	{
		const char *at = strstr(body, "\nleakbpf_threads{pid=\"");

		pid = at ? atoi(at + strlen("\nleakbpf_threads{pid=\"")) : -1;
	}
	if (!ASSERT_TRUE(pid > 0, "a pid label"))
		goto out;
	ASSERT_EQ(metric(body, "leakbpf_mallocs_total", pid, NULL), 6000, "mallocs");
	ASSERT_EQ(metric(body, "leakbpf_frees_total", pid, NULL), 5000, "frees");
	ASSERT_EQ(metric(body, "leakbpf_allocated_bytes_total", pid, NULL), 6000 * 64,
		  "bytes allocated");
	ASSERT_EQ(metric(body, "leakbpf_outstanding_objects", pid, NULL), 1000, "outstanding");
	ASSERT_EQ(metric(body, "leakbpf_outstanding_bytes", pid, NULL), 64000,
		  "outstanding bytes");
	ASSERT_EQ(metric(body, "leakbpf_items_total", pid, NULL), 1000, "items");
	ASSERT_EQ(metric(body, "leakbpf_threads", pid, NULL), 1, "threads");
	ASSERT_EQ(metric(body, "leakbpf_leak", pid, "check=\"free_rate\""), 1,
		  "free_rate fails (5000 / 6000)");
	ASSERT_EQ(metric(body, "leakbpf_leak", pid, "check=\"unreleased_objects\""), 1,
		  "unreleased_objects fails (1 a item)");
	ASSERT_EQ(metric(body, "leakbpf_leak", pid, "check=\"heap_growth_per_item\""), 0,
		  "heap_growth_per_item passes (64 bytes a item)");
	ASSERT_EQ(metric(body, "leakbpf_leak_site_bytes", pid, "rank=\"1\""), 64000,
		  "the top site's bytes");
	ASSERT_OK_PTR(strstr(body, "site=\"leak_here<-main"), "the top site is leak_here<-main");
	ASSERT_OK_PTR(strstr(body, "\nleakbpf_lost_events_total 0\n"), "no event lost");
	promtool_check_metrics(body);
	/* a second scrape: fresh, and the same numbers (nothing ran in between) */
	again = scrape(port);
	if (again)
		ASSERT_EQ(metric(again, "leakbpf_outstanding_objects", pid, NULL), 1000,
			  "outstanding, scraped again");
	if (!ASSERT_OK(proc_send(&l, "exit"), "exit"))
		goto out;
	r = leakbpf_finish(&l, 0, &status);
	if (!r)
		goto out;
	ASSERT_EQ(status, 23, "a leak verdict");
	p = report_proc(r);
	ASSERT_EQ(jint(p, "memory.outstanding_objects"), 1000, "the report agrees");
	/* two scrapes and the end would be three rounds: growth_rate would be judged */
	ASSERT_STREQ(check_status(p, "growth_rate"), "skipped", "scrapes are not rounds");
out:
	json_decref(r);
	free(body);
	free(again);
	proc_end(&l);
}

/* -p: tcp_states holds LISTEN 1, ESTABLISHED 4, CLOSE_WAIT 6 once done. */
static void attached(void)
{
	char serve[32];
	const char *extra[] = { "--serve", serve, NULL };
	char *cmd[] = { TARGETS "tcp_states", NULL };
	struct proc t = {}, l = {};
	int port = serve_port(), status;
	char *body = NULL;

	snprintf(serve, sizeof(serve), "127.0.0.1:%d", port);
	if (!ASSERT_OK(trace_pid_until_done(&t, &l, cmd, extra), "tcp_states done under -p"))
		goto out;
	body = scrape(port);
	if (!body)
		goto out;
	ASSERT_EQ(metric(body, "leakbpf_sockets", t.pid, "state=\"LISTEN\""), 1, "LISTEN");
	ASSERT_EQ(metric(body, "leakbpf_sockets", t.pid, "state=\"ESTABLISHED\""), 4,
		  "ESTABLISHED");
	ASSERT_EQ(metric(body, "leakbpf_sockets", t.pid, "state=\"CLOSE_WAIT\""), 6,
		  "CLOSE_WAIT");
	ASSERT_EQ(metric(body, "leakbpf_leak", t.pid, "check=\"close_wait\""), 0,
		  "close_wait passes (none held 60 s)");
	ASSERT_EQ(metric(body, "leakbpf_threads", t.pid, NULL), 1, "threads");
	promtool_check_metrics(body);
	ASSERT_OK(proc_send(&t, "exit"), "exit");
	ASSERT_EQ(proc_finish(&t), 0, "target exits");
	status = proc_finish(&l);
	ASSERT_TRUE(status == 0 || status == 23, "leakbpf ends with its target");
out:
	free(body);
	proc_end(&t);
	proc_end(&l);
}

void test_serve(void)
{
	if (!bpf_tests_possible())
		return;
	if (test__start_subtest("command"))
		command();
	if (test__start_subtest("attached"))
		attached();
}
