// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * batcher: the channel batcher 000_f81ef2a29d794c5a.txt judges, in C. Producer threads put
 * items on a bounded queue; one batcher thread takes them off, processes each one
 * (process_item) and flushes them in batches (flush_batch), a full batch at once or a
 * partial one when its oldest item has waited --linger-ms. Every item is freed after its
 * batch is flushed, so a healthy batcher holds only what is in flight.
 *
 * --leak-bytes N makes process_item keep N bytes per item in a "seen" index that is never
 * trimmed: the slow, steady leak leakbpf is there to find from outside.
 *
 *   batcher [--duration SEC] [--rate N] [--items N] [--producers N] [--batch N]
 *           [--queue N] [--linger-ms N] [--leak-bytes N]
 *
 * The producers follow an absolute schedule, item k due at start + k / rate, so the rate
 * holds however long a put waits; --rate 0 produces as fast as the queue takes them, and
 * then --items says how many. Every item and every flush also fires a USDT probe,
 * batcher:item and batcher:flush (a no-op unless traced).
 *
 * At exit it prints its own totals on stderr. Under a test (fds 3 and 4 open, see
 * tests/targets/ctl.h) it says "ready" once its threads exist, starts on "go", says
 * "done ITEMS BATCHES" when every item is flushed and exits on "exit". It writes with
 * write(2), never a stdio stream: its allocations are the ones under test.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/sdt.h>
#include "../tests/targets/ctl.h"

#define MAX_PRODUCERS 64

struct item {
	uint64_t id;
	uint64_t sum;		/* filled by process_item */
	unsigned char payload[48];
};

/* What process_item keeps per item with --leak-bytes: a record that is never dropped. */
struct seen {
	struct seen *next;
	uint64_t id;
	unsigned char payload[];
};

/* A bounded FIFO of items: puts wait while it is full, gets while it is empty. */
struct queue {
	pthread_mutex_t lock;
	pthread_cond_t not_empty, not_full;
	struct item **slots;
	size_t cap, head, len;
	bool closed;		/* no more puts: gets drain what is left, then stop */
};

enum get_result { GET_ITEM, GET_TIMEOUT, GET_CLOSED };

static struct {
	double duration_s;
	double rate;		/* items per second over all producers; 0: unpaced */
	uint64_t items;
	int producers;
	size_t batch;
	size_t queue;
	long linger_ms;
	size_t leak_bytes;
} opt = {
	.duration_s = 5,
	.rate = 2000,
	.producers = 4,
	.batch = 50,
	.queue = 256,
	.linger_ms = 100,
};

static struct queue q;
static struct timespec start;		/* the producers' schedule starts here */
static pthread_barrier_t go;
static struct seen *seen_index;		/* --leak-bytes: grows by one record per item */
/* written by the batcher thread only, read by main after joining it */
static uint64_t items_done, batches_done, digest;

static void die(const char *msg)
{
	ssize_t n = write(2, msg, strlen(msg));

	(void)n;	/* exiting either way: a lost message cannot be reported anywhere */
	_exit(2);
}

static uint64_t ts_ns(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000000000ULL + ts->tv_nsec;
}

static struct timespec ns_ts(uint64_t ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000ULL, .tv_nsec = ns % 1000000000ULL };

	return ts;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts_ns(&ts);
}

static void queue_init(struct queue *qu, size_t cap)
{
	pthread_condattr_t attr;

	pthread_mutex_init(&qu->lock, NULL);
	/* linger deadlines are CLOCK_MONOTONIC: a wall-clock step must not flush early */
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&qu->not_empty, &attr);
	pthread_cond_init(&qu->not_full, &attr);
	pthread_condattr_destroy(&attr);
	qu->slots = malloc(cap * sizeof(*qu->slots));
	if (!qu->slots)
		die("batcher: out of memory\n");
	qu->cap = cap;
}

static void queue_put(struct queue *qu, struct item *it)
{
	pthread_mutex_lock(&qu->lock);
	while (qu->len == qu->cap)
		pthread_cond_wait(&qu->not_full, &qu->lock);
	qu->slots[(qu->head + qu->len) % qu->cap] = it;
	qu->len++;
	pthread_cond_signal(&qu->not_empty);
	pthread_mutex_unlock(&qu->lock);
}

