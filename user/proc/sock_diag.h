/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * Every TCP socket of a network namespace with its state, by inode: leakbpf's own in one
 * netlink dump (sock_diag, as ss(8) reads them), far cheaper than every process's
 * /proc/PID/net, which is read for the namespaces of other containers.
 */
#ifndef LEAKBPF_SOCK_DIAG_H
#define LEAKBPF_SOCK_DIAG_H

#include <stdint.h>
#include <sys/types.h>

struct tcp_sock_state {
	uint64_t inode;
	int state;		/* TCP_ESTABLISHED... (include/net/tcp_states.h) */
};

struct tcp_table {
	struct tcp_sock_state *v;	/* by increasing inode */
	int n;
};

/* IPv4 and IPv6; 0 or -errno. */
int tcp_table__read(struct tcp_table *out);
/*
 * The same for the network namespace pid is in, from /proc/PID/net/tcp and tcp6: no
 * namespace to enter (sock_diag only answers for the caller's own). 0 or -errno.
 */
int tcp_table__read_of(pid_t pid, struct tcp_table *out);
/* The state of the socket with this inode, or -1 if it is not a TCP socket here. */
int tcp_table__state(const struct tcp_table *t, uint64_t inode);
void tcp_table__free(struct tcp_table *t);

#endif
