// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/libbpf.h>
/* first: the skeleton uses the types of the ABI */
#include "probe/alloc.h"
#include "alloc.skel.h"
#include "probe/core.h"
#include "base/log.h"
#include "base/util.h"
#include "probe/alloc_plan.h"
#include "probe/uprobe_multi.h"
#include "proc/allocator.h"
#include "unwind/stack_table.h"

/*
 * More than the unwind events of any likely run (each is the first stack from a new place,
 * before its rules are known).
 */
#define MAX_STACK_FIXES 65536

/* An allocator probed for a process, with the plan its probes followed and their links. */
struct probed_alloc {
	struct probed_file file;
	struct allocator a;
	struct alloc_plan plan;
	struct links links;
};

struct alloc_probe {
	struct alloc_bpf *skel;
	bool session;		/* the tracking modes use uprobe sessions */
	/* what tracer__attach_allocator probed, oldest first: an exec may add one */
	struct probed_alloc *probed;
	int nprobed;
	/*
	 * The frames user space found for provisional stacks, by key. Kept here rather than
	 * written to `stacks`: BPF may replace the entry at any moment, and a write racing with
	 * it would put the provisional one back over BPF's.
	 */
	struct stack_table fixes;
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

/* The counters of `drops` (struct drop_stats) that bpf/alloc bumps. */
static const struct loss_name alloc_losses[] = {
	{ "blocks not followed: the block map was full", offsetof(struct drop_stats, allocs_full) },
	{ "allocation stacks not kept", offsetof(struct drop_stats, stacks_failed) },
	{ "allocations without their thread's state", offsetof(struct drop_stats, state_missing) },
	{ "allocation stacks not sent to be unwound", offsetof(struct drop_stats, unwind_lost) },
	{ "frees missed (an address handed out again)", offsetof(struct drop_stats, unseen_frees) },
	{ "failed reallocs' blocks not put back", offsetof(struct drop_stats, putback_failed) },
};

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
static int choose_programs(struct alloc_probe *p, enum track_mode mode)
{
	struct bpf_object *obj = p->skel->obj;
	struct bpf_program *prog;
	size_t i;
	int err;

	bpf_object__for_each_program(prog, obj)
		bpf_program__set_autoload(prog, false);
	bpf_program__set_autoload(p->skel->progs.free_enter, true);
	bpf_program__set_autoload(p->skel->progs.alloc_exec, true);
	if (mode != MODE_COUNTS && !p->session)
		bpf_program__set_autoload(p->skel->progs.alloc_exit, true);
	for (i = 0; i < NR_ALLOC_PROBES; i++) {
		const char *name = p->session && alloc_probes[i].session ? alloc_probes[i].session
									 : alloc_probes[i].entry;

		prog = bpf_object__find_program_by_name(obj, name);
		if (!prog) {
			elog("internal error: the allocator BPF object has no program %s", name);
			return -ENOENT;
		}
		bpf_program__set_autoload(prog, true);
		if (p->session && alloc_probes[i].session) {
			err = uprobe_multi__prepare_session(prog);
			if (err)
				return err;
		}
	}
	return 0;
}

int alloc_probe__open(struct tracer *t)
{
	const struct tracer_opts *o = &t->opts;
	struct alloc_probe *p = calloc(1, sizeof(*p));
	int err;

	if (!p)
		return -ENOMEM;
	t->alloc = p;
	p->fixes.max = MAX_STACK_FIXES;
	p->skel = alloc_bpf__open();
	if (!p->skel) {
		err = -errno;
		elog("cannot open the allocator BPF object: %s", errstr(err));
		return err;
	}
	p->skel->rodata->mode = o->mode;
	p->skel->rodata->sample_every = o->sample_every ? o->sample_every : 1;
	p->skel->rodata->cfi_stacks = o->cfi_stacks;
	/* a session's link is a uprobe_multi link */
	p->session = o->mode != MODE_COUNTS &&
		     features__has(&t->features, FEAT_UPROBE_SESSION) &&
		     features__has(&t->features, FEAT_UPROBE_MULTI);
	err = choose_programs(p, o->mode);
	if (!err)
		err = core__share_maps(t, p->skel->obj);
	if (err) {
		elog("cannot configure the allocator BPF programs (%s)", errstr(err));
		return err;
	}
	/* counts mode: entry probes only, no block or stack map worth the name */
	bpf_map__set_max_entries(p->skel->maps.allocs, o->mode == MODE_COUNTS ? 1 : o->max_allocs);
	bpf_map__set_max_entries(p->skel->maps.stacks, o->mode == MODE_COUNTS ? 1 : o->max_stacks);
	return 0;
}

int alloc_probe__load(struct tracer *t)
{
	struct alloc_probe *p = t->alloc;
	struct bpf_link *link;
	int err;

	if (alloc_bpf__load(p->skel)) {
		err = -errno;
		core__load_error(p->skel->obj, err);
		return err;
	}
	/* an exec of a process not added costs a lookup; one added must lose its blocks */
	link = bpf_program__attach(p->skel->progs.alloc_exec);
	if (!link) {
		err = -errno;
		elog("cannot attach to the sched_process_exec tracepoint (%s)", errstr(err));
		return err;
	}
	return core__add_link(t, link);
}

int alloc_probe__detach(struct tracer *t)
{
	struct alloc_probe *p = t->alloc;
	int k, err = 0;

	for (k = 0; p && k < p->nprobed; k++) {
		/* all at once with the tracer's own: each removal waits for a grace period */
		if (links__take(&t->links, &p->probed[k].links)) {
			links__destroy(&p->probed[k].links);
			err = -ENOMEM;
		}
	}
	return err;
}

static bool listed(pid_t pid, const pid_t *pids, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (pids[i] == pid)
			return true;
	}
	return false;
}

