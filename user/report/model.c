// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/* From a snapshot to a report: the numbers derived, the lists ordered and cut, judged. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include "report/report.h"

/* v * scale rounded, never above cap */
static uint64_t scaled(uint64_t v, double scale, uint64_t cap)
{
	double x = round(v * scale);

	return x >= (double)cap ? cap : (uint64_t)x;
}

static void fill_memory(const struct proc_snapshot *ps, struct memory_report *m)
{
	const struct alloc_counts *st = &ps->alloc;
	/* a block an exec took away is not outstanding, and was not freed either */
	uint64_t gone = st->frees + st->exec_released;
	uint64_t bytes_gone = st->bytes_freed + st->bytes_exec_released;

	if (!ps->alloc_traced) {
		m->why_absent = ps->no_alloc_why;
		m->mallocs = m->frees = m->free_calls = m->untracked_frees = UNKNOWN;
		m->outstanding_objects = m->outstanding_bytes = m->untracked_allocs = UNKNOWN;
		m->growth_bytes_per_min = m->free_rate = NAN;
		return;
	}
	m->present = true;
	m->mallocs = st->mallocs;
	m->bytes_allocated = st->bytes_allocated;
	m->free_calls = st->free_calls;
	m->growth_bytes_per_min = NAN;
	m->scale_objects = m->scale_bytes = 1;
	m->untracked_allocs = ps->blocks_followed ? st->untracked_allocs : UNKNOWN;
	if (!ps->blocks_followed) {
		/* no block is followed: whether a free released a block from before attach,
		 * and what is outstanding, is not known; free_calls is */
		m->frees = m->untracked_frees = m->bytes_freed = UNKNOWN;
		m->outstanding_objects = m->outstanding_bytes = UNKNOWN;
		m->released_at_exec = m->bytes_released_at_exec = UNKNOWN;
		m->free_rate = NAN;
		return;
	}
	if (ps->sample_every > 1) {
		/*
		 * -s N: the followed blocks stand for the allocations in the proportion the sample
		 * actually drew (mallocs / tracked, about N). The frees of followed blocks, so
		 * scaled, are the estimated frees of blocks allocated while traced; the rest of
		 * the exact free calls are estimated to be frees of older blocks.
		 */
		m->estimated = true;
		m->scale_objects = st->tracked ? (double)st->mallocs / st->tracked : 0;
		m->scale_bytes = st->bytes_tracked ? (double)st->bytes_allocated / st->bytes_tracked
						   : 0;
		m->frees = scaled(st->frees, m->scale_objects, st->free_calls);
		m->untracked_frees = st->free_calls - m->frees;
		m->bytes_freed = scaled(st->bytes_freed, m->scale_bytes, st->bytes_allocated);
		m->released_at_exec = scaled(st->exec_released, m->scale_objects, st->mallocs);
		m->bytes_released_at_exec = scaled(st->bytes_exec_released, m->scale_bytes,
						   st->bytes_allocated);
		m->outstanding_objects = st->tracked >= gone ?
			scaled(st->tracked - gone, m->scale_objects, st->mallocs) : 0;
		m->outstanding_bytes = st->bytes_tracked >= bytes_gone ?
			scaled(st->bytes_tracked - bytes_gone, m->scale_bytes,
			       st->bytes_allocated) : 0;
	} else {
		m->frees = st->frees;
		m->bytes_freed = st->bytes_freed;
		m->untracked_frees = st->untracked_frees;
		m->released_at_exec = st->exec_released;
		m->bytes_released_at_exec = st->bytes_exec_released;
		m->outstanding_objects = st->tracked >= gone ? st->tracked - gone : 0;
		m->outstanding_bytes = st->bytes_tracked >= bytes_gone ?
				       st->bytes_tracked - bytes_gone : 0;
	}
	m->free_rate = m->mallocs ? fmax(0.0, fmin(1.0, (double)m->frees / m->mallocs)) : NAN;
}

