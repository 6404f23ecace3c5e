// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "base/log.h"
#include "probe/items.h"
#include "proc/elf_file.h"
#include "proc/go_binary.h"
#include "proc/probe_spec.h"
#include "proc/procfs.h"
#include "track/items.h"
#include "track/target.h"

/*
 * The file a SPEC names, as leakbpf can open it: the target's executable by default; a
 * path the user gives under -p is the target's, so it is reached through its root, or its
 * working directory when relative. A command runs in leakbpf's own.
 */
static int spec_path(const struct target *tg, const struct probe_spec *spec, char *buf,
		     size_t size)
{
	if (!spec->path[0]) {
		if (tg->program)
			snprintf(buf, size, "%s", tg->program);
		else
			snprintf(buf, size, "/proc/%d/exe", tg->pid);
		return 0;
	}
	if (tg->program) {
		snprintf(buf, size, "%s", spec->path);
		return 0;
	}
	if (spec->path[0] != '/')
		return proc__cwd_path(tg->pid, spec->path, buf, size);
	return proc__root_path(tg->pid, spec->path, buf, size);
}

/*
 * Where a function's probe goes, and which register holds its Nth integer argument: a Go
 * function (a Go program's, named package.Func) is probed after its stack check, which
 * re-enters it from the top when the stack grows, and takes arguments by Go's register
 * ABI; anything else by the System V ABI.
 */
static int place(const char *path, const struct probe_spec *spec, uint64_t *offset, int *reg)
{
	static const int go_regs[] = { ITEM_REG_AX, ITEM_REG_BX, ITEM_REG_CX, ITEM_REG_DI,
				       ITEM_REG_SI, ITEM_REG_R8, ITEM_REG_R9, ITEM_REG_R10,
				       ITEM_REG_R11 };
	static const int sysv_regs[] = { ITEM_REG_DI, ITEM_REG_SI, ITEM_REG_DX, ITEM_REG_CX,
					 ITEM_REG_R8, ITEM_REG_R9 };
	struct go_binary go;
	bool go_func;

	go_func = strchr(spec->symbol, '.') && !go_binary__open(path, &go) && go.regabi;
	if (go_func)
		go_binary__probe_offset(path, spec->symbol, spec->arg ? 1u << (spec->arg - 1) : 0,
					offset);
	*reg = ITEM_COUNT_CALLS;
	if (!spec->arg)
		return 0;
	if (go_func && spec->arg <= (int)(sizeof(go_regs) / sizeof(go_regs[0])))
		*reg = go_regs[spec->arg - 1];
	else if (!go_func && spec->arg <= (int)(sizeof(sysv_regs) / sizeof(sysv_regs[0])))
		*reg = sysv_regs[spec->arg - 1];
	else
		return -EINVAL;
	return 0;
}

int items__attach(struct tracer *t, const struct target *tg, const struct probe_spec *spec,
		  bool batch)
{
	const char *opt = batch ? "--batch" : "--item";
	char path[PATH_MAX];
	const char *shown;
	struct elf_file *ef;
	struct elf_func fn;
	int reg, err;

	if (spec->kind == SPEC_NONE)
		return 0;
	err = spec_path(tg, spec, path, sizeof(path));
	if (err) {
		elog("%s %s: path too long", opt, spec->text);
		return err;
	}
	/* the file as the user knows it, in messages: not /proc/PID/root/... */
	shown = spec->path[0] ? spec->path : tg->program ? tg->program : tg->exe;
	/* a uprobe is placed by inode: a library the target maps later (dlopen) is probed too */
	ef = elf_file__open(path);
	if (!ef) {
		err = -errno;
		if (err == -ENOEXEC)
			elog("%s %s: %s is not an ELF file", opt, spec->text, shown);
		else
			elog("%s %s: cannot read %s (%s)", opt, spec->text, shown, errstr(err));
		return err;
	}
	if (spec->kind == SPEC_USDT) {
		elf_file__free(ef);
		err = tracer__attach_usdt(t, tg->pid, path, spec->provider, spec->name, batch);
		if (err == -ENOENT)
			elog("%s %s: no USDT probe %s:%s in %s", opt, spec->text, spec->provider,
			     spec->name, shown);
		else if (err)
			elog("%s %s: cannot attach to USDT probe %s:%s in %s (%s)", opt, spec->text,
			     spec->provider, spec->name, shown, errstr(err));
		return err;
	}
	err = elf_file__find_func(ef, spec->symbol, &fn);
	elf_file__free(ef);
	if (err) {
		elog("%s %s: no function '%s' in %s", opt, spec->text, spec->symbol, shown);
		return err;
	}
	if (fn.ifunc) {
		elog("%s %s: '%s' is an IFUNC resolver, not a function to count", opt,
		     spec->text, spec->symbol);
		return -EINVAL;
	}
	err = place(path, spec, &fn.offset, &reg);
	if (err) {
		elog("%s %s: %s takes no argument %d in a register leakbpf reads", opt, spec->text,
		     spec->symbol, spec->arg);
		return err;
	}
	return tracer__attach_counter(t, tg->pid, path, fn.offset, reg, batch);
}