/* The next item; waits until the absolute CLOCK_MONOTONIC deadline if there is one. */
static enum get_result queue_get(struct queue *qu, const struct timespec *deadline,
				 struct item **out)
{
	enum get_result res = GET_ITEM;

	pthread_mutex_lock(&qu->lock);
	while (!qu->len && !qu->closed) {
		if (!deadline) {
			pthread_cond_wait(&qu->not_empty, &qu->lock);
		} else if (pthread_cond_timedwait(&qu->not_empty, &qu->lock, deadline) ==
			   ETIMEDOUT) {
			res = GET_TIMEOUT;
			break;
		}
	}
	if (qu->len) {
		*out = qu->slots[qu->head];
		qu->head = (qu->head + 1) % qu->cap;
		qu->len--;
		res = GET_ITEM;
		pthread_cond_signal(&qu->not_full);
	} else if (res != GET_TIMEOUT) {
		res = GET_CLOSED;
	}
	pthread_mutex_unlock(&qu->lock);
	return res;
}

static void queue_close(struct queue *qu)
{
	pthread_mutex_lock(&qu->lock);
	qu->closed = true;
	pthread_cond_broadcast(&qu->not_empty);
	pthread_mutex_unlock(&qu->lock);
}

/*
 * The probed functions: each stays a real call to its own symbol (no inlining, and with
 * GCC no cloning or splitting either), so a uprobe on it sees every call.
 */
#ifdef __clang__
#define PROBED __attribute__((noinline))
#else
#define PROBED __attribute__((noipa))
#endif

PROBED void process_item(struct item *it)
{
	uint64_t sum = it->id;
	size_t i;

	for (i = 0; i < sizeof(it->payload); i++)
		sum = sum * 31 + it->payload[i];
	it->sum = sum;
	if (opt.leak_bytes) {
		/* the bug: a record per item "to detect duplicates", never trimmed */
		struct seen *s = malloc(opt.leak_bytes);
		size_t keep = opt.leak_bytes - sizeof(*s);

		if (!s)
			die("batcher: out of memory\n");
		if (keep > sizeof(it->payload))
			keep = sizeof(it->payload);
		s->id = it->id;
		memcpy(s->payload, it->payload, keep);
		s->next = seen_index;
		seen_index = s;
	}
	items_done++;
	DTRACE_PROBE2(batcher, item, it->id, it->sum);
}

PROBED void flush_batch(struct item **batch, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		digest ^= batch[i]->sum;
		free(batch[i]);
	}
	batches_done++;
	DTRACE_PROBE1(batcher, flush, n);
}

static void *batcher_main(void *arg)
{
	struct item **batch = arg, *it;
	struct timespec deadline = {};
	size_t n = 0;

	for (;;) {
		switch (queue_get(&q, n ? &deadline : NULL, &it)) {
		case GET_ITEM:
			process_item(it);
			if (!n)
				deadline = ns_ts(mono_ns() + opt.linger_ms * 1000000ULL);
			batch[n++] = it;
			if (n == opt.batch) {
				flush_batch(batch, n);
				n = 0;
			}
			break;
		case GET_TIMEOUT:
			flush_batch(batch, n);
			n = 0;
			break;
		case GET_CLOSED:
			if (n)
				flush_batch(batch, n);
			return NULL;
		}
	}
}

static void *producer_main(void *arg)
{
	uint64_t k, first = (uintptr_t)arg, t0;
	struct item *it;
	size_t i;

	pthread_barrier_wait(&go);
	t0 = ts_ns(&start);
	for (k = first; k < opt.items; k += opt.producers) {
		if (opt.rate > 0) {
			struct timespec due = ns_ts(t0 + (uint64_t)(k * 1e9 / opt.rate));

			while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, NULL) == EINTR)
				;
		}
		it = malloc(sizeof(*it));
		if (!it)
			die("batcher: out of memory\n");
		it->id = k;
		for (i = 0; i < sizeof(it->payload); i++)
			it->payload[i] = (unsigned char)(k + i);
		queue_put(&q, it);
	}
	return NULL;
}

