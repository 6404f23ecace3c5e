/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * Where an entry uprobe goes inside a function's prologue. A uprobe on an instruction the
 * kernel emulates costs one trap; on any other it costs a trap, an out-of-line single
 * step and a second trap, several times dearer. So the probe moves forward to the first
 * instruction the running kernel emulates, when every instruction it skips leaves the
 * argument registers intact (see placement.c for the rules).
 */
#ifndef LEAKBPF_PLACEMENT_H
#define LEAKBPF_PLACEMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum place_flags {
	/* the function is free(): `test %rdi,%rdi; je RET` may be skipped, free(NULL) does
	 * nothing */
	PLACE_NULL_ARG0_RETURNS = 1,
	/* a return probe shares the site: nothing skipped may move the stack pointer, the
	 * kernel takes the return address at *sp */
	PLACE_KEEP_SP = 2,
};

/* The function's arguments that the programs read (rdi, rsi, rdx... in that order); 0: all six */
#define PLACE_NARGS(n) ((unsigned int)(n) << 8)

/* What the running kernel emulates (x86-64), from its version. */
struct emulation {
	bool push;		/* push %reg, 6.10 and later */
	bool multibyte_nop;	/* 0f 1f /0, 6.16 and later */
};

struct probe_site {
	uint64_t skip;		/* bytes from the function's entry to the probe */
	uint32_t sp_delta;	/* bytes the skipped instructions pushed or reserved */
	bool emulated;		/* the probed instruction is emulated: one trap per hit */
	char insn[64];		/* the probed instruction, "push r12" */
	char why[160];		/* for -v: what was skipped, or why nothing was */
};

/* The emulation of the kernel we run on (uname). */
void placement__kernel(struct emulation *emu);

/*
 * Place the entry probe of the function whose first len bytes are code, at address
 * vaddr (ELF virtual address: branch targets are decoded relative to it). Never fails:
 * at worst the site is the entry itself. 0 or -errno (the disassembler failed).
 */
int placement__decide(const uint8_t *code, size_t len, uint64_t vaddr, unsigned int flags,
		      const struct emulation *emu, struct probe_site *out);

/*
 * A Go function's entry probe (Go's register ABI; its code at vaddr, len bytes): from
 * start (its prologue_end, after the stack check) forward to the first instruction the
 * kernel emulates, over straight-line instructions that write none of the argument
 * registers in keep (bit i: the ith, RAX RBX RCX RDI RSI R8 R9 R10 R11), provided no
 * branch of the function lands in between (it would run once a call no more). out->skip
 * is from vaddr; start itself when nothing better is found. 0 or -errno.
 */
int placement__decide_go(const uint8_t *code, size_t len, uint64_t vaddr, uint64_t start,
			 unsigned int keep, const struct emulation *emu, struct probe_site *out);

/* Is the instruction at code[0..len) one the kernel emulates? (for tests) */
bool placement__emulated(const uint8_t *code, size_t len, const struct emulation *emu);

/*
 * If the function (code at vaddr) is a thunk that ends in an unconditional jump out of
 * itself (reallocarray: overflow check, then `jmp realloc@plt`), the jump's target;
 * else 0.
 */
uint64_t placement__tail_jump(const uint8_t *code, size_t len, uint64_t vaddr);

/*
 * The targets of the direct calls and unconditional jumps in code (at vaddr) that leave
 * it, at most max of them; their number.
 */
int placement__branches_out(const uint8_t *code, size_t len, uint64_t vaddr, uint64_t *targets,
			    int max);

#endif
