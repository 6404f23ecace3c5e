// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include "unwind.h"

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

/* The word at a user address, if the copy of the stack holds it. */
static bool read_copy(const struct fd_unwind_event *e, uint64_t addr, uint64_t *val)
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

void unwind__event(const struct fd_unwind_event *e, cfi_lookup_fn cfi, void *ctx,
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
		/* frame 0 stopped after the syscall instruction; the others after a call */
		if (cfi(ctx, pc, out->n > 1, &row)) {
			out->stuck = true;
			out->stuck_pc = pc;
			break;
		}
		add_rule(out, pc, &row);
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
