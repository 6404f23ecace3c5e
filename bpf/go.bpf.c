// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * A Go runtime, seen from entry probes only: a uretprobe in Go code crashes the program
 * (its stacks move and its unwinder checks return addresses). Probes sit at each
 * function's prologue_end, after the stack-growth check, whose slow path re-enters the
 * function from its top: a probe there would count such a call twice. Go's register ABI
 * passes the first integer arguments in RAX, RBX, RCX...
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "abi/common.h"
#include "abi/go.h"
#include "counters.h"
#include "uprobe_compat.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* tgid -> counters; a process is counted iff it has an entry (user space adds it) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, MAX_PROCS);
	__type(key, __u32);
	__type(value, struct go_stats);
} go_stats SEC(".maps");

/* goroutines begun and ended, by start function; full: counted in lost */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct go_start_key);
	__type(value, __u64);
} go_starts SEC(".maps");

/* tgid -> its threads when main.main was entered (the runtime's own start before it) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_PROCS);
	__type(key, __u32);
	__type(value, __u32);
} go_main SEC(".maps");

__u64 lost_starts;

static __always_inline void count_start(__u32 tgid, __u32 kind, __u64 startpc)
{
	struct go_start_key key = { .tgid = tgid, .kind = kind, .startpc = startpc };
	__u64 one = 1, *n;

	key.before_main = !bpf_map_lookup_elem(&go_main, &tgid);
	n = bpf_map_lookup_elem(&go_starts, &key);
	if (n) {
		__sync_fetch_and_add(n, 1);
		return;
	}
	if (bpf_map_update_elem(&go_starts, &key, &one, BPF_NOEXIST)) {
		/* another CPU added it first, or the map is full */
		n = bpf_map_lookup_elem(&go_starts, &key);
		if (n)
			__sync_fetch_and_add(n, 1);
		else
			__sync_fetch_and_add(&lost_starts, 1);
	}
}

/* runtime.newproc1(fn *funcval, callergp *g, callerpc uintptr): fn->fn is the start pc */
SEC("uprobe")
int BPF_UPROBE(go_newproc)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u64 fn = PT_REGS_RC(ctx), startpc = 0;	/* RAX: the first argument */

	if (!bpf_map_lookup_elem(&go_stats, &tgid))
		return 0;
	bpf_probe_read_user(&startpc, sizeof(startpc), (void *)fn);
	count_start(tgid, GO_CREATED, startpc);
	return 0;
}

/* runtime.goexit0(gp *g): the cookie is g.startpc's offset in this binary (DWARF) */
SEC("uprobe")
int BPF_UPROBE(go_goexit)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u64 gp = PT_REGS_RC(ctx), startpc = 0;

	if (!bpf_map_lookup_elem(&go_stats, &tgid))
		return 0;
	bpf_probe_read_user(&startpc, sizeof(startpc), (void *)(gp + bpf_get_attach_cookie(ctx)));
	count_start(tgid, GO_EXITED, startpc);
	return 0;
}

/*
 * Allocations, counted where the runtime counts them for MemStats (one hit per span, not
 * per object): an mcache hands out a span's slots with no call leakbpf could afford to
 * probe, and adds up what the span gave when it leaves the cache.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_PROCS);
	__type(key, __u32);
	__type(value, struct go_alloc_layout);
} go_layouts SEC(".maps");

/*
 * The slots a cached span gave out since it was cached (the runtime's slotsUsed); returns
 * the span's object size. A slot without a span holds runtime.emptymspan, whose counts
 * and size are all 0.
 */
static __always_inline __u64 count_span(struct go_stats *st, const struct go_alloc_layout *l,
					__u64 span)
{
	__u16 count = 0, before = 0;
	__u64 elemsize = 0;

	if (!span)
		return 0;
	bpf_probe_read_user(&count, sizeof(count), (void *)(span + l->span_alloc_count));
	bpf_probe_read_user(&before, sizeof(before), (void *)(span + l->span_before_cache));
	bpf_probe_read_user(&elemsize, sizeof(elemsize), (void *)(span + l->span_elemsize));
	if (count > before) {
		COUNT(st->mallocs, count - before);
		COUNT(st->bytes, (__u64)(count - before) * elemsize);
	}
	return elemsize;
}

