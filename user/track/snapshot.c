// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <errno.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/log.h"
#include "base/util.h"
#include "probe/alloc.h"
#include "probe/items.h"
#include "track/fd_tracker.h"
#include "track/snapshot.h"
#include "track/sockets.h"
#include "track/target.h"
#include "track/threads.h"

/* The outstanding blocks of one process with one stack key, summed. */
struct site_acc {
	uint32_t tgid;
	int leak_class;		/* after a scan (block_site's): 1..4; else 0 */
	uint64_t stack;
	uint64_t objects, bytes;
	uint64_t oldest_ns;
	struct births born;
};

/* Every block of every process, summed per {tgid, stack} in one walk of the block map. */
struct site_table {
	void *root;		/* tsearch tree of struct site_acc, to find one */
	struct site_acc **all;	/* the same, to go through them */
	size_t n, cap;
	uint64_t attach_ns;	/* births are taken in seconds after it */
};

static int cmp_site(const void *a, const void *b)
{
	const struct site_acc *x = a, *y = b;

	if (x->tgid != y->tgid)
		return x->tgid < y->tgid ? -1 : 1;
	if (x->stack != y->stack)
		return x->stack < y->stack ? -1 : 1;
	return x->leak_class - y->leak_class;
}

static struct site_acc *new_site(struct site_table *tab, const struct site_acc *key)
{
	struct site_acc *s;

	if (tab->n == tab->cap) {
		size_t cap = tab->cap ? 2 * tab->cap : 64;
		struct site_acc **all = realloc(tab->all, cap * sizeof(*all));

		if (!all)
			return NULL;
		tab->all = all;
		tab->cap = cap;
	}
	s = malloc(sizeof(*s));
	if (!s)
		return NULL;
	*s = *key;
	s->oldest_ns = UINT64_MAX;
	if (!tsearch(s, &tab->root, cmp_site)) {
		free(s);
		return NULL;
	}
	tab->all[tab->n++] = s;
	return s;
}

/* One block into its site's sums */
static int site_add(struct site_table *tab, uint32_t tgid, uint64_t stack, int leak_class,
		    uint64_t size, uint64_t ts_ns)
{
	struct site_acc want = { .tgid = tgid, .stack = stack, .leak_class = leak_class };
	struct site_acc *s, **slot;
	double t;

	slot = tfind(&want, &tab->root, cmp_site);
	s = slot ? *slot : new_site(tab, &want);
	if (!s)
		return -ENOMEM;
	s->objects++;
	s->bytes += size;
	if (!ts_ns)
		return 0;
	if (ts_ns < s->oldest_ns)
		s->oldest_ns = ts_ns;
	t = ((double)ts_ns - (double)tab->attach_ns) / 1e9;
	births__merge(&s->born, &(struct births){ size, size * t, size * t * t });
	return 0;
}

static int add_block(const void *key, const void *value, void *arg)
{
	const struct alloc_key *k = key;
	const struct alloc_info *v = value;

	return site_add(arg, k->tgid, v->stack, 0, v->size, v->ts_ns);
}

static void site_table__free(struct site_table *tab)
{
	tdestroy(tab->root, free);	/* every node, which all[] points to too */
	free(tab->all);
}

/*
 * By frames: the blocks of one place may carry several keys (those allocated before
 * bpf/alloc could unwind there carry a provisional one), all holding the same frames.
 */
static int by_frames(const void *a, const void *b)
{
	const struct block_site *x = a, *y = b;

	if (x->leak_class != y->leak_class)
		return x->leak_class - y->leak_class;
	if (x->nips != y->nips)
		return x->nips < y->nips ? -1 : 1;
	if (x->nips <= 0)
		return 0;
	return memcmp(x->ips, y->ips, x->nips * sizeof(*x->ips));
}

