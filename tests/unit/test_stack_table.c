// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * user/unwind/stack_table.c: the stacks user space unwound, by id. A later stack for an id takes
 * the place of the earlier one; past the cap, stacks are counted as lost, not kept.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "unwind/stack_table.h"

static void put_get_replace(void **state)
{
	struct stack_table st = { .max = 4 };
	const uint64_t a[] = { 0x1005, 0x2005, 0x3005 }, b[] = { 0x1005, 0x4005 };
	const uint64_t *ips;

	assert_int_equal(stack_table__get(&st, 7, &ips), 0);
	assert_int_equal(stack_table__put(&st, 7, a, 3), 0);
	assert_int_equal(stack_table__get(&st, 7, &ips), 3);
	assert_memory_equal(ips, a, sizeof(a));
	/* the same id again: the latest stack, still one entry */
	assert_int_equal(stack_table__put(&st, 7, b, 2), 0);
	assert_int_equal(stack_table__get(&st, 7, &ips), 2);
	assert_memory_equal(ips, b, sizeof(b));
	assert_int_equal(st.n, 1);
	stack_table__clear(&st);
	assert_int_equal(stack_table__get(&st, 7, &ips), 0);
}

static void cap(void **state)
{
	struct stack_table st = { .max = 2 };
	const uint64_t a[] = { 0x1005 };
	const uint64_t *ips;

	assert_int_equal(stack_table__put(&st, 1, a, 1), 0);
	assert_int_equal(stack_table__put(&st, 2, a, 1), 0);
	assert_int_equal(stack_table__put(&st, 3, a, 1), -ENOSPC);
	assert_int_equal(st.lost, 1);
	assert_int_equal(stack_table__get(&st, 3, &ips), 0);
	/* a stack for an id kept already still takes its place */
	assert_int_equal(stack_table__put(&st, 2, a, 1), 0);
	assert_int_equal(st.lost, 1);
	stack_table__clear(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(put_get_replace),
		cmocka_unit_test(cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
