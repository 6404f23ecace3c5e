// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include "base/log.h"
#include "probe/items.h"
#include "proc/elf_file.h"
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

int items__attach(struct tracer *t, const struct target *tg, const struct probe_spec *spec,
		  bool batch)
{
	const char *opt = batch ? "--batch" : "--item";
	char path[PATH_MAX];
	const char *shown;
	struct elf_file *ef;
	struct elf_func fn;
	int err;

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
	return tracer__attach_counter(t, tg->pid, path, fn.offset, batch);
}
