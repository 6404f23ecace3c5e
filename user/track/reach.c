// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/types.h>
#include "abi/alloc.h"
#include "base/util.h"
#include "probe/alloc.h"
#include "proc/procfs.h"
#include "track/reach.h"

/* What is read at once from the process: a root region is read in chunks of this */
#define CHUNK (1 << 16)
/* Threads whose stacks are scanned from their stack pointer; any beyond, whole */
#define MAX_THREADS 1024
/* No scan reads more than this (a bound on the pause): past it, no verdict is drawn */
#define MAX_SCAN_BYTES (4ULL << 30)

struct block {
	uint64_t addr, size, stack, ts;
	uint8_t class;		/* REACH_* once known; REACH_NR: not yet */
};

struct scan {
	pid_t pid;
	int mem;			/* /proc/PID/mem */
	struct block *v;		/* by address */
	size_t n, cap;
	size_t *todo;			/* blocks reached, not yet scanned */
	size_t ntodo;
	bool all_known;			/* every block of the process is in v */
	uint64_t sps[MAX_THREADS];	/* each thread's stack pointer */
	int nsps;
	uint64_t read;
	uint8_t buf[CHUNK];
};

static int add_block(const void *key, const void *value, void *arg)
{
	const struct alloc_key *k = key;
	const struct alloc_info *info = value;
	struct scan *s = arg;
	struct block *grown;

	if ((pid_t)k->tgid != s->pid)
		return 0;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 1024;
		grown = realloc(s->v, s->cap * sizeof(*s->v));
		if (!grown)
			return -ENOMEM;
		s->v = grown;
	}
	s->v[s->n++] = (struct block){ .addr = k->addr, .size = info->size ? info->size : 1,
				       .stack = info->stack, .ts = info->ts_ns, .class = REACH_NR };
	return 0;
}

static int by_addr(const void *a, const void *b)
{
	const struct block *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/*
 * Where malloc's next chunk begins, for a block of glibc's malloc: 16 bytes of header
 * before the block, the chunk rounded to 16 bytes with the next chunk's first 8 bytes lent
 * to this one. malloc's own pointers to that chunk (its top, its bins) can land inside
 * the tail of this block: they are no reference to it.
 */
static uint64_t next_chunk(const struct block *b)
{
	uint64_t chunk = (b->size + 8 + 15) & ~15ULL;

	return b->addr - 16 + (chunk < 32 ? 32 : chunk);
}

/* The block a word points into (its start or anywhere inside), or -1. */
static long find(const struct scan *s, uint64_t p)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (p < s->v[mid].addr)
			hi = mid;
		else if (p >= s->v[mid].addr + s->v[mid].size)
			lo = mid + 1;
		else
			return mid;
	}
	return -1;
}

/*
 * Every aligned word of [addr, addr + len): a pointer into a block not yet classed gives
 * it class `as` (and queues it, for REACH_REACHABLE); `self` is not marked by itself.
 */
static void scan_range(struct scan *s, uint64_t addr, uint64_t len, uint8_t as, long self)
{
	while (len >= 8 && s->read < MAX_SCAN_BYTES) {
		size_t want = len < CHUNK ? len : CHUNK, i;
		ssize_t got = pread(s->mem, s->buf, want, addr);

		if (got < 8)
			return;	/* unreadable (a guard page): nothing to find there */
		s->read += got;
		for (i = 0; i + 8 <= (size_t)got; i += 8) {
			uint64_t w;
			long b;

			memcpy(&w, s->buf + i, 8);
			b = w ? find(s, w) : -1;
			if (b < 0 || b == self || s->v[b].class != REACH_NR ||
			    next_chunk(&s->v[b]) == w)
				continue;
			s->v[b].class = as;
			if (as == REACH_REACHABLE)
				s->todo[s->ntodo++] = b;
		}
		addr += got;
		len -= got;
	}
}

/* The heap holds the blocks, and malloc's own memory with stale pointers in freed chunks */
static bool heap_region(const struct proc_map *m)
{
	return !strcmp(m->name, "[heap]");
}

/* Each thread's stack pointer, from /proc/PID/task/TID/syscall ("nr ... sp pc") */
static void read_sps(struct scan *s)
{
	char path[320], line[512], *last, *sp;
	struct dirent *d;
	DIR *dir;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task", s->pid);
	dir = opendir(path);
	while (dir && (d = readdir(dir)) && s->nsps < MAX_THREADS) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/syscall", s->pid, d->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\n")] = '\0';
			last = strrchr(line, ' ');
			if (last) {
				*last = '\0';
				sp = strrchr(line, ' ');
				if (sp)
					s->sps[s->nsps++] = strtoull(sp + 1, NULL, 0) & ~7ULL;
			}
		}
		fclose(f);
	}
	if (dir)
		closedir(dir);
}

/* The lowest stack pointer in [lo, hi): a stack is live above it only; else lo. */
static uint64_t live_from(const struct scan *s, uint64_t lo, uint64_t hi)
{
	uint64_t from = hi;
	int i;

	for (i = 0; i < s->nsps; i++) {
		if (s->sps[i] >= lo && s->sps[i] < hi && s->sps[i] < from)
			from = s->sps[i];
	}
	return from == hi ? lo : from;
}

struct roots {
	struct scan *s;
	int err;
};

