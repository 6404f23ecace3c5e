// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * Allocator probes: the malloc family's entries and returns, and free.
 *
 * An entry probe stashes the call's arguments in per-thread state; the return probe turns
 * them and the return value into "block B of S bytes now exists" (and, for realloc, "block
 * A is gone"). Allocator functions call each other (realloc(NULL, n) calls malloc, realloc(p,
 * 0) calls free, an interposed malloc calls libc's), and every such inner call hits our
 * probes too. Only the outermost call counts, and it is told apart by the stack pointer:
 * an inner call runs below the outer call's entry stack pointer, and the outer return is
 * the one that comes back to exactly entry sp + 8. No depth counter is kept, so an
 * allocation abandoned by longjmp cannot wedge the thread's state: the next call from the
 * same or a shallower frame simply starts over.
 *
 * What a call costs the target is mostly the kernel's: one trap per probe hit on an
 * emulated instruction (user space places the entry probes so, user/proc/placement.c). So in
 * the tracking modes each function of the family gets one "session" program (kernel 6.13
 * uprobe sessions) that runs at entry and, only if the entry asks for it, at return: a
 * call left out of the sample (-s N) or nested inside another allocator call costs one
 * trap, not two. On kernels without sessions, the *_enter programs and alloc_exit do the
 * same job with a return probe on every call.
 *
 * The attach cookie of an entry probe is the number of bytes its prologue instructions
 * pushed before the probed one: adding it back gives the entry stack pointer that the
 * nesting rule compares.
 *
 * A block's stack is resolved at the return into a key of `stacks`: capture_stack(), in
 * bpf/alloc_stacks.bpf.h, mostly one frame-pointer walk and one lookup.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "abi/common.h"
#include "abi/alloc.h"
#include "counters.h"
#include "uprobe_compat.h"
#include "unwind.bpf.h"	/* the maps shared with bpf/fds */

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile enum track_mode mode = MODE_FULL;
/* Follow one allocation in sample_every, drawn at random at entry (1: every one). */
const volatile __u32 sample_every = 1;
/*
 * --cfi-stacks: unwind through callers of malloc without frame pointers by the rules user
 * space learns from the CFI. Off, a stack is its frame-pointer walk: in code built without
 * frame pointers that costs a fraction as much (a real service: several rule lookups per
 * allocation), and still names the function that called malloc.
 */
const volatile bool cfi_stacks = false;

struct drop_stats drops = {};

/* tgid -> counters; a process is traced iff it has an entry (user space adds it) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, MAX_PROCS);
	__type(key, __u32);
	__type(value, struct alloc_stats);
} alloc_stats SEC(".maps");

/* tgid -> where its allocator functions are mapped (user space fills it in) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_PROCS);
	__type(key, __u32);
	__type(value, struct alloc_text);
} alloc_text SEC(".maps");

/* {tgid, address} of an outstanding block -> its size, birth time and stack */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DEFAULT_MAX_ALLOCS);
	__type(key, struct alloc_key);
	__type(value, struct alloc_info);
} allocs SEC(".maps");

/* `stacks` and capture_stack(): after cfi_stacks and drops, which they use */
#include "alloc_stacks.bpf.h"

/* One allocator call in flight on a thread, from its entry to its return. */
struct call_state {
	__u64 sp;		/* stack pointer at the outermost entry */
	__u64 size;
	__u64 old;		/* realloc: the block being replaced */
	__u64 out;		/* posix_memalign: where the block is written */
	struct alloc_info old_info;	/* realloc: old's record, taken out at entry */
	__u64 tail_sp;		/* a call counted at entry that may jump to another probed */
	__u64 tail_ra;		/* function: its entry sp and return address */
	__u32 kind;		/* enum alloc_kind; 0 when no call is in flight */
	__u32 old_tracked;	/* old_info is valid */
};

/* thread -> its call in flight; freed by the kernel with the thread */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct call_state);
} calls SEC(".maps");

extern bool bpf_session_is_return(void) __ksym __weak;

#define EEXIST 17	/* <errno.h>, which BPF programs cannot include */

