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

/*
 * The tracepoints leakbpf's threads, fds, sockets and exec tracking use in every mode. The
 * syscall ones, for a program without glibc (a glibc program's fd calls are probed at its
 * wrappers: floor_entry and floor_exit there), put every syscall on the host on the kernel's
 * traced path: in the tracking modes that includes the uretprobe syscall by which each
 * probed call returns.
 */
SEC("tp_btf/sys_enter")
int BPF_PROG(floor_sys_enter, struct pt_regs *regs, long id)
{
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(floor_sys_exit, struct pt_regs *regs, long ret)
{
	return 0;
}

SEC("tp_btf/task_newtask")
int BPF_PROG(floor_newtask, struct task_struct *task, __u64 clone_flags)
{
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(floor_process_exit, struct task_struct *task)
{
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(floor_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(floor_sock_state, const struct sock *sk, const int oldstate, const int newstate)
{
	return 0;
}
