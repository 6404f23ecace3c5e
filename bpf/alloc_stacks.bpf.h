/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * The stack of an allocation, as a key in bpf/alloc's `stacks` map: capture_stack(), at the
 * return of the allocator call.
 *
 * Stacks are walked by frame pointers at the return, and most allocations stop there: the
 * walk's hash finds the stack with one lookup. A caller of malloc without a frame pointer
 * (operator new, strdup) hides its own caller from that walk: the stack stored under the
 * walk's key then also keeps the rules that found the frames it missed (learned by user
 * space from the CFI, as for bpf/fds: bpf/unwind.bpf.h), and a call checks them with one
 * read of its stack (resolve()).
 *
 * Part of bpf/alloc.bpf.c, which includes it after cfi_stacks (--cfi-stacks: whether to
 * use the rules at all) and drops (where the losses are counted: stacks_failed, unwind_lost).
 */
#ifndef LEAKBPF_ALLOC_STACKS_BPF_H
#define LEAKBPF_ALLOC_STACKS_BPF_H

#include "abi/common.h"
#include "abi/alloc.h"
#include "abi/unwind.h"
#include "unwind.bpf.h"

/* hash of the frame-pointer walk from malloc's return (or as resolve() says) -> the stack */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DEFAULT_MAX_STACKS);
	__type(key, __u64);
	__type(value, struct alloc_stack);
} stacks SEC(".maps");

/* resolve()'s state: where the unwinding has got to */
struct resolve_state {
	__u64 key;		/* the key of the frames found so far */
	__u64 sp, bp;		/* the registers of the last frame found */
	struct unwind_key uk;
	__u32 level;		/* frames val.ips[0..level] are found */
	__u32 ntail;		/* frames in the scratch's tail */
	__u8 have_gen;		/* uk.exec_gen is known */
	__u8 walked;		/* the walk from the return found frames */
	__u8 known;		/* a frame on the way told what rbp held: it saved it, or kept a
				 * frame pointer in it */
	__u8 stable;		/* the walk from the return followed real frames */
	__u8 moved;		/* a rule restored rbp since that walk */
	__u8 tail;		/* the frames go on by frame pointers after those found by rules */
	__u8 pad[2];
	__s32 span_cfa;		/* unwind_by_rules(): where the CFA is, from rsp at val.level */
	__u32 span_lo, span_hi;	/* and the bytes from there that its steps read */
	__u32 no_span;		/* they do not all read from rsp */
};

/*
 * Per-CPU room for the stacks being built: more than the 512-byte BPF stack holds. Kept in
 * memory rather than in registers, the state costs the verifier one pass, not one per value.
 */
struct stack_scratch {
	struct stack_trace walk;	/* the frame-pointer walk from the return */
	struct alloc_stack val;		/* resolve(): the stack to store */
	struct fp_frames tail;		/* resolve(): the walk from an rbp a rule restored */
	__u64 span[STACK_SPAN_MAX / 8];	/* check_steps(): the stack a stack's steps read */
	__u64 keys[UNWIND_CFI_STEPS];	/* unwind_by_rules(): the key after each frame found */
	struct resolve_state st;
	struct user_regs regs;		/* at the return */
	__u32 nwalk;			/* frames in walk */
	__u32 busy;			/* a program on this CPU is using it (capture_stack) */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct stack_scratch);
} stack_scratch SEC(".maps");

/*
 * This CPU's scratch, for the global functions below, which look it up again rather than
 * take it as an argument: a pointer argument of a global function is plain memory to the
 * verifier, and older kernels (6.1 among them) take only map or stack memory as a map key
 * or value. The same CPU's, the one capture_stack() holds: uprobe programs do not migrate.
 */
static __always_inline struct stack_scratch *this_scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&stack_scratch, &zero);
}

/*
 * Mixed into a key with each frame found by a rule, and with the walk from a restored rbp:
 * such a key is never the hash of a plain walk, nor of a stack's frames.
 */
