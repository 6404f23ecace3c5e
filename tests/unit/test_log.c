// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * elog()'s lines held back while leakbpf attaches (user/base/log.c): printed in order once the
 * attach is done, or dropped when the target's exit explains the failure; never held with
 * -v. stderr is a temporary file here, read back after each step (cmocka's own failure
 * messages land there too: its TAP lines on stdout say which test failed).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "base/log.h"

static int saved = -1;
static FILE *capture;

static int redirect(void **state)
{
	capture = tmpfile();
	if (!capture)
		return -1;
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	return saved < 0 || dup2(fileno(capture), STDERR_FILENO) < 0 ? -1 : 0;
}

static int restore(void **state)
{
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	fclose(capture);
	capture = NULL;
	return 0;
}

/* What was written to stderr since the last call (the fd shares the file's offset). */
static const char *said(void)
{
	static char buf[512];
	static off_t seen;
	ssize_t n;

	fflush(stderr);
	n = pread(fileno(capture), buf, sizeof(buf) - 1, seen);
	n = n < 0 ? 0 : n;
	seen += n;
	buf[n] = '\0';
	return buf;
}

static void not_held(void **state)
{
	elog("one %d", 1);
	assert_string_equal(said(), "leakbpf: one 1\n");
	/* nothing held: nothing to release, in either way */
	log_release(false);
	log_release(true);
	assert_string_equal(said(), "");
}

static void held_then_printed(void **state)
{
	log_hold();
	elog("first (%s)", "a cause");
	elog("second");
	assert_string_equal(said(), "");
	log_release(true);
	assert_string_equal(said(), "leakbpf: first (a cause)\nleakbpf: second\n");
	elog("after");
	assert_string_equal(said(), "leakbpf: after\n");
}

static void held_then_dropped(void **state)
{
	log_hold();
	elog("cannot decode the prologues of libc.so.6 (ENOENT)");
	log_release(false);
	elog("PID 1 exited while leakbpf was attaching");
	log_release(true);
	assert_string_equal(said(), "leakbpf: PID 1 exited while leakbpf was attaching\n");
}

static void verbose_is_never_held(void **state)
{
	log_verbose = true;
	log_hold();
	elog("as it happens");
	assert_string_equal(said(), "leakbpf: as it happens\n");
	log_release(false);
	assert_string_equal(said(), "");
	log_verbose = false;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(not_held),
		cmocka_unit_test(held_then_printed),
		cmocka_unit_test(held_then_dropped),
		cmocka_unit_test(verbose_is_never_held),
	};

	/* one capture for the group: cmocka's own messages go to stdout */
	return cmocka_run_group_tests_name("log", tests, redirect, restore);
}
