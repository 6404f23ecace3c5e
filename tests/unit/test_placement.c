// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * Entry-probe placement (user/proc/placement.c): the hand-written prologues of prologues.S,
 * one rule each, decoded from this binary's own text; and the real C library's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "probe/alloc_plan.h"
#include "proc/allocator.h"
#include "proc/placement.h"
#include <linux/types.h>
#include "abi/alloc.h"

#define PROLOGUE(name) extern char name[]

PROLOGUE(pl_push_first);
PROLOGUE(pl_endbr_push);
PROLOGUE(pl_cmp_rip_push);
PROLOGUE(pl_mov_other);
PROLOGUE(pl_writes_rsi);
PROLOGUE(pl_sub_rsp);
PROLOGUE(pl_lea_rsp);
PROLOGUE(pl_free_null);
PROLOGUE(pl_free_null_effect);
PROLOGUE(pl_no_emulated);
PROLOGUE(pl_tail_jump);

/* a kernel of 6.10 or later: push is emulated (tests must not depend on the host's) */
static const struct emulation emu = { .push = true };

static struct probe_site place(const char *code, unsigned int flags)
{
	struct probe_site s;

	assert_int_equal(placement__decide((const uint8_t *)code, 64, (uintptr_t)code, flags,
					   &emu, &s), 0);
	return s;
}

static void entry_emulated(void **state)
{
	struct probe_site s = place(pl_push_first, PLACE_NARGS(1));

	assert_int_equal(s.skip, 0);
	assert_true(s.emulated);
	assert_string_equal(s.insn, "push r12");
}

static void skips_harmless(void **state)
{
	struct probe_site s;

	s = place(pl_endbr_push, PLACE_NARGS(1));
	assert_int_equal(s.skip, 4);
	assert_true(s.emulated);
	s = place(pl_cmp_rip_push, PLACE_NARGS(3));
	assert_int_equal(s.skip, 7);
	assert_int_equal(s.sp_delta, 0);
	s = place(pl_mov_other, PLACE_NARGS(6));
	assert_int_equal(s.skip, 5);
	assert_string_equal(s.insn, "push r12");
}

static void argument_registers(void **state)
{
	struct probe_site s;

	s = place(pl_writes_rsi, PLACE_NARGS(1));
	assert_int_equal(s.skip, 5);
	s = place(pl_writes_rsi, PLACE_NARGS(2));
	assert_int_equal(s.skip, 0);
	assert_false(s.emulated);
	assert_non_null(strstr(s.why, "argument register"));
}

static void stack_pointer(void **state)
{
	struct probe_site s;

	s = place(pl_sub_rsp, PLACE_NARGS(1));
	assert_int_equal(s.skip, 4);
	assert_int_equal(s.sp_delta, 0x18);
	s = place(pl_sub_rsp, PLACE_NARGS(1) | PLACE_KEEP_SP);
	assert_int_equal(s.skip, 0);
	assert_int_equal(s.sp_delta, 0);
	s = place(pl_lea_rsp, PLACE_NARGS(1));
	assert_int_equal(s.skip, 0);
	assert_non_null(strstr(s.why, "stack pointer"));
}

static void free_null(void **state)
{
	struct probe_site s;

	s = place(pl_free_null, PLACE_NARGS(1) | PLACE_NULL_ARG0_RETURNS);
	assert_int_equal(s.skip, 5);	/* test (3) + je rel8 (2) */
	assert_string_equal(s.insn, "push rbp");
	/* without the rule, the je itself is the first emulated instruction */
	s = place(pl_free_null, PLACE_NARGS(1));
	assert_int_equal(s.skip, 3);
	/* a branch that does something is never skipped */
	s = place(pl_free_null_effect, PLACE_NARGS(1) | PLACE_NULL_ARG0_RETURNS);
	assert_int_equal(s.skip, 3);
	assert_non_null(strstr(s.insn, "je "));
}

