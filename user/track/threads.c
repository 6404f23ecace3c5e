// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <errno.h>
#include <sys/wait.h>
#include "base/log.h"
#include "probe/tasks.h"
#include "proc/procfs.h"
#include "track/snapshot.h"
#include "track/target.h"
#include "track/threads.h"

void threads__start(struct target *tg)
{
	int n = proc__threads(tg->pid);

	if (n < 0)
		vlog("cannot read the threads of PID %d (%s)", tg->pid, errstr(n));
	tg->threads.start = n < 0 ? UNKNOWN : (uint64_t)n;
}

void threads__fill(const struct thread_stats *st, uint64_t start, int live,
		   struct thread_counts *out)
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

int threads__snapshot(struct tracer *t, const struct target *tg, struct proc_snapshot *ps)
{
	struct thread_stats st;
	int err, live = -ESRCH;

	if (!tracer__has_tasks(t))
		return 0;	/* ps->threads stays absent: null in the report */
	err = tracer__thread_stats(t, tg->pid, &st);
	if (err) {
		elog("cannot read the thread counters of PID %d (%s)", tg->pid, errstr(err));
		return err;
	}
	/* once it is gone, its PID may name another process: only the counters are its own */
	if (!st.dead && !tg->exit.exited)
		live = proc__threads(tg->pid);
	threads__fill(&st, tg->threads.start, live, &ps->threads);
	if (st.exit_ns && st.exit_ns < ps->end_ns)
		ps->end_ns = st.exit_ns;
	if (st.dead && !ps->exit_code_known) {
		ps->exited = true;
		ps->exit_code_known = true;
		ps->exit_code = threads__exit_code(st.exit_status);
	}
	return 0;
}