static void usage(void)
{
	die("usage: batcher [--duration SEC] [--rate ITEMS_PER_SEC] [--items N] [--producers N]\n"
	    "               [--batch N] [--queue N] [--linger-ms MS] [--leak-bytes N]\n");
}

static double number(const char *s, double min, double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || v < min || v > max)
		usage();
	return v;
}

static void parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "duration", required_argument, NULL, 'd' },
		{ "rate", required_argument, NULL, 'r' },
		{ "items", required_argument, NULL, 'n' },
		{ "producers", required_argument, NULL, 'p' },
		{ "batch", required_argument, NULL, 'b' },
		{ "queue", required_argument, NULL, 'q' },
		{ "linger-ms", required_argument, NULL, 'l' },
		{ "leak-bytes", required_argument, NULL, 'k' },
		{ 0 },
	};
	bool have_items = false;
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			opt.duration_s = number(optarg, 0, 86400);
			break;
		case 'r':
			opt.rate = number(optarg, 0, 1e8);
			break;
		case 'n':
			opt.items = number(optarg, 0, 1e12);
			have_items = true;
			break;
		case 'p':
			opt.producers = number(optarg, 1, MAX_PRODUCERS);
			break;
		case 'b':
			opt.batch = number(optarg, 1, 1 << 20);
			break;
		case 'q':
			opt.queue = number(optarg, 1, 1 << 20);
			break;
		case 'l':
			opt.linger_ms = number(optarg, 1, 3600000);
			break;
		case 'k':
			opt.leak_bytes = number(optarg, 0, 1 << 24);
			/* a record needs room for its own header */
			if (opt.leak_bytes && opt.leak_bytes < sizeof(struct seen))
				opt.leak_bytes = sizeof(struct seen);
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (!have_items) {
		if (opt.rate <= 0)
			die("batcher: --rate 0 (unpaced) needs --items N\n");
		opt.items = (uint64_t)(opt.rate * opt.duration_s + 0.5);
	}
}

static void say_totals(void)
{
	char line[256];
	double secs = (mono_ns() - ts_ns(&start)) / 1e9;
	int n;

	n = snprintf(line, sizeof(line), "done %llu %llu", (unsigned long long)items_done,
		     (unsigned long long)batches_done);
	ctl_say(line);
	n = snprintf(line, sizeof(line),
		     "batcher: %llu items in %llu batches from %d producers in %.2f s "
		     "(%.0f items/s), %zu bytes kept per item\n",
		     (unsigned long long)items_done, (unsigned long long)batches_done,
		     opt.producers, secs, secs > 0 ? items_done / secs : 0.0, opt.leak_bytes);
	if (n > 0 && write(2, line, n) < 0)
		_exit(2);
}

int main(int argc, char **argv)
{
	pthread_t producers[MAX_PRODUCERS], batcher;
	struct item **batch;
	int i;

	parse_args(argc, argv);
	queue_init(&q, opt.queue);
	batch = malloc(opt.batch * sizeof(*batch));
	if (!batch)
		die("batcher: out of memory\n");
	pthread_barrier_init(&go, NULL, opt.producers + 1);
	/* threads first: creating them allocates, and that is not the batcher's work */
	for (i = 0; i < opt.producers; i++) {
		if (pthread_create(&producers[i], NULL, producer_main, (void *)(uintptr_t)i))
			die("batcher: cannot create a producer thread\n");
	}
	if (pthread_create(&batcher, NULL, batcher_main, batch))
		die("batcher: cannot create the batcher thread\n");
	ctl_say("ready");
	ctl_wait("go");
	clock_gettime(CLOCK_MONOTONIC, &start);
	pthread_barrier_wait(&go);
	for (i = 0; i < opt.producers; i++)
		pthread_join(producers[i], NULL);
	queue_close(&q);
	pthread_join(batcher, NULL);
	free(batch);
	free(q.slots);
	say_totals();
	ctl_wait("exit");
	return 0;
}