/* secs: the process's traced time, attach to now or to its exit (items stop there) */
static void fill_items(const struct report_opts *o, const struct item_counts *c, double secs,
		       struct items_report *it)
{
	it->present = o->item_probe != NULL;
	it->batches = UNKNOWN;
	it->per_sec = it->mean_batch = NAN;
	if (!it->present)
		return;
	it->probe = o->item_probe;
	it->count = c->items;
	it->per_sec = secs > 0 ? c->items / secs : NAN;
	if (o->batches) {
		it->batches = c->batches;
		it->mean_batch = c->batches ? (double)c->items / c->batches : NAN;
	}
}

/* The frames of n addresses, named when sym can (return addresses, but for the first). */
static struct frame *frames_of(struct symbolizer *sym, const uint64_t *ips, int n)
{
	struct frame *f = calloc(n, sizeof(*f));
	int j;

	for (j = 0; f && j < n; j++) {
		if (sym)
			symbolizer__resolve(sym, ips[j], true, &f[j]);
		else
			f[j].addr = ips[j];
	}
	return f;
}

static int by_bytes_desc(const void *a, const void *b)
{
	const struct block_site *x = *(struct block_site *const *)a;
	const struct block_site *y = *(struct block_site *const *)b;

	/* after a scan: direct leaks first, as LeakSanitizer lists them */
	if (x->leak_class != y->leak_class)
		return x->leak_class < y->leak_class ? -1 : 1;
	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? 1 : -1;
	if (x->objects != y->objects)
		return x->objects < y->objects ? 1 : -1;
	return x->oldest_ns < y->oldest_ns ? -1 : x->oldest_ns > y->oldest_ns;
}

/* The largest sites first, --top of them, as estimates under -s N. */
/* from: when its tracing began, in seconds after the run's attach (the births' clock) */
static int fill_sites(const struct proc_snapshot *ps, double from, int top,
		      struct proc_report *p)
{	const struct block_site **order;
	int i;

	order = calloc(ps->nsites ? ps->nsites : 1, sizeof(*order));
	if (!order)
		return -ENOMEM;
	for (i = 0; i < ps->nsites; i++)
		order[i] = &ps->sites[i];
	qsort(order, ps->nsites, sizeof(*order), by_bytes_desc);
	p->sites_total = ps->nsites;
	p->nsites = ps->nsites < top ? ps->nsites : top;
	p->sites = calloc(p->nsites ? p->nsites : 1, sizeof(*p->sites));
	if (!p->sites) {
		p->nsites = 0;
		free(order);
		return -ENOMEM;
	}
	for (i = 0; i < p->nsites; i++) {
		const struct block_site *s = order[i];
		struct leak_site *ls = &p->sites[i];

		/* estimates under -s N: at least the one block seen */
		ls->objects = s->objects * p->memory.scale_objects + 0.5;
		ls->bytes = s->bytes * p->memory.scale_bytes + 0.5;
		if (!ls->objects)
			ls->objects = s->objects;
		ls->leak_class = s->leak_class == 1 ? "direct" : s->leak_class == 2 ? "indirect" :
				 s->leak_class == 3 ? "reachable" :
				 s->leak_class == 4 ? "suppressed" : NULL;
		ls->oldest_age_s = s->oldest_ns != UINT64_MAX && ps->end_ns > s->oldest_ns ?
				   (ps->end_ns - s->oldest_ns) / 1e9 : NAN;
		ls->growth_bytes_per_min = NAN;
		if (s->born.bytes > 0 && p->traced_s >= GROWTH_MIN_SECONDS)
			ls->growth_bytes_per_min =
				slope_of_births(s->born.bytes, s->born.t1, s->born.t2, from,
						from + p->traced_s) * 60 * p->memory.scale_bytes;
		if (s->nips <= 0)
			continue;
		ls->frames = frames_of(ps->sym, s->ips, s->nips);
		if (ls->frames)
			ls->nframes = s->nips;
	}
	free(order);
	return 0;
}

