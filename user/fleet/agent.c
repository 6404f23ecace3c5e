// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * The agent's loop: each second, new processes are picked up, windows begin and end and
 * the counters are read; each interval, every process is looked at from /proc. After
 * either, the exposition is rebuilt and published.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <jansson.h>
#include "base/log.h"
#include "base/loss.h"
#include "base/util.h"
#include "fleet/agent.h"
#include "fleet/metrics.h"
#include "probe/alloc.h"
#include "probe/tasks.h"
#include "probe/tracer.h"
#include "proc/allocator.h"
#include "serve/http.h"

#define NS 1000000000ULL
#define TICK_NS NS
/* a window too short to say anything: the budget then skips the process this period */
#define MIN_WINDOW_NS (NS / 2)
/* after a window that could not begin, with --probe-every 0: not every second */
#define RETRY_NS (60 * NS)
/* the hit cost assumed when it cannot be measured (a stripped binary) */
#define DEFAULT_HIT_NS 1000.0

struct agent {
	struct agent_state st;
	struct tracer *tracer;
	struct metrics_server *server;
	int sigfd;
	pid_t self;
	struct escalation esc;	/* the full-mode window under way */
	char self_exe[256];	/* leakbpf itself, to run it for one */
	pid_t *ending;		/* windows that ended this tick: detached together */
	int nending;
	/* kernel threads, by increasing pid: not looked at again until the next full scan */
	pid_t *kthreads;
	int nkthreads;
};

static int by_pid(const void *key, const void *elem)
{
	pid_t pid = *(const pid_t *)key, other = ((const struct watched *)elem)->look.pid;

	return pid < other ? -1 : pid > other;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return x < y ? -1 : x > y;
}

static bool is_kthread(const struct agent *ag, pid_t pid)
{
	return ag->nkthreads &&
	       bsearch(&pid, ag->kthreads, ag->nkthreads, sizeof(pid), cmp_pid) != NULL;
}

static struct watched *find(struct agent *ag, pid_t pid)
{
	return bsearch(&pid, ag->st.procs, ag->st.nprocs, sizeof(*ag->st.procs), by_pid);
}

/* ---- the probe windows ---- */

/* The probes go at the end of the tick, with those of every other window ending then. */
static void end_window(struct agent *ag, struct watched *w)
{
	pid_t *v;

	if (!w->probed)
		return;
	w->probed = false;
	v = realloc(ag->ending, (ag->nending + 1) * sizeof(*v));
	if (!v) {
		tracer__detach_allocator(ag->tracer, w->look.pid);
		return;
	}
	ag->ending = v;
	v[ag->nending++] = w->look.pid;
}

static void detach_ended(struct agent *ag)
{
	if (!ag->nending)
		return;
	tracer__detach_allocators(ag->tracer, ag->ending, ag->nending);
	ag->nending = 0;
}

/*
 * The average slowdown of this window's process over a period: hits per second while
 * probed, times a hit's cost, times the share of the period it is probed. Over the budget,
 * its next window shrinks to fit.
 */
static void judge_window(struct agent *ag, struct watched *w, uint64_t now)
{
	const struct agent_opts *o = ag->st.opts;
	uint64_t hits = (w->counts.mallocs - w->window_mallocs0) +
			(w->counts.free_calls - w->window_frees0);
	double secs = (double)(now - (w->window_end_ns - w->window_ns)) / NS;
	double during, share, budget = o->budget_pct / 100;

	if (secs <= 0)
		return;
	during = hits / secs * ag->st.hit_ns / NS;
	share = o->every_s > 0 ? (double)w->window_ns / NS / o->every_s : 1;
	w->slowdown = during * share;
	if (o->every_s > 0 && during > 0 && w->slowdown > budget) {
		w->window_ns = (uint64_t)(budget / during * o->every_s * NS);
		vlog("PID %d: %.2f%% slower while probed: its windows shrink to %.1f s", w->look.pid,
		     during * 100, (double)w->window_ns / NS);
	} else if (o->every_s > 0 && during > 0) {
		/* a quieter period may earn the full window back */
		uint64_t fits = (uint64_t)(budget / during * o->every_s * NS);
		uint64_t full = (uint64_t)(o->window_s * NS);

		w->window_ns = fits < full ? fits : full;
	}
}

