// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * resources MODE [PRE [CODE]]: the thread and fd leaks of one process, each from a
 * function named after what it opens.
 *
 * Before "ready": PRE threads (default 0) that block until the process ends.
 * On "go":
 *   8 threads, 5 of which end (joined, and gone from the kernel) and 3 block;
 *   5 files, 2 UDP sockets, a pipe, a TCP listener, and 4 connections to the listener
 *   whose server side accepted and closed them: the 4 client ends stay in CLOSE_WAIT
 *   (14 fds: 5 + 2 + 2 + 1 + 4).
 * MODE "clean" then closes and joins everything "go" opened; "leak" keeps it all.
 * "done" when that is over; on "exit" main returns CODE (default 0), blocked threads and
 * open fds included.
 */
#define _GNU_SOURCE		/* pipe2, gettid */
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <sys/socket.h>
#include "ctl.h"
#include "tcp.h"

#define THREADS 8
#define BLOCKING 3	/* of THREADS */
#define FILES 5
#define UDP_SOCKETS 2
#define CONNECTIONS 4

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;

/* One thread: its kernel id, and the flag that lets it end (NULL: it ends at once). */
struct worker {
	pthread_t thread;
	pid_t tid;
	int *release;
};

static void fail(void)
{
	_exit(96);
}

static void *work(void *arg)
{
	struct worker *w = arg;

	w->tid = gettid();
	if (!w->release)
		return NULL;
	pthread_mutex_lock(&lock);
	while (!*w->release)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	return NULL;
}

/*
 * pthread_join returns once the kernel cleared the thread's tid, before the thread is
 * through do_exit: wait until it is released (its /proc entry gone), so that the exit is
 * counted everywhere before the test reads a count.
 */
static void wait_gone(pid_t tid)
{
	char path[40] = "/proc/self/task/", digits[12];
	int n = 0, i = strlen(path);

	do {
		digits[n++] = '0' + tid % 10;
		tid /= 10;
	} while (tid);
	while (n)
		path[i++] = digits[--n];
	path[i] = '\0';
	while (!access(path, F_OK))
		sched_yield();
}

static void join_threads(struct worker *w, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		pthread_join(w[i].thread, NULL);
		wait_gone(w[i].tid);
	}
}

/* n threads that wait for *release, or end at once (release NULL): joined then */
__attribute__((noinline)) void start_threads(struct worker *w, int n, int *release)
{
	int i;

	for (i = 0; i < n; i++) {
		w[i].release = release;
		if (pthread_create(&w[i].thread, NULL, work, &w[i]))
			fail();
	}
	if (!release)
		join_threads(w, n);
}

__attribute__((noinline)) int open_file(void)
{
	return open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
}

__attribute__((noinline)) int open_udp_socket(void)
{
	return socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
}

__attribute__((noinline)) int open_pipe(int fds[2])
{
	return pipe2(fds, O_CLOEXEC);
}

/* A connection to the listener that the server side accepts and closes. */
__attribute__((noinline)) int connect_server_closes(int listener, in_port_t port)
{
	int c = connect_to(port);

	close(tcp_accept(listener));
	tcp_wait_eof(c);
	return c;
}

int main(int argc, char **argv)
{
	bool clean = argc > 1 && !strcmp(argv[1], "clean");
	int pre = argc > 2 ? ctl_num(argv[2]) : 0, code = argc > 3 ? ctl_num(argv[3]) : 0;
	int files[FILES], udp[UDP_SOCKETS], pipefd[2], conns[CONNECTIONS], listener, i;
	static struct worker pre_threads[16], threads[THREADS];
	static int release_pre, release_go;
	in_port_t port;

	if (pre > 16)
		pre = 16;
	start_threads(pre_threads, pre, &release_pre);	/* never released */
	ctl_say("ready");
	ctl_wait("go");

	start_threads(threads, THREADS - BLOCKING, NULL);
	start_threads(threads + THREADS - BLOCKING, BLOCKING, &release_go);
	for (i = 0; i < FILES; i++) {
		files[i] = open_file();
		if (files[i] < 0)
			fail();
	}
	for (i = 0; i < UDP_SOCKETS; i++) {
		udp[i] = open_udp_socket();
		if (udp[i] < 0)
			fail();
	}
	if (open_pipe(pipefd))
		fail();
	listener = open_listener(&port);
	for (i = 0; i < CONNECTIONS; i++)
		conns[i] = connect_server_closes(listener, port);

	if (clean) {
		for (i = 0; i < FILES; i++)
			close(files[i]);
		for (i = 0; i < UDP_SOCKETS; i++)
			close(udp[i]);
		close(pipefd[0]);
		close(pipefd[1]);
		for (i = 0; i < CONNECTIONS; i++)
			close(conns[i]);
		close(listener);
		/* only the threads "go" started: the PRE ones are where the count starts */
		pthread_mutex_lock(&lock);
		release_go = 1;
		pthread_cond_broadcast(&cond);
		pthread_mutex_unlock(&lock);
		join_threads(threads + THREADS - BLOCKING, BLOCKING);
	}
	ctl_say("done");
	ctl_wait("exit");
	return code;
}
