/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * Which object's malloc a process calls: the executable itself (static, or exporting its
 * own malloc), an allocator library (jemalloc, tcmalloc, mimalloc, LD_PRELOADed or linked),
 * or the C library; and where in that file each function of the malloc family starts.
 */
#ifndef LEAKBPF_ALLOCATOR_H
#define LEAKBPF_ALLOCATOR_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum alloc_func {
	AF_MALLOC,
	AF_CALLOC,
	AF_REALLOC,
	AF_REALLOCARRAY,
	AF_POSIX_MEMALIGN,
	AF_ALIGNED_ALLOC,
	AF_MEMALIGN,
	AF_VALLOC,
	AF_PVALLOC,
	AF_FREE,
	AF_NR,
};

extern const char *const alloc_func_names[AF_NR];

struct allocator {
	char path[PATH_MAX];	/* where leakbpf opens it: through /proc/PID/root when known */
	char name[PATH_MAX];	/* the path as the traced process names it */
	bool found[AF_NR];
	uint64_t offset[AF_NR];	/* file offset of each function found */
	uint64_t vaddr[AF_NR];	/* its ELF virtual address */
	uint64_t size[AF_NR];	/* its st_size; 0 when the symbol does not say */
};

/* Longest prologue read for probe placement (user/proc/placement.c). */
#define ALLOC_CODE_MAX 4096

/* From a running process's mappings. 0, -ESRCH, or -ENOENT when no object defines malloc. */
int allocator__find_for_pid(pid_t pid, struct allocator *out);
/*
 * For a program about to be exec'ed (its path already resolved): the executable if it is
 * static or exports malloc, else the first object in the dynamic loader's own search order
 * (`ld.so --list`, so LD_PRELOAD and LD_LIBRARY_PATH in the environment count).
 */
int allocator__find_for_program(const char *exe, struct allocator *out);
/*
 * The first bytes of a function found (at most ALLOC_CODE_MAX, at most its size); the
 * number of bytes read, or -errno.
 */
int allocator__read_code(const struct allocator *a, enum alloc_func fn, uint8_t *buf,
			 size_t len);
/* Up to len bytes at virtual address vaddr, in the segment of function fn; as above. */
int allocator__read_near(const struct allocator *a, enum alloc_func fn, uint64_t vaddr,
			 uint8_t *buf, size_t len);

#endif