#define STEP_SALT 0x9e3779b97f4a7c15ULL
#define TAIL_SALT 0xc2b2ae3d27d4eb4fULL

/* What the rules found from where the stacks known left off. */
enum rules_end {
	RULES_DONE = 0,		/* the frames are found (st->tail: then the frame pointers) */
	RULES_ASK = 1,		/* no rule yet: user space must be asked */
	RULES_WAIT = 2,		/* no rule yet, and user space was asked often enough */
};

/* What checking a stack's steps came to. */
enum check_end {
	CHECK_SAME = 0,		/* the stack is the one at st->key */
	CHECK_FORK = 1,		/* another return address: st is where the paths part */
	CHECK_TAIL = 2,		/* the same frames by rules, another walk after them */
};

/* frames[0..n) after the frames in val->ips[0..at); the new count */
static __always_inline __u32 append(struct alloc_stack *val, __u32 at, const __u64 *frames,
				    __u32 n)
{
	__u32 i, j;

	for (i = 0; i < MAX_STACK_DEPTH && i < n && at < MAX_STACK_DEPTH; i++, at++) {
		/* the compiler knows at < 64, the verifier must see the mask to agree */
		j = at;
		barrier_var(j);
		val->ips[j & (MAX_STACK_DEPTH - 1)] = frames[i];
	}
	return at;
}

/*
 * Whether the walk from the return read real frames is told by the first frame on the way
 * that says what it did with rbp: saved it (then rbp held its data), or kept a frame in it.
 */
static __always_inline void rbp_told(struct resolve_state *st, bool saved)
{
	if (st->known)
		return;
	st->known = 1;
	if (saved && st->walked)
		st->stable = 0;
}

/* Widen [span_lo, span_hi) to a word the steps read, at off from rsp at val.level. */
static __always_inline void span_word(struct resolve_state *st, __u32 off)
{
	if (off < st->span_lo)
		st->span_lo = off;
	if (off + 8 > st->span_hi)
		st->span_hi = off + 8;
}

/* The bytes from rsp at val.level that the steps so far read, unless they are not all there. */
static __always_inline void span_add(struct resolve_state *st, const struct unwind_rule *step)
{
	__s32 cfa = st->span_cfa + step->cfa_off, ra = cfa + step->ra_off, bp = cfa + step->bp_off;

	if (st->no_span)
		return;
	if (step->type == RULE_CFA_BP || (cfa | ra | bp) & 7 || cfa < 0 || ra < 0 || bp < 0 ||
	    ra + 8 > STACK_SPAN_MAX || bp + 8 > STACK_SPAN_MAX) {
		st->no_span = 1;
		return;
	}
	st->span_cfa = cfa;
	span_word(st, ra);
	if (step->bp_off)
		span_word(st, bp);
}

/* The word at off from rsp in a span read from span_lo; off was checked to lie in the span. */
static __always_inline __u64 span_at(const struct stack_scratch *sc, __u32 lo, __s32 off)
{
	return sc->span[((__u32)(off - lo) / 8) & (STACK_SPAN_MAX / 8 - 1)];
}

/* Read the span of v's steps from rsp = sp into sc->span; false when there is none. */
static __always_inline bool read_span(struct stack_scratch *sc, const struct alloc_stack *v,
				      __u64 sp)
{
	__u32 lo = v->span_lo, size;

	if (v->span_hi <= lo)
		return false;
	size = v->span_hi - lo;
	/* the verifier must see the bound on size itself */
	barrier_var(size);
	if (size > STACK_SPAN_MAX)
		return false;
	/* most of what checking costs is the reads: one, of no more than the steps need */
	return !bpf_probe_read_user(sc->span, size, (void *)(sp + lo));
}

/* One frame up by a step; false when the stack ends there. */
static __always_inline bool apply_step(struct resolve_state *st, const struct unwind_rule *step,
				       __u64 *ra)
{
	if (!unwind_step(step, &st->sp, &st->bp, ra))
		return false;
	if (step->bp_off)
		st->moved = 1;
	return true;
}

