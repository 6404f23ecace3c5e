// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <errno.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "proc/allocator.h"
#include "track/collect.h"
#include "proc/dynloader.h"
#include "proc/elf_file.h"
#include "track/fd_tracker.h"
#include "app/launch.h"
#include "base/log.h"
#include "proc/procfs.h"
#include "app/rounds.h"
#include "app/session.h"
#include "track/sockets.h"
#include "proc/symbolize.h"
#include "track/threads.h"
#include "probe/tracer.h"
#include "track/unwinder.h"
#include "base/util.h"

/* How often the target's modules are re-read, to name code it loads later (dlopen). */
#define MODULE_REFRESH_NS 1000000000ULL
/* An exit under way completes in far less; a leader that ends alone never does. */
#define EXIT_WAIT_MS 1000

struct session {
	const struct env *env;
	struct tracer *tracer;
	struct target target;
	struct launch launch;
	bool launched;		/* -- CMD: the child exists */
	bool released;		/* -- CMD: the child was let go to exec */
	bool resumed;		/* -- CMD: the child runs its own code */
	int sigfd, pidfd;
	uint64_t attach_ns;
	struct dynloader loader;	/* the first image's */
	bool have_loader;
	bool exec_pending;	/* an exec's allocator is still to be found */
	uint64_t exec_ns;	/* when it exec'ed */
	bool ending;		/* probes detached: a stopped target is only resumed */
};

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG && !log_verbose)
		return 0;
	if (!log_verbose)
		return 0;	/* errors are reported by leakbpf itself, with their cause */
	return vfprintf(stderr, fmt, args);
}

static int open_signals(struct session *s)
{
	sigset_t mask;

	/* SIGPIPE: a closed stdout is an error to report, not a reason to die silently */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);	/* the terminal went away: report and detach too */
	sigaddset(&mask, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &mask, NULL))
		return -errno;
	s->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	return s->sigfd < 0 ? -errno : 0;
}

static bool is_stop_signal(int sig)
{
	return sig == SIGINT || sig == SIGTERM || sig == SIGHUP;
}

