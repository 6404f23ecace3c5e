// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "base/log.h"
#include "base/util.h"
#include "probe/tracer.h"
#include "proc/allocator.h"
#include "proc/procfs.h"
#include "proc/symbolize.h"
#include "track/fd_tracker.h"
#include "track/target.h"
#include "track/unwinder.h"

int target__open(struct target *t, pid_t pid, const char *program, const char *program_elf)
{
	t->pid = pid;
	t->program = program;
	t->program_elf = program_elf;
	/* watched from here: an attach step that fails may fail because it exited */
	t->pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (t->pidfd < 0)
		return -errno;
	if (!program) {
		proc__comm(pid, t->comm, sizeof(t->comm));
		proc__exe(pid, t->exe, sizeof(t->exe));
	}
	return 0;
}

void target__listen(struct target *tg, struct tracer *t)
{
	tg->tracer = t;
	tracer__on_event(t, EV_LOADER, follow__on_event, tg);
	tracer__on_event(t, EV_UNWIND, unwinder__on_event, tg);
	tracer__on_event(t, EV_FD_EXIT, fd_tracker__on_exit_event, tg);
}

int target__refresh(struct target *t)
{
	if (t->exit.exited)
		return 0;
	/* comm and exe change at exec; keep the last values seen alive */
	proc__comm(t->pid, t->comm, sizeof(t->comm));
	proc__exe(t->pid, t->exe, sizeof(t->exe));
	if (!t->sym) {
		t->sym = symbolizer__new(t->pid);
		return t->sym ? 0 : -errno;
	}
	return symbolizer__refresh(t->sym);
}

int target__exec(struct target *t)
{
	/* the old image's modules are gone, and the new one's may sit at the same addresses */
	symbolizer__free(t->sym);
	t->sym = NULL;
	return target__refresh(t);
}

int target__find_allocator(const struct target *t, struct allocator *a)
{
	int err;

	if (t->program) {
		err = allocator__find_for_program(t->program_elf, a);
		if (err && err != -ENOENT)
			elog("cannot find the allocator %s will use (%s)", t->program_elf,
			     errstr(err));
		return err;
	}
	err = allocator__find_for_pid(t->pid, a);
	if (err && err != -ENOENT)
		elog("cannot read the mappings of PID %d (%s)", t->pid, errstr(err));
	return err;
}

void target__resume(const struct target *t, const char *why)
{
	if (kill(t->pid, SIGCONT))
		elog("cannot resume PID %d after %s (%s)", t->pid, why, errstr(-errno));
}

void target__ended(struct target *t)
{
	int status;

	t->exit.exited = true;
	/* what is measured up to its exit stops here, if the BPF side did not see it sooner */
	t->exit.ns = now_ns();
	/* a command is leakbpf's child */
	if (!t->program || waitpid(t->pid, &status, WNOHANG) != t->pid)
		return;
	t->exit.code_known = true;
	t->exit.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void target__free(struct target *t)
{
	symbolizer__free(t->sym);
	t->sym = NULL;
	fd_tracker__free(t->fds);
	t->fds = NULL;
	if (t->pidfd >= 0)
		close(t->pidfd);
	t->pidfd = -1;
}
