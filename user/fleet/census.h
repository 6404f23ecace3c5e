/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * Fleet mode's always-on tier: what /proc and sock_diag say about every process, cheap
 * enough to read for all of them each interval (no probe, no tracepoint). Functions return
 * 0 or -errno.
 */
#ifndef LEAKBPF_FLEET_CENSUS_H
#define LEAKBPF_FLEET_CENSUS_H

#include <stdint.h>
#include <sys/types.h>
#include <linux/types.h>
#include "abi/tasks.h"
#include "proc/fd_table.h"
#include "proc/sock_diag.h"

/* One look at one process. */
struct proc_look {
	pid_t pid;
	unsigned long long start_ticks;	/* /proc/PID/stat's starttime: a reused pid differs */
	char comm[16];
	char exe[256];			/* /proc/PID/exe: an exec changes it */
	uint64_t rss_bytes;		/* VmRSS */
	uint64_t anon_bytes;		/* RssAnon */
	int threads;
	int fds;			/* open, of every kind */
	int fds_by_kind[FD_KIND_NR];
	int sockets[TCP_STATE_SLOTS];	/* its TCP sockets by state */
	uint64_t *close_waits;		/* inodes of those in CLOSE_WAIT */
	int nclose_waits;
};

/* The pids of /proc, in increasing order (kernel threads among them). */
int census__pids(pid_t **pids, int *n);
/*
 * Look at pid, its sockets' states from tcp; -ESRCH once it is gone, -EINVAL for a kernel
 * thread (nothing in user space to watch).
 */
int census__look(pid_t pid, const struct tcp_table *tcp, struct proc_look *out);
void proc_look__free(struct proc_look *l);

#endif