/* The first block that ends after addr (index s->n if none). */
static size_t first_after(const struct scan *s, uint64_t addr)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (s->v[mid].addr + s->v[mid].size <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * A root: writable memory that is not the heap, less the blocks in it (an allocator's
 * arenas in anonymous memory, jemalloc's, a block malloc got by mmap): a block is scanned
 * only once it is reached.
 */
static int scan_root(const struct proc_map *m, void *arg)
{
	struct roots *r = arg;
	struct scan *s = r->s;
	uint64_t lo, hi = m->end;
	size_t b;

	if (m->perms[1] != 'w' || !strncmp(m->name, "[v", 2))
		return 0;
	/*
	 * The heap's own memory is no root (freed chunks keep stale pointers), but what
	 * lies before its first block is not malloc's: a static program's TLS, sbrk'd there.
	 */
	if (heap_region(m) && s->all_known) {
		b = first_after(s, m->start);
		hi = b < s->n && s->v[b].addr < m->end ? s->v[b].addr : m->start;
		hi = hi > m->start + 16 ? hi - 16 : m->start;
		scan_range(s, m->start, hi - m->start, REACH_REACHABLE, -1);
		return 0;
	}
	/* a stack below its stack pointer holds dead frames: LeakSanitizer skips them too */
	lo = live_from(s, m->start, m->end);
	for (b = first_after(s, lo); lo < hi; b++) {
		uint64_t gap_end = b < s->n && s->v[b].addr < hi ? s->v[b].addr : hi;

		if (gap_end > lo)
			scan_range(s, lo, gap_end - lo, REACH_REACHABLE, -1);
		if (b >= s->n || s->v[b].addr >= hi)
			break;
		lo = s->v[b].addr + s->v[b].size;
	}
	return 0;
}

static void flood(struct scan *s)
{
	while (s->ntodo) {
		size_t b = s->todo[--s->ntodo];

		scan_range(s, s->v[b].addr, s->v[b].size, REACH_REACHABLE, b);
	}
}

/* Every block's stack, class and size: the sites by class */
static int keep_blocks(struct scan *s, struct reach_result *out)
{
	size_t i, k = 0, n = s->n;

	out->block_stacks = calloc(n ? n : 1, sizeof(*out->block_stacks));
	out->block_class = calloc(n ? n : 1, sizeof(*out->block_class));
	out->block_bytes = calloc(n ? n : 1, sizeof(*out->block_bytes));
	out->block_ts = calloc(n ? n : 1, sizeof(*out->block_ts));
	if (!out->block_stacks || !out->block_class || !out->block_bytes || !out->block_ts)
		return -ENOMEM;
	for (i = 0; i < s->n && k < n; i++) {
		out->block_stacks[k] = s->v[i].stack;
		out->block_class[k] = s->v[i].class;
		out->block_bytes[k] = s->v[i].size;
		out->block_ts[k] = s->v[i].ts;
		k++;
	}
	out->nblocks = k;
	return 0;
}

int reach__scan(struct tracer *t, pid_t pid, bool all_known, struct reach_result *out)
{
	struct scan *s = calloc(1, sizeof(*s));
	struct roots r = { .s = s };
	char path[64];
	uint64_t t0 = now_ns();
	size_t i;
	int err;

	memset(out, 0, sizeof(*out));
	if (!s)
		return -ENOMEM;
	s->pid = pid;
	s->all_known = all_known;
	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	s->mem = open(path, O_RDONLY | O_CLOEXEC);
	if (s->mem < 0) {
		err = -errno;
		goto out;
	}
	err = tracer__for_each_block(t, add_block, s);
	if (err)
		goto out;
	qsort(s->v, s->n, sizeof(*s->v), by_addr);
	s->todo = calloc(s->n ? s->n : 1, sizeof(*s->todo));
	if (!s->todo) {
		err = -ENOMEM;
		goto out;
	}
	/* reachable: from the roots, then from what they reach */
	read_sps(s);
	err = proc__for_each_map(pid, scan_root, &r);
	if (err < 0)
		goto out;
	flood(s);
	/* indirect: pointed to by a block nothing reaches */
	for (i = 0; i < s->n; i++) {
		if (s->v[i].class == REACH_NR || s->v[i].class == REACH_INDIRECT)
			scan_range(s, s->v[i].addr, s->v[i].size, REACH_INDIRECT, i);
	}
	/* cut short, the blocks it did not reach would read as leaks: none is drawn */
	if (s->read >= MAX_SCAN_BYTES) {
		err = -E2BIG;
		goto out;
	}
	for (i = 0; i < s->n; i++) {
		struct block *b = &s->v[i];

		if (b->class == REACH_NR)
			b->class = REACH_DIRECT;
		out->c.objects[b->class]++;
		out->c.bytes[b->class] += b->size;
	}
	out->c.bytes_read = s->read;
	out->c.pause_ms = (now_ns() - t0) / 1e6;
	out->c.present = true;
	err = keep_blocks(s, out);
out:
	if (s->mem >= 0)
		close(s->mem);
	free(s->v);
	free(s->todo);
	free(s);
	if (err)
		reach_result__free(out);
	return err;
}

void reach_result__free(struct reach_result *r)
{
	free(r->block_stacks);
	free(r->block_class);
	free(r->block_bytes);
	free(r->block_ts);
	r->block_ts = NULL;
	r->block_stacks = NULL;
	r->block_class = NULL;
	r->block_bytes = NULL;
	r->nblocks = 0;
}
