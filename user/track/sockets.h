/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * TCP sockets of a traced process: the ones it held at attach, adopted so that bpf/tasks
 * follows them like its new ones, counts per state, and how long the ones in CLOSE_WAIT
 * have been there.
 */
#ifndef LEAKBPF_SOCKETS_H
#define LEAKBPF_SOCKETS_H

#include <stdint.h>
#include <linux/types.h>
#include "abi/tasks.h"

struct proc_snapshot;
struct target;
struct tcp_counts;
struct tracer;

struct socket_tracker {
	int64_t start[TCP_STATE_SLOTS];	/* TCP sockets it held at attach, per state */
};

/*
 * Count the TCP sockets tg holds now and have bpf/tasks follow them from here on. Each is
 * reached through a copy of the process's fd (pidfd_getfd), which is closed right away:
 * the process's sockets stay exactly as they were. 0 or -errno; a socket that cannot be
 * reached is left out, with a warning.
 */
int sockets__adopt(struct tracer *t, struct target *tg);
/* Fill ps->tcp and ps->close_wait_ns as of ps->end_ns (now, or its exit). 0 or -errno. */
int sockets__snapshot(struct tracer *t, const struct target *tg, struct proc_snapshot *ps);

/* The counts from the sockets per TCP state (what was open at attach + changes). */
void sockets__fill_counts(const int64_t state[TCP_STATE_SLOTS], struct tcp_counts *out);
/* How long a socket has been in CLOSE_WAIT at time now, or was until its owner's exit. */
uint64_t sockets__close_wait_ns(const struct close_wait *cw, uint64_t now);

#endif
