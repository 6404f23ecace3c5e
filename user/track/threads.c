// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <errno.h>
#include <sys/wait.h>
#include "base/log.h"
#include "proc/procfs.h"
#include "report/report.h"
#include "track/target.h"
#include "track/threads.h"
#include "probe/tracer.h"

void threads__start(struct target *tg)
{
	int n = proc__threads(tg->pid);

	if (n < 0)
		vlog("cannot read the threads of PID %d (%s)", tg->pid, errstr(n));
	tg->threads_start = n < 0 ? UNKNOWN : (uint64_t)n;
}

void threads__fill(const struct thread_stats *st, uint64_t start, int live,
		   struct threads_report *out)
{
	out->present = true;
	out->start = start;
	out->created = st->created;
	out->exited = st->exited;
	if (st->dead)
		out->end = st->threads_at_exit ? st->threads_at_exit : UNKNOWN;
	else
		out->end = live < 0 ? UNKNOWN : (uint64_t)live;
}

int threads__exit_code(uint64_t status)
{
	int s = (int)status;

	return WIFEXITED(s) ? WEXITSTATUS(s) : 128 + WTERMSIG(s);
}

int threads__collect(struct tracer *t, const struct target *tg, struct proc_report *p,
		     uint64_t *end)
{
	struct thread_stats st;
	int err, live = -ESRCH;

	if (!tracer__has_tasks(t))
		return 0;	/* p->threads stays absent: null in the report */
	err = tracer__thread_stats(t, tg->pid, &st);
	if (err) {
		elog("cannot read the thread counters of PID %d (%s)", tg->pid, errstr(err));
		return err;
	}
	/* once it is gone, its PID may name another process: only the counters are its own */
	if (!st.dead && !tg->exited)
		live = proc__threads(tg->pid);
	threads__fill(&st, tg->threads_start, live, &p->threads);
	if (st.exit_ns && st.exit_ns < *end)
		*end = st.exit_ns;
	if (st.dead && !p->exit_code_known) {
		p->exited = true;
		p->exit_code_known = true;
		p->exit_code = threads__exit_code(st.exit_status);
	}
	return 0;
}
