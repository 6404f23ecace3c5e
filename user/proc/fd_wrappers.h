/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * The fd calls of a process's C library: where glibc's wrappers of the syscalls that make
 * or drop fds start, so that they can be probed instead of every syscall on the host.
 */
#ifndef LEAKBPF_FD_WRAPPERS_H
#define LEAKBPF_FD_WRAPPERS_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define MAX_FD_WRAPPERS 48

/* fd_wrapper.nr of syscall(2) itself: its first argument is the number */
#define FD_WRAPPER_SYSCALL (-1L)

/* One function to probe: the syscall it makes is the probes' attach cookie. */
struct fd_wrapper {
	const char *name;	/* one of its names (aliases share an address) */
	uint64_t offset;	/* file offset of its first instruction */
	long nr;		/* the x86-64 syscall number, or FD_WRAPPER_SYSCALL */
	bool entry_only;	/* a close: all is known at its entry */
};

struct fd_wrappers {
	char path[PATH_MAX];	/* the C library, as leakbpf opens it */
	int n;
	struct fd_wrapper w[MAX_FD_WRAPPERS];
};

/*
 * glibc's fd wrappers in the objects pid maps. 0, or -ENOENT when it maps no glibc (a Go
 * or static program, musl: their fd syscalls do not go through such wrappers).
 */
int fd_wrappers__find(pid_t pid, struct fd_wrappers *out);
/* The same, in the object at path; -ENOENT when it is no glibc. */
int fd_wrappers__read(const char *path, struct fd_wrappers *out);

#endif