/* pid's sites: each key's frames read, the keys with the same frames merged. */
static int take_sites(struct tracer *t, const struct site_table *tab, struct proc_snapshot *ps)
{
	uint64_t ips[MAX_STACK_DEPTH];
	struct block_site *v;
	size_t i;
	int n = 0, k;

	v = calloc(tab->n ? tab->n : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < tab->n; i++) {
		const struct site_acc *s = tab->all[i];
		struct block_site *b;

		if ((pid_t)s->tgid != ps->pid)
			continue;
		b = &v[n++];
		b->leak_class = s->leak_class;
		b->objects = s->objects;
		b->bytes = s->bytes;
		b->oldest_ns = s->oldest_ns;
		b->born = s->born;
		b->nips = tracer__stack(t, s->stack, ips, MAX_STACK_DEPTH);
		if (b->nips <= 0)
			continue;
		b->ips = malloc(b->nips * sizeof(*b->ips));
		if (!b->ips)
			b->nips = 0;	/* shown without frames, as a stack that could not be read */
		else
			memcpy(b->ips, ips, b->nips * sizeof(*b->ips));
	}
	qsort(v, n, sizeof(*v), by_frames);
	ps->sites = v;
	for (k = 0; k < n; k++) {
		struct block_site *into = ps->nsites ? &v[ps->nsites - 1] : NULL;

		/* stacks that could not be read stay apart: nothing says they are one place */
		if (!into || v[k].nips <= 0 || by_frames(into, &v[k])) {
			v[ps->nsites++] = v[k];
			continue;
		}
		into->objects += v[k].objects;
		into->bytes += v[k].bytes;
		if (v[k].oldest_ns < into->oldest_ns)
			into->oldest_ns = v[k].oldest_ns;
		births__merge(&into->born, &v[k].born);
		free(v[k].ips);
	}
	return 0;
}

/*
 * After a reachability scan the sites are by stack and class: direct leaks, indirect
 * ones, then the still reachable and the suppressed blocks (leak_class 1 to 4, the order
 * the report lists them in), as LeakSanitizer groups them.
 */
static int take_leak_sites(struct tracer *t, const struct reach_result *r, uint64_t attach_ns,
			   struct proc_snapshot *ps)
{
	struct site_table tab = { .attach_ns = attach_ns };
	int i, err = 0;

	for (i = 0; i < r->nblocks && !err; i++) {
		int c = r->block_class[i] == REACH_REACHABLE ? 3 :
			r->block_class[i] == REACH_SUPPRESSED ? 4 : r->block_class[i];

		err = site_add(&tab, ps->pid, r->block_stacks[i], c, r->block_bytes[i],
			       r->block_ts[i]);
	}
	if (!err)
		err = take_sites(t, &tab, ps);
	site_table__free(&tab);
	return err;
}

static void take_alloc(const struct alloc_stats *st, struct alloc_counts *c)
{
	c->mallocs = st->mallocs;
	c->bytes_allocated = st->bytes_allocated;
	c->free_calls = st->free_calls;
	c->frees = st->frees;
	c->bytes_freed = st->bytes_freed;
	c->untracked_frees = st->untracked_frees;
	c->tracked = st->tracked;
	c->bytes_tracked = st->bytes_tracked;
	c->exec_released = st->exec_released;
	c->bytes_exec_released = st->bytes_exec_released;
	c->untracked_allocs = st->untracked_allocs;
}

