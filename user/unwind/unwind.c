// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include "unwind/unwind.h"

static bool fits_s32(int64_t v)
{
	return v >= INT_MIN && v <= INT_MAX;
}

int unwind__rule(const struct cfi_row *row, struct unwind_rule *out)
{
	memset(out, 0, sizeof(*out));
	if (row->outermost) {
		out->type = RULE_END;
		return 0;
	}
	/* BPF cannot go on without rbp; bp_off 0 already means "unchanged" there */
	if (row->bp_rule == CFI_BP_LOST || (row->bp_rule == CFI_BP_AT && !row->bp_off) ||
	    !fits_s32(row->cfa_off) || !fits_s32(row->ra_off) || !fits_s32(row->bp_off))
		return -ENOTSUP;
	/* push %rbp; mov %rsp,%rbp: from here on, the frame-pointer walk is right */
	if (row->cfa_reg == CFI_BP && row->cfa_off == 16 && row->ra_off == -8 &&
	    row->bp_rule == CFI_BP_AT && row->bp_off == -16) {
		out->type = RULE_FP;
		return 0;
	}
	out->type = row->cfa_reg == CFI_SP ? RULE_CFA_SP : RULE_CFA_BP;
	out->cfa_off = row->cfa_off;
	out->ra_off = row->ra_off;
	out->bp_off = row->bp_rule == CFI_BP_AT ? row->bp_off : 0;
	return 0;
}

/* How far up the stack frames without CFI are searched for a return address. */
#define SCAN_WORDS 64

bool unwind__ends_in_call(const uint8_t c[7])
{
	/* c[7] would be the byte at the return address */
	return c[2] == 0xe8 ||					/* call rel32 */
	       (c[5] == 0xff && (c[6] & 0xf8) == 0xd0) ||		/* call *%reg */
	       (c[4] == 0xff && (c[5] & 0xf8) == 0x50) ||		/* call *disp8(%reg) */
	       (c[1] == 0xff && (c[2] == 0x15 || (c[2] & 0xf8) == 0x90));	/* *disp32(...) */
}

int unwind__call_target(const uint8_t c[7], uint64_t ret, uint64_t *target)
{
	int32_t rel;

	if (c[2] != 0xe8)
		return -ENOENT;
	memcpy(&rel, &c[3], sizeof(rel));
	*target = ret + rel;
	return 0;
}

/* The word at a user address, if the copy of the stack holds it. */
static bool read_copy(const struct unwind_event *e, uint64_t addr, uint64_t *val)
{
	uint64_t len = e->copy_len < sizeof(e->copy) ? e->copy_len : sizeof(e->copy);

	if (addr < e->sp || len < sizeof(*val) || addr - e->sp > len - sizeof(*val))
		return false;
	memcpy(val, e->copy + (addr - e->sp), sizeof(*val));
	return true;
}

static void add_rule(struct unwind_result *out, uint64_t pc, const struct cfi_row *row)
{
	struct unwind_rule rule;

	if (out->nrules < MAX_STACK_DEPTH && !unwind__rule(row, &rule)) {
		out->rules[out->nrules].pc = pc;
		out->rules[out->nrules].rule = rule;
		out->nrules++;
	}
}

/* The return address of the frame-pointer frame at bp, from the copy or the kernel's walk. */
static bool fp_return(const struct unwind_event *e, uint64_t bp, uint64_t *ret)
{
	int k, nfp = e->nfp < MAX_STACK_DEPTH ? e->nfp : MAX_STACK_DEPTH;

	if (read_copy(e, bp + 8, ret))
		return true;
	for (k = 1; k < nfp; k++) {
		if (e->fp.bps[k] == bp) {
			*ret = e->fp.rets[k];
			return true;
		}
	}
	return false;
}

/* Is there a frame-pointer frame at bp, entered by a call of the function at start? */
static bool frame_of(const struct unwind_event *e, uint64_t bp, uint64_t start,
		     const struct unwind_ops *ops, void *ctx)
{
	uint64_t caller_ret, target;
	uint8_t code[7];

	if (!fp_return(e, bp, &caller_ret) || ops->code_before(ctx, caller_ret, code) ||
	    !unwind__ends_in_call(code))
		return false;
	/* an indirect call cannot be checked: that it follows a call will do */
	return unwind__call_target(code, caller_ret, &target) || target == start;
}

/*
 * Can w, found on the stack at slot, be the return address of the frames without CFI
 * below it? It must follow a call, into code with CFI. If that code keeps a frame pointer,
 * its frame must be at bp and have been entered by a call of w's function: words left over
 * from earlier calls (the locals of code without CFI are full of them) fail that. Code
 * without CFI may also have put rbp to other uses: then the frame pointer it saved is
 * searched for below the slot, and *bp set to it.
 */
static bool plausible_return(const struct unwind_event *e, uint64_t slot, uint64_t w,
			     uint64_t *bp, bool *bp_known, const struct unwind_ops *ops,
			     void *ctx)
{
	struct unwind_rule rule;
	struct cfi_row row;
	uint64_t start, a, v;
	uint8_t code[7];

	if (ops->code_before(ctx, w, code) || !unwind__ends_in_call(code) ||
	    ops->cfi(ctx, w, true, &row))
		return false;
	if (unwind__rule(&row, &rule) || rule.type != RULE_FP)
		return true;	/* no frame pointer of its own to check */
	if (ops->func_start(ctx, w, &start))
		return true;	/* nothing to check against */
	if (*bp_known && frame_of(e, *bp, start, ops, ctx))
		return true;
	for (a = e->sp; a < slot; a += 8) {
		if (read_copy(e, a, &v) && v > slot && frame_of(e, v, start, ops, ctx)) {
			*bp = v;
			*bp_known = true;
			return true;
		}
	}
	return false;
}

