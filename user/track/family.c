// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#include "abi/common.h"
#include "abi/loader.h"
#include "base/log.h"
#include "base/util.h"
#include "probe/alloc.h"
#include "probe/fds.h"
#include "probe/loader.h"
#include "track/family.h"
#include "track/fd_tracker.h"
#include "track/follow.h"
#include "track/target.h"
#include "track/threads.h"

struct target *family__find(struct family *f, pid_t pid)
{
	int i;

	for (i = 0; i < f->n; i++)
		if (f->members[i]->pid == pid)
			return f->members[i];
	return NULL;
}

/*
 * A child, stopped before its first instruction, as its parent's image: its allocator,
 * its fds (held at its _Exit like a command), its threads, its execs and its own forks.
 * Its sockets are its parent's until it makes its own: those it inherited are not adopted.
 */
static int probe_child(struct family *f, struct target *kid)
{
	struct tracer *t = f->tracer;
	int err;

	err = tracer__add_process(t, kid->pid);
	if (err)
		return err;
	kid->fds = fd_tracker__new(kid->pid);
	if (!kid->fds)
		return -ENOMEM;
	/* its fd wrappers come with its allocator (follow__probe_image), as an exec's do */
	err = fd_tracker__hook(kid->fds, t, true, true);
	if (!err)
		follow__probe_image(t, kid);
	if (!err)
		err = fd_tracker__start(kid->fds, false);
	if (!err)
		err = fd_tracker__hold_exit(kid->fds, t);
	if (err)
		return err;
	threads__start(kid);
	follow__find_loader(kid);
	/* held at each exec and at its loader's next look, as a command is */
	err = follow__start(t, kid, true);
	if (!err)
		err = follow__exec(t, kid);
	if (!err)
		err = tracer__follow_forks(t, kid->pid);
	target__refresh(kid);
	return err;
}

/* A traced process forked pid, which waits (stopped) to be probed or let go. */
static void on_fork(struct family *f, const struct loader_event *e)
{
	struct target *kid;
	int err;

	if (f->detached)
		goto resume;
	if (f->n == FAMILY_MAX) {
		f->dropped++;
		vlog("-f: PID %d (forked by %d) not traced: %d processes are", e->tgid, e->parent,
		     FAMILY_MAX);
		goto resume;
	}
	kid = calloc(1, sizeof(*kid));
	if (!kid) {
		f->dropped++;
		goto resume;
	}
	kid->pidfd = -1;
	err = target__open(kid, e->tgid, NULL, NULL);
	kid->parent = e->parent;
	kid->start_ns = now_ns();
	kid->tracer = f->tracer;
	kid->suppressions = f->members[0]->suppressions;
	if (!err)
		err = probe_child(f, kid);
	f->members[f->n++] = kid;
	if (err)
		elog("-f: PID %d (forked by %d): not all of it is traced (%s)", e->tgid, e->parent,
		     errstr(err));
	else
		vlog("-f: PID %d, forked by %d: traced", e->tgid, e->parent);
resume:
	if (e->stopped && kill(e->tgid, SIGCONT))
		elog("-f: cannot let PID %d go on (%s)", e->tgid, errstr(-errno));
}

/* Each event goes to the member it is about (each event begins with its type and tgid). */
static int dispatch(void *ctx, const void *data, size_t size)
{
	const struct loader_event *e = data;
	struct family *f = ctx;
	struct target *tg;

	if (size < 2 * sizeof(__u32))
		return 0;
	if (e->type == EV_LOADER && size >= sizeof(*e) && e->kind == LOADER_EV_FORK) {
		on_fork(f, e);
		return 0;
	}
	tg = family__find(f, e->tgid);
	return tg ? target__on_event(tg, data, size) : 0;
}

void family__init(struct family *f, struct target *root, struct tracer *t, bool follow)
{
	memset(f, 0, sizeof(*f));
	f->tracer = t;
	f->follow = follow;
	f->members[f->n++] = root;
	root->tracer = t;
	tracer__on_event(t, EV_LOADER, dispatch, f);
	tracer__on_event(t, EV_UNWIND, dispatch, f);
	tracer__on_event(t, EV_FD_EXIT, dispatch, f);
}

int family__follow(struct family *f)
{
	int err;

	if (!f->follow)
		return 0;
	err = tracer__follow_forks(f->tracer, f->members[0]->pid);
	if (err)
		elog("-f: cannot follow the processes PID %d forks (%s)", f->members[0]->pid,
		     errstr(err));
	return err;
}

void family__reap(struct family *f)
{
	struct pollfd pfd = { .events = POLLIN };
	pid_t gone[FAMILY_MAX];
	int i, n = 0;

	for (i = 1; i < f->n; i++) {
		if (f->members[i]->exit.exited || f->members[i]->pidfd < 0)
			continue;
		pfd.fd = f->members[i]->pidfd;
		if (poll(&pfd, 1, 0) > 0) {
			target__ended(f->members[i]);
			gone[n++] = f->members[i]->pid;
		}
	}
	/*
	 * Their probes go now, all at once (a removal waits for a grace period: side by side
	 * they wait one), not at the end; what they counted stays for the report.
	 */
	if (n && !f->detached) {
		tracer__detach_allocators(f->tracer, gone, n);
		tracer__detach_fd_wrappers(f->tracer, gone, n);
	}
}

void family__tick(struct family *f, uint64_t now)
{
	int i;

	for (i = 1; i < f->n; i++)
		if (!f->members[i]->exit.exited)
			follow__tick(f->tracer, f->members[i], now);
}

void family__free(struct family *f)
{
	int i;

	for (i = 1; i < f->n; i++) {
		target__free(f->members[i]);
		free(f->members[i]);
	}
	f->n = f->n ? 1 : 0;
}
