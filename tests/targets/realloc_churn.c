// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * realloc_churn N R LIVE: allocates N blocks of 32 bytes, grows each with R reallocs (to
 * 32 + 16 * R bytes), frees all but the first LIVE. Says "ready", waits for "go", works,
 * says "done", waits for "exit". The many reallocs per block are what a sampled estimate
 * must not be biased by.
 */
#include <stdlib.h>
#include "ctl.h"

__attribute__((noinline)) void *grow(void *p, size_t size)
{
	return realloc(p, size);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? ctl_num(argv[1]) : 20000;
	long r = argc > 2 ? ctl_num(argv[2]) : 9;
	long live = argc > 3 ? ctl_num(argv[3]) : 5000;
	void **blocks;
	long i, k;

	ctl_say("ready");
	ctl_wait("go");
	blocks = calloc(n, sizeof(*blocks));
	for (i = 0; i < n; i++) {
		blocks[i] = malloc(32);
		for (k = 1; k <= r; k++)
			blocks[i] = grow(blocks[i], 32 + 16 * k);
	}
	for (i = live; i < n; i++)
		free(blocks[i]);
	ctl_say("done");
	ctl_wait("exit");
	return 0;
}
