// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "proc/go_runtime.h"

/* More Ps than GOMAXPROCS will ever be: a longer allp is a torn or wrong read */
#define MAX_ALLP 4096

static int read_at(int fd, uint64_t addr, void *buf, size_t len)
{
	ssize_t n;

	/* pread takes a signed offset: no user address is that high */
	if (addr > INT64_MAX - len)
		return -EIO;
	do {
		n = pread(fd, buf, len, (off_t)addr);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EIO || errno == EFAULT ? -EIO : -errno;
	if (n == 0)
		return -ESRCH;	/* the process has no memory left: it exited */
	return (size_t)n == len ? 0 : -EIO;
}

static int read_u32(int fd, uint64_t addr, uint32_t *v)
{
	return read_at(fd, addr, v, sizeof(*v));
}

static int read_u64(int fd, uint64_t addr, uint64_t *v)
{
	return read_at(fd, addr, v, sizeof(*v));
}

/* allp: the Ps' addresses, as a malloc'ed array; *n 0 before the scheduler has any */
static int read_allp(int fd, const struct go_binary *b, uint64_t bias, uint64_t **ps,
		     size_t *n)
{
	uint64_t slice[2];
	int err;

	*ps = NULL;
	*n = 0;
	err = read_at(fd, b->allp + bias, slice, sizeof(slice));
	if (err || !slice[1])
		return err;
	if (slice[1] > MAX_ALLP || !slice[0])
		return -EIO;
	*ps = calloc(slice[1], sizeof(**ps));
	if (!*ps)
		return -ENOMEM;
	*n = slice[1];
	return read_at(fd, slice[0], *ps, *n * sizeof(**ps));
}

/* Sum of allp[i].gFree.n: the Ps' free goroutines, which gcount() takes off */
static int read_p_gfree(int fd, const struct go_binary *b, const uint64_t *ps, size_t n,
			int64_t *sum)
{
	uint32_t v;
	int err = 0;
	size_t i;

	*sum = 0;
	for (i = 0; !err && i < n; i++) {
		if (!ps[i])
			continue;
		err = read_u32(fd, ps[i] + b->p_gfree_n, &v);
		*sum += (int32_t)v;
	}
	return err;
}

/* What one P's cache gave out and has not counted: as refill and releaseAll count it */
static int read_mcache(int fd, const struct go_binary *b, uint64_t mcache, struct go_state *out)
{
	uint64_t *spans, tiny, elemsize, empty = 0;
	uint16_t count, before;
	int i, n = b->mcache_nclasses, err;

	spans = calloc(n, sizeof(*spans));
	if (!spans)
		return -ENOMEM;
	err = read_at(fd, mcache + b->mcache_alloc, spans, n * sizeof(*spans));
	for (i = 0; !err && i < n; i++) {
		/* a slot without a span holds runtime.emptymspan, all zero: read it once */
		if (!spans[i] || spans[i] == empty)
			continue;
		err = read_at(fd, spans[i] + b->mspan_alloc_count, &count, sizeof(count));
		if (!err)
			err = read_at(fd, spans[i] + b->mspan_before_cache, &before, sizeof(before));
		if (!err)
			err = read_u64(fd, spans[i] + b->mspan_elemsize, &elemsize);
		if (!err && !elemsize)
			empty = spans[i];
		if (!err && count > before) {
			out->cached_mallocs += count - before;
			out->cached_bytes += (uint64_t)(count - before) * elemsize;
		}
	}
	free(spans);
	if (!err)
		err = read_u64(fd, mcache + b->mcache_tiny_allocs, &tiny);
	if (!err)
		out->cached_mallocs += tiny;
	return err;
}

static int read_cached_allocs(int fd, const struct go_binary *b, const uint64_t *ps, size_t n,
			      struct go_state *out)
{
	uint64_t mcache;
	int err = 0;
	size_t i;

	out->cached_mallocs = out->cached_bytes = 0;
	for (i = 0; !err && i < n; i++) {
		if (!ps[i])
			continue;
		err = read_u64(fd, ps[i] + b->p_mcache, &mcache);
		/* a P being destroyed has none */
		if (!err && mcache)
			err = read_mcache(fd, b, mcache, out);
	}
	return err;
}

/* The netpoller's fds, as the runtime keeps them (a pipe's or an eventfd for wake-ups) */
static void read_runtime_fds(int fd, const struct go_binary *b, uint64_t bias,
			     struct go_state *out)
{
	uint64_t v;
	uint32_t ep;
	int n = 0;

	out->runtime_fds[0] = out->runtime_fds[1] = out->runtime_fds[2] = -1;
	/* -1 until the netpoller starts; 0 is never one of them (stdin) */
	if (b->epfd && !read_u32(fd, b->epfd + bias, &ep) && (int32_t)ep > 0)
		out->runtime_fds[n++] = (int32_t)ep;
	if (b->break_rd && !read_u64(fd, b->break_rd + bias, &v) && v && v < 1U << 30)
		out->runtime_fds[n++] = v;
	if (b->break_wr && !read_u64(fd, b->break_wr + bias, &v) && v && v < 1U << 30)
		out->runtime_fds[n++] = v;
	if (n < 3 && b->event_fd && !read_u64(fd, b->event_fd + bias, &v) && v && v < 1U << 30)
		out->runtime_fds[n++] = v;
}

int go_runtime__read(pid_t pid, const struct go_binary *b, uint64_t bias, struct go_state *out)
{
	uint32_t ngsys, gfree, numgc;
	uint64_t allglen, heap_base, *ps = NULL;
	int64_t p_gfree = 0, n;
	size_t nps = 0;
	char path[32];
	int fd, err;

	if (!b->layout_known)
		return -EOPNOTSUPP;
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;

	err = read_u64(fd, b->allglen + bias, &allglen);
	if (!err)
		err = read_u32(fd, b->sched + bias + b->sched_ngsys, &ngsys);
	if (!err)
		err = read_u32(fd, b->sched + bias + b->sched_gfree_n, &gfree);
	if (!err)
		err = read_allp(fd, b, bias, &ps, &nps);
	if (!err)
		err = read_p_gfree(fd, b, ps, nps, &p_gfree);
	if (err)
		goto out;
	/* runtime.gcount(), in its int32 arithmetic */
	n = (int64_t)(int32_t)allglen - (int32_t)gfree - (int32_t)ngsys - p_gfree;
	out->goroutines = n < 1 ? 1 : n;

	err = read_u32(fd, b->memstats + bias + b->mstats_numgc, &numgc);
	if (!err)
		err = read_u64(fd, b->memstats + bias + b->mstats_pause_total_ns,
			       &out->pause_total_ns);
	if (!err)
		err = read_at(fd, b->memstats + bias + b->mstats_pause_ns, out->pause_ns,
			      sizeof(out->pause_ns));
	heap_base = b->heap_marked_in_mstats ? b->memstats : b->gc_controller;
	if (!err)
		err = read_u64(fd, heap_base + bias + b->gcc_heap_marked, &out->heap_marked);
	out->numgc = numgc;
	read_runtime_fds(fd, b, bias, out);
	/* a torn read of the caches costs the counts only their last span's worth */
	out->cached_known = !err && b->alloc_layout_known &&
			    !read_cached_allocs(fd, b, ps, nps, out);
out:
	free(ps);
	close(fd);
	return err;
}

int go_state__pauses(const struct go_state *to, uint32_t from_numgc, uint64_t *max_ns,
		     uint64_t *total_ns)
{
	uint32_t cycles = to->numgc - from_numgc, first = from_numgc + 1, c;
	int err = 0;

	/* the ring keeps the last 256 cycles; a count going backwards is another process */
	if (cycles > GO_PAUSE_RING) {
		first = to->numgc - GO_PAUSE_RING + 1;
		err = -ERANGE;
	}
	*max_ns = 0;
	*total_ns = 0;
	for (c = first; c != to->numgc + 1; c++) {
		uint64_t p = to->pause_ns[(c + GO_PAUSE_RING - 1) % GO_PAUSE_RING];

		if (p > *max_ns)
			*max_ns = p;
		*total_ns += p;
	}
	return err;
}
