/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * A small test_progs (tools/testing/selftests/bpf): each prog_tests/NAME.c defines
 * `void test_NAME(void)`, found by the Makefile; subtests via test__start_subtest(); the
 * ASSERT_* macros print what they compared and mark the (sub)test failed.
 */
#ifndef LEAKBPF_TEST_PROGS_H
#define LEAKBPF_TEST_PROGS_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct test_state {
	const char *test;	/* running test */
	char subtest[128];	/* running subtest, "" outside */
	bool failed;		/* the running (sub)test failed */
	bool skipped;
	int passed, nfailed, nskipped;
};

extern struct test_state env_test;

/* Start a subtest (closing the previous one); false if it is filtered out. */
bool test__start_subtest(const char *name);
/* The running (sub)test cannot run here (not root, no BTF...): say why. */
void test__skip(const char *why);
void test__fail(void);

#define _CHECK(cond, name, fmt, ...)                                                     \
	({                                                                               \
		bool ___ok = !(cond);                                                    \
		if (!___ok) {                                                            \
			test__fail();                                                    \
			fprintf(stderr, "%s:%d: FAIL %s: " fmt "\n", __FILE__, __LINE__,  \
				name, ##__VA_ARGS__);                                    \
		} else if (getenv("TEST_VERBOSE")) {                                     \
			fprintf(stderr, "  ok %s\n", name);                              \
		}                                                                        \
		___ok;                                                                   \
	})

#define ASSERT_TRUE(actual, name) _CHECK(!(actual), (name), "expected true")
#define ASSERT_FALSE(actual, name) _CHECK((actual), (name), "expected false")
#define ASSERT_EQ(actual, expected, name)                                                \
	({                                                                               \
		long long ___a = (actual), ___e = (expected);                            \
		_CHECK(___a != ___e, (name), "actual %lld != expected %lld", ___a, ___e); \
	})
#define ASSERT_GE(actual, expected, name)                                                \
	({                                                                               \
		long long ___a = (actual), ___e = (expected);                            \
		_CHECK(___a < ___e, (name), "actual %lld < expected %lld", ___a, ___e);   \
	})
#define ASSERT_LE(actual, expected, name)                                                \
	({                                                                               \
		long long ___a = (actual), ___e = (expected);                            \
		_CHECK(___a > ___e, (name), "actual %lld > expected %lld", ___a, ___e);   \
	})
#define ASSERT_NEAR(actual, expected, tol, name)                                         \
	({                                                                               \
		double ___a = (actual), ___e = (expected);                               \
		_CHECK(___a < ___e - (tol) || ___a > ___e + (tol), (name),               \
		       "actual %g not within %g of %g", ___a, (double)(tol), ___e);      \
	})
#define ASSERT_STREQ(actual, expected, name)                                             \
	({                                                                               \
		const char *___a = (actual), *___e = (expected);                         \
		_CHECK(!___a || strcmp(___a, ___e), (name), "actual '%s' != expected '%s'", \
		       ___a ? ___a : "(null)", ___e);                                    \
	})
#define ASSERT_OK(res, name)                                                             \
	({                                                                               \
		long long ___r = (res);                                                  \
		_CHECK(___r != 0, (name), "unexpected error %lld (errno %d: %s)", ___r,  \
		       errno, strerror(errno));                                          \
	})
#define ASSERT_OK_PTR(ptr, name) _CHECK(!(ptr), (name), "unexpected NULL (errno %d: %s)", \
					errno, strerror(errno))

#endif
