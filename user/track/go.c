// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <errno.h>
#include <math.h>
#include <string.h>
#include "base/log.h"
#include "base/util.h"
#include "probe/go.h"
#include "proc/procfs.h"
#include "proc/symbolize.h"
#include "track/go.h"
#include "track/snapshot.h"
#include "track/target.h"

struct exe_base {
	const char *exe;
	uint64_t start;
	bool found;
};

static int find_base(const struct proc_map *m, void *arg)
{
	struct exe_base *b = arg;

	if (!m->path || m->offset || strcmp(m->path, b->exe))
		return 0;
	b->start = m->start;
	b->found = true;
	return 1;
}

/* What to add to the executable's link-time addresses: where it was loaded (PIE) */
static uint64_t load_bias(struct target *tg)
{
	struct exe_base b = { .exe = tg->exe };

	if (proc__for_each_map(tg->pid, find_base, &b) < 0 || !b.found)
		return 0;
	return b.start - tg->go.bin.base_vaddr;
}

/* A command's bias is known once it runs its own image: found at the first read. */
static uint64_t bias_now(struct target *tg)
{
	if (!tg->go.bias_known) {
		tg->go.bias = load_bias(tg);
		tg->go.bias_known = true;
	}
	return tg->go.bias;
}

bool go_target__find(struct go_target *g, const char *path)
{
	memset(g, 0, sizeof(*g));
	g->is_go = !go_binary__open(path, &g->bin);
	return g->is_go;
}

/*
 * Where the runtime adds up its allocations, so they are counted as MemStats counts them:
 * false (with why) when this Go's allocator is not the one leakbpf knows.
 */
static bool find_alloc_counts(struct target *tg, const char *path, struct go_probe_sites *at)
{
	const struct go_binary *b = &tg->go.bin;
	int err;

	/* go.bpf.c keeps the offsets in 16 bits, and walks up to GO_MAX_SPAN_CLASSES */
	if (!b->alloc_layout_known || b->mcache_nclasses > GO_MAX_SPAN_CLASSES ||
	    (b->mcache_alloc | b->mcache_tiny_allocs | b->mspan_alloc_count |
	     b->mspan_before_cache | b->mspan_elemsize) > 0xffff) {
		elog("PID %d: %s's allocator keeps its counts where leakbpf does not look: Go "
		     "allocations are not counted", tg->pid, b->version);
		return false;
	}
	/* refill(c, spanClass) and allocLarge(c, size) read two arguments, releaseAll one */
	err = go_binary__probe_offset(path, "runtime.(*mcache).refill", 3, &at->refill);
	if (!err)
		err = go_binary__probe_offset(path, "runtime.(*mcache).releaseAll", 1,
					      &at->release_all);
	if (!err)
		err = go_binary__probe_offset(path, "runtime.(*mcache).allocLarge", 3,
					      &at->alloc_large);
	if (err) {
		elog("PID %d: %s's allocator lacks a function leakbpf probes (%s): Go "
		     "allocations are not counted", tg->pid, b->version, errstr(err));
		at->refill = 0;
		return false;
	}
	at->alloc = (struct go_alloc_layout){
		.mcache_alloc = b->mcache_alloc,
		.mcache_tiny_allocs = b->mcache_tiny_allocs,
		.nclasses = b->mcache_nclasses,
		.span_alloc_count = b->mspan_alloc_count,
		.span_before_cache = b->mspan_before_cache,
		.span_elemsize = b->mspan_elemsize,
	};
	return true;
}

int go_target__attach(struct tracer *t, struct target *tg, const char *path, bool command)
{
	struct go_target *g = &tg->go;
	struct go_probe_sites at = { .g_startpc = g->bin.g_startpc };
	int err;

	if (!g->is_go)
		return 0;
	if (!g->bin.layout_known || !g->bin.regabi) {
		elog("PID %d: %s (%s) has no DWARF leakbpf can read, or an older calling "
		     "convention: goroutines and GC are not traced", tg->pid, tg->exe,
		     g->bin.version[0] ? g->bin.version : "Go");
		return 0;
	}
	/* each reads its first argument (RAX), main.main none */
	err = go_binary__probe_offset(path, "runtime.newproc1", 1, &at.newproc1);
	if (!err)
		err = go_binary__probe_offset(path, "runtime.goexit0", 1, &at.goexit0);
	/* a command's goroutines at its start are those main.main finds */
	if (!err && command)
		err = go_binary__probe_offset(path, "main.main", 0, &at.main_main);
	if (err) {
		elog("PID %d: the Go runtime of %s lacks a function leakbpf probes (%s)", tg->pid,
		     tg->exe, errstr(err));
		return err;
	}
	g->counts_allocs = find_alloc_counts(tg, path, &at);
	err = tracer__attach_go(t, tg->pid, path, &at);
	if (err)
		return err;
	g->from_start = command;
	/* -p: where it stands now (its own bookkeeping, read from its memory) */
	if (!command) {
		err = go_runtime__read(tg->pid, &g->bin, bias_now(tg), &g->start);
		g->have_start = !err;
		if (err)
			elog("PID %d: cannot read the Go runtime's state (%s)", tg->pid, errstr(err));
	}
	vlog("PID %d: %s, goroutines, GC%s traced", tg->pid, g->bin.version,
	     g->counts_allocs ? " and allocations" : "");
	return 0;
}

void go_target__at_exit(struct target *tg)
{
	struct go_target *g = &tg->go;

	if (!g->is_go || !g->bin.layout_known)
		return;
	g->have_end = !go_runtime__read(tg->pid, &g->bin, bias_now(tg), &g->end);
	g->end_at_exit = true;
}

