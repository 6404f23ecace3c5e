// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * Rounds and what is judged over them, without BPF: the -i/-d schedule (user/app/rounds.c), the
 * growth slope, the growth_rate check, the bytes_per_item grade and the thresholds they use.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "app/rounds.h"
#include "report/verdict.h"

#define S 1000000000ULL		/* a second in ns */
#define T0 (1000 * S)		/* attach, on an arbitrary monotonic clock */

static void slope_exact_line(void **state)
{
	/* 2000 items/s keeping 2 KiB each: 4096000 B/s, 245.76 MB/min */
	double x[] = { 1, 2, 3, 4, 5.05 }, y[5];
	int i;

	for (i = 0; i < 5; i++)
		y[i] = 1e5 + 4096000 * x[i];
	assert_true(fabs(slope_least_squares(x, y, 5) * 60 - 245760000) < 1e-3);
}

static void slope_least_squares_fit(void **state)
{
	/* y = 0, 1, 1, 3 at x = 0..3: slope = sxy / sxx = 4.5 / 5 */
	double x[] = { 0, 1, 2, 3 }, y[] = { 0, 1, 1, 3 };
	double flat[] = { 7, 7, 7, 7 }, down[] = { 30, 20, 10, 0 };

	assert_true(fabs(slope_least_squares(x, y, 4) - 0.9) < 1e-12);
	assert_true(slope_least_squares(x, flat, 4) == 0);
	assert_true(fabs(slope_least_squares(x, down, 4) + 10) < 1e-12);
}

static void slope_undefined(void **state)
{
	double x[] = { 2, 2, 2 }, y[] = { 1, 2, 3 };

	assert_true(isnan(slope_least_squares(x, y, 0)));
	assert_true(isnan(slope_least_squares(x, y, 1)));
	/* every round at one instant: no time went by, no slope */
	assert_true(isnan(slope_least_squares(x, y, 3)));
}

/* A site's slope from its blocks' births: the least-squares slope of its bytes over time */
static void slope_of_births_cases(void **state)
{
	double x[2001], y[2001], bytes = 0, t1 = 0, t2 = 0, u;
	int i;

	/* 1000 blocks of 64 B born evenly over [2, 12]: 6400 B/s (and 0.003 for the steps) */
	for (i = 0; i < 1000; i++) {
		u = 2 + (i + 0.5) / 100;
		bytes += 64;
		t1 += 64 * u;
		t2 += 64 * u * u;
	}
	assert_true(fabs(slope_of_births(bytes, t1, t2, 2, 12) - 6400) < 0.01);
	/* the same blocks, S(t) sampled finely: the discrete fit agrees */
	for (i = 0; i <= 2000; i++) {
		x[i] = 2 + i / 200.0;
		y[i] = 64 * floor(fmin((x[i] - 2) * 100 + 0.5, 1000));
	}
	assert_true(fabs(slope_least_squares(x, y, 2001) - 6400) < 10);
	/* all born at the window's start: a cache filled once does not grow */
	assert_true(fabs(slope_of_births(1e6, 1e6 * 2, 1e6 * 4, 2, 12)) < 1e-9);
	/* all born in the middle: a step, which least squares reads as 1.5 x bytes / w */
	assert_true(fabs(slope_of_births(1e6, 1e6 * 7, 1e6 * 49, 2, 12) - 1.5e5) < 1e-6);
	assert_true(isnan(slope_of_births(1, 1, 1, 3, 3)));
}

/* excellent < 100, good < 512, acceptable <= 1024, needs_optimization above (doc/checks.md) */
static void grade_boundaries(void **state)
{
	assert_null(grade_bytes_per_item(NAN));
	assert_string_equal(grade_bytes_per_item(0), "excellent");
	assert_string_equal(grade_bytes_per_item(0.43), "excellent");
	assert_string_equal(grade_bytes_per_item(99.999), "excellent");
	assert_string_equal(grade_bytes_per_item(100), "good");
	assert_string_equal(grade_bytes_per_item(511.999), "good");
	assert_string_equal(grade_bytes_per_item(512), "acceptable");
	assert_string_equal(grade_bytes_per_item(1024), "acceptable");
	assert_string_equal(grade_bytes_per_item(1024.001), "needs_optimization");
	assert_string_equal(grade_bytes_per_item(2048), "needs_optimization");
}

