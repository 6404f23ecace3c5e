// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <bpf/libbpf.h>
/* first: the skeleton uses the types of the ABI */
#include "probe/fds.h"
#include "fds.skel.h"
#include "probe/core.h"
#include "probe/uprobe_multi.h"
#include "proc/fd_wrappers.h"
#include "base/log.h"

/* A C library whose wrappers are probed for a process, and the links that do it. */
struct wrapped_file {
	struct probed_file file;
	struct links links;
};

struct fds_probe {
	struct fds_bpf *skel;
	bool attached;		/* the exit and exec programs are */
	bool syscalls;		/* the syscall tracepoints are */
	bool multi;		/* the wrappers' programs are uprobe_multi ones (6.6) */
	int nfiles;
	struct wrapped_file *files;
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
	/* a link for all of a C library's wrappers, not one each: one grace period to remove */
	t->fds->multi = features__has(&t->features, FEAT_UPROBE_MULTI);
	if (t->fds->multi &&
	    (uprobe_multi__prepare(t->fds->skel->progs.fds_wrapper_enter) ||
	     uprobe_multi__prepare(t->fds->skel->progs.fds_wrapper_return)))
		t->fds->multi = false;
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
	int i;

	if (!p)
		return;
	for (i = 0; i < p->nfiles; i++)
		links__destroy(&p->files[i].links);
	free(p->files);
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

int tracer__attach_fds(struct tracer *t)
{
	struct bpf_program *progs[] = {
		t->fds->skel->progs.fds_proc_exit, t->fds->skel->progs.fds_exec,
	};
	int err;

	if (t->fds->attached)
		return 0;
	err = core__attach_progs(t, progs, sizeof(progs) / sizeof(progs[0]));
	t->fds->attached = !err;
	return err;
}

bool tracer__can_probe_fd_wrappers(struct tracer *t)
{
	return t->fds->multi;
}

int tracer__attach_fd_syscalls(struct tracer *t)
{
	struct bpf_program *progs[] = {
		t->fds->skel->progs.fds_sys_enter, t->fds->skel->progs.fds_sys_exit,
	};
	int err;

	if (t->fds->syscalls)
		return 0;
	err = core__attach_progs(t, progs, sizeof(progs) / sizeof(progs[0]));
	t->fds->syscalls = !err;
	if (!err)
		vlog("fds: the raw syscall tracepoints (every syscall on the host pays for them)");
	return err;
}

/* All of w's wrappers with one uprobe_multi link for the entries, one for the returns. */
static int attach_multi(struct fds_probe *p, pid_t pid, const struct fd_wrappers *w,
			struct links *into)
{
	uint64_t offsets[MAX_FD_WRAPPERS], cookies[MAX_FD_WRAPPERS];
	int i, n, fd, ret;

	for (ret = 0; ret < 2; ret++) {
		for (i = n = 0; i < w->n; i++) {
			if (ret && w->w[i].entry_only)
				continue;
			offsets[n] = w->w[i].offset;
			cookies[n++] = w->w[i].nr == FD_WRAPPER_SYSCALL ? FD_COOKIE_SYSCALL
									 : w->w[i].nr;
		}
		fd = uprobe_multi__attach(ret ? p->skel->progs.fds_wrapper_return
					      : p->skel->progs.fds_wrapper_enter,
					  pid, w->path, offsets, cookies, n, ret);
		if (fd < 0) {
			elog("cannot attach the fd wrappers' %s probes in %s (%s)",
			     ret ? "return" : "entry", w->path, errstr(fd));
			return fd;
		}
		if (links__add_fd(into, fd))
			return -ENOMEM;
	}
	return 0;
}

int tracer__attach_fd_wrappers(struct tracer *t, pid_t pid, const struct fd_wrappers *w)
{
	struct fds_probe *p = t->fds;
	struct wrapped_file *grown, *f;
	struct stat st;
	int i, err;

	/* a link each would make every exit wait a grace period per wrapper */
	if (!p->multi)
		return -EOPNOTSUPP;
	if (stat(w->path, &st))
		return -errno;
	for (i = 0; i < p->nfiles; i++)
		if (core__same_file(&p->files[i].file, &st, pid))
			return -EALREADY;
	grown = realloc(p->files, (p->nfiles + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	p->files = grown;
	f = &p->files[p->nfiles];
	memset(f, 0, sizeof(*f));
	f->file = (struct probed_file){ st.st_dev, st.st_ino, pid };
	err = attach_multi(p, pid, w, &f->links);
	if (err) {
		links__destroy(&f->links);
		return err;
	}
	p->nfiles++;
	vlog("fds: PID %d: %d wrappers of %s (only its own calls pay)", pid, w->n, w->path);
	return 0;
}

void tracer__detach_fd_wrappers(struct tracer *t, const pid_t *pids, int n)
{
	struct fds_probe *p = t->fds;
	struct links gone = {};
	int i, j, kept = 0;

	for (i = 0; i < p->nfiles; i++) {
		for (j = 0; j < n && pids[j] != p->files[i].file.pid; j++)
			;
		if (j == n) {
			p->files[kept++] = p->files[i];
			continue;
		}
		/* together: each removal waits for a grace period, side by side they wait one */
		if (links__take(&gone, &p->files[i].links))
			links__destroy(&p->files[i].links);
	}
	p->nfiles = kept;
	links__destroy(&gone);
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
