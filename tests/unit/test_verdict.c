// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/* The verdict maths and threshold parsing (user/report/verdict.c), without BPF. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "report/verdict.h"

static const struct check *find(const struct verdict *v, enum check_id id)
{
	int i;

	for (i = 0; i < v->nchecks; i++)
		if (v->checks[i].id == id)
			return &v->checks[i];
	return NULL;
}

static struct verdict judge(const struct verdict_input *in)
{
	struct thresholds t;
	struct verdict v;

	thresholds__init(&t);
	verdict__evaluate(in, &t, &v);
	return v;
}

/* The batcher's numbers from 000_f81ef2a29d794c5a.txt: 986838 mallocs, 986389 frees, 250000
 * items, 104 KB growth, 449 objects: every check passes. */
static void seed_example_passes(void **state)
{
	struct verdict_input in = {
		.memory = true, .mallocs = 986838, .frees = 986389,
		.outstanding_objects = 449, .outstanding_bytes = 104 * 1024,
		.items = true, .item_count = 250000, .growth_bytes_per_min = NAN,
	};
	struct verdict v = judge(&in);

	assert_false(v.leak);
	assert_int_equal(find(&v, CHECK_UNRELEASED_OBJECTS)->status, CHECK_PASS);
	assert_true(fabs(find(&v, CHECK_UNRELEASED_OBJECTS)->value - 449.0 / 250000) < 1e-12);
	assert_int_equal(find(&v, CHECK_FREE_RATE)->status, CHECK_PASS);
	assert_int_equal(find(&v, CHECK_HEAP_GROWTH_PER_ITEM)->status, CHECK_PASS);
	assert_int_equal(find(&v, CHECK_HEAP_OBJECT_GROWTH)->status, CHECK_PASS);
	assert_int_equal(v.nchecks, CHECK_NR);
}

/* Each threshold sits on the passing side at exactly its value: the rule is "> T" fails
 * (or "< T" for free_rate). */
static void boundaries(void **state)
{
	struct verdict_input in = {
		.memory = true, .items = true, .item_count = 1000, .mallocs = 2000,
		.growth_bytes_per_min = NAN,
	};
	struct verdict v;

	in.frees = 1900;		/* free_rate 0.95 exactly: pass */
	in.outstanding_objects = 100;	/* unreleased (2000-1900)/1000 = 0.10: pass */
	in.outstanding_bytes = 1024 * 1000;	/* 1024 B/item: pass */
	v = judge(&in);
	assert_int_equal(find(&v, CHECK_FREE_RATE)->status, CHECK_PASS);
	assert_int_equal(find(&v, CHECK_UNRELEASED_OBJECTS)->status, CHECK_PASS);
	assert_int_equal(find(&v, CHECK_HEAP_GROWTH_PER_ITEM)->status, CHECK_PASS);
	assert_int_equal(find(&v, CHECK_HEAP_OBJECT_GROWTH)->status, CHECK_PASS);
	assert_false(v.leak);

	in.frees = 1899;		/* free_rate 0.9495 and unreleased 0.101: both fail */
	in.outstanding_bytes = 1024 * 1000 + 1;
	in.outstanding_objects = 201;	/* 0.201 > 0.20 */
	v = judge(&in);
	assert_int_equal(find(&v, CHECK_FREE_RATE)->status, CHECK_FAIL);
	assert_int_equal(find(&v, CHECK_UNRELEASED_OBJECTS)->status, CHECK_FAIL);
	assert_int_equal(find(&v, CHECK_HEAP_GROWTH_PER_ITEM)->status, CHECK_FAIL);
	assert_int_equal(find(&v, CHECK_HEAP_OBJECT_GROWTH)->status, CHECK_FAIL);
	assert_true(v.leak);
}

static void skipped_with_reasons(void **state)
{
	struct verdict_input in = { .memory = true, .mallocs = 999, .frees = 0,
				    .growth_bytes_per_min = NAN };
	struct verdict v = judge(&in);
	const struct check *c;

	c = find(&v, CHECK_UNRELEASED_OBJECTS);
	assert_int_equal(c->status, CHECK_SKIPPED);
	assert_non_null(strstr(c->reason, "--item"));
	c = find(&v, CHECK_FREE_RATE);
	assert_int_equal(c->status, CHECK_SKIPPED);
	assert_non_null(strstr(c->reason, "999"));
	assert_true(isnan(c->value));
	/* --item given but never hit: nothing to divide by */
	in.items = true;
	v = judge(&in);
	assert_non_null(strstr(find(&v, CHECK_HEAP_GROWTH_PER_ITEM)->reason, "never hit"));
	assert_false(v.leak);
	assert_int_equal(find(&v, CHECK_GOROUTINE_GROWTH)->status, CHECK_SKIPPED);
}

