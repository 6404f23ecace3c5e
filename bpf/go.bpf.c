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

/* runtime.mallocgc(size uintptr, typ *_type, needzero bool) */
SEC("uprobe")
int BPF_UPROBE(go_mallocgc)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct go_stats *st = bpf_map_lookup_elem(&go_stats, &tgid);

	if (st) {
		COUNT(st->mallocs, 1);
		COUNT(st->bytes, PT_REGS_RC(ctx));
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
