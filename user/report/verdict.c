// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/util.h"
#include "report/verdict.h"

const char *const check_names[CHECK_NR] = {
	[CHECK_UNRELEASED_OBJECTS] = "unreleased_objects",
	[CHECK_HEAP_GROWTH_PER_ITEM] = "heap_growth_per_item",
	[CHECK_FREE_RATE] = "free_rate",
	[CHECK_HEAP_OBJECT_GROWTH] = "heap_object_growth",
	[CHECK_THREAD_GROWTH] = "thread_growth",
	[CHECK_FD_GROWTH] = "fd_growth",
	[CHECK_CLOSE_WAIT] = "close_wait",
	[CHECK_FD_AGE] = "fd_age",
	[CHECK_GROWTH_RATE] = "growth_rate",
	[CHECK_GOROUTINE_GROWTH] = "goroutine_growth",
	[CHECK_GC_PAUSE] = "gc_pause",
	[CHECK_LOST_OBJECTS] = "lost_objects",
};

void thresholds__init(struct thresholds *t)
{
	/* the defaults, and the documents they come from: doc/checks.md */
	t->v[CHECK_UNRELEASED_OBJECTS] = 0.10;
	t->v[CHECK_HEAP_GROWTH_PER_ITEM] = 1024;
	t->v[CHECK_FREE_RATE] = 0.95;
	t->v[CHECK_HEAP_OBJECT_GROWTH] = 0.20;
	t->v[CHECK_THREAD_GROWTH] = 2;
	t->v[CHECK_FD_GROWTH] = 2;
	t->v[CHECK_CLOSE_WAIT] = 60;
	t->v[CHECK_FD_AGE] = 120;
	t->fd_age_socket = 60;
	t->v[CHECK_GROWTH_RATE] = 1048576;
	t->v[CHECK_GOROUTINE_GROWTH] = 2;
	t->v[CHECK_GC_PAUSE] = 10;
	t->v[CHECK_LOST_OBJECTS] = 0;
}

int thresholds__parse(struct thresholds *t, const char *arg, const char **why)
{
	const char *eq = strchr(arg, '=');
	size_t len;
	double v;
	int i;

	if (!eq || eq == arg) {
		*why = "expected NAME=VALUE";
		return -EINVAL;
	}
	len = eq - arg;
	if (parse_nonneg_double(eq + 1, &v)) {
		*why = "the value must be a non-negative number";
		return -EINVAL;
	}
	if (len == strlen("fd_age_socket") && !strncmp(arg, "fd_age_socket", len)) {
		t->fd_age_socket = v;
		return 0;
	}
	for (i = 0; i < CHECK_NR; i++) {
		if (strlen(check_names[i]) == len && !strncmp(arg, check_names[i], len)) {
			if (i == CHECK_FREE_RATE && v > 1) {
				*why = "free_rate is a ratio between 0 and 1";
				return -EINVAL;
			}
			t->v[i] = v;
			return 0;
		}
	}
	*why = "unknown check name";
	return -EINVAL;
}

const char *grade_bytes_per_item(double b)
{
	if (isnan(b))
		return NULL;
	if (b < 100)
		return "excellent";
	if (b < 512)
		return "good";
	if (b <= 1024)
		return "acceptable";
	return "needs_optimization";
}

double slope_least_squares(const double *x, const double *y, int n)
{
	double mx = 0, my = 0, sxx = 0, sxy = 0;
	int i;

	if (n < 2)
		return NAN;
	for (i = 0; i < n; i++) {
		mx += x[i];
		my += y[i];
	}
	mx /= n;
	my /= n;
	for (i = 0; i < n; i++) {
		sxx += (x[i] - mx) * (x[i] - mx);
		sxy += (x[i] - mx) * (y[i] - my);
	}
	return sxx > 0 ? sxy / sxx : NAN;
}

/*
 * Over a window of length w with middle m, var(t) = w^2/12, and a block of b bytes born
 * at u adds b * ((to - m)^2 - (u - m)^2) / (2w) to cov(t, S). A steady r bytes/s gives
 * r; blocks all born at the start (a cache filled once) give 0.
 */
double slope_of_births(double bytes, double t1, double t2, double from, double to)
{
	double w = to - from, m = (from + to) / 2;
	double spread = t2 - 2 * m * t1 + m * m * bytes;	/* sum(bytes * (u - m)^2) */

	if (!(w > 0))
		return NAN;
	return 6 * (w * w / 4 * bytes - spread) / (w * w * w);
}

