// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * A syscall-heavy neighbour for `make bench`: N cheap syscalls (getppid), timed; what
 * tracing another process costs a process that is not traced.
 *
 *   syscallbench [-n CALLS]
 *
 * Output, one line on stdout: "ns_per_call=N calls=N".
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

int main(int argc, char **argv)
{
	long calls = argc > 2 ? atol(argv[2]) : 2000000, i;
	struct timespec a, b;

	if (calls < 1)
		return 2;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < calls; i++)
		syscall(SYS_getppid);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("ns_per_call=%.1f calls=%ld\n",
	       ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / calls, calls);
	return 0;
}
