// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * leak_n N SIZE [PRE] [BALANCED] [STATUS]: allocates PRE blocks of 48 bytes, says "ready",
 * waits for "go", frees the PRE blocks (they predate a -p attach: untracked frees), leaks N
 * blocks of SIZE bytes from leak_here(), makes BALANCED malloc/free pairs from churn(),
 * says "done", waits for "exit" and exits with STATUS.
 */
#include <stdlib.h>
#include "ctl.h"

/* volatile: the compiler must neither unroll the loops nor drop a malloc/free pair */
static void *volatile sink;

__attribute__((noinline)) void *leak_here(size_t size)
{
	void *p = malloc(size);

	sink = p;
	return p;
}

__attribute__((noinline)) void churn(size_t size)
{
	sink = malloc(size);
	free(sink);
}

int main(int argc, char **argv)
{
	volatile long n = argc > 1 ? ctl_num(argv[1]) : 7;
	long size = argc > 2 ? ctl_num(argv[2]) : 100;
	long pre = argc > 3 ? ctl_num(argv[3]) : 0;
	volatile long balanced = argc > 4 ? ctl_num(argv[4]) : 0;
	int status = argc > 5 ? (int)ctl_num(argv[5]) : 0;
	void **pre_blocks = NULL;
	long i;

	if (pre) {
		pre_blocks = malloc(pre * sizeof(void *));
		for (i = 0; i < pre; i++)
			pre_blocks[i] = malloc(48);
	}
	ctl_say("ready");
	ctl_wait("go");
	for (i = 0; i < pre; i++)
		free(pre_blocks[i]);
	free(pre_blocks);
	for (i = 0; i < n; i++)
		leak_here(size);
	for (i = 0; i < balanced; i++)
		churn(size);
	ctl_say("done");
	ctl_wait("exit");
	return status;
}
