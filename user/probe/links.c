// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "probe/links.h"

/* enough to overlap every wait of a typical target; more threads would only cost memory */
#define DETACH_THREADS 16

int links__add(struct links *l, struct bpf_link *link)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		struct bpf_link **v = realloc(l->v, cap * sizeof(*v));

		if (!v) {
			bpf_link__destroy(link);
			return -ENOMEM;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = link;
	return 0;
}

int links__add_fd(struct links *l, int fd)
{
	if (l->nfds == l->fdcap) {
		size_t cap = l->fdcap ? l->fdcap * 2 : 8;
		int *fds = realloc(l->fds, cap * sizeof(*fds));

		if (!fds) {
			close(fd);
			return -ENOMEM;
		}
		l->fds = fds;
		l->fdcap = cap;
	}
	l->fds[l->nfds++] = fd;
	return 0;
}

int links__take(struct links *to, struct links *from)
{
	struct bpf_link **v = realloc(to->v, (to->n + from->n + 1) * sizeof(*v));
	int *fds;

	if (!v)
		return -ENOMEM;
	to->v = v;
	to->cap = to->n + from->n + 1;
	fds = realloc(to->fds, (to->nfds + from->nfds + 1) * sizeof(*fds));
	if (!fds)
		return -ENOMEM;
	to->fds = fds;
	to->fdcap = to->nfds + from->nfds + 1;
	for (size_t i = 0; i < from->n; i++)
		to->v[to->n++] = from->v[i];
	for (size_t i = 0; i < from->nfds; i++)
		to->fds[to->nfds++] = from->fds[i];
	free(from->v);
	free(from->fds);
	*from = (struct links){};
	return 0;
}

struct slice {
	const struct links *l;
	size_t from, step;
};

/* every step-th link, counting the bpf_links first, then the bare fds */
static void *destroy_slice(void *arg)
{
	struct slice *s = arg;
	size_t i;

	for (i = s->from; i < s->l->n + s->l->nfds; i += s->step) {
		if (i < s->l->n)
			bpf_link__destroy(s->l->v[i]);
		else
			close(s->l->fds[i - s->l->n]);
	}
	return NULL;
}

void links__destroy(struct links *l)
{
	struct slice slices[DETACH_THREADS];
	pthread_t tids[DETACH_THREADS];
	bool started[DETACH_THREADS] = {};
	size_t k, total = l->n + l->nfds;
	size_t nthreads = total < DETACH_THREADS ? total : DETACH_THREADS;

	for (k = 0; k < nthreads; k++) {
		slices[k] = (struct slice){ .l = l, .from = k, .step = nthreads };
		started[k] = !pthread_create(&tids[k], NULL, destroy_slice, &slices[k]);
	}
	for (k = 0; k < nthreads; k++) {
		if (started[k])
			pthread_join(tids[k], NULL);
		else
			destroy_slice(&slices[k]);	/* no thread: do its share here */
	}
	free(l->v);
	free(l->fds);
	l->v = NULL;
	l->fds = NULL;
	l->n = l->cap = l->nfds = l->fdcap = 0;
}
