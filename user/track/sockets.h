/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * TCP sockets of a traced process: the ones it held at attach, adopted so that the BPF
 * side follows them like its new ones (bpf/sockets.bpf.c), counts per state, and how
 * long the ones in CLOSE_WAIT have been there.
 */
#ifndef LEAKBPF_SOCKETS_H
#define LEAKBPF_SOCKETS_H

#include <stdint.h>
#include <linux/types.h>
#include "leakbpf.h"

struct sockets_report;
struct target;
struct tracer;

/*
 * Count the TCP sockets tg holds now into tg->tcp_start and have the BPF side follow them
 * from here on. Each is reached through a copy of the process's fd (pidfd_getfd), which is
 * closed right away: the process's sockets stay exactly as they were. 0 or -errno; a
 * socket that cannot be reached is left out, with a warning.
 */
int sockets__adopt(struct tracer *t, struct target *tg);
/*
 * Fill out from the counters and the CLOSE_WAIT ages at time end (now, or when the process
 * began to exit); limit_s is the close_wait check's.
 */
int sockets__collect(struct tracer *t, const struct target *tg, double limit_s, uint64_t end,
		     struct sockets_report *out);

/* The report's counts from the sockets per TCP state (what was open at attach + changes). */
void sockets__fill_counts(const int64_t state[TCP_STATE_SLOTS], struct sockets_report *out);
/* How long a socket has been in CLOSE_WAIT at time now, or was until its owner's exit. */
uint64_t sockets__close_wait_ns(const struct close_wait *cw, uint64_t now);
/* The inode of a /proc/PID/fd link to a socket ("socket:[123]"); -EINVAL for anything else. */
int sockets__parse_fd_link(const char *link, uint64_t *inode);
/* "ESTABLISHED", "CLOSE_WAIT"... as ss(8) and /proc/net/tcp's users name them; "?" if none. */
const char *tcp_state_name(int state);

#endif
