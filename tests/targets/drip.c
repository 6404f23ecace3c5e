// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * drip SIZE [free]: says "ready", waits for "go", then leaks one block of SIZE bytes from
 * drip_leak() about every millisecond until a line ("exit") arrives on fd 3. A process
 * that keeps leaking, for the fleet agent's full-mode windows to catch in the act. With
 * "free", each block is freed at once: the same pace, no leak.
 */
#include <poll.h>
#include <stdlib.h>
#include "ctl.h"

static void *volatile sink;

__attribute__((noinline)) void drip_leak(size_t size)
{
	sink = malloc(size);
}

int main(int argc, char **argv)
{
	long size = argc > 1 ? ctl_num(argv[1]) : 512;
	int clean = argc > 2 && !strcmp(argv[2], "free");
	struct pollfd ctl = { .fd = CTL_IN, .events = POLLIN };

	ctl_say("ready");
	ctl_wait("go");
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
