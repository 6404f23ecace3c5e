/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/* Where in glibc's dynamic loader to learn that a process's modules changed (bpf/loader). */
#ifndef LEAKBPF_DYNLOADER_H
#define LEAKBPF_DYNLOADER_H

#include <limits.h>
#include <stdint.h>

struct dynloader {
	char path[PATH_MAX];	/* how leakbpf opens ld.so */
	uint64_t hook_offset;	/* file offset of _dl_debug_state */
	int64_t r_state_off;	/* from _dl_debug_state to _r_debug.r_state, in memory */
};

/* 0, or -ENOENT when the file is not a loader with the debugger hooks (musl, say). */
int dynloader__find(const char *path, struct dynloader *out);

#endif
