// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * One run's report as Prometheus metrics (--serve with -p or -- CMD): the series of
 * doc/design.md's fleet section for the processes traced, each labelled pid and comm.
 * A value the mode does not measure has no series, rather than a misleading 0.
 */
#include <errno.h>
#include <math.h>
#include "report/prom_text.h"
#include "report/report.h"

/* Leak sites exported per process: enough to name the culprit, bounded for Prometheus. */
#define METRIC_SITES 5

/* A process's value of one family; false: no series for it. */
typedef bool (*value_fn)(const struct proc_report *p, double *v);

static void per_proc(FILE *out, const struct report *r, const char *name, const char *type,
		     const char *help, value_fn fn)
{
	double v;
	int i;

	prom__family(out, name, type, help);
	for (i = 0; i < r->nprocs; i++) {
		if (fn(&r->procs[i], &v))
			prom__series(out, name, r->procs[i].pid, r->procs[i].comm, NULL, v);
	}
}

static bool known(uint64_t n, double *v)
{
	*v = n;
	return n != UNKNOWN;
}

static bool mallocs(const struct proc_report *p, double *v)
{
	return p->memory.present && known(p->memory.mallocs, v);
}

static bool frees(const struct proc_report *p, double *v)
{
	return p->memory.present && known(p->memory.free_calls, v);
}

static bool allocated(const struct proc_report *p, double *v)
{
	return p->memory.present && known(p->memory.bytes_allocated, v);
}

static bool outstanding_bytes(const struct proc_report *p, double *v)
{
	return p->memory.present && known(p->memory.outstanding_bytes, v);
}

static bool outstanding_objects(const struct proc_report *p, double *v)
{
	return p->memory.present && known(p->memory.outstanding_objects, v);
}

static bool items(const struct proc_report *p, double *v)
{
	return p->items.present && known(p->items.count, v);
}

static bool batches(const struct proc_report *p, double *v)
{
	return p->items.present && known(p->items.batches, v);
}

static bool threads(const struct proc_report *p, double *v)
{
	return p->threads.present && known(p->threads.end, v);
}

static bool threads_created(const struct proc_report *p, double *v)
{
	return p->threads.present && known(p->threads.created, v);
}

static bool open_fds(const struct proc_report *p, double *v)
{
	return p->fds.present && known(p->fds.end, v);
}

static bool close_wait_age(const struct proc_report *p, double *v)
{
	*v = isnan(p->oldest_close_wait_s) ? 0 : p->oldest_close_wait_s;
	return p->sockets.present;
}

static void fds_by_kind(FILE *out, const struct report *r)
{
	char kind[32];
	int i, k;

	prom__family(out, "leakbpf_fds", "gauge", "Open file descriptors by kind.");
	for (i = 0; i < r->nprocs; i++) {
		const struct proc_report *p = &r->procs[i];

		if (!p->fds.present || p->fds.kinds_unknown)
			continue;
		for (k = 0; k < FD_KIND_NR; k++) {
			snprintf(kind, sizeof(kind), "kind=\"%s\"", fd_kind_names[k]);
			prom__series(out, "leakbpf_fds", p->pid, p->comm, kind, p->fds.by_kind[k]);
		}
	}
}

static void sockets(FILE *out, const struct report *r)
{
	int i;

	prom__family(out, "leakbpf_sockets", "gauge", "TCP sockets held, by state.");
	for (i = 0; i < r->nprocs; i++) {
		const struct tcp_counts *t = &r->procs[i].sockets;
		const char *comm = r->procs[i].comm;
		pid_t pid = r->procs[i].pid;

		if (!t->present)
			continue;
		prom__series(out, "leakbpf_sockets", pid, comm, "state=\"ESTABLISHED\"",
			     t->established);
		prom__series(out, "leakbpf_sockets", pid, comm, "state=\"CLOSE_WAIT\"",
			     t->close_wait);
		prom__series(out, "leakbpf_sockets", pid, comm, "state=\"LISTEN\"", t->listen);
	}
}

