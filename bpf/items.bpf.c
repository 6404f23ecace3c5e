// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * Work counters: each call of the --item function (or USDT probe) is one processed item,
 * each call of the --batch one is one flushed batch. Entry probes only: a count needs no
 * return, and the entry is the cheapest place to stop.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>
#include "abi/common.h"
#include "abi/items.h"
#include "counters.h"
#include "uprobe_compat.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* tgid -> counters; a process is counted iff it has an entry (user space adds it) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, MAX_PROCS);
	__type(key, __u32);
	__type(value, struct item_stats);
} item_stats SEC(".maps");

static __always_inline struct item_stats *proc_items(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	return bpf_map_lookup_elem(&item_stats, &tgid);
}

SEC("uprobe")
int BPF_UPROBE(item_enter)
{
	struct item_stats *st = proc_items();

	if (st)
		COUNT(st->items, 1);
	return 0;
}

SEC("uprobe")
int BPF_UPROBE(batch_enter)
{
	struct item_stats *st = proc_items();

	if (st)
		COUNT(st->batches, 1);
	return 0;
}

SEC("usdt")
int BPF_USDT(item_usdt)
{
	struct item_stats *st = proc_items();

	if (st)
		COUNT(st->items, 1);
	return 0;
}

SEC("usdt")
int BPF_USDT(batch_usdt)
{
	struct item_stats *st = proc_items();

	if (st)
		COUNT(st->batches, 1);
	return 0;
}
