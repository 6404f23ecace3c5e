/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * What was lost on the way (a full map, a full ring buffer, a program the kernel skipped),
 * by name. Each place that can lose something adds its counters here; the report sums them
 * into lost_events, and -v names the ones that are not 0.
 */
#ifndef LEAKBPF_LOSS_H
#define LEAKBPF_LOSS_H

#include <stdint.h>

#define MAX_LOSSES 32

struct loss {
	const char *name;	/* a static string: what was lost, and why */
	uint64_t n;
};

struct losses {
	struct loss v[MAX_LOSSES];
	int n;
};

/* Add a counter; one past MAX_LOSSES is folded into the last slot, never dropped. */
void losses__add(struct losses *l, const char *name, uint64_t n);
uint64_t losses__total(const struct losses *l);

#endif
