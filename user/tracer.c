// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "tracer.h"	/* first: the skeletons use the types of leakbpf.h */
#include "alloc.skel.h"
#include "alloc_plan.h"
#include "allocator.h"
#include "dynloader.h"
#include "items.skel.h"
#include "loader.skel.h"
#include "log.h"
#include "uprobe_multi.h"

struct tracer {
	struct alloc_bpf *alloc;
	struct items_bpf *items;	/* NULL without --item/--batch */
	struct loader_bpf *loader;	/* NULL when the loader is not watched */
	const struct dynloader *ld;
	struct ring_buffer *loader_rb;
	loader_event_fn loader_fn;
	void *loader_ctx;
	struct bpf_link **links;
	size_t nlinks, cap;
	int link_fds[AF_NR];	/* uprobe session links */
	int nlink_fds;
	enum track_mode mode;
	bool session;		/* the tracking modes use uprobe sessions */
	int ncpus;
	struct allocator *alloc_obj;	/* what tracer__attach_allocator probed */
	struct alloc_plan plan;
};

/*
 * Which programs serve which allocator function. Functions sharing an argument layout
 * share a program: `entry` in counts mode, and with alloc_exit on the return on kernels
 * without uprobe sessions; `session` (entry and return in one) otherwise.
 */
static const struct {
	enum alloc_func fn;
	const char *entry;
	const char *session;
	bool required;
} alloc_probes[] = {
	{ AF_MALLOC, "malloc_enter", "malloc_session", true },
	{ AF_CALLOC, "calloc_enter", "calloc_session", false },
	{ AF_REALLOC, "realloc_enter", "realloc_session", false },
	{ AF_REALLOCARRAY, "reallocarray_enter", "reallocarray_session", false },
	{ AF_POSIX_MEMALIGN, "posix_memalign_enter", "posix_memalign_session", false },
	{ AF_ALIGNED_ALLOC, "memalign_enter", "memalign_session", false },
	{ AF_MEMALIGN, "memalign_enter", "memalign_session", false },
	{ AF_VALLOC, "malloc_enter", "malloc_session", false },
	{ AF_PVALLOC, "malloc_enter", "malloc_session", false },
	{ AF_FREE, "free_enter", NULL, true },
};

#define NR_ALLOC_PROBES (sizeof(alloc_probes) / sizeof(alloc_probes[0]))

static int probe_index(enum alloc_func fn)
{
	size_t i;

	for (i = 0; i < NR_ALLOC_PROBES; i++) {
		if (alloc_probes[i].fn == fn)
			return i;
	}
	return -1;
}

/* Load only the programs this mode and kernel use. */
static int choose_programs(struct tracer *t)
{
	struct bpf_object *obj = t->alloc->obj;
	struct bpf_program *prog;
	size_t i;
	int err;

	bpf_object__for_each_program(prog, obj)
		bpf_program__set_autoload(prog, false);
	bpf_program__set_autoload(t->alloc->progs.free_enter, true);
	if (t->mode != MODE_COUNTS && !t->session)
		bpf_program__set_autoload(t->alloc->progs.alloc_exit, true);
	for (i = 0; i < NR_ALLOC_PROBES; i++) {
		const char *name = t->session && alloc_probes[i].session ? alloc_probes[i].session
									 : alloc_probes[i].entry;

		prog = bpf_object__find_program_by_name(obj, name);
		if (!prog)
			return -ENOENT;
		bpf_program__set_autoload(prog, true);
		if (t->session && alloc_probes[i].session) {
			err = uprobe_multi__prepare_session(prog);
			if (err)
				return err;
		}
	}
	return 0;
}

static int add_link(struct tracer *t, struct bpf_link *link)
{
	if (t->nlinks == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 32;
		struct bpf_link **l = realloc(t->links, cap * sizeof(*l));

		if (!l)
			return -ENOMEM;
		t->links = l;
		t->cap = cap;
	}
	t->links[t->nlinks++] = link;
	return 0;
}

struct tracer *tracer__new(const struct tracer_opts *o)
{
	struct tracer *t = calloc(1, sizeof(*t));
	struct bpf_object *obj;
	int err;

	if (!t)
		return NULL;
	t->mode = o->mode;
	t->ncpus = libbpf_num_possible_cpus();
	if (t->ncpus <= 0) {
		err = t->ncpus ? t->ncpus : -EINVAL;
		goto fail;
	}