static const struct check *growth_check(const struct verdict_input *in)
{
	static struct verdict v;
	struct thresholds t;
	int i;

	thresholds__init(&t);
	verdict__evaluate(in, &t, &v);
	for (i = 0; i < v.nchecks; i++)
		if (v.checks[i].id == CHECK_GROWTH_RATE)
			return &v.checks[i];
	return NULL;
}

static void growth_rate_check(void **state)
{
	struct verdict_input in = { .memory = true, .rounds = 3, .outstanding_bytes = 1 << 20,
				    .growth_bytes_per_min = 245760000 };
	const struct check *c = growth_check(&in);

	assert_int_equal(c->status, CHECK_FAIL);
	assert_true(c->value == 245760000 && c->threshold == 1048576);
	in.growth_bytes_per_min = 1048576;	/* "> 1 MiB/min" fails: equal passes */
	assert_int_equal(growth_check(&in)->status, CHECK_PASS);
	in.growth_bytes_per_min = -5e6;		/* shrinking is no leak */
	assert_int_equal(growth_check(&in)->status, CHECK_PASS);

	in.growth_bytes_per_min = 245760000;
	in.rounds = 2;
	c = growth_check(&in);
	assert_int_equal(c->status, CHECK_SKIPPED);
	assert_non_null(strstr(c->reason, "at least 3 rounds"));
	assert_non_null(strstr(c->reason, "has 2"));
	/* --mode counts: however many rounds, there are no bytes to fit */
	in.rounds = 5;
	in.outstanding_bytes = UINT64_MAX;
	in.growth_bytes_per_min = NAN;
	c = growth_check(&in);
	assert_int_equal(c->status, CHECK_SKIPPED);
	assert_non_null(strstr(c->reason, "--mode counts"));
}

static void thresholds_for_rounds(void **state)
{
	struct thresholds t;
	const char *why = NULL;

	thresholds__init(&t);
	assert_true(t.v[CHECK_GROWTH_RATE] == 1048576);
	assert_true(t.v[CHECK_HEAP_GROWTH_PER_ITEM] == 1024);
	assert_int_equal(thresholds__parse(&t, "growth_rate=2097152", &why), 0);
	assert_true(t.v[CHECK_GROWTH_RATE] == 2097152);
	assert_int_equal(thresholds__parse(&t, "growth_rate=0.5", &why), 0);
	assert_true(t.v[CHECK_GROWTH_RATE] == 0.5);
	assert_int_equal(thresholds__parse(&t, "heap_growth_per_item=1e3", &why), 0);
	assert_true(t.v[CHECK_HEAP_GROWTH_PER_ITEM] == 1000);
	assert_int_equal(thresholds__parse(&t, "growth_rate=", &why), -EINVAL);
	assert_int_equal(thresholds__parse(&t, "growth_rate=-1", &why), -EINVAL);
	assert_int_equal(thresholds__parse(&t, "growth_rate=1MiB", &why), -EINVAL);
	assert_int_equal(thresholds__parse(&t, "growth=1", &why), -EINVAL);
	assert_string_equal(why, "unknown check name");
	assert_int_equal(thresholds__parse(&t, "growth_rate_x=1", &why), -EINVAL);
	assert_true(t.v[CHECK_GROWTH_RATE] == 0.5);	/* failed parses change nothing */
}

/* -i 1 alone: round k at exactly T0 + k s, forever. */
static void clock_interval_only(void **state)
{
	struct round_clock c;

	round_clock__init(&c, T0, 1, 0);
	assert_int_equal(round_clock__next_due(&c), T0 + S);
	assert_false(round_clock__ended(&c, T0 + 1000000 * S));
	/* printed 3 ms late: the next one is still on the second, no drift */
	round_clock__advance(&c, T0 + S + 3000000);
	assert_int_equal(round_clock__next_due(&c), T0 + 2 * S);
	round_clock__advance(&c, T0 + 2 * S);
	assert_int_equal(round_clock__next_due(&c), T0 + 3 * S);
}

