/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * A Go program's runtime, probed at function entries only (bpf/go.bpf.c): goroutines
 * begun and ended by start function, heap objects and bytes as MemStats counts them,
 * main.main's start.
 * Functions return 0 or -errno.
 */
#ifndef LEAKBPF_PROBE_GO_H
#define LEAKBPF_PROBE_GO_H

#include <stdint.h>
#include <sys/types.h>
#include <linux/types.h>
#include "abi/go.h"

struct tracer;

/* File offsets of the probes (prologue_end of each function), and g.startpc's offset. */
struct go_probe_sites {
	uint64_t newproc1, goexit0;
	uint64_t main_main;	/* 0: not probed (-p: main.main began long ago) */
	uint64_t g_startpc;
	/* the mcache's refill, releaseAll and allocLarge; 0: allocations not counted */
	uint64_t refill, release_all, alloc_large;
	struct go_alloc_layout alloc;	/* where its counts are (DWARF offsets) */
};

int tracer__attach_go(struct tracer *t, pid_t pid, const char *path,
		      const struct go_probe_sites *at);
int tracer__go_stats(struct tracer *t, pid_t pid, struct go_stats *out);
/* Its threads when main.main began; -ENOENT: it has not begun (or was not probed). */
int tracer__go_main_threads(struct tracer *t, pid_t pid, uint32_t *threads);

typedef int (*go_start_fn)(const struct go_start_key *key, uint64_t n, void *arg);
/* Each start function's count of pid's goroutines begun or ended, to fn. */
int tracer__go_starts(struct tracer *t, pid_t pid, go_start_fn fn, void *arg);

#endif
