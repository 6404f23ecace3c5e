// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include "base/log.h"
#include "base/util.h"
#include "probe/alloc.h"
#include "probe/loader.h"
#include "proc/allocator.h"
#include "proc/elf_file.h"
#include "proc/procfs.h"
#include "track/fd_tracker.h"
#include "track/follow.h"
#include "track/target.h"

/* How long after an exec its loader may take to report before leakbpf looks itself. */
#define EXEC_LOOK_NS 1000000000ULL

/*
 * The glibc loader of the image tg runs, as leakbpf can open it; before_exec: of the
 * program a command is about to exec. -ENOENT when there is none to watch: a static
 * program, or a loader without the debugger's hooks (musl's is its C library, mapped by
 * the kernel with the program); another -errno when the executable cannot be read.
 */
static int find_loader(const struct target *tg, bool before_exec, struct dynloader *ld)
{
	char exe[PATH_MAX], interp[PATH_MAX], path[PATH_MAX];
	struct elf_file *ef;
	int err;

	if (before_exec)
		snprintf(exe, sizeof(exe), "%s", tg->program_elf);
	else
		snprintf(exe, sizeof(exe), "/proc/%d/exe", tg->pid);
	ef = elf_file__open(exe);
	if (!ef)
		return -errno;
	snprintf(interp, sizeof(interp), "%s", elf_file__interp(ef) ? elf_file__interp(ef) : "");
	elf_file__free(ef);
	if (!interp[0])
		return -ENOENT;	/* static: its one module is known from the start */
	if (before_exec)
		snprintf(path, sizeof(path), "%s", interp);
	else if (proc__root_path(tg->pid, interp, path, sizeof(path)))
		return -ENAMETOOLONG;
	err = dynloader__find(path, ld);
	if (err) {
		vlog("%s has no _dl_debug_state/_r_debug (%s): modules are re-read every second",
		     path, errstr(err));
		return -ENOENT;
	}
	return 0;
}

void follow__find_loader(struct target *tg)
{
	tg->follow.have_loader = !find_loader(tg, tg->program != NULL, &tg->follow.loader);
}

/*
 * A command's image is ready, held with its libraries mapped: probe its C library's fd
 * wrappers, and stop it at _Exit() so that its report has its fds as it left them.
 */
static void image_ready(struct tracer *t, struct target *tg)
{
	int err = fd_tracker__hook_image(tg->fds, t);

	if (err)
		elog("PID %d: cannot trace its fds (%s)", tg->pid, errstr(err));
	err = fd_tracker__hold_exit(tg->fds, t);
	if (err)
		elog("cannot hold PID %d at exit (%s): its fds are reported as the kernel left them",
		     tg->pid, errstr(err));
}

/*
 * After an exec, probe the allocator the new image calls, unless it is probed already
 * (the same file: a second probe would count each call twice). Once its libraries are
 * mapped, or right at exec when it has no loader to wait for. A failure is said, and the
 * target goes on: what it allocates then is not seen.
 */
void follow__probe_image(struct tracer *t, struct target *tg)
{
	struct allocator *a = calloc(1, sizeof(*a));
	pid_t pid = tg->pid;
	int err;

	tg->follow.exec_pending = false;
	if (tg->fds)
		fd_tracker__hook_image(tg->fds, t);
	if (!a) {
		elog("PID %d: no memory to find the allocator of %s", pid, tg->exe);
		return;
	}
	err = allocator__find_for_pid(pid, a);
	if (err == -ENOENT) {
		tg->no_alloc_why = "no object it maps defines the malloc family";
		elog("PID %d: %s maps no object that defines malloc and free: its allocations "
		     "are not traced", pid, tg->exe);
		goto out;
	} else if (err) {
		elog("PID %d: cannot read the mappings of %s (%s): its allocations may not be "
		     "traced", pid, tg->exe, errstr(err));
		goto out;
	}
	/* found after all (a look before the libraries were mapped said none) */
	tg->no_alloc_why = NULL;
	target__set_allocator(tg, a->name);
	/* said once its probes are live: from then on nothing it allocates is missed */
	err = tracer__attach_allocator(t, pid, a);
	if (err == -EALREADY) {
		tracer__refresh_allocator(t, pid);
		vlog("PID %d: allocator: %s (opened as %s), probed already", pid, a->name, a->path);
	} else if (err) {
		elog("PID %d: cannot probe %s, the allocator of %s (%s): its allocations are not "
		     "traced", pid, a->name, tg->exe, errstr(err));
	} else {
		vlog("PID %d: allocator: %s (opened as %s)", pid, a->name, a->path);
	}
out:
	free(a);
}