/* The stack slot above sp holding the return address past frames without CFI; 0: none. */
static uint64_t scan_for_return(const struct unwind_event *e, uint64_t sp, uint64_t *bp,
				bool *bp_known, const struct unwind_ops *ops, void *ctx)
{
	uint64_t slot, w;
	int i;

	for (i = 0, slot = sp; i < SCAN_WORDS && read_copy(e, slot, &w); i++, slot += 8) {
		if (plausible_return(e, slot, w, bp, bp_known, ops, ctx))
			return slot;
	}
	return 0;
}

void unwind__event(const struct unwind_event *e, const struct unwind_ops *ops, void *ctx,
		   struct unwind_result *out)
{
	uint64_t pc = e->ip, sp = e->sp, bp = e->bp, cfa, ra, saved = 0;
	bool bp_known = true;
	struct cfi_row row;
	int k, nfp;

	out->n = 0;
	out->nrules = 0;
	out->stuck = false;
	out->ips[out->n++] = pc;
	while (out->n < MAX_STACK_DEPTH) {
		/* frame 0 stopped after a syscall instruction, or at a return; others at returns */
		if (ops->cfi(ctx, pc, out->n > 1 || e->origin == UNWIND_ALLOC, &row)) {
			saved = scan_for_return(e, sp, &bp, &bp_known, ops, ctx);
			if (!saved) {
				out->stuck = true;
				out->stuck_pc = pc;
				break;
			}
			/*
			 * As if CFI said: the return address at that slot, rbp untouched. Not a
			 * rule for BPF: the slot may lie several frames up, and other paths
			 * through the same pc have other frames.
			 */
			row.cfa_reg = CFI_SP;
			row.cfa_off = saved + 8 - sp;
			row.ra_off = -8;
			row.bp_rule = CFI_BP_SAME;
			row.outermost = false;
		} else {
			add_rule(out, pc, &row);
		}
		if (row.outermost)
			return;
		if (row.cfa_reg == CFI_BP && !bp_known)
			break;
		cfa = (row.cfa_reg == CFI_SP ? sp : bp) + row.cfa_off;
		if (!read_copy(e, cfa + row.ra_off, &ra))
			break;	/* the frame lies beyond the copy */
		if (row.bp_rule == CFI_BP_AT) {
			bp_known = read_copy(e, cfa + row.bp_off, &saved);
			bp = saved;
		} else if (row.bp_rule == CFI_BP_LOST) {
			bp_known = false;
		}
		if (!ra)
			return;
		out->ips[out->n++] = ra;
		sp = cfa;
		pc = ra;
	}
	if (!bp_known)
		return;
	/*
	 * Beyond the copy, the frame-pointer walk from the syscall's rbp: from the frame whose
	 * rbp the CFI found, if the walk passed through it (not when the wrapper had reused rbp).
	 */
	nfp = e->nfp < MAX_STACK_DEPTH ? e->nfp : MAX_STACK_DEPTH;
	for (k = 1; k < nfp && e->fp.bps[k] != bp; k++)
		;
	for (; k < nfp && out->n < MAX_STACK_DEPTH; k++)
		out->ips[out->n++] = e->fp.rets[k];
}

static const struct unwind_rule *find_rule(const struct unwind_result *res, uint64_t pc)
{
	static const struct unwind_rule fp = { .type = RULE_FP };
	int i;

	for (i = 0; i < res->nrules; i++) {
		if (res->rules[i].pc == pc)
			return &res->rules[i].rule;
	}
	/* user/track/unwinder.c teaches BPF this one */
	return res->stuck && res->stuck_pc == pc ? &fp : NULL;
}

/* BPF's fp_walk() from bp, over the copy of the stack, appending to ips from n. */
static int copy_walk(const struct unwind_event *e, uint64_t bp, uint64_t sp, uint64_t *ips,
		     int n)
{
	uint64_t next, ret;

	while (n < MAX_STACK_DEPTH) {
		if (!bp || bp < sp || (bp & 7) || !read_copy(e, bp, &next) ||
		    !read_copy(e, bp + 8, &ret) || !ret || ret >= USER_ADDR_END)
			break;
		ips[n++] = ret;
		if (next <= bp)
			break;
		bp = next;
	}
	return n;
}

int unwind__bpf_view(const struct unwind_event *e, const struct unwind_result *res,
		     uint64_t ips[MAX_STACK_DEPTH])
{
	uint64_t pc = e->ip, sp = e->sp, bp = e->bp, cfa, ra;
	const struct unwind_rule *r;
	bool moved = false;
	int n = 0, level, k, nfp;

	ips[n++] = pc;
	for (level = 0; level < UNWIND_CFI_STEPS; level++) {
		r = find_rule(res, pc);
		if (r && r->type == RULE_END)
			return n;
		if (!r || (r->type != RULE_CFA_SP && r->type != RULE_CFA_BP))
			break;
		cfa = (r->type == RULE_CFA_BP ? bp : sp) + r->cfa_off;
		if (!read_copy(e, cfa + r->ra_off, &ra) || !ra || ra >= USER_ADDR_END)
			return n;
		if (r->bp_off) {
			if (!read_copy(e, cfa + r->bp_off, &bp))
				return n;
			moved = true;
		}
		ips[n++] = ra;
		sp = cfa;
		pc = ra;
	}
	if (moved)
		return copy_walk(e, bp, sp, ips, n);
	/* rbp is the one at the event: BPF's walk from it is the one the event carries */
	nfp = e->nfp < MAX_STACK_DEPTH ? e->nfp : MAX_STACK_DEPTH;
	for (k = 1; k < nfp && n < MAX_STACK_DEPTH; k++)
		ips[n++] = e->fp.rets[k];
	return n;
}
