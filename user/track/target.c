// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "base/log.h"
#include "base/util.h"
#include "probe/alloc.h"
#include "probe/fds.h"
#include "probe/tracer.h"
#include "proc/allocator.h"
#include "proc/procfs.h"
#include "proc/suppress.h"
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
		proc__cmdline(pid, t->cmdline, sizeof(t->cmdline));
	}
	return 0;
}

/* Is every thread of pid stopped or gone (State T or Z in each /proc/PID/task/TID/stat)? */
static int all_stopped(pid_t pid)
{
	char path[320], line[512], *state;
	struct dirent *d;
	int stopped = 1;
	DIR *dir;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while (stopped > 0 && (d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/stat", pid, d->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;	/* a thread that just ended */
		state = fgets(line, sizeof(line), f) ? strrchr(line, ')') : NULL;
		/* stopped, traced, or gone (a zombie leader runs no more either) */
		if (state && state[1] && !memchr("TtZX", state[2], 4))
			stopped = 0;
		fclose(f);
	}
	closedir(dir);
	return stopped;
}

/* A stop takes effect at each thread's next return to user space: a moment (up to 1 s) */
static int wait_stopped(pid_t pid)
{
	int i, stopped = 0;

	for (i = 0; i < 2000 && !(stopped = all_stopped(pid)); i++)
		usleep(500);
	return stopped;
}

/*
 * bpf/fds's exit hold (EV_FD_EXIT): the process stopped at its exit, everything that goes
 * with it is read now (its modules, fds, Go runtime, which blocks it still reaches),
 * then it is let go. The stop is queued, not yet taken, when the event comes: read before
 * every thread has stopped, and a thread still running could change what is read.
 */
static int on_exit_held(struct target *tg, const void *data, size_t size)
{
	const struct fd_exit_event *ex = data;
	int err;

	if (size < sizeof(*ex) || (pid_t)ex->tgid != tg->pid || !tg->fds)
		return 0;
	if (!ex->stopped)
		vlog("PID %d could not be held at its exit: what is read there races it", tg->pid);
	else if (wait_stopped(tg->pid) <= 0)
		vlog("PID %d: not every thread stopped at its exit hold", tg->pid);
	target__refresh(tg);
	go_target__at_exit(tg);
	target__scan_reach(tg);
	err = fd_tracker__at_exit(tg->fds, tg->tracer, now_ns());
	if (err)
		elog("cannot read the fds of PID %d at its exit (%s)", ex->tgid, errstr(err));
	if (ex->stopped)
		target__resume(tg, "reading its fds");
	return 0;
}

int target__on_event(struct target *tg, const void *data, size_t size)
{
	const __u32 *type = data;

	if (size < sizeof(*type))
		return 0;
	switch (*type) {
	case EV_LOADER:
		return follow__on_event(tg, data, size);
	case EV_UNWIND:
		return unwinder__on_event(tg, data, size);
	case EV_FD_EXIT:
		return on_exit_held(tg, data, size);
	}
	return 0;
}

int target__refresh(struct target *t)
{
	if (t->exit.exited)
		return 0;
	/* comm, exe and arguments change at exec; keep the last values seen alive */
	proc__comm(t->pid, t->comm, sizeof(t->comm));
	proc__cmdline(t->pid, t->cmdline, sizeof(t->cmdline));
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

void target__set_allocator(struct target *t, const char *name)
{
	const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;

	/*
	 * A C library's malloc (glibc's, musl's, or one linked into a static program) keeps
	 * its bookkeeping in its own heap, which the scan knows; jemalloc, tcmalloc and the
	 * like keep pointers to live blocks among their arenas, which would read as roots.
	 */
	if (!strncmp(base, "libc.so", 7) || !strncmp(base, "libc-", 5) ||
	    !strncmp(base, "ld-musl", 7) || !strncmp(base, "libc.musl", 9) ||
	    (t->program_elf && !strcmp(name, t->program_elf)) || !strcmp(name, t->exe))
		t->no_reach_why = NULL;
	else
		t->no_reach_why = "its allocator keeps pointers to live blocks in its own "
				  "arenas (only a C library's malloc is scanned)";
}

/* Does the stack of a leaked block match a suppression? */
static bool suppressed(struct target *t, uint64_t stack)
{
	struct frame frames[MAX_STACK_DEPTH];
	uint64_t ips[MAX_STACK_DEPTH];
	int n, i;

	n = t->sym ? tracer__stack(t->tracer, stack, ips, MAX_STACK_DEPTH) : -ENOENT;
	for (i = 0; i < n; i++)
		symbolizer__resolve(t->sym, ips[i], i > 0, &frames[i]);
	return n > 0 && suppress__match(t->suppressions, frames, n) >= 0;
}

/* Leaks whose allocation stack a suppression matches: counted apart, not as lost. */
static void suppress_leaks(struct target *t)
{
	struct reach_result *r = &t->reach;
	uint64_t last_stack = 0;
	bool last = false, looked = false;
	int i;

	for (i = 0; i < r->nblocks; i++) {
		uint8_t c = r->block_class[i];

		/* only leaks are suppressed, as LeakSanitizer does: a reachable block stays */
		if (c != REACH_DIRECT && c != REACH_INDIRECT)
			continue;
		/* blocks of one stack often come together: one lookup for them */
		if (!looked || r->block_stacks[i] != last_stack) {
			last_stack = r->block_stacks[i];
			last = last_stack && suppressed(t, last_stack);
			looked = true;
		}
		if (!last)
			continue;
		r->c.objects[c]--;
		r->c.bytes[c] -= r->block_bytes[i];
		r->block_class[i] = REACH_SUPPRESSED;
		r->c.suppressed_objects++;
		r->c.suppressed_bytes += r->block_bytes[i];
	}
}

void target__scan_reach(struct target *t)
{
	const struct tracer_opts *o;
	struct alloc_stats st;
	int err;

	if (!t->tracer || t->reach.c.present || t->no_reach_why)
		return;
	o = tracer__opts(t->tracer);
	if (o->mode == MODE_COUNTS || o->sample_every > 1)
		return;
	/* a block the map had no room for may hold the only pointer to another */
	if (!tracer__alloc_stats(t->tracer, t->pid, &st) && st.untracked_allocs) {
		t->no_reach_why = "some blocks could not be followed (the block map was full: "
				  "--max-allocs)";
		return;
	}
	/* a command and the processes -f follows are held at their exit for it */
	err = reach__scan(t->tracer, t->pid, t->program != NULL || t->parent, &t->reach);
	if (!err && t->suppressions)
		suppress_leaks(t);
	if (err)
		elog("cannot tell which blocks PID %d still reaches (%s)", t->pid, errstr(err));
	else
		vlog("PID %d: reachability scan: %.1f ms, %llu bytes read", t->pid,
		     t->reach.c.pause_ms, (unsigned long long)t->reach.c.bytes_read);
}

int target__scan_reach_live(struct target *t)
{
	int stopped;

	if (t->exit.exited || kill(t->pid, SIGSTOP))
		return -ESRCH;
	stopped = wait_stopped(t->pid);
	if (stopped > 0)
		target__scan_reach(t);
	target__resume(t, "the reachability scan");
	return stopped > 0 ? 0 : -ETIMEDOUT;
}

void target__free(struct target *t)
{
	reach_result__free(&t->reach);
	symbolizer__free(t->sym);
	t->sym = NULL;
	fd_tracker__free(t->fds);
	t->fds = NULL;
	if (t->pidfd >= 0)
		close(t->pidfd);
	t->pidfd = -1;
}
