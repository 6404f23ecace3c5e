// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * Threads and TCP sockets of the traced processes, from BTF tracepoints.
 *
 * Threads: how many were started and how many ended while traced, how many were alive
 * when the process began to exit, and the status it exited with. task_newtask fires in
 * copy_process() once the new task can no longer fail, for every thread (io_uring workers
 * too, which never pass through sched_process_fork), so `created` counts threads that
 * exist.
 *
 * TCP sockets, counted per state from inet_sock_set_state. Most transitions happen in
 * softirq, where `current` is whatever task was interrupted, so a socket carries its owner
 * in sk storage:
 * - a socket is born to the process that connects it (CLOSE -> SYN_SENT) or makes it
 *   listen (CLOSE -> LISTEN): both only ever happen in that process's own syscall;
 * - a connection a listener receives is cloned from the listener in softirq, and the
 *   listener's storage is cloned with it (BPF_F_CLONE): it belongs to the listener's
 *   process from its first state (LISTEN -> SYN_RECV on the clone), accepted or not;
 * - the sockets open at attach get their storage from user space (user/track/sockets.c).
 * Every later transition only looks the storage up, wherever it runs. The storage goes
 * away with the socket; a `close_waits` entry goes when its socket leaves CLOSE_WAIT.
 *
 * Once a process begins to exit, its socket counts stay as they were: its exit closes
 * them, and a command that ran to its end should report what it left open, the way its
 * threads are counted at exit. That is why both halves live in one object.
 *
 * The tracepoints fire for every task and socket on the host: the first test is the
 * cheapest one that throws most events away, and only a traced process pays for more.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "abi/common.h"
#include "abi/tasks.h"
#include "counters.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define CLONE_THREAD 0x00010000		/* include/uapi/linux/sched.h */
#define SIGNAL_GROUP_EXIT 0x00000004	/* include/linux/sched/signal.h */

/* tgid -> thread counters; a process is counted iff it has an entry (user space adds it) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, MAX_PROCS);
	__type(key, __u32);
	__type(value, struct thread_stats);
} thread_stats SEC(".maps");

/* tgid -> 1 once the process has begun to exit (user space adds it as 0) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_PROCS);
	__type(key, __u32);
	__type(value, __u32);
} exiting SEC(".maps");

/* tgid -> TCP sockets per state (changes since attach); user space adds the entry */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, MAX_PROCS);
	__type(key, __u32);
	__type(value, struct sock_stats);
} sock_stats SEC(".maps");

/* socket -> its owner and counted state; cloned into the connections of a listener */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC | BPF_F_CLONE);
	__type(key, int);
	__type(value, struct sock_owner);
} sock_owners SEC(".maps");

/* sock_owner.id -> since when that socket is in CLOSE_WAIT */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_CLOSE_WAITS);
	__type(key, __u64);
	__type(value, struct close_wait);
} close_waits SEC(".maps");

/*
 * Per CPU: the move the first socket program last began (compared by the second), and
 * whether the second is running.
 */
struct sock_move {
	__u64 sk;
	__u32 oldstate;
	__u32 newstate;
	__u32 second_busy;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sock_move);
} sock_moves SEC(".maps");

struct drop_stats drops = {};
struct sock_nesting nesting = {};

SEC("tp_btf/task_newtask")
int BPF_PROG(thread_new, struct task_struct *task, u64 clone_flags)
{
	struct thread_stats *st;
	__u32 tgid;

	if (!(clone_flags & CLONE_THREAD))
		return 0;	/* a new process, with a tgid of its own */
	tgid = task->tgid;
	st = bpf_map_lookup_elem(&thread_stats, &tgid);
	if (st)
		COUNT(st->created, 1);
	return 0;
}

/*
 * Only the task argument is read: the group_dead argument exists since 6.16, and
 * signal->live (decremented before the tracepoint on every kernel) says the same. Two
 * threads that call exit() at the same time may both see live at 0; both then record the
 * same status.
 */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(thread_exit, struct task_struct *task)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;	/* task is current */
	struct signal_struct *sig;
	struct thread_stats *st;
	unsigned int flags;
	__u32 *ex;
	int live, n;

	st = bpf_map_lookup_elem(&thread_stats, &tgid);
	if (!st)
		return 0;
	COUNT(st->exited, 1);
	sig = task->signal;
	flags = sig->flags;
	live = sig->live.counter;
	if (!(flags & SIGNAL_GROUP_EXIT) && live)
		return 0;	/* one thread ends, the process goes on */

	/* every thread passes here before its files are closed: the sockets stop here */
	ex = bpf_map_lookup_elem(&exiting, &tgid);
	if (ex)
		*ex = 1;
	/*
	 * nr_threads drops when an exited thread is released, after this tracepoint, and no
	 * thread can start once a group exit is under way: the first thread here sees the
	 * most, which is what the process had when it began to exit (a zombie leader
	 * included, as in /proc/PID/status).
	 */
	n = sig->nr_threads;
	if (n > 0 && (__u64)n > st->threads_at_exit)
		st->threads_at_exit = n;
	if (!st->exit_ns)
		st->exit_ns = bpf_ktime_get_ns();
	if (live)
		return 0;
	st->dead = 1;
	/* what wait(2) reports: the group's code after exit_group or a fatal signal, else
	 * the leader's own exit code (the last thread may not be the leader) */
	if (flags & SIGNAL_GROUP_EXIT)
		st->exit_status = (__u32)sig->group_exit_code;
	else
		st->exit_status = (__u32)task->group_leader->exit_code;
	return 0;
}

