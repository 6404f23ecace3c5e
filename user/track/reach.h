/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * Which outstanding blocks a stopped process can still reach, as LeakSanitizer judges:
 * roots are the writable data of its modules, its stacks and the anonymous memory that is
 * no block of its heap (thread stacks, TLS, its own mappings); a block pointed to from a
 * root, or from a reachable block (anywhere inside it), is reachable; an unreachable one
 * pointed to from another unreachable one is an indirect leak, any other a direct leak.
 * Memory is read through /proc/PID/mem. Functions return 0 or -errno.
 */
#ifndef LEAKBPF_TRACK_REACH_H
#define LEAKBPF_TRACK_REACH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "track/snapshot.h"

struct tracer;

enum reach_class { REACH_REACHABLE, REACH_DIRECT, REACH_INDIRECT, REACH_NR };
/* a leak --suppressions took out, in block_class */
#define REACH_SUPPRESSED (REACH_NR + 1)

struct reach_result {
	struct reach_counts c;		/* what the report shows (track/snapshot.h) */
	/* every block's stack key, class and bytes, for the sites by class */
	uint64_t *block_stacks;
	uint8_t *block_class;
	uint64_t *block_bytes;
	uint64_t *block_ts;		/* its birth (CLOCK_MONOTONIC; 0 outside full mode) */
	int nblocks;
};

/*
 * Scan pid, which must be stopped, against its blocks in t. all_known: every block it has
 * was followed (a command traced from its start); else its heap outside the blocks known
 * (blocks from before attach, which may hold pointers) is scanned as a root too.
 */
int reach__scan(struct tracer *t, pid_t pid, bool all_known, struct reach_result *out);
void reach_result__free(struct reach_result *r);

#endif