/* The oldest first; fds opened out of sight (no time) last, by number. */
static int by_age(const void *a, const void *b)
{
	const struct open_fd *x = *(const struct open_fd *const *)a;
	const struct open_fd *y = *(const struct open_fd *const *)b;

	if (!x->ts_ns != !y->ts_ns)
		return x->ts_ns ? -1 : 1;
	if (x->ts_ns != y->ts_ns)
		return x->ts_ns < y->ts_ns ? -1 : 1;
	return (x->fd > y->fd) - (x->fd < y->fd);
}

/* Every fd opened while traced and still open counts for fd_age; the oldest are listed. */
static int fill_leaked_fds(const struct proc_snapshot *ps, const struct thresholds *th,
			   struct proc_report *p)
{
	const struct open_fd **order;
	int i;

	order = calloc(ps->nopen_fds ? ps->nopen_fds : 1, sizeof(*order));
	if (!order)
		return -ENOMEM;
	for (i = 0; i < ps->nopen_fds; i++)
		order[i] = &ps->open_fds[i];
	qsort(order, ps->nopen_fds, sizeof(*order), by_age);
	p->leaked_fds_total = ps->nopen_fds;
	p->nleaked_fds = ps->nopen_fds < MAX_LISTED_FDS ? ps->nopen_fds : MAX_LISTED_FDS;
	p->leaked_fds = calloc(p->nleaked_fds ? p->nleaked_fds : 1, sizeof(*p->leaked_fds));
	if (!p->leaked_fds) {
		p->nleaked_fds = 0;
		free(order);
		return -ENOMEM;
	}
	for (i = 0; i < ps->nopen_fds; i++) {
		const struct open_fd *o = order[i];
		double limit = o->kind == FD_SOCKET ? th->fd_age_socket : th->v[CHECK_FD_AGE];
		uint64_t when = ps->fds.when_ns;
		double age = o->ts_ns && when > o->ts_ns ? (when - o->ts_ns) / 1e9 :
			     o->ts_ns ? 0 : NAN;
		struct leaked_fd *l;

		age_worst__add(&p->fd_ages, age, limit);
		if (i >= p->nleaked_fds)
			continue;
		l = &p->leaked_fds[i];
		l->fd = o->fd;
		l->kind = o->kind;
		snprintf(l->target, sizeof(l->target), "%s", o->target ? o->target : "");
		l->age_s = age;
		l->over_age = !isnan(age) && age > limit;
		if (!o->nips)
			continue;
		/* the symbolizer knows the image the process runs now, not an older one */
		l->frames = frames_of(o->old_image ? NULL : ps->sym, o->ips, o->nips);
		if (l->frames)
			l->nframes = o->nips;
	}
	free(order);
	return 0;
}

static void fill_close_waits(const struct proc_snapshot *ps, double limit_s,
			     struct proc_report *p)
{
	int i;

	/* 0 s means any time at all: the check then fails on every CLOSE_WAIT socket */
	for (i = 0; i < ps->nclose_waits; i++)
		age_worst__add(&p->close_wait_ages, ps->close_wait_ns[i] / 1e9, limit_s);
	/* one limit for all: the worst is the longest */
	p->oldest_close_wait_s = p->close_wait_ages.n ? p->close_wait_ages.age_s : NAN;
}

/* Remember this report's outstanding bytes; the rounds of the process so far, or NULL. */
static struct proc_rounds *add_round(struct report_history *h, pid_t pid, double secs,
					   double bytes)
{
	struct proc_rounds *r = NULL;
	double *s, *b;
	int i;

	for (i = 0; i < h->n && !r; i++)
		r = h->procs[i].pid == pid ? &h->procs[i] : NULL;
	if (!r) {
		r = realloc(h->procs, (h->n + 1) * sizeof(*r));
		if (!r)
			return NULL;
		h->procs = r;
		r = &h->procs[h->n++];
		*r = (struct proc_rounds){ .pid = pid };
	}
	s = realloc(r->secs, (r->n + 1) * sizeof(*s));
	if (!s)
		return NULL;
	r->secs = s;
	b = realloc(r->bytes, (r->n + 1) * sizeof(*b));
	if (!b)
		return NULL;
	r->bytes = b;
	s[r->n] = secs;
	b[r->n] = bytes;
	r->n++;
	return r;
}

