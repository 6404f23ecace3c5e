// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * One run, as phases: find the target (or start the command, held before exec), find its
 * allocator and loader, load the BPF objects, attach every probe, take the baselines, let
 * the command run, wait (rounds on the way), report, detach. Each phase is a function; the
 * session remembers how far it got, which is what detaching has to undo.
 */
#include <errno.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "app/launch.h"
#include "app/rounds.h"
#include "app/session.h"
#include "base/log.h"
#include "base/util.h"
#include "probe/alloc.h"
#include "probe/fds.h"
#include "probe/tracer.h"
#include "proc/allocator.h"
#include "proc/elf_file.h"
#include "proc/procfs.h"
#include "report/report.h"
#include "serve/http.h"
#include "track/family.h"
#include "track/fd_tracker.h"
#include "track/follow.h"
#include "track/items.h"
#include "track/snapshot.h"
#include "track/sockets.h"
#include "track/target.h"
#include "track/threads.h"

/* How often the target's modules are re-read, to name code it loads later (dlopen). */
#define MODULE_REFRESH_NS 1000000000ULL
/* An exit under way completes in far less; a leader that ends alone never does. */
#define EXIT_WAIT_MS 1000

/* How far the session got: what detaching must undo. */
enum phase {
	PHASE_NONE,		/* nothing yet */
	PHASE_FOUND,		/* the target exists (-- CMD: forked, held before exec) */
	PHASE_LOADED,		/* the BPF objects are loaded and the target registered */
	PHASE_ATTACHED,		/* every probe is live and the baselines are taken */
	PHASE_RUNNING,		/* the target runs its own code */
};

struct session {
	const struct env *env;
	enum phase phase;
	struct launch launch;	/* -- CMD */
	struct target target;
	struct family family;	/* the target, and with -f the processes it forks */
	struct allocator *alloc;	/* the first image's, found before anything is loaded */
	struct tracer *tracer;
	struct report_history history;
	int sigfd;
	uint64_t attach_ns;	/* CLOCK_MONOTONIC when every probe was live */
	struct metrics_server *server;	/* --serve */
	int demand_fd;		/* readable when a scrape waits for fresh metrics; or -1 */
};

/* How long a scrape waits for the session to answer it before it gets the last answer. */
#define SCRAPE_WAIT_MS 2000

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

