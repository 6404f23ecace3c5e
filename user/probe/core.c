// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "base/log.h"
#include "probe/core.h"

static int create_shared_maps(struct tracer *t)
{
	LIBBPF_OPTS(bpf_map_create_opts, no_prealloc, .map_flags = BPF_F_NO_PREALLOC);
	bool counts = t->opts.mode == MODE_COUNTS;

	t->procs_fd = bpf_map_create(BPF_MAP_TYPE_HASH, "procs", sizeof(__u32),
				     sizeof(struct proc_info), MAX_PROCS, NULL);
	if (t->procs_fd < 0)
		return -errno;
	/* counts mode takes no stack: no rule to learn, and only bpf/fds's exit holds to send */
	t->unwind_rules_fd = bpf_map_create(BPF_MAP_TYPE_HASH, "unwind_rules",
					    sizeof(struct unwind_key), sizeof(struct unwind_rule),
					    counts ? 1 : MAX_UNWIND_RULES, &no_prealloc);
	if (t->unwind_rules_fd < 0)
		return -errno;
	t->events_fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "events", 0, 0,
				      counts ? getpagesize() : EVENTS_RING_SIZE, NULL);
	return t->events_fd < 0 ? -errno : 0;
}

int core__share_maps(struct tracer *t, struct bpf_object *obj)
{
	const struct {
		const char *name;
		int fd;
	} shared[] = {
		{ "procs", t->procs_fd },
		{ "unwind_rules", t->unwind_rules_fd },
		{ "events", t->events_fd },
	};
	struct bpf_map *map;
	size_t i;

	for (i = 0; i < sizeof(shared) / sizeof(shared[0]); i++) {
		map = bpf_object__find_map_by_name(obj, shared[i].name);
		if (map && bpf_map__reuse_fd(map, shared[i].fd))
			return -errno;
	}
	return 0;
}

int core__dispatch(struct tracer *t, const void *data, size_t size)
{
	__u32 type;

	if (size < sizeof(type))
		return 0;
	memcpy(&type, data, sizeof(type));
	if (type >= EV_TYPE_NR || !t->on[type].fn)
		return 0;
	return t->on[type].fn(t->on[type].ctx, data, size);
}

static int on_ring_event(void *ctx, void *data, size_t size)
{
	return core__dispatch(ctx, data, size);
}

void core__load_error(const struct bpf_object *obj, int err)
{
	struct utsname u;

	if ((err == -EPERM || err == -EACCES) && !features__privileged()) {
		elog("loading BPF programs is not permitted (%s): run as root, or with "
		     "CAP_BPF, CAP_PERFMON and CAP_SYS_RESOURCE", errstr(err));
		return;
	}
	/* privileged: the verifier refused a program, for want of something on this kernel */
	elog("Linux %s refused the BPF object %s (%s): it may lack something leakbpf needs "
	     "(-v lists what it offers)%s", uname(&u) ? "?" : u.release,
	     obj ? bpf_object__name(obj) : "?", errstr(err),
	     log_verbose ? "" : "; -v shows the verifier's log");
}

struct tracer *tracer__new(const struct tracer_opts *o)
{
	struct tracer *t = calloc(1, sizeof(*t));
	int err;

	if (!t)
		return NULL;
	t->opts = *o;
	t->procs_fd = t->unwind_rules_fd = t->events_fd = -1;
	t->ncpus = libbpf_num_possible_cpus();
	if (t->ncpus <= 0) {
		err = t->ncpus ? t->ncpus : -EINVAL;
		goto fail;
	}
	/* what this kernel offers decides the paths below; without a required one, nothing */
	features__detect(&t->features);
	err = features__check(&t->features);
	if (err)
		goto fail;
	err = create_shared_maps(t);
	if (err) {
		if (err == -EPERM || err == -EACCES)
			core__load_error(NULL, err);
		else
			elog("cannot create the BPF maps the objects share (%s)", errstr(err));
		goto fail;
	}
	t->events = ring_buffer__new(t->events_fd, on_ring_event, t, NULL);
	if (!t->events) {
		err = -errno;
		elog("cannot read the BPF events (%s)", errstr(err));
		goto fail;
	}
	/* open and configure every object, then load each (the verifier's work) */
	err = alloc_probe__open(t);
	if (!err && o->items)
		err = items_probe__open(t);
	if (!err && o->go)
		err = go_probe__open(t);
	/* always: an exec may bring a loader to watch, even where the first image has none */
	if (!err)
		err = loader_probe__open(t);
	if (!err)
		err = fds_probe__open(t);
	if (!err)
		err = alloc_probe__load(t);
	if (!err && o->items)
		err = items_probe__load(t);
	if (!err && o->go)
		err = go_probe__load(t);
	if (!err)
		err = loader_probe__load(t);
	if (!err)
		err = fds_probe__load(t);
	if (err)
		goto fail;
	if (tasks_probe__start(t)) {
		elog("threads and TCP sockets are not traced: their sections are null");
		tasks_probe__destroy(t->tasks);
		t->tasks = NULL;
	}
	return t;

fail:
	tracer__free(t);
	errno = -err;
	return NULL;
}

