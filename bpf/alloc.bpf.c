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
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "leakbpf.h"
#include "uprobe_compat.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile enum track_mode mode = MODE_FULL;
/* Track the blocks whose address hashes to 0 modulo sample_every (1: all of them). */
const volatile __u32 sample_every = 1;

/* tgid -> counters; a process is traced iff it has an entry (user space adds it) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, MAX_PROCS);
	__type(key, __u32);
	__type(value, struct alloc_stats);
} alloc_stats SEC(".maps");

/* {tgid, address} of an outstanding block -> its size, birth time and stack */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DEFAULT_MAX_ALLOCS);
	__type(key, struct alloc_key);
	__type(value, struct alloc_info);
} allocs SEC(".maps");

/* hash of a user stack -> the stack */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DEFAULT_MAX_STACKS);
	__type(key, __u64);
	__type(value, struct stack_trace);
} stacks SEC(".maps");

/* where bpf_get_stack() writes before the stack is known to be new (512 bytes: no room on
 * the BPF stack) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct stack_trace);
} stack_scratch SEC(".maps");

/* One allocator call in flight on a thread, from its entry to its return. */
struct call_state {
	__u64 sp;		/* stack pointer at the outermost entry */
	__u64 size;
	__u64 old;		/* realloc: the block being replaced */
	__u64 out;		/* posix_memalign: where the block is written */
	struct alloc_info old_info;	/* realloc: old's record, taken out at entry */
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

struct drop_stats drops = {};

static __always_inline bool sampled(__u64 addr)
{
	if (sample_every <= 1)
		return true;
	/* Fibonacci hashing: block addresses are 16-byte aligned, their low bits say nothing */
	return ((addr * 0x9E3779B97F4A7C15ULL) >> 32) % sample_every == 0;
}

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

/* Counts mode: everything is decided at entry, there is no return probe. */
static __always_inline void count_entry(struct alloc_stats *st, __u32 kind, __u64 size,
					__u64 old)
{
	if (kind == ALLOC_REALLOC && old) {
		st->untracked_frees++;	/* counts mode cannot tell the block's origin */
		if (!size)
			return;
	}
	st->mallocs++;
	st->bytes_allocated += size;
}

static __always_inline int enter(struct pt_regs *ctx, __u32 kind, __u64 size, __u64 old,
				 __u64 out)
{
	struct alloc_stats *st;
	struct call_state *cs;
	struct alloc_key key;
	struct alloc_info *info;
	__u64 sp = PT_REGS_SP(ctx);
	__u32 tgid;

	st = proc_stats(&tgid);
	if (!st)
		return 0;
	if (mode == MODE_COUNTS) {
		count_entry(st, kind, size, old);
		return 0;
	}
	cs = thread_state(true);
	if (!cs) {
		__sync_fetch_and_add(&drops.state_missing, 1);
		return 0;
	}
	if (cs->kind && sp < cs->sp)
		return 0;	/* called from inside an allocator call we already follow */

	cs->sp = sp;
	cs->kind = kind;
	cs->size = size;
	cs->old = old;
	cs->out = out;
	cs->old_tracked = 0;
	if (kind == ALLOC_REALLOC && old && sampled(old)) {
		/*
		 * Take the old block out now, not at the return: once realloc has moved it,
		 * another thread may be handed the same address before our return probe runs.
		 * A failed realloc puts the record back.
		 */
		key.addr = old;
		key.tgid = tgid;
		key.pad = 0;
		info = bpf_map_lookup_elem(&allocs, &key);
		if (info) {
			cs->old_info = *info;
			cs->old_tracked = 1;
			bpf_map_delete_elem(&allocs, &key);
		}
	}
	return 0;
}

/* The current user stack's key in `stacks`, stored there if new; 0 when it was lost. */
static __always_inline __u64 capture_stack(void *ctx)
{
	struct stack_trace *st;
	__u32 zero = 0;
	__u64 h = 0xcbf29ce484222325ULL;	/* FNV-1a over the addresses */
	long n, i;

	st = bpf_map_lookup_elem(&stack_scratch, &zero);
	if (!st)
		return 0;
	/* at a return probe the first address is the caller's: no allocator frame to skip */
	n = bpf_get_stack(ctx, st->ips, sizeof(st->ips), BPF_F_USER_STACK);
	if (n <= 0)
		goto lost;
	n /= sizeof(__u64);
	for (i = 0; i < MAX_STACK_DEPTH && i < n; i++)
		h = (h ^ st->ips[i]) * 0x100000001b3ULL;
	if (!h)
		h = 1;
	/* the lookup is lock-free; only a new stack pays for the insert */
	if (bpf_map_lookup_elem(&stacks, &h))
		return h;
	if (!bpf_map_update_elem(&stacks, &h, st, BPF_NOEXIST) || bpf_map_lookup_elem(&stacks, &h))
		return h;
lost:
	__sync_fetch_and_add(&drops.stacks_failed, 1);
	return 0;
}

static __always_inline void track_block(void *ctx, struct alloc_stats *st, __u32 tgid,
					__u64 addr, __u64 size)
{
	struct alloc_key key = { .addr = addr, .tgid = tgid };
	struct alloc_info info = { .size = size };

	st->mallocs++;
	st->bytes_allocated += size;
	if (!sampled(addr))
		return;
	if (mode == MODE_FULL)
		info.ts_ns = bpf_ktime_get_ns();
	info.stack = capture_stack(ctx);
	if (bpf_map_update_elem(&allocs, &key, &info, BPF_ANY)) {
		__sync_fetch_and_add(&drops.allocs_full, 1);
		return;
	}
	st->tracked++;
	st->bytes_tracked += size;
}

/* A block went away: count it as freed if we saw it born, else as untracked. */
static __always_inline void count_free(struct alloc_stats *st, __u64 addr, bool found,
				       __u64 size)
{
	if (!sampled(addr))
		st->frees_unsampled++;
	else if (!found)
		st->untracked_frees++;
	else {
		st->frees++;
		st->bytes_freed += size;
	}
}

SEC("uprobe")
int BPF_UPROBE(malloc_enter, __u64 size)
{
	return enter(ctx, ALLOC_RET, size, 0, 0);
}

SEC("uprobe")
int BPF_UPROBE(calloc_enter, __u64 nmemb, __u64 size)
{
	return enter(ctx, ALLOC_RET, nmemb * size, 0, 0);
}

/* memalign(align, size) and aligned_alloc(align, size) */
SEC("uprobe")
int BPF_UPROBE(memalign_enter, __u64 align, __u64 size)
{
	return enter(ctx, ALLOC_RET, size, 0, 0);
}

SEC("uprobe")
int BPF_UPROBE(posix_memalign_enter, __u64 memptr, __u64 align, __u64 size)
{
	return enter(ctx, ALLOC_OUT_PTR, size, 0, memptr);
}

SEC("uprobe")
int BPF_UPROBE(realloc_enter, __u64 ptr, __u64 size)
{
	return enter(ctx, ALLOC_REALLOC, size, ptr, 0);
}

SEC("uprobe")
int BPF_UPROBE(reallocarray_enter, __u64 ptr, __u64 nmemb, __u64 size)
{
	return enter(ctx, ALLOC_REALLOC, nmemb * size, ptr, 0);
}

/* The one return probe of every allocator function above. */
SEC("uretprobe")
int BPF_URETPROBE(alloc_exit, __u64 ret)
{
	struct alloc_stats *st;
	struct call_state *cs;
	struct alloc_key key;
	__u64 addr = ret;
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
				bpf_map_update_elem(&allocs, &key, &cs->old_info, BPF_ANY);
			}
			return 0;
		}
		count_free(st, cs->old, cs->old_tracked, cs->old_info.size);
	}
	if (addr)
		track_block(ctx, st, tgid, addr, cs->size);
	return 0;
}

SEC("uprobe")
int BPF_UPROBE(free_enter, __u64 ptr)
{
	struct alloc_stats *st;
	struct call_state *cs;
	struct alloc_key key;
	struct alloc_info *info;
	__u64 sp = PT_REGS_SP(ctx);
	__u32 tgid;

	if (!ptr)
		return 0;
	st = proc_stats(&tgid);
	if (!st)
		return 0;
	if (mode == MODE_COUNTS) {
		st->untracked_frees++;
		return 0;
	}
	cs = thread_state(false);
	if (cs && cs->kind && sp < cs->sp)
		return 0;	/* inside realloc(p, 0) or another allocator call */

	key.addr = ptr;
	key.tgid = tgid;
	key.pad = 0;
	if (!sampled(ptr)) {
		count_free(st, ptr, false, 0);
		return 0;
	}
	info = bpf_map_lookup_elem(&allocs, &key);
	if (!info) {
		count_free(st, ptr, false, 0);
		return 0;
	}
	count_free(st, ptr, true, info->size);
	bpf_map_delete_elem(&allocs, &key);
	return 0;
}
