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

#endif /* LEAKBPF_ABI_ITEMS_H */
