// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <bpf/libbpf.h>
/* first: the skeleton uses the types of the ABI */
#include "probe/fds.h"
#include "fds.skel.h"
#include "probe/core.h"
#include "proc/fd_wrappers.h"
#include "base/log.h"

#define MAX_WRAPPED_FILES 8

struct fds_probe {
	struct fds_bpf *skel;
	bool syscalls;		/* the tracepoints are attached */
	int nfiles;
	struct probed_file files[MAX_WRAPPED_FILES];	/* C libraries probed, per process */
};

static const struct loss_name fd_losses[] = {
	{ "fd records not kept: the map was full", offsetof(struct fd_drop_stats, records_full) },
	{ "fd stacks not kept", offsetof(struct fd_drop_stats, stacks_failed) },
	{ "fd events not sent (ring buffer full)", offsetof(struct fd_drop_stats, events_lost) },
};

int fds_probe__open(struct tracer *t)
{
	int err;

	t->fds = calloc(1, sizeof(*t->fds));
	if (!t->fds)
		return -ENOMEM;
	t->fds->skel = fds_bpf__open();
	if (!t->fds->skel) {
		err = -errno;
		elog("cannot open the file-descriptor BPF object: %s", errstr(err));
		return err;
	}
	/* counts mode keeps the counters and records, without the stacks */
	t->fds->skel->rodata->capture_stacks = t->opts.mode != MODE_COUNTS;
	bpf_map__set_max_entries(t->fds->skel->maps.fd_stacks, t->opts.max_stacks);
	err = core__share_maps(t, t->fds->skel->obj);
	if (err)
		elog("cannot configure the file-descriptor BPF object (%s)", errstr(err));
	return err;
}

int fds_probe__load(struct tracer *t)
{
	int err;

	if (fds_bpf__load(t->fds->skel)) {
		err = -errno;
		core__load_error(t->fds->skel->obj, err);
		return err;
	}
	return 0;
}

void fds_probe__destroy(struct fds_probe *p)
{
	if (!p)
		return;
	fds_bpf__destroy(p->skel);
	free(p);
}

int fds_probe__add_process(struct tracer *t, pid_t pid)
{
	return core__add_zeroed(t->fds->skel->maps.fd_stats, sizeof(struct fd_stats), t->ncpus,
				pid);
}

void fds_probe__forget(struct tracer *t, pid_t pid)
{
	core__forget(t->fds->skel->maps.fd_stats, pid);
}

struct bpf_object *fds_probe__object(struct tracer *t)
{
	return t->fds->skel->obj;
}

void fds_probe__losses(struct tracer *t, struct losses *out)
{
	core__add_losses(out, &t->fds->skel->bss->fd_drops, fd_losses,
			 sizeof(fd_losses) / sizeof(fd_losses[0]));
	losses__add(out, "fd programs skipped (another of ours ran)",
		    core__recursion_misses(t->fds->skel->obj));
}

static int attach_all(struct tracer *t, struct bpf_program **progs, size_t n)
{
	struct bpf_link *link;
	size_t i;
	int err;

	for (i = 0; i < n; i++) {
		link = bpf_program__attach(progs[i]);
		if (!link) {
			err = -errno;
			elog("cannot attach %s (%s)", bpf_program__section_name(progs[i]),
			     errstr(err));
			return err;
		}
		err = core__add_link(t, link);
		if (err)
			return err;
	}
	return 0;
}

int tracer__attach_fds(struct tracer *t)
{
	struct bpf_program *progs[] = {
		t->fds->skel->progs.fds_proc_exit, t->fds->skel->progs.fds_exec,
	};

	return attach_all(t, progs, sizeof(progs) / sizeof(progs[0]));
}

int tracer__attach_fd_syscalls(struct tracer *t)
{
	struct bpf_program *progs[] = {
		t->fds->skel->progs.fds_sys_enter, t->fds->skel->progs.fds_sys_exit,
	};
	int err;

	if (t->fds->syscalls)
		return 0;
	err = attach_all(t, progs, sizeof(progs) / sizeof(progs[0]));
	t->fds->syscalls = !err;
	if (!err)
		vlog("fds: the raw syscall tracepoints (every syscall on the host pays for them)");
	return err;
}

int tracer__attach_fd_wrappers(struct tracer *t, pid_t pid, const struct fd_wrappers *w)
{
	struct fds_probe *p = t->fds;
	struct stat st;
	int i, err;

	if (stat(w->path, &st))
		return -errno;
	for (i = 0; i < p->nfiles; i++)
		if (core__same_file(&p->files[i], &st, pid))
			return -EALREADY;
	if (p->nfiles == MAX_WRAPPED_FILES)
		return -E2BIG;
	for (i = 0; i < w->n; i++) {
		uint64_t cookie = w->w[i].nr == FD_WRAPPER_SYSCALL ? FD_COOKIE_SYSCALL : w->w[i].nr;

		err = core__attach_uprobe(&t->links, p->skel->progs.fds_wrapper_enter, pid,
					  w->path, w->w[i].offset, false, cookie, w->w[i].name);
		if (!err && !w->w[i].entry_only)
			err = core__attach_uprobe(&t->links, p->skel->progs.fds_wrapper_return, pid,
						  w->path, w->w[i].offset, true, cookie,
						  w->w[i].name);
		if (err)
			return err;
	}
	p->files[p->nfiles++] = (struct probed_file){ st.st_dev, st.st_ino, pid };
	vlog("fds: PID %d: %d wrappers of %s (only its own calls pay)", pid, w->n, w->path);
	return 0;
}

int tracer__attach_exit_hold(struct tracer *t, pid_t pid, const char *path, uint64_t offset)
{
	return core__attach_uprobe(&t->links, t->fds->skel->progs.fds_exit_hold, pid, path, offset,
				   false, 0, "_Exit");
}

int tracer__fd_stats(struct tracer *t, pid_t pid, struct fd_stats *out)
{
	return core__sum_percpu(t, t->fds->skel->maps.fd_stats, pid, (__u64 *)out,
				sizeof(*out) / sizeof(__u64));
}

int tracer__fd_record(struct tracer *t, pid_t pid, int fd, struct fd_info *out)
{
	struct fd_key key = { .tgid = pid, .fd = fd };

	if (bpf_map__lookup_elem(t->fds->skel->maps.fd_records, &key, sizeof(key), out,
				 sizeof(*out), 0))
		return -errno;
	return 0;
}

int tracer__for_each_fd_record(struct tracer *t, map_entry_fn fn, void *arg)
{
	return core__walk_map(t->fds->skel->maps.fd_records, sizeof(struct fd_key),
			      sizeof(struct fd_info), fn, arg);
}

int tracer__fd_stack(struct tracer *t, uint64_t stack, uint64_t *ips, int max)
{
	struct stack_trace st;
	__u64 key = stack;

	if (!stack)
		return 0;
	if (bpf_map__lookup_elem(t->fds->skel->maps.fd_stacks, &key, sizeof(key), &st,
				 sizeof(st), 0))
		return -errno;
	return core__copy_frames(st.ips, ips, max);
}
