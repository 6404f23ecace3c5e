// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <errno.h>
#include <math.h>
#include <search.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <string.h>
#include "track/collect.h"
#include "track/fd_tracker.h"
#include "base/log.h"
#include "track/sockets.h"
#include "proc/symbolize.h"
#include "track/threads.h"
#include "probe/tracer.h"
#include "base/util.h"

/* Outstanding blocks of one process summed per allocation stack. */
struct site_acc {
	uint32_t tgid;
	uint64_t stack;
	uint64_t objects, bytes;
	uint64_t oldest_ns;
	int nips;		/* frames of the stack (fill_sites); <= 0: none could be read */
	uint64_t *ips;
};

struct site_table {
	void *root;		/* tsearch tree of struct site_acc */
	size_t n;
	int err;
};

static int cmp_site(const void *a, const void *b)
{
	const struct site_acc *x = a, *y = b;

	if (x->tgid != y->tgid)
		return x->tgid < y->tgid ? -1 : 1;
	if (x->stack != y->stack)
		return x->stack < y->stack ? -1 : 1;
	return 0;
}

static int add_block(const struct alloc_key *k, const struct alloc_info *v, void *arg)
{
	struct site_table *tab = arg;
	struct site_acc key = { .tgid = k->tgid, .stack = v->stack }, *s, **slot;

	slot = tfind(&key, &tab->root, cmp_site);
	if (!slot) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return -ENOMEM;
		*s = key;
		s->oldest_ns = UINT64_MAX;
		if (!tsearch(s, &tab->root, cmp_site)) {
			free(s);
			return -ENOMEM;
		}
		tab->n++;
	} else {
		s = *slot;
	}
	s->objects++;
	s->bytes += v->size;
	if (v->ts_ns && v->ts_ns < s->oldest_ns)
		s->oldest_ns = v->ts_ns;
	return 0;
}

/* twalk has no user argument: the walk that lists one process's sites goes through here */
static struct {
	uint32_t tgid;
	struct site_acc **out;
	size_t n;
} walk;

static void pick_sites(const void *node, VISIT which, int depth)
{
	struct site_acc *s = *(struct site_acc *const *)node;

	if ((which == postorder || which == leaf) && s->tgid == walk.tgid)
		walk.out[walk.n++] = s;
}

/*
 * By frames: the blocks of one place may carry several keys (those allocated before
 * bpf/alloc could unwind there carry a provisional one), all holding the same frames.
 */
static int by_frames(const void *a, const void *b)
{
	const struct site_acc *x = *(struct site_acc *const *)a, *y = *(struct site_acc *const *)b;

	if (x->nips != y->nips)
		return x->nips < y->nips ? -1 : 1;
	if (x->nips <= 0)
		return x->stack < y->stack ? -1 : x->stack > y->stack;
	return memcmp(x->ips, y->ips, x->nips * sizeof(*x->ips));
}

/* One site per stack: the process's sites in walk.out read and merged. */
static void merge_sites(const struct collect_ctx *c)
{
	uint64_t ips[MAX_STACK_DEPTH];
	size_t i, n = 0;

	for (i = 0; i < walk.n; i++) {
		struct site_acc *s = walk.out[i];

		s->nips = tracer__stack(c->tracer, s->stack, ips, MAX_STACK_DEPTH);
		if (s->nips <= 0)
			continue;
		s->ips = malloc(s->nips * sizeof(*s->ips));
		if (!s->ips)
			s->nips = 0;	/* shown without frames, as a stack that could not be read */
		else
			memcpy(s->ips, ips, s->nips * sizeof(*s->ips));
	}
	qsort(walk.out, walk.n, sizeof(*walk.out), by_frames);
	for (i = 0; i < walk.n; i++) {
		struct site_acc *s = walk.out[i], *into = n ? walk.out[n - 1] : NULL;

		if (!into || by_frames(&into, &s)) {
			walk.out[n++] = s;
			continue;
		}
		into->objects += s->objects;
		into->bytes += s->bytes;
		if (s->oldest_ns < into->oldest_ns)
			into->oldest_ns = s->oldest_ns;
	}
	walk.n = n;
}

static int by_bytes_desc(const void *a, const void *b)
{
	const struct site_acc *x = *(struct site_acc *const *)a, *y = *(struct site_acc *const *)b;

	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? 1 : -1;
	if (x->objects != y->objects)
		return x->objects < y->objects ? 1 : -1;
	return x->stack < y->stack ? -1 : x->stack > y->stack;
}

