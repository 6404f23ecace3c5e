// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <bpf/libbpf.h>
#include "links.h"

/* enough to overlap every wait of a typical target; more threads would only cost memory */
#define DETACH_THREADS 16

int links__add(struct links *l, struct bpf_link *link)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		struct bpf_link **v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = link;
	return 0;
}

struct slice {
	struct bpf_link **v;
	size_t from, step, n;
};

static void *destroy_slice(void *arg)
{
	struct slice *s = arg;
	size_t i;

	for (i = s->from; i < s->n; i += s->step)
		bpf_link__destroy(s->v[i]);
	return NULL;
}

void links__destroy(struct links *l)
{
	struct slice slices[DETACH_THREADS];
	pthread_t tids[DETACH_THREADS];
	bool started[DETACH_THREADS] = {};
	size_t k, nthreads = l->n < DETACH_THREADS ? l->n : DETACH_THREADS;

	for (k = 0; k < nthreads; k++) {
		slices[k] = (struct slice){ .v = l->v, .from = k, .step = nthreads, .n = l->n };
		started[k] = !pthread_create(&tids[k], NULL, destroy_slice, &slices[k]);
	}
	for (k = 0; k < nthreads; k++) {
		if (started[k])
			pthread_join(tids[k], NULL);
		else
			destroy_slice(&slices[k]);	/* no thread: do its share here */
	}
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}