/* Tiny objects share 16-byte blocks; the runtime counts them apart, at these flushes */
static __always_inline void count_tiny(struct go_stats *st, const struct go_alloc_layout *l,
				       __u64 mcache)
{
	__u64 tiny = 0;

	bpf_probe_read_user(&tiny, sizeof(tiny), (void *)(mcache + l->mcache_tiny_allocs));
	COUNT(st->mallocs, tiny);
}

static __always_inline struct go_stats *go_process(const struct go_alloc_layout **l)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	*l = bpf_map_lookup_elem(&go_layouts, &tgid);
	return *l ? bpf_map_lookup_elem(&go_stats, &tgid) : NULL;
}

/* runtime.(*mcache).refill(c *mcache, spc spanClass): c.alloc[spc] is full, and goes back */
SEC("uprobe")
int BPF_UPROBE(go_refill)
{
	__u64 mcache = PT_REGS_RC(ctx), spc = ctx->bx & 0xff;
	const struct go_alloc_layout *l;
	struct go_stats *st = go_process(&l);
	__u64 span = 0;

	if (!st || spc >= l->nclasses)
		return 0;
	bpf_probe_read_user(&span, sizeof(span), (void *)(mcache + l->mcache_alloc + spc * 8));
	/* the tiny class (16-byte noscan blocks) flushes the tiny count with its span */
	if (count_span(st, l, span) == 16 && (spc & 1))
		count_tiny(st, l, mcache);
	return 0;
}

/* runtime.(*mcache).releaseAll(c *mcache): every cached span goes back (GC, ReadMemStats) */
SEC("uprobe")
int BPF_UPROBE(go_release_all)
{
	__u64 mcache = PT_REGS_RC(ctx);
	const struct go_alloc_layout *l;
	struct go_stats *st = go_process(&l);
	__u64 empty = 0;	/* runtime.emptymspan, in most slots: read once */
	__u32 i, j;

	if (!st)
		return 0;
	/* eight slots a read: the last may read past the array, into the mcache's own fields */
	for (i = 0; i < GO_MAX_SPAN_CLASSES / 8 && i * 8 < l->nclasses; i++) {
		__u64 spans[8] = {};

		bpf_probe_read_user(spans, sizeof(spans),
				    (void *)(mcache + l->mcache_alloc + i * sizeof(spans)));
		for (j = 0; j < 8 && i * 8 + j < l->nclasses; j++) {
			if (spans[j] != empty && !count_span(st, l, spans[j]))
				empty = spans[j];
		}
	}
	count_tiny(st, l, mcache);
	return 0;
}

/* runtime.(*mcache).allocLarge(c *mcache, size uintptr, noscan bool): whole 8 KiB pages */
SEC("uprobe")
int BPF_UPROBE(go_alloc_large)
{
	const struct go_alloc_layout *l;
	struct go_stats *st = go_process(&l);
	__u64 size = ctx->bx;	/* Go's second integer register */

	if (st) {
		COUNT(st->mallocs, 1);
		COUNT(st->bytes, (size + 8191) & ~8191ULL);
	}
	return 0;
}

/* main.main: what the goroutines and threads were before it is a command's start */
SEC("uprobe")
int BPF_UPROBE(go_main_enter)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u32 tgid = bpf_get_current_pid_tgid() >> 32, threads;

	if (!bpf_map_lookup_elem(&go_stats, &tgid))
		return 0;
	threads = BPF_CORE_READ(task, signal, nr_threads);
	bpf_map_update_elem(&go_main, &tgid, &threads, BPF_ANY);
	return 0;
}