static int begin_window(struct agent *ag, struct watched *w, uint64_t now)
{
	struct allocator *a;
	int err;

	if (w->window_ns < MIN_WINDOW_NS) {
		w->next_window_ns = now + (uint64_t)(ag->st.opts->every_s * NS);
		return 0;
	}
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	/*
	 * Through /proc/PID/root: a process in another mount namespace has its own libc. In
	 * windows, the probes are that process's alone. Probing every process all the time,
	 * one probe per allocator file serves them all: the kernel runs every probe of a
	 * file's site on each hit, one per process would make each hit walk hundreds.
	 */
	err = allocator__find_for_pid(w->look.pid, a);
	if (!err) {
		err = tracer__attach_allocator(ag->tracer, ag->st.opts->every_s > 0 ? w->look.pid
										   : -1, a);
		if (err == -EALREADY)
			err = 0;
		if (!err && ag->st.opts->every_s == 0)
			err = tracer__refresh_allocator(ag->tracer, w->look.pid);
	}
	free(a);
	if (err == -ENOENT) {
		w->unprobeable = true;	/* nothing defines malloc and free: nothing to count */
		return 0;
	}
	if (err) {
		tracer__detach_allocator(ag->tracer, w->look.pid);
		ag->st.failed_attaches++;
		vlog("PID %d: no probe window (%s)", w->look.pid, errstr(err));
		w->next_window_ns = now + (ag->st.opts->every_s > 0
					   ? (uint64_t)(ag->st.opts->every_s * NS) : RETRY_NS);
		return 0;
	}
	tracer__alloc_stats(ag->tracer, w->look.pid, &w->counts);
	w->window_mallocs0 = w->counts.mallocs;
	w->window_frees0 = w->counts.free_calls;
	w->probed = true;
	w->windows++;
	w->window_end_ns = now + w->window_ns;
	w->next_window_ns = now + (uint64_t)(ag->st.opts->every_s * NS);
	return 0;
}

/* Windows that end, windows that begin, and every registered process's counters. */
static void run_windows(struct agent *ag, uint64_t now)
{
	const struct agent_opts *o = ag->st.opts;
	int i;

	for (i = 0; i < ag->st.nprocs; i++) {
		struct watched *w = &ag->st.procs[i];

		if (!w->registered || w->exited)
			continue;
		tracer__alloc_stats(ag->tracer, w->look.pid, &w->counts);
		tracer__thread_stats(ag->tracer, w->look.pid, &w->threads);
		if (w->probed && o->every_s > 0 && now >= w->window_end_ns) {
			judge_window(ag, w, now);
			end_window(ag, w);
		} else if (w->probed && o->every_s == 0) {
			/* continuous: the window is everything since the start */
			w->window_end_ns = now;
			w->window_ns = now - w->first_seen_ns;
			judge_window(ag, w, now);
		}
		if (!w->probed && !w->unprobeable && now >= w->next_window_ns)
			begin_window(ag, w, now);
	}
	detach_ended(ag);
}

/* ---- escalation ---- */

/* Which of the leak criteria's signals crossed since the last full look, if any. */
static const char *crossed(const struct watched *w)
{
	uint64_t m = w->counts.mallocs - w->looked_mallocs;
	uint64_t f = w->counts.free_calls - w->looked_frees;

	if (w->registered && m >= 1000 && m > f && (double)(m - f) / m > 0.5)
		return "object growth";	/* over half of the allocations kept */
	if (w->nsamples >= 4 && w->growth_bytes_per_min > 1048576)
		return "memory growth";	/* over 1 MiB per minute */
	if (w->threads_first > 0 && w->look.threads > w->threads_first * 1.1 &&
	    w->look.threads - w->threads_first > 2)
		return "thread growth";	/* over 10% */
	if (w->oldest_close_wait_ns > 60 * NS)
		return "CLOSE_WAIT";	/* held over 60 s */
	return NULL;
}