void tracer__detach(struct tracer *t)
{
	if (!t)
		return;
	alloc_probe__detach(t);
	links__destroy(&t->links);
}

void tracer__free(struct tracer *t)
{
	if (!t)
		return;
	/* links first: the probes leave the target before the programs go */
	alloc_probe__detach(t);
	links__destroy(&t->links);
	ring_buffer__free(t->events);
	fds_probe__destroy(t->fds);
	tasks_probe__destroy(t->tasks);
	loader_probe__destroy(t->loader);
	items_probe__destroy(t->items);
	go_probe__destroy(t->go);
	alloc_probe__destroy(t->alloc);
	if (t->procs_fd >= 0)
		close(t->procs_fd);
	if (t->unwind_rules_fd >= 0)
		close(t->unwind_rules_fd);
	if (t->events_fd >= 0)
		close(t->events_fd);
	free(t);
}

const struct tracer_opts *tracer__opts(const struct tracer *t)
{
	return &t->opts;
}

const struct kernel_features *tracer__features(const struct tracer *t)
{
	return &t->features;
}

int tracer__add_process(struct tracer *t, pid_t pid)
{
	struct proc_info zero = {};
	__u32 key = pid;
	int err = 0;

	if (bpf_map_update_elem(t->procs_fd, &key, &zero, BPF_NOEXIST) && errno != EEXIST)
		return -errno;
	err = alloc_probe__add_process(t, pid);
	if (!err && t->items)
		err = items_probe__add_process(t, pid);
	if (!err && t->go)
		err = go_probe__add_process(t, pid);
	if (!err)
		err = fds_probe__add_process(t, pid);
	if (!err && t->tasks)
		err = tasks_probe__add_process(t, pid);
	return err;
}

void tracer__forget_process(struct tracer *t, pid_t pid)
{
	__u32 key = pid;

	alloc_probe__forget(t, pid);
	if (t->items)
		items_probe__forget(t, pid);
	if (t->go)
		go_probe__forget(t, pid);
	fds_probe__forget(t, pid);
	if (t->tasks)
		tasks_probe__forget(t, pid);
	bpf_map_delete_elem(t->procs_fd, &key);
}

int tracer__proc(struct tracer *t, pid_t pid, struct proc_info *out)
{
	__u32 key = pid;

	return bpf_map_lookup_elem(t->procs_fd, &key, out) ? -errno : 0;
}

static int change_proc_flags(struct tracer *t, pid_t pid, uint32_t set, uint32_t clear)
{
	struct proc_info proc = {};
	__u32 key = pid;
	int err;

	/* keep the exec generation: the flags are set while the process waits (held) */
	err = tracer__proc(t, pid, &proc);
	if (err)
		return err;
	proc.flags = (proc.flags | set) & ~clear;
	return bpf_map_update_elem(t->procs_fd, &key, &proc, BPF_EXIST) ? -errno : 0;
}

int tracer__add_proc_flags(struct tracer *t, pid_t pid, uint32_t flags)
{
	return change_proc_flags(t, pid, flags, 0);
}

int tracer__clear_proc_flags(struct tracer *t, pid_t pid, uint32_t flags)
{
	return change_proc_flags(t, pid, 0, flags);
}

void tracer__on_event(struct tracer *t, enum event_type type, event_fn fn, void *ctx)
{
	if (type < EV_TYPE_NR) {
		t->on[type].fn = fn;
		t->on[type].ctx = ctx;
	}
}

int tracer__events_fd(struct tracer *t)
{
	return ring_buffer__epoll_fd(t->events);
}

int tracer__consume(struct tracer *t)
{
	int n = ring_buffer__consume(t->events);

	return n < 0 ? n : 0;
}