	t->alloc = alloc_bpf__open();
	if (!t->alloc) {
		err = -errno;
		elog("cannot open the allocator BPF object: %s", errstr(err));
		goto fail;
	}
	t->alloc->rodata->mode = o->mode;
	t->alloc->rodata->sample_every = o->sample_every ? o->sample_every : 1;
	t->session = o->mode != MODE_COUNTS && !o->no_session && uprobe_multi__has_session();
	err = choose_programs(t);
	if (err) {
		elog("cannot configure the allocator BPF programs (%s)", errstr(err));
		goto fail;
	}
	if (o->mode == MODE_COUNTS) {
		/* entry probes only: no block or stack maps worth the name */
		bpf_map__set_max_entries(t->alloc->maps.allocs, 1);
		bpf_map__set_max_entries(t->alloc->maps.stacks, 1);
	} else {
		bpf_map__set_max_entries(t->alloc->maps.allocs, o->max_allocs);
		bpf_map__set_max_entries(t->alloc->maps.stacks, o->max_stacks);
	}
	err = alloc_bpf__load(t->alloc);
	if (err) {
		err = -errno;
		goto load_failed;
	}

	if (o->items) {
		t->items = items_bpf__open();
		if (!t->items) {
			err = -errno;
			elog("cannot open the item-counting BPF object: %s", errstr(err));
			goto fail;
		}
		err = items_bpf__load(t->items);
		if (err) {
			err = -errno;
			goto load_failed;
		}
	}
	if (o->loader) {
		t->ld = o->loader;
		t->loader = loader_bpf__open();
		if (!t->loader) {
			err = -errno;
			elog("cannot open the loader-watching BPF object: %s", errstr(err));
			goto fail;
		}
		t->loader->rodata->r_state_off = o->loader->r_state_off;
		err = loader_bpf__load(t->loader);
		if (err) {
			err = -errno;
			goto load_failed;
		}
	}
	return t;

load_failed:
	obj = t->loader ? t->loader->obj : t->items ? t->items->obj : t->alloc->obj;
	if (err == -EPERM || err == -EACCES)
		elog("loading BPF programs is not permitted (%s): run as root, or with "
		     "CAP_BPF, CAP_PERFMON and CAP_SYS_RESOURCE", errstr(err));
	else
		elog("cannot load the BPF object %s (%s)%s", bpf_object__name(obj), errstr(err),
		     log_verbose ? "" : "; -v shows the verifier's log");
fail:
	tracer__free(t);
	errno = -err;
	return NULL;
}

void tracer__free(struct tracer *t)
{
	size_t i;

	if (!t)
		return;
	/* links first: the probes leave the target before the programs go */
	for (i = 0; i < t->nlinks; i++)
		bpf_link__destroy(t->links[i]);
	for (i = 0; i < (size_t)t->nlink_fds; i++)
		close(t->link_fds[i]);
	free(t->links);
	free(t->alloc_obj);
	ring_buffer__free(t->loader_rb);
	loader_bpf__destroy(t->loader);
	items_bpf__destroy(t->items);
	alloc_bpf__destroy(t->alloc);
	free(t);
}

static int insert_zeroed(struct bpf_map *map, size_t value_size, int ncpus, pid_t pid)
{
	__u32 key = pid;
	void *zero = calloc(ncpus, value_size);
	int err;

	if (!zero)
		return -ENOMEM;
	err = bpf_map__update_elem(map, &key, sizeof(key), zero, value_size * ncpus, BPF_NOEXIST);
	free(zero);
	if (err && errno != EEXIST)
		return -errno;
	return 0;
}

int tracer__add_process(struct tracer *t, pid_t pid)
{
	int err;

	err = insert_zeroed(t->alloc->maps.alloc_stats, sizeof(struct alloc_stats), t->ncpus, pid);
	if (!err && t->items)
		err = insert_zeroed(t->items->maps.item_stats, sizeof(struct item_stats),
				    t->ncpus, pid);
	return err;
}

static int attach_uprobe_cookie(struct tracer *t, struct bpf_program *prog, pid_t pid,
				const char *path, uint64_t offset, bool ret, uint64_t cookie,
				const char *what)
{
	LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = ret, .bpf_cookie = cookie);
	struct bpf_link *link;
	int err;

	link = bpf_program__attach_uprobe_opts(prog, pid, path, offset, &opts);
	if (!link) {
		err = -errno;
		elog("cannot attach a %s to %s in %s at offset 0x%llx (%s)",
		     ret ? "uretprobe" : "uprobe", what, path, (unsigned long long)offset,
		     errstr(err));
		return err;
	}
	vlog("%s on %s: %s+0x%llx", ret ? "uretprobe" : "uprobe", what, path,
	     (unsigned long long)offset);
	err = add_link(t, link);
	if (err)
		bpf_link__destroy(link);
	return err;
}

static int attach_uprobe(struct tracer *t, struct bpf_program *prog, pid_t pid,
			 const char *path, uint64_t offset, bool ret, const char *what)
{
	return attach_uprobe_cookie(t, prog, pid, path, offset, ret, 0, what);
}