/* One process a full look: one at a time, each at most once a period. */
static void consider_escalating(struct agent *ag, struct watched *w, uint64_t now)
{
	const struct agent_opts *o = ag->st.opts;
	const char *why = crossed(w);
	double period = o->every_s > 300 ? o->every_s : 300;
	int err;

	w->looked_mallocs = w->counts.mallocs;
	w->looked_frees = w->counts.free_calls;
	if (!why || ag->esc.pid || now < w->next_escalation_ns || !ag->self_exe[0])
		return;
	err = escalate__start(&ag->esc, ag->self_exe, w->look.pid, o->window_s);
	if (err) {
		vlog("PID %d: no full-mode window (%s)", w->look.pid, errstr(err));
		return;
	}
	vlog("PID %d (%s): %s: a full-mode window of %g s", w->look.pid, w->look.comm, why,
	     o->window_s);
	w->escalations++;
	w->next_escalation_ns = now + (uint64_t)(period * NS);
}

/* The sites of a finished full look, kept for the metrics and logged as a JSON line. */
static void collect_escalation(struct agent *ag)
{
	struct leak_site_brief sites[TOP_SITES];
	pid_t pid = ag->esc.pid;
	struct watched *w;
	json_t *line;
	int n = 0, i, r;

	if (!pid)
		return;
	r = escalate__poll(&ag->esc, sites, TOP_SITES, &n);
	if (r == 0)
		return;
	w = find(ag, pid);
	if (r < 0 || !w) {
		vlog("PID %d: the full-mode window gave no report (%s)", pid,
		     r < 0 ? errstr(r) : "it is gone");
		return;
	}
	memcpy(w->sites, sites, n * sizeof(*sites));
	w->nsites = n;
	line = json_pack("{s:i, s:s, s:[]}", "pid", pid, "comm", w->look.comm, "leak_sites");
	for (i = 0; line && i < n; i++)
		json_array_append_new(json_object_get(line, "leak_sites"),
				      json_pack("{s:s, s:I, s:I, s:f}", "site", sites[i].site,
						"bytes", (json_int_t)sites[i].bytes, "objects",
						(json_int_t)sites[i].objects, "oldest_age_s",
						sites[i].oldest_s));
	if (line && !json_dumpf(line, stdout, JSON_COMPACT))
		putchar('\n');
	fflush(stdout);
	json_decref(line);
}

/* ---- the processes ---- */

static void forget(struct agent *ag, struct watched *w)
{
	detach_ended(ag);	/* before its pid could be another process's */
	if (w->registered)
		tracer__forget_process(ag->tracer, w->look.pid);
	proc_look__free(&w->look);
	free(w->close_waits);
}

