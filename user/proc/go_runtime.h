/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * A live Go process's runtime state (goroutines, GC cycles and pauses), read from its
 * memory at the places go_binary found. Reads of a running process are racy: the numbers
 * are as exact as the process is still.
 */
#ifndef LEAKBPF_GO_RUNTIME_H
#define LEAKBPF_GO_RUNTIME_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "proc/go_binary.h"

#define GO_PAUSE_RING 256

struct go_state {
	/*
	 * as runtime.NumGoroutine counts: allglen - sched.gFree.n - sched.ngsys
	 * - sum(allp[i].gFree.n), at least 1
	 */
	int64_t goroutines;
	uint32_t numgc;
	uint64_t pause_total_ns;
	uint64_t heap_marked;		/* bytes marked live by the last GC */
	uint64_t pause_ns[GO_PAUSE_RING];	/* cycle c's pause is at [(c + 255) % 256] */
	/*
	 * Objects and bytes the Ps' caches gave out that the runtime has not counted yet
	 * (it counts them when a span leaves its cache, as bpf/go.bpf.c does); known only
	 * with b->alloc_layout_known. ReadMemStats flushes the caches first: adding these
	 * gives what it would say now.
	 */
	uint64_t cached_mallocs, cached_bytes;
	bool cached_known;
	int runtime_fds[3];		/* the netpoller's own fds (-1: none, or not opened) */
};

/*
 * bias: what to add to link-time addresses (0 for the usual non-PIE Go executable).
 * 0 or -errno (-ESRCH gone, -EACCES..., -EOPNOTSUPP if b->layout_known is false, -EIO on
 * memory that is unmapped or makes no sense).
 */
int go_runtime__read(pid_t pid, const struct go_binary *b, uint64_t bias, struct go_state *out);
/*
 * The pauses of the GC cycles after `from` up to `to` (numgc values): their max and sum in
 * ns. -ERANGE when more than 256 cycles passed (then only the last 256 are in *max_ns and
 * *total_ns: the caller takes the pause_total_ns delta for the total).
 */
int go_state__pauses(const struct go_state *to, uint32_t from_numgc, uint64_t *max_ns,
		     uint64_t *total_ns);

#endif
