// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/* The report for people: a summary per process, the verdict table, the top leak sites. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report/report.h"

/* "1.5 KiB": sizes read at a glance; the exact byte count is printed beside where it matters */
static const char *human(uint64_t b, char *buf, size_t size)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)b;
	int u = 0;

	if (b == UNKNOWN)
		return "?";
	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, size, "%llu B", (unsigned long long)b);
	else
		snprintf(buf, size, "%.1f %s", v, unit[u]);
	return buf;
}

static const char *cnt(uint64_t v, char *buf, size_t size)
{
	if (v == UNKNOWN)
		return "?";
	snprintf(buf, size, "%llu", (unsigned long long)v);
	return buf;
}

static void print_frame(const struct frame *f, FILE *out)
{
	fprintf(out, "        0x%-14llx ", (unsigned long long)f->addr);
	if (f->symbol)
		fprintf(out, "%s+0x%llx", f->symbol, (unsigned long long)f->offset);
	else
		fprintf(out, "??");
	if (f->file)
		fprintf(out, " at %s:%d", f->file, f->line);
	if (f->module)
		fprintf(out, " (%s)", f->module);
	fputc('\n', out);
}

static void print_memory(const struct proc_report *p, FILE *out)
{
	const struct memory_report *m = &p->memory;
	char a[32], b[32], c[32], d[32], e[32];

	if (!m->present) {
		if (m->why_absent)
			fprintf(out, "  memory      not traced: %s\n", m->why_absent);
		return;
	}
	fprintf(out, "  memory      %s allocations (%s), %s frees (%s), %s untracked frees\n",
		cnt(m->mallocs, a, sizeof(a)), human(m->bytes_allocated, b, sizeof(b)),
		cnt(m->frees, c, sizeof(c)), human(m->bytes_freed, d, sizeof(d)),
		cnt(m->untracked_frees, e, sizeof(e)));
	fprintf(out, "              %s free calls%s\n", cnt(m->free_calls, a, sizeof(a)),
		m->estimated ? "; frees, outstanding and sites are estimates from the sample" : "");
	if (m->released_at_exec != UNKNOWN && m->released_at_exec)
		fprintf(out, "              %s blocks (%s) gone with the image an exec replaced\n",
			cnt(m->released_at_exec, a, sizeof(a)),
			human(m->bytes_released_at_exec, b, sizeof(b)));
	fprintf(out, "              outstanding %s blocks, %s", cnt(m->outstanding_objects, a, sizeof(a)),
		human(m->outstanding_bytes, b, sizeof(b)));
	if (m->outstanding_bytes != UNKNOWN && m->outstanding_bytes >= 1024)
		fprintf(out, " (%llu bytes)", (unsigned long long)m->outstanding_bytes);
	if (!isnan(m->free_rate))
		fprintf(out, ", free rate %.2f%%", m->free_rate * 100);
	if (!isnan(m->bytes_per_item))
		fprintf(out, ", %.2f bytes/item (%s)", m->bytes_per_item, m->grade);
	if (!isnan(m->growth_bytes_per_min))
		fprintf(out, ", growth %s/min", human(m->growth_bytes_per_min > 0 ?
						      (uint64_t)m->growth_bytes_per_min : 0,
						      c, sizeof(c)));
	fputc('\n', out);
	/* after the counts the memory lines share */
	if (m->reach.present)
		fprintf(out, "  lost        %llu blocks directly (%s), %llu indirectly (%s); %llu "
			"still reachable (%s) [scan: %.1f ms, %s read]\n",
			(unsigned long long)m->reach.objects[1], human(m->reach.bytes[1], a, 32),
			(unsigned long long)m->reach.objects[2], human(m->reach.bytes[2], b, 32),
			(unsigned long long)m->reach.objects[0], human(m->reach.bytes[0], c, 32),
			m->reach.pause_ms, human(m->reach.bytes_read, d, 32));
	if (m->reach.present && m->reach.suppressed_objects)
		fprintf(out, "              %llu lost blocks suppressed (%s, --suppressions)\n",
			(unsigned long long)m->reach.suppressed_objects,
			human(m->reach.suppressed_bytes, a, 32));
}

