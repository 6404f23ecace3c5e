// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * Entry-probe placement on x86-64, decoded with Capstone.
 *
 * The kernel (arch/x86/kernel/uprobes.c) emulates a few instructions right in the
 * breakpoint trap: nop, jmp/call rel, jcc rel (branch_setup_xol_ops) and, from 6.10,
 * push %reg (push_setup_xol_ops). Any other instruction is copied to an out-of-line
 * slot and single-stepped, which adds a return to user space and a second trap. So the
 * entry probe goes on the first emulated instruction of the prologue, provided that every
 * instruction skipped before it:
 *  - writes none of the argument registers the programs read (rdi for free, rdi and rsi
 *    for realloc... all six when the caller does not say);
 *  - moves the stack pointer only by `push` or `sub $imm, %rsp`, whose total is handed to
 *    the program (the attach cookie) so that it still knows the entry stack pointer; with
 *    PLACE_KEEP_SP (a return probe shares the site: the kernel takes the return address
 *    at *sp) it must not move it at all;
 *  - is no branch, call or return, with one exception: in free(), `test %rdi,%rdi` then
 *    `je T` where T is `ret`, i.e. free(NULL), which has no effect to miss;
 *  - lies within the first MAX_INSNS instructions.
 * Skipping rip-relative reads (glibc's `cmpb $0, __malloc_initialized(%rip)`), endbr64,
 * moves into other registers and flag-only instructions is therefore allowed; the skipped
 * instructions still run, the probe merely fires after them. Otherwise the probe stays on
 * the entry.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <capstone/capstone.h>
#include "proc/placement.h"

#define MAX_INSNS 16

/*
 * Capstone, opened only where prologues are decoded (a child process, user/probe/alloc_plan.c):
 * linked into the tracer, its relocated tables alone would stay resident, megabytes of it.
 */
static struct {
	cs_err (*open)(cs_arch arch, cs_mode mode, csh *handle);
	cs_err (*option)(csh handle, cs_opt_type type, size_t value);
	cs_insn *(*malloc)(csh handle);
	bool (*disasm_iter)(csh handle, const uint8_t **code, size_t *size, uint64_t *address,
			    cs_insn *insn);
	cs_err (*regs_access)(csh handle, const cs_insn *insn, cs_regs regs_read,
			      uint8_t *regs_read_count, cs_regs regs_write,
			      uint8_t *regs_write_count);
	void (*free)(cs_insn *insn, size_t count);
	cs_err (*close)(csh *handle);
} cs;

#ifdef LEAKBPF_STATIC
/* A static leakbpf (make static) has Capstone linked in: nothing to open. */
static int load_capstone(void)
{
	cs.open = cs_open;
	cs.option = cs_option;
	cs.malloc = cs_malloc;
	cs.disasm_iter = cs_disasm_iter;
	cs.regs_access = cs_regs_access;
	cs.free = cs_free;
	cs.close = cs_close;
	return 0;
}
#else
static int load_capstone(void)
{
	static const char *const libs[] = {
		"libcapstone.so.4", "libcapstone.so.5", "libcapstone.so",
	};
	static int err = 1;
	void *h = NULL;
	size_t i;

	if (err <= 0)
		return err;
	for (i = 0; !h && i < sizeof(libs) / sizeof(libs[0]); i++)
		h = dlopen(libs[i], RTLD_NOW | RTLD_LOCAL);
	err = -ENOENT;
	if (!h)
		return err;
	*(void **)&cs.open = dlsym(h, "cs_open");
	*(void **)&cs.option = dlsym(h, "cs_option");
	*(void **)&cs.malloc = dlsym(h, "cs_malloc");
	*(void **)&cs.disasm_iter = dlsym(h, "cs_disasm_iter");
	*(void **)&cs.regs_access = dlsym(h, "cs_regs_access");
	*(void **)&cs.free = dlsym(h, "cs_free");
	*(void **)&cs.close = dlsym(h, "cs_close");
	if (cs.open && cs.option && cs.malloc && cs.disasm_iter && cs.regs_access && cs.free &&
	    cs.close)
		err = 0;
	return err;
}
#endif

/* snprintf at the end of what buf holds; truncates quietly (the text is for -v) */
static void appendf(char *buf, size_t size, const char *fmt, ...)
{
	size_t n = strnlen(buf, size);
	va_list ap;

	if (n + 1 >= size)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + n, size - n, fmt, ap);
	va_end(ap);
}

