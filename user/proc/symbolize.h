/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * Addresses of one process to function+offset, module and file:line (elfutils' libdwfl).
 * The process's modules are opened while it runs, so its stacks can still be named after
 * it has exited; names are cached per address.
 */
#ifndef LEAKBPF_SYMBOLIZE_H
#define LEAKBPF_SYMBOLIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct frame {
	uint64_t addr;
	const char *symbol;	/* NULL when unknown; owned by the symbolizer */
	int64_t offset;		/* from the symbol's start; meaningful with symbol */
	const char *module;	/* path as the process names it, or NULL */
	const char *file;	/* source file, or NULL without debug info */
	int line;		/* 0 when unknown */
};

struct symbolizer;

/*
 * Where the caller's frame is when the pc is at some address, from the CFI of its module
 * (.eh_frame, else .debug_frame), when it has this simple form (it has, outside of
 * hand-written assembly and signal frames).
 */
enum cfi_reg { CFI_SP, CFI_BP };
enum cfi_bp_rule {
	CFI_BP_SAME,		/* the caller's rbp is this frame's */
	CFI_BP_AT,		/* saved at CFA + bp_off */
	CFI_BP_LOST,		/* clobbered: the frame-pointer chain ends here */
};

struct cfi_row {
	enum cfi_reg cfa_reg;
	int64_t cfa_off;	/* CFA = cfa_reg + cfa_off: the caller's stack pointer */
	int64_t ra_off;		/* the return address is at CFA + ra_off */
	enum cfi_bp_rule bp_rule;
	int64_t bp_off;
	bool outermost;		/* no return address: nothing called this frame (_start) */
};

/* NULL with errno set on failure */
struct symbolizer *symbolizer__new(pid_t pid);
void symbolizer__free(struct symbolizer *s);
/* Take in modules mapped since the last look (dlopen); 0 or -errno (-ESRCH once it exited). */
int symbolizer__refresh(struct symbolizer *s);
/*
 * Fill *out for addr. A return address (every frame of a stack but a probed entry point)
 * is looked up one byte back, inside the call instruction, so a call that ends a function
 * is named right.
 */
void symbolizer__resolve(struct symbolizer *s, uint64_t addr, bool return_addr,
			 struct frame *out);
/*
 * The CFI row at addr (looked up one byte back for a return address, as above). -ENOENT
 * when no module or no CFI covers it, -ENOTSUP when its rules are not of the form above.
 */
int symbolizer__cfi(struct symbolizer *s, uint64_t addr, bool return_addr, struct cfi_row *out);
/* The code bytes at [addr, addr + len) of a module's executable sections; 0 or -ENOENT. */
int symbolizer__code(struct symbolizer *s, uint64_t addr, void *buf, size_t len);

#endif