static const char *ms(double v, char *buf, size_t size)
{
	if (isnan(v))
		snprintf(buf, size, "?");
	else
		snprintf(buf, size, "%.3f ms", v);
	return buf;
}

/* A Go program's runtime: goroutines as NumGoroutine counts them, GC, its heap */
static void print_go(const struct go_counts *g, uint64_t items, FILE *out)
{
	char a[32], b[32], c[32], d[32];

	if (!g->present)
		return;
	fprintf(out, "  go          %s: %s goroutines at the start, %s at the end; %s created, "
		"%s exited\n", g->version[0] ? g->version : "Go", cnt(g->goroutines_start, a, 32),
		cnt(g->goroutines_end, b, 32), cnt(g->created, c, 32), cnt(g->exited, d, 32));
	fprintf(out, "              GC: %s cycles, longest pause %s, %s in all\n",
		cnt(g->gc_cycles, a, 32), ms(g->pause_max_ms, b, 32), ms(g->pause_total_ms, c, 32));
	fprintf(out, "              heap: %s allocations (%s); live %s at the start, %s at the "
		"end (marked by the last GC)\n", cnt(g->mallocs, a, 32),
		human(g->bytes_allocated, b, 32), human(g->live_start, c, 32),
		human(g->live_end, d, 32));
	if (g->live_start != UNKNOWN && g->live_end != UNKNOWN && items && items != UNKNOWN) {
		double per = ((double)g->live_end - (double)g->live_start) / items;

		fprintf(out, "              %.1f bytes of live heap per item: %s\n", per,
			grade_bytes_per_item(per > 0 ? per : 0));
	}
}

static void print_items(const struct items_report *it, FILE *out)
{
	if (!it->present)
		return;
	fprintf(out, "  items       %llu calls of %s", (unsigned long long)it->count, it->probe);
	if (!isnan(it->per_sec))
		fprintf(out, " (%.1f/s)", it->per_sec);
	if (it->batches != UNKNOWN) {
		fprintf(out, ", %llu batches", (unsigned long long)it->batches);
		if (!isnan(it->mean_batch))
			fprintf(out, " (mean %.1f items)", it->mean_batch);
	}
	fputc('\n', out);
}

static void print_resources(const struct proc_report *p, FILE *out)
{
	char a[32], b[32], c[32], d[32];
	int k;

	/* a process that ended is counted as it was when it began to exit */
	if (p->threads.present)
		fprintf(out, "  threads     %s at attach, %s %s; %s created, %s exited\n",
			cnt(p->threads.start, a, sizeof(a)), cnt(p->threads.end, b, sizeof(b)),
			p->exited ? "at exit" : "now", cnt(p->threads.created, c, sizeof(c)),
			cnt(p->threads.exited, d, sizeof(d)));
	if (p->fds.present) {
		/* an exited process's end is its table when it exited */
		const char *when = p->fds.at_exit ? "at exit" : "now";

		fprintf(out, "  fds         %s at attach, %s %s; %s opened, %s closed (%s:",
			cnt(p->fds.start, a, sizeof(a)), cnt(p->fds.end, b, sizeof(b)), when,
			cnt(p->fds.opened, c, sizeof(c)), cnt(p->fds.closed, d, sizeof(d)), when);
		for (k = 0; k < FD_KIND_NR && !p->fds.kinds_unknown; k++)
			fprintf(out, " %llu %s", (unsigned long long)p->fds.by_kind[k],
				fd_kind_names[k]);
		if (p->fds.kinds_unknown)
			fprintf(out, " kinds not known");
		fprintf(out, ")\n");
		if (p->fds.kinds_unknown)
			fprintf(out, "              (the kernel closed them when it exited, before "
				"they could be read)\n");
	}
	if (p->sockets.present) {
		fprintf(out, "  tcp         %s open%s: %s established, %s listening, "
			"%s in CLOSE_WAIT", cnt(p->sockets.open, a, sizeof(a)),
			p->exited ? " at exit" : "", cnt(p->sockets.established, b, sizeof(b)),
			cnt(p->sockets.listen, c, sizeof(c)), cnt(p->sockets.close_wait, d, sizeof(d)));
		if (!isnan(p->oldest_close_wait_s))
			fprintf(out, " (oldest %.1f s)", p->oldest_close_wait_s);
		fputc('\n', out);
	}
}

