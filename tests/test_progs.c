// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * Runs every test_NAME() of prog_tests/ (or those named on the command line, as NAME or
 * NAME/SUBTEST prefixes) and prints one PASS/FAIL/SKIP line per (sub)test and a summary.
 */
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include "test_progs.h"

#define DEFINE_TEST(name) void test_##name(void);
#include "tests.h"
#undef DEFINE_TEST

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
#define DEFINE_TEST(name) { #name, test_##name },
#include "tests.h"
#undef DEFINE_TEST
};

struct test_state env_test;
static bool had_subtests;
static char **filters;
static int nfilters;

static bool selected(const char *test, const char *sub)
{
	char full[256];
	int i;

	if (!nfilters)
		return true;
	snprintf(full, sizeof(full), "%s%s%s", test, sub ? "/" : "", sub ? sub : "");
	for (i = 0; i < nfilters; i++) {
		size_t n = strlen(filters[i]);

		/* "memory" selects memory and memory/..., "memory/exact" one subtest */
		if (!strncmp(full, filters[i], n) && (!full[n] || full[n] == '/' || sub == NULL))
			return true;
		if (sub == NULL && !strncmp(filters[i], test, strlen(test)) &&
		    filters[i][strlen(test)] == '/')
			return true;
	}
	return false;
}

static void finish(void)
{
	const char *label = env_test.subtest[0] ? env_test.subtest : NULL;

	if (!env_test.test)
		return;
	if (env_test.skipped) {
		env_test.nskipped++;
		printf("SKIP %s%s%s\n", env_test.test, label ? "/" : "", label ? label : "");
	} else if (env_test.failed) {
		env_test.nfailed++;
		printf("FAIL %s%s%s\n", env_test.test, label ? "/" : "", label ? label : "");
	} else {
		env_test.passed++;
		printf("PASS %s%s%s\n", env_test.test, label ? "/" : "", label ? label : "");
	}
	fflush(stdout);
	env_test.failed = env_test.skipped = false;
	env_test.subtest[0] = '\0';
}

bool test__start_subtest(const char *name)
{
	if (env_test.subtest[0])
		finish();
	had_subtests = true;
	if (!selected(env_test.test, name))
		return false;
	snprintf(env_test.subtest, sizeof(env_test.subtest), "%s", name);
	return true;
}

void test__skip(const char *why)
{
	env_test.skipped = true;
	fprintf(stderr, "  skipped: %s\n", why);
}

void test__fail(void)
{
	env_test.failed = true;
}

int main(int argc, char **argv)
{
	size_t i;

	filters = argv + 1;
	nfilters = argc - 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* a write to a process or server that went away fails its test, not the whole run */
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		if (!selected(tests[i].name, NULL))
			continue;
		env_test.test = tests[i].name;
		env_test.subtest[0] = '\0';
		env_test.failed = env_test.skipped = false;
		had_subtests = false;
		tests[i].fn();
		/* a test with subtests reports them; one without reports itself */
		if (env_test.subtest[0] || !had_subtests)
			finish();
	}
	printf("test_progs: %d passed, %d failed, %d skipped\n", env_test.passed,
	       env_test.nfailed, env_test.nskipped);
	return env_test.nfailed ? 1 : 0;
}
