// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
/* first: the skeleton uses the types of the ABI */
#include "probe/tasks.h"
#include "tasks.skel.h"
#include "probe/core.h"
#include "base/log.h"

struct tasks_probe {
	struct tasks_bpf *skel;
};

/* The counters of `drops` (struct drop_stats) that bpf/tasks bumps. */
static const struct loss_name tasks_losses[] = {
	{ "TCP sockets not followed (no sk storage)", offsetof(struct drop_stats, socks_untracked) },
	{ "CLOSE_WAIT sockets without an age (map full)",
	  offsetof(struct drop_stats, close_waits_full) },
};

/*
 * Threads and TCP sockets: BTF tracepoints, attached once for every process. They cost a
 * test and a lookup per event until a process is added, so they go live right away.
 * Kernels before 5.11 cannot use sk storage from them: the caller goes on without.
 */
int tasks_probe__start(struct tracer *t)
{
	struct tasks_bpf *skel;
	int err;

	t->tasks = calloc(1, sizeof(*t->tasks));
	if (!t->tasks)
		return -ENOMEM;
	skel = t->tasks->skel = tasks_bpf__open();
	if (!skel) {
		err = -errno;
		elog("cannot open the thread and TCP socket BPF object: %s", errstr(err));
		return err;
	}
	if (tasks_bpf__load(skel)) {
		err = -errno;
		core__load_error(skel->obj, err);
		return err;
	}
	/* attached by the skeleton: these links are its own, and go with it */
	bpf_program__set_autoattach(skel->progs.sock_set_state_again, false);
	if (tasks_bpf__attach(skel)) {
		err = -errno;
		elog("cannot attach to the task_newtask, sched_process_exit and "
		     "inet_sock_set_state tracepoints (%s)", errstr(err));
		return err;
	}
	/* after sock_set_state: a tracepoint runs its programs in the order they came */
	skel->links.sock_set_state_again = bpf_program__attach(skel->progs.sock_set_state_again);
	if (!skel->links.sock_set_state_again) {
		err = -errno;
		elog("cannot attach a second program to inet_sock_set_state (%s)", errstr(err));
		return err;
	}
	return 0;
}

void tasks_probe__destroy(struct tasks_probe *p)
{
	if (!p)
		return;
	tasks_bpf__destroy(p->skel);
	free(p);
}

int tasks_probe__add_process(struct tracer *t, pid_t pid)
{
	struct tasks_bpf *skel = t->tasks->skel;
	int err;

	err = core__add_zeroed(skel->maps.thread_stats, sizeof(struct thread_stats), t->ncpus,
			       pid);
	if (!err)
		err = core__add_zeroed(skel->maps.exiting, sizeof(__u32), 1, pid);
	if (!err)
		err = core__add_zeroed(skel->maps.sock_stats, sizeof(struct sock_stats), t->ncpus,
				       pid);
	return err;
}

void tasks_probe__forget(struct tracer *t, pid_t pid)
{
	struct tasks_bpf *skel = t->tasks->skel;

	core__forget(skel->maps.thread_stats, pid);
	core__forget(skel->maps.exiting, pid);
	core__forget(skel->maps.sock_stats, pid);
}

struct bpf_object *tasks_probe__object(struct tracer *t)
{
	return t->tasks->skel->obj;
}

void tasks_probe__losses(struct tracer *t, struct losses *out)
{
	const struct sock_nesting *n = &t->tasks->skel->bss->nesting;
	uint64_t missed = core__recursion_misses(t->tasks->skel->obj);
	uint64_t covered = n->taken_by_second + n->taken_while_second_busy;

	core__add_losses(out, &t->tasks->skel->bss->drops, tasks_losses,
			 sizeof(tasks_losses) / sizeof(tasks_losses[0]));
	/* a socket move one of the two programs missed and the other took is not lost */
	losses__add(out, "thread and socket programs skipped (another of ours ran)",
		    missed > covered ? missed - covered : 0);
}

bool tracer__has_tasks(const struct tracer *t)
{
	return t->tasks != NULL;
}

int tracer__thread_stats(struct tracer *t, pid_t pid, struct thread_stats *out)
{
	struct thread_stats *v = core__percpu_values(t, t->tasks->skel->maps.thread_stats, pid,
						     sizeof(*v));
	int cpu;

	if (!v)
		return -errno;
	memset(out, 0, sizeof(*out));
	for (cpu = 0; cpu < t->ncpus; cpu++) {
		out->created += v[cpu].created;
		out->exited += v[cpu].exited;
		/* every CPU saw the count at its own exits: the first exit saw the most */
		if (v[cpu].threads_at_exit > out->threads_at_exit)
			out->threads_at_exit = v[cpu].threads_at_exit;
		if (v[cpu].exit_ns && (!out->exit_ns || v[cpu].exit_ns < out->exit_ns))
			out->exit_ns = v[cpu].exit_ns;
		if (v[cpu].dead && !out->dead) {
			out->dead = 1;
			out->exit_status = v[cpu].exit_status;
		}
	}
	free(v);
	return 0;
}

int tracer__sock_stats(struct tracer *t, pid_t pid, struct sock_stats *out)
{
	return core__sum_percpu(t, t->tasks->skel->maps.sock_stats, pid, (__u64 *)out->state,
				TCP_STATE_SLOTS);
}

int tracer__adopt_socket(struct tracer *t, int fd, const struct sock_owner *so,
			 const struct close_wait *cw)
{
	struct bpf_map *cws = t->tasks->skel->maps.close_waits;
	bool added_cw = false;
	__u64 id = so->id;
	int err;

	/*
	 * The CLOSE_WAIT record first: once the storage exists, the BPF side may take the
	 * socket out of CLOSE_WAIT, and must then find the record to delete.
	 */
	if (cw) {
		if (!bpf_map__update_elem(cws, &id, sizeof(id), cw, sizeof(*cw), BPF_NOEXIST))
			added_cw = true;
		else if (errno != EEXIST)	/* EEXIST: the same socket in another fd */
			return -errno;
	}
	if (bpf_map__update_elem(t->tasks->skel->maps.sock_owners, &fd, sizeof(fd), so,
				 sizeof(*so), BPF_NOEXIST)) {
		err = -errno;
		if (added_cw)
			bpf_map__delete_elem(cws, &id, sizeof(id), 0);
		return err;
	}
	return 0;
}

int tracer__for_each_close_wait(struct tracer *t, map_entry_fn fn, void *arg)
{
	return core__walk_map(t->tasks->skel->maps.close_waits, sizeof(__u64),
			      sizeof(struct close_wait), fn, arg);
}