/* A socket is born to the current process, if that process is traced. */
static __always_inline struct sock_owner *sock_born(struct sock *sk)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct sock_owner *so;

	if (!bpf_map_lookup_elem(&sock_stats, &tgid))
		return NULL;
	so = bpf_sk_storage_get(&sock_owners, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!so) {
		__sync_fetch_and_add(&drops.socks_untracked, 1);
		return NULL;
	}
	so->id = (__u64)sk;
	so->tgid = tgid;
	so->state = TCP_CLOSE;
	so->frozen = 0;
	return so;
}

/*
 * Count one move of a socket. Taking the same move twice changes nothing (the second time
 * the socket is already in newstate, the clone already has its own id), and that is what
 * makes the second program below safe.
 */
static __always_inline int sock_moved(struct sock *sk, int oldstate, int newstate)
{
	struct close_wait cw = {}, *old;
	struct sock_owner *so;
	struct sock_stats *st;
	__u32 from, *ex;
	__u64 now;

	if (sk->sk_protocol != IPPROTO_TCP)
		return 0;	/* MPTCP, SCTP and DCCP use this tracepoint too */
	so = bpf_sk_storage_get(&sock_owners, sk, 0, 0);
	if (!so) {
		/* only these two are run by the process itself, in its own syscall */
		if (oldstate != TCP_CLOSE || (newstate != TCP_SYN_SENT && newstate != TCP_LISTEN))
			return 0;
		so = sock_born(sk);
		if (!so)
			return 0;
	} else if (so->frozen) {
		return 0;
	} else if (oldstate == TCP_LISTEN && newstate == TCP_SYN_RECV && so->id != (__u64)sk) {
		/* a new connection with its listener's storage: a socket of its own now */
		so->id = (__u64)sk;
		so->state = TCP_CLOSE;
	}
	st = bpf_map_lookup_elem(&sock_stats, &so->tgid);
	if (!st)
		return 0;	/* its process is no longer traced */

	now = bpf_ktime_get_ns();
	ex = bpf_map_lookup_elem(&exiting, &so->tgid);
	if (ex && *ex) {
		/* counted as it was at exit from now on; a CLOSE_WAIT stops ageing there */
		so->frozen = 1;
		if (so->state == TCP_CLOSE_WAIT) {
			old = bpf_map_lookup_elem(&close_waits, &so->id);
			if (old)
				old->until_ns = now;
		}
		return 0;
	}

	/* from the state it is counted in: the same as oldstate unless a move was missed */
	from = so->state;
	st->state[from & (TCP_STATE_SLOTS - 1)]--;
	st->state[newstate & (TCP_STATE_SLOTS - 1)]++;
	so->state = newstate;
	if (newstate == TCP_CLOSE_WAIT) {
		cw.since_ns = now;
		cw.tgid = so->tgid;
		if (bpf_map_update_elem(&close_waits, &so->id, &cw, BPF_ANY))
			__sync_fetch_and_add(&drops.close_waits_full, 1);
	} else if (from == TCP_CLOSE_WAIT) {
		bpf_map_delete_elem(&close_waits, &so->id);
	}
	/* the end of its TCP life: a socket that connects again is born again */
	if (newstate == TCP_CLOSE)
		bpf_sk_storage_delete(&sock_owners, sk);
	return 0;
}

/*
 * The kernel does not run a program that an interrupt finds already running on its CPU:
 * a socket that moves in softirq while this program runs in a task (any task's socket) on
 * the same CPU would go unseen. So two programs take every move, in attach order (see
 * user/probe/tasks.c): this one, and sock_set_state_again, which takes the moves this one
 * did not begin.
 */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(sock_set_state, struct sock *sk, int oldstate, int newstate)
{
	__u32 zero = 0;
	struct sock_move *m = bpf_map_lookup_elem(&sock_moves, &zero);

	if (m) {
		m->sk = (__u64)sk;
		m->oldstate = oldstate;
		m->newstate = newstate;
		if (m->second_busy)
			__sync_fetch_and_add(&nesting.taken_while_second_busy, 1);
	}
	return sock_moved(sk, oldstate, newstate);
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(sock_set_state_again, struct sock *sk, int oldstate, int newstate)
{
	__u32 zero = 0;
	struct sock_move *m = bpf_map_lookup_elem(&sock_moves, &zero);

	if (!m)
		return 0;
	if (m->sk == (__u64)sk && m->oldstate == oldstate && m->newstate == newstate) {
		m->sk = 0;	/* the first program's */
		return 0;
	}
	m->second_busy = 1;
	__sync_fetch_and_add(&nesting.taken_by_second, 1);
	sock_moved(sk, oldstate, newstate);
	m->second_busy = 0;
	return 0;
}