/* 1 for a check that fails now, 0 for one that passes; a skipped one has no series. */
static void leak_checks(FILE *out, const struct report *r)
{
	char check[64];
	int i, c;

	prom__family(out, "leakbpf_leak", "gauge",
		     "1 when the check fails (a leak by doc/checks.md), 0 when it passes; checks "
		     "that cannot be judged yet have no series.");
	for (i = 0; i < r->nprocs; i++) {
		const struct verdict *v = &r->procs[i].verdict;

		for (c = 0; c < v->nchecks; c++) {
			if (v->checks[c].status == CHECK_SKIPPED)
				continue;
			snprintf(check, sizeof(check), "check=\"%s\"", check_names[v->checks[c].id]);
			prom__series(out, "leakbpf_leak", r->procs[i].pid, r->procs[i].comm, check,
				     v->checks[c].status == CHECK_FAIL);
		}
	}
}

/* "leaker<-caller<-caller's caller", as the agent names its sites */
static void site_name(const struct leak_site *s, char *buf, size_t size)
{
	size_t used = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < s->nframes && i < 3 && used < size; i++)
		used += snprintf(buf + used, size - used, "%s%s", i ? "<-" : "",
				 s->frames[i].symbol ? s->frames[i].symbol : "?");
}

static void leak_sites(FILE *out, const struct report *r)
{
	char name[160];
	int i, k;

	prom__family(out, "leakbpf_leak_site_bytes", "gauge",
		     "Bytes allocated while traced and not freed, per allocation site (rank 1: "
		     "the most), the site named by its first three frames.");
	for (i = 0; i < r->nprocs; i++) {
		const struct proc_report *p = &r->procs[i];

		for (k = 0; k < p->nsites && k < METRIC_SITES; k++) {
			site_name(&p->sites[k], name, sizeof(name));
			fprintf(out, "leakbpf_leak_site_bytes{pid=\"%d\",comm=", p->pid);
			prom__label_value(out, p->comm);
			fprintf(out, ",rank=\"%d\",site=", k + 1);
			prom__label_value(out, name);
			fprintf(out, "} %llu\n", (unsigned long long)p->sites[k].bytes);
		}
	}
}

int report__print_metrics(const struct report *r, FILE *out)
{
	per_proc(out, r, "leakbpf_mallocs_total", "counter",
		 "Calls of the malloc family since attach.", mallocs);
	per_proc(out, r, "leakbpf_frees_total", "counter",
		 "Calls that released a block since attach (blocks from before it included).",
		 frees);
	per_proc(out, r, "leakbpf_allocated_bytes_total", "counter",
		 "Bytes requested by the allocations since attach.", allocated);
	per_proc(out, r, "leakbpf_outstanding_bytes", "gauge",
		 "Bytes allocated since attach and not freed (estimated under -s N).",
		 outstanding_bytes);
	per_proc(out, r, "leakbpf_outstanding_objects", "gauge",
		 "Blocks allocated since attach and not freed (estimated under -s N).",
		 outstanding_objects);
	per_proc(out, r, "leakbpf_items_total", "counter", "Calls of the --item probe.", items);
	per_proc(out, r, "leakbpf_batches_total", "counter", "Calls of the --batch probe.",
		 batches);
	per_proc(out, r, "leakbpf_threads", "gauge", "Threads of the process.", threads);
	per_proc(out, r, "leakbpf_threads_created_total", "counter",
		 "Threads the process started since attach.", threads_created);
	per_proc(out, r, "leakbpf_open_fds", "gauge", "Open file descriptors.", open_fds);
	fds_by_kind(out, r);
	sockets(out, r);
	per_proc(out, r, "leakbpf_close_wait_oldest_seconds", "gauge",
		 "How long its oldest CLOSE_WAIT socket has been so (0: none).", close_wait_age);
	leak_checks(out, r);
	leak_sites(out, r);
	prom__family(out, "leakbpf_lost_events_total", "counter",
		     "Events the BPF programs could not record: the counts above miss them.");
	fprintf(out, "leakbpf_lost_events_total %llu\n", (unsigned long long)r->lost_events);
	prom__family(out, "leakbpf_tracer_cpu_seconds_total", "counter",
		     "CPU time leakbpf itself used.");
	fprintf(out, "leakbpf_tracer_cpu_seconds_total %.6f\n", r->tracer_cpu_s);
	prom__family(out, "leakbpf_tracer_max_resident_bytes", "gauge",
		     "leakbpf's own peak resident memory.");
	fprintf(out, "leakbpf_tracer_max_resident_bytes %llu\n",
		(unsigned long long)r->tracer_max_rss_kib * 1024);
	return ferror(out) ? -EIO : 0;
}