/* Was leakbpf asked to stop (since it last looked)? */
static bool stop_requested(struct session *s)
{
	struct signalfd_siginfo si;

	while (read(s->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (is_stop_signal(si.ssi_signo)) {
			vlog("%s: stopping", strsignal(si.ssi_signo));
			return true;
		}
	}
	return false;
}

/* -- CMD: forked and held before exec; -p: a live user-space process, watched. */
static int find_target(struct session *s)
{
	const struct env *env = s->env;
	int err;

	if (env->cmd) {
		err = launch__start(&s->launch, env->cmd);
		if (err) {
			elog("cannot run %s (%s)", env->cmd[0], errstr(err));
			return err;
		}
		s->phase = PHASE_FOUND;
		err = target__open(&s->target, s->launch.pid, s->launch.path, s->launch.elf);
		s->target.suppressions = env->suppressions.n ? &env->suppressions : NULL;
		if (err)
			elog("cannot watch PID %d (%s)", s->launch.pid, errstr(err));
		return err;
	}
	err = proc__check(env->pid);
	if (!err)
		err = target__open(&s->target, env->pid, NULL, NULL);
	s->target.suppressions = env->suppressions.n ? &env->suppressions : NULL;
	if (err == -ESRCH)
		elog("no such process: PID %d", env->pid);
	else if (err == -EINVAL)
		elog("PID %d is a kernel thread: it has no user-space memory to trace", env->pid);
	else if (err)
		elog("cannot watch PID %d (%s)", env->pid, errstr(err));
	if (!err)
		s->phase = PHASE_FOUND;
	return err;
}

static bool gone_while_attaching(struct session *s);

/* The first image's executable as leakbpf opens it: a command's, or /proc/PID/exe. */
static const char *program_path(struct session *s)
{
	static char path[64];

	if (s->target.program_elf)
		return s->target.program_elf;
	snprintf(path, sizeof(path), "/proc/%d/exe", s->target.pid);
	return path;
}

/* Before loading anything: the allocator and the loader of the first image. */
static int discover(struct session *s)
{
	int err;

	s->alloc = calloc(1, sizeof(*s->alloc));
	if (!s->alloc)
		return -ENOMEM;
	if (go_target__find(&s->target.go, program_path(s)))
		vlog("PID %d: a Go program (%s)", s->target.pid, s->target.go.bin.version);
	err = target__find_allocator(&s->target, s->alloc);
	/* -p: no mappings at all is a process that is gone, not one without malloc */
	if (err == -ENOENT && !s->env->cmd && gone_while_attaching(s))
		return -ESRCH;
	if (err == -ENOENT) {
		/* everything else is traced: threads, fds, sockets (and a Go runtime's own) */
		s->target.no_alloc_why =
			s->target.go.is_go ? "a Go program: the Go runtime allocates its heap "
					     "without the malloc family (see its go section)"
					   : "no object it loads defines the malloc family (a static "
					     "program without one)";
		vlog("PID %d: %s: its memory is not traced", s->target.pid,
		     s->target.no_alloc_why);
		free(s->alloc);
		s->alloc = NULL;
	} else if (err) {
		return err;
	} else {
		vlog("allocator: %s (opened as %s)", s->alloc->name, s->alloc->path);
		target__set_allocator(&s->target, s->alloc->name);
	}
	follow__find_loader(&s->target);
	return 0;
}

static int load(struct session *s)
{
	const struct env *env = s->env;
	struct tracer_opts opts = {
		.mode = env->mode,
		.sample_every = env->sample_every,
		.max_allocs = env->max_allocs,
		.max_stacks = env->max_stacks,
		.cfi_stacks = env->cfi_stacks,
		.items = env->item.kind != SPEC_NONE,
		.go = s->target.go.is_go,
	};
	int err;

	s->tracer = tracer__new(&opts);
	if (!s->tracer)
		return -errno;
	err = tracer__add_process(s->tracer, s->target.pid);
	if (err) {
		elog("cannot register PID %d with the BPF programs (%s)", s->target.pid,
		     errstr(err));
		return err;
	}
	family__init(&s->family, &s->target, s->tracer, s->env->follow);
	s->phase = PHASE_LOADED;
	return 0;
}

/* A command's program, before its exec: has it a loader, which may map glibc? (-p: look.) */
static bool may_have_glibc(const struct session *s)
{
	struct elf_file *ef;
	bool dynamic;

	if (!s->env->cmd)
		return true;
	ef = elf_file__open(s->target.program_elf);
	if (!ef)
		return false;
	dynamic = elf_file__interp(ef) != NULL;
	elf_file__free(ef);
	return dynamic;
}

/*
 * File descriptors: probes on the target's glibc wrappers (a Go program's runtime makes its
 * syscalls itself; a static one has none to find), else the syscall tracepoints; and the fd
 * table at attach. A command's first exec closes leakbpf's fds, not the program's. A command
 * is held at _Exit() once the object that defines it is mapped (track/follow.c).
 */
static int attach_fds(struct session *s)
{
	struct target *tg = &s->target;
	int err;

	tg->fds = fd_tracker__new(tg->pid);
	if (!tg->fds) {
		elog("cannot track the fds of PID %d (%s)", tg->pid, errstr(-ENOMEM));
		return -ENOMEM;
	}
	if (s->env->cmd) {
		err = tracer__add_proc_flags(s->tracer, tg->pid, PROC_SKIP_EXEC);
		if (err) {
			elog("cannot register PID %d with the fd tracer (%s)", tg->pid, errstr(err));
			return err;
		}
	}
	err = fd_tracker__hook(tg->fds, s->tracer, !tg->go.is_go && may_have_glibc(s),
			       s->env->cmd != NULL);
	if (err)
		return err;
	err = fd_tracker__start(tg->fds, s->env->cmd != NULL);
	if (err)
		elog("cannot read the fds of PID %d (%s)", tg->pid, errstr(err));
	return err;
}

static int attach(struct session *s)
{
	int err;

	err = s->alloc ? tracer__attach_allocator(s->tracer, s->target.pid, s->alloc) : 0;
	if (!err)
		err = go_target__attach(s->tracer, &s->target, program_path(s), s->env->cmd != NULL);
	if (!err)
		err = items__attach(s->tracer, &s->target, &s->env->item, false);
	if (!err)
		err = items__attach(s->tracer, &s->target, &s->env->batch, true);
	/* -p: never held, a production process is not stopped; a command from its first exec */
	if (!err)
		err = follow__start(s->tracer, &s->target, s->env->cmd != NULL);
	if (!err)
		err = attach_fds(s);
	/* -f: from its first fork on (a command's: before its exec) */
	if (!err)
		err = family__follow(&s->family);
	return err;
}

/*
 * The counters run: what the target has now is where its thread and socket counts start.
 * A socket that cannot be reached is left out with a warning: no reason to give up.
 */
static void take_baselines(struct session *s)
{
	s->attach_ns = now_ns();
	threads__start(&s->target);
	/* a command's, once exec has closed those it inherited from leakbpf (--serve's) */
	if (!s->env->cmd)
		sockets__adopt(s->tracer, &s->target);
	/*
	 * -p: its modules, before saying it is attached: whoever waits for that line may let it
	 * run to its end at once, and the stacks of what it did are named from this look.
	 */
	if (!s->env->cmd)
		target__refresh(&s->target);
	/* loading parsed the kernel's BTF: give what it freed back before the long wait */
	malloc_trim(0);
	s->phase = PHASE_ATTACHED;
}

/* -- CMD: let it exec, read its executable while it is held there, then let it run. */
static int release(struct session *s)
{
	struct target *tg = &s->target;
	int err;

	if (!s->env->cmd) {
		s->phase = PHASE_RUNNING;
		return 0;
	}
	if (stop_requested(s)) {
		/* interrupted before the command ran a single instruction: it never will */
		elog("stopped before %s started: not running it", s->env->cmd[0]);
		return -EINTR;
	}
	err = launch__release(&s->launch);
	if (err) {
		elog("cannot run %s (%s)", s->launch.path, errstr(err));
		return err;
	}
	err = follow__exec(s->tracer, tg);
	if (err)
		return err;
	/* held at exec: its executable is read before it can exit */
	target__refresh(tg);
	sockets__adopt(s->tracer, tg);
	err = launch__resume(&s->launch);
	if (err) {
		elog("cannot let PID %d run after exec (%s)", tg->pid, errstr(err));
		return err;
	}
	s->phase = PHASE_RUNNING;
	return 0;
}

/* From a target to a running trace: every phase before the wait. */
static int start(struct session *s)
{
	int err;

	err = find_target(s);
	if (!err)
		err = discover(s);
	if (!err)
		err = load(s);
	if (!err)
		err = attach(s);
	if (err)
		return err;
	take_baselines(s);
	log_release(true);
	fprintf(stderr, "leakbpf: attached to PID %d\n", s->target.pid);
	return release(s);
}

/*
 * -p: is the process gone, so that the attach step that failed failed because of that? An
 * exiting process loses its mappings and files a moment before its pidfd says it is gone:
 * wait for that moment, if it began to exit.
 */
static bool gone_while_attaching(struct session *s)
{
	struct pollfd pfd = { .fd = s->target.pidfd, .events = POLLIN };

	if (s->target.pidfd < 0)
		return false;	/* it was never there, or leakbpf could not tell */
	if (poll(&pfd, 1, 0) > 0)
		return true;
	return proc__exiting(s->target.pid) && poll(&pfd, 1, EXIT_WAIT_MS) > 0;
}

/* What lost_events adds up, by name: the report alone cannot say what went missing. */
static void log_losses(const struct losses *l)
{
	int i;

	for (i = 0; i < l->n; i++) {
		if (l->v[i].n)
			elog("lost: %llu %s", (unsigned long long)l->v[i].n, l->v[i].name);
	}
}

/*
 * The report of now: a round (or the final one), or a peek between them (--serve); quiet:
 * a round not printed, whose counters only are read.
 */
static int build_report(struct session *s, bool final, bool peek, bool quiet,
			struct report *r)
{
	const struct env *env = s->env;
	static const char *const modes[] = { "counts", "stacks", "full" };
	struct report_opts o = {
		.mode = modes[env->mode],
		.thresholds = &env->thresholds,
		.top = env->top,
		.item_probe = env->item.kind != SPEC_NONE ? env->item.text : NULL,
		.batches = env->batch.kind != SPEC_NONE,
		.peek = peek,
		.quiet = quiet,
		.follow = env->follow,
		.follow_dropped = s->family.dropped,
	};
	struct run_snapshot snap;
	int err;

	/* stacks still waiting to be unwound, and an exit to hold */
	tracer__consume(s->tracer);
	family__reap(&s->family);
	err = snapshot__take(s->tracer, s->family.members, s->family.n, s->attach_ns, !quiet,
			     &snap);
	if (err) {
		memset(r, 0, sizeof(*r));
		return err;
	}
	if (final)
		log_losses(&snap.losses);
	err = report__build(&snap, &o, &s->history, final, r);
	run_snapshot__free(&snap);
	if (err)
		elog("cannot build the report (%s)", errstr(err));
	return err;
}

static int print_report(struct session *s, bool final, bool *leak)
{
	const struct env *env = s->env;
	struct report r;
	int err;

	err = build_report(s, final, false, false, &r);
	if (err) {
		report__free(&r);
		return err;
	}
	if (env->json)
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

/* --serve: what the scrapes waiting (and those to come) are answered with. */
static void publish_metrics(struct session *s)
{
	char *text = NULL;
	size_t len = 0;
	struct report r;
	FILE *f;

	serve__demanded(s->server);
	if (build_report(s, false, true, false, &r)) {
		report__free(&r);
		return;
	}
	f = open_memstream(&text, &len);
	if (f) {
		report__print_metrics(&r, f);
		if (!fclose(f))
			serve__publish(s->server, text, len);
	}
	free(text);
	report__free(&r);
}

/* --serve: listening before anything else, so that a taken port stops a command unrun. */
static int serve(struct session *s)
{
	if (!s->env->serve)
		return 0;
	s->server = serve__start(s->env->serve);
	if (!s->server)
		return -errno;
	s->demand_fd = serve__on_demand(s->server, SCRAPE_WAIT_MS);
	if (s->demand_fd < 0) {
		elog("cannot serve metrics at %s (%s)", s->env->serve, errstr(s->demand_fd));
		return s->demand_fd;
	}
	return 0;
}

/* A round that is not printed: the outstanding bytes now, for the growth's slope. */
static void quiet_round(struct session *s)
{
	struct report r;

	build_report(s, false, false, true, &r);
	report__free(&r);
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
			{ .fd = s->target.pidfd, .events = POLLIN },
			{ .fd = tracer__events_fd(s->tracer), .events = POLLIN },
			{ .fd = s->demand_fd, .events = POLLIN },	/* -1: ignored */
		};
		uint64_t now = now_ns(), until = rc.deadline_ns;
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
			tracer__consume(s->tracer);
		/* an exit comes first: the final report, not a round, is what describes it */
		if (fds[1].revents) {
			target__ended(&s->target);
			return;
		}
		if (stop_requested(s))
			return;
		if (fds[3].revents)
			publish_metrics(s);
		now = now_ns();
		if (round_clock__ended(&rc, now))
			return;
		if (now >= next_refresh) {
			follow__tick(s->tracer, &s->target, now);
			family__reap(&s->family);
			family__tick(&s->family, now);
			next_refresh = now + MODULE_REFRESH_NS;
			/* no -i: rounds all the same, unprinted, for growth_rate at the end */
			if (!s->env->interval_s)
				quiet_round(s);
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
static void resume_if_held(struct target *tg)
{
	if (tg->exit.exited)
		return;
	if (proc__stopped(tg->pid) > 0) {
		target__resume(tg, "leakbpf detached");
		vlog("PID %d was held at a stop: resumed", tg->pid);
	}
}

static void log_prog(const char *name, uint64_t runs, uint64_t run_ns, void *arg)
{
	vlog("bpf_stats: %s: %llu runs, %.1f ns each", name, (unsigned long long)runs,
	     runs ? (double)run_ns / runs : 0.0);
}

/* -v, with kernel.bpf_stats_enabled: what leakbpf's own programs cost, apart from traps */
static void log_prog_stats(struct session *s)
{
	if (log_verbose && s->tracer)
		tracer__prog_stats(s->tracer, log_prog, NULL);
}

/* Undo what the phases did: the target goes on as if leakbpf had never been there. */
static void detach(struct session *s)
{
	int i;

	/* the probes first */
	tracer__detach(s->tracer);
	/* a hold asked for before that (exec, loader, exit, fork) waits in the ring buffer */
	s->target.follow.detached = true;
	for (i = 1; i < s->family.n; i++)
		s->family.members[i]->follow.detached = true;
	s->family.detached = true;
	if (s->tracer)
		tracer__consume(s->tracer);
	tracer__free(s->tracer);
	s->tracer = NULL;
	if (s->env->cmd && s->phase >= PHASE_FOUND && s->phase < PHASE_RUNNING)
		launch__abort(&s->launch);	/* it has not run any of its own code: none at all */
	else if (s->env->cmd && s->phase == PHASE_RUNNING)
		resume_if_held(&s->target);
	/* -f: the children were stopped by leakbpf too, whether the target is -p or a command */
	for (i = 1; i < s->family.n; i++)
		resume_if_held(s->family.members[i]);
	family__free(&s->family);
	target__free(&s->target);
	report_history__free(&s->history);
	free(s->alloc);
	s->phase = PHASE_NONE;
}

int session__run(const struct env *env)
{
	struct session s = { .env = env, .sigfd = -1, .demand_fd = -1,
			     .target = { .pidfd = -1 } };
	bool leak = false;
	int err, status;

	setvbuf(stdout, NULL, _IOLBF, 0);

	err = open_signals(&s);
	if (err) {
		elog("cannot set up signal handling (%s)", errstr(err));
		status = EXIT_FAILED;
		goto cleanup;
	}
	err = serve(&s);
	if (err) {
		status = EXIT_FAILED;
		goto cleanup;
	}
	/* until it is known whether a failure is the target's exit (released once attached) */
	log_hold();
	err = start(&s);
	if (err) {
		if (!env->cmd && s.phase >= PHASE_FOUND && gone_while_attaching(&s)) {
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
	/* -p --reachability: stopped a moment for it (a command was scanned at its exit) */
	if (env->reachability && !env->cmd && !s.target.exit.exited &&
	    target__scan_reach_live(&s.target))
		elog("cannot stop PID %d for the reachability scan", s.target.pid);
	if (print_report(&s, true, &leak)) {
		status = EXIT_FAILED;
		goto cleanup;
	}
	if (leak)
		status = env->leak_exit_code;
	else if (s.target.exit.code_known)
		status = s.target.exit.code;
	else
		status = 0;
cleanup:
	log_prog_stats(&s);
	detach(&s);
	serve__stop(s.server);
	if (s.sigfd >= 0)
		close(s.sigfd);
	return status;
}
