// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * exec_leak N SIZE FREED PROG [ARG...]: a wrapper that leaves blocks behind at exec. Says
 * "ready", waits for "go", allocates N blocks of SIZE bytes from exec_leak_here(), frees
 * FREED of them, then execs PROG with its arguments: the N - FREED others go with this
 * image. The control fds 3 and 4 pass through the exec to PROG.
 */
#include <stdlib.h>
#include <unistd.h>
#include "ctl.h"

/* volatile: the compiler must not drop the blocks it sees never used */
static void *volatile sink;

__attribute__((noinline)) void *exec_leak_here(size_t size)
{
	void *p = malloc(size);

	sink = p;
	return p;
}

int main(int argc, char **argv)
{
	void *blocks[64];
	long n, size, freed, i;

	if (argc < 5)
		return 2;
	n = ctl_num(argv[1]);
	size = ctl_num(argv[2]);
	freed = ctl_num(argv[3]);
	if (n < 0 || n > 64 || freed < 0 || freed > n)
		return 2;
	ctl_say("ready");
	ctl_wait("go");
	for (i = 0; i < n; i++)
		blocks[i] = exec_leak_here(size);
	for (i = 0; i < freed; i++)
		free(blocks[i]);
	execv(argv[4], argv + 4);
	return 127;
}
