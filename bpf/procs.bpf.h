/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * The process table: a traced process's flags and exec generation. User space creates it
 * (user/probe/core.c), adds each process it traces, and every object that declares it
 * gets that one map.
 */
#ifndef LEAKBPF_PROCS_BPF_H
#define LEAKBPF_PROCS_BPF_H

#include "abi/common.h"

/* tgid -> its flags and exec generation (bpf/fds counts the execs) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_PROCS);
	__type(key, __u32);
	__type(value, struct proc_info);
} procs SEC(".maps");

/* The image a process runs now, which its unwind rules are keyed by. */
static __always_inline __u32 exec_gen(__u32 tgid)
{
	struct proc_info *proc = bpf_map_lookup_elem(&procs, &tgid);

	return proc ? proc->exec_gen : 0;
}

#endif