int tracer__set_unwind_rule(struct tracer *t, pid_t pid, uint32_t exec_gen, uint64_t pc,
			    const struct unwind_rule *rule)
{
	struct unwind_key key = { .pc = pc, .tgid = pid, .exec_gen = exec_gen };

	return bpf_map_update_elem(t->unwind_rules_fd, &key, rule, BPF_ANY) ? -errno : 0;
}

/* Each program of obj with what the kernel measured of it (kernel.bpf_stats_enabled). */
static void object_stats(struct bpf_object *obj, prog_stats_fn fn, void *arg)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len) && info.run_cnt)
			fn(bpf_program__name(prog), info.run_cnt, info.run_time_ns, arg);
	}
}

void tracer__prog_stats(struct tracer *t, prog_stats_fn fn, void *arg)
{
	object_stats(alloc_probe__object(t), fn, arg);
	if (t->items)
		object_stats(items_probe__object(t), fn, arg);
	if (t->go)
		object_stats(go_probe__object(t), fn, arg);
	object_stats(loader_probe__object(t), fn, arg);
	object_stats(fds_probe__object(t), fn, arg);
	if (t->tasks)
		object_stats(tasks_probe__object(t), fn, arg);
}

void tracer__losses(struct tracer *t, struct losses *out)
{
	alloc_probe__losses(t, out);
	if (t->items)
		items_probe__losses(t, out);
	if (t->go)
		go_probe__losses(t, out);
	loader_probe__losses(t, out);
	fds_probe__losses(t, out);
	if (t->tasks)
		tasks_probe__losses(t, out);
}

int core__add_link(struct tracer *t, struct bpf_link *link)
{
	return links__add(&t->links, link);
}

int core__attach_uprobe(struct links *into, struct bpf_program *prog, pid_t pid,
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
	return links__add(into, link);
}

int core__attach_progs(struct tracer *t, struct bpf_program *const *progs, size_t n)
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

bool core__same_file(const struct probed_file *f, const struct stat *st, pid_t pid)
{
	return f->dev == st->st_dev && f->ino == st->st_ino && f->pid == pid;
}

void core__forget(struct bpf_map *map, pid_t pid)
{
	__u32 key = pid;

	bpf_map__delete_elem(map, &key, sizeof(key), 0);
}

int core__add_zeroed(struct bpf_map *map, size_t value_size, int ncpus, pid_t pid)
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

void *core__percpu_values(struct tracer *t, struct bpf_map *map, pid_t pid, size_t size)
{
	__u32 key = pid;
	void *vals = calloc(t->ncpus, size);
	int err;

	if (!vals)
		return NULL;
	if (bpf_map__lookup_elem(map, &key, sizeof(key), vals, t->ncpus * size, 0)) {
		err = errno;
		free(vals);
		errno = err;
		return NULL;
	}
	return vals;
}

int core__sum_percpu(struct tracer *t, struct bpf_map *map, pid_t pid, __u64 *out, size_t n)
{
	__u64 *vals = core__percpu_values(t, map, pid, n * sizeof(__u64));
	int cpu;
	size_t i;

	if (!vals)
		return -errno;
	memset(out, 0, n * sizeof(__u64));
	for (cpu = 0; cpu < t->ncpus; cpu++)
		for (i = 0; i < n; i++)
			out[i] += vals[cpu * n + i];
	free(vals);
	return 0;
}

int core__walk_map(struct bpf_map *map, size_t key_size, size_t value_size, map_entry_fn fn,
		   void *arg)
{
	enum { BATCH = 4096 };
	char *keys = calloc(BATCH, key_size), *vals = calloc(BATCH, value_size);
	__u64 in, out;	/* a hash map's cursor: its bucket number, a __u32 */
	int fd = bpf_map__fd(map), err = 0, ret;
	void *inp = NULL;
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

uint64_t core__recursion_misses(struct bpf_object *obj)
{
	struct bpf_program *prog;
	uint64_t n = 0;

	bpf_object__for_each_program(prog, obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len))
			n += info.recursion_misses;
	}
	return n;
}

void core__add_losses(struct losses *out, const void *counters, const struct loss_name *names,
		      size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		__u64 v;

		memcpy(&v, (const char *)counters + names[i].offset, sizeof(v));
		losses__add(out, names[i].name, v);
	}
}

int core__copy_frames(const __u64 *frames, uint64_t *ips, int max)
{
	int n;

	for (n = 0; n < MAX_STACK_DEPTH && n < max && frames[n]; n++)
		ips[n] = frames[n];
	return n;
}
