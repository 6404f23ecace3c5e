// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/* user/track/threads.c: the report's thread numbers from the counters, and exit statuses. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "track/snapshot.h"
#include "track/threads.h"

static void exit_codes(void **state)
{
	assert_int_equal(threads__exit_code(0), 0);
	assert_int_equal(threads__exit_code(7 << 8), 7);
	assert_int_equal(threads__exit_code(255 << 8), 255);
	assert_int_equal(threads__exit_code(SIGKILL), 128 + SIGKILL);
	/* 0x80: a core was dumped; the signal is what counts */
	assert_int_equal(threads__exit_code(SIGSEGV | 0x80), 128 + SIGSEGV);
}

static void live_process(void **state)
{
	struct thread_stats st = { .created = 8, .exited = 5 };
	struct thread_counts r = {};

	threads__fill(&st, 1, 4, &r);
	assert_true(r.present);
	assert_int_equal(r.start, 1);
	assert_int_equal(r.end, 4);
	assert_int_equal(r.created, 8);
	assert_int_equal(r.exited, 5);

	/* /proc could not say: unknown, never 0 */
	threads__fill(&st, UNKNOWN, -ESRCH, &r);
	assert_true(r.start == UNKNOWN);
	assert_true(r.end == UNKNOWN);
}

static void ended_process(void **state)
{
	struct thread_stats st = { .created = 8, .exited = 9, .threads_at_exit = 4, .dead = 1 };
	struct thread_counts r = {};

	/* what it had when it began to exit, whatever /proc says about its PID now */
	threads__fill(&st, 1, 17, &r);
	assert_int_equal(r.end, 4);
	assert_int_equal(r.exited, 9);

	st.threads_at_exit = 0;
	threads__fill(&st, 1, -ESRCH, &r);
	assert_true(r.end == UNKNOWN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(exit_codes),
		cmocka_unit_test(live_process),
		cmocka_unit_test(ended_process),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