static int attach_session(struct tracer *t, struct bpf_program *prog, pid_t pid,
			  const char *path, const struct alloc_site *s)
{
	int fd;

	if (t->nlink_fds == AF_NR)
		return -E2BIG;
	fd = uprobe_multi__attach_session(prog, pid, path, &s->offset, &s->cookie, 1);
	if (fd < 0) {
		elog("cannot attach a uprobe session to %s in %s at offset 0x%llx (%s)",
		     alloc_func_names[s->fn], path, (unsigned long long)s->offset, errstr(fd));
		return fd;
	}
	t->link_fds[t->nlink_fds++] = fd;
	return 0;
}

int tracer__attach_allocator(struct tracer *t, pid_t pid, const struct allocator *a)
{
	struct bpf_object *obj = t->alloc->obj;
	const struct alloc_plan *plan = &t->plan;
	size_t i;
	int err, k;

	for (i = 0; i < NR_ALLOC_PROBES; i++) {
		if (alloc_probes[i].required && !a->found[alloc_probes[i].fn]) {
			elog("%s does not define %s", a->name, alloc_func_names[alloc_probes[i].fn]);
			return -ENOENT;
		}
		if (!a->found[alloc_probes[i].fn])
			vlog("%s has no %s: not probed", a->name,
			     alloc_func_names[alloc_probes[i].fn]);
	}
	err = alloc_plan__make(a, t->mode != MODE_COUNTS, t->session, true, &t->plan);
	if (err) {
		elog("cannot decode the prologues of %s (%s)", a->name, errstr(err));
		return err;
	}
	alloc_plan__log(plan, a);
	free(t->alloc_obj);
	t->alloc_obj = malloc(sizeof(*a));
	if (!t->alloc_obj)
		return -ENOMEM;
	*t->alloc_obj = *a;
	tracer__refresh_allocator(t, pid);
	/*
	 * Without sessions, returns first, then entries: an entry without its return would
	 * leave a call in flight that never completes, a return without its entry is simply
	 * ignored. A return probe stays on the function's first byte: the kernel takes the
	 * return address at *sp when it hits.
	 */
	for (k = 0; k < plan->n && !t->session; k++) {
		const struct alloc_site *s = &plan->sites[k];

		if (!s->returns)
			continue;
		err = attach_uprobe(t, t->alloc->progs.alloc_exit, pid, a->path, a->offset[s->fn],
				    true, alloc_func_names[s->fn]);
		if (err)
			return err;
	}
	for (k = 0; k < plan->n; k++) {
		const struct alloc_site *s = &plan->sites[k];
		int idx = probe_index(s->fn);
		bool session = t->session && s->returns;
		struct bpf_program *prog;

		prog = bpf_object__find_program_by_name(obj, session ? alloc_probes[idx].session
								      : alloc_probes[idx].entry);
		if (!prog)
			return -ENOENT;
		err = session ? attach_session(t, prog, pid, a->path, s)
			      : attach_uprobe_cookie(t, prog, pid, a->path, s->offset, false,
						     s->cookie, alloc_func_names[s->fn]);
		if (err)
			return err;
	}
	return 0;
}

int tracer__refresh_allocator(struct tracer *t, pid_t pid)
{
	struct alloc_text text = {};
	__u32 key = pid;
	int n, err;

	if (!t->alloc_obj)
		return -ENOENT;
	err = alloc_plan__ranges(&t->plan, t->alloc_obj, pid, (uint64_t *)text.lo, (uint64_t *)text.hi,
				 MAX_ALLOC_RANGES, &n);
	if (err)
		return err;	/* not mapped yet: the next refresh will do */
	text.n = n;
	vlog("PID %d: %d allocator functions mapped", pid, n);
	if (bpf_map__update_elem(t->alloc->maps.alloc_text, &key, sizeof(key), &text,
				 sizeof(text), BPF_ANY))
		return -errno;
	return 0;
}

int tracer__attach_counter(struct tracer *t, pid_t pid, const char *path, uint64_t offset,
			   bool batch)
{
	return attach_uprobe(t, batch ? t->items->progs.batch_enter : t->items->progs.item_enter,
			     pid, path, offset, false, batch ? "the --batch function" :
							       "the --item function");
}

int tracer__attach_usdt(struct tracer *t, pid_t pid, const char *path, const char *provider,
			const char *name, bool batch)
{
	struct bpf_program *prog = batch ? t->items->progs.batch_usdt : t->items->progs.item_usdt;
	struct bpf_link *link;
	int err;

	link = bpf_program__attach_usdt(prog, pid, path, provider, name, NULL);
	if (!link) {
		err = -errno;
		elog("cannot attach to USDT probe %s:%s in %s (%s)", provider, name, path,
		     errstr(err));
		return err;
	}
	err = add_link(t, link);
	if (err)
		bpf_link__destroy(link);
	return err;
}

