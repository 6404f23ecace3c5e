// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include "fleet/metrics.h"
#include "proc/fd_table.h"
#include "report/prom_text.h"

/* A process's value of one family; false: no sample for it. */
typedef bool (*value_fn)(const struct watched *w, double *v);

static void series(FILE *out, const char *name, const struct watched *w, const char *extra,
		   double v)
{
	prom__series(out, name, w->look.pid, w->look.comm, extra, v);
}

static void per_proc(FILE *out, const struct agent_state *a, const char *name,
		     const char *type, const char *help, value_fn fn)
{
	double v;
	int i;

	prom__family(out, name, type, help);
	for (i = 0; i < a->nprocs; i++) {
		if (fn(&a->procs[i], &v))
			series(out, name, &a->procs[i], NULL, v);
	}
}

/* the allocator's counters exist once a process has been probed at least once */
static bool counted(const struct watched *w)
{
	return w->windows > 0;
}

static bool mallocs(const struct watched *w, double *v)
{
	*v = w->counts.mallocs;
	return counted(w);
}

static bool frees(const struct watched *w, double *v)
{
	*v = w->counts.free_calls;
	return counted(w);
}

static bool allocated(const struct watched *w, double *v)
{
	*v = w->counts.bytes_allocated;
	return counted(w);
}

static bool windows(const struct watched *w, double *v)
{
	*v = w->windows;
	return true;
}

static bool probed(const struct watched *w, double *v)
{
	*v = w->probed;
	return true;
}

static bool slowdown(const struct watched *w, double *v)
{
	*v = w->slowdown;
	return counted(w);
}

static bool threads(const struct watched *w, double *v)
{
	*v = w->look.threads;
	return true;
}

static bool threads_created(const struct watched *w, double *v)
{
	*v = w->threads.created;
	return w->registered;
}

static bool open_fds(const struct watched *w, double *v)
{
	*v = w->look.fds;
	return true;
}

static bool resident(const struct watched *w, double *v)
{
	*v = w->look.rss_bytes;
	return true;
}

static bool anon(const struct watched *w, double *v)
{
	*v = w->look.anon_bytes;
	return true;
}

static bool growth(const struct watched *w, double *v)
{
	*v = w->growth_bytes_per_min;
	return w->nsamples >= 2;
}

static bool close_wait_age(const struct watched *w, double *v)
{
	*v = w->oldest_close_wait_ns / 1e9;
	return true;
}

static void fds_by_kind(FILE *out, const struct agent_state *a)
{
	char kind[32];
	int i, k;

	prom__family(out, "leakbpf_fds", "gauge", "Open file descriptors by kind.");
	for (i = 0; i < a->nprocs; i++) {
		for (k = 0; k < FD_KIND_NR; k++) {
			snprintf(kind, sizeof(kind), "kind=\"%s\"", fd_kind_names[k]);
			series(out, "leakbpf_fds", &a->procs[i], kind, a->procs[i].look.fds_by_kind[k]);
		}
	}
}

static void sockets(FILE *out, const struct agent_state *a)
{
	char state[32];
	int i, s;

	prom__family(out, "leakbpf_sockets", "gauge", "TCP sockets by state (states held are listed).");
	for (i = 0; i < a->nprocs; i++) {
		for (s = 1; s < TCP_STATE_SLOTS; s++) {
			if (!a->procs[i].look.sockets[s])
				continue;
			snprintf(state, sizeof(state), "state=\"%s\"", tcp_state_name(s));
			series(out, "leakbpf_sockets", &a->procs[i], state, a->procs[i].look.sockets[s]);
		}
	}
}

/*
 * The checks of doc/checks.md that the always-on tier can judge, from the first look at
 * the process to the latest: thread and fd growth, CLOSE_WAIT age, and growth_rate on
 * resident memory (the fleet's stand-in for outstanding bytes, which needs full mode).
 */
static const enum check_id fleet_checks[] = {
	CHECK_THREAD_GROWTH, CHECK_FD_GROWTH, CHECK_CLOSE_WAIT, CHECK_GROWTH_RATE,
};

static void judge(const struct watched *w, const struct thresholds *t, struct verdict *v)
{
	struct verdict_input in = {
		.threads = true,
		.threads_start = w->threads_first,
		.threads_end = w->look.threads,
		.fds = true,
		.fds_start = w->fds_first,
		.fds_end = w->look.fds,
		.sockets = true,
		/* resident bytes in place of outstanding ones: growth_rate's only input here */
		.memory = true,
		.outstanding_bytes = w->look.rss_bytes,
		.rounds = w->nsamples,
		.growth_bytes_per_min = w->nsamples >= 2 ? w->growth_bytes_per_min : NAN,
	};

	if (w->nclose_waits)
		age_worst__add(&in.close_wait, w->oldest_close_wait_ns / 1e9,
			       t->v[CHECK_CLOSE_WAIT]);
	verdict__evaluate(&in, t, v);
}

static void leak_checks(FILE *out, const struct agent_state *a)
{
	struct verdict v;
	char check[64];
	int i, k, c;

	prom__family(out, "leakbpf_leak", "gauge",
		     "1 when the check fails (doc/checks.md; growth_rate on resident memory), 0 "
		     "when it passes, from the first look at the process to the latest.");
	for (i = 0; i < a->nprocs; i++) {
		judge(&a->procs[i], a->opts->thresholds, &v);
		for (k = 0; k < (int)(sizeof(fleet_checks) / sizeof(fleet_checks[0])); k++) {
			for (c = 0; c < v.nchecks && v.checks[c].id != fleet_checks[k]; c++)
				;
			if (c == v.nchecks || v.checks[c].status == CHECK_SKIPPED)
				continue;
			snprintf(check, sizeof(check), "check=\"%s\"", check_names[fleet_checks[k]]);
			series(out, "leakbpf_leak", &a->procs[i], check,
			       v.checks[c].status == CHECK_FAIL);
		}
	}
}