void placement__kernel(struct emulation *emu)
{
	struct utsname u;
	int major = 0, minor = 0;

	memset(emu, 0, sizeof(*emu));
	if (uname(&u) || sscanf(u.release, "%d.%d", &major, &minor) != 2)
		return;
	emu->push = major > 6 || (major == 6 && minor >= 10);
	emu->multibyte_nop = major > 6 || (major == 6 && minor >= 16);
}

bool placement__emulated(const uint8_t *code, size_t len, const struct emulation *emu)
{
	bool legacy = false, opsize = false;
	uint8_t rex = 0, op;
	size_t i = 0;

	for (; i < len; i++) {
		switch (code[i]) {
		case 0x26: case 0x2e: case 0x36: case 0x3e: case 0xf0:
			return false;	/* is_prefix_bad(): the kernel refuses to probe it */
		case 0x66:
			opsize = true;
			/* fallthrough */
		case 0x67: case 0x64: case 0x65: case 0xf2: case 0xf3:
			legacy = true;
			continue;
		}
		break;
	}
	if (i < len && code[i] >= 0x40 && code[i] <= 0x4f)
		rex = code[i++];
	if (i >= len)
		return false;
	op = code[i];
	if (op == 0x90 && !rex)
		return true;	/* nop, pause */
	/* branches with an operand-size override are refused, the others emulated */
	if (!opsize && (op == 0xe8 || op == 0xe9 || op == 0xeb || (op >= 0x70 && op <= 0x7f)))
		return true;
	if (!opsize && op == 0x0f && i + 1 < len && code[i + 1] >= 0x80 && code[i + 1] <= 0x8f)
		return true;
	if (emu->push && op >= 0x50 && op <= 0x57 && !legacy && (!rex || rex == 0x41))
		return true;
	if (emu->multibyte_nop && op == 0x0f && i + 2 < len && code[i + 1] == 0x1f &&
	    ((code[i + 2] >> 3) & 7) == 0)
		return true;
	return false;
}

/* The argument index of a 64-bit register, 6 for any other. */
static int arg_index(x86_reg r)
{
	static const x86_reg args[] = { X86_REG_RDI, X86_REG_RSI, X86_REG_RDX, X86_REG_RCX,
					X86_REG_R8, X86_REG_R9 };
	int i;

	for (i = 0; i < 6 && args[i] != r; i++)
		;
	return i;
}

/* The 64-bit register a Capstone register is part of (X86_REG_INVALID if none we watch). */
static x86_reg watched(uint16_t r)
{
	switch (r) {
	case X86_REG_RDI: case X86_REG_EDI: case X86_REG_DI: case X86_REG_DIL:
		return X86_REG_RDI;
	case X86_REG_RSI: case X86_REG_ESI: case X86_REG_SI: case X86_REG_SIL:
		return X86_REG_RSI;
	case X86_REG_RDX: case X86_REG_EDX: case X86_REG_DX: case X86_REG_DL: case X86_REG_DH:
		return X86_REG_RDX;
	case X86_REG_RCX: case X86_REG_ECX: case X86_REG_CX: case X86_REG_CL: case X86_REG_CH:
		return X86_REG_RCX;
	case X86_REG_R8: case X86_REG_R8D: case X86_REG_R8W: case X86_REG_R8B:
		return X86_REG_R8;
	case X86_REG_R9: case X86_REG_R9D: case X86_REG_R9W: case X86_REG_R9B:
		return X86_REG_R9;
	case X86_REG_RSP: case X86_REG_ESP: case X86_REG_SP: case X86_REG_SPL:
		return X86_REG_RSP;
	}
	return X86_REG_INVALID;
}

static bool is_control_flow(const cs_insn *in)
{
	const cs_detail *d = in->detail;
	int i;

	for (i = 0; i < d->groups_count; i++) {
		switch (d->groups[i]) {
		case CS_GRP_JUMP: case CS_GRP_CALL: case CS_GRP_RET: case CS_GRP_INT:
		case CS_GRP_IRET: case CS_GRP_BRANCH_RELATIVE:
			return true;
		}
	}
	/* syscall and friends are in no group in Capstone 4 */
	return in->id == X86_INS_SYSCALL || in->id == X86_INS_SYSENTER || in->id == X86_INS_UD2;
}

static bool is_reg_op(const cs_x86_op *op, x86_reg reg)
{
	return op->type == X86_OP_REG && op->reg == reg;
}