int tracer__detach_allocators(struct tracer *t, const pid_t *pids, int n)
{
	struct alloc_probe *p = t->alloc;
	struct links gone = {};
	int k, kept = 0, found = 0;

	for (k = 0; k < p->nprobed; k++) {
		struct probed_alloc *pa = &p->probed[k];

		if (!listed(pa->file.pid, pids, n)) {
			p->probed[kept++] = *pa;
			continue;
		}
		/* together: each removal waits for a grace period, side by side they wait one */
		if (links__take(&gone, &pa->links))
			links__destroy(&pa->links);
		found++;
	}
	p->nprobed = kept;
	links__destroy(&gone);
	return found ? 0 : -ENOENT;
}

int tracer__detach_allocator(struct tracer *t, pid_t pid)
{
	return tracer__detach_allocators(t, &pid, 1);
}

void alloc_probe__forget(struct tracer *t, pid_t pid)
{
	tracer__detach_allocator(t, pid);
	core__forget(t->alloc->skel->maps.alloc_stats, pid);
	core__forget(t->alloc->skel->maps.alloc_text, pid);
}

void alloc_probe__destroy(struct alloc_probe *p)
{
	int k;

	if (!p)
		return;
	for (k = 0; k < p->nprobed; k++)
		links__destroy(&p->probed[k].links);
	alloc_bpf__destroy(p->skel);
	free(p->probed);
	stack_table__clear(&p->fixes);
	free(p);
}

int alloc_probe__add_process(struct tracer *t, pid_t pid)
{
	return core__add_zeroed(t->alloc->skel->maps.alloc_stats, sizeof(struct alloc_stats),
				t->ncpus, pid);
}

struct bpf_object *alloc_probe__object(struct tracer *t)
{
	return t->alloc->skel->obj;
}

void alloc_probe__losses(struct tracer *t, struct losses *out)
{
	struct alloc_probe *p = t->alloc;

	core__add_losses(out, &p->skel->bss->drops, alloc_losses,
			 sizeof(alloc_losses) / sizeof(alloc_losses[0]));
	/* a provisional stack left as the walk guessed, like one never sent */
	losses__add(out, "unwound allocation stacks not kept", p->fixes.lost);
	losses__add(out, "allocator programs skipped (another of ours ran)",
		    core__recursion_misses(p->skel->obj));
}

static int attach_session(struct links *into, struct bpf_program *prog, pid_t pid,
			  const char *path, const struct alloc_site *s)
{
	int fd;

	fd = uprobe_multi__attach_session(prog, pid, path, &s->offset, &s->cookie, 1);
	if (fd < 0) {
		elog("cannot attach a uprobe session to %s in %s at offset 0x%llx (%s)",
		     alloc_func_names[s->fn], path, (unsigned long long)s->offset, errstr(fd));
		return fd;
	}
	return links__add_fd(into, fd);
}

