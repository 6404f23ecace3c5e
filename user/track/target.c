// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "track/fd_tracker.h"
#include "proc/procfs.h"
#include "proc/symbolize.h"
#include "track/target.h"

int target__refresh(struct target *t)
{
	if (t->exited)
		return 0;
	/* comm and exe change at exec; keep the last values seen alive */
	proc__comm(t->pid, t->comm, sizeof(t->comm));
	proc__exe(t->pid, t->exe, sizeof(t->exe));
	if (!t->sym) {
		t->sym = symbolizer__new(t->pid);
		return t->sym ? 0 : -errno;
	}
	return symbolizer__refresh(t->sym);
}

int target__exec(struct target *t)
{
	/* the old image's modules are gone, and the new one's may sit at the same addresses */
	symbolizer__free(t->sym);
	t->sym = NULL;
	return target__refresh(t);
}

int target__add_round(struct target *t, double secs, double bytes)
{
	double *s = realloc(t->round_s, (t->nrounds + 1) * sizeof(*s));
	double *b;

	if (!s)
		return -ENOMEM;
	t->round_s = s;
	b = realloc(t->round_bytes, (t->nrounds + 1) * sizeof(*b));
	if (!b)
		return -ENOMEM;
	t->round_bytes = b;
	s[t->nrounds] = secs;
	b[t->nrounds] = bytes;
	t->nrounds++;
	return 0;
}

void target__free(struct target *t)
{
	symbolizer__free(t->sym);
	t->sym = NULL;
	fd_tracker__free(t->fds);
	t->fds = NULL;
	free(t->round_s);
	free(t->round_bytes);
	t->round_s = t->round_bytes = NULL;
	t->nrounds = 0;
}