/* counts mode: frees and outstanding are unknown, never taken as 0 */
static void unknown_is_not_zero(void **state)
{
	struct verdict_input in = {
		.memory = true, .mallocs = 5000, .frees = UINT64_MAX,
		.outstanding_objects = UINT64_MAX, .outstanding_bytes = UINT64_MAX,
		.items = true, .item_count = 10, .growth_bytes_per_min = NAN,
	};
	struct verdict v = judge(&in);

	assert_int_equal(find(&v, CHECK_FREE_RATE)->status, CHECK_SKIPPED);
	assert_int_equal(find(&v, CHECK_UNRELEASED_OBJECTS)->status, CHECK_SKIPPED);
	assert_int_equal(find(&v, CHECK_HEAP_GROWTH_PER_ITEM)->status, CHECK_SKIPPED);
	assert_false(v.leak);
}

static void resource_checks(void **state)
{
	struct verdict_input in = {
		.threads = true, .threads_start = 4, .threads_end = 7,
		.fds = true, .fds_start = 8, .fds_end = 10,
		.sockets = true,
		.rounds = 4, .memory = true, .growth_bytes_per_min = 1048576,
	};
	struct verdict v;

	age_worst__add(&in.fd_age, 121, 120);
	age_worst__add(&in.close_wait, 59, 60);
	v = judge(&in);

	assert_int_equal(find(&v, CHECK_THREAD_GROWTH)->status, CHECK_FAIL);	/* 3 > 2 */
	assert_int_equal(find(&v, CHECK_FD_GROWTH)->status, CHECK_PASS);	/* 2 */
	assert_int_equal(find(&v, CHECK_FD_AGE)->status, CHECK_FAIL);
	assert_int_equal(find(&v, CHECK_CLOSE_WAIT)->status, CHECK_PASS);
	assert_int_equal(find(&v, CHECK_GROWTH_RATE)->status, CHECK_PASS);	/* = 1 MiB/min */
	in.rounds = 2;
	v = judge(&in);
	assert_int_equal(find(&v, CHECK_GROWTH_RATE)->status, CHECK_SKIPPED);
}

/* A full block map: the checks on frees say nothing, a failing growth check still fails */
static void map_full(void **state)
{
	struct verdict_input in = {
		.memory = true, .items = true, .item_count = 1000, .mallocs = 5000,
		.frees = 1000, .outstanding_objects = 10, .outstanding_bytes = 2000 * 1000,
		.untracked_allocs = 3990, .growth_bytes_per_min = NAN,
	};
	struct verdict v = judge(&in);

	assert_int_equal(find(&v, CHECK_FREE_RATE)->status, CHECK_SKIPPED);
	assert_non_null(strstr(find(&v, CHECK_FREE_RATE)->reason, "--max-allocs"));
	assert_int_equal(find(&v, CHECK_UNRELEASED_OBJECTS)->status, CHECK_SKIPPED);
	assert_int_equal(find(&v, CHECK_HEAP_GROWTH_PER_ITEM)->status, CHECK_FAIL);	/* 2000 */
	assert_int_equal(find(&v, CHECK_HEAP_OBJECT_GROWTH)->status, CHECK_SKIPPED);	/* 0.01 */
	assert_true(v.leak);
	in.outstanding_bytes = 1000;
	v = judge(&in);
	assert_false(v.leak);	/* nothing it saw fails; what it did not see proves nothing */
}

/* The worst of the ages is the largest age / limit; NAN ages are not counted. */
static void age_worst_picks(void **state)
{
	struct age_worst w = {};

	age_worst__add(&w, NAN, 60);
	assert_int_equal(w.n, 0);
	age_worst__add(&w, 100, 120);		/* a file at 0.83 of its limit */
	age_worst__add(&w, 55, 60);		/* a socket at 0.92: worse, though younger */
	age_worst__add(&w, 60, 120);
	assert_int_equal(w.n, 3);
	assert_int_equal(w.over, 0);
	assert_true(w.age_s == 55 && w.limit_s == 60);
	age_worst__add(&w, 130, 120);		/* 1.08 */
	age_worst__add(&w, 61, 60);		/* 1.02: over, not the worst */
	assert_int_equal(w.over, 2);
	assert_true(w.age_s == 130 && w.limit_s == 120);
	/* a limit of 0: any age at all is the worst, the oldest of those first */
	age_worst__add(&w, 0.5, 0);
	age_worst__add(&w, 2, 0);
	age_worst__add(&w, 1000, 120);
	assert_int_equal(w.over, 5);
	assert_true(w.age_s == 2 && w.limit_s == 0);
	/* the same ratio: the older */
	memset(&w, 0, sizeof(w));
	age_worst__add(&w, 30, 60);
	age_worst__add(&w, 60, 120);
	assert_true(w.age_s == 60 && w.limit_s == 120);
}