static int on_loader_event(void *ctx, void *data, size_t size)
{
	struct tracer *t = ctx;

	if (size < sizeof(struct loader_event))
		return 0;
	return t->loader_fn(t->loader_ctx, data);
}

int tracer__watch_loader(struct tracer *t, pid_t pid, bool stop, loader_event_fn fn, void *ctx)
{
	__u32 key = pid, flags = LOADER_WATCH | (stop ? LOADER_STOP : 0);

	if (!t->loader)
		return -ENOENT;
	if (!t->loader_rb) {
		t->loader_fn = fn;
		t->loader_ctx = ctx;
		t->loader_rb = ring_buffer__new(bpf_map__fd(t->loader->maps.loader_events),
						on_loader_event, t, NULL);
		if (!t->loader_rb)
			return -errno;
	}
	if (bpf_map__update_elem(t->loader->maps.loader_watch, &key, sizeof(key), &flags,
				 sizeof(flags), BPF_ANY))
		return -errno;
	return attach_uprobe(t, t->loader->progs.loader_state_enter, pid, t->ld->path,
			     t->ld->hook_offset, false, "_dl_debug_state");
}

int tracer__loader_poll_fd(struct tracer *t)
{
	return t->loader_rb ? ring_buffer__epoll_fd(t->loader_rb) : -1;
}

int tracer__loader_consume(struct tracer *t)
{
	int n = t->loader_rb ? ring_buffer__consume(t->loader_rb) : 0;

	return n < 0 ? n : 0;
}

/* Sum a per-CPU value of n u64 counters. */
static int read_percpu(struct bpf_map *map, int ncpus, pid_t pid, __u64 *out, size_t n)
{
	__u32 key = pid;
	__u64 *vals = calloc(ncpus, n * sizeof(__u64));
	int cpu, err = 0;
	size_t i;

	if (!vals)
		return -ENOMEM;
	if (bpf_map__lookup_elem(map, &key, sizeof(key), vals, ncpus * n * sizeof(__u64), 0)) {
		err = -errno;
		goto out;
	}
	memset(out, 0, n * sizeof(__u64));
	for (cpu = 0; cpu < ncpus; cpu++)
		for (i = 0; i < n; i++)
			out[i] += vals[cpu * n + i];
out:
	free(vals);
	return err;
}

int tracer__alloc_stats(struct tracer *t, pid_t pid, struct alloc_stats *out)
{
	return read_percpu(t->alloc->maps.alloc_stats, t->ncpus, pid, (__u64 *)out,
			   sizeof(*out) / sizeof(__u64));
}

int tracer__item_stats(struct tracer *t, pid_t pid, struct item_stats *out)
{
	if (!t->items)
		return -ENOENT;
	return read_percpu(t->items->maps.item_stats, t->ncpus, pid, (__u64 *)out,
			   sizeof(*out) / sizeof(__u64));
}

void tracer__drops(struct tracer *t, struct drop_stats *out)
{
	*out = t->alloc->bss->drops;
}

int tracer__for_each_block(struct tracer *t,
			   int (*fn)(const struct alloc_key *k, const struct alloc_info *v,
				     void *arg),
			   void *arg)
{
	enum { BATCH = 4096 };
	int fd = bpf_map__fd(t->alloc->maps.allocs);
	struct alloc_key *keys = calloc(BATCH, sizeof(*keys));
	struct alloc_info *vals = calloc(BATCH, sizeof(*vals));
	struct alloc_key in, out;
	void *inp = NULL;
	int err = 0, ret;
	__u32 i, n;

	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	if (t->mode == MODE_COUNTS)
		goto out;
	for (;;) {
		n = BATCH;
		ret = bpf_map_lookup_batch(fd, inp, &out, keys, vals, &n, NULL);
		if (ret && errno != ENOENT) {
			err = -errno;
			break;
		}
		for (i = 0; i < n; i++) {
			err = fn(&keys[i], &vals[i], arg);
			if (err)
				goto out;
		}
		if (ret)	/* ENOENT: that was the last batch */
			break;
		in = out;
		inp = &in;
	}
out:
	free(keys);
	free(vals);
	return err;
}

int tracer__stack(struct tracer *t, uint64_t stack, uint64_t *ips, int max)
{
	struct stack_trace st;
	__u64 key = stack;
	int n;

	if (!stack)
		return 0;
	if (bpf_map__lookup_elem(t->alloc->maps.stacks, &key, sizeof(key), &st, sizeof(st), 0))
		return -errno;
	for (n = 0; n < MAX_STACK_DEPTH && n < max && st.ips[n]; n++)
		ips[n] = st.ips[n];
	return n;
}