/*
 * Watch the loader of the image the target runs now, so that its allocator is found once
 * its libraries are mapped (stop: held there). 1 when it is watched, 0 when there is none
 * to wait for (static, musl), -errno when it cannot be (said here).
 */
static int watch_new_loader(struct tracer *t, struct target *tg, bool stop)
{
	struct dynloader ld;
	int err = find_loader(tg, false, &ld);

	if (err == -ENOENT)
		return 0;
	if (!err)
		err = tracer__watch_loader(t, tg->pid, &ld, stop);
	if (err) {
		elog("PID %d: cannot watch the loader of %s (%s): its allocator is looked for in "
		     "a second", tg->pid, tg->exe, errstr(err));
		return err;
	}
	return 1;
}

/*
 * An exec: a new image, which may call another allocator. The old image's blocks were
 * dropped by the BPF side; the --item/--batch probes stay where they were put, in the
 * first image.
 */
static void on_exec(struct tracer *t, struct target *tg, const struct loader_event *e)
{
	target__exec(tg);
	vlog("PID %d: exec %s%s", tg->pid, tg->exe,
	     e->stopped ? " (held until its allocator is probed)" : "");
	if (tracer__opts(t)->items)
		vlog("PID %d: --item and --batch stay on the first image's files", tg->pid);
	tg->follow.exec_pending = true;
	tg->follow.exec_ns = now_ns();
	if (tg->fds)
		fd_tracker__exec(tg->fds);
	/*
	 * Its allocator is looked for now when it has no loader to wait for; else at its
	 * loader's first consistent state, or a second later when that was missed (under -p a
	 * loader probed only now may be past it) or cannot be watched.
	 */
	if (!watch_new_loader(t, tg, e->stopped)) {
		follow__probe_image(t, tg);
		/* a command's C library is mapped (static, musl): hold it at its _Exit() too */
		if (e->stopped && tg->fds)
			image_ready(t, tg);
	}
	if (e->stopped)
		target__resume(tg, "its exec");
}

int follow__on_event(void *ctx, const void *data, size_t size)
{
	const struct loader_event *e = data;
	struct target *tg = ctx;
	struct tracer *t = tg->tracer;

	if (size < sizeof(*e) || (pid_t)e->tgid != tg->pid)
		return 0;
	if (tg->follow.detached) {
		/* asked for before the probes went, and not served any more */
		if (e->stopped)
			target__resume(tg, "leakbpf detached");
		return 0;
	}
	if (e->kind == LOADER_EV_EXEC) {
		on_exec(t, tg, e);
		return 0;
	}
	/* before a dlclose, the modules as they are still: the blocks they leaked keep names */
	target__refresh(tg);
	vlog("PID %d: modules %s%s", tg->pid,
	     e->kind == LOADER_EV_UNLOADING ? "about to be unloaded" : "changed",
	     e->stopped ? " (held until read)" : "");
	if (e->kind == LOADER_EV_MODULES) {
		if (tg->follow.exec_pending)
			follow__probe_image(t, tg);
		else
			tracer__refresh_allocator(t, tg->pid);
		/* held once its libraries are mapped: the C library's _Exit can be probed now */
		if (e->stopped && tg->fds)
			image_ready(t, tg);
	}
	if (e->stopped)
		target__resume(tg, "reading its modules");
	return 0;
}

int follow__start(struct tracer *t, struct target *tg, bool hold)
{
	int err;

	tg->follow.hold = hold;
	if (tg->follow.have_loader) {
		/* a command is held once its libraries are mapped, until they have been read */
		err = tracer__watch_loader(t, tg->pid, &tg->follow.loader, hold);
		if (err) {
			elog("cannot watch the loader %s of PID %d (%s)", tg->follow.loader.path,
			     tg->pid, errstr(err));
			return err;
		}
	}
	/* a command's are followed from its first exec on (follow__exec) */
	return hold ? 0 : follow__exec(t, tg);
}

int follow__exec(struct tracer *t, struct target *tg)
{
	/* a command is held at each exec until its allocator is probed; -p is never stopped */
	int err = tracer__follow_exec(t, tg->pid, tg->follow.hold);

	if (err) {
		elog("cannot follow PID %d across exec (%s)", tg->pid, errstr(err));
		return err;
	}
	/* a command with no loader to wait for has its C library mapped already */
	if (tg->follow.hold && !tg->follow.have_loader && tg->fds)
		image_ready(t, tg);
	return 0;
}

void follow__tick(struct tracer *t, struct target *tg, uint64_t now)
{
	target__refresh(tg);
	/* an exec whose loader did not report (see on_exec) */
	if (tg->follow.exec_pending && now - tg->follow.exec_ns >= EXEC_LOOK_NS)
		follow__probe_image(t, tg);
	else
		tracer__refresh_allocator(t, tg->pid);
}
