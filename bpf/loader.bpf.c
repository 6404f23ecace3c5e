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
 * run yet) also stops the process until user space has looked.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "leakbpf.h"
#include "uprobe_compat.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define RT_CONSISTENT 0		/* <link.h> enum r_state */
#define SIGSTOP 19

/* From _dl_debug_state's first byte to _r_debug.r_state, in the loader's image. */
const volatile __s64 r_state_off = 0;

/* tgid -> enum loader_flags */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_PROCS);
	__type(key, __u32);
	__type(value, __u32);
} loader_watch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 * 4096);
} loader_events SEC(".maps");

__u64 loader_events_lost = 0;

SEC("uprobe")
int BPF_UPROBE(loader_state_enter)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct loader_event *e;
	__u32 *flags;
	int state = RT_CONSISTENT;

	flags = bpf_map_lookup_elem(&loader_watch, &tgid);
	if (!flags)
		return 0;
	/* unreadable: report anyway, a spurious look at the maps costs little */
	bpf_probe_read_user(&state, sizeof(state), (void *)(PT_REGS_IP(ctx) + r_state_off));
	if (state != RT_CONSISTENT)
		return 0;
	e = bpf_ringbuf_reserve(&loader_events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&loader_events_lost, 1);
		return 0;
	}
	e->tgid = tgid;
	e->stopped = 0;
	/* the signal is queued before the event is visible, so SIGCONT cannot overtake it */
	if ((*flags & LOADER_STOP) && !bpf_send_signal(SIGSTOP)) {
		e->stopped = 1;
		__sync_fetch_and_and(flags, ~LOADER_STOP);
	}
	bpf_ringbuf_submit(e, 0);
	return 0;
}
