// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * drip SIZE [free] [cache N]: says "ready", waits for "go", then leaks one block of SIZE
 * bytes from drip_leak() about every millisecond until a line ("exit") arrives on fd 3.
 * A process that keeps leaking, for the fleet agent's full-mode windows to catch in the
 * act. With "free", each block is freed at once: the same pace, no leak. With "cache N",
 * fill_cache() first allocates N blocks of SIZE it keeps to the end: a site that holds
 * memory without growing.
 */
#include <poll.h>
#include <stdlib.h>
#include "ctl.h"

static void *volatile sink;
static void **cache;

__attribute__((noinline)) void fill_cache(long n, size_t size)
{
	long i;

	cache = calloc(n, sizeof(*cache));
	for (i = 0; cache && i < n; i++)
		cache[i] = malloc(size);
}

__attribute__((noinline)) void drip_leak(size_t size)
{
	sink = malloc(size);
}

int main(int argc, char **argv)
{
	long size = argc > 1 ? ctl_num(argv[1]) : 512;
	int clean = argc > 2 && !strcmp(argv[2], "free");
	struct pollfd ctl = { .fd = CTL_IN, .events = POLLIN };
	long ncache = 0;
	int i;

	for (i = 2; i + 1 < argc; i++) {
		if (!strcmp(argv[i], "cache"))
			ncache = ctl_num(argv[i + 1]);
	}
	ctl_say("ready");
	ctl_wait("go");
	fill_cache(ncache, size);
	/* the pace of a leak, not a synchronisation: the test waits on the agent's answers */
	for (;;) {
		int r = poll(&ctl, 1, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r)
			break;
		drip_leak(size);
		if (clean)
			free(sink);
	}
	/* the whole line: the test may still be writing its newline */
	ctl_wait("exit");
	return 0;
}
