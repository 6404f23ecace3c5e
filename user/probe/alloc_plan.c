// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <linux/types.h>
#include "probe/alloc_plan.h"
#include "abi/alloc.h"
#include "base/log.h"
#include "proc/procfs.h"

/* How many arguments each function's program reads. */
static const int nargs[AF_NR] = {
	[AF_MALLOC] = 1, [AF_CALLOC] = 2, [AF_REALLOC] = 2, [AF_REALLOCARRAY] = 3,
	[AF_POSIX_MEMALIGN] = 3, [AF_ALIGNED_ALLOC] = 2, [AF_MEMALIGN] = 2, [AF_VALLOC] = 1,
	[AF_PVALLOC] = 1, [AF_FREE] = 1,
};

static bool planned(const struct alloc_plan *p, const struct allocator *a, enum alloc_func fn)
{
	int i;

	for (i = 0; i < p->n; i++) {
		if (a->offset[p->sites[i].fn] == a->offset[fn])
			return true;	/* aliases (aligned_alloc and memalign in glibc) */
	}
	return false;
}

#define MAX_BRANCHES 64
/* how far into an internal function a call to a planned one is looked for */
#define INTERNAL_WINDOW 512

static int planned_at(const struct alloc_plan *p, const struct allocator *a, uint64_t vaddr)
{
	int j;

	for (j = 0; j < p->n; j++) {
		if (a->vaddr[p->sites[j].fn] == vaddr)
			return j;
	}
	return -1;
}

/*
 * Which planned functions reach another's entry, directly or through one internal
 * function (glibc: realloc calls and jumps to malloc and calls free; memalign, valloc and
 * pvalloc jump to _mid_memalign, which jumps to malloc; posix_memalign calls it): flag
 * both in the cookies, so that counting without return probes sees one call, not two.
 */
static int mark_nesting(const struct allocator *a, struct alloc_plan *p, uint8_t *code)
{
	uint64_t out[MAX_BRANCHES], inner[MAX_BRANCHES];
	int i, k, m, n, ni, len, j;

	for (i = 0; i < p->n; i++) {
		enum alloc_func fn = p->sites[i].fn;

		len = allocator__read_code(a, fn, code, ALLOC_CODE_MAX);
		if (len < 0)
			return len;
		n = placement__branches_out(code, len, a->vaddr[fn], out, MAX_BRANCHES);
		for (k = 0; k < n; k++) {
			j = planned_at(p, a, out[k]);
			if (j < 0) {
				len = allocator__read_near(a, fn, out[k], code, INTERNAL_WINDOW);
				if (len <= 0)
					continue;
				ni = placement__branches_out(code, len, out[k], inner,
							     MAX_BRANCHES);
				for (m = 0; m < ni && j < 0; m++)
					j = planned_at(p, a, inner[m]);
			}
			if (j < 0 || j == i || (p->sites[j].cookie & COOKIE_CALLED &&
						p->sites[i].cookie & COOKIE_CALLS))
				continue;
			p->sites[i].cookie |= COOKIE_CALLS;
			p->sites[i].reaches |= 1u << p->sites[j].fn;
			p->sites[j].cookie |= COOKIE_CALLED;
		}
	}
	return 0;
}

static int make_plan(const struct allocator *a, bool returns, bool returns_at_entry, bool place,
		     struct alloc_plan *out)
{
	struct emulation emu;
	uint8_t *code;
	int fn, len, err = 0;

	memset(out, 0, sizeof(*out));
	placement__kernel(&emu);
	code = malloc(ALLOC_CODE_MAX);
	if (!code)
		return -ENOMEM;
	for (fn = 0; fn < AF_NR; fn++) {
		struct alloc_site *s = &out->sites[out->n];
		unsigned int flags = PLACE_NARGS(nargs[fn]);

		if (!a->found[fn] || planned(out, a, fn))
			continue;
		len = allocator__read_code(a, fn, code, ALLOC_CODE_MAX);
		if (len < 0) {
			err = len;
			break;
		}
		/*
		 * glibc's reallocarray checks for overflow, then jumps to realloc with the
		 * product: probing it too would count the call twice.
		 */
		if (fn == AF_REALLOCARRAY && a->found[AF_REALLOC] &&
		    placement__tail_jump(code, len, a->vaddr[fn])) {
			out->skipped_tail_call = true;
			continue;
		}
		s->fn = fn;
		s->returns = returns && fn != AF_FREE;
		if (fn == AF_FREE)
			flags |= PLACE_NULL_ARG0_RETURNS;
		if (s->returns && returns_at_entry)
			flags |= PLACE_KEEP_SP;
		err = placement__decide(code, len, a->vaddr[fn], flags, &emu, &s->site);
		if (err == -ENOENT) {
			/* no libcapstone: entries only, and counts mode cannot tell glibc's
			 * inner calls from the program's */
			snprintf(s->site.why, sizeof(s->site.why), "libcapstone missing: no decoding");
			err = 0;
		}
		if (err)
			break;
		if (!place) {
			s->site.skip = 0;
			s->site.sp_delta = 0;
			snprintf(s->site.why, sizeof(s->site.why), "placement disabled");
		}
		s->offset = a->offset[fn] + s->site.skip;
		s->cookie = s->site.sp_delta;
		out->n++;
	}
	if (!err)
		err = mark_nesting(a, out, code);
	free(code);
	return err;
}