/* `test %rdi, %rdi` */
static bool tests_rdi(const cs_insn *in)
{
	const cs_x86 *x = &in->detail->x86;

	return in->id == X86_INS_TEST && x->op_count == 2 &&
	       is_reg_op(&x->operands[0], X86_REG_RDI) && is_reg_op(&x->operands[1], X86_REG_RDI);
}

/* `je T` / `jz T` (jcc rel) and its target; false for anything else */
static bool je_target(const cs_insn *in, uint64_t *target)
{
	const cs_x86 *x = &in->detail->x86;

	if (in->id != X86_INS_JE || x->op_count != 1 || x->operands[0].type != X86_OP_IMM)
		return false;
	*target = x->operands[0].imm;
	return true;
}

/* Is the instruction at vaddr `ret`? */
static bool returns_at(csh h, const uint8_t *code, size_t len, uint64_t base, uint64_t vaddr)
{
	const uint8_t *p;
	size_t size;
	uint64_t addr = vaddr;
	cs_insn *in;
	bool ret;

	if (vaddr < base || vaddr >= base + len)
		return false;
	p = code + (vaddr - base);
	size = len - (vaddr - base);
	in = cs.malloc(h);
	if (!in)
		return false;
	ret = cs.disasm_iter(h, &p, &size, &addr, in) && in->id == X86_INS_RET &&
	      in->detail->x86.op_count == 0;
	cs.free(in, 1);
	return ret;
}

/*
 * Can the probe skip this instruction? Adds what it does to the stack pointer to
 * *sp_delta. Sets why otherwise.
 */
static bool skippable(csh h, const cs_insn *in, unsigned int flags, uint32_t *sp_delta,
		      char *why, size_t why_len)
{
	const cs_x86 *x = &in->detail->x86;
	cs_regs rd, wr;
	uint8_t nrd = 0, nwr = 0;
	bool moves_sp = false;
	int i;

	if (is_control_flow(in)) {
		appendf(why, why_len, "'%s %s' branches", in->mnemonic, in->op_str);
		return false;
	}
	if (cs.regs_access(h, in, rd, &nrd, wr, &nwr) != CS_ERR_OK) {
		appendf(why, why_len, "'%s %s' cannot be analysed", in->mnemonic, in->op_str);
		return false;
	}
	for (i = 0; i < nwr; i++) {
		x86_reg r = watched(wr[i]);
		int nargs = (flags >> 8) & 0xf;

		if (r == X86_REG_RSP) {
			moves_sp = true;
		} else if (r != X86_REG_INVALID && arg_index(r) < (nargs ? nargs : 6)) {
			appendf(why, why_len, "'%s %s' writes an argument register", in->mnemonic,
				 in->op_str);
			return false;
		}
	}
	if (!moves_sp)
		return true;
	if (!(flags & PLACE_KEEP_SP)) {
		if (in->id == X86_INS_PUSH) {
			*sp_delta += 8;
			return true;
		}
		/* sub $imm, %rsp with a sane frame size */
		if (in->id == X86_INS_SUB && x->op_count == 2 &&
		    is_reg_op(&x->operands[0], X86_REG_RSP) && x->operands[1].type == X86_OP_IMM &&
		    x->operands[1].imm > 0 && x->operands[1].imm < (1 << 20)) {
			*sp_delta += x->operands[1].imm;
			return true;
		}
	}
	appendf(why, why_len, "'%s %s' moves the stack pointer%s", in->mnemonic, in->op_str,
		 flags & PLACE_KEEP_SP ? " under a return probe" : "");
	return false;
}

