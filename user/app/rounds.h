/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * When the reports of -i and -d are due, on leakbpf's CLOCK_MONOTONIC: round k at
 * attach + k * interval, the final report at attach + duration. A pure schedule, kept apart
 * from the session's loop so its edge cases are unit tested.
 */
#ifndef LEAKBPF_ROUNDS_H
#define LEAKBPF_ROUNDS_H

#include <stdbool.h>
#include <stdint.h>

/*
 * A round due this close to the end of -d is not printed: the final report, moments later,
 * takes its place (at most half an interval, for very short intervals).
 */
#define ROUND_SLACK_NS 10000000ULL

struct round_clock {
	uint64_t start_ns;	/* when every probe was live */
	double interval_ns;	/* 0: no rounds (no -i) */
	uint64_t deadline_ns;	/* the final report; UINT64_MAX: none planned (no -d) */
	uint64_t next;		/* the next round's number k, from 1 */
};

void round_clock__init(struct round_clock *c, uint64_t start_ns, double interval_s,
		       double duration_s);
/* When round k is due; UINT64_MAX when it is not an interim round (no -i, or past -d). */
uint64_t round_clock__due(const struct round_clock *c, uint64_t k);
/* When the next interim round is due, UINT64_MAX if none is before the final report. */
uint64_t round_clock__next_due(const struct round_clock *c);
/*
 * A round was printed at now: the next one is the first due after now. Rounds missed while
 * leakbpf could not run are skipped rather than printed back to back, and the schedule
 * stays anchored at start: a late round does not delay the ones after it.
 */
void round_clock__advance(struct round_clock *c, uint64_t now);
/* Time for the final report (-d reached)? */
bool round_clock__ended(const struct round_clock *c, uint64_t now);

#endif
