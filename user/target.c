// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <errno.h>
#include <stdio.h>
#include "proc.h"
#include "symbolize.h"
#include "target.h"

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
