/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * Running leakbpf and its targets from the tests: processes with their control pipes
 * (targets/ctl.h), leakbpf's stdout and stderr captured, reports parsed with jansson.
 */
#ifndef LEAKBPF_TEST_HARNESS_H
#define LEAKBPF_TEST_HARNESS_H

#include <stdbool.h>
#include <sys/types.h>
#include <jansson.h>

#define LEAKBPF "./leakbpf"
#define TARGETS ".output/tests/targets/"
/* The report validator against doc/report.schema.json (python3-jsonschema) */
#define CHECK_REPORT "tools/check-report"
/* A test stuck this long has a bug: fail it rather than hang CI. Not used to synchronise. */
#define STUCK_MS 60000

struct proc {
	pid_t pid;
	int ctl_in;		/* we write commands here: the process's fd 3 */
	int ctl_out;		/* we read its answers here: the process's fd 4 */
	int out;		/* its stdout (leakbpf: the reports), -1 if not captured */
	int err;		/* its stderr, -1 if not captured */
	char *out_buf;		/* everything read from out so far */
	size_t out_len;
	char *err_buf;
	size_t err_len;
};

/*
 * GET http://127.0.0.1:port/path: the body (to free), NULL if no answer; *status gets the
 * HTTP status.
 */
char *http_get(int port, const char *path, int *status);
/*
 * The value of the series `name` labelled pid="pid" in a Prometheus exposition (with
 * more labels: the first line that has them all); false if there is none.
 */
bool metric_value(const char *body, const char *name, pid_t pid, const char *more,
		  double *value);

/* Is tool on PATH? */
bool have_tool(const char *tool);
/* promtool check metrics on an exposition: the test fails if it complains (or is missing). */
void promtool_check_metrics(const char *body);

/* Can BPF tests run here? Sets a skip reason when not. */
bool bpf_tests_possible(void);

/*
 * Start argv with control pipes on fds 3/4; capture stdout/stderr when capture. A leakbpf
 * started so passes fds 3/4 on to the command it runs.
 */
int proc_start(struct proc *p, char *const argv[], bool capture);
/* Send a line / wait for a line on the control pipes; 0 or -1 (and the test fails). */
int proc_send(struct proc *p, const char *word);
int proc_expect(struct proc *p, const char *word);
/* The next line p says on its fd 4, without the newline; 0, or -1 on EOF/stuck (no failure). */
int proc_read_line(struct proc *p, char *line, size_t size);
/* Read p's stderr until a line starting with prefix; 0, or -1 on EOF/stuck. */
int proc_wait_stderr(struct proc *p, const char *prefix);
/* How often str occurs in what was read of p's stderr so far. */
int count_stderr(const struct proc *p, const char *str);
/* Read p's stderr until str occurred n times; 0, or -1 on EOF/stuck. */
int proc_wait_stderr_count(struct proc *p, const char *str, int n);
/* Read stdout and stderr to EOF, reap; returns the exit status (or 128+sig), -1 if stuck. */
int proc_finish(struct proc *p);
/*
 * Reap p and take what it wrote so far, without waiting for EOF: a command leakbpf started
 * holds leakbpf's stdout and stderr open after leakbpf has exited.
 */
int proc_wait_exit(struct proc *p);
void proc_kill(struct proc *p);
void proc_free(struct proc *p);
/* After a test, failed or not: p killed if it still runs, then freed. */
void proc_end(struct proc *p);

/* leakbpf -p PID / -- CMD: started, attached (stderr line seen); 0 or -1. */
int leakbpf_attach_pid(struct proc *l, pid_t pid, const char *const *extra);
int leakbpf_run_cmd(struct proc *l, const char *const *extra, char *const cmd[]);

/*
 * Start cmd, wait for its "ready", attach leakbpf -p with extra, then "go" and wait for
 * "done": the target has done its work while traced, and both are still running. 0 or -1.
 */
int trace_pid_until_done(struct proc *t, struct proc *l, char *const cmd[],
			 const char *const *extra);
/* The same under leakbpf -- cmd: the target's control pipes are l's. */
int trace_cmd_until_done(struct proc *l, char *const cmd[], const char *const *extra);
/*
 * Stop leakbpf with sig (0: it ends by itself, at -d or the target's exit) and read all it
 * printed: its exit status in *status, its last report returned (NULL if none: the test
 * fails).
 */
json_t *leakbpf_finish(struct proc *l, int sig, int *status);

/* The last JSON report in p's stdout (a new reference), NULL if none. */
json_t *last_report(const struct proc *p);
/* The number of JSON reports in p's stdout. */
int count_reports(const struct proc *p);
/*
 * Validate p's stdout with CHECK_REPORT: 0, 1 on problems, -1 when it could not check (no
 * validator, no python3-jsonschema), which the caller's ASSERT_EQ(..., 0) fails too. With
 * LEAKBPF_REPORTS_DIR set (make vmtest), the report is kept there for the host to check: 0.
 */
int check_report_schema(const struct proc *p);

/* processes[0] of a report */
json_t *report_proc(json_t *report);
/* integer at a path like "memory.outstanding_objects"; LLONG_MIN when absent or null */
long long jint(json_t *obj, const char *path);
double jnum(json_t *obj, const char *path);
const char *jstr(json_t *obj, const char *path);
/* The leak site whose first frame is in function `symbol`, NULL if none. */
json_t *site_by_symbol(json_t *proc, const char *symbol);
/* The entry of leaked_fds for fd, NULL if none. */
json_t *leaked_fd(json_t *proc, int fd);
/* The symbol of frame i of an entry's "stack" (a leak site or a leaked fd), NULL if none. */
const char *stack_symbol(json_t *entry, int i);
/*
 * The frame of function fn among an entry's first 4 frames, -1 if it is not there; when
 * then is given, the frames after it must be those functions (NULL-terminated).
 */
int stack_has(json_t *entry, const char *fn, const char *const *then);
/* A check's status ("pass", "fail", "skipped") in a process's verdict, NULL if absent. */
const char *check_status(json_t *proc, const char *name);
/* A check's value / threshold in a process's verdict, NAN if absent or null. */
double check_value(json_t *proc, const char *name);
double check_threshold(json_t *proc, const char *name);
/* A check's reason, NULL if it has none. */
const char *check_reason(json_t *proc, const char *name);

#endif
