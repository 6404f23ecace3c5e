/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * The leak checks of doc/checks.md and their thresholds: pure functions of the
 * numbers in a report, so they are tested without BPF.
 */
#ifndef LEAKBPF_VERDICT_H
#define LEAKBPF_VERDICT_H

#include <stdbool.h>
#include <stdint.h>

enum check_id {
	CHECK_UNRELEASED_OBJECTS,
	CHECK_HEAP_GROWTH_PER_ITEM,
	CHECK_FREE_RATE,
	CHECK_HEAP_OBJECT_GROWTH,
	CHECK_THREAD_GROWTH,
	CHECK_FD_GROWTH,
	CHECK_CLOSE_WAIT,
	CHECK_FD_AGE,
	CHECK_GROWTH_RATE,
	CHECK_GOROUTINE_GROWTH,
	CHECK_GC_PAUSE,
	CHECK_LOST_OBJECTS,
	CHECK_NR,
};

enum check_status { CHECK_PASS, CHECK_FAIL, CHECK_SKIPPED };

struct thresholds {
	double v[CHECK_NR];
	double fd_age_socket;	/* fd_age's limit for sockets; v[CHECK_FD_AGE] is for the rest */
};

struct check {
	enum check_id id;
	enum check_status status;
	double value;		/* NAN when not computed */
	double threshold;
	char reason[160];	/* why it was skipped, or what failed */
};

struct verdict {
	bool leak;
	int nchecks;
	struct check checks[CHECK_NR];
};

/*
 * Ages against their limits, for the age checks (fd_age, close_wait), gathered one age at a
 * time: how many were over their limit, and the worst one, the furthest past its limit or
 * nearest to it (the largest age / limit). The check reports that one's age as its value
 * and its limit as its threshold, so that it fails exactly when value > threshold.
 */
struct age_worst {
	uint64_t n;		/* ages seen */
	uint64_t over;		/* of them, older than their limit */
	double age_s, limit_s;	/* the worst one's, when n > 0 */
};

/* Count one age (NAN: not known, not counted) with its limit, both in seconds. */
void age_worst__add(struct age_worst *w, double age_s, double limit_s);

/* What the checks look at; UINT64_MAX / NAN where the tracer did not measure it. */
struct verdict_input {
	bool memory;		/* allocator traced */
	const char *memory_why;	/* why not, when it is not (NULL: no reason given) */
	uint64_t mallocs, frees;
	uint64_t outstanding_objects, outstanding_bytes;
	bool items;		/* --item given */
	uint64_t item_count;
	bool threads;		/* thread counts measured */
	uint64_t threads_start, threads_end;
	bool fds;		/* fds measured */
	uint64_t fds_start, fds_end;
	struct age_worst fd_age;	/* fds opened while traced, against their kind's limit */
	bool sockets;		/* TCP states measured */
	struct age_worst close_wait;	/* how long sockets have been in CLOSE_WAIT */
	/* blocks allocated while traced that could not be followed (the block map was full):
	 * their frees cannot be told from frees of older blocks */
	uint64_t untracked_allocs;
	bool reachability;	/* a reachability scan was made */
	uint64_t lost_objects;	/* its direct + indirect leaks */
	const char *reach_why;	/* why no scan could be made, when none can */
	bool go;		/* a Go program */
	uint64_t goroutines_start, goroutines_end;	/* UINT64_MAX: not known */
	double gc_pause_max_ms;	/* NAN: not known */
	uint64_t go_live_start, go_live_end;	/* the heap the GC marked live; UINT64_MAX: not known */
	int rounds;		/* reports so far (-i), this one included */
	double growth_bytes_per_min;	/* slope of outstanding bytes over the rounds, or NAN */
	/* the leak site growing fastest (its first frame's function; NULL: none known) */
	const char *top_site;
	double top_site_growth;		/* its growth_bytes_per_min */
};

/* Rounds growth_rate needs for a slope worth judging. */
#define GROWTH_MIN_ROUNDS 3
/* A site's growth is judged over a window this long or longer (the rounds' 3 seconds) */
#define GROWTH_MIN_SECONDS 3.0

/* Minimum allocations before free_rate means anything (000_f81ef2a29d794c5a.txt). */
#define FREE_RATE_MIN_MALLOCS 1000

extern const char *const check_names[CHECK_NR];

void thresholds__init(struct thresholds *t);
/* "NAME=VALUE" (fd_age_socket=S sets the socket limit); 0, or -EINVAL with *why set */
int thresholds__parse(struct thresholds *t, const char *arg, const char **why);

void verdict__evaluate(const struct verdict_input *in, const struct thresholds *t,
		       struct verdict *out);

/* Least-squares slope of y over x (n points); NAN when n < 2 or all x are equal. */
double slope_least_squares(const double *x, const double *y, int n);
/*
 * The same slope, continuous, of S(t) over the window [from, to]: S(t) the bytes of
 * blocks born by t, given as sum(bytes), sum(bytes * birth), sum(bytes * birth^2) over
 * blocks born in the window. Per second; NAN for an empty window.
 */
double slope_of_births(double bytes, double t1, double t2, double from, double to);

/* "excellent", "good", "acceptable", "needs_optimization"; NULL for NAN */
const char *grade_bytes_per_item(double bytes_per_item);

#endif