int tracer__attach_allocator(struct tracer *t, pid_t pid, const struct allocator *a)
{
	struct alloc_probe *p = t->alloc;
	struct bpf_object *obj = p->skel->obj;
	struct probed_alloc *pa, *grown;
	const struct alloc_plan *plan;
	struct stat st;
	size_t i;
	int err, k;

	/* by inode: the same file under another name (/lib vs /usr/lib) is probed already */
	if (stat(a->path, &st))
		return -errno;
	for (k = 0; k < p->nprobed; k++) {
		if (core__same_file(&p->probed[k].file, &st, pid))
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
	grown = realloc(p->probed, (p->nprobed + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	p->probed = grown;
	pa = &p->probed[p->nprobed];
	memset(pa, 0, sizeof(*pa));
	err = alloc_plan__make(a, t->opts.mode != MODE_COUNTS, p->session, true, &pa->plan);
	if (err) {
		elog("cannot decode the prologues of %s (%s)", a->name, errstr(err));
		return err;
	}
	plan = &pa->plan;
	alloc_plan__log(plan, a);
	pa->a = *a;
	pa->file = (struct probed_file){ .dev = st.st_dev, .ino = st.st_ino, .pid = pid };
	/* counted from here on, even if an attach below fails: some of its probes may be live */
	p->nprobed++;
	tracer__refresh_allocator(t, pid);
	/*
	 * Without sessions, returns first, then entries: an entry without its return would
	 * leave a call in flight that never completes, a return without its entry is simply
	 * ignored. A return probe stays on the function's first byte: the kernel takes the
	 * return address at *sp when it hits.
	 */
	for (k = 0; k < plan->n && !p->session; k++) {
		const struct alloc_site *s = &plan->sites[k];

		if (!s->returns)
			continue;
		err = core__attach_uprobe(&pa->links, p->skel->progs.alloc_exit, pid, a->path,
					  a->offset[s->fn], true, 0, alloc_func_names[s->fn]);
		if (err)
			return err;
	}
	for (k = 0; k < plan->n; k++) {
		const struct alloc_site *s = &plan->sites[k];
		int idx = probe_index(s->fn);
		bool session = p->session && s->returns;
		struct bpf_program *prog;

		prog = bpf_object__find_program_by_name(obj, session ? alloc_probes[idx].session
								      : alloc_probes[idx].entry);
		if (!prog) {
			elog("internal error: the allocator BPF object has no program for %s",
			     alloc_func_names[alloc_probes[idx].fn]);
			return -ENOENT;
		}
		err = session ? attach_session(&pa->links, prog, pid, a->path, s)
			      : core__attach_uprobe(&pa->links, prog, pid, a->path, s->offset, false,
						    s->cookie, alloc_func_names[s->fn]);
		if (err)
			return err;
	}
	return 0;
}

/* What the probe is timed on: a real call the compiler may not drop or inline. */
__attribute__((noinline, used)) void leakbpf_hit_target(void *p)
{
	__asm__ volatile("" : : "r"(p) : "memory");
}

static double time_calls(int n)
{
	uint64_t t0 = now_ns();
	int i;

	for (i = 0; i < n; i++)
		leakbpf_hit_target(&i);
	return (double)(now_ns() - t0) / n;
}

int tracer__measure_hit_ns(struct tracer *t, double *ns)
{
	LIBBPF_OPTS(bpf_uprobe_opts, opts, .func_name = "leakbpf_hit_target");
	const int calls = 20000;
	struct bpf_link *link;
	double bare, probed;
	int err;

	bare = time_calls(calls);
	link = bpf_program__attach_uprobe_opts(t->alloc->skel->progs.free_enter, getpid(),
					       "/proc/self/exe", 0, &opts);
	if (!link)
		return -errno;
	probed = time_calls(calls);
	err = bpf_link__destroy(link);
	*ns = probed > bare ? probed - bare : 0;
	return err;
}

int tracer__refresh_allocator(struct tracer *t, pid_t pid)
{
	struct alloc_probe *p = t->alloc;
	struct alloc_text text = {};
	__u32 key = pid;
	int k, n, err, mapped = 0;

	/* the newest first: an exec's allocator is the one its calls go to */
	for (k = p->nprobed - 1; k >= 0 && text.n < MAX_ALLOC_RANGES; k--) {
		const struct probed_alloc *pa = &p->probed[k];

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
	if (bpf_map__update_elem(p->skel->maps.alloc_text, &key, sizeof(key), &text,
				 sizeof(text), BPF_ANY))
		return -errno;
	return 0;
}

int tracer__alloc_stats(struct tracer *t, pid_t pid, struct alloc_stats *out)
{
	int err;

	err = core__sum_percpu(t, t->alloc->skel->maps.alloc_stats, pid, (__u64 *)out,
			       sizeof(*out) / sizeof(__u64));
	if (err)
		return err;
	/* what bpf/alloc leaves to be derived (bpf/abi/alloc.h) */
	out->mallocs += out->tracked;
	out->bytes_allocated += out->bytes_tracked;
	out->free_calls = out->frees + out->untracked_frees - out->frees_unseen;
	return 0;
}

int tracer__for_each_block(struct tracer *t, map_entry_fn fn, void *arg)
{
	if (t->opts.mode == MODE_COUNTS)
		return 0;
	return core__walk_map(t->alloc->skel->maps.allocs, sizeof(struct alloc_key),
			      sizeof(struct alloc_info), fn, arg);
}

int tracer__stack(struct tracer *t, uint64_t stack, uint64_t *ips, int max)
{
	struct alloc_probe *p = t->alloc;
	const uint64_t *fix;
	struct alloc_stack st;
	__u64 key = stack;
	int n = 0, i;

	if (!stack)
		return 0;
	if (bpf_map__lookup_elem(p->skel->maps.stacks, &key, sizeof(key), &st, sizeof(st), 0))
		return -errno;
	if (st.flags & STACK_PROVISIONAL)
		n = stack_table__get(&p->fixes, stack, &fix);
	if (!n)
		return core__copy_frames(st.ips, ips, max);
	for (i = 0; i < n && i < max; i++)
		ips[i] = fix[i];
	return i;
}

int tracer__fix_stack(struct tracer *t, uint64_t stack, const uint64_t *ips, int n)
{
	return stack_table__put(&t->alloc->fixes, stack, ips, n);
}
