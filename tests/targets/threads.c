// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * threads T K: T threads, created before "ready" (thread creation allocates on its own),
 * start together on "go"; each leaks K blocks of 64 bytes from thread_leak() and makes K
 * malloc/free pairs, interleaved, so the allocator probes run on every thread at once.
 */
#include <pthread.h>
#include <stdlib.h>
#include "ctl.h"

static pthread_barrier_t start;
static volatile long per_thread;
static void *volatile sink[64];

__attribute__((noinline)) void *thread_leak(size_t n)
{
	return malloc(n);
}

static void *worker(void *arg)
{
	long id = (long)arg, i;

	pthread_barrier_wait(&start);
	for (i = 0; i < per_thread; i++) {
		sink[id] = thread_leak(64);
		free(malloc(32));
	}
	return NULL;
}

int main(int argc, char **argv)
{
	long nthreads = argc > 1 ? ctl_num(argv[1]) : 4, i;
	pthread_t tid[64];

	per_thread = argc > 2 ? ctl_num(argv[2]) : 1000;
	if (nthreads > 64)
		nthreads = 64;
	pthread_barrier_init(&start, NULL, nthreads + 1);
	for (i = 0; i < nthreads; i++)
		pthread_create(&tid[i], NULL, worker, (void *)i);
	ctl_say("ready");
	ctl_wait("go");
	pthread_barrier_wait(&start);
	for (i = 0; i < nthreads; i++)
		pthread_join(tid[i], NULL);
	ctl_say("done");
	ctl_wait("exit");
	return 0;
}