static void print_leaked_fds(const struct report *r, const struct proc_report *p, FILE *out)
{
	int i, j, n = p->nleaked_fds < r->top ? p->nleaked_fds : r->top;

	if (!n)
		return;
	fprintf(out, "  fds opened while traced and still open (%d of %llu, the oldest)\n", n,
		(unsigned long long)p->leaked_fds_total);
	for (i = 0; i < n; i++) {
		const struct leaked_fd *l = &p->leaked_fds[i];

		fprintf(out, "    fd %d  %s %s", l->fd, fd_kind_names[l->kind],
			l->target[0] ? l->target : "?");
		if (!isnan(l->age_s))
			fprintf(out, ", open %.1f s%s", l->age_s, l->over_age ? " (too long)" : "");
		fputc('\n', out);
		for (j = 0; j < l->nframes; j++)
			print_frame(&l->frames[j], out);
		if (!l->nframes && !strcmp(r->mode, "counts"))
			fprintf(out, "        (no stacks in counts mode)\n");
		else if (!l->nframes)
			fprintf(out, "        (opened where leakbpf does not look, or its stack was "
				"lost)\n");
	}
}

static void print_verdict(const struct verdict *v, FILE *out)
{
	static const char *const status[] = { "pass", "FAIL", "skip" };
	int i;

	fprintf(out, "  verdict     %s\n", v->leak ? "LEAK" : "no leak");
	for (i = 0; i < v->nchecks; i++) {
		const struct check *c = &v->checks[i];

		fprintf(out, "    %-4s  %-22s", status[c->status], check_names[c->id]);
		if (c->status == CHECK_SKIPPED)
			fprintf(out, "%s", c->reason);
		else
			fprintf(out, "%.6g (threshold %.6g)%s%s", c->value, c->threshold,
				c->reason[0] ? ": " : "", c->reason);
		fputc('\n', out);
	}
}

static void print_sites(const struct proc_report *p, FILE *out)
{
	char a[32];
	int i, j;

	if (!p->nsites)
		return;
	fprintf(out, "  top leak sites (%d of %llu, %s)\n", p->nsites,
		(unsigned long long)p->sites_total,
		p->sites[0].leak_class ? "by class, direct leaks first" : "by bytes outstanding");
	for (i = 0; i < p->nsites; i++) {
		const struct leak_site *s = &p->sites[i];

		fprintf(out, "    #%d  %s%s%llu blocks, %s", i + 1,
			s->leak_class ? s->leak_class : "",
			!s->leak_class ? "" : s->leak_class[0] == 'd' || s->leak_class[0] == 'i'
					      ? " leak: " : ": ",
			(unsigned long long)s->objects,
			human(s->bytes, a, sizeof(a)));
		if (!isnan(s->oldest_age_s))
			fprintf(out, ", oldest %.1f s", s->oldest_age_s);
		if (!isnan(s->growth_bytes_per_min))
			fprintf(out, ", growing %s/min",
				human(s->growth_bytes_per_min > 0 ? s->growth_bytes_per_min : 0, a,
				      sizeof(a)));
		fputc('\n', out);
		for (j = 0; j < s->nframes; j++)
			print_frame(&s->frames[j], out);
		if (!s->nframes)
			fprintf(out, "        (stack not captured)\n");
	}
}

