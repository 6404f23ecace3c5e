// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <errno.h>
#include <stdlib.h>
#include <bpf/libbpf.h>
/* first: the skeleton uses the types of the ABI */
#include "probe/items.h"
#include "items.skel.h"
#include "probe/core.h"
#include "base/log.h"

struct items_probe {
	struct items_bpf *skel;
};

int items_probe__open(struct tracer *t)
{
	int err;

	t->items = calloc(1, sizeof(*t->items));
	if (!t->items)
		return -ENOMEM;
	t->items->skel = items_bpf__open();
	if (!t->items->skel) {
		err = -errno;
		elog("cannot open the item-counting BPF object: %s", errstr(err));
		return err;
	}
	return 0;
}

int items_probe__load(struct tracer *t)
{
	int err;

	if (items_bpf__load(t->items->skel)) {
		err = -errno;
		core__load_error(t->items->skel->obj, err);
		return err;
	}
	return 0;
}

void items_probe__destroy(struct items_probe *p)
{
	if (!p)
		return;
	items_bpf__destroy(p->skel);
	free(p);
}

int items_probe__add_process(struct tracer *t, pid_t pid)
{
	return core__add_zeroed(t->items->skel->maps.item_stats, sizeof(struct item_stats),
				t->ncpus, pid);
}

void items_probe__forget(struct tracer *t, pid_t pid)
{
	core__forget(t->items->skel->maps.item_stats, pid);
}

struct bpf_object *items_probe__object(struct tracer *t)
{
	return t->items->skel->obj;
}

void items_probe__losses(struct tracer *t, struct losses *out)
{
	losses__add(out, "item programs skipped (another of ours ran)",
		    core__recursion_misses(t->items->skel->obj));
}

int tracer__attach_counter(struct tracer *t, pid_t pid, const char *path, uint64_t offset,
			   int arg_reg, bool batch)
{
	struct items_bpf *skel = t->items->skel;

	return core__attach_uprobe(&t->links, batch ? skel->progs.batch_enter : skel->progs.item_enter,
				   pid, path, offset, false, arg_reg,
				   batch ? "the --batch function" : "the --item function");
}

int tracer__attach_usdt(struct tracer *t, pid_t pid, const char *path, const char *provider,
			const char *name, bool batch)
{
	struct items_bpf *skel = t->items->skel;
	struct bpf_program *prog = batch ? skel->progs.batch_usdt : skel->progs.item_usdt;
	struct bpf_link *link;

	link = bpf_program__attach_usdt(prog, pid, path, provider, name, NULL);
	if (!link)
		return -errno;
	vlog("USDT probe %s:%s in %s", provider, name, path);
	return core__add_link(t, link);
}

int tracer__item_stats(struct tracer *t, pid_t pid, struct item_stats *out)
{
	if (!t->items)
		return -ENOENT;
	return core__sum_percpu(t, t->items->skel->maps.item_stats, pid, (__u64 *)out,
				sizeof(*out) / sizeof(__u64));
}
