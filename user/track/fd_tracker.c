// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/log.h"
#include "base/util.h"
#include "probe/fds.h"
#include "proc/elf_file.h"
#include "proc/fd_table.h"
#include "proc/fd_wrappers.h"
#include "proc/procfs.h"
#include "track/fd_tracker.h"
#include "track/snapshot.h"
#include "track/target.h"
#include "unwind/stack_table.h"

/*
 * Unwound stacks kept at once. Events only come for pcs BPF has no rule for yet, so a
 * program meets this cap only if it opens fds from tens of thousands of new places.
 */
#define MAX_USER_STACKS 16384

/* The fd table at one moment, with what the report needs of it. */
struct fd_view {
	uint64_t when_ns;
	uint64_t end, by_kind[FD_KIND_NR];
	struct fd_stats stats;
	struct open_fd *v;
	int n;
};

struct fd_tracker {
	pid_t pid;
	struct fd_table start;
	bool have_exit;
	struct fd_view exit;	/* the table when the process called _Exit() */
	struct stack_table stacks;	/* unwound in user space, by fd_info.seq */
	bool holding;		/* the _Exit() probe is attached */
	bool by_wrappers;	/* its fd calls are probed at its C library's wrappers */
	bool image_hooked;	/* those of the image it runs now are */
};

static void view_free(struct fd_view *v)
{
	int i;

	for (i = 0; i < v->n; i++) {
		free(v->v[i].target);
		free(v->v[i].ips);
	}
	free(v->v);
	memset(v, 0, sizeof(*v));
}

struct fd_tracker *fd_tracker__new(pid_t pid)
{
	struct fd_tracker *ft = calloc(1, sizeof(*ft));

	if (!ft)
		return NULL;
	ft->pid = pid;
	ft->stacks.max = MAX_USER_STACKS;
	return ft;
}

void fd_tracker__free(struct fd_tracker *ft)
{
	if (!ft)
		return;
	fd_table__free(&ft->start);
	view_free(&ft->exit);
	stack_table__clear(&ft->stacks);
	free(ft);
}

int fd_tracker__start(struct fd_tracker *ft, bool launched)
{
	int i, n = 0, err;

	err = fd_table__read(ft->pid, &ft->start);
	if (err || !launched)
		return err;
	/* the exec closes leakbpf's own fds (and bpf/fds does not count that exec) */
	for (i = 0; i < ft->start.n; i++) {
		if (ft->start.v[i].cloexec)
			free(ft->start.v[i].link);
		else
			ft->start.v[n++] = ft->start.v[i];
	}
	ft->start.n = n;
	return 0;
}

/* Where _Exit starts in the objects a process maps. */
struct exit_scan {
	pid_t pid;
	char last[PATH_MAX];	/* a file's mappings come together: look at each once */
	char path[PATH_MAX];
	uint64_t offset;
};

static int find_exit(const struct proc_map *m, void *arg)
{
	struct exit_scan *s = arg;
	struct elf_func fn;
	struct elf_file *ef;
	int err;

	if (!m->path || m->perms[2] != 'x' || !strcmp(m->path, s->last))
		return 0;
	snprintf(s->last, sizeof(s->last), "%s", m->path);
	if (proc__root_path(s->pid, m->path, s->path, sizeof(s->path)))
		return 0;
	ef = elf_file__open(s->path);
	if (!ef)
		return 0;
	/*
	 * exit() ends in _Exit (musl's _exit calls it; glibc's is the same function). .symtab
	 * too: a static program's is not exported. A Go program (cgo or not) ends in its
	 * runtime's exit, never in the C library's: found first, in its executable.
	 */
	err = elf_file__find_func(ef, "runtime.exit.abi0", &fn);
	if (err)
		err = elf_file__find_func(ef, "_Exit", &fn);
	if (err)
		err = elf_file__find_func(ef, "_exit", &fn);
	elf_file__free(ef);
	if (err || fn.ifunc)
		return 0;
	s->offset = fn.offset;
	return 1;
}

