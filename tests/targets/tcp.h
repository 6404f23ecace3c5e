/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * TCP over loopback for the test targets, each step synchronous: when a function returns,
 * the kernel has made (and leakbpf has seen) the state change it is about. Any failure
 * ends the target with status 96, which the test reports.
 */
#ifndef LEAKBPF_TEST_TCP_H
#define LEAKBPF_TEST_TCP_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "ctl.h"

static inline void tcp_fail(void)
{
	_exit(96);
}

/* A listener on a free loopback port; the port in *port (network order). */
static __attribute__((noinline, unused)) int open_listener(in_port_t *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 16) ||
	    getsockname(fd, (struct sockaddr *)&a, &len))
		tcp_fail();
	*port = a.sin_port;
	return fd;
}

/* Returns once ESTABLISHED: the SYN-ACK was processed before connect() wakes up. */
static __attribute__((noinline, unused)) int connect_to(in_port_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = port,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)))
		tcp_fail();
	return fd;
}

/* The next connection; accept() locks it, so its softirq work (ESTABLISHED) is done. */
static inline int tcp_accept(int listener)
{
	int fd = accept(listener, NULL, NULL);

	if (fd < 0)
		tcp_fail();
	return fd;
}

/*
 * Read until the peer's FIN: the state change to CLOSE_WAIT is made under the socket
 * lock with the end of input, so once read() says 0 it has happened.
 */
static inline void tcp_wait_eof(int fd)
{
	char c;

	if (read(fd, &c, 1) != 0)
		tcp_fail();
}

#endif
