// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * user/unwind/unwind.c on made-up stacks: a syscall wrapper without a frame pointer (one that
 * reuses rbp, as glibc's open64 does, and one that leaves it alone, as socket does) called
 * by frame-pointer code, with a stack copy that ends before the stack does; and the same
 * with malloc's callers (operator new leaves rbp alone, strdup reuses it).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>
#include "unwind/unwind.h"

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
#define ASM_SYSCALL 0x1200	/* musl's __syscall_cp_asm: no CFI */
#define ASM_CALLER 0x1305	/* its caller, in the C library, with CFI */
#define OPEN_FILE_START 0x2000
#define STALE 0x2105		/* in path(), which open_file called earlier */
#define STALE_START 0x2100
#define NEW_RET 0x7005		/* operator new, after its call of malloc */
#define STRDUP_RET 0x7105	/* strdup, after its call of malloc */

static int cfi(void *ctx, uint64_t addr, bool return_addr, struct cfi_row *row)
{
	memset(row, 0, sizeof(*row));
	/* frame 0 is where the syscall left off; the others are return addresses */
	assert_int_equal(return_addr, addr != WRAPPER_SAVES_RBP && addr != WRAPPER_PLAIN &&
				      addr != NO_CFI && addr != ASM_SYSCALL);
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
	case STALE:
		row->cfa_reg = CFI_BP;
		row->cfa_off = 16;
		row->ra_off = -8;
		row->bp_rule = CFI_BP_AT;
		row->bp_off = -16;
		return 0;
	case START:
		row->outermost = true;
		return 0;
	case NEW_RET:		/* push %rbx */
		row->cfa_reg = CFI_SP;
		row->cfa_off = 16;
		row->ra_off = -8;
		row->bp_rule = CFI_BP_SAME;
		return 0;
	case STRDUP_RET:	/* push %rbp; push %rbx; sub $8,%rsp */
		row->cfa_reg = CFI_SP;
		row->cfa_off = 32;
		row->ra_off = -8;
		row->bp_rule = CFI_BP_AT;
		row->bp_off = -16;
		return 0;
	case ASM_CALLER:	/* push %rbx; sub $0x10,%rsp, called by open_file */
		row->cfa_reg = CFI_SP;
		row->cfa_off = 0x20;
		row->ra_off = -8;
		row->bp_rule = CFI_BP_SAME;
		return 0;
	}
	return -ENOENT;
}

/* Code before return addresses: calls. RUN_ALL follows a direct call of open_file. */
static int code_before(void *ctx, uint64_t addr, uint8_t code[7])
{
	int32_t rel = OPEN_FILE_START - RUN_ALL;

	if (addr != OPEN_FILE && addr != RUN_ALL && addr != MAIN && addr != ASM_CALLER &&
	    addr != STALE)
		return -ENOENT;
	memset(code, 0x90, 7);
	code[2] = 0xe8;
	memcpy(&code[3], &rel, sizeof(rel));
	return 0;
}

static int func_start(void *ctx, uint64_t addr, uint64_t *start)
{
	*start = addr == OPEN_FILE ? OPEN_FILE_START : addr == STALE ? STALE_START : addr & ~0xffULL;
	return 0;
}

static const struct unwind_ops ops = {
	.cfi = cfi,
	.code_before = code_before,
	.func_start = func_start,
};

static void put(struct unwind_event *e, uint64_t addr, uint64_t val)
{
	memcpy(e->copy + (addr - SP), &val, sizeof(val));
}

