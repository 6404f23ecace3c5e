// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/* The report as one JSON object on one line (schema "leakbpf/1"), with jansson. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <jansson.h>
#include "report/report.h"

static json_t *count(uint64_t v)
{
	return v == UNKNOWN ? json_null() : json_integer((json_int_t)v);
}

static json_t *number(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *string(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

static json_t *frame_json(const struct frame *f)
{
	char addr[24];
	json_t *o = json_object();

	snprintf(addr, sizeof(addr), "0x%llx", (unsigned long long)f->addr);
	json_object_set_new(o, "addr", json_string(addr));
	json_object_set_new(o, "symbol", string(f->symbol));
	json_object_set_new(o, "offset", f->symbol ? json_integer(f->offset) : json_null());
	json_object_set_new(o, "module", string(f->module));
	json_object_set_new(o, "file", string(f->file));
	json_object_set_new(o, "line", f->line > 0 ? json_integer(f->line) : json_null());
	return o;
}

static json_t *stack_json(const struct frame *frames, int n)
{
	json_t *a = json_array();
	int i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, frame_json(&frames[i]));
	return a;
}

static json_t *items_json(const struct items_report *it)
{
	json_t *o;

	if (!it->present)
		return json_null();
	o = json_object();
	json_object_set_new(o, "probe", json_string(it->probe));
	json_object_set_new(o, "count", json_integer((json_int_t)it->count));
	json_object_set_new(o, "per_sec", number(it->per_sec));
	json_object_set_new(o, "batches", count(it->batches));
	json_object_set_new(o, "mean_batch", number(it->mean_batch));
	return o;
}

/* reachable 0, direct 1, indirect 2: as struct reach_counts counts them */
static json_t *reach_json(const struct reach_counts *r)
{
	if (!r->present)
		return json_null();
	return json_pack("{s:{s:I, s:I}, s:{s:I, s:I}, s:{s:I, s:I}, s:{s:I, s:I}, s:{s:f, s:I}}",
			 "direct", "objects", (json_int_t)r->objects[1], "bytes",
			 (json_int_t)r->bytes[1],
			 "indirect", "objects", (json_int_t)r->objects[2], "bytes",
			 (json_int_t)r->bytes[2],
			 "reachable", "objects", (json_int_t)r->objects[0], "bytes",
			 (json_int_t)r->bytes[0],
			 "suppressed", "objects", (json_int_t)r->suppressed_objects, "bytes",
			 (json_int_t)r->suppressed_bytes,
			 /* what the scan cost the process: how long it stood still, what was read */
			 "scan", "pause_ms", r->pause_ms, "bytes_read", (json_int_t)r->bytes_read);
}

static json_t *memory_json(const struct memory_report *m)
{
	json_t *o;

	if (!m->present)
		return json_null();
	o = json_object();
	json_object_set_new(o, "mallocs", count(m->mallocs));
	json_object_set_new(o, "frees", count(m->frees));
	json_object_set_new(o, "untracked_frees", count(m->untracked_frees));
	json_object_set_new(o, "bytes_allocated", count(m->bytes_allocated));
	json_object_set_new(o, "bytes_freed", count(m->bytes_freed));
	json_object_set_new(o, "outstanding_objects", count(m->outstanding_objects));
	json_object_set_new(o, "outstanding_bytes", count(m->outstanding_bytes));
	json_object_set_new(o, "free_rate", number(m->free_rate));
	json_object_set_new(o, "bytes_per_item", number(m->bytes_per_item));
	json_object_set_new(o, "grade", string(m->grade));
	json_object_set_new(o, "growth_bytes_per_min", number(m->growth_bytes_per_min));
	json_object_set_new(o, "free_calls", count(m->free_calls));
	json_object_set_new(o, "released_at_exec", count(m->released_at_exec));
	json_object_set_new(o, "untracked_allocs", count(m->untracked_allocs));
	json_object_set_new(o, "bytes_released_at_exec", count(m->bytes_released_at_exec));
	json_object_set_new(o, "estimated", json_boolean(m->estimated));
	json_object_set_new(o, "reachability", reach_json(&m->reach));
	return o;
}

static json_t *threads_json(const struct thread_counts *t)
{
	json_t *o;

	if (!t->present)
		return json_null();
	o = json_object();
	json_object_set_new(o, "start", count(t->start));
	json_object_set_new(o, "end", count(t->end));
	json_object_set_new(o, "created", count(t->created));
	json_object_set_new(o, "exited", count(t->exited));
	return o;
}

static json_t *fds_json(const struct fd_counts *f)
{
	json_t *o, *kinds;
	int k;

	if (!f->present)
		return json_null();
	o = json_object();
	kinds = json_object();
	json_object_set_new(o, "start", count(f->start));
	json_object_set_new(o, "end", count(f->end));
	json_object_set_new(o, "opened", count(f->opened));
	json_object_set_new(o, "closed", count(f->closed));
	/* not known: no count at all rather than made-up 0s (the schema has no null here) */
	for (k = 0; k < FD_KIND_NR && !f->kinds_unknown; k++)
		json_object_set_new(kinds, fd_kind_names[k], json_integer((json_int_t)f->by_kind[k]));
	json_object_set_new(o, "by_kind", kinds);
	json_object_set_new(o, "at_exit", json_boolean(f->at_exit));
	return o;
}

static json_t *sockets_json(const struct tcp_counts *s, double oldest_close_wait_s)
{
	json_t *o;

	if (!s->present)
		return json_null();
	o = json_object();
	json_object_set_new(o, "open", count(s->open));
	json_object_set_new(o, "established", count(s->established));
	json_object_set_new(o, "close_wait", count(s->close_wait));
	json_object_set_new(o, "listen", count(s->listen));
	json_object_set_new(o, "oldest_close_wait_s", number(oldest_close_wait_s));
	return o;
}

static json_t *leaked_fds_json(const struct proc_report *p)
{
	json_t *a = json_array();
	int i;

	for (i = 0; i < p->nleaked_fds; i++) {
		const struct leaked_fd *l = &p->leaked_fds[i];
		json_t *o = json_object();

		json_object_set_new(o, "fd", json_integer(l->fd));
		json_object_set_new(o, "kind", json_string(fd_kind_names[l->kind]));
		json_object_set_new(o, "target", string(l->target));
		json_object_set_new(o, "age_s", number(l->age_s));
		json_object_set_new(o, "over_age", json_boolean(l->over_age));
		json_object_set_new(o, "stack", stack_json(l->frames, l->nframes));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *verdict_json(const struct verdict *v)
{
	static const char *const status[] = { "pass", "fail", "skipped" };
	json_t *o = json_object(), *checks = json_array();
	int i;

	for (i = 0; i < v->nchecks; i++) {
		const struct check *c = &v->checks[i];
		json_t *cj = json_object();

		json_object_set_new(cj, "name", json_string(check_names[c->id]));
		json_object_set_new(cj, "status", json_string(status[c->status]));
		json_object_set_new(cj, "value", number(c->value));
		json_object_set_new(cj, "threshold", number(c->threshold));
		if (c->reason[0])
			json_object_set_new(cj, "reason", json_string(c->reason));
		json_array_append_new(checks, cj);
	}
	json_object_set_new(o, "leak", json_boolean(v->leak));
	json_object_set_new(o, "checks", checks);
	return o;
}

static json_t *go_json(const struct go_counts *g)
{
	if (!g->present)
		return json_null();
	return json_pack("{s:o, s:{s:o, s:o, s:o, s:o}, s:{s:o, s:o, s:o}, s:{s:o, s:o, s:o, s:o}}",
			 "version", string(g->version[0] ? g->version : NULL),
			 "goroutines", "start", count(g->goroutines_start), "end",
			 count(g->goroutines_end), "created", count(g->created), "exited",
			 count(g->exited),
			 "gc", "cycles", count(g->gc_cycles), "pause_max_ms", number(g->pause_max_ms),
			 "pause_total_ms", number(g->pause_total_ms),
			 "heap", "mallocs", count(g->mallocs), "bytes_allocated",
			 count(g->bytes_allocated), "live_start", count(g->live_start), "live_end",
			 count(g->live_end));
}

static json_t *process_json(const struct proc_report *p)
{
	json_t *o = json_object(), *sites = json_array();
	int i;

	json_object_set_new(o, "pid", json_integer(p->pid));
	json_object_set_new(o, "parent", p->parent ? json_integer(p->parent) : json_null());
	json_object_set_new(o, "cmdline", string(p->cmdline));
	json_object_set_new(o, "comm", json_string(p->comm));
	json_object_set_new(o, "exe", string(p->exe));
	json_object_set_new(o, "exited", json_boolean(p->exited));
	json_object_set_new(o, "exit_code",
			    p->exit_code_known ? json_integer(p->exit_code) : json_null());
	json_object_set_new(o, "traced_s", json_real(p->traced_s));
	json_object_set_new(o, "items", items_json(&p->items));
	json_object_set_new(o, "memory", memory_json(&p->memory));
	json_object_set_new(o, "threads", threads_json(&p->threads));
	json_object_set_new(o, "fds", fds_json(&p->fds));
	json_object_set_new(o, "sockets", sockets_json(&p->sockets, p->oldest_close_wait_s));
	for (i = 0; i < p->nsites; i++) {
		const struct leak_site *s = &p->sites[i];
		json_t *sj = json_object();

		json_object_set_new(sj, "kind", json_string("memory"));
		if (s->leak_class)
			json_object_set_new(sj, "class", json_string(s->leak_class));
		json_object_set_new(sj, "objects", json_integer((json_int_t)s->objects));
		json_object_set_new(sj, "bytes", json_integer((json_int_t)s->bytes));
		json_object_set_new(sj, "oldest_age_s", number(s->oldest_age_s));
		json_object_set_new(sj, "growth_bytes_per_min", number(s->growth_bytes_per_min));
		json_object_set_new(sj, "stack", stack_json(s->frames, s->nframes));
		json_array_append_new(sites, sj);
	}
	json_object_set_new(o, "leak_sites", sites);
	json_object_set_new(o, "leaked_fds", leaked_fds_json(p));
	json_object_set_new(o, "go", go_json(&p->go));
	json_object_set_new(o, "verdict", verdict_json(&p->verdict));
	return o;
}

int report__print_json(const struct report *r, FILE *out)
{
	json_t *o = json_object(), *procs = json_array(), *top = json_object();
	json_t *tracer = json_object();
	int i, err = 0;

	json_object_set_new(o, "schema", json_string("leakbpf/1"));
	json_object_set_new(o, "final", json_boolean(r->final));
	json_object_set_new(o, "mode", json_string(r->mode));
	json_object_set_new(o, "duration_s", json_real(r->duration_s));
	json_object_set_new(o, "lost_events", json_integer((json_int_t)r->lost_events));
	json_object_set_new(o, "round", json_integer(r->rounds));
	if (r->sample_every > 1)
		json_object_set_new(o, "sample_every", json_integer(r->sample_every));
	json_object_set_new(tracer, "cpu_s", json_real(r->tracer_cpu_s));
	json_object_set_new(tracer, "max_rss_kib", json_integer((json_int_t)r->tracer_max_rss_kib));
	json_object_set_new(o, "tracer", tracer);
	/* -f: how many processes were traced, and how many forked when too many were */
	json_object_set_new(o, "follow", r->follow ? json_pack("{sisI}", "processes", r->nprocs,
							       "dropped",
							       (json_int_t)r->follow_dropped)
						   : json_null());
	for (i = 0; i < r->nprocs; i++)
		json_array_append_new(procs, process_json(&r->procs[i]));
	json_object_set_new(o, "processes", procs);
	json_object_set_new(top, "leak", json_boolean(r->leak));
	json_object_set_new(o, "verdict", top);
	if (json_dumpf(o, out, JSON_COMPACT | JSON_REAL_PRECISION(10)) || fputc('\n', out) == EOF)
		err = -EIO;
	fflush(out);
	json_decref(o);
	return err;
}
