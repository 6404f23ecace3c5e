/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * Inside probe/: the tracer's state and the helpers every object's file uses. Nothing
 * outside probe/ includes this.
 */
#ifndef LEAKBPF_PROBE_CORE_H
#define LEAKBPF_PROBE_CORE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include "base/loss.h"
#include "probe/features.h"
#include "probe/links.h"
#include "probe/tracer.h"

struct bpf_map;
struct bpf_object;
struct bpf_program;
struct ring_buffer;

/* Each object's own state, defined in its file (probe/alloc.c...). */
struct alloc_probe;
struct items_probe;
struct go_probe;
struct loader_probe;
struct fds_probe;
struct tasks_probe;

/* A file probed for a process: by inode, as the kernel places uprobes. */
struct probed_file {
	dev_t dev;
	ino_t ino;
	pid_t pid;
};

struct tracer {
	struct tracer_opts opts;
	struct kernel_features features;
	int ncpus;
	struct links links;
	/*
	 * The maps every object shares, created here before any object is loaded and reused
	 * by each one that declares them: the process table, the unwind rules, the events.
	 */
	int procs_fd, unwind_rules_fd, events_fd;
	struct ring_buffer *events;	/* every ring buffer the objects write */
	struct {
		event_fn fn;
		void *ctx;
	} on[EV_TYPE_NR];
	struct alloc_probe *alloc;
	struct items_probe *items;	/* NULL without --item/--batch */
	struct go_probe *go;		/* NULL unless the target is a Go program */
	struct loader_probe *loader;
	struct fds_probe *fds;
	struct tasks_probe *tasks;	/* NULL when the kernel cannot trace threads and sockets */
};

/* Make obj use the shared maps it declares (before it is loaded). */
int core__share_maps(struct tracer *t, struct bpf_object *obj);
/* Hand an event to its type's handler. */
int core__dispatch(struct tracer *t, const void *data, size_t size);
/* Say why obj could not be loaded (EPERM: how to be allowed). */
void core__load_error(const struct bpf_object *obj, int err);
/* Keep a link; 0, or -ENOMEM (the link is destroyed either way on failure). */
int core__add_link(struct tracer *t, struct bpf_link *link);
/* Attach each of n programs where its section says (tracepoints) and keep the links; says why not. */
int core__attach_progs(struct tracer *t, struct bpf_program *const *progs, size_t n);
/* A uprobe (ret: uretprobe) of prog at offset in path for pid, with a cookie; says why not. */
int core__attach_uprobe(struct links *into, struct bpf_program *prog, pid_t pid,
			const char *path, uint64_t offset, bool ret, uint64_t cookie,
			const char *what);
bool core__same_file(const struct probed_file *f, const struct stat *st, pid_t pid);
/* Insert a zeroed value for pid into a (per-CPU when ncpus > 1) map; an existing one stays. */
/* Delete pid's entry from a per-process map (none there: nothing to do). */
void core__forget(struct bpf_map *map, pid_t pid);
int core__add_zeroed(struct bpf_map *map, size_t value_size, int ncpus, pid_t pid);
/* Sum a per-CPU value of n u64 counters of pid (two's complement: __s64 ones too). */
int core__sum_percpu(struct tracer *t, struct bpf_map *map, pid_t pid, __u64 *out, size_t n);
/* The per-CPU values of pid in map, ncpus * size bytes to free; NULL with errno. */
void *core__percpu_values(struct tracer *t, struct bpf_map *map, pid_t pid, size_t size);
/* Every entry of a hash map, in batches by bucket (deletions do not restart the walk). */
int core__walk_map(struct bpf_map *map, size_t key_size, size_t value_size, map_entry_fn fn,
		   void *arg);
/* Up to the first zero of a zero-padded stack (at most max frames); their number. */
int core__copy_frames(const __u64 *frames, uint64_t *ips, int max);
/* Runs of obj's programs the kernel skipped: one of ours already ran on that CPU. */
uint64_t core__recursion_misses(struct bpf_object *obj);
/* Add each counter of a .bss struct of __u64s, named by a table, to out. */
struct loss_name {
	const char *name;
	size_t offset;		/* of its __u64 in the struct */
};
void core__add_losses(struct losses *out, const void *counters, const struct loss_name *names,
		      size_t n);

/* Each object's part of the lifecycle (its file). NULL-safe destroy. */
int alloc_probe__open(struct tracer *t);
int alloc_probe__load(struct tracer *t);
int alloc_probe__add_process(struct tracer *t, pid_t pid);
void alloc_probe__losses(struct tracer *t, struct losses *out);
struct bpf_object *alloc_probe__object(struct tracer *t);
void alloc_probe__destroy(struct alloc_probe *p);
/* Hand the allocator's links to the tracer's, to be detached with them. */
int alloc_probe__detach(struct tracer *t);
void alloc_probe__forget(struct tracer *t, pid_t pid);

int items_probe__open(struct tracer *t);
int items_probe__load(struct tracer *t);
int items_probe__add_process(struct tracer *t, pid_t pid);
void items_probe__forget(struct tracer *t, pid_t pid);
void items_probe__losses(struct tracer *t, struct losses *out);
struct bpf_object *items_probe__object(struct tracer *t);
void items_probe__destroy(struct items_probe *p);

int go_probe__open(struct tracer *t);
int go_probe__load(struct tracer *t);
int go_probe__add_process(struct tracer *t, pid_t pid);
void go_probe__forget(struct tracer *t, pid_t pid);
void go_probe__losses(struct tracer *t, struct losses *out);
struct bpf_object *go_probe__object(struct tracer *t);
void go_probe__destroy(struct go_probe *p);

int loader_probe__open(struct tracer *t);
int loader_probe__load(struct tracer *t);
void loader_probe__losses(struct tracer *t, struct losses *out);
struct bpf_object *loader_probe__object(struct tracer *t);
void loader_probe__destroy(struct loader_probe *p);

int fds_probe__open(struct tracer *t);
int fds_probe__load(struct tracer *t);
int fds_probe__add_process(struct tracer *t, pid_t pid);
void fds_probe__forget(struct tracer *t, pid_t pid);
void fds_probe__losses(struct tracer *t, struct losses *out);
struct bpf_object *fds_probe__object(struct tracer *t);
void fds_probe__destroy(struct fds_probe *p);

/* Threads and TCP sockets: loaded and attached at once, or not at all (an old kernel). */
int tasks_probe__start(struct tracer *t);
int tasks_probe__add_process(struct tracer *t, pid_t pid);
void tasks_probe__forget(struct tracer *t, pid_t pid);
void tasks_probe__losses(struct tracer *t, struct losses *out);
struct bpf_object *tasks_probe__object(struct tracer *t);
void tasks_probe__destroy(struct tasks_probe *p);

#endif