void report_history__free(struct report_history *h)
{
	int i;

	for (i = 0; i < h->n; i++) {
		free(h->procs[i].secs);
		free(h->procs[i].bytes);
	}
	free(h->procs);
	h->procs = NULL;
	h->n = 0;
}

/*
 * A Go program's runtime opens its netpoller's fds (an epoll instance and its wake-up
 * pipe or eventfd) when the program first uses a file, and keeps them for good: like its
 * threads, no growth of the program's. Known by the numbers the runtime keeps them under;
 * those opened while traced are left out of fd_growth.
 */
static uint64_t runtime_fds(const struct proc_report *p)
{
	uint64_t n = 0;
	int i, j;

	if (!p->go.present || p->fds.end == UNKNOWN)
		return 0;
	for (i = 0; i < 3; i++) {
		for (j = 0; p->go.runtime_fds[i] >= 0 && j < p->nleaked_fds; j++) {
			if (p->leaked_fds[j].fd == p->go.runtime_fds[i]) {
				n++;
				break;
			}
		}
	}
	return n <= p->fds.end ? n : 0;
}

/* The listed site whose bytes grew fastest, for growth_rate to name; NULL if none grew */
static const struct leak_site *fastest_growing(const struct proc_report *p)
{
	const struct leak_site *top = NULL;
	int i;

	for (i = 0; i < p->nsites; i++) {
		const struct leak_site *s = &p->sites[i];

		if (s->growth_bytes_per_min > 0 &&
		    (!top || s->growth_bytes_per_min > top->growth_bytes_per_min))
			top = s;
	}
	return top;
}

/* What the checks look at, from the sections built above. */
static void judge(const struct proc_report *p, int rounds, const struct thresholds *th,
		  struct verdict *out)
{
	const struct leak_site *top = fastest_growing(p);
	struct verdict_input in = {
		.memory = p->memory.present,
		.memory_why = p->memory.why_absent,
		.mallocs = p->memory.mallocs,
		.frees = p->memory.frees,
		.untracked_allocs = p->memory.untracked_allocs,
		.outstanding_objects = p->memory.outstanding_objects,
		.outstanding_bytes = p->memory.outstanding_bytes,
		.items = p->items.present,
		.item_count = p->items.count,
		.threads = p->threads.present,
		.threads_start = p->threads.start,
		.threads_end = p->threads.end,
		.fds = p->fds.present,
		.fds_start = p->fds.start,
		.fds_end = p->fds.end - runtime_fds(p),
		.fd_age = p->fd_ages,
		.sockets = p->sockets.present,
		.close_wait = p->close_wait_ages,
		.reachability = p->memory.reach.present,
		.lost_objects = p->memory.reach.objects[1] + p->memory.reach.objects[2],
		.reach_why = p->memory.reach.why_not,
		.go = p->go.present,
		.goroutines_start = p->go.goroutines_start,
		.goroutines_end = p->go.goroutines_end,
		.gc_pause_max_ms = p->go.pause_max_ms,
		.go_live_start = p->go.present ? p->go.live_start : UNKNOWN,
		.go_live_end = p->go.present ? p->go.live_end : UNKNOWN,
		.rounds = rounds,
		.growth_bytes_per_min = p->memory.growth_bytes_per_min,
		.top_site = !top ? NULL : top->nframes && top->frames[0].symbol ?
			    top->frames[0].symbol : "(a site without a symbol)",
		.top_site_growth = top ? top->growth_bytes_per_min : NAN,
	};

	verdict__evaluate(&in, th, out);
}

static int build_proc(const struct run_snapshot *s, const struct proc_snapshot *ps,
		      const struct report_opts *o, struct report_history *h,
		      struct report *r, struct proc_report *p)
{
	struct proc_rounds *rounds;
	uint64_t start;
	int samples, err;

