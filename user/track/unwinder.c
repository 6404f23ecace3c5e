// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <errno.h>
#include <string.h>
#include <stdio.h>
#include "base/log.h"
#include "probe/alloc.h"
#include "probe/tracer.h"
#include "proc/symbolize.h"
#include "track/fd_tracker.h"
#include "track/target.h"
#include "track/unwinder.h"
#include "unwind/unwind.h"

static int cfi_lookup(void *ctx, uint64_t addr, bool return_addr, struct cfi_row *out)
{
	return symbolizer__cfi(ctx, addr, return_addr, out);
}

static int code_before(void *ctx, uint64_t addr, uint8_t code[7])
{
	return addr > 7 ? symbolizer__code(ctx, addr - 7, code, 7) : -ENOENT;
}

static int func_start(void *ctx, uint64_t addr, uint64_t *start)
{
	struct frame f;

	symbolizer__resolve(ctx, addr, true, &f);
	if (!f.symbol)
		return -ENOENT;
	*start = addr - f.offset;
	return 0;
}

static const struct unwind_ops unwind_ops = {
	.cfi = cfi_lookup,
	.code_before = code_before,
	.func_start = func_start,
};

/* The function of a return address, for -v. */
static const char *func_name(struct symbolizer *sym, uint64_t addr, char *buf, size_t size)
{
	struct frame f;

	symbolizer__resolve(sym, addr, true, &f);
	if (f.symbol)
		return f.symbol;
	snprintf(buf, size, "%#llx", (unsigned long long)addr);
	return buf;
}

/* The allocator's caller and its caller, as -v tells which allocation was unwound. */
static void log_alloc(struct symbolizer *sym, const struct unwind_event *e,
		      const uint64_t *ips, int n, int nrules)
{
	char a[32], b[32];

	if (!log_verbose)
		return;
	vlog("PID %d: unwound the stack of an allocation from %s, called by %s: %d frames, "
	     "%d rules learned", e->tgid, func_name(sym, ips[0], a, sizeof(a)),
	     n > 1 ? func_name(sym, ips[1], b, sizeof(b)) : "?", n, nrules);
}

/*
 * Unwind e and teach BPF the rules. The stack of an fd is kept by ft (NULL: not traced);
 * bpf/alloc's provisional stack is told with the frames BPF itself finds from now on
 * (tracer__fix_stack). sym NULL: no module could be read yet, the frame-pointer walk has
 * to do.
 */
/* An fd's stack; a probed wrapper's return adds the wrapper (e->stack) as frame 0. */
static int keep_fd_stack(struct fd_tracker *ft, const struct unwind_event *e,
			 const uint64_t *ips, int n)
{
	uint64_t v[MAX_STACK_DEPTH];

	if (!e->stack)
		return fd_tracker__keep_stack(ft, e->seq, ips, n);
	v[0] = e->stack;
	if (n > MAX_STACK_DEPTH - 1)
		n = MAX_STACK_DEPTH - 1;
	memcpy(v + 1, ips, n * sizeof(*ips));
	return fd_tracker__keep_stack(ft, e->seq, v, n + 1);
}

static int unwind_one(struct tracer *t, struct symbolizer *sym, struct fd_tracker *ft,
		      const struct unwind_event *e)
{
	struct unwind_rule fp_rule = { .type = RULE_FP };
	uint64_t ips[MAX_STACK_DEPTH];
	struct unwind_result res;
	struct proc_info proc;
	int i, n = 0, err = 0;

	if (!sym || tracer__proc(t, e->tgid, &proc) || proc.exec_gen != e->exec_gen) {
		/*
		 * Its image is gone (exec): the symbolizer's CFI is the new one's, not its own;
		 * or no module could be read. The kernel's frame-pointer walk is what is left,
		 * and bpf/alloc's provisional stack is that already.
		 */
		if (e->origin != UNWIND_FD || !ft)
			return 0;
		n = e->nfp < MAX_STACK_DEPTH ? e->nfp : MAX_STACK_DEPTH;
		return keep_fd_stack(ft, e, (const uint64_t *)e->fp.rets, n);
	}
	unwind__event(e, &unwind_ops, sym, &res);
	/* a module mapped since the symbolizer last looked (ld.so's own opens come early) */
	if (res.stuck && !symbolizer__refresh(sym))
		unwind__event(e, &unwind_ops, sym, &res);
	if (e->origin == UNWIND_ALLOC) {
		n = unwind__bpf_view(e, &res, ips);
		err = tracer__fix_stack(t, e->stack, ips, n);
		if (err == -ENOSPC)
			err = 0;	/* counted as lost */
	} else if (ft) {
		err = keep_fd_stack(ft, e, res.ips, res.n);
	}
	for (i = 0; i < res.nrules; i++) {
		int rerr = tracer__set_unwind_rule(t, e->tgid, e->exec_gen, res.rules[i].pc,
						   &res.rules[i].rule);

		if (rerr)
			vlog("cannot keep an unwind rule (%s)", errstr(rerr));
	}
	/* no CFI to follow there: frame pointers are the best BPF can do, without asking */
	if (res.stuck)
		tracer__set_unwind_rule(t, e->tgid, e->exec_gen, res.stuck_pc, &fp_rule);
	/* last: the tests take this for "BPF knows now" */
	if (e->origin == UNWIND_ALLOC)
		log_alloc(sym, e, ips, n, res.nrules);
	else if (ft)
		vlog("PID %d: unwound the stack of an fd from %#llx: %d frames, %d rules learned%s",
		     e->tgid, (unsigned long long)e->ip, res.n, res.nrules,
		     res.stuck ? ", stuck" : "");
	return err;
}

int unwinder__on_event(void *ctx, const void *data, size_t size)
{
	struct target *tg = ctx;

	if (size < sizeof(struct unwind_event) ||
	    (pid_t)((const struct unwind_event *)data)->tgid != tg->pid)
		return 0;
	/* its modules could not be read yet (it was exec'ing at the first look) */
	if (!tg->sym)
		target__refresh(tg);
	return unwind_one(tg->tracer, tg->sym, tg->fds, data);
}