/* The walk from the rbp reached into sc->tail; its hash. Global: checked once. */
__noinline __u64 walk_tail(void)
{
	struct stack_scratch *sc = this_scratch();
	struct resolve_state *st;
	__u64 h = FNV_OFFSET;
	__u32 i;

	if (!sc)
		return h;
	st = &sc->st;
	st->ntail = fp_walk(&sc->tail, 0, st->bp, st->sp);
	for (i = 0; i < MAX_STACK_DEPTH && i < st->ntail; i++)
		h = fnv(h, sc->tail.rets[i]);
	return h;
}

/*
 * Check the frames v found by steps (v is at st->key, for frames 0..st->level): one read
 * each, and a walk if the steps restored rbp. Where they part, st and sc->val get the frames
 * so far, and st->key the key for them. Global: checked once, not in every state of
 * resolve()'s loop.
 */
__noinline enum check_end check_steps(const struct alloc_stack *v)
{
	struct stack_scratch *sc = this_scratch();
	const struct unwind_rule *step;
	struct resolve_state *st;
	__u32 level, i, j;
	__u64 key, ra = 0, sp0, h;
	bool one_read;
	__s32 cfa = 0;

	if (!sc || !v)
		return CHECK_SAME;
	st = &sc->st;
	level = st->level;
	key = st->key;
	sp0 = st->sp;
	one_read = read_span(sc, v, sp0);

	for (i = 0; i < UNWIND_CFI_STEPS && i < v->nsteps; i++) {
		step = &v->steps[i];
		if (one_read) {
			/* checked when the stack was stored: 8-aligned, within the span */
			cfa += step->cfa_off;
			ra = span_at(sc, v->span_lo, cfa + step->ra_off);
			if (step->bp_off) {
				st->bp = span_at(sc, v->span_lo, cfa + step->bp_off);
				st->moved = 1;
			}
			st->sp = sp0 + cfa;
		} else if (!apply_step(st, step, &ra)) {
			/* no frame there now: the stack as it was found will do */
			return CHECK_SAME;
		}
		rbp_told(st, step->bp_off);
		key = fnv(key ^ STEP_SALT, ra);
		if (ra != v->ips[(level + 1 + i) & (MAX_STACK_DEPTH - 1)])
			break;
	}
	if (i < UNWIND_CFI_STEPS && i < v->nsteps) {
		/* the frames before the one that differs are v's */
		st->level = level + 1 + i;
		for (j = 0; j < MAX_STACK_DEPTH && j < st->level; j++)
			sc->val.ips[j] = v->ips[j];
		sc->val.ips[st->level & (MAX_STACK_DEPTH - 1)] = ra;
		st->key = key ? key : 1;
		return CHECK_FORK;
	}
	if (!(v->flags & STACK_TAIL))
		return CHECK_SAME;
	h = walk_tail();
	if (h == v->tail)
		return CHECK_SAME;
	/* all but the walk: v's frames, then this one */
	st->level = level + v->nsteps;
	for (j = 0; j < MAX_STACK_DEPTH && j <= st->level; j++)
		sc->val.ips[j] = v->ips[j];
	key = fnv(key ^ TAIL_SALT, h);
	st->key = key ? key : 1;
	return CHECK_TAIL;
}

/*
 * The frames after st->level by the rules in `unwind_rules` (a lookup each), up to the
 * first that keeps a frame pointer; the rules go to sc->val.steps, and st->key follows the
 * frames as check_steps() does (sc->keys: the key after each). Global: checked once.
 */
