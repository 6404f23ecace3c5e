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

/*
 * What one call adds: 1, or the argument the cookie names (--item SPEC#N). The registers
 * are loaded one by one at fixed offsets: the verifier refuses a computed ctx offset.
 */
static __always_inline __u64 reg_value(struct pt_regs *ctx, __u64 which)
{
	__u64 regs[] = {
		[ITEM_COUNT_CALLS] = 1,
		[ITEM_REG_AX] = ctx->ax, [ITEM_REG_BX] = ctx->bx, [ITEM_REG_CX] = ctx->cx,
		[ITEM_REG_DX] = ctx->dx, [ITEM_REG_SI] = ctx->si, [ITEM_REG_DI] = ctx->di,
		[ITEM_REG_R8] = ctx->r8, [ITEM_REG_R9] = ctx->r9, [ITEM_REG_R10] = ctx->r10,
		[ITEM_REG_R11] = ctx->r11,
	};

	return which < sizeof(regs) / sizeof(regs[0]) ? regs[which] : 1;
}

static __always_inline __u64 call_value(struct pt_regs *ctx)
{
	__u64 which = bpf_get_attach_cookie(ctx);

	/* the usual probe counts calls: no register to load */
	return which == ITEM_COUNT_CALLS ? 1 : reg_value(ctx, which);
}

SEC("uprobe")
int BPF_UPROBE(item_enter)
{
	struct item_stats *st = proc_items();

	if (st)
		COUNT(st->items, call_value(ctx));
	return 0;
}

SEC("uprobe")
int BPF_UPROBE(batch_enter)
{
	struct item_stats *st = proc_items();

	if (st)
		COUNT(st->batches, call_value(ctx));
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
