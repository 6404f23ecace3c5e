// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * user/unwind.c on made-up stacks: a syscall wrapper without a frame pointer (one that
 * reuses rbp, as glibc's open64 does, and one that leaves it alone, as socket does) called
 * by frame-pointer code, with a stack copy that ends before the stack does.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>
#include "unwind.h"

#define SP 0x7ffd00001000ULL
#define F1 (SP + 0x100)		/* frame pointers of the frame-pointer functions */
#define F2 (SP + 0x200)
#define F3 (SP + 0x2000)	/* beyond the copy */
#define F4 (SP + 0x2100)

/* pcs: the wrapper's syscall site, and return addresses into its callers */
#define WRAPPER_SAVES_RBP 0x1000
#define WRAPPER_PLAIN 0x1100
#define OPEN_FILE 0x2005
#define RUN_ALL 0x3005
#define MAIN 0x4005
#define START_MAIN 0x5005
#define START 0x6005
#define NO_CFI 0x9000

static int cfi(void *ctx, uint64_t addr, bool return_addr, struct cfi_row *row)
{
	memset(row, 0, sizeof(*row));
	/* frame 0 is where the syscall left off; the others are return addresses */
	assert_int_equal(return_addr, addr != WRAPPER_SAVES_RBP && addr != WRAPPER_PLAIN &&
				      addr != NO_CFI);
	switch (addr) {
	case WRAPPER_SAVES_RBP:	/* push %rbp; push %rbx; sub $0x68,%rsp */
		row->cfa_reg = CFI_SP;
		row->cfa_off = 0x80;
		row->ra_off = -8;
		row->bp_rule = CFI_BP_AT;
		row->bp_off = -16;
		return 0;
	case WRAPPER_PLAIN:	/* mov $41,%eax; syscall */
		row->cfa_reg = CFI_SP;
		row->cfa_off = 8;
		row->ra_off = -8;
		row->bp_rule = CFI_BP_SAME;
		return 0;
	case OPEN_FILE:
	case RUN_ALL:
	case MAIN:
		row->cfa_reg = CFI_BP;
		row->cfa_off = 16;
		row->ra_off = -8;
		row->bp_rule = CFI_BP_AT;
		row->bp_off = -16;
		return 0;
	case START:
		row->outermost = true;
		return 0;
	}
	return -ENOENT;
}

static void put(struct fd_unwind_event *e, uint64_t addr, uint64_t val)
{
	memcpy(e->copy + (addr - SP), &val, sizeof(val));
}

/* The frames above the wrapper, as they are in memory; copy_len bytes of them copied. */
static void build(struct fd_unwind_event *e, uint64_t ip, uint64_t bp, uint32_t copy_len)
{
	memset(e, 0, sizeof(*e));
	e->type = FD_EV_UNWIND;
	e->ip = ip;
	e->sp = SP;
	e->bp = bp;
	e->copy_len = copy_len;
	if (ip == WRAPPER_SAVES_RBP) {
		put(e, SP + 0x78, OPEN_FILE);
		put(e, SP + 0x70, F1);
	} else {
		put(e, SP, OPEN_FILE);
	}
	put(e, F1, F2);
	put(e, F1 + 8, RUN_ALL);
	put(e, F2, F3);
	put(e, F2 + 8, MAIN);
	/* the kernel's frame-pointer walk from the syscall's rbp */
	e->fp.rets[0] = ip;
	if (bp == F1) {
		uint64_t rets[] = { RUN_ALL, MAIN, START_MAIN, START };
		uint64_t bps[] = { F1, F2, F3, F4 };

		memcpy(&e->fp.rets[1], rets, sizeof(rets));
		memcpy(&e->fp.bps[1], bps, sizeof(bps));
		e->nfp = 5;
	} else {
		e->nfp = 1;	/* rbp held a string: the walk found nothing */
	}
}

static struct fd_unwind_event ev;

