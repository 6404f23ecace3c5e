/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * What a Go executable is, from the file alone: its Go version and calling convention,
 * where the runtime keeps the variables leakbpf reads, and where entry probes go.
 */
#ifndef LEAKBPF_GO_BINARY_H
#define LEAKBPF_GO_BINARY_H

#include <stdbool.h>
#include <stdint.h>

struct go_binary {
	char version[32];		/* "go1.19.8" from .go.buildinfo; "" if unknown */
	bool regabi;			/* arguments in registers (1.17+ on amd64) */
	/* link-time addresses of the runtime's variables (add the load bias for PIE); 0: none */
	uint64_t allglen, allp, sched, memstats, gc_controller;
	/* byte offsets of members, by name from DWARF (no table per Go version); -1: none */
	int sched_ngsys, sched_gfree_n;	/* schedt.ngsys (u32), schedt.gFree.n (i32) */
	int p_gfree_n;			/* p.gFree.n (i32) */
	int mstats_numgc, mstats_pause_ns, mstats_pause_total_ns;
	/* gcControllerState.heapMarked (u64), or mstats' heap_marked in older Go */
	int gcc_heap_marked;
	bool heap_marked_in_mstats;	/* gcc_heap_marked is in memstats, not gc_controller */
	int g_startpc;			/* g.startpc */
	/*
	 * The allocator's own accounting, for counting allocations as MemStats does
	 * (bpf/go.bpf.c); alloc_layout_known when all of it was found.
	 */
	int p_mcache;			/* p.mcache: each P's cache */
	int mcache_alloc, mcache_tiny_allocs;	/* mcache.alloc ([nclasses]*mspan), .tinyAllocs */
	int mcache_nclasses;
	int mspan_alloc_count, mspan_before_cache, mspan_elemsize;
	bool alloc_layout_known;
	/*
	 * The netpoller's own fds, where the runtime keeps their numbers (0: not in this Go):
	 * runtime.epfd (int32), netpollBreakRd/Wr (1.19's wake-up pipe), netpollEventFd.
	 */
	uint64_t epfd, break_rd, break_wr, event_fd;
	/* the link-time address of the file's start (the PT_LOAD at offset 0): what the
	 * mapping of offset 0 is at, less this, is the load bias (0 unless PIE) */
	uint64_t base_vaddr;
	bool layout_known;		/* every one of the above was found, pointers are 8 bytes */
};

/*
 * Is path a Go executable? 0 and *out filled (layout_known false if DWARF is missing),
 * -ENOENT if not Go, -errno.
 */
int go_binary__open(const char *path, struct go_binary *out);
/*
 * Where an entry probe on a Go function should go: after its prologue_end (after the
 * stack-growth check, so a call that grows its stack is not counted twice; from
 * .debug_line, else the first instruction), moved on to the first instruction the kernel
 * emulates when the argument registers in keep (bit i: Go's ith integer argument) are
 * still intact there (proc/placement.h). A file offset; 0 or -ENOENT.
 */
int go_binary__probe_offset(const char *path, const char *symbol, unsigned int keep,
			    uint64_t *file_off);

#endif