static int take_proc(struct tracer *t, struct target *tg, const struct site_table *tab,
		     uint64_t now, bool full, struct proc_snapshot *ps)
{
	const struct tracer_opts *o = tracer__opts(t);
	struct item_stats items = {};
	struct alloc_stats st = {};
	int err;

	ps->pid = tg->pid;
	ps->parent = tg->parent;
	ps->start_ns = tg->start_ns;
	snprintf(ps->cmdline, sizeof(ps->cmdline), "%s", tg->cmdline);
	snprintf(ps->comm, sizeof(ps->comm), "%s", tg->comm);
	snprintf(ps->exe, sizeof(ps->exe), "%s", tg->exe);
	ps->exited = tg->exit.exited;
	ps->exit_code_known = tg->exit.code_known;
	ps->exit_code = tg->exit.code;
	/* now, or when it began to exit: the BPF side's time, else the pidfd's */
	ps->end_ns = tg->exit.ns && tg->exit.ns < now ? tg->exit.ns : now;
	ps->sym = tg->sym;
	err = threads__snapshot(t, tg, ps);
	if (err)
		return err;
	if (!tracer__item_stats(t, tg->pid, &items)) {
		ps->items.items = items.items;
		ps->items.batches = items.batches;
	}
	ps->alloc_traced = !tg->no_alloc_why;
	ps->no_alloc_why = tg->no_alloc_why;
	err = tracer__alloc_stats(t, tg->pid, &st);
	if (err) {
		elog("cannot read the counters of PID %d (%s)", tg->pid, errstr(err));
		return err;
	}
	take_alloc(&st, &ps->alloc);
	ps->blocks_followed = o->mode != MODE_COUNTS;
	ps->sample_every = o->sample_every ? o->sample_every : 1;
	/* scanned: its sites by class, from the scan; else from the walk of the blocks */
	err = tg->reach.c.present ? take_leak_sites(t, &tg->reach, tab->attach_ns, ps) :
				    take_sites(t, tab, ps);
	ps->reach = tg->reach.c;
	ps->reach.why_not = tg->no_reach_why;
	if (!err)
		err = sockets__snapshot(t, tg, ps);
	if (!err)
		err = go_target__snapshot(t, tg, ps);
	if (err || !tg->fds || !full)
		return err;
	/* exited: the thread counters may know it before the pidfd says so */
	err = fd_tracker__snapshot(tg->fds, t, ps->exited, ps);
	if (err)
		elog("cannot read the fds of PID %d (%s)", tg->pid, errstr(err));
	return err;
}

int snapshot__take(struct tracer *t, struct target *const *tgs, int n, uint64_t attach_ns,
		   bool full, struct run_snapshot *out)
{
	struct site_table tab = { .attach_ns = attach_ns };
	bool walk = false;
	int i, err;

	memset(out, 0, sizeof(*out));
	out->attach_ns = attach_ns;
	out->now_ns = now_ns();
	tracer__losses(t, &out->losses);
	for (i = 0; i < n; i++)
		losses__add(&out->losses, "unwound fd stacks not kept", fd_tracker__lost(tgs[i]->fds));
	out->procs = calloc(n ? n : 1, sizeof(*out->procs));
	if (!out->procs)
		return -ENOMEM;
	out->nprocs = n;
	/* the block map is walked for the sites of targets no scan has classed */
	for (i = 0; i < n && full; i++)
		walk |= !tgs[i]->reach.c.present;
	err = walk ? tracer__for_each_block(t, add_block, &tab) : 0;
	if (err)
		elog("cannot read the outstanding blocks (%s)", errstr(err));
	for (i = 0; i < n && !err; i++)
		err = take_proc(t, tgs[i], &tab, out->now_ns, full, &out->procs[i]);
	site_table__free(&tab);
	if (err)
		run_snapshot__free(out);
	return err;
}

void run_snapshot__free(struct run_snapshot *s)
{
	int i, j;

	for (i = 0; i < s->nprocs; i++) {
		struct proc_snapshot *ps = &s->procs[i];

		for (j = 0; j < ps->nsites; j++)
			free(ps->sites[j].ips);
		free(ps->sites);
		for (j = 0; j < ps->nopen_fds; j++) {
			free(ps->open_fds[j].target);
			free(ps->open_fds[j].ips);
		}
		free(ps->open_fds);
		free(ps->close_wait_ns);
	}
	free(s->procs);
	memset(s, 0, sizeof(*s));
}