void age_worst__add(struct age_worst *w, double age_s, double limit_s)
{
	double a, b;

	if (isnan(age_s))
		return;
	if (age_s > limit_s)
		w->over++;
	/* age / limit against the worst's, multiplied out: a limit of 0 makes any age worst */
	a = age_s * w->limit_s;
	b = w->age_s * limit_s;
	if (!w->n++ || a > b || (a == b && age_s > w->age_s)) {
		w->age_s = age_s;
		w->limit_s = limit_s;
	}
}

static struct check *add(struct verdict *v, enum check_id id, const struct thresholds *t)
{
	struct check *c = &v->checks[v->nchecks++];

	memset(c, 0, sizeof(*c));
	c->id = id;
	c->value = NAN;
	c->threshold = t->v[id];
	return c;
}

static void skip(struct check *c, const char *reason)
{
	c->status = CHECK_SKIPPED;
	snprintf(c->reason, sizeof(c->reason), "%s", reason);
}

/* fail when value > threshold */
static void judge_above(struct verdict *v, struct check *c, double value)
{
	c->value = value;
	c->status = value > c->threshold ? CHECK_FAIL : CHECK_PASS;
	if (c->status == CHECK_FAIL)
		v->leak = true;
}

/*
 * An age check: the worst age against its own limit. With no age at all, nothing has
 * waited: 0 s, against the check's threshold (a known 0, not an unknown).
 */
static void judge_age(struct verdict *v, struct check *c, const struct age_worst *w)
{
	if (w->n)
		c->threshold = w->limit_s;
	judge_above(v, c, w->n ? w->age_s : 0);
}

static bool known(uint64_t n)
{
	return n != UINT64_MAX;
}

static double num(uint64_t n)
{
	return known(n) ? (double)n : NAN;
}

/* The checks that divide by the processed items. */
/* Some blocks were not followed: a check on frees has nothing sound to say. */
static bool incomplete(const struct verdict_input *in, struct check *c)
{
	if (!known(in->untracked_allocs) || !in->untracked_allocs)
		return false;
	snprintf(c->reason, sizeof(c->reason), "%llu blocks allocated while traced could not "
		 "be followed (the block map was full: raise --max-allocs)",
		 (unsigned long long)in->untracked_allocs);
	c->status = CHECK_SKIPPED;
	return true;
}

/*
 * Outstanding counts miss the blocks not followed: a failure still stands (the real
 * numbers are higher), a pass proves nothing.
 */
static void lower_bound(const struct verdict_input *in, struct check *c)
{
	if (c->status == CHECK_PASS && known(in->untracked_allocs) && in->untracked_allocs)
		incomplete(in, c);
}

/* Why the memory checks are skipped when the allocator is not traced */
static const char *no_memory(const struct verdict_input *in)
{
	return in->memory_why ? in->memory_why : "the allocator is not traced";
}

static void per_item(struct verdict *v, const struct verdict_input *in, enum check_id id,
		     const struct thresholds *t, double numerator)
{
	struct check *c = add(v, id, t);

	if (!in->memory)
		skip(c, no_memory(in));
	else if (!in->items)
		skip(c, "needs --item to count processed items");
	else if (isnan(numerator))
		skip(c, "blocks are not tracked in this mode (--mode counts)");
	else if (!in->item_count)
		skip(c, "the --item probe was never hit");
	else if (id == CHECK_UNRELEASED_OBJECTS && incomplete(in, c))
		;	/* mallocs - frees counts the frees of unfollowed blocks as missing */
	else {
		judge_above(v, c, numerator / (double)in->item_count);
		lower_bound(in, c);
	}
}

void verdict__evaluate(const struct verdict_input *in, const struct thresholds *t,
		       struct verdict *v)
{
	struct check *c;

	memset(v, 0, sizeof(*v));
	per_item(v, in, CHECK_UNRELEASED_OBJECTS, t,
		 known(in->frees) ? (double)in->mallocs - (double)in->frees : NAN);
	if (!in->memory && in->go && known(in->go_live_start) && known(in->go_live_end)) {
		/* a Go program's heap is its runtime's: what the GC found live grew this much */
		struct verdict_input go = *in;

		go.memory = true;
		per_item(v, &go, CHECK_HEAP_GROWTH_PER_ITEM, t,
			 (double)in->go_live_end - (double)in->go_live_start);
	} else {
		per_item(v, in, CHECK_HEAP_GROWTH_PER_ITEM, t, num(in->outstanding_bytes));
	}

