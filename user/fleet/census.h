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

/*
 * The TCP sockets of one scan, a table per network namespace (containers have their
 * own), each read the first time a process of that namespace has a socket. Zeroed to
 * start; tcp_tables__free() after the scan.
 */
struct tcp_tables {
	struct netns_tcp {
		uint64_t netns;		/* the inode of /proc/PID/ns/net */
		struct tcp_table table;
		int err;		/* it could not be read: no states from it */
	} *v;
	int n;
};

void tcp_tables__free(struct tcp_tables *t);

/* The pids of /proc, in increasing order (kernel threads among them). */
int census__pids(pid_t **pids, int *n);
/*
 * Look at pid, its sockets' states from its namespace's table in tcp; -ESRCH once it is
 * gone, -EINVAL for a kernel thread (nothing in user space to watch).
 */
int census__look(pid_t pid, struct tcp_tables *tcp, struct proc_look *out);
void proc_look__free(struct proc_look *l);

#endif
