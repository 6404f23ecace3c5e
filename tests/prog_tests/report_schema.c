// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * tools/check-report and doc/report.schema.json themselves, without BPF: every other test
 * trusts them to refuse a bad report, so they must be there, run, and refuse.
 */
#include <stdio.h>
#include <string.h>
#include "harness.h"
#include "test_progs.h"

/* One process with every section the contract allows null, as null. */
#define PROC_NULLS                                                                         \
	"{\"pid\":42,\"comm\":\"svc\",\"exe\":null,\"exited\":false,\"exit_code\":null,"   \
	"\"items\":null,\"memory\":null,\"threads\":null,\"fds\":null,\"sockets\":null,"   \
	"\"leak_sites\":[],\"leaked_fds\":[],\"verdict\":{\"leak\":false,\"checks\":[]}}"

/* The sections leakbpf does not print yet (reachability, go), as the contract has them. */
#define PROC_FUTURE                                                                        \
	"{\"pid\":43,\"comm\":\"gosvc\",\"exe\":\"/srv/gosvc\",\"exited\":true,"           \
	"\"exit_code\":0,\"items\":null,"                                                  \
	"\"memory\":{\"mallocs\":10,\"frees\":9,\"untracked_frees\":0,"                    \
	"\"bytes_allocated\":100,\"bytes_freed\":90,\"outstanding_objects\":1,"            \
	"\"outstanding_bytes\":10,\"free_rate\":0.9,\"bytes_per_item\":null,"              \
	"\"grade\":null,\"growth_bytes_per_min\":null,\"reachability\":{"                  \
	"\"direct\":{\"objects\":1,\"bytes\":10},\"indirect\":{\"objects\":0,\"bytes\":0}," \
	"\"reachable\":{\"objects\":0,\"bytes\":0}}},"                                     \
	"\"threads\":null,\"fds\":null,\"sockets\":null,"                                  \
	"\"leak_sites\":[{\"kind\":\"memory\",\"objects\":1,\"bytes\":10,"                 \
	"\"stack\":[{\"addr\":\"0x401136\",\"symbol\":null}]}],\"leaked_fds\":[],"         \
	"\"verdict\":{\"leak\":true,\"checks\":[{\"name\":\"lost_objects\","               \
	"\"status\":\"fail\",\"value\":1,\"threshold\":0},{\"name\":\"gc_pause\","         \
	"\"status\":\"skipped\",\"reason\":\"no pause seen\"}]},"                          \
	"\"go\":{\"version\":null,\"goroutines\":{\"start\":2,\"end\":9,\"created\":7,"    \
	"\"exited\":0},\"gc\":{\"cycles\":3,\"pause_max_ms\":0.2,\"pause_total_ms\":0.5}," \
	"\"heap\":{\"mallocs\":5,\"bytes_allocated\":50,\"live_start\":null,"              \
	"\"live_end\":null}}}"

#define REPORT_OF(schema, final, procs, leak)                                              \
	"{\"schema\":\"" schema "\",\"final\":" final ",\"mode\":\"full\","               \
	"\"duration_s\":1.5,\"lost_events\":0,\"processes\":[" procs "],"                  \
	"\"verdict\":{\"leak\":" leak "}}\n"
#define REPORT(final, procs, leak) REPORT_OF("leakbpf/1", final, procs, leak)

static int check(const char *out)
{
	struct proc p = { .out_buf = (char *)out, .out_len = strlen(out) };

	return check_report_schema(&p);
}

void test_report_schema(void)
{
	if (test__start_subtest("accepts")) {
		ASSERT_EQ(check(REPORT("true", "", "false")), 0, "no process");
		ASSERT_EQ(check(REPORT("true", PROC_NULLS, "false")), 0, "every section null");
		ASSERT_EQ(check(REPORT("true", PROC_FUTURE, "true")), 0, "reachability and go");
		/* a target's own lines around the reports, and rounds before the final one */
		ASSERT_EQ(check("svc: starting\n" REPORT("false", PROC_NULLS, "false")
				REPORT("true", PROC_NULLS, "false") "svc: done\n"), 0, "rounds");
		/* members the contract does not name are additions, not errors */
		ASSERT_EQ(check(REPORT("true", "", "false, \"why\": \"none\"")), 0, "addition");
	}
	if (test__start_subtest("refuses")) {
		ASSERT_EQ(check(""), 1, "no report");
		ASSERT_EQ(check(REPORT("false", PROC_NULLS, "false")), 1, "last not final");
		ASSERT_EQ(check(REPORT("true", "", "false") "{\"schema\":"), 1, "cut short");
		ASSERT_EQ(check("{\"schema\":\"leakbpf/1\",\"final\":true,\"mode\":\"full\","
				"\"duration_s\":1,\"processes\":[],\"verdict\":{\"leak\":false}}\n"),
			  1, "lost_events missing");
		ASSERT_EQ(check(REPORT("true", "", "\"no\"")), 1, "leak not a boolean");
		ASSERT_EQ(check(REPORT("true", PROC_NULLS ",{\"pid\":7}", "false")), 1,
			  "a process without its members");
		ASSERT_EQ(check(REPORT_OF("leakbpf/2", "true", "", "false")), 1, "another format");
	}
}