/* The frames above the wrapper, as they are in memory; copy_len bytes of them copied. */
static void build(struct unwind_event *e, uint64_t ip, uint64_t bp, uint32_t copy_len)
{
	memset(e, 0, sizeof(*e));
	e->type = EV_UNWIND;
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

static struct unwind_event ev;

/* open64 reuses rbp: only the CFI finds open_file, and the frames behind it */
static void wrapper_reuses_rbp(void **state)
{
	uint64_t want[] = { WRAPPER_SAVES_RBP, OPEN_FILE, RUN_ALL, MAIN };
	struct unwind_result r;

	build(&ev, WRAPPER_SAVES_RBP, 0x402004 /* a path in .rodata */, 0x300);
	unwind__event(&ev, &ops, NULL, &r);
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
	unwind__event(&ev, &ops, NULL, &r);
	assert_int_equal(r.n, 6);
	assert_memory_equal(r.ips, want, sizeof(want));
	assert_int_equal(r.rules[0].rule.type, RULE_CFA_SP);
	assert_int_equal(r.rules[0].rule.bp_off, 0);	/* rbp unchanged */
}

/*
 * No CFI where the syscall was made, and no return address within the copy: the
 * frame-pointer walk as it is, and say so.
 */
static void no_cfi(void **state)
{
	struct unwind_result r;

	build(&ev, NO_CFI, F1, 8);
	put(&ev, SP, 0x402004);		/* not code */
	unwind__event(&ev, &ops, NULL, &r);
	assert_true(r.stuck);
	assert_int_equal(r.stuck_pc, NO_CFI);
	assert_int_equal(r.n, 5);
	assert_int_equal(r.ips[1], RUN_ALL);
	assert_int_equal(r.nrules, 0);
}

/*
 * The syscall in assembly without CFI: the first word up the stack that returns into code
 * with CFI (not the pointer to a string below it, nor the return address above) is taken.
 */
static void asm_without_cfi(void **state)
{
	uint64_t want[] = { ASM_SYSCALL, ASM_CALLER, OPEN_FILE, RUN_ALL, MAIN, START_MAIN, START };
	struct unwind_result r;

	build(&ev, WRAPPER_PLAIN, F1, 0x300);
	ev.ip = ASM_SYSCALL;
	ev.fp.rets[0] = ASM_SYSCALL;
	put(&ev, SP, 0x402004);		/* not code */
	put(&ev, SP + 8, ASM_CALLER);
	put(&ev, SP + 16 + 0x20 - 8, OPEN_FILE);	/* ASM_CALLER's return address */
	unwind__event(&ev, &ops, NULL, &r);
	assert_false(r.stuck);
	assert_int_equal(r.n, 7);
	assert_memory_equal(r.ips, want, sizeof(want));
	/* a guess is no rule for bpf/fds: the rules start at the caller, which has CFI */
	assert_int_equal(r.rules[0].pc, ASM_CALLER);
	assert_int_equal(r.rules[0].rule.type, RULE_CFA_SP);
	assert_int_equal(r.rules[0].rule.cfa_off, 0x20);
}

/*
 * No CFI at all where the syscall was made (musl): a return address into path(), left on
 * the stack by an earlier call, is passed over for the one into open_file, the function
 * run_all called.
 */
static void stale_return_address(void **state)
{
	uint64_t want[] = { NO_CFI, OPEN_FILE, RUN_ALL, MAIN, START_MAIN, START };
	struct unwind_result r;

	build(&ev, WRAPPER_PLAIN, F1, 0x300);
	ev.ip = NO_CFI;
	ev.fp.rets[0] = NO_CFI;
	put(&ev, SP, 0x402004);
	put(&ev, SP + 0x18, STALE);
	put(&ev, SP + 0x40, OPEN_FILE);
	unwind__event(&ev, &ops, NULL, &r);
	assert_false(r.stuck);
	assert_int_equal(r.n, 6);
	assert_memory_equal(r.ips, want, sizeof(want));
	assert_int_equal(r.rules[0].pc, OPEN_FILE);
}

/*
 * No CFI, and the wrapper keeps a pointer to the caller's locals in rbp (musl's socketpair):
 * open_file's frame pointer is the one the wrapper saved on the stack.
 */
static void rbp_reused_without_cfi(void **state)
{
	uint64_t want[] = { NO_CFI, OPEN_FILE, RUN_ALL, MAIN, START_MAIN, START };
	struct unwind_result r;

	build(&ev, WRAPPER_PLAIN, F1 - 0x20 /* int sv[2] in open_file's frame */, 0x300);
	ev.ip = NO_CFI;
	ev.fp.rets[0] = NO_CFI;
	ev.nfp = 1;
	put(&ev, SP, 0x402004);
	put(&ev, SP + 0x10, F1);	/* push %rbp */
	put(&ev, SP + 0x18, STALE);
	put(&ev, SP + 0x40, OPEN_FILE);
	unwind__event(&ev, &ops, NULL, &r);
	assert_int_equal(r.n, 4);	/* the copy ends at F3: no kernel walk to join */
	assert_memory_equal(r.ips, want, 4 * sizeof(want[0]));
}

/* An allocation through operator new: frame 0 is a return address, looked up as one. */
static void alloc_keeps_rbp(void **state)
{
	uint64_t want[] = { NEW_RET, OPEN_FILE, RUN_ALL, MAIN, START_MAIN, START };
	uint64_t ips[MAX_STACK_DEPTH];
	struct unwind_result r;

	build(&ev, WRAPPER_PLAIN, F1, 0x300);
	ev.origin = UNWIND_ALLOC;
	ev.ip = NEW_RET;
	ev.fp.rets[0] = NEW_RET;
	put(&ev, SP + 8, OPEN_FILE);
	unwind__event(&ev, &ops, NULL, &r);
	assert_int_equal(r.n, 6);
	assert_memory_equal(r.ips, want, sizeof(want));
	assert_int_equal(r.rules[0].pc, NEW_RET);
	assert_int_equal(r.rules[0].rule.type, RULE_CFA_SP);
	/* BPF: operator new by its rule, open_file keeps rbp: the walk the event carries */
	assert_int_equal(unwind__bpf_view(&ev, &r, ips), 6);
	assert_memory_equal(ips, want, sizeof(want));
}

/*
 * An allocation through strdup, which holds a length in rbp: BPF's frames are the rule's,
 * then the walk from the rbp it restores, which user space follows in the copy.
 */
static void alloc_restores_rbp(void **state)
{
	uint64_t want[] = { STRDUP_RET, OPEN_FILE, RUN_ALL, MAIN };
	uint64_t ips[MAX_STACK_DEPTH];
	struct unwind_result r;

	build(&ev, WRAPPER_PLAIN, 9, 0x300);
	ev.origin = UNWIND_ALLOC;
	ev.ip = STRDUP_RET;
	ev.fp.rets[0] = STRDUP_RET;
	put(&ev, SP, 0);
	put(&ev, SP + 16, F1);		/* push %rbp */
	put(&ev, SP + 24, OPEN_FILE);
	unwind__event(&ev, &ops, NULL, &r);
	assert_int_equal(r.rules[0].rule.bp_off, -16);
	/* the copy ends before F3: BPF walks on in memory, user space stops there */
	assert_int_equal(unwind__bpf_view(&ev, &r, ips), 4);
	assert_memory_equal(ips, want, sizeof(want));
	/* without a rule, frame 0 is taken for a frame-pointer frame, as BPF does */
	r.nrules = 0;
	assert_int_equal(unwind__bpf_view(&ev, &r, ips), 1);
	assert_int_equal(ips[0], STRDUP_RET);
}

static void call_bytes(void **state)
{
	const uint8_t rel32[7] = { 0x90, 0x90, 0xe8, 1, 2, 3, 4 };
	const uint8_t reg[7] = { 0x90, 0x90, 0x90, 0x90, 0x41, 0xff, 0xd3 };
	const uint8_t rip[7] = { 0x90, 0xff, 0x15, 1, 2, 3, 4 };
	const uint8_t disp8[7] = { 0x90, 0x90, 0x90, 0x90, 0xff, 0x50, 0x08 };
	const uint8_t mov[7] = { 0x90, 0x90, 0x48, 0x89, 0xc7, 0x90, 0xc3 };
	uint64_t target;

	assert_true(unwind__ends_in_call(rel32));
	assert_true(unwind__ends_in_call(reg));
	assert_true(unwind__ends_in_call(rip));
	assert_true(unwind__ends_in_call(disp8));
	assert_false(unwind__ends_in_call(mov));
	assert_int_equal(unwind__call_target(rel32, 0x1000, &target), 0);
	assert_int_equal(target, 0x1000 + 0x04030201);
	assert_int_equal(unwind__call_target(reg, 0x1000, &target), -ENOENT);
}

/* an empty copy (the stack top was unreadable): the ip, and what the walk agrees with */
static void empty_copy(void **state)
{
	struct unwind_result r;

	build(&ev, WRAPPER_SAVES_RBP, 0x402004, 0);
	unwind__event(&ev, &ops, NULL, &r);
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
		cmocka_unit_test(asm_without_cfi),
		cmocka_unit_test(stale_return_address),
		cmocka_unit_test(rbp_reused_without_cfi),
		cmocka_unit_test(call_bytes),
		cmocka_unit_test(alloc_keeps_rbp),
		cmocka_unit_test(alloc_restores_rbp),
		cmocka_unit_test(rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
