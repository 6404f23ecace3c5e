/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/* What /proc says about a process. Functions return 0 or -errno. */
#ifndef LEAKBPF_PROCFS_H
#define LEAKBPF_PROCFS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct proc_map {
	uint64_t start, end, offset;
	uint64_t inode;
	char perms[5];		/* "r-xp" */
	const char *path;	/* as the process sees it; NULL for anonymous mappings */
	const char *name;	/* the name column: a path, "[vdso]", "[heap]"..., or "" */
};

/* 0 for a live user-space process, -ESRCH if there is none, -EINVAL for a kernel thread */
int proc__check(pid_t pid);
/*
 * The process is gone, or on its way: its leader has begun to exit (a leader that ended
 * alone while other threads go on looks the same, until they end or do not).
 */
bool proc__exiting(pid_t pid);
int proc__comm(pid_t pid, char *buf, size_t size);
/* Its arguments, space-separated (cut at size); -ENOENT when it has none (a zombie). */
int proc__cmdline(pid_t pid, char *buf, size_t size);
/* the executable's path as the process sees it (inside its own root) */
int proc__exe(pid_t pid, char *buf, size_t size);
/*
 * Is the process stopped (State: T), or is a SIGSTOP pending for it? 1, 0, or -errno: a
 * stop sent by BPF may still be queued when leakbpf looks.
 */
int proc__stopped(pid_t pid);
/* live threads (Threads: in /proc/PID/status), or -errno */
int proc__threads(pid_t pid);
/* /proc/PID/root + path: how to reach a file the process names, even in a container */
int proc__root_path(pid_t pid, const char *path, char *buf, size_t size);
/* /proc/PID/cwd/ + path: a relative path as the process would resolve it now */
int proc__cwd_path(pid_t pid, const char *path, char *buf, size_t size);
/*
 * A path leakbpf can open for the file behind a mapping. /proc/PID/maps names files as
 * the reader sees them (a chroot shows its host path, another mount namespace its own), so
 * the exact handle is /proc/PID/map_files/START-END (needs CAP_SYS_ADMIN, and works for
 * deleted files too); else whichever of PID/root+path and path has the mapping's inode.
 */
int proc__map_path(pid_t pid, const struct proc_map *m, char *buf, size_t size);
/* calls fn for each mapping in address order; stops early when fn returns non-zero */
int proc__for_each_map(pid_t pid, int (*fn)(const struct proc_map *map, void *arg), void *arg);
/*
 * The whole of /proc/PID/maps at once, NUL-terminated, in *text (the caller frees it), so
 * that several readers can see the same mappings; empty for a process that has exited.
 */
int proc__maps_text(pid_t pid, char **text);
/* proc__for_each_map() over a text from proc__maps_text() */
int proc__for_each_map_in(const char *text, int (*fn)(const struct proc_map *map, void *arg),
			  void *arg);

#endif
