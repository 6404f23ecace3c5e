// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * The benchmark's floor (tools/floor): empty programs at exactly the sites leakbpf
 * probes, so that what a probe hit costs the kernel can be told from what leakbpf's
 * programs add to it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* an entry probe (counts mode, free) */
SEC("uprobe")
int floor_entry(struct pt_regs *ctx)
{
	return 0;
}

/* a uprobe session that always asks for the return, as leakbpf's do for a followed call */
SEC("uprobe")
int floor_session(struct pt_regs *ctx)
{
	return 0;
}

/* a return probe, on kernels without sessions */
SEC("uretprobe")
int floor_exit(struct pt_regs *ctx)
{
	return 0;
}