int placement__decide(const uint8_t *code, size_t len, uint64_t vaddr, unsigned int flags,
		      const struct emulation *emu, struct probe_site *out)
{
	const uint8_t *p = code;
	uint64_t addr = vaddr, target;
	char skipped[96] = "", why[128] = "";
	uint32_t sp_delta = 0;
	size_t size = len;
	cs_insn *in = NULL;
	bool null_rule_used = false;
	int count, err = 0;
	csh h;

	memset(out, 0, sizeof(*out));
	err = load_capstone();
	if (err)
		return err;
	if (cs.open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK)
		return -ENOMEM;
	cs.option(h, CS_OPT_DETAIL, CS_OPT_ON);
	in = cs.malloc(h);
	if (!in) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (count = 0; count < MAX_INSNS; count++) {
		uint64_t at = addr;

		if (!cs.disasm_iter(h, &p, &size, &addr, in)) {
			appendf(why, sizeof(why), "undecodable bytes at +0x%llx",
				 (unsigned long long)(at - vaddr));
			break;
		}
		if (placement__emulated(in->bytes, in->size, emu)) {
			out->skip = at - vaddr;
			out->sp_delta = sp_delta;
			out->emulated = true;
			appendf(out->insn, sizeof(out->insn), "%s %s", in->mnemonic, in->op_str);
			if (!out->skip)
				appendf(out->why, sizeof(out->why), "the entry is emulated");
			else
				appendf(out->why, sizeof(out->why), "skipped %s%s", skipped,
					 sp_delta ? " (stack pointer moved)" : "");
			goto cleanup;
		}
		/* free(NULL): `test %rdi,%rdi; je T` with T a bare `ret` */
		if ((flags & PLACE_NULL_ARG0_RETURNS) && !null_rule_used && tests_rdi(in)) {
			const uint8_t *p2 = p;
			size_t size2 = size;
			uint64_t addr2 = addr;
			cs_insn *jcc = cs.malloc(h);

			if (jcc && cs.disasm_iter(h, &p2, &size2, &addr2, jcc) &&
			    je_target(jcc, &target) && returns_at(h, code, len, vaddr, target)) {
				appendf(skipped, sizeof(skipped), "%s'%s %s; %s %s'",
					skipped[0] ? ", " : "", in->mnemonic, in->op_str,
					jcc->mnemonic, jcc->op_str);
				p = p2;
				size = size2;
				addr = addr2;
				null_rule_used = true;
				cs.free(jcc, 1);
				continue;
			}
			if (jcc)
				cs.free(jcc, 1);
		}
		if (!skippable(h, in, flags, &sp_delta, why, sizeof(why)))
			break;
		appendf(skipped, sizeof(skipped), "%s'%s %s'", skipped[0] ? ", " : "", in->mnemonic,
			in->op_str);
	}
	if (count == MAX_INSNS)
		appendf(why, sizeof(why), "no emulated instruction in the first %d", MAX_INSNS);
	/* the entry, single-stepped */
	p = code;
	size = len;
	addr = vaddr;
	if (cs.disasm_iter(h, &p, &size, &addr, in))
		appendf(out->insn, sizeof(out->insn), "%s %s", in->mnemonic, in->op_str);
	appendf(out->why, sizeof(out->why), "single-stepped: %s", why);
cleanup:
	if (in)
		cs.free(in, 1);
	cs.close(&h);
	return err;
}

uint64_t placement__tail_jump(const uint8_t *code, size_t len, uint64_t vaddr)
{
	const uint8_t *p = code;
	uint64_t addr = vaddr, target = 0;
	size_t size = len;
	cs_insn *in;
	int count;
	csh h;

	if (load_capstone() || cs.open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK)
		return 0;
	cs.option(h, CS_OPT_DETAIL, CS_OPT_ON);
	in = cs.malloc(h);
	for (count = 0; in && count < MAX_INSNS; count++) {
		const cs_x86 *x = &in->detail->x86;

		if (!cs.disasm_iter(h, &p, &size, &addr, in) || in->id == X86_INS_RET)
			break;
		if (in->id == X86_INS_JMP && x->op_count == 1 &&
		    x->operands[0].type == X86_OP_IMM) {
			if ((uint64_t)x->operands[0].imm < vaddr ||
			    (uint64_t)x->operands[0].imm >= vaddr + len)
				target = x->operands[0].imm;
			break;
		}
	}
	if (in)
		cs.free(in, 1);
	cs.close(&h);
	return target;
}

int placement__branches_out(const uint8_t *code, size_t len, uint64_t vaddr, uint64_t *targets,
			    int max)
{
	const uint8_t *p = code;
	uint64_t addr = vaddr, t;
	size_t size = len;
	cs_insn *in;
	int n = 0;
	csh h;

	if (load_capstone() || cs.open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK)
		return 0;
	cs.option(h, CS_OPT_DETAIL, CS_OPT_ON);
	in = cs.malloc(h);
	/* a linear sweep: glibc's text has no data between instructions */
	while (in && n < max && size) {
		if (!cs.disasm_iter(h, &p, &size, &addr, in)) {
			/* skip a byte we cannot decode and resynchronise */
			p++;
			size--;
			addr++;
			continue;
		}
		if ((in->id != X86_INS_JMP && in->id != X86_INS_CALL) ||
		    in->detail->x86.op_count != 1 || in->detail->x86.operands[0].type != X86_OP_IMM)
			continue;
		t = in->detail->x86.operands[0].imm;
		if (t < vaddr || t >= vaddr + len)
			targets[n++] = t;
	}
	if (in)
		cs.free(in, 1);
	cs.close(&h);
	return n;
}