__noinline enum rules_end unwind_by_rules(void)
{
	struct stack_scratch *sc = this_scratch();
	struct resolve_state *st;
	struct unwind_rule rule;
	__u64 ra;
	__u32 i;

	if (!sc)
		return RULES_WAIT;
	st = &sc->st;

	if (!st->have_gen) {
		st->uk.exec_gen = exec_gen(st->uk.tgid);
		st->have_gen = 1;
	}
	for (i = 0; i < UNWIND_CFI_STEPS; i++) {
		st->uk.pc = sc->val.ips[st->level & (MAX_STACK_DEPTH - 1)];
		/* until the rule comes, frame pointers are the best guess */
		if (unwind_rule_for(&st->uk, &rule)) {
			st->tail = 1;
			return RULES_ASK;
		}
		/*
		 * Unlike an fd's, the stack is kept where later calls find it: not as final
		 * until the rule comes (or user space gives up on it: then RULE_FP)
		 */
		if (rule.type == RULE_PENDING) {
			st->tail = 1;
			return RULES_WAIT;
		}
		if (rule.type == RULE_END)
			return RULES_DONE;
		if (rule.type == RULE_FP) {
			rbp_told(st, false);
			st->tail = 1;
			return RULES_DONE;
		}
		sc->val.steps[i] = rule;
		rbp_told(st, rule.bp_off);
		span_add(st, &rule);
		if (!apply_step(st, &rule, &ra) || st->level >= MAX_STACK_DEPTH - 1)
			return RULES_DONE;	/* the stack ends here */
		sc->val.nsteps = i + 1;
		st->level++;
		sc->val.ips[st->level & (MAX_STACK_DEPTH - 1)] = ra;
		st->key = fnv(st->key ^ STEP_SALT, ra) ?: 1;
		sc->keys[i] = st->key;
	}
	/* every frame needed a rule: no telling what rbp holds */
	st->stable = 0;
	st->tail = 1;
	return RULES_DONE;
}

/* Zero-pad sc->val after its n frames; the hash of the frames. */
static __always_inline __u64 finish_frames(struct stack_scratch *sc)
{
	/* read back: known exactly, the count would have the verifier check this once per count */
	__u32 n = *(volatile __u32 *)&sc->st.level + 1, i;
	__u64 h = FNV_OFFSET;

	for (i = 0; i < MAX_STACK_DEPTH; i++) {
		if (i >= n)
			sc->val.ips[i] = 0;	/* user space reads up to the first zero */
		else
			h = fnv(h, sc->val.ips[i]);
	}
	return h;
}

/* Store sc->val at key (BPF_ANY: a provisional stack there is replaced); 0 when lost. */
static __always_inline __u64 store(struct stack_scratch *sc, __u64 key)
{
	if (bpf_map_update_elem(&stacks, &key, &sc->val, BPF_ANY)) {
		__sync_fetch_and_add(&drops.stacks_failed, 1);
		return 0;
	}
	return key;
}

/*
 * The key of the stack at the return when the walk's key (sc->st.key) does not hold it
 * outright: the walk is new, or held provisionally, or its stack is checked (v: its entry,
 * NULL when new). Checked stacks are followed as long as their frames are the call's; from
 * where there is none, the rules in `unwind_rules` find the frames, and a new stack goes
 * where the search left off, with the rules as its steps.
 *
 * The walk's key is only worth keeping if the walk followed real frames. When a frame the
 * rules find says it saved rbp (it used rbp for data), the walk may have gone through
 * anything, and its key changes with the data: such a stack is stored under the hash of
 * its own frames, with no steps, and is unwound by the rules at every call.
 *
 * A rule not known yet sends the stack to user space and holds it provisionally, as well
 * as it is known, until a call with all the rules replaces it.
 *
 * Global, so that the verifier checks it once per program. 0 when the stack was lost.
 */