/* Was leakbpf asked to stop while it was setting up? */
static bool stop_requested(struct session *s)
{
	struct signalfd_siginfo si;

	while (read(s->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (is_stop_signal(si.ssi_signo))
			return true;
	}
	return false;
}

/* -p PID: a live user-space process, or a one-line reason why not. */
static int check_pid(pid_t pid)
{
	int err = proc__check(pid);

	if (err == -ESRCH)
		elog("no such process: PID %d", pid);
	else if (err == -EINVAL)
		elog("PID %d is a kernel thread: it has no user-space memory to trace", pid);
	else if (err)
		elog("cannot read /proc/%d (%s)", pid, errstr(err));
	return err;
}

static int find_allocator(struct session *s, struct allocator *a)
{
	int err;

	if (s->launched) {
		err = allocator__find_for_program(s->launch.elf, a);
		if (err)
			elog("cannot find the allocator %s will use (%s)", s->launch.elf,
			     err == -ENOENT ? "no object it loads defines malloc and free"
					    : errstr(err));
		return err;
	}
	err = allocator__find_for_pid(s->target.pid, a);
	if (err == -ENOENT)
		elog("PID %d maps no object that defines malloc and free", s->target.pid);
	else if (err)
		elog("cannot read the mappings of PID %d (%s)", s->target.pid, errstr(err));
	return err;
}

/*
 * The file a --item/--batch SPEC names, as leakbpf can open it: the target's executable
 * by default; a path the user gives under -p is the target's, so it is reached through its
 * root, or its working directory when relative. A command runs in leakbpf's own.
 */
static int spec_path(struct session *s, const struct probe_spec *spec, char *buf, size_t size)
{
	if (!spec->path[0]) {
		if (s->launched)
			snprintf(buf, size, "%s", s->launch.path);
		else
			snprintf(buf, size, "/proc/%d/exe", s->target.pid);
		return 0;
	}
	if (s->launched) {
		snprintf(buf, size, "%s", spec->path);
		return 0;
	}
	if (spec->path[0] != '/')
		return proc__cwd_path(s->target.pid, spec->path, buf, size);
	return proc__root_path(s->target.pid, spec->path, buf, size);
}

static int attach_counter(struct session *s, const struct probe_spec *spec, bool batch)
{
	const char *opt = batch ? "--batch" : "--item";
	char path[PATH_MAX];
	const char *shown;
	struct elf_file *ef;
	struct elf_func fn;
	int err;

	if (spec->kind == SPEC_NONE)
		return 0;
	err = spec_path(s, spec, path, sizeof(path));
	if (err) {
		elog("%s %s: path too long", opt, spec->text);
		return err;
	}
	/* the file as the user knows it, in messages: not /proc/PID/root/... */
	shown = spec->path[0] ? spec->path : s->launched ? s->launch.path : s->target.exe;
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
		err = tracer__attach_usdt(s->tracer, s->target.pid, path, spec->provider,
					  spec->name, batch);
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
	return tracer__attach_counter(s->tracer, s->target.pid, path, fn.offset, batch);
}

/* glibc's ld.so of the target, to hear from it when modules are mapped; false: none. */
static bool find_loader(struct session *s)
{
	char exe[PATH_MAX], interp[PATH_MAX], path[PATH_MAX];
	struct elf_file *ef;
	int err;

	if (s->launched)
		snprintf(exe, sizeof(exe), "%s", s->launch.elf);
	else
		snprintf(exe, sizeof(exe), "/proc/%d/exe", s->target.pid);
	ef = elf_file__open(exe);
	if (!ef)
		return false;
	snprintf(interp, sizeof(interp), "%s", elf_file__interp(ef) ? elf_file__interp(ef) : "");
	elf_file__free(ef);
	if (!interp[0])
		return false;	/* static: its one module is known from the start */
	if (s->launched)
		snprintf(path, sizeof(path), "%s", interp);
	else if (proc__root_path(s->target.pid, interp, path, sizeof(path)))
		return false;
	err = dynloader__find(path, &s->loader);
	if (err)
		vlog("%s has no _dl_debug_state/_r_debug (%s): modules are re-read every second",
		     path, errstr(err));
	return !err;
}

static int on_loader_event(void *ctx, const struct loader_event *e);

/* A command: stop it at _Exit() so that its report has its fds as it left them. */
static void hold_exit(struct session *s, pid_t pid)
{
	int err = fd_tracker__hold_exit(s->target.fds, s->tracer);

	if (err)
		elog("cannot hold PID %d at exit (%s): its fds are reported as the kernel left them",
		     pid, errstr(err));
}

/* Let a process held by bpf/loader go on; what: what it was held for. */
static void resume(pid_t pid, const char *what)
{
	if (kill(pid, SIGCONT))
		elog("cannot resume PID %d after %s (%s)", pid, what, errstr(-errno));
}

/*
 * After an exec, probe the allocator the new image calls, unless it is probed already
 * (the same file: a second probe would count each call twice). Once its libraries are
 * mapped, or right at exec when it has no loader to wait for. A failure is said, and the
 * target goes on: what it allocates then is not seen.
 */
static void follow_allocator(struct session *s)
{
	struct allocator *a = calloc(1, sizeof(*a));
	pid_t pid = s->target.pid;
	int err;

	s->exec_pending = false;
	if (!a) {
		elog("PID %d: no memory to find the allocator of %s", pid, s->target.exe);
		return;
	}
	err = allocator__find_for_pid(pid, a);
	if (err == -ENOENT) {
		elog("PID %d: %s maps no object that defines malloc and free: its allocations "
		     "are not traced", pid, s->target.exe);
		goto out;
	} else if (err) {
		elog("PID %d: cannot read the mappings of %s (%s): its allocations may not be "
		     "traced", pid, s->target.exe, errstr(err));
		goto out;
	}
	/* said once its probes are live: from then on nothing it allocates is missed */
	err = tracer__attach_allocator(s->tracer, pid, a);
	if (err == -EALREADY) {
		tracer__refresh_allocator(s->tracer, pid);
		vlog("PID %d: allocator: %s (opened as %s), probed already", pid, a->name, a->path);
	} else if (err) {
		elog("PID %d: cannot probe %s, the allocator of %s (%s): its allocations are not "
		     "traced", pid, a->name, s->target.exe, errstr(err));
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
static int watch_new_loader(struct session *s, bool stop)
{
	char exe[64], interp[PATH_MAX], path[PATH_MAX];
	pid_t pid = s->target.pid;
	struct dynloader ld;
	struct elf_file *ef;
	int err;

	snprintf(exe, sizeof(exe), "/proc/%d/exe", pid);
	ef = elf_file__open(exe);
	if (!ef) {
		err = -errno;
		elog("PID %d: cannot read %s (%s): its allocator is looked for in a second", pid,
		     s->target.exe, errstr(err));
		return err;
	}
	snprintf(interp, sizeof(interp), "%s", elf_file__interp(ef) ? elf_file__interp(ef) : "");
	elf_file__free(ef);
	if (!interp[0])
		return 0;	/* static: its allocator, if any, is in the executable */
	err = proc__root_path(pid, interp, path, sizeof(path));
	if (!err)
		err = dynloader__find(path, &ld);
	if (err) {
		/* musl: its loader is its C library, mapped by the kernel with the program */
		vlog("%s has no _dl_debug_state/_r_debug (%s): the allocator is looked for now",
		     interp, errstr(err));
		return 0;
	}
	err = tracer__watch_loader(s->tracer, pid, &ld, stop, on_loader_event, s);
	if (err) {
		elog("PID %d: cannot watch its loader %s (%s): its allocator is looked for in a "
		     "second", pid, interp, errstr(err));
		return err;
	}
	return 1;
}

/*
 * An exec: a new image, which may call another allocator (env LD_PRELOAD=..., a static or
 * musl program, a chroot with its own libc). The old image's blocks were dropped by the
 * BPF side; the --item/--batch probes stay where they were put, in the first image.
 */
static void on_exec(struct session *s, const struct loader_event *e)
{
	pid_t pid = e->tgid;

	target__exec(&s->target);
	vlog("PID %d: exec %s%s", pid, s->target.exe,
	     e->stopped ? " (held until its allocator is probed)" : "");
	if (s->env->item.kind != SPEC_NONE)
		vlog("PID %d: --item and --batch stay on the first image's files", pid);
	s->exec_pending = true;
	s->exec_ns = now_ns();
	if (s->target.fds)
		fd_tracker__exec(s->target.fds);
	/*
	 * Its allocator is looked for now when it has no loader to wait for; else at its
	 * loader's first consistent state, or a second later when that was missed (under -p a
	 * loader probed only now may be past it) or cannot be watched.
	 */
	if (!watch_new_loader(s, e->stopped)) {
		follow_allocator(s);
		/* a command's C library is mapped (static, musl): hold it at its _Exit() too */
		if (e->stopped && s->target.fds)
			hold_exit(s, pid);
	}
	if (e->stopped)
		resume(pid, "its exec");
}

static int on_loader_event(void *ctx, const struct loader_event *e)
{
	struct session *s = ctx;

	if ((pid_t)e->tgid != s->target.pid)
		return 0;
	if (s->ending) {
		/* asked for before the probes went, and not served any more */
		if (e->stopped)
			resume(e->tgid, "leakbpf detached");
		return 0;
	}
	if (e->kind == LOADER_EV_EXEC) {
		on_exec(s, e);
		return 0;
	}
	/* before a dlclose, the modules as they are still: the blocks they leaked keep names */
	target__refresh(&s->target);
	vlog("PID %d: modules %s%s", e->tgid,
	     e->kind == LOADER_EV_UNLOADING ? "about to be unloaded" : "changed",
	     e->stopped ? " (held until read)" : "");
	if (e->kind == LOADER_EV_MODULES) {
		if (s->exec_pending)
			follow_allocator(s);
		else
			tracer__refresh_allocator(s->tracer, e->tgid);
		/* held once its libraries are mapped: the C library's _Exit can be probed now */
		if (e->stopped && s->target.fds)
			hold_exit(s, e->tgid);
	}
	if (e->stopped)
		resume(e->tgid, "reading its modules");
	return 0;
}

/*
 * Hear of every exec of the target: its new image may call another allocator. A command is
 * held at each exec until that allocator is probed; a -p target is not stopped.
 */
static int follow_exec(struct session *s)
{
	int err = tracer__follow_exec(s->tracer, s->target.pid, s->launched, on_loader_event, s);

	if (err)
		elog("cannot follow PID %d across exec (%s)", s->target.pid, errstr(err));
	return err;
}

static int on_fd_event(void *ctx, const void *data, size_t size)
{
	const struct fd_exit_event *ex = data;
	struct session *s = ctx;
	int err;

	if (size < sizeof(*ex) || (pid_t)ex->tgid != s->target.pid)
		return 0;
	if (ex->type == EV_UNWIND && size >= sizeof(struct unwind_event)) {
		/* its modules could not be read yet (it was exec'ing at the first look) */
		if (!s->target.sym)
			target__refresh(&s->target);
		return unwinder__event(s->tracer, s->target.sym, s->target.fds, data);
	}
	if (ex->type != EV_FD_EXIT || !s->target.fds)
		return 0;
	/* held at _Exit(): its modules and fds as they are, then let it go */
	target__refresh(&s->target);
	err = fd_tracker__at_exit(s->target.fds, s->tracer, now_ns());
	if (err)
		elog("cannot read the fds of PID %d at its exit (%s)", ex->tgid, errstr(err));
	if (ex->stopped && kill(ex->tgid, SIGCONT))
		elog("cannot resume PID %d after reading its fds (%s)", ex->tgid, errstr(-errno));
	return 0;
}

/*
 * File descriptors: the syscall tracepoints, and the fd table at attach. A command's first
 * exec closes leakbpf's fds, not the program's. A command is held at _Exit() once the
 * object that defines it is mapped: at its exec stop when it has no glibc loader to wait
 * for (static, musl), else when its libraries are (on_loader_event).
 */
static int setup_fds(struct session *s)
{
	int err;

	s->target.fds = fd_tracker__new(s->target.pid);
	if (!s->target.fds) {
		elog("cannot track the fds of PID %d (%s)", s->target.pid, errstr(-ENOMEM));
		return -ENOMEM;
	}
	if (s->launched) {
		err = tracer__add_fd_flags(s->tracer, s->target.pid, FDP_SKIP_EXEC);
		if (err) {
			elog("cannot register PID %d with the fd tracer (%s)", s->target.pid,
			     errstr(err));
			return err;
		}
	}
	err = tracer__attach_fds(s->tracer, on_fd_event, s);
	if (err)
		return err;
	err = fd_tracker__start(s->target.fds, s->launched);
	if (err)
		elog("cannot read the fds of PID %d (%s)", s->target.pid, errstr(err));
	return err;
}

static int setup(struct session *s)
{
	const struct env *env = s->env;
	struct tracer_opts opts = {
		.mode = env->mode,
		.sample_every = env->sample_every,
		.max_allocs = env->max_allocs,
		.max_stacks = env->max_stacks,
		.cfi_stacks = env->cfi_stacks,
		.items = env->item.kind != SPEC_NONE,
		.fds = true,
	};
	struct allocator *a;
	int err;

	if (env->cmd) {
		err = launch__start(&s->launch, env->cmd);
		if (err) {
			elog("cannot run %s (%s)", env->cmd[0], errstr(err));
			return err;
		}
		s->launched = true;
		s->target.pid = s->launch.pid;
	} else {
		s->target.pid = env->pid;
		err = check_pid(env->pid);
		if (err)
			return err;
		/* watched from here: an attach step that fails may fail because it exited */
		s->pidfd = syscall(SYS_pidfd_open, env->pid, 0);
		if (s->pidfd < 0) {
			err = -errno;
			if (err == -ESRCH)
				elog("no such process: PID %d", env->pid);
			else
				elog("cannot watch PID %d (%s)", env->pid, errstr(err));
			return err;
		}
		proc__comm(env->pid, s->target.comm, sizeof(s->target.comm));
		proc__exe(env->pid, s->target.exe, sizeof(s->target.exe));
	}

	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	err = find_allocator(s, a);
	if (err)
		goto out;
	vlog("allocator: %s (opened as %s)", a->name, a->path);
	s->have_loader = find_loader(s);

	s->tracer = tracer__new(&opts);
	if (!s->tracer) {
		err = -errno;
		goto out;
	}
	err = tracer__add_process(s->tracer, s->target.pid);
	if (err) {
		elog("cannot register PID %d with the BPF programs (%s)", s->target.pid,
		     errstr(err));
		goto out;
	}
	err = tracer__attach_allocator(s->tracer, s->target.pid, a);
	if (!err)
		err = attach_counter(s, &env->item, false);
	if (!err)
		err = attach_counter(s, &env->batch, true);
	if (err)
		goto out;
	if (s->have_loader) {
		/* a command is held once its libraries are mapped, until they have been read */
		err = tracer__watch_loader(s->tracer, s->target.pid, &s->loader, s->launched,
					   on_loader_event, s);
		if (err) {
			elog("cannot watch the loader %s of PID %d (%s)", s->loader.path,
			     s->target.pid, errstr(err));
			goto out;
		}
	}
	/* -p: no hold, a production process is not stopped; a command's from its first exec */
	if (!s->launched) {
		err = follow_exec(s);
		if (err)
			goto out;
	}
	err = setup_fds(s);
	if (err)
		goto out;

	/* before saying so: a process that exits right after the attach is still reported */
	if (s->launched)
		s->pidfd = syscall(SYS_pidfd_open, s->target.pid, 0);
	if (s->pidfd < 0) {
		err = -errno;
		elog("cannot watch PID %d (%s)", s->target.pid, errstr(err));
		goto out;
	}
	s->attach_ns = now_ns();
	/*
	 * The counters run: what it has now is where its thread and socket counts start. A
	 * socket that cannot be reached is left out with a warning: no reason to give up.
	 */
	threads__start(&s->target);
	sockets__adopt(s->tracer, &s->target);
	/*
	 * -p: its modules, before saying it is attached: whoever waits for that line may let it
	 * run to its end at once, and the stacks of what it did are named from this look.
	 */
	if (!s->launched)
		target__refresh(&s->target);
	/* loading parsed the kernel's BTF: give what it freed back before the long wait */
	malloc_trim(0);
	log_release(true);
	fprintf(stderr, "leakbpf: attached to PID %d\n", s->target.pid);
	if (s->launched && stop_requested(s)) {
		/* interrupted before the command ran a single instruction: it never will */
		elog("stopped before %s started: not running it", env->cmd[0]);
		err = -EINTR;
		goto out;
	}
	if (s->launched) {
		err = launch__release(&s->launch);
		s->released = true;
		if (err) {
			s->launched = false;
			elog("cannot run %s (%s)", s->launch.path, errstr(err));
			goto out;
		}
		/* exec'ed, held at its ptrace stop: the next exec is the program's own */
		err = follow_exec(s);
		if (err)
			goto out;
	}
	/* a command is held at exec here: its executable is read before it can exit */
	if (s->launched)
		target__refresh(&s->target);
	if (s->launched && !s->have_loader) {
		err = fd_tracker__hold_exit(s->target.fds, s->tracer);
		if (err) {
			elog("cannot hold PID %d at exit (%s)", s->target.pid, errstr(err));
			goto out;
		}
	}
	err = launch__resume(&s->launch);
	if (err) {
		elog("cannot let PID %d run after exec (%s)", s->target.pid, errstr(err));
		goto out;
	}
	s->resumed = true;
out:
	free(a);
	return err;
}

/*
 * -p: is the process gone, so that the attach step that failed failed because of that? An
 * exiting process loses its mappings and files a moment before its pidfd says it is gone:
 * wait for that moment, if it began to exit.
 */
static bool gone_while_attaching(struct session *s)
{
	struct pollfd pfd = { .fd = s->pidfd, .events = POLLIN };

	if (s->pidfd < 0)
		return false;	/* it was never there, or leakbpf could not tell */
	if (poll(&pfd, 1, 0) > 0)
		return true;
	return proc__exiting(s->target.pid) && poll(&pfd, 1, EXIT_WAIT_MS) > 0;
}

/* The target ended: how, if it was our child. */
static void reap(struct session *s)
{
	int status;

	s->target.exited = true;
	/* what is measured up to its exit stops here, if the BPF side did not see it sooner */
	s->target.exit_ns = now_ns();
	if (!s->launched || waitpid(s->target.pid, &status, WNOHANG) != s->target.pid)
		return;
	s->target.exit_code_known = true;
	s->target.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int print_report(struct session *s, bool final, bool *leak)
{
	struct collect_ctx c = {
		.tracer = s->tracer,
		.env = s->env,
		.targets = &s->target,
		.ntargets = 1,
		.attach_ns = s->attach_ns,
	};
	struct report r;
	int err;

	/* stacks still waiting to be unwound, and an exit to hold */
	tracer__fds_consume(s->tracer);
	err = collect__report(&c, final, &r);
	if (err)
		return err;
	if (s->env->json)
		err = report__print_json(&r, stdout);
	else if (!final)
		report__print_round_line(&r, stdout);
	else
		report__print_text(&r, stdout);
	if (!err && ferror(stdout))
		err = -EIO;
	if (err)
		elog("cannot write the report (%s)", errstr(err));
	*leak = r.leak;
	report__free(&r);
	return err;
}

/* Wait for the end (target exit, signal, -d), printing rounds on the way. */
static void wait_loop(struct session *s)
{
	uint64_t next_refresh = s->attach_ns + MODULE_REFRESH_NS;
	struct round_clock rc;
	bool leak;

	round_clock__init(&rc, s->attach_ns, s->env->interval_s, s->env->duration_s);
	for (;;) {
		struct pollfd fds[4] = {
			{ .fd = s->sigfd, .events = POLLIN },
			{ .fd = s->pidfd, .events = POLLIN },
			{ .fd = tracer__loader_poll_fd(s->tracer), .events = POLLIN },
			{ .fd = tracer__fds_poll_fd(s->tracer), .events = POLLIN },
		};
		uint64_t now = now_ns(), until = rc.deadline_ns;
		struct signalfd_siginfo si;
		struct timespec ts;

		if (round_clock__next_due(&rc) < until)
			until = round_clock__next_due(&rc);
		if (next_refresh < until)
			until = next_refresh;
		/* ppoll: to the nanosecond, so a round is not a millisecond late each time */
		ts.tv_sec = until > now ? (until - now) / 1000000000ULL : 0;
		ts.tv_nsec = until > now ? (until - now) % 1000000000ULL : 0;
		if (ppoll(fds, 4, until == UINT64_MAX ? NULL : &ts, NULL) < 0) {
			if (errno == EINTR)
				continue;
			elog("cannot wait for the target (%s): reporting now", errstr(-errno));
			return;
		}
		if (fds[2].revents)
			tracer__loader_consume(s->tracer);
		if (fds[3].revents)
			tracer__fds_consume(s->tracer);
		/* an exit comes first: the final report, not a round, is what describes it */
		if (fds[1].revents) {
			reap(s);
			return;
		}
		while (read(s->sigfd, &si, sizeof(si)) == sizeof(si)) {
			if (is_stop_signal(si.ssi_signo)) {
				vlog("%s: stopping", strsignal(si.ssi_signo));
				return;
			}
		}
		now = now_ns();
		if (round_clock__ended(&rc, now))
			return;
		if (now >= next_refresh) {
			target__refresh(&s->target);
			/* an exec whose loader did not report (see on_exec) */
			if (s->exec_pending && now - s->exec_ns >= MODULE_REFRESH_NS)
				follow_allocator(s);
			else
				tracer__refresh_allocator(s->tracer, s->target.pid);
			next_refresh = now + MODULE_REFRESH_NS;
		}
		if (now >= round_clock__next_due(&rc)) {
			target__refresh(&s->target);
			if (print_report(s, false, &leak))
				return;
			round_clock__advance(&rc, now);
		}
	}
}

/*
 * A command leakbpf started may be held by one of its stops (libraries mapped, _Exit)
 * whose event was never read: leakbpf was told to stop first. Every probe is gone now, so
 * no new stop can come: a process stopped or with a SIGSTOP queued is ours to continue.
 */
static void resume_if_held(struct session *s)
{
	int stopped;

	if (s->target.exited)
		return;
	stopped = proc__stopped(s->target.pid);
	if (stopped > 0 && kill(s->target.pid, SIGCONT))
		elog("cannot resume PID %d (%s): it stays stopped", s->target.pid, errstr(-errno));
	else if (stopped > 0)
		vlog("PID %d was held at a stop: resumed", s->target.pid);
}

int session__run(const struct env *env)
{
	struct session s = { .env = env, .sigfd = -1, .pidfd = -1 };
	bool leak = false;
	int err, status;

	log_verbose = env->verbose;
	libbpf_set_print(libbpf_print);
	setvbuf(stdout, NULL, _IOLBF, 0);

	err = open_signals(&s);
	if (err) {
		elog("cannot set up signal handling (%s)", errstr(err));
		status = EXIT_FAILED;
		goto cleanup;
	}
	/* until it is known whether a failure is the target's exit (released once attached) */
	log_hold();
	err = setup(&s);
	if (err) {
		if (!env->cmd && gone_while_attaching(&s)) {
			log_release(false);
			elog("PID %d exited while leakbpf was attaching", s.target.pid);
		}
		log_release(true);
		status = EXIT_FAILED;
		goto cleanup;
	}
	wait_loop(&s);
	/* the modules as they are now: the last chance to name code loaded late */
	target__refresh(&s.target);
	if (print_report(&s, true, &leak)) {
		status = EXIT_FAILED;
		goto cleanup;
	}
	if (leak)
		status = env->leak_exit_code;
	else if (s.target.exit_code_known)
		status = s.target.exit_code;
	else
		status = 0;
cleanup:
	/* detach before anything else: the target goes on as if leakbpf had never been there */
	tracer__detach(s.tracer);
	/* a hold asked for before that (an exec, a loader) waits in the ring buffer: resume it */
	s.ending = true;
	if (s.tracer)
		tracer__loader_consume(s.tracer);
	tracer__free(s.tracer);
	if (s.launched && !s.resumed)
		launch__abort(&s.launch);	/* it has not run any of its own code: none at all */
	else if (s.launched)
		resume_if_held(&s);
	target__free(&s.target);
	if (s.pidfd >= 0)
		close(s.pidfd);
	if (s.sigfd >= 0)
		close(s.sigfd);
	return status;
}
