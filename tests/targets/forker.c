// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * forker CHILDREN LOST: says "ready", waits for "go", then forks CHILDREN children one
 * after the other (no exec); each mallocs LOST blocks of 40 bytes, drops its only pointer
 * to them, frees nothing else it made, and _exit()s 0. The parent waits for each, says
 * "done", waits for "exit" and exits 0: it leaks nothing itself.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ctl.h"

/* Written through, so that no compiler may drop the allocation */
__attribute__((noinline)) static void lose_blocks(long n)
{
	void *volatile p;
	long i;

	for (i = 0; i < n; i++) {
		p = malloc(40);
		memset(p, 1, 40);
		p = NULL;
	}
}

/*
 * Stale copies of the last pointers made stay in dead stack slots that exit()'s frames
 * may not overwrite: a conservative scan (LeakSanitizer's, leakbpf's) reads them as live.
 */
__attribute__((noinline)) static void scrub_stack(void)
{
	volatile char junk[4096];

	memset((char *)junk, 0, sizeof(junk));
	__asm__ volatile("" : : "r"(junk) : "memory");
}

int main(int argc, char **argv)
{
	long children = argc > 1 ? ctl_num(argv[1]) : 1;
	long lost = argc > 2 ? ctl_num(argv[2]) : 10;
	int status;
	pid_t pid;
	long i;

	ctl_say("ready");
	ctl_wait("go");
	for (i = 0; i < children; i++) {
		pid = fork();
		if (pid < 0)
			return 1;
		if (!pid) {
			lose_blocks(lost);
			scrub_stack();
			exit(0);
		}
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
			return 1;
	}
	ctl_say("done");
	ctl_wait("exit");
	return 0;
}
