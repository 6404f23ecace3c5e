/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * Which allocator functions get a probe, and where: shared by the tracer and by the
 * benchmark's floor (tools/floor), which must probe exactly the same places.
 */
#ifndef LEAKBPF_ALLOC_PLAN_H
#define LEAKBPF_ALLOC_PLAN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "proc/allocator.h"
#include "proc/placement.h"

struct alloc_site {
	enum alloc_func fn;
	uint64_t offset;	/* file offset of the entry probe */
	uint64_t cookie;	/* bytes pushed before it: the program's stack pointer correction */
	bool returns;		/* its return is probed too (at the same site with sessions) */
	uint32_t reaches;	/* bit fn: it may call or jump to that planned function */
	struct probe_site site;
};

struct alloc_plan {
	struct alloc_site sites[AF_NR];
	int n;
	bool skipped_tail_call;	/* reallocarray only jumps to realloc, which counts it */
};

/*
 * Plan the probes of allocator a. returns: the malloc family's returns are probed (every
 * mode but counts); returns_at_entry: a return probe shares its entry probe's site (uprobe
 * sessions), so the entry may not move past a stack adjustment; place: move entry probes
 * to emulated instructions (false: every probe on the function's first byte).
 */
int alloc_plan__make(const struct allocator *a, bool returns, bool returns_at_entry, bool place,
		     struct alloc_plan *out);
/* The -v lines: where each probe went and why. */
void alloc_plan__log(const struct alloc_plan *p, const struct allocator *a);
/*
 * The run-time address ranges of the planned functions in process pid (for the nesting
 * filter); 0, or -ENOENT when a is not mapped there (yet).
 */
int alloc_plan__ranges(const struct alloc_plan *p, const struct allocator *a, pid_t pid,
		       uint64_t *lo, uint64_t *hi, int max, int *n);

#endif
