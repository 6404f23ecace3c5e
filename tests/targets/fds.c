// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * fds MODE DIR: file descriptors of every kind, opened by functions that are called
 * through run_*() (so the opening function is never the caller's caller), after "go".
 * Before "ready", fds 0-2 become /dev/null: with the control pipes 3 and 4, a -p attach
 * always starts from 3 files and 2 pipes. Files are made in DIR. Modes:
 *
 *   all       every kind, and every way to close (exact numbers in tests/prog_tests/fds.c)
 *   clean     the same kinds, every fd closed again
 *   scenario  5 files, 2 UDP sockets, a pipe, a listener and 4 connections that the
 *             server side closed (CLOSE_WAIT), all left open
 *   exec      a close-on-exec file and pipe, a plain file, then exec of "fds after DIR"
 *   twice     a file and a socket, "round1", wait for "again", then two of each from the
 *             same places (leakbpf has learned how to unwind them by then)
 *   none      nothing (what the dynamic loader opens, under -- CMD)
 *
 * Along the way it says "port:N" for its UDP socket and listener (the tests need them to
 * know the sockets' addresses), then "done", and waits for "exit".
 */
#define _GNU_SOURCE	/* memfd_create, pipe2 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include "ctl.h"

static const char *dir;

static void fail(const char *what)
{
	ctl_say(what);
	_exit(90);
}

/* "DIR/name" in a static buffer: no allocation, the memory tests count those */
static const char *path(const char *name)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "%s/%s", dir, name);
	return buf;
}

static void say_port(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	char buf[32];

	if (getsockname(fd, (struct sockaddr *)&a, &len))
		fail("getsockname");
	snprintf(buf, sizeof(buf), "port:%d", ntohs(a.sin_port));
	ctl_say(buf);
}

__attribute__((noinline)) int open_file(const char *name, int flags)
{
	int fd = open(path(name), flags | O_CREAT, 0600);

	if (fd < 0)
		fail("open");
	return fd;
}

__attribute__((noinline)) int dup_over(int old, int fd)
{
	if (dup2(old, fd) != fd)
		fail("dup2");
	return fd;
}

__attribute__((noinline)) int dup_plain(int fd)
{
	int d = dup(fd);

	if (d < 0)
		fail("dup");
	return d;
}

__attribute__((noinline)) int dup_high(int fd)
{
	int d = fcntl(fd, F_DUPFD_CLOEXEC, 50);

	if (d < 0)
		fail("fcntl");
	return d;
}

__attribute__((noinline)) void make_pipe(int p[2], int flags)
{
	if (pipe2(p, flags))
		fail("pipe");
}

static struct sockaddr_in loopback(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

__attribute__((noinline)) int open_udp(void)
{
	struct sockaddr_in a = loopback(0);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)))
		fail("udp");
	return fd;
}

__attribute__((noinline)) int open_listener(void)
{
	struct sockaddr_in a = loopback(0);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 8))
		fail("listen");
	return fd;
}

__attribute__((noinline)) int connect_client(int listener)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || getsockname(listener, (struct sockaddr *)&a, &len) ||
	    connect(fd, (struct sockaddr *)&a, sizeof(a)))
		fail("connect");
	return fd;
}

__attribute__((noinline)) int accept_client(int listener)
{
	int fd = accept(listener, NULL, NULL);

	if (fd < 0)
		fail("accept");
	return fd;
}

/* eventfd, epoll, timerfd, signalfd, inotify, memfd, pidfd: 7 fds */
__attribute__((noinline)) void open_anon(int *fds)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	fds[0] = eventfd(0, 0);
	fds[1] = epoll_create1(0);
	fds[2] = timerfd_create(CLOCK_MONOTONIC, 0);
	fds[3] = signalfd(-1, &mask, 0);
	fds[4] = inotify_init1(0);
	fds[5] = memfd_create("leakbpf", 0);
	fds[6] = syscall(SYS_pidfd_open, getpid(), 0);
	for (int i = 0; i < 7; i++)
		if (fds[i] < 0)
			fail("anon");
}

__attribute__((noinline)) void make_socketpair(int sp[2])
{
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp))
		fail("socketpair");
}