void report__print_text(const struct report *r, FILE *out)
{
	int i;

	fprintf(out, "leakbpf %s report after %.1f s", r->final ? "final" : "interim",
		r->duration_s);
	if (r->rounds > 1)
		fprintf(out, " (round %d)", r->rounds);
	fprintf(out, ", mode %s", r->mode);
	if (r->sample_every > 1)
		fprintf(out, " (1 in %d blocks sampled, estimates scaled)", r->sample_every);
	if (r->lost_events)
		fprintf(out, ", %llu EVENTS LOST (numbers are incomplete)",
			(unsigned long long)r->lost_events);
	if (r->follow)
		fprintf(out, ", %d process%s traced (-f)", r->nprocs, r->nprocs == 1 ? "" : "es");
	if (r->follow_dropped)
		fprintf(out, ", %llu MORE NOT TRACED (too many at once)",
			(unsigned long long)r->follow_dropped);
	fputc('\n', out);
	for (i = 0; i < r->nprocs; i++) {
		const struct proc_report *p = &r->procs[i];

		fprintf(out, "\nPID %d (%s)%s%s", p->pid, p->comm, p->exe[0] ? " " : "", p->exe);
		if (p->exited && p->exit_code_known)
			fprintf(out, ", exited with status %d", p->exit_code);
		else if (p->exited)
			fprintf(out, ", exited");
		/* its rates and ages are over this time, not the report's */
		if (p->exited)
			fprintf(out, " after %.1f s traced", p->traced_s);
		fputc('\n', out);
		/* -f: who forked it, and what it ran */
		if (p->parent)
			fprintf(out, "  forked by PID %d: %s\n", p->parent,
				p->cmdline[0] ? p->cmdline : "(arguments not known)");
		print_items(&p->items, out);
		print_memory(p, out);
		print_go(&p->go, p->items.present ? p->items.count : UNKNOWN, out);
		print_resources(p, out);
		print_verdict(&p->verdict, out);
		print_sites(p, out);
		print_leaked_fds(r, p, out);
	}
	fprintf(out, "\n%s\n", r->leak ? "LEAK FOUND" : "no leak found");
	fflush(out);
}

void report__print_round_line(const struct report *r, FILE *out)
{
	char a[32], b[32];
	int i;

	for (i = 0; i < r->nprocs; i++) {
		const struct proc_report *p = &r->procs[i];

		fprintf(out, "round %d  %6.1f s  PID %d", r->rounds, r->duration_s, p->pid);
		if (p->items.present) {
			fprintf(out, "  items %llu", (unsigned long long)p->items.count);
			if (!isnan(p->items.per_sec))
				fprintf(out, " (%.0f/s)", p->items.per_sec);
			if (p->items.batches != UNKNOWN)
				fprintf(out, " in %llu batches",
					(unsigned long long)p->items.batches);
		}
		if (p->memory.present && p->memory.outstanding_bytes != UNKNOWN)
			fprintf(out, "  outstanding %s in %s blocks",
				human(p->memory.outstanding_bytes, a, sizeof(a)),
				cnt(p->memory.outstanding_objects, b, sizeof(b)));
		if (!isnan(p->memory.growth_bytes_per_min)) {
			double g = p->memory.growth_bytes_per_min;

			fprintf(out, "  growth %s%s/min", g < 0 ? "-" : "+",
				human((uint64_t)fabs(g), a, sizeof(a)));
		}
		if (p->threads.present)
			fprintf(out, "  threads %s", cnt(p->threads.end, a, sizeof(a)));
		if (p->fds.present)
			fprintf(out, "  fds %s", cnt(p->fds.end, a, sizeof(a)));
		fprintf(out, "%s\n", p->verdict.leak ? "  LEAK" : "");
	}
	fflush(out);
}