/*
 * The plan is made in a child process: decoding touches megabytes of Capstone's tables,
 * which would otherwise stay in the tracer's resident memory for its whole life.
 */
int alloc_plan__make(const struct allocator *a, bool returns, bool returns_at_entry, bool place,
		     struct alloc_plan *out)
{
	struct {
		int err;
		struct alloc_plan plan;
	} *msg;
	size_t got = 0;
	int pipefd[2], status, err;
	ssize_t n;
	pid_t child;

	msg = calloc(1, sizeof(*msg));
	if (!msg)
		return -ENOMEM;
	if (pipe2(pipefd, O_CLOEXEC)) {
		err = -errno;
		goto out;
	}
	child = fork();
	if (child < 0) {
		err = -errno;
		close(pipefd[0]);
		close(pipefd[1]);
		goto out;
	}
	if (child == 0) {
		close(pipefd[0]);
		msg->err = make_plan(a, returns, returns_at_entry, place, &msg->plan);
		_exit(write(pipefd[1], msg, sizeof(*msg)) == sizeof(*msg) ? 0 : 1);
	}
	close(pipefd[1]);
	while (got < sizeof(*msg)) {
		n = read(pipefd[0], (char *)msg + got, sizeof(*msg) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += n;
	}
	close(pipefd[0]);
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	if (got != sizeof(*msg)) {
		err = -EPIPE;	/* the child died: it cannot have planned anything */
		goto out;
	}
	err = msg->err;
	if (!err)
		*out = msg->plan;
out:
	free(msg);
	return err;
}

void alloc_plan__log(const struct alloc_plan *p, const struct allocator *a)
{
	int i;

	for (i = 0; i < p->n; i++) {
		const struct alloc_site *s = &p->sites[i];

		vlog("probe %s%s at +0x%llx '%s' (%s): %s", alloc_func_names[s->fn],
		     s->returns ? " (entry and return)" : "", (unsigned long long)s->site.skip,
		     s->site.insn, s->site.emulated ? "emulated" : "single-stepped", s->site.why);
	}
	for (i = 0; i < p->n; i++) {
		int fn;

		for (fn = 0; fn < AF_NR; fn++) {
			if (p->sites[i].reaches & (1u << fn))
				vlog("%s reaches %s: an inner call is not counted again",
				     alloc_func_names[p->sites[i].fn], alloc_func_names[fn]);
		}
	}
	if (p->skipped_tail_call)
		vlog("reallocarray only jumps to realloc: counted by realloc's probe");
}

struct range_scan {
	uint64_t inode;
	const struct alloc_plan *p;
	const struct allocator *a;
	uint64_t *lo, *hi;
	int max, n;
	bool mapped;
};

static int map_ranges(const struct proc_map *m, void *arg)
{
	struct range_scan *r = arg;
	int i;

	if (m->inode != r->inode || m->perms[2] != 'x')
		return 0;
	r->mapped = true;
	for (i = 0; i < r->p->n && r->n < r->max; i++) {
		enum alloc_func fn = r->p->sites[i].fn;
		uint64_t off = r->a->offset[fn], size = r->a->size[fn] ? r->a->size[fn] : 1;

		if (off < m->offset || off >= m->offset + (m->end - m->start))
			continue;
		r->lo[r->n] = m->start + (off - m->offset);
		r->hi[r->n] = r->lo[r->n] + size;
		r->n++;
	}
	return 0;
}

int alloc_plan__ranges(const struct alloc_plan *p, const struct allocator *a, pid_t pid,
		       uint64_t *lo, uint64_t *hi, int max, int *n)
{
	struct range_scan r = { .p = p, .a = a, .lo = lo, .hi = hi, .max = max };
	struct stat st;
	int err;

	*n = 0;
	/* by inode: the process may name the file by another path (/lib vs /usr/lib) */
	if (stat(a->path, &st))
		return -errno;
	r.inode = st.st_ino;
	err = proc__for_each_map(pid, map_ranges, &r);
	if (err)
		return err;
	*n = r.n;
	return r.mapped ? 0 : -ENOENT;
}