static void nothing_emulated(void **state)
{
	struct probe_site s = place(pl_no_emulated, PLACE_NARGS(1));

	assert_int_equal(s.skip, 0);
	assert_false(s.emulated);
}

static void emulated_table(void **state)
{
	static const struct {
		uint8_t code[4];
		size_t len;
		bool emulated;
	} cases[] = {
		{ { 0x90 }, 1, true },			/* nop */
		{ { 0x55 }, 1, true },			/* push %rbp */
		{ { 0x41, 0x54 }, 2, true },		/* push %r12 */
		{ { 0x48, 0x55 }, 2, false },		/* rex.W push: not emulated */
		{ { 0xe8, 0, 0, 0 }, 4, true },		/* call rel32 (truncated is fine) */
		{ { 0x74, 0x02 }, 2, true },		/* je rel8 */
		{ { 0x0f, 0x84, 0, 0 }, 4, true },	/* je rel32 */
		{ { 0x66, 0xe8, 0, 0 }, 4, false },	/* callw: refused by the kernel */
		{ { 0x3e, 0xff, 0xe0 }, 3, false },	/* notrack jmp *%rax: bad prefix */
		{ { 0xf3, 0x0f, 0x1e, 0xfa }, 4, false },	/* endbr64 */
		{ { 0x0f, 0x1f, 0x00 }, 3, false },	/* nopl: emulated from 6.16 only */
	};
	struct emulation newer = { .push = true, .multibyte_nop = true };
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(placement__emulated(cases[i].code, cases[i].len, &emu),
				 cases[i].emulated);
	assert_true(placement__emulated((const uint8_t *)"\x0f\x1f\x00", 3, &newer));
	assert_false(placement__emulated((const uint8_t *)"\x55", 1,
					 &(struct emulation){ .push = false }));
}

static void tail_jump(void **state)
{
	uint64_t targets[4];
	size_t len = 32;

	assert_int_equal(placement__tail_jump((const uint8_t *)pl_tail_jump, len,
					      (uintptr_t)pl_tail_jump), (uintptr_t)pl_push_first);
	assert_int_equal(placement__branches_out((const uint8_t *)pl_tail_jump, len,
						 (uintptr_t)pl_tail_jump, targets, 4), 1);
	assert_int_equal(targets[0], (uintptr_t)pl_push_first);
	assert_int_equal(placement__tail_jump((const uint8_t *)pl_push_first, 6,
					      (uintptr_t)pl_push_first), 0);
}

/* Debian 12's glibc 2.36 on x86-64, as the benchmark probes it */
static void real_libc(void **state)
{
	struct allocator a;
	struct alloc_plan plan;
	int i;

	if (allocator__find_for_program("/bin/true", &a) || !strstr(a.path, "libc.so")) {
		skip();
		return;
	}
	assert_int_equal(alloc_plan__make(&a, true, true, true, &plan), 0);
	for (i = 0; i < plan.n; i++) {
		const struct alloc_site *s = &plan.sites[i];

		if (!strcmp(s->site.insn, "") || s->site.sp_delta)
			fail_msg("%s: no site or a moved stack pointer", alloc_func_names[s->fn]);
		if (s->fn == AF_FREE) {
			/* free(NULL) is skipped: the probe is past `test rdi, rdi; je` */
			assert_true(s->site.skip > 0);
			assert_non_null(strstr(s->site.why, "test rdi, rdi"));
		}
		if (s->fn == AF_MALLOC)
			assert_int_equal(s->cookie & COOKIE_CALLED, COOKIE_CALLED);
		if (s->fn == AF_REALLOC)
			assert_int_equal(s->cookie & COOKIE_CALLS, COOKIE_CALLS);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(entry_emulated),
		cmocka_unit_test(skips_harmless),
		cmocka_unit_test(argument_registers),
		cmocka_unit_test(stack_pointer),
		cmocka_unit_test(free_null),
		cmocka_unit_test(nothing_emulated),
		cmocka_unit_test(emulated_table),
		cmocka_unit_test(tail_jump),
		cmocka_unit_test(real_libc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