/* What an entry tells the kernel: run the session program at return too, or not. */
#define WANT_RETURN 0
#define NO_RETURN 1

static __always_inline struct alloc_stats *proc_stats(__u32 *tgid)
{
	*tgid = bpf_get_current_pid_tgid() >> 32;
	return bpf_map_lookup_elem(&alloc_stats, tgid);
}

static __always_inline struct call_state *thread_state(bool create)
{
	return bpf_task_storage_get(&calls, bpf_get_current_task_btf(), 0,
				    create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
}

/* The stack pointer at the function's entry, wherever in the prologue the probe sits. */
static __always_inline __u64 entry_sp(struct pt_regs *ctx)
{
	return PT_REGS_SP(ctx) + (bpf_get_attach_cookie(ctx) & COOKIE_SP_MASK);
}

static __always_inline bool in_allocator(__u32 tgid, __u64 ra)
{
	struct alloc_text *t = bpf_map_lookup_elem(&alloc_text, &tgid);
	int i;

	if (!t)
		return false;
	for (i = 0; i < MAX_ALLOC_RANGES; i++) {
		if (i >= t->n)
			break;
		if (ra >= t->lo[i] && ra < t->hi[i])
			return true;
	}
	return false;
}

/*
 * Where the kernel's uretprobe trampoline is in this process: the first slot of its
 * uprobes area. A return probe on the caller's function, ours or any other tracer's on
 * the same file, replaces the return address at sp with it.
 */
static __always_inline __u64 uretprobe_trampoline(void)
{
	struct task_struct *task = bpf_get_current_task_btf();

	return BPF_CORE_READ(task, mm, uprobes_state.xol_area, vaddr);
}

/*
 * Is this entry the allocator's own doing, to be ignored where no return probe tells
 * calls apart? A function that may call others (COOKIE_CALLS) leaves a mark: its entry sp
 * and return address. A callee that finds the mark is inside that call when it runs
 * deeper with its return address inside an allocator function (realloc calling malloc or
 * free), or is its tail call when it has the same sp and return address (realloc(NULL, n)
 * jumping to malloc). Anything else means the marked call is over. Reading the return
 * address costs more than the rest of the program, so only a callee with a mark pays it.
 */
static __always_inline bool inner_call(struct pt_regs *ctx, __u32 tgid, __u64 sp)
{
	__u64 cookie = bpf_get_attach_cookie(ctx), ra;
	struct call_state *cs;

	if (cookie & COOKIE_CALLED) {
		cs = thread_state(false);
		if (cs && cs->tail_sp) {
			if (sp > cs->tail_sp || bpf_probe_read_user(&ra, sizeof(ra), (void *)sp)) {
				cs->tail_sp = 0;
			} else if (sp == cs->tail_sp) {
				cs->tail_sp = 0;
				/* a call with a return probe (one we follow, or another
				 * tracer's) has had its return address replaced by the kernel's
				 * trampoline: it is then known by its entry sp */
				if (ra == cs->tail_ra || (cs->kind && cs->sp == sp) ||
				    ra == uretprobe_trampoline())
					return true;
			} else if (in_allocator(tgid, ra)) {
				return true;	/* the mark stays: realloc may call again */
			} else {
				cs->tail_sp = 0;
			}
		}
	}
	if (cookie & COOKIE_CALLS) {
		cs = thread_state(true);
		if (cs && !bpf_probe_read_user(&ra, sizeof(ra), (void *)sp)) {
			cs->tail_sp = sp;
			cs->tail_ra = ra;
		}
	}
	return false;
}

/* No allocation this large can succeed: a user address space has 47 bits (57 with LA57). */
#define IMPOSSIBLE_SIZE (1ULL << 57)

/*
 * An allocation counted at entry: counts mode, or a call left out of the sample. Its
 * success is not known; a request no allocator can satisfy is not counted.
 */
static __always_inline void count_entry(struct alloc_stats *st, __u32 kind, __u64 size,
					__u64 old)
{
	if (size >= IMPOSSIBLE_SIZE)
		return;
	if (kind == ALLOC_REALLOC && old) {
		COUNT(st->untracked_frees, 1);
		if (!size)
			return;	/* realloc(p, 0) frees p */
	}
	COUNT(st->mallocs, 1);
	COUNT(st->bytes_allocated, size);
}

/* The entry of a call; NO_RETURN when its return has nothing to tell. */
static __always_inline int enter(struct pt_regs *ctx, __u32 kind, __u64 size, __u64 old,
				 __u64 out)
{
	struct alloc_stats *st;
	struct call_state *cs;
	struct alloc_key key;
	struct alloc_info *info = NULL;
	__u64 sp = entry_sp(ctx);
	__u32 tgid;

	st = proc_stats(&tgid);
	if (!st)
		return NO_RETURN;
	if (mode == MODE_COUNTS || sample_every > 1) {
		/* no call state to tell inner calls apart without a return probe */
		if (inner_call(ctx, tgid, sp))
			return NO_RETURN;
	}
	if (mode == MODE_COUNTS) {
		count_entry(st, kind, size, old);
		return NO_RETURN;
	}
	if (kind == ALLOC_REALLOC && old) {
		key.addr = old;
		key.tgid = tgid;
		key.pad = 0;
		info = bpf_map_lookup_elem(&allocs, &key);
	}
	/*
	 * Out of the sample: one draw per allocation, a realloc's new block included. A
	 * followed block that a realloc replaces by an unfollowed one is retired here as
	 * freed; following it through every realloc would make a block more likely to be in
	 * the sample the more it was realloc'ed, and bias the estimates up.
	 */
	if (sample_every > 1 && bpf_get_prandom_u32() % sample_every) {
		if (info) {
			COUNT(st->frees, 1);
			COUNT(st->bytes_freed, info->size);
			bpf_map_delete_elem(&allocs, &key);
			if (size)	/* realloc(p, 0) only frees */
				count_entry(st, ALLOC_RET, size, 0);
		} else {
			count_entry(st, kind, size, old);
		}
		return NO_RETURN;
	}
	cs = thread_state(true);
	if (!cs) {
		__sync_fetch_and_add(&drops.state_missing, 1);
		return NO_RETURN;
	}
	if (cs->kind && sp < cs->sp)
		return NO_RETURN;	/* called from inside an allocator call we follow */

	cs->sp = sp;
	cs->kind = kind;
	cs->size = size;
	cs->old = old;
	cs->out = out;
	cs->old_tracked = 0;
	if (info) {
		/*
		 * Take the old block out now, not at the return: once realloc has moved it,
		 * another thread may be handed the same address before our return probe runs.
		 * A failed realloc puts the record back.
		 */
		cs->old_info = *info;
		cs->old_tracked = 1;
		bpf_map_delete_elem(&allocs, &key);
	}
	return WANT_RETURN;
}


static __always_inline void track_block(struct pt_regs *ctx, struct alloc_stats *st, __u32 tgid,
					__u64 addr, __u64 size)
{
	struct alloc_key key = { .addr = addr, .tgid = tgid };
	struct alloc_info info = { .size = size }, *stale;
	long err;

	if (mode == MODE_FULL)
		info.ts_ns = bpf_ktime_get_ns();
	info.stack = capture_stack(ctx, tgid);
	err = bpf_map_update_elem(&allocs, &key, &info, BPF_NOEXIST);
	if (err == -EEXIST) {
		/*
		 * The allocator handed this address out again, so its old block was freed
		 * somewhere no probe saw: count that free, or the block stays outstanding for
		 * ever, and say a free was missed.
		 */
		stale = bpf_map_lookup_elem(&allocs, &key);
		if (stale) {
			COUNT(st->frees, 1);
			COUNT(st->bytes_freed, stale->size);
			COUNT(st->frees_unseen, 1);
		}
		__sync_fetch_and_add(&drops.unseen_frees, 1);
		err = bpf_map_update_elem(&allocs, &key, &info, BPF_ANY);
	}
	if (err) {
		__sync_fetch_and_add(&drops.allocs_full, 1);
		COUNT(st->mallocs, 1);
		COUNT(st->bytes_allocated, size);
		COUNT(st->untracked_allocs, 1);
		return;
	}
	COUNT(st->tracked, 1);
	COUNT(st->bytes_tracked, size);
}

/* A block went away: count it as freed if we saw it born, else as untracked. */
static __always_inline void count_free(struct alloc_stats *st, bool found, __u64 size)
{
	if (!found) {
		COUNT(st->untracked_frees, 1);
	} else {
		COUNT(st->frees, 1);
		COUNT(st->bytes_freed, size);
	}
}

/* The return of a call whose entry asked for it. */
static __always_inline int leave(struct pt_regs *ctx)
{
	struct alloc_stats *st;
	struct call_state *cs;
	struct alloc_key key;
	__u64 ret = PT_REGS_RC(ctx), addr = ret;
	__u32 tgid, kind;

	cs = thread_state(false);
	/* the outermost call returns to exactly its entry sp + 8 (the return address popped) */
	if (!cs || !cs->kind || PT_REGS_SP(ctx) != cs->sp + 8)
		return 0;
	kind = cs->kind;
	cs->kind = 0;
	st = proc_stats(&tgid);
	if (!st)
		return 0;

	if (kind == ALLOC_OUT_PTR) {
		/* posix_memalign returns an error number; the block is only valid on 0 */
		if (ret || bpf_probe_read_user(&addr, sizeof(addr), (void *)cs->out))
			return 0;
	} else if (kind == ALLOC_REALLOC && cs->old) {
		if (!ret && cs->size) {
			/* failed: the old block is untouched, put its record back */
			if (cs->old_tracked) {
				key.addr = cs->old;
				key.tgid = tgid;
				key.pad = 0;
				if (bpf_map_update_elem(&allocs, &key, &cs->old_info, BPF_ANY))
					__sync_fetch_and_add(&drops.putback_failed, 1);
			}
			return 0;
		}
		count_free(st, cs->old_tracked, cs->old_info.size);
	}
	if (addr)
		track_block(ctx, st, tgid, addr, cs->size);
	return 0;
}

/*
 * Entry programs: counts mode, and the tracking modes on kernels without uprobe sessions
 * (alloc_exit then runs at every return).
 */
SEC("uprobe")
int BPF_UPROBE(malloc_enter, __u64 size)
{
	enter(ctx, ALLOC_RET, size, 0, 0);
	return 0;
}

SEC("uprobe")
int BPF_UPROBE(calloc_enter, __u64 nmemb, __u64 size)
{
	enter(ctx, ALLOC_RET, nmemb * size, 0, 0);
	return 0;
}

/* memalign(align, size) and aligned_alloc(align, size) */
SEC("uprobe")
int BPF_UPROBE(memalign_enter, __u64 align, __u64 size)
{
	enter(ctx, ALLOC_RET, size, 0, 0);
	return 0;
}

SEC("uprobe")
int BPF_UPROBE(posix_memalign_enter, __u64 memptr, __u64 align, __u64 size)
{
	enter(ctx, ALLOC_OUT_PTR, size, 0, memptr);
	return 0;
}

SEC("uprobe")
int BPF_UPROBE(realloc_enter, __u64 ptr, __u64 size)
{
	enter(ctx, ALLOC_REALLOC, size, ptr, 0);
	return 0;
}

SEC("uprobe")
int BPF_UPROBE(reallocarray_enter, __u64 ptr, __u64 nmemb, __u64 size)
{
	enter(ctx, ALLOC_REALLOC, nmemb * size, ptr, 0);
	return 0;
}

/* The return probe of every allocator function above, without sessions. */
SEC("uretprobe")
int BPF_URETPROBE(alloc_exit)
{
	return leave(ctx);
}

/* Session programs: entry and, when the entry returns WANT_RETURN, return. */
SEC("uprobe")
int BPF_UPROBE(malloc_session, __u64 size)
{
	if (bpf_session_is_return())
		return leave(ctx);
	return enter(ctx, ALLOC_RET, size, 0, 0);
}

SEC("uprobe")
int BPF_UPROBE(calloc_session, __u64 nmemb, __u64 size)
{
	if (bpf_session_is_return())
		return leave(ctx);
	return enter(ctx, ALLOC_RET, nmemb * size, 0, 0);
}

SEC("uprobe")
int BPF_UPROBE(memalign_session, __u64 align, __u64 size)
{
	if (bpf_session_is_return())
		return leave(ctx);
	return enter(ctx, ALLOC_RET, size, 0, 0);
}

SEC("uprobe")
int BPF_UPROBE(posix_memalign_session, __u64 memptr, __u64 align, __u64 size)
{
	if (bpf_session_is_return())
		return leave(ctx);
	return enter(ctx, ALLOC_OUT_PTR, size, 0, memptr);
}

SEC("uprobe")
int BPF_UPROBE(realloc_session, __u64 ptr, __u64 size)
{
	if (bpf_session_is_return())
		return leave(ctx);
	return enter(ctx, ALLOC_REALLOC, size, ptr, 0);
}

SEC("uprobe")
int BPF_UPROBE(reallocarray_session, __u64 ptr, __u64 nmemb, __u64 size)
{
	if (bpf_session_is_return())
		return leave(ctx);
	return enter(ctx, ALLOC_REALLOC, nmemb * size, ptr, 0);
}

SEC("uprobe")
int BPF_UPROBE(free_enter, __u64 ptr)
{
	struct alloc_stats *st;
	struct call_state *cs;
	struct alloc_key key;
	struct alloc_info *info;
	__u64 sp = entry_sp(ctx);
	__u32 tgid;

	if (!ptr)
		return 0;
	st = proc_stats(&tgid);
	if (!st)
		return 0;
	if (mode == MODE_COUNTS || sample_every > 1) {
		if (inner_call(ctx, tgid, sp))
			return 0;	/* realloc(p, 0) frees through free: counted there */
	}
	if (mode == MODE_COUNTS) {
		COUNT(st->untracked_frees, 1);
		return 0;
	}
	cs = thread_state(false);
	if (cs && cs->kind && sp < cs->sp)
		return 0;	/* inside realloc(p, 0) or another allocator call */

	key.addr = ptr;
	key.tgid = tgid;
	key.pad = 0;
	info = bpf_map_lookup_elem(&allocs, &key);
	if (!info) {
		count_free(st, false, 0);
		return 0;
	}
	count_free(st, true, info->size);
	bpf_map_delete_elem(&allocs, &key);
	return 0;
}

/* What drop_block found of one process's blocks. */
struct exec_drop {
	__u64 objects, bytes;
	__u32 tgid;
};

static long drop_block(struct bpf_map *map, struct alloc_key *key, struct alloc_info *info,
		       struct exec_drop *d)
{
	if (key->tgid != d->tgid)
		return 0;
	d->objects++;
	d->bytes += info->size;
	bpf_map_delete_elem(&allocs, key);
	return 0;
}

/*
 * A traced process exec'ed: its blocks went with the old address space. Left in `allocs`
 * they would stay outstanding forever, and the new image, handed the same addresses, would
 * overwrite their records. They were neither freed nor leaked by the program that runs
 * now: they are counted apart (exec_released). Here, in the exec'ing task before the new
 * image runs, no allocation of the new image can be mistaken for an old one. The process
 * has a single thread by now (exec killed the others), so none of its blocks is in flight.
 */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(alloc_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tgid = p->tgid;
	struct exec_drop d = { .tgid = tgid };
	struct alloc_stats *st;
	struct call_state *cs;

	st = bpf_map_lookup_elem(&alloc_stats, &tgid);
	if (!st)
		return 0;
	/* where the old image's allocator was, and the marks it left, mean nothing now */
	bpf_map_delete_elem(&alloc_text, &tgid);
	cs = bpf_task_storage_get(&calls, p, 0, 0);
	if (cs) {
		cs->kind = 0;
		cs->tail_sp = 0;
	}
	if (mode == MODE_COUNTS)
		return 0;
	/* a walk of every bucket of the map: paid at a traced process's exec only */
	bpf_for_each_map_elem(&allocs, drop_block, &d, 0);
	COUNT(st->exec_released, d.objects);
	COUNT(st->bytes_exec_released, d.bytes);
	return 0;
}
