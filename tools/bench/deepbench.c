// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * A service-like allocation pattern for `make bench`: a live set of blocks (sizes 16 B to
 * 1 KiB) in which each step frees one block at random and allocates its replacement
 * through one of eight call paths 12 to 26 frames deep, so that every allocation has a
 * deep stack to take and most of the set stays outstanding, as in a real service.
 *
 *   deepbench [-n STEPS] [-l LIVE]
 *
 * Output, one line on stdout: "ns_per_pair=N pairs=N live=N" (one free + one malloc per
 * step). Built with frame pointers and without sibling calls: every frame is real.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DEPTH_MAX 26

static uint64_t rng = 88172645463325252ULL;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

typedef void *(*frame_fn)(int left, size_t size);
static frame_fn frames[DEPTH_MAX + 1];

/* One frame of a call path: the next one, or malloc at its end. */
#define FRAME(i)                                                                       \
	__attribute__((noinline)) static void *frame##i(int left, size_t size)         \
	{                                                                              \
		void *p = left ? frames[i + 1](left - 1, size) : malloc(size);         \
                                                                                       \
		__asm__ volatile("" : : "r"(p) : "memory");                            \
		return p;                                                              \
	}

FRAME(0) FRAME(1) FRAME(2) FRAME(3) FRAME(4) FRAME(5) FRAME(6) FRAME(7) FRAME(8)
FRAME(9) FRAME(10) FRAME(11) FRAME(12) FRAME(13) FRAME(14) FRAME(15) FRAME(16)
FRAME(17) FRAME(18) FRAME(19) FRAME(20) FRAME(21) FRAME(22) FRAME(23) FRAME(24)
FRAME(25)

__attribute__((noinline)) static void *last_frame(int left, size_t size)
{
	void *p = malloc(size);

	__asm__ volatile("" : : "r"(p) : "memory");
	return p;
}

/* Path k: 12 + 2k frames, entering the chain at a different frame each */
static void *allocate(int path, size_t size)
{
	int depth = 12 + 2 * path;

	return frames[DEPTH_MAX - depth](depth - 1, size);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	frame_fn chain[] = { frame0, frame1, frame2, frame3, frame4, frame5, frame6, frame7,
			     frame8, frame9, frame10, frame11, frame12, frame13, frame14,
			     frame15, frame16, frame17, frame18, frame19, frame20, frame21,
			     frame22, frame23, frame24, frame25, last_frame };
	long steps = 200000, live = 4096, i;
	void **set;
	double t0;
	int opt;

	while ((opt = getopt(argc, argv, "n:l:")) != -1) {
		if (opt == 'n')
			steps = atol(optarg);
		else if (opt == 'l')
			live = atol(optarg);
		else
			return 2;
	}
	if (steps < 1 || live < 1) {
		fprintf(stderr, "deepbench: -n and -l take positive numbers\n");
		return 2;
	}
	memcpy(frames, chain, sizeof(frames));
	set = calloc(live, sizeof(*set));
	if (!set)
		return 1;
	for (i = 0; i < live; i++)
		set[i] = allocate(next_rand() % 8, 16 + next_rand() % 1009);
	t0 = now_ns();
	for (i = 0; i < steps; i++) {
		uint64_t r = next_rand();
		long slot = r % live;

		free(set[slot]);
		set[slot] = allocate((r >> 20) % 8, 16 + (r >> 32) % 1009);
	}
	printf("ns_per_pair=%.1f pairs=%ld live=%ld\n", (now_ns() - t0) / steps, steps, live);
	for (i = 0; i < live; i++)
		free(set[i]);
	free(set);
	return 0;
}