__noinline __u64 resolve(struct alloc_stack *v)
{
	struct stack_scratch *sc = this_scratch();
	struct resolve_state *st;
	enum rules_end end;
	__u64 key, h;
	int i;

	if (!sc)
		return 0;
	st = &sc->st;
	sc->val.ips[0] = sc->regs.ip;
	for (i = 0; i < UNWIND_CFI_STEPS; i++) {
		if (!v || (v->flags & STACK_PROVISIONAL) || v->level != st->level)
			break;
		if (!(v->flags & STACK_CHECKED))
			return st->key;
		switch (check_steps(v)) {
		case CHECK_SAME:
			return st->key;
		case CHECK_TAIL:
			/* nothing by rules to keep: the stack is its frames and that walk */
			v = bpf_map_lookup_elem(&stacks, &st->key);
			if (v && !v->flags)
				return st->key;
			sc->val.level = st->level;
			st->level = append(&sc->val, st->level + 1, sc->tail.rets, st->ntail) - 1;
			finish_frames(sc);
			sc->val.flags = 0;
			return store(sc, st->key);
		default:
			v = bpf_map_lookup_elem(&stacks, &st->key);
			break;
		}
	}

	/* from here on, by the rules; the stack is stored where the search left off */
	key = st->key;
	sc->val.level = st->level;
	sc->val.nsteps = 0;
	sc->val.span_lo = sc->val.span_hi = sc->val.pad = 0;
	sc->val.tail = 0;
	st->span_cfa = 0;
	st->span_lo = STACK_SPAN_MAX;
	st->span_hi = 0;
	st->no_span = 0;
	end = unwind_by_rules();
	if (st->tail && st->moved) {
		sc->val.tail = walk_tail();
		st->level = append(&sc->val, st->level + 1, sc->tail.rets, st->ntail) - 1;
	} else if (st->tail && sc->nwalk > 1) {
		st->level = append(&sc->val, st->level + 1, &sc->walk.ips[1], sc->nwalk - 1) - 1;
	}
	h = finish_frames(sc);

	if (end != RULES_DONE) {
		/*
		 * At the key of the frames found so far: later calls from elsewhere past them
		 * are not held here. One there already is kept: user space may have replaced
		 * its frames. It was sent already, too: the same frames again would teach user
		 * space nothing, and the pc's events are better spent on other keys through it.
		 */
		key = st->key;
		sc->val.flags = STACK_PROVISIONAL;
		sc->val.nsteps = 0;
		if (!bpf_map_update_elem(&stacks, &key, &sc->val, BPF_NOEXIST)) {
			if (end == RULES_ASK &&
			    send_unwind(&st->uk, &sc->regs, UNWIND_ALLOC, 0, key))
				__sync_fetch_and_add(&drops.unwind_lost, 1);
		} else if (!bpf_map_lookup_elem(&stacks, &key)) {
			__sync_fetch_and_add(&drops.stacks_failed, 1);
			return 0;
		}
		return key;
	}
	/*
	 * Calls from here held back for a rule get the stack (it stays provisional: other
	 * calls past those frames need not have the same)
	 */
	sc->val.flags = STACK_PROVISIONAL;
	for (i = 0; i < UNWIND_CFI_STEPS && i < sc->val.nsteps; i++) {
		v = bpf_map_lookup_elem(&stacks, &sc->keys[i]);
		if (v && (v->flags & STACK_PROVISIONAL))
			bpf_map_update_elem(&stacks, &sc->keys[i], &sc->val, BPF_EXIST);
	}
	if (!st->stable) {
		/* the hash of the frames themselves: one key per stack, whatever rbp held */
		key = h ? h : 1;
		v = bpf_map_lookup_elem(&stacks, &key);
		if (v && !v->flags)
			return key;
		sc->val.flags = 0;
		return store(sc, key);
	}
	sc->val.flags = 0;
	if (sc->val.nsteps && !st->no_span) {
		sc->val.span_lo = st->span_lo;
		sc->val.span_hi = st->span_hi;
	}
	if (sc->val.nsteps)
		sc->val.flags = STACK_CHECKED;
	if (st->tail && st->moved)
		sc->val.flags = STACK_CHECKED | STACK_TAIL;
	return store(sc, key);
}

