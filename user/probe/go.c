// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <errno.h>
#include <stdlib.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
/* first: the skeleton uses the types of the ABI */
#include "probe/go.h"
#include "go.skel.h"
#include "probe/core.h"
#include "base/log.h"

struct go_probe {
	struct go_bpf *skel;
};

int go_probe__open(struct tracer *t)
{
	int err;

	t->go = calloc(1, sizeof(*t->go));
	if (!t->go)
		return -ENOMEM;
	t->go->skel = go_bpf__open();
	if (!t->go->skel) {
		err = -errno;
		elog("cannot open the Go runtime's BPF object: %s", errstr(err));
		return err;
	}
	return 0;
}

int go_probe__load(struct tracer *t)
{
	int err;

	if (go_bpf__load(t->go->skel)) {
		err = -errno;
		core__load_error(t->go->skel->obj, err);
		return err;
	}
	return 0;
}

void go_probe__destroy(struct go_probe *p)
{
	if (!p)
		return;
	go_bpf__destroy(p->skel);
	free(p);
}

int go_probe__add_process(struct tracer *t, pid_t pid)
{
	return core__add_zeroed(t->go->skel->maps.go_stats, sizeof(struct go_stats), t->ncpus,
				pid);
}

void go_probe__forget(struct tracer *t, pid_t pid)
{
	core__forget(t->go->skel->maps.go_stats, pid);
	core__forget(t->go->skel->maps.go_main, pid);
	core__forget(t->go->skel->maps.go_layouts, pid);
}

struct bpf_object *go_probe__object(struct tracer *t)
{
	return t->go->skel->obj;
}

void go_probe__losses(struct tracer *t, struct losses *out)
{
	losses__add(out, "goroutine starts not counted (map full)",
		    t->go->skel->bss->lost_starts);
	losses__add(out, "Go programs skipped (another of ours ran)",
		    core__recursion_misses(t->go->skel->obj));
}

/* The three places the runtime adds up its allocations, and where it keeps them */
static int attach_alloc_counts(struct tracer *t, pid_t pid, const char *path,
			       const struct go_probe_sites *at)
{
	struct go_bpf *skel = t->go->skel;
	__u32 key = pid;
	int err;

	err = bpf_map__update_elem(skel->maps.go_layouts, &key, sizeof(key), &at->alloc,
				   sizeof(at->alloc), BPF_ANY);
	if (err) {
		elog("PID %d: cannot store where its Go runtime counts allocations: %s", pid,
		     errstr(err));
		return err;
	}
	err = core__attach_uprobe(&t->links, skel->progs.go_refill, pid, path, at->refill, false,
				  0, "runtime.(*mcache).refill");
	if (!err)
		err = core__attach_uprobe(&t->links, skel->progs.go_release_all, pid, path,
					  at->release_all, false, 0, "runtime.(*mcache).releaseAll");
	if (!err)
		err = core__attach_uprobe(&t->links, skel->progs.go_alloc_large, pid, path,
					  at->alloc_large, false, 0, "runtime.(*mcache).allocLarge");
	return err;
}

int tracer__attach_go(struct tracer *t, pid_t pid, const char *path,
		      const struct go_probe_sites *at)
{
	struct go_bpf *skel;
	int err;

	if (!t->go)
		return -ENOENT;
	skel = t->go->skel;
	err = core__attach_uprobe(&t->links, skel->progs.go_newproc, pid, path, at->newproc1,
				  false, 0, "runtime.newproc1");
	if (!err)
		err = core__attach_uprobe(&t->links, skel->progs.go_goexit, pid, path, at->goexit0,
					  false, at->g_startpc, "runtime.goexit0");
	if (!err && at->refill)
		err = attach_alloc_counts(t, pid, path, at);
	if (!err && at->main_main)
		err = core__attach_uprobe(&t->links, skel->progs.go_main_enter, pid, path,
					  at->main_main, false, 0, "main.main");
	return err;
}

int tracer__go_stats(struct tracer *t, pid_t pid, struct go_stats *out)
{
	if (!t->go)
		return -ENOENT;
	return core__sum_percpu(t, t->go->skel->maps.go_stats, pid, (__u64 *)out,
				sizeof(*out) / sizeof(__u64));
}

int tracer__go_main_threads(struct tracer *t, pid_t pid, uint32_t *threads)
{
	__u32 key = pid;

	if (!t->go)
		return -ENOENT;
	return bpf_map_lookup_elem(bpf_map__fd(t->go->skel->maps.go_main), &key, threads) ? -ENOENT
											  : 0;
}

int tracer__go_starts(struct tracer *t, pid_t pid, go_start_fn fn, void *arg)
{
	struct go_start_key key, next, *prev = NULL;
	int fd, err;
	__u64 n;

	if (!t->go)
		return -ENOENT;
	fd = bpf_map__fd(t->go->skel->maps.go_starts);
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if ((pid_t)key.tgid != pid || bpf_map_lookup_elem(fd, &key, &n))
			continue;
		err = fn(&key, n, arg);
		if (err)
			return err;
	}
	return 0;
}