/* Send fd over a UNIX socket with SCM_RIGHTS. */
static void send_fd(int sock, int fd)
{
	char data = 'x', ctl[CMSG_SPACE(sizeof(int))] = {};
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			      .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	if (sendmsg(sock, &msg, 0) != 1)
		fail("sendmsg");
}

__attribute__((noinline)) int recv_fd(int sock)
{
	char data, ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			      .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		fail("recvmsg");
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		fail("scm_rights");
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

__attribute__((noinline)) void close_some(int lo, int hi)
{
	if (syscall(SYS_close_range, lo, hi, 0))
		fail("close_range");
}

__attribute__((noinline)) void close_one(int fd)
{
	if (close(fd))
		fail("close");
}

/* Every kind, every way to close; returns with 20 fds more open than before. */
__attribute__((noinline)) void run_all(bool clean)
{
	int a, b, d, high, p[2], udp, lst, cli, acc, anon[7], sp[2], r, c1, x, i;

	a = open_file("a", O_RDONLY);
	b = open_file("b", O_RDONLY);
	dup_over(a, b);			/* b now names a; its own file was closed */
	d = dup_plain(a);
	high = dup_high(a);
	make_pipe(p, 0);
	udp = open_udp();
	say_port(udp);
	lst = open_listener();
	say_port(lst);
	cli = connect_client(lst);
	acc = accept_client(lst);
	open_anon(anon);
	make_socketpair(sp);
	send_fd(sp[0], a);
	r = recv_fd(sp[1]);
	c1 = open_file("c1", O_RDONLY);
	open_file("c2", O_RDONLY);
	open_file("c3", O_RDONLY);
	close_some(c1, c1 + 2);
	x = open_file("x", O_RDONLY);
	close_one(x);
	if (!clean)
		return;
	/* the same fds, closed again: 20 closes */
	close_some(a, b);
	close_one(d);
	close_one(high);
	close_one(p[0]);
	close_one(p[1]);
	close_one(udp);
	close_one(cli);
	close_one(acc);
	close_one(lst);
	for (i = 0; i < 7; i++)
		close_one(anon[i]);
	close_some(sp[0], r);
}

/* The scenario, fds half: 14 fds left open. */
__attribute__((noinline)) void run_scenario(void)
{
	static const char *const logs[] = { "log1", "log2", "log3", "log4", "log5" };
	int p[2], lst, i;

	for (i = 0; i < 5; i++)
		open_file(logs[i], O_WRONLY);
	say_port(open_udp());
	say_port(open_udp());
	make_pipe(p, 0);
	lst = open_listener();
	say_port(lst);
	for (i = 0; i < 4; i++) {
		connect_client(lst);
		close_one(accept_client(lst));	/* the server side closes: CLOSE_WAIT */
	}
}

__attribute__((noinline)) void run_exec(const char *self)
{
	int p[2];

	open_file("cloexec", O_RDONLY | O_CLOEXEC);
	open_file("kept", O_RDONLY);
	make_pipe(p, O_CLOEXEC);
	execl(self, self, "after", dir, (char *)NULL);
	fail("exec");
}

__attribute__((noinline)) void run_twice(void)
{
	open_file("t1", O_RDONLY);
	open_udp();
	ctl_say("round1");
	ctl_wait("again");
	open_file("t2", O_RDONLY);
	open_udp();
	open_file("t3", O_RDONLY);
	open_udp();
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "all";
	int null;

	dir = argc > 2 ? argv[2] : "/tmp";
	if (!strcmp(mode, "after")) {
		ctl_say("done");	/* exec'ed by run_exec: the fds are set */
		ctl_wait("exit");
		return 0;
	}
	/* stdin, stdout and stderr are whatever the test runs under: make them the same */
	null = open("/dev/null", O_RDWR);
	if (null < 0)
		fail("null");
	dup2(null, 0);
	dup2(null, 1);
	dup2(null, 2);
	close(null);

	ctl_say("ready");
	ctl_wait("go");
	if (!strcmp(mode, "all") || !strcmp(mode, "clean"))
		run_all(!strcmp(mode, "clean"));
	else if (!strcmp(mode, "scenario"))
		run_scenario();
	else if (!strcmp(mode, "exec"))
		run_exec(argv[0]);
	else if (!strcmp(mode, "twice"))
		run_twice();
	ctl_say("done");
	ctl_wait("exit");
	return 0;
}