static bool escalations(const struct watched *w, double *v)
{
	*v = w->escalations;
	return true;
}

/* The last full-mode window's top sites: at most TOP_SITES series a process. */
static void leak_sites(FILE *out, const struct agent_state *a)
{
	int i, k;

	prom__family(out, "leakbpf_leak_site_bytes", "gauge",
	       "Bytes allocated and not freed from a site during the process's last full-mode "
	       "window (rank 1: the most), the site named by its first three frames.");
	for (i = 0; i < a->nprocs; i++) {
		const struct watched *w = &a->procs[i];

		for (k = 0; k < w->nsites; k++) {
			fprintf(out, "leakbpf_leak_site_bytes{pid=\"%d\",comm=", w->look.pid);
			prom__label_value(out, w->look.comm);
			fprintf(out, ",rank=\"%d\",site=", k + 1);
			prom__label_value(out, w->sites[k].site);
			fprintf(out, "} %llu\n", (unsigned long long)w->sites[k].bytes);
		}
	}
}

static void agent_own(FILE *out, const struct agent_state *a)
{
	prom__family(out, "leakbpf_agent_processes", "gauge", "Processes the agent watches.");
	fprintf(out, "leakbpf_agent_processes %d\n", a->nprocs);
	prom__family(out, "leakbpf_agent_dropped_total", "counter",
	       "What the agent had to leave out, by what: processes over --max-procs, windows "
	       "that could not begin.");
	fprintf(out, "leakbpf_agent_dropped_total{what=\"processes\"} %llu\n",
		(unsigned long long)a->dropped_procs);
	fprintf(out, "leakbpf_agent_dropped_total{what=\"windows\"} %llu\n",
		(unsigned long long)a->failed_attaches);
	prom__family(out, "leakbpf_lost_events_total", "counter",
	       "Events the BPF programs could not record: the counts above miss them.");
	fprintf(out, "leakbpf_lost_events_total %llu\n", (unsigned long long)a->lost_events);
	prom__family(out, "leakbpf_agent_cpu_seconds_total", "counter", "CPU time the agent used.");
	fprintf(out, "leakbpf_agent_cpu_seconds_total %.6f\n", a->cpu_s);
	prom__family(out, "leakbpf_agent_resident_bytes", "gauge", "The agent's resident memory.");
	fprintf(out, "leakbpf_agent_resident_bytes %llu\n", (unsigned long long)a->rss_bytes);
	prom__family(out, "leakbpf_agent_scan_seconds", "gauge",
	       "How long the last look at every process took.");
	fprintf(out, "leakbpf_agent_scan_seconds %.6f\n", a->scan_s);
	prom__family(out, "leakbpf_probe_hit_seconds", "gauge",
	       "The measured cost of one allocator probe hit on this machine.");
	fprintf(out, "leakbpf_probe_hit_seconds %.9f\n", a->hit_ns / 1e9);
}

int metrics__write(const struct agent_state *a, FILE *out)
{
	per_proc(out, a, "leakbpf_mallocs_total", "counter",
		 "Allocations counted while the process was probed (malloc family calls).",
		 mallocs);
	per_proc(out, a, "leakbpf_frees_total", "counter",
		 "Frees of a block counted while the process was probed.", frees);
	per_proc(out, a, "leakbpf_allocated_bytes_total", "counter",
		 "Bytes requested by the allocations counted.", allocated);
	per_proc(out, a, "leakbpf_probe_windows_total", "counter",
		 "Probe windows begun for the process.", windows);
	per_proc(out, a, "leakbpf_probed", "gauge",
		 "1 while the process's allocator probes are live.", probed);
	per_proc(out, a, "leakbpf_estimated_slowdown_ratio", "gauge",
		 "Estimated slowdown the probes impose on the process, averaged over the probe "
		 "period (hits per second times the cost of a hit).", slowdown);
	per_proc(out, a, "leakbpf_threads", "gauge", "Threads of the process.", threads);
	per_proc(out, a, "leakbpf_threads_created_total", "counter",
		 "Threads the process started while watched.", threads_created);
	per_proc(out, a, "leakbpf_open_fds", "gauge", "Open file descriptors.", open_fds);
	fds_by_kind(out, a);
	sockets(out, a);
	per_proc(out, a, "leakbpf_close_wait_oldest_seconds", "gauge",
		 "How long its oldest CLOSE_WAIT socket has been so (0: none).", close_wait_age);
	per_proc(out, a, "leakbpf_resident_bytes", "gauge", "Resident memory (VmRSS).", resident);
	per_proc(out, a, "leakbpf_anon_bytes", "gauge", "Resident anonymous memory (RssAnon).",
		 anon);
	per_proc(out, a, "leakbpf_memory_growth_bytes_per_minute", "gauge",
		 "Slope of resident memory over the last samples (least squares).", growth);
	per_proc(out, a, "leakbpf_escalations_total", "counter",
		 "Full-mode windows the process's signals earned it.", escalations);
	leak_checks(out, a);
	leak_sites(out, a);
	agent_own(out, a);
	return ferror(out) ? -EIO : 0;
}
