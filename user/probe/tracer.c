// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "probe/tracer.h"	/* first: the skeletons use the types of leakbpf.h */
#include "alloc.skel.h"
#include "probe/alloc_plan.h"
#include "proc/allocator.h"
#include "proc/dynloader.h"
#include "fds.skel.h"
#include "items.skel.h"
#include "probe/links.h"
#include "loader.skel.h"
#include "base/log.h"
#include "unwind/stack_table.h"
#include "tasks.skel.h"
#include "probe/uprobe_multi.h"

/* A file probed for a process: by inode, as the kernel places uprobes. */
struct probed_file {
	dev_t dev;
	ino_t ino;
	pid_t pid;
};

struct probed_alloc {
	struct probed_file file;
	struct allocator a;
	struct alloc_plan plan;
};

struct tracer {
	struct alloc_bpf *alloc;
	struct items_bpf *items;	/* NULL without --item/--batch */
	struct loader_bpf *loader;	/* execs, and loaders reporting their modules */
	struct tasks_bpf *tasks;	/* threads and TCP sockets; NULL when the kernel cannot */
	struct fds_bpf *fds;		/* NULL when fds are not traced */
	struct ring_buffer *fds_rb;
	fd_event_fn fds_fn;
	void *fds_ctx;
	struct ring_buffer *loader_rb;
	loader_event_fn loader_fn;
	void *loader_ctx;
	struct probed_file *lds;	/* loaders whose _dl_debug_state is probed */
	int nlds;
	bool exec_attached;		/* loader_exec is */
	struct links links;
	enum track_mode mode;
	bool session;		/* the tracking modes use uprobe sessions */
	int ncpus;
	/* what tracer__attach_allocator probed, oldest first: an exec may add one */
	struct probed_alloc *probed;
	int nprobed;
	/*
	 * The frames user space found for bpf/alloc's provisional stacks, by key. Kept here
	 * rather than written to `stacks`: BPF may replace the entry at any moment, and a
	 * write racing with it would put the provisional one back over BPF's.
	 */
	struct stack_table fixes;
};

/*
 * More than the unwind events of any likely run (each is the first stack from a new place,
 * before its rules are known).
 */
#define MAX_STACK_FIXES 65536

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
	bpf_program__set_autoload(t->alloc->progs.alloc_exec, true);
	if (t->mode != MODE_COUNTS && !t->session)
		bpf_program__set_autoload(t->alloc->progs.alloc_exit, true);
	for (i = 0; i < NR_ALLOC_PROBES; i++) {
		const char *name = t->session && alloc_probes[i].session ? alloc_probes[i].session
									 : alloc_probes[i].entry;

		prog = bpf_object__find_program_by_name(obj, name);
		if (!prog) {
			elog("internal error: the allocator BPF object has no program %s", name);
			return -ENOENT;
		}
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
	return links__add(&t->links, link);
}

static void load_error(const struct bpf_object *obj, int err)
{
	if (err == -EPERM || err == -EACCES)
		elog("loading BPF programs is not permitted (%s): run as root, or with "
		     "CAP_BPF, CAP_PERFMON and CAP_SYS_RESOURCE", errstr(err));
	else
		elog("cannot load the BPF object %s (%s)%s", bpf_object__name(obj), errstr(err),
		     log_verbose ? "" : "; -v shows the verifier's log");
}

/*
 * Threads and TCP sockets: BTF tracepoints, attached once for every process. They cost a
 * test and a lookup per event until a process is added, so they go live right away.
 * Kernels before 5.11 cannot use sk storage from them: the caller goes on without.
 */
static int load_tasks(struct tracer *t)
{
	int err;

	t->tasks = tasks_bpf__open();
	if (!t->tasks) {
		err = -errno;
		elog("cannot open the thread and TCP socket BPF object: %s", errstr(err));
		return err;
	}
	err = tasks_bpf__load(t->tasks);
	if (err) {
		err = -errno;
		load_error(t->tasks->obj, err);
		return err;
	}
	err = tasks_bpf__attach(t->tasks);
	if (err) {
		err = -errno;
		elog("cannot attach to the task_newtask, sched_process_exit and "
		     "inet_sock_set_state tracepoints (%s)", errstr(err));
		return err;
	}
	return 0;
}