/* No -i: no round ever; -d alone ends it. */
static void clock_no_interval(void **state)
{
	struct round_clock c;

	round_clock__init(&c, T0, 0, 2.5);
	assert_int_equal(round_clock__next_due(&c), UINT64_MAX);
	assert_false(round_clock__ended(&c, T0 + 2 * S));
	assert_true(round_clock__ended(&c, T0 + 2 * S + S / 2));
	round_clock__init(&c, T0, 0, 0);
	assert_int_equal(round_clock__next_due(&c), UINT64_MAX);
	assert_false(round_clock__ended(&c, UINT64_MAX - 1));
}

/* -d 5 -i 1: rounds at 1..4 s, and at 5 s the final report alone. */
static void clock_duration_multiple(void **state)
{
	struct round_clock c;
	uint64_t k;

	round_clock__init(&c, T0, 1, 5);
	for (k = 1; k <= 4; k++) {
		assert_int_equal(round_clock__next_due(&c), T0 + k * S);
		assert_false(round_clock__ended(&c, T0 + k * S));
		round_clock__advance(&c, T0 + k * S);
	}
	assert_int_equal(round_clock__next_due(&c), UINT64_MAX);
	assert_true(round_clock__ended(&c, T0 + 5 * S));
}

/* -d 0.9 -i 0.3: 0.3 * 3 is not 0.9 in floating point; the third round is still the final. */
static void clock_rounding(void **state)
{
	struct round_clock c;

	round_clock__init(&c, T0, 0.3, 0.9);
	assert_int_equal(round_clock__due(&c, 1), T0 + 300000000);
	assert_int_equal(round_clock__due(&c, 2), T0 + 600000000);
	assert_int_equal(round_clock__due(&c, 3), UINT64_MAX);
	assert_int_equal(c.deadline_ns, T0 + 900000000);
	/* 1/3 s: due times rounded to the ns, never truncated towards an early wake-up */
	round_clock__init(&c, T0, 1.0 / 3, 0);
	assert_int_equal(round_clock__due(&c, 1), T0 + 333333333);
	assert_int_equal(round_clock__due(&c, 2), T0 + 666666667);
	assert_int_equal(round_clock__due(&c, 3), T0 + S);
}

/* A round within the slack of the deadline is folded into the final report, not printed. */
static void clock_slack(void **state)
{
	struct round_clock c;

	round_clock__init(&c, T0, 1, 3.005);	/* round 3 would come 5 ms before the end */
	assert_int_equal(round_clock__due(&c, 2), T0 + 2 * S);
	assert_int_equal(round_clock__due(&c, 3), UINT64_MAX);
	round_clock__init(&c, T0, 1, 3.5);	/* half a second before: a round of its own */
	assert_int_equal(round_clock__due(&c, 3), T0 + 3 * S);
	/* -i 0.004: the slack is at most half an interval, so round 2 of 3 is kept */
	round_clock__init(&c, T0, 0.004, 0.012);
	assert_int_equal(round_clock__due(&c, 2), T0 + 8000000);
	assert_int_equal(round_clock__due(&c, 3), UINT64_MAX);
}

/* leakbpf stalled for 3.5 intervals: rounds missed are skipped, not printed back to back. */
static void clock_missed_rounds(void **state)
{
	struct round_clock c;

	round_clock__init(&c, T0, 1, 0);
	round_clock__advance(&c, T0 + 4 * S + S / 2);
	assert_int_equal(c.next, 5);
	assert_int_equal(round_clock__next_due(&c), T0 + 5 * S);
	/* a round printed right on time: the next one is an interval on */
	round_clock__advance(&c, T0 + 5 * S);
	assert_int_equal(round_clock__next_due(&c), T0 + 6 * S);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(slope_exact_line),
		cmocka_unit_test(slope_least_squares_fit),
		cmocka_unit_test(slope_undefined),
		cmocka_unit_test(slope_of_births_cases),
		cmocka_unit_test(grade_boundaries),
		cmocka_unit_test(growth_rate_check),
		cmocka_unit_test(thresholds_for_rounds),
		cmocka_unit_test(clock_interval_only),
		cmocka_unit_test(clock_no_interval),
		cmocka_unit_test(clock_duration_multiple),
		cmocka_unit_test(clock_rounding),
		cmocka_unit_test(clock_slack),
		cmocka_unit_test(clock_missed_rounds),
	};

	return cmocka_run_group_tests_name("rounds", tests, NULL, NULL);
}