int fd_tracker__hold_exit(struct fd_tracker *ft, struct tracer *t)
{
	struct exit_scan *s;
	int err;

	if (ft->holding)
		return 0;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->pid = ft->pid;
	err = proc__for_each_map(ft->pid, find_exit, s);
	if (!err && !s->offset)
		err = -ENOENT;
	if (err) {
		vlog("no _Exit() to hold PID %d at (%s): its fds are reported as the kernel left "
		     "them", ft->pid, errstr(err));
		goto out;
	}
	err = tracer__attach_exit_hold(t, ft->pid, s->path, s->offset);
	if (!err)
		err = tracer__add_proc_flags(t, ft->pid, PROC_HOLD_EXIT);
	ft->holding = !err;
out:
	free(s);
	return err == -ENOENT ? 0 : err;
}

void fd_tracker__exec(struct fd_tracker *ft)
{
	/* the old probe stays (by inode): the same C library is simply stopped at once */
	ft->holding = false;
	ft->image_hooked = false;
}

int fd_tracker__hook(struct fd_tracker *ft, struct tracer *t, bool wrappers, bool command)
{
	int err = tracer__attach_fds(t);

	if (err)
		return err;
	/*
	 * Before uprobe_multi links (6.6) the wrappers would take a link each, and removing
	 * each waits for a grace period: seconds at every exit. The tracepoints then.
	 */
	if (!tracer__can_probe_fd_wrappers(t))
		wrappers = false;
	if (!wrappers)
		return tracer__attach_fd_syscalls(t);
	err = tracer__add_proc_flags(t, ft->pid, PROC_FD_WRAPPERS);
	if (err) {
		elog("cannot register PID %d with the fd tracer (%s)", ft->pid, errstr(err));
		return err;
	}
	ft->by_wrappers = true;
	return command ? 0 : fd_tracker__hook_image(ft, t);
}

int fd_tracker__hook_image(struct fd_tracker *ft, struct tracer *t)
{
	struct fd_wrappers *w;
	int err;

	if (!ft->by_wrappers || ft->image_hooked)
		return 0;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	err = fd_wrappers__find(ft->pid, w);
	if (!err) {
		err = tracer__attach_fd_wrappers(t, ft->pid, w);
		if (err == -EALREADY)
			err = 0;
	}
	free(w);
	ft->image_hooked = !err;
	if (!err)
		return 0;
	/* a static or Go image, musl: what it does is seen at its syscalls */
	if (err == -ENOENT)
		vlog("fds: PID %d maps no glibc (a static, Go or musl program): its fd calls are "
		     "seen at the syscall tracepoints", ft->pid);
	else
		vlog("fds: PID %d: cannot probe its glibc's wrappers (%s): its fd calls are seen "
		     "at the syscall tracepoints", ft->pid, errstr(err));
	ft->by_wrappers = false;
	err = tracer__clear_proc_flags(t, ft->pid, PROC_FD_WRAPPERS);
	return err ? err : tracer__attach_fd_syscalls(t);
}

int fd_tracker__keep_stack(struct fd_tracker *ft, uint64_t seq, const uint64_t *ips, int n)
{
	int err = stack_table__put(&ft->stacks, seq, ips, n);

	return err == -ENOSPC ? 0 : err;	/* counted in fd_tracker__lost() */
}

/* The stack an fd was opened with, copied into *ips; the number of frames. */
static int record_stack(struct fd_tracker *ft, struct tracer *t, const struct fd_info *info,
			uint64_t **ips)
{
	uint64_t buf[MAX_STACK_DEPTH];
	const uint64_t *src = buf;
	int n = 0;

	*ips = NULL;
	if (info->stack)
		n = tracer__fd_stack(t, info->stack, buf, MAX_STACK_DEPTH);
	else if (info->seq)
		n = stack_table__get(&ft->stacks, info->seq, &src);
	if (n <= 0)
		return 0;
	*ips = malloc(n * sizeof(**ips));
	if (!*ips)
		return 0;
	memcpy(*ips, src, n * sizeof(**ips));
	return n;
}