/*
 * bpf/fds uses bpf/alloc's unwind maps (bpf/unwind.bpf.h): rules learned from either's
 * stacks serve both, one handler reads the events of both, and the exec generation is the
 * one process table's.
 */
static int share_unwinding(struct tracer *t)
{
	struct bpf_map *maps[][2] = {
		{ t->fds->maps.unwind_rules, t->alloc->maps.unwind_rules },
		{ t->fds->maps.events, t->alloc->maps.events },
		{ t->fds->maps.fd_procs, t->alloc->maps.fd_procs },
	};
	size_t i;

	for (i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		if (bpf_map__reuse_fd(maps[i][0], bpf_map__fd(maps[i][1])))
			return -errno;
	}
	return 0;
}

struct tracer *tracer__new(const struct tracer_opts *o)
{
	struct tracer *t = calloc(1, sizeof(*t));
	struct bpf_object *obj;
	struct bpf_link *link;
	int err;

	if (!t)
		return NULL;
	t->mode = o->mode;
	t->fixes.max = MAX_STACK_FIXES;
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
	t->alloc->rodata->cfi_stacks = o->cfi_stacks;
	t->session = o->mode != MODE_COUNTS && !o->no_session && uprobe_multi__has_session();
	err = choose_programs(t);
	if (err) {
		elog("cannot configure the allocator BPF programs (%s)", errstr(err));
		goto fail;
	}
	if (o->mode == MODE_COUNTS) {
		/*
		 * entry probes only: no block or stack maps worth the name; no fd stacks either,
		 * so no events but bpf/fds's exit holds
		 */
		bpf_map__set_max_entries(t->alloc->maps.allocs, 1);
		bpf_map__set_max_entries(t->alloc->maps.stacks, 1);
		bpf_map__set_max_entries(t->alloc->maps.unwind_rules, 1);
		bpf_map__set_max_entries(t->alloc->maps.events, getpagesize());
	} else {
		bpf_map__set_max_entries(t->alloc->maps.allocs, o->max_allocs);
		bpf_map__set_max_entries(t->alloc->maps.stacks, o->max_stacks);
	}
	err = alloc_bpf__load(t->alloc);
	if (err) {
		err = -errno;
		goto load_failed;
	}
	/* an exec of a process not added costs a lookup; one added must lose its blocks */
	link = bpf_program__attach(t->alloc->progs.alloc_exec);
	if (!link) {
		err = -errno;
		elog("cannot attach to the sched_process_exec tracepoint (%s)", errstr(err));
		goto fail;
	}
	err = add_link(t, link);
	if (err)
		goto fail;

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
	/* always: an exec may bring a loader to watch, even where the first image has none */
	t->loader = loader_bpf__open();
	if (!t->loader) {
		err = -errno;
		elog("cannot open the loader-watching BPF object: %s", errstr(err));
		goto fail;
	}
	err = loader_bpf__load(t->loader);
	if (err) {
		err = -errno;
		goto load_failed;
	}
	if (o->fds) {
		t->fds = fds_bpf__open();
		if (!t->fds) {
			err = -errno;
			elog("cannot open the file-descriptor BPF object: %s", errstr(err));
			goto fail;
		}
		/* counts mode keeps the counters and records, without the stacks */
		t->fds->rodata->capture_stacks = o->mode != MODE_COUNTS;
		bpf_map__set_max_entries(t->fds->maps.fd_stacks, o->max_stacks);
		err = share_unwinding(t);
		if (err) {
			elog("cannot share the unwind maps with the file-descriptor BPF object (%s)",
			     errstr(err));
			goto fail;
		}
		err = fds_bpf__load(t->fds);
		if (err) {
			err = -errno;
			load_error(t->fds->obj, err);
			goto fail;
		}
	}
	if (load_tasks(t)) {
		elog("threads and TCP sockets are not traced: their sections are null");
		tasks_bpf__destroy(t->tasks);
		t->tasks = NULL;
	}
	return t;

load_failed:
	obj = t->loader ? t->loader->obj : t->items ? t->items->obj : t->alloc->obj;
	load_error(obj, err);
fail:
	tracer__free(t);
	errno = -err;
	return NULL;
}

