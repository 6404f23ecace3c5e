/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * The BPF side as user space sees it: the skeletons opened, configured, loaded and
 * attached, and their maps read back. Functions return 0 or -errno.
 */
#ifndef LEAKBPF_TRACER_H
#define LEAKBPF_TRACER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/types.h>
#include "leakbpf.h"

struct allocator;
struct dynloader;

/* Called for each struct loader_event; returns 0 or -errno. */
typedef int (*loader_event_fn)(void *ctx, const struct loader_event *e);
/*
 * Called for each event of bpf/fds and each unwind event of bpf/alloc and bpf/fds (enum
 * event_type first); returns 0 or -errno.
 */
typedef int (*fd_event_fn)(void *ctx, const void *data, size_t size);

struct tracer_opts {
	enum track_mode mode;
	uint32_t sample_every;	/* 1: every block */
	uint32_t max_allocs;	/* size of the outstanding-block map */
	uint32_t max_stacks;	/* size of the stack map */
	bool cfi_stacks;	/* allocation stacks through code without frame pointers */
	bool items;		/* load the --item/--batch programs */
	bool no_session;	/* a return probe on every call even if the kernel has sessions */
	bool fds;		/* trace file descriptors (bpf/fds) */
};

struct tracer;

/* Open, configure and load; NULL with errno set (EPERM: not privileged). */
struct tracer *tracer__new(const struct tracer_opts *opts);
/* Remove every probe: nothing reaches the maps or stops a process any more. */
void tracer__detach(struct tracer *t);
void tracer__free(struct tracer *t);

/* Start counting for a process: the BPF programs ignore processes not added. */
int tracer__add_process(struct tracer *t, pid_t pid);
/*
 * Probe the malloc family in one object for one process (-1: every process); -EALREADY
 * when that file (inode) is probed for it already: a second probe would count twice.
 */
int tracer__attach_allocator(struct tracer *t, pid_t pid, const struct allocator *a);
/*
 * Tell the programs where the allocators' functions are mapped in pid, once it has mapped
 * one (-ENOENT before): calls from inside them are the allocator's own.
 */
int tracer__refresh_allocator(struct tracer *t, pid_t pid);
/* One uprobe counting items (batch=false) or batches at a file offset. */
int tracer__attach_counter(struct tracer *t, pid_t pid, const char *path, uint64_t offset,
			   bool batch);
/*
 * A USDT probe counting items or batches; -ENOENT: the file has no such probe. Silent: the
 * caller knows what the user asked for, and says why it failed.
 */
int tracer__attach_usdt(struct tracer *t, pid_t pid, const char *path, const char *provider,
			const char *name, bool batch);

/*
 * Report each time the loader ld has (un)mapped modules in pid; with stop, stop the process
 * the next time, and before each time it unmaps modules (user space must SIGCONT it, once
 * per event that says it stopped). Call again for the loader of a new image (a
 * loader already probed is not probed twice), while the process is stopped if with stop.
 * The events arrive through tracer__loader_poll_fd() and tracer__loader_consume(), to the
 * first fn given.
 */
int tracer__watch_loader(struct tracer *t, pid_t pid, const struct dynloader *ld, bool stop,
			 loader_event_fn fn, void *ctx);
/*
 * Report each exec of pid (LOADER_EV_EXEC); with stop, stop the new image before its first
 * instruction, at every exec. Events as above.
 */
int tracer__follow_exec(struct tracer *t, pid_t pid, bool stop, loader_event_fn fn, void *ctx);
/* -1 when the loader is not watched */
int tracer__loader_poll_fd(struct tracer *t);
int tracer__loader_consume(struct tracer *t);

/*
 * File descriptors (bpf/fds). The syscall tracepoints are attached once for every process;
 * events (stacks to unwind, bpf/alloc's too; exits to hold) arrive through the poll fd and
 * consume.
 */