/* What an fd points to, as the report says it: a socket's addresses rather than its inode. */
static char *describe(pid_t pid, const struct fd_entry *e, struct sock_names **socks,
		      bool *socks_read)
{
	const char *name = NULL;

	if (e->kind == FD_SOCKET) {
		if (!*socks_read) {
			*socks_read = true;
			if (sock_names__read(pid, socks))
				*socks = NULL;	/* the link ("socket:[N]") will do */
		}
		name = sock_names__find(*socks, e->ino);
	}
	return strdup(name ? name : e->link);
}

static int observe(struct fd_tracker *ft, struct tracer *t, uint64_t now, struct fd_view *view)
{
	struct sock_names *socks = NULL;
	struct proc_info proc = {};
	struct fd_table table;
	bool socks_read = false;
	int i, err;

	memset(view, 0, sizeof(*view));
	err = fd_table__read(ft->pid, &table);
	if (err)
		return err;
	err = tracer__fd_stats(t, ft->pid, &view->stats);
	if (!err)
		err = tracer__proc(t, ft->pid, &proc);
	if (err)
		goto out;
	view->when_ns = now;
	view->end = table.n;
	view->v = calloc(table.n ? table.n : 1, sizeof(*view->v));
	if (!view->v) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < table.n; i++) {
		const struct fd_entry *e = &table.v[i], *before;
		struct open_fd *o = &view->v[view->n];
		struct fd_info info;
		bool traced;

		view->by_kind[e->kind]++;
		/* a record whose inode differs is of an fd closed out of sight (exec) since */
		traced = !tracer__fd_record(t, ft->pid, e->fd, &info) && info.ino == e->ino;
		before = fd_table__find(&ft->start, e->fd);
		if (!traced && before && before->ino == e->ino)
			continue;	/* open since before attach: not this report's business */
		/* neither: opened by a path bpf/fds does not see (io_uring...), with no stack */
		o->fd = e->fd;
		o->kind = e->kind;
		o->ts_ns = traced ? info.ts_ns : 0;
		o->old_image = traced && info.exec_gen != proc.exec_gen;
		o->nips = traced ? record_stack(ft, t, &info, &o->ips) : 0;
		o->target = describe(ft->pid, e, &socks, &socks_read);
		view->n++;
		if (!o->target) {
			err = -ENOMEM;
			break;
		}
	}
out:
	sock_names__free(socks);
	fd_table__free(&table);
	if (err)
		view_free(view);
	return err;
}

/* The kinds of fd_info.kind, as the report names them. */
static enum fd_kind record_kind(uint32_t kind)
{
	switch (kind) {
	case FDR_FILE:
		return FD_FILE;
	case FDR_SOCKET:
		return FD_SOCKET;
	case FDR_PIPE:
		return FD_PIPE;
	case FDR_ANON:
		return FD_ANON;
	default:
		return FD_OTHER;	/* FDR_OTHER, or its file was gone as it was recorded */
	}
}

/* observe_records()'s walk over the records of every process */
struct record_walk {
	struct fd_tracker *ft;
	struct tracer *t;
	uint32_t exec_gen;	/* the image the process ran when it exited */
	struct fd_view *view;
	int cap;
	uint64_t older;		/* records of an image before its last exec */
};