/*
 * The common case of a checked stack, without resolve()'s state: its frames found by steps
 * are the call's. One read of the span they lie in, and compares.
 */
static __always_inline bool same_steps(struct stack_scratch *sc, const struct alloc_stack *v,
				       __u64 sp)
{
	__s32 cfa = 0;
	__u64 ra;
	__u32 i;

	if (v->level || !read_span(sc, v, sp))
		return false;
	for (i = 0; i < UNWIND_CFI_STEPS && i < v->nsteps; i++) {
		cfa += v->steps[i].cfa_off;
		ra = span_at(sc, v->span_lo, cfa + v->steps[i].ra_off);
		if (ra != v->ips[(i + 1) & (MAX_STACK_DEPTH - 1)])
			return false;
	}
	return true;
}

/*
 * The top of the stack, read at once: a walk then finds most frames in it, one read in
 * all instead of one per frame (each read is a helper call and a fault-protected copy:
 * per frame, most of what a deep stack cost). Per-CPU, with the scratch's busy rule: a
 * program that finds it in use (its holder was preempted) reads frame by frame.
 */
#define STACK_BULK 2048
/* frames read one by one first: a shallow stack costs no more than that */
#define STACK_BULK_AFTER 4

struct stack_bulk {
	__u64 words[STACK_BULK / 8];
	__u32 busy;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct stack_bulk);
} stack_bulk SEC(".maps");

/* Read [base, base + STACK_BULK), or what of it lies in base's page; the bytes read. */
static __always_inline __u64 read_bulk(struct stack_bulk *b, __u64 base)
{
	__u64 len = 4096 - (base & 4095);

	if (!bpf_probe_read_user(b->words, STACK_BULK, (void *)base))
		return STACK_BULK;
	/* the stack ends within the bulk: its own page is there for certain */
	if (len >= STACK_BULK)
		return 0;
	len &= STACK_BULK - 1;
	if (len < 16 || bpf_probe_read_user(b->words, len, (void *)base))
		return 0;
	return len;
}

/*
 * The frame-pointer walk from the return: its hash, and its frames in ips unless that is
 * NULL (*n of them). The walk is the one perf does on x86 (return address at fp + 8, next
 * frame at fp), with fp_walk()'s checks; done here rather than by bpf_get_stack(), whose
 * callchain machinery was most of what full mode added to a malloc (measured: ~400 ns of
 * ~600 on the microbenchmark). Past the first few frames, from one bulk read.
 */
static __always_inline __u64 walk_frames(struct pt_regs *ctx, __u64 *ips, __u32 *n)
{
	__u64 h = FNV_OFFSET, sp = PT_REGS_SP(ctx), fp = PT_REGS_FP(ctx), frame[2];
	__u64 base = 0, len = 0, off;
	struct stack_bulk *b = NULL;
	__u32 zero = 0;
	int i;

	/* at a return probe the ip is the caller's: no allocator frame to skip */
	if (ips)
		ips[0] = PT_REGS_IP(ctx);
	h = fnv(h, PT_REGS_IP(ctx));
	*n = 1;
	for (i = 1; i < MAX_STACK_DEPTH; i++) {
		if (fp < sp || (fp & 7))
			break;
		/* a stack deeper than a few frames: the rest of its top in one read */
		if (i == STACK_BULK_AFTER) {
			b = bpf_map_lookup_elem(&stack_bulk, &zero);
			if (b && __sync_val_compare_and_swap(&b->busy, 0, 1))
				b = NULL;
			if (b) {
				base = fp;
				len = read_bulk(b, base);
			}
		}
		off = fp - base;
		if (b && off + 16 <= len) {
			frame[0] = b->words[(off / 8) & (STACK_BULK / 8 - 1)];
			frame[1] = b->words[(off / 8 + 1) & (STACK_BULK / 8 - 1)];
		} else if (bpf_probe_read_user(frame, sizeof(frame), (void *)fp)) {
			break;
		}
		if (!frame[1] || frame[1] >= USER_ADDR_END)
			break;
		if (ips)
			ips[i] = frame[1];
		h = fnv(h, frame[1]);
		*n = i + 1;
		if (frame[0] <= fp)
			break;
		fp = frame[0];
	}
	if (b)
		*(volatile __u32 *)&b->busy = 0;
	return h ? h : 1;
}