void tracer__free(struct tracer *t)
{
	if (!t)
		return;
	/* links first: the probes leave the target before the programs go */
	links__destroy(&t->links);
	free(t->probed);
	free(t->lds);
	stack_table__clear(&t->fixes);
	ring_buffer__free(t->loader_rb);
	ring_buffer__free(t->fds_rb);
	fds_bpf__destroy(t->fds);
	tasks_bpf__destroy(t->tasks);
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
	if (!err && t->fds)
		err = insert_zeroed(t->fds->maps.fd_stats, sizeof(struct fd_stats), t->ncpus, pid);
	/* bpf/alloc's (and bpf/fds's): unwind rules are keyed by its exec generation */
	if (!err)
		err = insert_zeroed(t->alloc->maps.fd_procs, sizeof(struct fd_proc), 1, pid);
	if (err || !t->tasks)
		return err;
	err = insert_zeroed(t->tasks->maps.thread_stats, sizeof(struct thread_stats), t->ncpus,
			    pid);
	if (!err)
		err = insert_zeroed(t->tasks->maps.exiting, sizeof(__u32), 1, pid);
	if (!err)
		err = insert_zeroed(t->tasks->maps.sock_stats, sizeof(struct sock_stats),
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
	return add_link(t, link);
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

	fd = uprobe_multi__attach_session(prog, pid, path, &s->offset, &s->cookie, 1);
	if (fd < 0) {
		elog("cannot attach a uprobe session to %s in %s at offset 0x%llx (%s)",
		     alloc_func_names[s->fn], path, (unsigned long long)s->offset, errstr(fd));
		return fd;
	}
	return links__add_fd(&t->links, fd);
}

static bool same_file(const struct probed_file *f, const struct stat *st, pid_t pid)
{
	return f->dev == st->st_dev && f->ino == st->st_ino && f->pid == pid;
}

int tracer__attach_allocator(struct tracer *t, pid_t pid, const struct allocator *a)
{
	struct bpf_object *obj = t->alloc->obj;
	struct probed_alloc *pa, *grown;
	const struct alloc_plan *plan;
	struct stat st;
	size_t i;
	int err, k;

	/* by inode: the same file under another name (/lib vs /usr/lib) is probed already */
	if (stat(a->path, &st))
		return -errno;
	for (k = 0; k < t->nprobed; k++) {
		if (same_file(&t->probed[k].file, &st, pid))
			return -EALREADY;
	}
	for (i = 0; i < NR_ALLOC_PROBES; i++) {
		if (alloc_probes[i].required && !a->found[alloc_probes[i].fn]) {
			elog("%s does not define %s", a->name,
			     alloc_func_names[alloc_probes[i].fn]);
			return -ENOENT;
		}
		if (!a->found[alloc_probes[i].fn])
			vlog("%s has no %s: not probed", a->name,
			     alloc_func_names[alloc_probes[i].fn]);
	}
	grown = realloc(t->probed, (t->nprobed + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	t->probed = grown;
	pa = &t->probed[t->nprobed];
	memset(pa, 0, sizeof(*pa));
	err = alloc_plan__make(a, t->mode != MODE_COUNTS, t->session, true, &pa->plan);
	if (err) {
		elog("cannot decode the prologues of %s (%s)", a->name, errstr(err));
		return err;
	}
	plan = &pa->plan;
	alloc_plan__log(plan, a);
	pa->a = *a;
	pa->file = (struct probed_file){ .dev = st.st_dev, .ino = st.st_ino, .pid = pid };
	/* counted from here on, even if an attach below fails: some of its probes may be live */
	t->nprobed++;
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
		if (!prog) {
			elog("internal error: the allocator BPF object has no program for %s",
			     alloc_func_names[alloc_probes[idx].fn]);
			return -ENOENT;
		}
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
	int k, n, err, mapped = 0;

	/* the newest first: an exec's allocator is the one its calls go to */
	for (k = t->nprobed - 1; k >= 0 && text.n < MAX_ALLOC_RANGES; k--) {
		const struct probed_alloc *pa = &t->probed[k];

		if (pa->file.pid != pid && pa->file.pid != -1)
			continue;
		err = alloc_plan__ranges(&pa->plan, &pa->a, pid, (uint64_t *)text.lo + text.n,
					 (uint64_t *)text.hi + text.n, MAX_ALLOC_RANGES - text.n,
					 &n);
		if (err)
			continue;	/* not mapped (yet): the next refresh will do */
		text.n += n;
		mapped++;
	}
	if (!mapped)
		return -ENOENT;
	vlog("PID %d: %u allocator functions mapped", pid, text.n);
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

	link = bpf_program__attach_usdt(prog, pid, path, provider, name, NULL);
	if (!link)
		return -errno;
	vlog("USDT probe %s:%s in %s", provider, name, path);
	return add_link(t, link);
}

static int on_loader_event(void *ctx, void *data, size_t size)
{
	struct tracer *t = ctx;

	if (size < sizeof(struct loader_event))
		return 0;
	return t->loader_fn(t->loader_ctx, data);
}

static int open_loader_events(struct tracer *t, loader_event_fn fn, void *ctx)
{
	if (t->loader_rb)
		return 0;
	t->loader_fn = fn;
	t->loader_ctx = ctx;
	t->loader_rb = ring_buffer__new(bpf_map__fd(t->loader->maps.loader_events),
					on_loader_event, t, NULL);
	return t->loader_rb ? 0 : -errno;
}

/*
 * Add flags to a process's loader_watch entry. The BPF side clears LOADER_STOP when it
 * stops the process: callers set flags before the process runs, or while it is stopped.
 */
static int add_loader_flags(struct tracer *t, pid_t pid, __u32 add)
{
	struct bpf_map *map = t->loader->maps.loader_watch;
	__u32 key = pid, flags = 0;

	if (bpf_map__lookup_elem(map, &key, sizeof(key), &flags, sizeof(flags), 0) &&
	    errno != ENOENT)
		return -errno;
	flags |= add;
	if (bpf_map__update_elem(map, &key, sizeof(key), &flags, sizeof(flags), BPF_ANY))
		return -errno;
	return 0;
}

int tracer__watch_loader(struct tracer *t, pid_t pid, const struct dynloader *ld, bool stop,
			 loader_event_fn fn, void *ctx)
{
	struct probed_file *grown;
	struct stat st;
	int i, err;

	err = open_loader_events(t, fn, ctx);
	if (!err)
		err = add_loader_flags(t, pid, LOADER_WATCH |
				       (stop ? LOADER_STOP | LOADER_UNLOAD_STOP : 0));
	if (err)
		return err;
	if (stat(ld->path, &st))
		return -errno;
	for (i = 0; i < t->nlds; i++) {
		if (same_file(&t->lds[i], &st, pid))
			return 0;	/* an exec of a program with the same loader */
	}
	grown = realloc(t->lds, (t->nlds + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	t->lds = grown;
	/* each loader has its own distance to _r_debug: the BPF program finds it in its cookie */
	err = attach_uprobe_cookie(t, t->loader->progs.loader_state_enter, pid, ld->path,
				   ld->hook_offset, false, ld->r_state_off, "_dl_debug_state");
	if (err)
		return err;
	t->lds[t->nlds++] = (struct probed_file){ .dev = st.st_dev, .ino = st.st_ino, .pid = pid };
	return 0;
}

int tracer__follow_exec(struct tracer *t, pid_t pid, bool stop, loader_event_fn fn, void *ctx)
{
	struct bpf_link *link;
	int err;

	err = open_loader_events(t, fn, ctx);
	if (err)
		return err;
	if (!t->exec_attached) {
		link = bpf_program__attach(t->loader->progs.loader_exec);
		if (!link)
			return -errno;
		err = add_link(t, link);
		if (err)
			return err;
		t->exec_attached = true;
	}
	return add_loader_flags(t, pid, LOADER_EXEC | (stop ? LOADER_EXEC_STOP : 0));
}

void tracer__detach(struct tracer *t)
{
	if (t)
		links__destroy(&t->links);
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

static int on_fd_event(void *ctx, void *data, size_t size)
{
	struct tracer *t = ctx;

	return t->fds_fn(t->fds_ctx, data, size);
}

int tracer__attach_fds(struct tracer *t, fd_event_fn fn, void *ctx)
{
	struct bpf_program *progs[] = {
		t->fds->progs.fds_sys_enter, t->fds->progs.fds_sys_exit, t->fds->progs.fds_proc_exit,
	};
	struct bpf_link *link;
	size_t i;
	int err;

	t->fds_fn = fn;
	t->fds_ctx = ctx;
	/* bpf/fds's and bpf/alloc's (the same map) */
	t->fds_rb = ring_buffer__new(bpf_map__fd(t->alloc->maps.events), on_fd_event, t, NULL);
	if (!t->fds_rb) {
		err = -errno;
		elog("cannot read the file-descriptor events (%s)", errstr(err));
		return err;
	}
	for (i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		link = bpf_program__attach(progs[i]);
		if (!link) {
			err = -errno;
			elog("cannot attach %s (%s)", bpf_program__section_name(progs[i]),
			     errstr(err));
			return err;
		}
		err = add_link(t, link);
		if (err)
			return err;
	}
	return 0;
}

int tracer__fd_proc(struct tracer *t, pid_t pid, struct fd_proc *out)
{
	__u32 key = pid;

	if (bpf_map__lookup_elem(t->alloc->maps.fd_procs, &key, sizeof(key), out, sizeof(*out), 0))
		return -errno;
	return 0;
}

int tracer__add_fd_flags(struct tracer *t, pid_t pid, uint32_t flags)
{
	struct fd_proc proc = {};
	__u32 key = pid;
	int err;

	/* keep the exec generation: the flags are set while the process waits (held) */
	err = tracer__fd_proc(t, pid, &proc);
	if (err)
		return err;
	proc.flags |= flags;
	if (bpf_map__update_elem(t->alloc->maps.fd_procs, &key, sizeof(key), &proc, sizeof(proc),
				 BPF_EXIST))
		return -errno;
	return 0;
}

int tracer__attach_exit_hold(struct tracer *t, pid_t pid, const char *path, uint64_t offset)
{
	return attach_uprobe(t, t->fds->progs.fds_exit_hold, pid, path, offset, false, "_Exit");
}

int tracer__fds_poll_fd(struct tracer *t)
{
	return t->fds_rb ? ring_buffer__epoll_fd(t->fds_rb) : -1;
}

int tracer__fds_consume(struct tracer *t)
{
	int n = t->fds_rb ? ring_buffer__consume(t->fds_rb) : 0;

	return n < 0 ? n : 0;
}

int tracer__fd_record(struct tracer *t, pid_t pid, int fd, struct fd_info *out)
{
	struct fd_key key = { .tgid = pid, .fd = fd };

	if (bpf_map__lookup_elem(t->fds->maps.fd_records, &key, sizeof(key), out, sizeof(*out), 0))
		return -errno;
	return 0;
}

int tracer__set_unwind_rule(struct tracer *t, pid_t pid, uint32_t exec_gen, uint64_t pc,
			    const struct unwind_rule *rule)
{
	struct unwind_key key = { .pc = pc, .tgid = pid, .exec_gen = exec_gen };

	if (bpf_map__update_elem(t->alloc->maps.unwind_rules, &key, sizeof(key), rule,
				 sizeof(*rule), BPF_ANY))
		return -errno;
	return 0;
}

void tracer__fd_drops(struct tracer *t, struct fd_drop_stats *out)
{
	if (t->fds)
		*out = t->fds->bss->fd_drops;
	else
		memset(out, 0, sizeof(*out));
}

uint64_t tracer__fd_lost(struct tracer *t)
{
	struct fd_drop_stats d;

	tracer__fd_drops(t, &d);
	return d.records_full + d.stacks_failed + d.events_lost;
}

/* The per-CPU values of a process in map, ncpus * size bytes to free; NULL with errno. */
static void *percpu_values(struct bpf_map *map, int ncpus, pid_t pid, size_t size)
{
	__u32 key = pid;
	void *vals = calloc(ncpus, size);
	int err;

	if (!vals)
		return NULL;
	if (bpf_map__lookup_elem(map, &key, sizeof(key), vals, ncpus * size, 0)) {
		err = errno;
		free(vals);
		errno = err;
		return NULL;
	}
	return vals;
}

/* Sum a per-CPU value of n u64 counters (two's complement: __s64 ones too). */
static int read_percpu(struct bpf_map *map, int ncpus, pid_t pid, __u64 *out, size_t n)
{
	__u64 *vals = percpu_values(map, ncpus, pid, n * sizeof(__u64));
	int cpu;
	size_t i;

	if (!vals)
		return -errno;
	memset(out, 0, n * sizeof(__u64));
	for (cpu = 0; cpu < ncpus; cpu++)
		for (i = 0; i < n; i++)
			out[i] += vals[cpu * n + i];
	free(vals);
	return 0;
}

int tracer__alloc_stats(struct tracer *t, pid_t pid, struct alloc_stats *out)
{
	int err;

	err = read_percpu(t->alloc->maps.alloc_stats, t->ncpus, pid, (__u64 *)out,
			  sizeof(*out) / sizeof(__u64));
	if (err)
		return err;
	/* what bpf/alloc leaves to be derived (leakbpf.h) */
	out->mallocs += out->tracked;
	out->bytes_allocated += out->bytes_tracked;
	out->free_calls = out->frees + out->untracked_frees - out->frees_unseen;
	return 0;
}

int tracer__fd_stats(struct tracer *t, pid_t pid, struct fd_stats *out)
{
	if (!t->fds)
		return -ENOENT;
	return read_percpu(t->fds->maps.fd_stats, t->ncpus, pid, (__u64 *)out,
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
	/* a provisional stack left as the walk guessed, like one never sent */
	out->unwind_lost += t->fixes.lost;
	if (!t->tasks)
		return;
	out->socks_untracked = t->tasks->bss->drops.socks_untracked;
	out->close_waits_full = t->tasks->bss->drops.close_waits_full;
}

/* Runs of a program the kernel skipped: one of ours was already running on that CPU. */
static uint64_t recursion_misses(struct bpf_object *obj)
{
	struct bpf_program *prog;
	uint64_t n = 0;

	if (!obj)
		return 0;
	bpf_object__for_each_program(prog, obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len))
			n += info.recursion_misses;
	}
	return n;
}

uint64_t tracer__missed(struct tracer *t)
{
	uint64_t n = 0;

	n += recursion_misses(t->alloc ? t->alloc->obj : NULL);
	n += recursion_misses(t->items ? t->items->obj : NULL);
	n += recursion_misses(t->tasks ? t->tasks->obj : NULL);
	n += recursion_misses(t->fds ? t->fds->obj : NULL);
	if (t->loader) {
		n += recursion_misses(t->loader->obj);
		n += t->loader->bss->loader_events_lost;
	}
	return n;
}

bool tracer__has_tasks(const struct tracer *t)
{
	return t->tasks != NULL;
}

int tracer__thread_stats(struct tracer *t, pid_t pid, struct thread_stats *out)
{
	struct thread_stats *v = percpu_values(t->tasks->maps.thread_stats, t->ncpus, pid,
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
	return read_percpu(t->tasks->maps.sock_stats, t->ncpus, pid, (__u64 *)out->state,
			   TCP_STATE_SLOTS);
}

int tracer__adopt_socket(struct tracer *t, int fd, const struct sock_owner *so,
			 const struct close_wait *cw)
{
	struct bpf_map *cws = t->tasks->maps.close_waits;
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
	if (bpf_map__update_elem(t->tasks->maps.sock_owners, &fd, sizeof(fd), so, sizeof(*so),
				 BPF_NOEXIST)) {
		err = -errno;
		if (added_cw)
			bpf_map__delete_elem(cws, &id, sizeof(id), 0);
		return err;
	}
	return 0;
}

/*
 * Calls fn for every entry of a hash map until it returns non-zero. In batches, by bucket:
 * entries deleted meanwhile do not restart the walk, as they would with get_next_key.
 */
static int walk_hash(int fd, size_t key_size, size_t value_size,
		     int (*fn)(const void *key, const void *value, void *arg), void *arg)
{
	enum { BATCH = 4096 };
	char *keys = calloc(BATCH, key_size), *vals = calloc(BATCH, value_size);
	__u64 in, out;	/* a hash map's cursor: its bucket number, a __u32 */
	void *inp = NULL;
	int err = 0, ret;
	__u32 i, n;

	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		n = BATCH;
		ret = bpf_map_lookup_batch(fd, inp, &out, keys, vals, &n, NULL);
		if (ret && errno != ENOENT) {
			err = -errno;
			break;
		}
		for (i = 0; i < n; i++) {
			err = fn(keys + i * key_size, vals + i * value_size, arg);
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

/* tracer__for_each_block's fn, behind walk_hash's */
struct block_walk {
	int (*fn)(const struct alloc_key *k, const struct alloc_info *v, void *arg);
	void *arg;
};

static int block_entry(const void *key, const void *value, void *arg)
{
	struct block_walk *w = arg;

	return w->fn(key, value, w->arg);
}

int tracer__for_each_block(struct tracer *t,
			   int (*fn)(const struct alloc_key *k, const struct alloc_info *v,
				     void *arg),
			   void *arg)
{
	struct block_walk w = { .fn = fn, .arg = arg };

	if (t->mode == MODE_COUNTS)
		return 0;
	return walk_hash(bpf_map__fd(t->alloc->maps.allocs), sizeof(struct alloc_key),
			 sizeof(struct alloc_info), block_entry, &w);
}

/* tracer__for_each_close_wait's fn, behind walk_hash's */
struct close_wait_walk {
	int (*fn)(const struct close_wait *cw, void *arg);
	void *arg;
};

static int close_wait_entry(const void *key, const void *value, void *arg)
{
	struct close_wait_walk *w = arg;

	return w->fn(value, w->arg);
}

int tracer__for_each_close_wait(struct tracer *t,
				int (*fn)(const struct close_wait *cw, void *arg), void *arg)
{
	struct close_wait_walk w = { .fn = fn, .arg = arg };

	return walk_hash(bpf_map__fd(t->tasks->maps.close_waits), sizeof(__u64),
			 sizeof(struct close_wait), close_wait_entry, &w);
}

/* tracer__for_each_fd_record's fn, behind walk_hash's */
struct fd_record_walk {
	int (*fn)(const struct fd_key *k, const struct fd_info *v, void *arg);
	void *arg;
};

static int fd_record_entry(const void *key, const void *value, void *arg)
{
	struct fd_record_walk *w = arg;

	return w->fn(key, value, w->arg);
}

int tracer__for_each_fd_record(struct tracer *t,
			       int (*fn)(const struct fd_key *k, const struct fd_info *v,
					 void *arg),
			       void *arg)
{
	struct fd_record_walk w = { .fn = fn, .arg = arg };

	if (!t->fds)
		return 0;
	return walk_hash(bpf_map__fd(t->fds->maps.fd_records), sizeof(struct fd_key),
			 sizeof(struct fd_info), fd_record_entry, &w);
}

/* Up to the first zero of a zero-padded stack; the number of frames. */
static int copy_frames(const __u64 *frames, uint64_t *ips, int max)
{
	int n;

	for (n = 0; n < MAX_STACK_DEPTH && n < max && frames[n]; n++)
		ips[n] = frames[n];
	return n;
}

int tracer__stack(struct tracer *t, uint64_t stack, uint64_t *ips, int max)
{
	const uint64_t *fix;
	struct alloc_stack st;
	__u64 key = stack;
	int n = 0, i;

	if (!stack)
		return 0;
	if (bpf_map__lookup_elem(t->alloc->maps.stacks, &key, sizeof(key), &st, sizeof(st), 0))
		return -errno;
	if (st.flags & STACK_PROVISIONAL)
		n = stack_table__get(&t->fixes, stack, &fix);
	if (!n)
		return copy_frames(st.ips, ips, max);
	for (i = 0; i < n && i < max; i++)
		ips[i] = fix[i];
	return i;
}

int tracer__fd_stack(struct tracer *t, uint64_t stack, uint64_t *ips, int max)
{
	struct stack_trace st;
	__u64 key = stack;

	if (!stack)
		return 0;
	if (bpf_map__lookup_elem(t->fds->maps.fd_stacks, &key, sizeof(key), &st, sizeof(st), 0))
		return -errno;
	return copy_frames(st.ips, ips, max);
}

int tracer__fix_stack(struct tracer *t, uint64_t stack, const uint64_t *ips, int n)
{
	return stack_table__put(&t->fixes, stack, ips, n);
}
