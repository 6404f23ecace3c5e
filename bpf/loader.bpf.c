// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * When the dynamic loader has mapped a process's libraries, tell user space, so it can
 * read /proc/PID/maps and open the modules before the process can exit: a short command
 * is otherwise gone, with its address space, before its stacks can be named.
 *
 * glibc's ld.so calls _dl_debug_state() (the debugger's r_brk hook) whenever the link map
 * changes, with _r_debug.r_state saying how: RT_ADD/RT_DELETE before, RT_CONSISTENT after.
 * Under `-- CMD` the first consistent state (all startup libraries mapped, no constructor
 * run yet) also stops the process until user space has looked, and so does each RT_DELETE:
 * a library's blocks outlive its dlclose, and their stacks can only be named from the
 * module as it was mapped. (A -p target is not stopped; a library it loads and unloads
 * before user space reads the first consistent state leaves its frames unnamed.)
 *
 * An exec replaces the image, and the new one may call another allocator (a wrapper such
 * as env, sh -c or chroot runs the real program). sched_process_exec runs in the exec'ing
 * task after the new image is mapped and before it returns to user space: a SIGSTOP sent
 * there is taken before the new image's first instruction. User space then finds out
 * whether the image has a loader to wait for (and re-arms LOADER_STOP) or can be probed
 * right away (static, musl).
 *
 * -f: a process a watched one forks (LOADER_FORKS) must be stopped before its first
 * instruction, so that user space can probe it first. task_newtask runs in the parent,
 * before the child can run: it notes the child. The child's first passage to user space is
 * the return from fork, through the syscall exit: there it stops itself. (That tracepoint
 * fires for every syscall on the host, so it is attached only with -f.)
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "abi/common.h"
#include "abi/loader.h"
#include "events.bpf.h"
#include "uprobe_compat.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define CLONE_THREAD 0x00010000		/* include/uapi/linux/sched.h */
#define RT_CONSISTENT 0		/* <link.h> enum r_state */
#define RT_DELETE 2
#define SIGSTOP 19

/* tgid -> enum loader_flags */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_PROCS);
	__type(key, __u32);
	__type(value, __u32);
} loader_watch SEC(".maps");

/* -f: child tgid -> the tgid that forked it, until the child first returns to user space */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_PROCS);
	__type(key, __u32);
	__type(value, __u32);
} newborns SEC(".maps");

__u64 loader_events_lost = 0;
__u64 newborns_lost = 0;	/* children not followed: `newborns` was full */

/*
 * Report, and stop the process first when stop says so; true if it was stopped. The signal
 * is queued before the event is visible, so SIGCONT cannot overtake it; without room for
 * the event it is not stopped: nobody would know to resume it.
 */
static __always_inline bool report(__u32 tgid, bool stop, __u32 kind, __u32 parent)
{
	struct loader_event *e;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&loader_events_lost, 1);
		return false;
	}
	e->type = EV_LOADER;
	e->tgid = tgid;
	e->stopped = stop && !bpf_send_signal(SIGSTOP);
	e->kind = kind;
	e->parent = parent;
	e->pad = 0;
	stop = e->stopped;
	bpf_ringbuf_submit(e, 0);
	return stop;
}

/* The attach cookie: from _dl_debug_state's first byte to _r_debug.r_state, per loader. */
SEC("uprobe")
int BPF_UPROBE(loader_state_enter)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__s64 r_state_off = bpf_get_attach_cookie(ctx);
	__u32 *flags;
	int state = RT_CONSISTENT;

	flags = bpf_map_lookup_elem(&loader_watch, &tgid);
	if (!flags || !(*flags & LOADER_WATCH))
		return 0;
	/* unreadable: report anyway, a spurious look at the maps costs little */
	bpf_probe_read_user(&state, sizeof(state), (void *)(PT_REGS_IP(ctx) + r_state_off));
	if (state == RT_DELETE && (*flags & LOADER_UNLOAD_STOP)) {
		report(tgid, true, LOADER_EV_UNLOADING, 0);
		return 0;
	}
	if (state != RT_CONSISTENT)
		return 0;
	if (report(tgid, *flags & LOADER_STOP, LOADER_EV_MODULES, 0))
		__sync_fetch_and_and(flags, ~LOADER_STOP);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(loader_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tgid = p->tgid;
	__u32 *flags;

	flags = bpf_map_lookup_elem(&loader_watch, &tgid);
	if (!flags || !(*flags & LOADER_EXEC))
		return 0;
	/* a stop armed for the old image's loader is not the new one's to take */
	__sync_fetch_and_and(flags, ~LOADER_STOP);
	/* every exec, not only the first: a wrapper may exec another wrapper */
	report(tgid, *flags & LOADER_EXEC_STOP, LOADER_EV_EXEC, 0);
	return 0;
}

/* -f: a watched process forks (a thread is not a process: it is counted by bpf/tasks). */
SEC("tp_btf/task_newtask")
int BPF_PROG(loader_fork, struct task_struct *task, __u64 clone_flags)
{
	__u32 parent = bpf_get_current_pid_tgid() >> 32, child, *flags;

	if (clone_flags & CLONE_THREAD)
		return 0;
	flags = bpf_map_lookup_elem(&loader_watch, &parent);
	if (!flags || !(*flags & LOADER_FORKS))
		return 0;
	child = task->pid;
	if (bpf_map_update_elem(&newborns, &child, &parent, BPF_ANY))
		__sync_fetch_and_add(&newborns_lost, 1);
	return 0;
}

/* -f: the child returns from fork; it stops there until user space has probed it. */
SEC("tp_btf/sys_exit")
int BPF_PROG(loader_newborn, struct pt_regs *regs, long ret)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32, *parent, ppid;

	parent = bpf_map_lookup_elem(&newborns, &tgid);
	if (!parent)
		return 0;
	ppid = *parent;
	bpf_map_delete_elem(&newborns, &tgid);
	report(tgid, true, LOADER_EV_FORK, ppid);
	return 0;
}
