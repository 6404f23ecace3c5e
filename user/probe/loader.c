// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <bpf/libbpf.h>
/* first: the skeleton uses the types of the ABI */
#include "probe/loader.h"
#include "loader.skel.h"
#include "probe/core.h"
#include "base/log.h"
#include "proc/dynloader.h"

struct loader_probe {
	struct loader_bpf *skel;
	struct probed_file *lds;	/* loaders whose _dl_debug_state is probed */
	int nlds;
	bool exec_attached;		/* loader_exec is */
	bool forks_attached;		/* loader_fork and loader_newborn are */
};

int loader_probe__open(struct tracer *t)
{
	int err;

	t->loader = calloc(1, sizeof(*t->loader));
	if (!t->loader)
		return -ENOMEM;
	t->loader->skel = loader_bpf__open();
	if (!t->loader->skel) {
		err = -errno;
		elog("cannot open the loader-watching BPF object: %s", errstr(err));
		return err;
	}
	err = core__share_maps(t, t->loader->skel->obj);
	if (err)
		elog("cannot configure the loader-watching BPF object (%s)", errstr(err));
	return err;
}

int loader_probe__load(struct tracer *t)
{
	struct loader_bpf *skel = t->loader->skel;
	int err;

	if (loader_bpf__load(skel)) {
		err = -errno;
		core__load_error(skel->obj, err);
		return err;
	}
	return 0;
}

void loader_probe__destroy(struct loader_probe *p)
{
	if (!p)
		return;
	loader_bpf__destroy(p->skel);
	free(p->lds);
	free(p);
}

struct bpf_object *loader_probe__object(struct tracer *t)
{
	return t->loader->skel->obj;
}

void loader_probe__losses(struct tracer *t, struct losses *out)
{
	struct loader_bpf *skel = t->loader->skel;

	losses__add(out, "loader events not sent (ring buffer full)",
		    skel->bss->loader_events_lost);
	losses__add(out, "forked processes not followed (map full)", skel->bss->newborns_lost);
	losses__add(out, "loader programs skipped (another of ours ran)",
		    core__recursion_misses(skel->obj));
}

/*
 * Add flags to a process's loader_watch entry. The BPF side clears LOADER_STOP when it
 * stops the process: callers set flags before the process runs, or while it is stopped.
 */
static int add_loader_flags(struct tracer *t, pid_t pid, __u32 add)
{
	struct bpf_map *map = t->loader->skel->maps.loader_watch;
	__u32 key = pid, flags = 0;

	if (bpf_map__lookup_elem(map, &key, sizeof(key), &flags, sizeof(flags), 0) &&
	    errno != ENOENT)
		return -errno;
	flags |= add;
	if (bpf_map__update_elem(map, &key, sizeof(key), &flags, sizeof(flags), BPF_ANY))
		return -errno;
	return 0;
}

int tracer__watch_loader(struct tracer *t, pid_t pid, const struct dynloader *ld, bool stop)
{
	struct loader_probe *p = t->loader;
	struct probed_file *grown;
	struct stat st;
	int i, err;

	err = add_loader_flags(t, pid, LOADER_WATCH |
			       (stop ? LOADER_STOP | LOADER_UNLOAD_STOP : 0));
	if (err)
		return err;
	if (stat(ld->path, &st))
		return -errno;
	for (i = 0; i < p->nlds; i++) {
		if (core__same_file(&p->lds[i], &st, pid))
			return 0;	/* an exec of a program with the same loader */
	}
	grown = realloc(p->lds, (p->nlds + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	p->lds = grown;
	/* each loader has its own distance to _r_debug: the BPF program finds it in its cookie */
	err = core__attach_uprobe(&t->links, p->skel->progs.loader_state_enter, pid, ld->path,
				  ld->hook_offset, false, ld->r_state_off, "_dl_debug_state");
	if (err)
		return err;
	p->lds[p->nlds++] = (struct probed_file){ .dev = st.st_dev, .ino = st.st_ino, .pid = pid };
	return 0;
}

int tracer__follow_exec(struct tracer *t, pid_t pid, bool stop)
{
	struct loader_probe *p = t->loader;
	struct bpf_link *link;
	int err;

	if (!p->exec_attached) {
		link = bpf_program__attach(p->skel->progs.loader_exec);
		if (!link)
			return -errno;
		err = core__add_link(t, link);
		if (err)
			return err;
		p->exec_attached = true;
	}
	return add_loader_flags(t, pid, LOADER_EXEC | (stop ? LOADER_EXEC_STOP : 0));
}

int tracer__follow_forks(struct tracer *t, pid_t pid)
{
	struct loader_probe *p = t->loader;
	struct bpf_program *progs[] = { p->skel->progs.loader_fork, p->skel->progs.loader_newborn };
	int err;

	if (!p->forks_attached) {
		err = core__attach_progs(t, progs, sizeof(progs) / sizeof(progs[0]));
		if (err)
			return err;
		vlog("-f: the syscall exit tracepoint stops each forked child at its first return");
		p->forks_attached = true;
	}
	return add_loader_flags(t, pid, LOADER_FORKS);
}
