// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * Every function of the malloc family, each leaking one block from its own function
 * (via_NAME) so a test can find it by its first frame, then each once more with a free.
 * Says "ready", waits for "go", works, says "done", waits for "exit".
 *
 * Leaked, by first frame: via_malloc 100, via_calloc 3*40, via_realloc_null 130,
 * via_realloc_grow 2000 (moved from a 10-byte block, which counts as freed),
 * via_realloc_fail 30 (its realloc to a huge size fails: the block stays), via_reallocarray
 * 5*28, via_posix_memalign 150, via_aligned_alloc 160, via_memalign 170, via_valloc 180,
 * via_pvalloc 190: 11 blocks, 3370 bytes. realloc(p, 0) frees p.
 * Calls: 13 allocations and 2 frees in the leaking part, 9 and 9 in the balanced part.
 */
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include "ctl.h"

static void *volatile sink;
/* opaque to the compiler: it must not prove a call fails or fold it away */
static volatile size_t huge = SIZE_MAX / 2;

#define NOINLINE __attribute__((noinline))

NOINLINE void via_malloc(void) { sink = malloc(100); }
NOINLINE void via_calloc(void) { sink = calloc(3, 40); }
NOINLINE void via_realloc_null(void) { sink = realloc(NULL, 130); }
NOINLINE void *small_block(size_t n) { return malloc(n); }
NOINLINE void via_realloc_grow(void)
{
	void *p = small_block(10);

	sink = realloc(p, 2000);
}
NOINLINE void via_realloc_zero(void)
{
	void *p = small_block(20);

	sink = realloc(p, 0);	/* glibc: frees p, returns NULL */
}
NOINLINE void *via_realloc_fail(void) { return malloc(30); }
NOINLINE void realloc_fail(void)
{
	void *p = via_realloc_fail();
	void *q = realloc(p, huge);	/* fails: p is untouched and stays allocated */

	sink = q ? q : p;
}
NOINLINE void via_reallocarray(void) { sink = reallocarray(NULL, 5, 28); }
NOINLINE void via_posix_memalign(void)
{
	void *p = NULL;

	if (!posix_memalign(&p, 64, 150))
		sink = p;
}
NOINLINE void via_aligned_alloc(void) { sink = aligned_alloc(64, 160); }
NOINLINE void via_memalign(void) { sink = memalign(64, 170); }
NOINLINE void via_valloc(void) { sink = valloc(180); }
NOINLINE void via_pvalloc(void) { sink = pvalloc(190); }

NOINLINE void balanced(void)
{
	void *p = NULL;

	free(malloc(11));
	free(calloc(2, 6));
	free(realloc(NULL, 13));
	free(reallocarray(NULL, 2, 7));
	if (!posix_memalign(&p, 32, 15))
		free(p);
	free(aligned_alloc(32, 32));
	free(memalign(32, 17));
	free(valloc(18));
	free(pvalloc(19));
}

int main(void)
{
	ctl_say("ready");
	ctl_wait("go");
	via_malloc();
	via_calloc();
	via_realloc_null();
	via_realloc_grow();
	via_realloc_zero();
	realloc_fail();
	via_reallocarray();
	via_posix_memalign();
	via_aligned_alloc();
	via_memalign();
	via_valloc();
	via_pvalloc();
	balanced();
	ctl_say("done");
	ctl_wait("exit");
	return 0;
}