	c = add(v, CHECK_FREE_RATE, t);
	if (!in->memory) {
		skip(c, no_memory(in));
	} else if (in->reachability) {
		/* data kept until exit is no leak: what the scan found unreachable is */
		skip(c, "judged by lost_objects: the reachability scan at the end says which "
			"blocks were lost");
	} else if (!known(in->mallocs) || !known(in->frees)) {
		skip(c, "frees of blocks allocated while traced are not known in this mode");
	} else if (incomplete(in, c)) {
		;	/* their frees are among untracked_frees: the rate would read low */
	} else if (in->mallocs < FREE_RATE_MIN_MALLOCS) {
		snprintf(c->reason, sizeof(c->reason),
			 "needs at least %d allocations, saw %llu", FREE_RATE_MIN_MALLOCS,
			 (unsigned long long)in->mallocs);
		c->status = CHECK_SKIPPED;
	} else {
		c->value = (double)in->frees / (double)in->mallocs;
		c->status = c->value < c->threshold ? CHECK_FAIL : CHECK_PASS;
		if (c->status == CHECK_FAIL)
			v->leak = true;
	}

	per_item(v, in, CHECK_HEAP_OBJECT_GROWTH, t, num(in->outstanding_objects));

	c = add(v, CHECK_THREAD_GROWTH, t);
	if (!in->threads || !known(in->threads_start) || !known(in->threads_end))
		skip(c, "threads are not traced");
	else
		judge_above(v, c, (double)in->threads_end - (double)in->threads_start);

	c = add(v, CHECK_FD_GROWTH, t);
	if (!in->fds || !known(in->fds_start) || !known(in->fds_end))
		skip(c, "file descriptors are not traced");
	else
		judge_above(v, c, (double)in->fds_end - (double)in->fds_start);

	/* the age checks judge the worst one; the reason says how many are over */
	c = add(v, CHECK_CLOSE_WAIT, t);
	if (!in->sockets) {
		skip(c, "TCP sockets are not traced");
	} else {
		judge_age(v, c, &in->close_wait);
		snprintf(c->reason, sizeof(c->reason), "%llu socket(s) in CLOSE_WAIT, %llu longer "
			 "than %g s", (unsigned long long)in->close_wait.n,
			 (unsigned long long)in->close_wait.over, t->v[CHECK_CLOSE_WAIT]);
	}

	c = add(v, CHECK_FD_AGE, t);
	if (!in->fds) {
		skip(c, "file descriptors are not traced");
	} else {
		judge_age(v, c, &in->fd_age);
		snprintf(c->reason, sizeof(c->reason), "%llu fd(s) opened while traced and open, "
			 "%llu longer than their kind's limit (sockets %g s, others %g s)",
			 (unsigned long long)in->fd_age.n, (unsigned long long)in->fd_age.over,
			 t->fd_age_socket, t->v[CHECK_FD_AGE]);
	}

	c = add(v, CHECK_GROWTH_RATE, t);
	if (!in->memory) {
		skip(c, no_memory(in));
	} else if (!known(in->outstanding_bytes)) {
		skip(c, "blocks are not tracked in this mode (--mode counts)");
	} else if (in->rounds < GROWTH_MIN_ROUNDS || isnan(in->growth_bytes_per_min)) {
		snprintf(c->reason, sizeof(c->reason), "needs at least %d rounds (one a second, or -i) of "
			 "outstanding bytes, has %d", GROWTH_MIN_ROUNDS, in->rounds);
		c->status = CHECK_SKIPPED;
	} else {
		judge_above(v, c, in->growth_bytes_per_min);
		lower_bound(in, c);
		/* where the growth is: the site whose kept bytes grew fastest */
		if (in->top_site && !c->reason[0])
			snprintf(c->reason, sizeof(c->reason), "fastest-growing site: %s, "
				 "%.0f bytes/min", in->top_site, in->top_site_growth);
	}

	c = add(v, CHECK_GOROUTINE_GROWTH, t);
	if (!in->go)
		skip(c, "not a Go target");
	else if (!known(in->goroutines_start) || !known(in->goroutines_end))
		skip(c, "the goroutines at the start or at the end are not known");
	else
		judge_above(v, c, (double)in->goroutines_end - (double)in->goroutines_start);

	c = add(v, CHECK_GC_PAUSE, t);
	if (!in->go)
		skip(c, "not a Go target");
	else if (isnan(in->gc_pause_max_ms))
		skip(c, "the runtime's pause records could not be read");
	else
		judge_above(v, c, in->gc_pause_max_ms);

	c = add(v, CHECK_LOST_OBJECTS, t);
	if (!in->reachability)
		skip(c, in->reach_why ? in->reach_why
				      : "needs a reachability scan (a command held at its exit in "
					"stacks or full mode, or --reachability)");
	else
		judge_above(v, c, (double)in->lost_objects);
}
