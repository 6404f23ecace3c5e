// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <stdlib.h>
#include "report/report.h"

void report__free(struct report *r)
{
	int i, j;

	for (i = 0; i < r->nprocs; i++) {
		for (j = 0; j < r->procs[i].nsites; j++)
			free(r->procs[i].sites[j].frames);
		free(r->procs[i].sites);
		for (j = 0; j < r->procs[i].nleaked_fds; j++)
			free(r->procs[i].leaked_fds[j].frames);
		free(r->procs[i].leaked_fds);
	}
	free(r->procs);
	r->procs = NULL;
	r->nprocs = 0;
}