int tracer__attach_fds(struct tracer *t, fd_event_fn fn, void *ctx);
/* Set enum fd_proc_flags of a process added with tracer__add_process (BPF clears them). */
int tracer__add_fd_flags(struct tracer *t, pid_t pid, uint32_t flags);
/* Hold the process at _Exit(): a uprobe at this file offset (fds_exit_hold). */
int tracer__attach_exit_hold(struct tracer *t, pid_t pid, const char *path, uint64_t offset);
/* -1 when fds are not traced */
int tracer__fds_poll_fd(struct tracer *t);
int tracer__fds_consume(struct tracer *t);
int tracer__fd_stats(struct tracer *t, pid_t pid, struct fd_stats *out);
/* The process's flags and exec generation (struct fd_proc) */
int tracer__fd_proc(struct tracer *t, pid_t pid, struct fd_proc *out);
/* The record of an fd opened while traced; -ENOENT when there is none. */
int tracer__fd_record(struct tracer *t, pid_t pid, int fd, struct fd_info *out);
/* Calls fn for every such record (of every process); stops when fn returns non-zero. */
int tracer__for_each_fd_record(struct tracer *t,
			       int (*fn)(const struct fd_key *k, const struct fd_info *v,
					 void *arg),
			       void *arg);
int tracer__fd_stack(struct tracer *t, uint64_t stack, uint64_t *ips, int max);
/* Teach bpf/alloc and bpf/fds how to unwind a frame at pc. */
int tracer__set_unwind_rule(struct tracer *t, pid_t pid, uint32_t exec_gen, uint64_t pc,
			    const struct unwind_rule *rule);
/* fd events and records lost so far (0 when fds are not traced) */
uint64_t tracer__fd_lost(struct tracer *t);
void tracer__fd_drops(struct tracer *t, struct fd_drop_stats *out);

int tracer__alloc_stats(struct tracer *t, pid_t pid, struct alloc_stats *out);
int tracer__item_stats(struct tracer *t, pid_t pid, struct item_stats *out);
void tracer__drops(struct tracer *t, struct drop_stats *out);
/*
 * Losses counted by the kernel or outside struct drop_stats: runs of our programs skipped
 * because another one was running on the CPU (a tracepoint hit inside a probe, say), and
 * loader events the ring buffer had no room for.
 */
uint64_t tracer__missed(struct tracer *t);
/* Are threads and TCP sockets traced? (Not when the kernel cannot; tracer__new said so.) */
bool tracer__has_tasks(const struct tracer *t);
/* A process's thread counters, the CPUs merged. Only when tracer__has_tasks(). */
int tracer__thread_stats(struct tracer *t, pid_t pid, struct thread_stats *out);
/*
 * A process's TCP socket counts per state since it was added (negative: fewer than then).
 * This and the next two only when tracer__has_tasks().
 */
int tracer__sock_stats(struct tracer *t, pid_t pid, struct sock_stats *out);
/*
 * Follow a socket that was open before the process was added, through fd, an fd of ours
 * for it; cw: its CLOSE_WAIT record when it is in CLOSE_WAIT. -EEXIST: already followed.
 */
int tracer__adopt_socket(struct tracer *t, int fd, const struct sock_owner *so,
			 const struct close_wait *cw);
/* Calls fn for every socket in CLOSE_WAIT (of every process); stops when fn returns non-zero. */
int tracer__for_each_close_wait(struct tracer *t,
				int (*fn)(const struct close_wait *cw, void *arg), void *arg);

/* Calls fn for every outstanding block; stops when fn returns non-zero. */
int tracer__for_each_block(struct tracer *t,
			   int (*fn)(const struct alloc_key *k, const struct alloc_info *v,
				     void *arg),
			   void *arg);
/*
 * The user return addresses of a stack, innermost first; the number of frames or -errno.
 * A provisional one is told as user space unwound it (tracer__fix_stack), if it did.
 */
int tracer__stack(struct tracer *t, uint64_t stack, uint64_t *ips, int max);
/*
 * The n frames in ips are those of bpf/alloc's provisional stack at key stack, for as long
 * as it stays provisional (then BPF's own are). -ENOSPC: too many kept already (counted
 * with drop_stats.unwind_lost).
 */
int tracer__fix_stack(struct tracer *t, uint64_t stack, const uint64_t *ips, int n);

#endif
