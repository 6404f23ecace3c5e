/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/* The ABI of bpf/items.bpf.c: the calls of the --item and --batch probes. */
#ifndef LEAKBPF_ABI_ITEMS_H
#define LEAKBPF_ABI_ITEMS_H

/* Per-process calls of the --item and --batch probes (a per-CPU value). */
struct item_stats {
	__u64 items;
	__u64 batches;
};

/*
 * An item probe's attach cookie: 0, each call is one item; otherwise each call adds the
 * value of this register (the Nth integer argument, register chosen by user space from
 * the function's calling convention).
 */
enum item_arg_reg {
	ITEM_COUNT_CALLS,
	ITEM_REG_AX, ITEM_REG_BX, ITEM_REG_CX, ITEM_REG_DX, ITEM_REG_SI, ITEM_REG_DI,
	ITEM_REG_R8, ITEM_REG_R9, ITEM_REG_R10, ITEM_REG_R11,
};

#endif /* LEAKBPF_ABI_ITEMS_H */
