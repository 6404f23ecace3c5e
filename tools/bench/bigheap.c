// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * The reachability scan's heaviest case for `make bench`: MIB MiB of heap in 64 KiB
 * blocks, every page written, all reachable from a global, and LOST more whose only
 * pointer is dropped; then exit 0 (the scan runs at the exit).
 *
 *   bigheap [MIB [LOST]]
 */
#include <stdlib.h>
#include <string.h>

#define BLOCK (64 << 10)

void **kept;	/* global: the roots of the reachable blocks */

int main(int argc, char **argv)
{
	long mib = argc > 1 ? atol(argv[1]) : 1024, lost = argc > 2 ? atol(argv[2]) : 16;
	long n = mib * ((1 << 20) / BLOCK), i;
	void *volatile p;

	if (n < 1 || lost < 0)
		return 2;
	/* the lost ones first: a stale copy of the last pointer made is then a kept one's */
	for (i = 0; i < lost; i++) {
		p = malloc(BLOCK);
		memset(p, 0x5a, BLOCK);
		p = NULL;
	}
	kept = calloc(n, sizeof(*kept));
	if (!kept)
		return 1;
	for (i = 0; i < n; i++) {
		kept[i] = malloc(BLOCK);
		if (!kept[i])
			return 1;
		memset(kept[i], 0x5a, BLOCK);	/* data, not pointers: nothing more to follow */
	}
	return 0;
}