static int add_open_record(const void *key, const void *value, void *arg)
{
	const struct fd_key *k = key;
	const struct fd_info *info = value;
	struct record_walk *w = arg;
	struct fd_view *view = w->view;
	struct open_fd *o;

	if ((pid_t)k->tgid != w->ft->pid)
		return 0;
	/* an exec closes the close-on-exec fds without dropping their records */
	if (info->exec_gen != w->exec_gen) {
		w->older++;
		return 0;
	}
	if (view->n == w->cap) {
		int cap = w->cap ? 2 * w->cap : 64;
		struct open_fd *v = realloc(view->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		view->v = v;
		w->cap = cap;
	}
	o = &view->v[view->n++];
	memset(o, 0, sizeof(*o));
	o->fd = k->fd;
	o->kind = record_kind(info->kind);
	o->ts_ns = info->ts_ns;
	o->nips = record_stack(w->ft, w->t, info, &o->ips);
	return 0;
}

/*
 * A process that exited without being held at _Exit(): its fd table is gone. What was
 * open when it exited is what the kernel closed then; which of those it opened while
 * traced, the records it left say: fd, kind, when and where, but not what they pointed to.
 */
static int observe_records(struct fd_tracker *ft, struct tracer *t, uint64_t end,
			   struct fd_view *view)
{
	struct record_walk w = { .ft = ft, .t = t, .view = view };
	struct proc_info proc = {};
	int err;

	memset(view, 0, sizeof(*view));
	err = tracer__fd_stats(t, ft->pid, &view->stats);
	if (!err)
		err = tracer__proc(t, ft->pid, &proc);
	if (err)
		return err;
	view->when_ns = end;
	view->end = view->stats.closed_at_exit;
	w.exec_gen = proc.exec_gen;
	err = tracer__for_each_fd_record(t, add_open_record, &w);
	if (err) {
		view_free(view);
		return err;
	}
	if (w.older)
		vlog("PID %d: %llu fds opened before its last exec may have been closed by it, or "
		     "left open at its exit: not listed", ft->pid, (unsigned long long)w.older);
	return 0;
}

int fd_tracker__at_exit(struct fd_tracker *ft, struct tracer *t, uint64_t now)
{
	struct fd_view v;
	int err = observe(ft, t, now, &v);

	if (err)
		return err;
	view_free(&ft->exit);
	ft->exit = v;
	ft->have_exit = true;
	return 0;
}

int fd_tracker__snapshot(struct fd_tracker *ft, struct tracer *t, bool exited,
			struct proc_snapshot *ps)
{
	struct fd_view live, *view = NULL;
	struct fd_counts *c = &ps->fds;
	int k, i, err;

	c->present = true;
	c->start = ft->start.n;
	/* once read at its exit it is dying: a live look could find the table half closed */
	if (!exited && !ft->have_exit) {
		err = observe(ft, t, ps->end_ns, &live);
		if (!err)
			view = &live;
		else if (err != -ESRCH)
			return err;
	}
	if (!view && ft->have_exit) {
		view = &ft->exit;
		c->at_exit = true;
	}
	if (!view) {
		/* gone without being held at _Exit(): what the kernel closed at its exit */
		err = observe_records(ft, t, ps->end_ns, &live);
		if (err)
			return err;
		view = &live;
		c->at_exit = true;
		c->kinds_unknown = true;
	}
	c->end = view->end;
	c->when_ns = view->when_ns;
	c->opened = view->stats.opened;
	c->closed = view->stats.closed;
	for (k = 0; k < FD_KIND_NR; k++)
		c->by_kind[k] = view->by_kind[k];
	/* the snapshot's own copy: the exit view serves every report after the exit */
	ps->open_fds = calloc(view->n ? view->n : 1, sizeof(*ps->open_fds));
	if (!ps->open_fds) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < view->n; i++) {
		struct open_fd *o = &ps->open_fds[ps->nopen_fds++];

		*o = view->v[i];
		o->target = view->v[i].target ? strdup(view->v[i].target) : NULL;
		o->ips = NULL;
		if (view->v[i].nips) {
			o->ips = malloc(o->nips * sizeof(*o->ips));
			if (o->ips)
				memcpy(o->ips, view->v[i].ips, o->nips * sizeof(*o->ips));
			else
				o->nips = 0;
		}
	}
	err = 0;
out:
	if (view == &live)
		view_free(&live);
	return err;
}

uint64_t fd_tracker__lost(const struct fd_tracker *ft)
{
	return ft ? ft->stacks.lost : 0;
}