/*
 * close_wait and fd_age give the worst age as value and its own limit as threshold, in
 * seconds both: they fail exactly when value > threshold, and count the offenders in the
 * reason. Nothing to judge is 0 s against the check's threshold.
 */
static void age_checks(void **state)
{
	struct verdict_input in = { .fds = true, .fds_start = 3, .fds_end = 3, .sockets = true,
				    .growth_bytes_per_min = NAN };
	const struct check *cw, *fa;
	struct verdict v = judge(&in);

	cw = find(&v, CHECK_CLOSE_WAIT);
	fa = find(&v, CHECK_FD_AGE);
	assert_int_equal(cw->status, CHECK_PASS);
	assert_true(cw->value == 0 && cw->threshold == 60);
	assert_non_null(strstr(cw->reason, "0 socket(s) in CLOSE_WAIT"));
	assert_int_equal(fa->status, CHECK_PASS);
	assert_true(fa->value == 0 && fa->threshold == 120);
	assert_false(v.leak);

	/* at the limit exactly: pass */
	age_worst__add(&in.close_wait, 60, 60);
	age_worst__add(&in.close_wait, 10, 60);
	age_worst__add(&in.fd_age, 60, 60);
	age_worst__add(&in.fd_age, 100, 120);
	v = judge(&in);
	cw = find(&v, CHECK_CLOSE_WAIT);
	fa = find(&v, CHECK_FD_AGE);
	assert_int_equal(cw->status, CHECK_PASS);
	assert_true(cw->value == 60 && cw->threshold == 60);
	assert_int_equal(fa->status, CHECK_PASS);
	assert_true(fa->value == 60 && fa->threshold == 60);
	assert_false(v.leak);

	/* a socket 61 s in CLOSE_WAIT; a file of 150 s, further past its 120 s than a socket */
	age_worst__add(&in.close_wait, 61, 60);
	age_worst__add(&in.fd_age, 61, 60);
	age_worst__add(&in.fd_age, 150, 120);
	v = judge(&in);
	cw = find(&v, CHECK_CLOSE_WAIT);
	fa = find(&v, CHECK_FD_AGE);
	assert_int_equal(cw->status, CHECK_FAIL);
	assert_true(cw->value == 61 && cw->threshold == 60);
	assert_non_null(strstr(cw->reason, "3 socket(s) in CLOSE_WAIT, 1 longer than 60 s"));
	assert_int_equal(fa->status, CHECK_FAIL);
	assert_true(fa->value == 150 && fa->threshold == 120);
	assert_non_null(strstr(fa->reason, "4 fd(s) opened while traced and open, 2 longer"));
	assert_true(v.leak);
}

static void thresholds_parse(void **state)
{
	struct thresholds t;
	const char *why = NULL;

	thresholds__init(&t);
	assert_int_equal(thresholds__parse(&t, "free_rate=0.5", &why), 0);
	assert_true(t.v[CHECK_FREE_RATE] == 0.5);
	assert_int_equal(thresholds__parse(&t, "heap_growth_per_item=2048", &why), 0);
	assert_true(t.v[CHECK_HEAP_GROWTH_PER_ITEM] == 2048);
	assert_int_equal(thresholds__parse(&t, "close_wait=0", &why), 0);
	assert_true(t.v[CHECK_CLOSE_WAIT] == 0);
	assert_int_equal(thresholds__parse(&t, "fd_age_socket=5", &why), 0);
	assert_true(t.fd_age_socket == 5);

	assert_int_equal(thresholds__parse(&t, "free_rate=1.5", &why), -EINVAL);
	assert_non_null(strstr(why, "ratio"));
	assert_int_equal(thresholds__parse(&t, "nope=1", &why), -EINVAL);
	assert_string_equal(why, "unknown check name");
	assert_int_equal(thresholds__parse(&t, "free_rate", &why), -EINVAL);
	assert_int_equal(thresholds__parse(&t, "=3", &why), -EINVAL);
	assert_int_equal(thresholds__parse(&t, "fd_growth=-1", &why), -EINVAL);
	assert_int_equal(thresholds__parse(&t, "fd_growth=3x", &why), -EINVAL);
	assert_int_equal(thresholds__parse(&t, "fd_growth=inf", &why), -EINVAL);
	assert_int_equal(thresholds__parse(&t, "free_rat=0.5", &why), -EINVAL);
	assert_true(t.v[CHECK_FREE_RATE] == 0.5);	/* failed parses change nothing */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(seed_example_passes),
		cmocka_unit_test(boundaries),
		cmocka_unit_test(skipped_with_reasons),
		cmocka_unit_test(unknown_is_not_zero),
		cmocka_unit_test(resource_checks),
		cmocka_unit_test(map_full),
		cmocka_unit_test(age_worst_picks),
		cmocka_unit_test(age_checks),
		cmocka_unit_test(thresholds_parse),
	};

	return cmocka_run_group_tests_name("verdict", tests, NULL, NULL);
}