	p->pid = ps->pid;
	p->parent = ps->parent;
	snprintf(p->cmdline, sizeof(p->cmdline), "%s", ps->cmdline);
	snprintf(p->comm, sizeof(p->comm), "%s", ps->comm);
	snprintf(p->exe, sizeof(p->exe), "%s", ps->exe);
	p->exited = ps->exited;
	p->exit_code_known = ps->exit_code_known;
	p->exit_code = ps->exit_code;
	/* the same expression as duration_s while it runs: the same double */
	start = ps->start_ns > s->attach_ns ? ps->start_ns : s->attach_ns;
	p->traced_s = ps->end_ns > start ? (ps->end_ns - start) / 1e9 : 0;
	fill_items(o, &ps->items, p->traced_s, &p->items);
	fill_memory(ps, &p->memory);
	p->memory.reach = ps->reach;
	/*
	 * Every report is a round, whether or not this mode knows the bytes outstanding; an
	 * exited process's last one is at its exit, where its bytes stopped moving.
	 */
	rounds = add_round(h, ps->pid, p->traced_s, p->memory.outstanding_bytes != UNKNOWN ?
			   (double)p->memory.outstanding_bytes : NAN);
	if (!rounds)
		return -ENOMEM;
	samples = rounds->n;
	/* bytes per second over the rounds, per minute as the check reads it */
	if (p->memory.outstanding_bytes != UNKNOWN)
		p->memory.growth_bytes_per_min =
			slope_least_squares(rounds->secs, rounds->bytes, rounds->n) * 60;
	if (p->items.present && p->items.count && p->memory.outstanding_bytes != UNKNOWN)
		p->memory.bytes_per_item = (double)p->memory.outstanding_bytes / p->items.count;
	else
		p->memory.bytes_per_item = NAN;
	p->memory.grade = grade_bytes_per_item(p->memory.bytes_per_item);
	if (o->peek)
		rounds->n--;	/* judged below with it, then forgotten */
	err = fill_sites(ps, (start - s->attach_ns) / 1e9, o->top, p);
	if (err)
		return err;
	p->threads = ps->threads;
	p->fds = ps->fds;
	p->sockets = ps->tcp;
	p->go = ps->go;
	fill_close_waits(ps, o->thresholds->v[CHECK_CLOSE_WAIT], p);
	err = fill_leaked_fds(ps, o->thresholds, p);
	if (err)
		return err;
	judge(p, samples, o->thresholds, &p->verdict);
	return 0;
}

int report__build(const struct run_snapshot *s, const struct report_opts *o,
		  struct report_history *h, bool final, struct report *r)
{
	struct rusage ru;
	int i, err = 0;

	memset(r, 0, sizeof(*r));
	r->final = final;
	r->mode = o->mode;
	/* this report's number among those printed */
	r->rounds = h->printed + 1;
	if (!o->peek && !o->quiet)
		h->printed++;
	r->duration_s = (s->now_ns - s->attach_ns) / 1e9;
	r->sample_every = s->nprocs ? s->procs[0].sample_every : 1;
	if (!getrusage(RUSAGE_SELF, &ru)) {
		/* the tracer's own cost, apart from the target's (RUSAGE_SELF has no children) */
		r->tracer_cpu_s = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
				  ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
		r->tracer_max_rss_kib = ru.ru_maxrss;
	}
	r->top = o->top;
	r->follow = o->follow;
	r->follow_dropped = o->follow_dropped;
	r->lost_events = losses__total(&s->losses);
	r->procs = calloc(s->nprocs ? s->nprocs : 1, sizeof(*r->procs));
	if (!r->procs)
		return -ENOMEM;
	r->nprocs = s->nprocs;
	for (i = 0; i < s->nprocs && !err; i++) {
		err = build_proc(s, &s->procs[i], o, h, r, &r->procs[i]);
		r->leak |= r->procs[i].verdict.leak;
	}
	return err;
}