/* open64 reuses rbp: only the CFI finds open_file, and the frames behind it */
static void wrapper_reuses_rbp(void **state)
{
	uint64_t want[] = { WRAPPER_SAVES_RBP, OPEN_FILE, RUN_ALL, MAIN };
	struct unwind_result r;

	build(&ev, WRAPPER_SAVES_RBP, 0x402004 /* a path in .rodata */, 0x300);
	unwind__event(&ev, cfi, NULL, &r);
	assert_int_equal(r.n, 4);
	assert_memory_equal(r.ips, want, sizeof(want));
	assert_false(r.stuck);
	/* the wrapper's rule for bpf/fds, then frame pointers from open_file on */
	assert_int_equal(r.nrules, 4);
	assert_int_equal(r.rules[0].pc, WRAPPER_SAVES_RBP);
	assert_int_equal(r.rules[0].rule.type, RULE_CFA_SP);
	assert_int_equal(r.rules[0].rule.cfa_off, 0x80);
	assert_int_equal(r.rules[0].rule.ra_off, -8);
	assert_int_equal(r.rules[0].rule.bp_off, -16);
	assert_int_equal(r.rules[1].pc, OPEN_FILE);
	assert_int_equal(r.rules[1].rule.type, RULE_FP);
}

/* socket leaves rbp alone: past the copy, the kernel's frame-pointer walk takes over */
static void wrapper_keeps_rbp(void **state)
{
	uint64_t want[] = { WRAPPER_PLAIN, OPEN_FILE, RUN_ALL, MAIN, START_MAIN, START };
	struct unwind_result r;

	build(&ev, WRAPPER_PLAIN, F1, 0x300);
	unwind__event(&ev, cfi, NULL, &r);
	assert_int_equal(r.n, 6);
	assert_memory_equal(r.ips, want, sizeof(want));
	assert_int_equal(r.rules[0].rule.type, RULE_CFA_SP);
	assert_int_equal(r.rules[0].rule.bp_off, 0);	/* rbp unchanged */
}

/* no CFI where the syscall was made: the frame-pointer walk as it is, and say so */
static void no_cfi(void **state)
{
	struct unwind_result r;

	build(&ev, NO_CFI, F1, 0x300);
	unwind__event(&ev, cfi, NULL, &r);
	assert_true(r.stuck);
	assert_int_equal(r.stuck_pc, NO_CFI);
	assert_int_equal(r.n, 5);
	assert_int_equal(r.ips[1], RUN_ALL);
	assert_int_equal(r.nrules, 0);
}

/* an empty copy (the stack top was unreadable): the ip, and what the walk agrees with */
static void empty_copy(void **state)
{
	struct unwind_result r;

	build(&ev, WRAPPER_SAVES_RBP, 0x402004, 0);
	unwind__event(&ev, cfi, NULL, &r);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.ips[0], WRAPPER_SAVES_RBP);
}

static void rules(void **state)
{
	struct cfi_row row = { .cfa_reg = CFI_SP, .cfa_off = 8, .ra_off = -8 };
	struct unwind_rule rule;

	row.bp_rule = CFI_BP_LOST;
	assert_int_equal(unwind__rule(&row, &rule), -ENOTSUP);
	row.bp_rule = CFI_BP_AT;
	row.bp_off = 0;		/* 0 means "unchanged" to bpf/fds */
	assert_int_equal(unwind__rule(&row, &rule), -ENOTSUP);
	row.cfa_off = 1LL << 40;
	row.bp_rule = CFI_BP_SAME;
	assert_int_equal(unwind__rule(&row, &rule), -ENOTSUP);
	row.cfa_reg = CFI_BP;
	row.cfa_off = 32;	/* rbp-based, not the usual frame */
	assert_int_equal(unwind__rule(&row, &rule), 0);
	assert_int_equal(rule.type, RULE_CFA_BP);
	memset(&row, 0, sizeof(row));
	row.outermost = true;
	assert_int_equal(unwind__rule(&row, &rule), 0);
	assert_int_equal(rule.type, RULE_END);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(wrapper_reuses_rbp),
		cmocka_unit_test(wrapper_keeps_rbp),
		cmocka_unit_test(no_cfi),
		cmocka_unit_test(empty_copy),
		cmocka_unit_test(rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