/*
 * Its state now, unless it was read at its exit: once let go from there it is dying, and
 * a read racing its exit would find its memory half gone (a snapshot can come before
 * its exit is noticed).
 */
static void read_end(struct target *tg)
{
	struct go_target *g = &tg->go;
	struct go_state now;
	int err;

	if (tg->exit.exited || g->end_at_exit)
		return;
	err = go_runtime__read(tg->pid, &g->bin, bias_now(tg), &now);
	g->have_end = !err;
	if (!err)
		g->end = now;
}

/* Goroutines of the runtime's own (not counted by runtime.NumGoroutine): they start in a
 * runtime. function, runtime.main (the program's main goroutine) excepted. */
static bool system_goroutine(struct symbolizer *sym, uint64_t startpc)
{
	struct frame f = {};

	if (!sym)
		return false;
	symbolizer__resolve(sym, startpc, false, &f);
	return f.symbol && strcmp(f.symbol, "runtime.main") &&
	       !strncmp(f.symbol, "runtime.", strlen("runtime."));
}

struct start_sums {
	struct symbolizer *sym;
	uint64_t n[2][2];	/* [before main.main][created, exited] */
};

static int add_start(const struct go_start_key *key, uint64_t n, void *arg)
{
	struct start_sums *s = arg;

	if (key->kind <= GO_EXITED && !system_goroutine(s->sym, key->startpc))
		s->n[!!key->before_main][key->kind] += n;
	return 0;
}

/*
 * Its allocations while traced, as ReadMemStats would count them now: what the probes saw
 * the runtime count, and what the caches gave out and it has not counted yet, less what
 * they held uncounted at attach (objects from before it, counted when their span left).
 */
static void count_allocs(const struct go_target *g, const struct go_stats *st,
			 struct go_counts *c)
{
	uint64_t mallocs = st->mallocs, bytes = st->bytes;

	if (g->have_end && g->end.cached_known) {
		mallocs += g->end.cached_mallocs;
		bytes += g->end.cached_bytes;
	}
	if (!g->from_start && g->have_start && g->start.cached_known) {
		mallocs -= mallocs < g->start.cached_mallocs ? mallocs : g->start.cached_mallocs;
		bytes -= bytes < g->start.cached_bytes ? bytes : g->start.cached_bytes;
	}
	c->mallocs = mallocs;
	c->bytes_allocated = bytes;
}

int go_target__snapshot(struct tracer *t, struct target *tg, struct proc_snapshot *ps)
{
	struct go_target *g = &tg->go;
	struct go_counts *c = &ps->go;
	struct start_sums sums = { .sym = tg->sym };
	struct go_stats st = {};
	uint64_t max_ns, total_ns, start_gc;
	bool traced = g->is_go && g->bin.layout_known && g->bin.regabi;
	int err;

	if (!g->is_go)
		return 0;
	c->present = true;
	snprintf(c->version, sizeof(c->version), "%s", g->bin.version);
	c->goroutines_start = c->goroutines_end = c->created = c->exited = UNKNOWN;
	c->gc_cycles = c->mallocs = c->bytes_allocated = c->live_start = c->live_end = UNKNOWN;
	c->pause_max_ms = c->pause_total_ms = NAN;
	c->runtime_fds[0] = c->runtime_fds[1] = c->runtime_fds[2] = -1;
	if (!traced)
		return 0;
	err = tracer__go_starts(t, tg->pid, add_start, &sums);
	if (err)
		return err;
	read_end(tg);
	if (g->counts_allocs && !tracer__go_stats(t, tg->pid, &st))
		count_allocs(g, &st, c);
	if (g->from_start) {
		uint32_t threads;

		/* its runtime's threads start before main.main too: they are not its growth */
		if (ps->threads.present && !tracer__go_main_threads(t, tg->pid, &threads))
			ps->threads.start = threads;
		/* everything since its first instruction: the start is what main.main found */
		c->goroutines_start = sums.n[1][GO_CREATED] - sums.n[1][GO_EXITED];
		c->created = sums.n[0][GO_CREATED];
		c->exited = sums.n[0][GO_EXITED];
		start_gc = 0;
		c->live_start = 0;
	} else {
		c->created = sums.n[1][GO_CREATED] + sums.n[0][GO_CREATED];
		c->exited = sums.n[1][GO_EXITED] + sums.n[0][GO_EXITED];
		if (g->have_start) {
			c->goroutines_start = g->start.goroutines;
			c->live_start = g->start.heap_marked;
		}
		start_gc = g->have_start ? g->start.numgc : UINT64_MAX;
	}
	if (g->have_end) {
		c->goroutines_end = g->end.goroutines;
		memcpy(c->runtime_fds, g->end.runtime_fds, sizeof(c->runtime_fds));
	}
	else if (c->goroutines_start != UNKNOWN)
		c->goroutines_end = c->goroutines_start + c->created - c->exited;
	if (!g->have_end || start_gc == UINT64_MAX)
		return 0;
	c->live_end = g->end.heap_marked;
	c->gc_cycles = g->end.numgc - start_gc;
	err = go_state__pauses(&g->end, start_gc, &max_ns, &total_ns);
	if (err == -ERANGE)	/* over 256 cycles: the runtime's own total for all of them */
		total_ns = g->end.pause_total_ns - (g->have_start ? g->start.pause_total_ns : 0);
	c->pause_max_ms = max_ns / 1e6;
	c->pause_total_ms = total_ns / 1e6;
	return 0;
}
