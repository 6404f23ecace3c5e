/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * A process's file descriptors as /proc shows them: /proc/PID/fd (what each points to),
 * /proc/PID/fdinfo (inode, flags) and /proc/PID/net (the sockets' addresses and states).
 * Functions return 0 or -errno.
 */
#ifndef LEAKBPF_FD_TABLE_H
#define LEAKBPF_FD_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Kinds of file descriptor, as the report's fds.by_kind and leaked_fds[].kind name them. */
enum fd_kind { FD_FILE, FD_SOCKET, FD_PIPE, FD_ANON, FD_OTHER, FD_KIND_NR };

extern const char *const fd_kind_names[FD_KIND_NR];

struct fd_entry {
	int fd;
	enum fd_kind kind;
	uint64_t ino;		/* fdinfo's ino: the inode bpf/fds recorded for it */
	bool cloexec;		/* O_CLOEXEC in fdinfo's flags */
	char *link;		/* what /proc/PID/fd/N points to */
};

struct fd_table {
	struct fd_entry *v;	/* by increasing fd */
	int n;
};

/* The open fds of pid; -ESRCH once it is gone. An fd closed while being read is skipped. */
int fd_table__read(pid_t pid, struct fd_table *out);
void fd_table__free(struct fd_table *t);
/* The entry for fd, or NULL. */
const struct fd_entry *fd_table__find(const struct fd_table *t, int fd);

/* The kind of an fd from its /proc/PID/fd link ("socket:[12]", "/memfd:x (deleted)"...). */
enum fd_kind fd_kind_of_link(const char *link);

/* The inode of a /proc/PID/fd link to a socket ("socket:[123]"); -EINVAL for anything else. */
int fd_link_socket_inode(const char *link, uint64_t *inode);
/* "ESTABLISHED", "CLOSE_WAIT"... as ss(8) and /proc/net/tcp's users name them; "?" if none. */
const char *tcp_state_name(int state);

/* Names of a process's sockets by inode, from /proc/PID/net/{tcp,tcp6,udp,udp6,unix}. */
struct sock_names;

int sock_names__read(pid_t pid, struct sock_names **out);
void sock_names__free(struct sock_names *s);
/* "tcp 127.0.0.1:40000 -> 127.0.0.1:8080", "udp 0.0.0.0:5353"...; NULL if not listed */
const char *sock_names__find(const struct sock_names *s, uint64_t ino);

/*
 * One line of /proc/net/tcp, tcp6, udp or udp6 (proto "tcp"/"udp", v6 for the *6 files):
 * its inode and a description in buf. -EINVAL for the header or a malformed line.
 */
int sock_parse_inet(const char *line, const char *proto, bool v6, uint64_t *ino, char *buf,
		    size_t size);
/* One line of /proc/net/unix. */
int sock_parse_unix(const char *line, uint64_t *ino, char *buf, size_t size);

#endif