/*
 * capture_stack() for a stack whose walk (hash h) alone does not say it (v: the walk's
 * entry).
 */
static __always_inline __u64 find_stack(struct pt_regs *ctx, struct stack_scratch *sc,
					__u32 tgid, struct alloc_stack *v, __u64 h)
{
	__u64 sp = PT_REGS_SP(ctx);

	if (v && v->flags == STACK_CHECKED && same_steps(sc, v, sp))
		return h;
	/* again, into the scratch this time: the same frames, the stack has not moved */
	walk_frames(ctx, sc->walk.ips, &sc->nwalk);
	sc->regs.ip = sc->walk.ips[0];
	sc->regs.sp = sp;
	sc->regs.bp = PT_REGS_FP(ctx);
	__builtin_memset(&sc->st, 0, sizeof(sc->st));
	sc->st.key = h;
	sc->st.sp = sp;
	sc->st.bp = sc->regs.bp;
	sc->st.uk.tgid = tgid;
	sc->st.stable = 1;
	sc->st.walked = sc->nwalk > 1;
	return resolve(v);
}

/* Without --cfi-stacks: the walk (hash h) is the stack; stored if new. */
static __always_inline __u64 store_walk(struct pt_regs *ctx, struct stack_scratch *sc, __u64 h)
{
	__u32 n, i;

	walk_frames(ctx, sc->val.ips, &n);
	for (i = 1; i < MAX_STACK_DEPTH; i++) {
		if (i >= n)
			sc->val.ips[i] = 0;	/* user space reads up to the first zero */
	}
	sc->val.flags = 0;
	sc->val.level = sc->val.nsteps = sc->val.span_lo = sc->val.span_hi = 0;
	sc->val.pad = 0;
	sc->val.tail = 0;
	/* another CPU may have just stored the same stack: the key is good all the same */
	if (!bpf_map_update_elem(&stacks, &h, &sc->val, BPF_NOEXIST) ||
	    bpf_map_lookup_elem(&stacks, &h))
		return h;
	__sync_fetch_and_add(&drops.stacks_failed, 1);
	return 0;
}

/*
 * The current user stack's key in `stacks`, stored there if new; 0 when it was lost.
 *
 * Most allocations come from a stack seen before, whose frame-pointer walk is all of it:
 * a walk and a lock-free lookup, nothing written. The rest need this CPU's scratch. A
 * uprobe program runs with migration disabled but may be preempted (a preemptible kernel):
 * another thread's allocation on the same CPU would then find the scratch half written. It
 * finds it marked busy instead, and its stack is counted lost rather than mixed up.
 */
static __always_inline __u64 capture_stack(struct pt_regs *ctx, __u32 tgid)
{
	struct stack_scratch *sc;
	struct alloc_stack *v;
	__u32 zero = 0, n;
	__u64 h, key;

	h = walk_frames(ctx, NULL, &n);
	v = bpf_map_lookup_elem(&stacks, &h);
	if (v && !v->flags)
		return h;
	sc = bpf_map_lookup_elem(&stack_scratch, &zero);
	if (!sc)
		return 0;
	if (__sync_val_compare_and_swap(&sc->busy, 0, 1)) {
		__sync_fetch_and_add(&drops.stacks_failed, 1);
		return 0;
	}
	key = cfi_stacks ? find_stack(ctx, sc, tgid, v, h) : store_walk(ctx, sc, h);
	/* per-CPU: no other CPU reads it, a plain store will do */
	*(volatile __u32 *)&sc->busy = 0;
	return key;
}

#endif /* LEAKBPF_ALLOC_STACKS_BPF_H */