/* end: now, or when the process began to exit (its blocks stopped ageing then) */
static int fill_sites(const struct collect_ctx *c, struct site_table *tab,
		      const struct target *tg, struct proc_report *p, uint64_t end)
{
	int i, j;

	walk.tgid = tg->pid;
	walk.out = calloc(tab->n ? tab->n : 1, sizeof(*walk.out));
	walk.n = 0;
	if (!walk.out)
		return -ENOMEM;
	twalk(tab->root, pick_sites);
	merge_sites(c);
	qsort(walk.out, walk.n, sizeof(*walk.out), by_bytes_desc);
	p->sites_total = walk.n;
	p->nsites = walk.n < (size_t)c->env->top ? (int)walk.n : c->env->top;
	p->sites = calloc(p->nsites ? p->nsites : 1, sizeof(*p->sites));
	if (!p->sites) {
		free(walk.out);
		return -ENOMEM;
	}
	for (i = 0; i < p->nsites; i++) {
		struct site_acc *s = walk.out[i];
		struct leak_site *ls = &p->sites[i];

		/* estimates under -s N: at least the one block seen */
		ls->objects = s->objects * p->memory.scale_objects + 0.5;
		ls->bytes = s->bytes * p->memory.scale_bytes + 0.5;
		if (!ls->objects)
			ls->objects = s->objects;
		ls->oldest_age_s = s->oldest_ns != UINT64_MAX && end > s->oldest_ns ?
				   (end - s->oldest_ns) / 1e9 : NAN;
		if (s->nips <= 0)
			continue;
		ls->frames = calloc(s->nips, sizeof(*ls->frames));
		if (!ls->frames)
			continue;
		ls->nframes = s->nips;
		for (j = 0; j < s->nips; j++) {
			if (tg->sym)
				symbolizer__resolve(tg->sym, s->ips[j], true, &ls->frames[j]);
			else
				ls->frames[j].addr = s->ips[j];
		}
	}
	free(walk.out);
	return 0;
}

/* v * scale rounded, never above cap */
static uint64_t scaled(uint64_t v, double scale, uint64_t cap)
{
	double x = round(v * scale);

	return x >= (double)cap ? cap : (uint64_t)x;
}

static void fill_memory(const struct collect_ctx *c, const struct alloc_stats *st,
			struct memory_report *m)
{
	/* a block an exec took away is not outstanding, and was not freed either */
	uint64_t gone = st->frees + st->exec_released;
	uint64_t bytes_gone = st->bytes_freed + st->bytes_exec_released;