/* A new process: registered with the BPF side, its first window staggered in the period. */
static int adopt(struct agent *ag, const struct proc_look *look, uint64_t now)
{
	const struct agent_opts *o = ag->st.opts;
	struct watched *v, *w;
	int i, err;

	if (ag->st.nprocs >= o->max_procs) {
		ag->st.dropped_procs++;
		return -ENOSPC;
	}
	v = realloc(ag->st.procs, (ag->st.nprocs + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	ag->st.procs = v;
	for (i = ag->st.nprocs; i > 0 && v[i - 1].look.pid > look->pid; i--)
		v[i] = v[i - 1];
	w = &v[i];
	memset(w, 0, sizeof(*w));
	w->look = *look;
	w->first_seen_ns = now;
	w->threads_first = look->threads;
	w->fds_first = look->fds;
	w->window_ns = (uint64_t)(o->window_s * NS);
	/* spread over the period, so that windows take turns rather than come together */
	w->next_window_ns = o->every_s > 0 ? now + (uint64_t)(drand48() * o->every_s * NS) : now;
	ag->st.nprocs++;
	err = tracer__add_process(ag->tracer, look->pid);
	if (err)
		vlog("PID %d: not registered with the BPF programs (%s)", look->pid, errstr(err));
	else
		w->registered = true;
	return 0;
}

static void sample_growth(struct watched *w, uint64_t now)
{
	double n, st = 0, sr = 0, stt = 0, str = 0;
	int k;

	w->sample_ns[w->head] = now;
	w->sample_rss[w->head] = w->look.rss_bytes;
	w->head = (w->head + 1) % GROWTH_SAMPLES;
	if (w->nsamples < GROWTH_SAMPLES)
		w->nsamples++;
	if (w->nsamples < 2)
		return;
	n = w->nsamples;
	for (k = 0; k < w->nsamples; k++) {
		double t = (double)(w->sample_ns[k] - w->first_seen_ns) / NS / 60;
		double r = w->sample_rss[k];

		st += t;
		sr += r;
		stt += t * t;
		str += t * r;
	}
	w->growth_bytes_per_min = n * stt - st * st > 0 ? (n * str - st * sr) / (n * stt - st * st)
						       : 0;
}

/* Carry the CLOSE_WAIT sockets' first sightings over to the new look. */
static void age_close_waits(struct watched *w, uint64_t now)
{
	struct close_wait_age *ages = NULL;
	int i, k, n = w->look.nclose_waits;

	w->oldest_close_wait_ns = 0;
	if (n)
		ages = calloc(n, sizeof(*ages));
	for (i = 0; ages && i < n; i++) {
		ages[i] = (struct close_wait_age){ .inode = w->look.close_waits[i], .since_ns = now };
		for (k = 0; k < w->nclose_waits; k++) {
			if (w->close_waits[k].inode == ages[i].inode)
				ages[i].since_ns = w->close_waits[k].since_ns;
		}
		if (now - ages[i].since_ns > w->oldest_close_wait_ns)
			w->oldest_close_wait_ns = now - ages[i].since_ns;
	}
	free(w->close_waits);
	w->close_waits = ages;
	w->nclose_waits = ages ? n : 0;
}

static void update(struct watched *w, struct proc_look *look, uint64_t now)
{
	proc_look__free(&w->look);
	w->look = *look;
	sample_growth(w, now);
	age_close_waits(w, now);
}

static void remember_kthread(struct agent *ag, pid_t pid)
{
	pid_t *v = realloc(ag->kthreads, (ag->nkthreads + 1) * sizeof(*v));

	if (!v)
		return;	/* looked at again next time: only slower */
	ag->kthreads = v;
	v[ag->nkthreads++] = pid;
}

/*
 * Look at every process (full: also those known already), pick up the new ones, and mark
 * those gone: exported once more as they last were, then dropped at the next pass.
 */
static void scan(struct agent *ag, bool full, uint64_t now)
{
	struct tcp_tables tcp = {};
	pid_t *pids;
	int n, i, k, kept, err;

	/* the exited, exported once already */
	for (i = 0, kept = 0; i < ag->st.nprocs; i++) {
		if (ag->st.procs[i].exited)
			forget(ag, &ag->st.procs[i]);
		else
			ag->st.procs[kept++] = ag->st.procs[i];
	}
	ag->st.nprocs = kept;
	if (census__pids(&pids, &n))
		return;
	if (full)
		ag->nkthreads = 0;	/* pids, in increasing order, as they come below */
	for (i = 0, k = 0; i < n; i++) {
		struct watched *w;
		struct proc_look look;

		/* the exited: every watched pid below this one that /proc no longer lists */
		for (; k < ag->st.nprocs && ag->st.procs[k].look.pid < pids[i]; k++)
			ag->st.procs[k].exited = true;
		w = k < ag->st.nprocs && ag->st.procs[k].look.pid == pids[i] ? &ag->st.procs[k]
									     : NULL;
		if (w)
			k++;
		/* itself and its own full-mode looks are not watched */
		if (pids[i] == ag->self || (ag->esc.pid && pids[i] == ag->esc.child))
			continue;
		if ((w && !full) || (!full && is_kthread(ag, pids[i])))
			continue;
		err = census__look(pids[i], &tcp, &look);
		if (err == -EINVAL && full)
			remember_kthread(ag, pids[i]);
		if (err)
			continue;	/* a kernel thread, or gone already */
		if (w && w->look.start_ticks != look.start_ticks) {
			w->exited = true;	/* the pid was reused: a new process next time */
			proc_look__free(&look);
		} else if (w) {
			if (strcmp(w->look.exe, look.exe) && w->probed)
				end_window(ag, w);	/* exec'd: the next window probes the new image */
			update(w, &look, now);
			consider_escalating(ag, w, now);
		} else if (adopt(ag, &look, now)) {
			proc_look__free(&look);
		} else {
			/* inserted at the cursor, the only place its pid can go */
			w = &ag->st.procs[k++];
			sample_growth(w, now);
			age_close_waits(w, now);
		}
	}
	for (; k < ag->st.nprocs; k++)
		ag->st.procs[k].exited = true;
	free(pids);
	tcp_tables__free(&tcp);
}

/* ---- the agent's own numbers, and publishing ---- */

static void measure_self(struct agent *ag)
{
	unsigned long long pages;
	struct losses l = {};
	struct rusage ru;
	FILE *f;

	if (!getrusage(RUSAGE_SELF, &ru))
		ag->st.cpu_s = ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
			       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
	/* statm's second field: resident pages now (getrusage has only the peak) */
	f = fopen("/proc/self/statm", "re");
	if (f && fscanf(f, "%*u %llu", &pages) == 1)
		ag->st.rss_bytes = pages * (uint64_t)sysconf(_SC_PAGESIZE);
	if (f)
		fclose(f);
	tracer__losses(ag->tracer, &l);
	ag->st.lost_events = losses__total(&l);
}

static void publish(struct agent *ag)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if (!ag->server)
		return;
	f = open_memstream(&text, &len);
	if (!f)
		return;
	measure_self(ag);
	metrics__write(&ag->st, f);
	if (!fclose(f))
		serve__publish(ag->server, text, len);
	free(text);
}

static bool stop_requested(struct agent *ag)
{
	struct signalfd_siginfo si;

	while (read(ag->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo != SIGCHLD) {
			vlog("%s: stopping", strsignal(si.ssi_signo));
			return true;
		}
	}
	return false;
}

static int open_signals(struct agent *ag)
{
	sigset_t mask;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL))
		return -errno;
	ag->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	return ag->sigfd < 0 ? -errno : 0;
}

