// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * The malloc/free microbenchmark of `make bench`: each thread runs a fixed number of
 * malloc+free pairs over a cycle of sizes and the median thread's time per pair is printed.
 * Only the timed loop is measured, so a tracer's start-up and report do not count.
 *
 *   mallocbench [-n PAIRS] [-t THREADS] [-z SIZE,SIZE...]
 *
 * Output, one line on stdout: "ns_per_pair=N pairs=N threads=N".
 * Built with -fno-builtin: the compiler must not pair up or drop the calls.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 64
#define MAX_SIZES 16

static long pairs = 1000000;
static size_t sizes[MAX_SIZES] = { 16, 64, 256, 1024 };
static int nsizes = 4;
static pthread_barrier_t start;

struct worker {
	pthread_t tid;
	double ns_per_pair;
};

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void *run(void *arg)
{
	struct worker *w = arg;
	void *volatile sink;
	double t0;
	long i;

	pthread_barrier_wait(&start);
	t0 = now_ns();
	for (i = 0; i < pairs; i++) {
		sink = malloc(sizes[i % nsizes]);
		free(sink);
	}
	w->ns_per_pair = (now_ns() - t0) / pairs;
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int parse_sizes(char *arg)
{
	char *tok, *save = NULL, *end;

	nsizes = 0;
	for (tok = strtok_r(arg, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (nsizes == MAX_SIZES)
			return -1;
		errno = 0;
		sizes[nsizes] = strtoul(tok, &end, 10);
		if (errno || *end || !sizes[nsizes])
			return -1;
		nsizes++;
	}
	return nsizes ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct worker w[MAX_THREADS];
	double ns[MAX_THREADS];
	int opt, nthreads = 1, i, err;

	while ((opt = getopt(argc, argv, "n:t:z:")) != -1) {
		switch (opt) {
		case 'n':
			pairs = atol(optarg);
			break;
		case 't':
			nthreads = atoi(optarg);
			break;
		case 'z':
			if (parse_sizes(optarg))
				goto usage;
			break;
		default:
			goto usage;
		}
	}
	if (pairs <= 0 || nthreads <= 0 || nthreads > MAX_THREADS)
		goto usage;
	pthread_barrier_init(&start, NULL, nthreads);
	for (i = 0; i < nthreads; i++) {
		err = pthread_create(&w[i].tid, NULL, run, &w[i]);
		if (err) {
			fprintf(stderr, "mallocbench: cannot start a thread (%s)\n", strerror(err));
			return 1;
		}
	}
	for (i = 0; i < nthreads; i++) {
		pthread_join(w[i].tid, NULL);
		ns[i] = w[i].ns_per_pair;
	}
	qsort(ns, nthreads, sizeof(ns[0]), cmp_double);
	printf("ns_per_pair=%.1f pairs=%ld threads=%d\n", ns[nthreads / 2], pairs, nthreads);
	return 0;
usage:
	fprintf(stderr, "usage: mallocbench [-n PAIRS] [-t THREADS (<= %d)] [-z SIZE,SIZE...]\n",
		MAX_THREADS);
	return 2;
}