/* The Go register ABI's argument index of a register (any width), -1 for the others. */
static int go_arg_index(uint16_t r)
{
	switch (r) {
	case X86_REG_RAX: case X86_REG_EAX: case X86_REG_AX: case X86_REG_AL: case X86_REG_AH:
		return 0;
	case X86_REG_RBX: case X86_REG_EBX: case X86_REG_BX: case X86_REG_BL: case X86_REG_BH:
		return 1;
	case X86_REG_RCX: case X86_REG_ECX: case X86_REG_CX: case X86_REG_CL: case X86_REG_CH:
		return 2;
	case X86_REG_RDI: case X86_REG_EDI: case X86_REG_DI: case X86_REG_DIL:
		return 3;
	case X86_REG_RSI: case X86_REG_ESI: case X86_REG_SI: case X86_REG_SIL:
		return 4;
	case X86_REG_R8: case X86_REG_R8D: case X86_REG_R8W: case X86_REG_R8B:
		return 5;
	case X86_REG_R9: case X86_REG_R9D: case X86_REG_R9W: case X86_REG_R9B:
		return 6;
	case X86_REG_R10: case X86_REG_R10D: case X86_REG_R10W: case X86_REG_R10B:
		return 7;
	case X86_REG_R11: case X86_REG_R11D: case X86_REG_R11W: case X86_REG_R11B:
		return 8;
	}
	return -1;
}

/* Does a direct branch of the function land in (from, to]? Then to may run more than once. */
static bool landed_in(csh h, cs_insn *in, const uint8_t *code, size_t len, uint64_t vaddr,
		      uint64_t from, uint64_t to)
{
	const uint8_t *p = code;
	uint64_t addr = vaddr;
	size_t size = len;

	while (cs.disasm_iter(h, &p, &size, &addr, in)) {
		const cs_x86 *x = &in->detail->x86;

		if (is_control_flow(in) && x->op_count == 1 && x->operands[0].type == X86_OP_IMM &&
		    (uint64_t)x->operands[0].imm > from && (uint64_t)x->operands[0].imm <= to)
			return true;
	}
	/* undecodable bytes (data in text): what is known so far stands */
	return false;
}

int placement__decide_go(const uint8_t *code, size_t len, uint64_t vaddr, uint64_t start,
			 unsigned int keep, const struct emulation *emu, struct probe_site *out)
{
	const uint8_t *p;
	uint64_t addr, from = vaddr + start;
	cs_regs rd, wr;
	uint8_t nrd, nwr;
	size_t size;
	cs_insn *in;
	int count, i, err;
	csh h;

	memset(out, 0, sizeof(*out));
	out->skip = start;
	if (start >= len)
		return 0;
	err = load_capstone();
	if (err)
		return err;
	if (cs.open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK)
		return -ENOMEM;
	cs.option(h, CS_OPT_DETAIL, CS_OPT_ON);
	in = cs.malloc(h);
	p = code + start;
	size = len - start;
	addr = from;
	for (count = 0; in && count < MAX_INSNS; count++) {
		uint64_t at = addr;
		bool clobbers = false;

		if (!cs.disasm_iter(h, &p, &size, &addr, in))
			break;
		if (placement__emulated(in->bytes, in->size, emu)) {
			appendf(out->insn, sizeof(out->insn), "%s %s", in->mnemonic, in->op_str);
			if (at != from && landed_in(h, in, code, len, vaddr, from, at)) {
				appendf(out->why, sizeof(out->why), "a branch lands before it");
				break;
			}
			out->skip = at - vaddr;
			out->emulated = true;
			appendf(out->why, sizeof(out->why), "%d instructions after prologue_end",
				count);
			break;
		}
		if (is_control_flow(in) || cs.regs_access(h, in, rd, &nrd, wr, &nwr) != CS_ERR_OK)
			break;
		for (i = 0; i < nwr; i++) {
			int a = go_arg_index(wr[i]);

			clobbers |= a >= 0 && (keep & (1u << a));
		}
		if (clobbers) {
			appendf(out->why, sizeof(out->why), "'%s %s' writes an argument register",
				in->mnemonic, in->op_str);
			break;
		}
	}
	if (in)
		cs.free(in, 1);
	cs.close(&h);
	return 0;
}