	m->present = true;
	m->mallocs = st->mallocs;
	m->bytes_allocated = st->bytes_allocated;
	m->free_calls = st->free_calls;
	m->growth_bytes_per_min = NAN;
	m->scale_objects = m->scale_bytes = 1;
	m->untracked_allocs = c->env->mode == MODE_COUNTS ? UNKNOWN : st->untracked_allocs;
	if (c->env->mode == MODE_COUNTS) {
		/* no block is followed: whether a free released a block from before attach,
		 * and what is outstanding, is not known; free_calls is */
		m->frees = m->untracked_frees = m->bytes_freed = UNKNOWN;
		m->outstanding_objects = m->outstanding_bytes = UNKNOWN;
		m->released_at_exec = m->bytes_released_at_exec = UNKNOWN;
		m->free_rate = NAN;
		return;
	}
	if (c->env->sample_every > 1) {
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
static void fill_items(const struct collect_ctx *c, const struct target *tg, double secs,
		       struct items_report *it)
{
	struct item_stats st = {};

	it->present = c->env->item.kind != SPEC_NONE;
	it->batches = UNKNOWN;
	it->per_sec = it->mean_batch = NAN;
	if (!it->present)
		return;
	tracer__item_stats(c->tracer, tg->pid, &st);
	it->probe = c->env->item.text;
	it->count = st.items;
	it->per_sec = secs > 0 ? st.items / secs : NAN;
	if (c->env->batch.kind != SPEC_NONE) {
		it->batches = st.batches;
		it->mean_batch = st.batches ? (double)st.items / st.batches : NAN;
	}
}

static void free_site(void *p)
{
	struct site_acc *s = p;

	free(s->ips);
	free(s);
}

int collect__report(const struct collect_ctx *c, bool final, struct report *r)
{
	static const char *const modes[] = { "counts", "stacks", "full" };
	struct site_table tab = {};
	struct drop_stats drops;
	struct rusage ru;
	uint64_t now = now_ns();
	int i, err = 0;

	memset(r, 0, sizeof(*r));
	r->final = final;
	r->mode = modes[c->env->mode];
	r->duration_s = (now - c->attach_ns) / 1e9;
	r->sample_every = c->env->sample_every;
	if (!getrusage(RUSAGE_SELF, &ru)) {
		/* the tracer's own cost, apart from the target's (RUSAGE_SELF has no children) */
		r->tracer_cpu_s = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
				  ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
		r->tracer_max_rss_kib = ru.ru_maxrss;
	}
	r->top = c->env->top;
	tracer__drops(c->tracer, &drops);
	r->lost_events = drops.allocs_full + drops.stacks_failed + drops.state_missing +
			 drops.unwind_lost + drops.socks_untracked + drops.close_waits_full +
			 drops.unseen_frees + drops.putback_failed + tracer__fd_lost(c->tracer) +
			 tracer__missed(c->tracer);
	for (i = 0; i < c->ntargets; i++)
		r->lost_events += fd_tracker__lost(c->targets[i].fds);
	r->procs = calloc(c->ntargets ? c->ntargets : 1, sizeof(*r->procs));
	if (!r->procs)
		return -ENOMEM;
	r->nprocs = c->ntargets;

	err = tracer__for_each_block(c->tracer, add_block, &tab);
	if (err) {
		elog("cannot read the outstanding blocks (%s)", errstr(err));
		goto out;
	}
	for (i = 0; i < c->ntargets; i++) {
		struct target *tg = &c->targets[i];
		struct proc_report *p = &r->procs[i];
		struct verdict_input in = {};
		struct alloc_stats st = {};
		/* now, or when it began to exit: the BPF side's time, else the pidfd's */
		uint64_t end = tg->exit_ns && tg->exit_ns < now ? tg->exit_ns : now;

		p->pid = tg->pid;
		snprintf(p->comm, sizeof(p->comm), "%s", tg->comm);
		snprintf(p->exe, sizeof(p->exe), "%s", tg->exe);
		p->exited = tg->exited;
		p->exit_code_known = tg->exit_code_known;
		p->exit_code = tg->exit_code;
		err = threads__collect(c->tracer, tg, p, &end);
		if (err)
			goto out;
		/* the same expression as duration_s while it runs: the same double */
		p->traced_s = end > c->attach_ns ? (end - c->attach_ns) / 1e9 : 0;
		fill_items(c, tg, p->traced_s, &p->items);
		err = tracer__alloc_stats(c->tracer, tg->pid, &st);
		if (err) {
			elog("cannot read the counters of PID %d (%s)", tg->pid, errstr(err));
			goto out;
		}
		fill_memory(c, &st, &p->memory);
		/*
		 * Every report is a round, whether or not this mode knows the bytes outstanding;
		 * an exited process's last one is at its exit, where its bytes stopped moving.
		 */
		err = target__add_round(tg, p->traced_s,
					p->memory.outstanding_bytes != UNKNOWN ?
					(double)p->memory.outstanding_bytes : NAN);
		if (err)
			goto out;
		r->rounds = tg->nrounds;
		if (p->memory.outstanding_bytes != UNKNOWN) {
			/* bytes per second over the rounds, per minute as the check reads it */
			p->memory.growth_bytes_per_min =
				slope_least_squares(tg->round_s, tg->round_bytes, tg->nrounds) * 60;
		}
		if (p->items.present && p->items.count && p->memory.outstanding_bytes != UNKNOWN) {
			p->memory.bytes_per_item =
				(double)p->memory.outstanding_bytes / p->items.count;
		} else {
			p->memory.bytes_per_item = NAN;
		}
		p->memory.grade = grade_bytes_per_item(p->memory.bytes_per_item);
		err = fill_sites(c, &tab, tg, p, end);
		if (!err)
			err = sockets__collect(c->tracer, tg,
					       c->env->thresholds.v[CHECK_CLOSE_WAIT], end,
					       &p->sockets);
		if (err)
			goto out;
		if (tg->fds) {
			/* exited: threads__collect may know it before the pidfd says so */
			err = fd_tracker__report(tg->fds, c->tracer, tg->sym, c->env, p->exited, end,
						 p);
			if (err) {
				elog("cannot read the fds of PID %d (%s)", tg->pid, errstr(err));
				goto out;
			}
		}

		in.memory = true;
		in.mallocs = p->memory.mallocs;
		in.frees = p->memory.frees;
		in.untracked_allocs = p->memory.untracked_allocs;
		in.outstanding_objects = p->memory.outstanding_objects;
		in.outstanding_bytes = p->memory.outstanding_bytes;
		in.items = p->items.present;
		in.item_count = p->items.count;
		in.threads = p->threads.present;
		in.threads_start = p->threads.start;
		in.threads_end = p->threads.end;
		in.fds = p->fds.present;
		in.fds_start = p->fds.start;
		in.fds_end = p->fds.end;
		in.fd_age = p->fds.age;
		in.sockets = p->sockets.present;
		in.close_wait = p->sockets.close_wait_age;
		in.rounds = tg->nrounds;
		in.growth_bytes_per_min = p->memory.growth_bytes_per_min;
		verdict__evaluate(&in, &c->env->thresholds, &p->verdict);
		r->leak |= p->verdict.leak;
	}
out:
	tdestroy(tab.root, free_site);
	if (err)
		report__free(r);
	return err;
}
