/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * Escalation: a process whose signals crossed a threshold gets a full-mode window with
 * stacks. The agent runs leakbpf itself on it (`-m full -p PID -d SEC --json`), the
 * single-process path with everything it knows, and keeps the top leak sites of its report.
 */
#ifndef LEAKBPF_FLEET_ESCALATE_H
#define LEAKBPF_FLEET_ESCALATE_H

#include <stdint.h>
#include <sys/types.h>

#define TOP_SITES 5

/* One leak site, as the metrics label it: "leaker<-caller<-caller's caller". */
struct leak_site_brief {
	char site[160];
	uint64_t bytes;
	uint64_t objects;
	double oldest_s;
};

/* The one full-mode window under way, if any. */
struct escalation {
	pid_t pid;		/* the process looked at; 0: none */
	pid_t child;		/* leakbpf doing it */
	int out;		/* its stdout */
	char *buf;		/* what it wrote so far */
	size_t len;
};

/* Start a window of secs on pid by the leakbpf at self; 0 or -errno. */
int escalate__start(struct escalation *e, const char *self, pid_t pid, double secs);
/*
 * Without blocking: 0 while it runs; 1 when it is over, with the sites of its report in
 * sites (*n of them, at most max); -errno if it failed. Over or failed, e is idle again.
 */
int escalate__poll(struct escalation *e, struct leak_site_brief *sites, int max, int *n);
/* Stop one under way (the agent exits). */
void escalate__stop(struct escalation *e);

#endif
