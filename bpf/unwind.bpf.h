/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * Unwinding user stacks by the rules user space learns from the CFI, for bpf/alloc and
 * bpf/fds (the types and limits are in bpf/abi/unwind.h). Both objects define these maps
 * and user space makes them one (bpf_map__reuse_fd): a rule learned from either object's
 * stacks serves both, and its events go to the one ring buffer (bpf/events.bpf.h).
 *
 * A pc with no rule yet is marked pending, and the registers and the top of the user stack
 * go to user space, which unwinds that one stack itself and writes the rules it used. A
 * burst from a new place would flood the ring buffer before the rule comes back, so a pc
 * is asked about at most MAX_PENDING_EVENTS times.
 */
#ifndef LEAKBPF_UNWIND_BPF_H
#define LEAKBPF_UNWIND_BPF_H

#include "abi/common.h"
#include "abi/unwind.h"
#include "events.bpf.h"
#include "procs.bpf.h"

/* The stack copy is read in pieces: the top of the stack may be unmapped. */
#define STACK_CHUNK 512

/* FNV-1a over 64-bit words: how stack keys are hashed, on both sides of bpf/alloc's walk */
#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

/*
 * {tgid, pc, exec_gen} -> how to unwind a frame at pc. User space writes the rules, BPF
 * marks the pcs it asks about. Not preallocated: the slots are for every allocation site
 * of big programs, and most stay empty.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, MAX_UNWIND_RULES);
	__type(key, struct unwind_key);
	__type(value, struct unwind_rule);
} unwind_rules SEC(".maps");

/* User registers where a stack starts. */
struct user_regs {
	__u64 ip, sp, bp;
};

static __always_inline __u64 fnv(__u64 h, __u64 word)
{
	return (h ^ word) * FNV_PRIME;
}

/*
 * Frame-pointer walk from bp, appending to f from index n; the new number of frames. A
 * frame lies above the stack pointer, and the next one above it; a return address no user
 * code can have (rbp put to other uses) ends the walk. bpf/alloc's capture_stack() checks
 * the same, and user space's copy of this walk too: they must find the same frames.
 * Global, so that the verifier checks it once, not at every state of every caller.
 */
__noinline int fp_walk(struct fp_frames *f, int n, __u64 bp, __u64 sp)
{
	struct {
		__u64 next;
		__u64 ret;
	} fr;
	int i;

	if (!f)
		return n;
	for (i = 0; i < MAX_STACK_DEPTH; i++) {
		if (n < 0 || n >= MAX_STACK_DEPTH || !bp || bp < sp || (bp & 7))
			break;
		if (bpf_probe_read_user(&fr, sizeof(fr), (void *)bp) || !fr.ret ||
		    fr.ret >= USER_ADDR_END)
			break;
		f->rets[n & (MAX_STACK_DEPTH - 1)] = fr.ret;
		f->bps[n & (MAX_STACK_DEPTH - 1)] = bp;
		n++;
		if (fr.next <= bp)
			break;
		bp = fr.next;
	}
	return n;
}

/*
 * The rule for key->pc in *rule; -1 when user space may be asked: the pc is new (it is
 * marked pending), or pending and sent fewer than MAX_PENDING_EVENTS times (send_unwind()
 * counts). A pc sent too often, or one there is no room to mark, comes back as
 * RULE_PENDING: not worth another event.
 */
static __always_inline int unwind_rule_for(struct unwind_key *key, struct unwind_rule *rule)
{
	struct unwind_rule pending = { .type = RULE_PENDING }, *r;

	r = bpf_map_lookup_elem(&unwind_rules, key);
	if (!r) {
		if (!bpf_map_update_elem(&unwind_rules, key, &pending, BPF_NOEXIST))
			return -1;
		/* full, or another CPU just marked it: not worth an event each call */
		rule->type = RULE_PENDING;
		return 0;
	}
	if (r->type == RULE_PENDING && r->sent < MAX_PENDING_EVENTS)
		return -1;
	*rule = *r;
	return 0;
}

/*
 * One frame up by a CFA rule: *ra the return address, *sp and *bp the caller's. False when
 * the stack cannot be read there, or holds no return address: the stack ends.
 */
static __always_inline bool unwind_step(const struct unwind_rule *r, __u64 *sp, __u64 *bp,
					__u64 *ra)
{
	__u64 cfa = (r->type == RULE_CFA_BP ? *bp : *sp) + r->cfa_off;

	if (bpf_probe_read_user(ra, sizeof(*ra), (void *)(cfa + r->ra_off)) || !*ra ||
	    *ra >= USER_ADDR_END)
		return false;
	if (r->bp_off && bpf_probe_read_user(bp, sizeof(*bp), (void *)(cfa + r->bp_off)))
		return false;
	*sp = cfa;
	return true;
}

/*
 * Send the registers and the top of the stack to user space, for the process and image in
 * key, because key->pc has no rule. seq (bpf/fds) or stack (bpf/alloc) says what the
 * unwound stack is for. 0, or -1 when the ring buffer was full.
 */
static __noinline int send_unwind(const struct unwind_key *key, const struct user_regs *regs,
				  __u32 origin, __u64 seq, __u64 stack)
{
	struct unwind_event *e;
	struct unwind_rule *r;
	int i;

	/* a lost event counts too: a full ring buffer is no reason to try at every call */
	r = bpf_map_lookup_elem(&unwind_rules, key);
	if (r && r->type == RULE_PENDING)
		__sync_fetch_and_add(&r->sent, 1);
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return -1;
	e->type = EV_UNWIND;
	e->tgid = key->tgid;
	e->seq = seq;
	e->stack = stack;
	e->exec_gen = key->exec_gen;
	e->origin = origin;
	e->ip = regs->ip;
	e->sp = regs->sp;
	e->bp = regs->bp;
	e->fp.rets[0] = regs->ip;
	e->fp.bps[0] = 0;
	e->nfp = fp_walk(&e->fp, 1, regs->bp, regs->sp);
	e->copy_len = 0;
	for (i = 0; i < UNWIND_STACK_COPY / STACK_CHUNK; i++) {
		if (bpf_probe_read_user(&e->copy[i * STACK_CHUNK], STACK_CHUNK,
					(void *)(regs->sp + i * STACK_CHUNK)))
			break;
		e->copy_len += STACK_CHUNK;
	}
	bpf_ringbuf_submit(e, 0);
	return 0;
}

#endif /* LEAKBPF_UNWIND_BPF_H */