static int start(struct agent *ag, const struct agent_opts *o)
{
	struct tracer_opts topts = { .mode = MODE_COUNTS, .sample_every = 1, .max_allocs = 1,
				     .max_stacks = 1 };
	int err;

	err = open_signals(ag);
	if (err) {
		elog("cannot set up signal handling (%s)", errstr(err));
		return err;
	}
	if (o->serve) {
		ag->server = serve__start(o->serve);
		if (!ag->server)
			return -errno;
	}
	ag->tracer = tracer__new(&topts);
	if (!ag->tracer)
		return -errno;
	if (tracer__measure_hit_ns(ag->tracer, &ag->st.hit_ns) || ag->st.hit_ns <= 0) {
		vlog("cannot time a probe hit here: the budget assumes %.0f ns", DEFAULT_HIT_NS);
		ag->st.hit_ns = DEFAULT_HIT_NS;
	}
	vlog("a probe hit costs %.0f ns here", ag->st.hit_ns);
	return 0;
}

int agent__run(const struct agent_opts *o)
{
	struct agent ag = { .st.opts = o, .sigfd = -1, .self = getpid() };
	uint64_t began = now_ns(), next_scan = 0, end;
	int i, status = 0;

	srand48(began);
	if (readlink("/proc/self/exe", ag.self_exe, sizeof(ag.self_exe) - 1) < 0)
		ag.self_exe[0] = '\0';	/* no escalation: nothing to run */
	if (start(&ag, o)) {
		status = 1;
		goto out;
	}
	end = o->duration_s > 0 ? began + (uint64_t)(o->duration_s * NS) : UINT64_MAX;
	fprintf(stderr, "leakbpf: watching every process%s%s\n", o->serve ? ", metrics at " : "",
		o->serve ? o->serve : "");
	for (;;) {
		struct pollfd pfd = { .fd = ag.sigfd, .events = POLLIN };
		uint64_t now = now_ns(), t0;
		bool full = now >= next_scan;

		t0 = now;
		scan(&ag, full, now);
		if (full) {
			ag.st.scan_s = (double)(now_ns() - t0) / NS;
			next_scan = now + (uint64_t)(o->interval_s * NS);
		}
		run_windows(&ag, now_ns());
		collect_escalation(&ag);
		publish(&ag);
		if (now >= end)
			break;
		if (poll(&pfd, 1, TICK_NS / 1000000) > 0 && stop_requested(&ag))
			break;
	}
out:
	escalate__stop(&ag.esc);
	for (i = 0; i < ag.st.nprocs; i++)
		forget(&ag, &ag.st.procs[i]);
	free(ag.st.procs);
	free(ag.kthreads);
	free(ag.ending);
	tracer__free(ag.tracer);
	serve__stop(ag.server);
	if (ag.sigfd >= 0)
		close(ag.sigfd);
	return status;
}
