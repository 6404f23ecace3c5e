// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "base/log.h"
#include "base/util.h"
#include "fleet/census.h"

#define TCP_CLOSE_WAIT 8	/* include/net/tcp_states.h */

static int by_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return x < y ? -1 : x > y;
}

int census__pids(pid_t **pids, int *n)
{
	struct dirent *d;
	pid_t *v = NULL, *grown;
	int cap = 0, err = 0;
	DIR *dir;

	*n = 0;
	*pids = NULL;
	dir = opendir("/proc");
	if (!dir)
		return -errno;
	while ((d = readdir(dir))) {
		if (!isdigit((unsigned char)d->d_name[0]))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 512;
			grown = realloc(v, cap * sizeof(*v));
			if (!grown) {
				err = -ENOMEM;
				break;
			}
			v = grown;
		}
		v[(*n)++] = atoi(d->d_name);
	}
	closedir(dir);
	if (err) {
		free(v);
		*n = 0;
		return err;
	}
	qsort(v, *n, sizeof(*v), by_pid);
	*pids = v;
	return 0;
}

/* A whole small /proc file into buf; its length, or -errno (-ESRCH when pid is gone). */
static int read_proc(pid_t pid, const char *name, char *buf, size_t size)
{
	char path[64];
	ssize_t len;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	len = read(fd, buf, size - 1);
	close(fd);
	if (len < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	buf[len] = '\0';
	return len;
}

/* Name, VmRSS, RssAnon and Threads from /proc/PID/status; -EINVAL without VmRSS. */
static int read_status(pid_t pid, struct proc_look *out)
{
	char buf[4096], *line, *save = NULL;
	unsigned long long kib;
	bool user_space = false;
	int len;

	len = read_proc(pid, "status", buf, sizeof(buf));
	if (len < 0)
		return len;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "Name:\t", 6)) {
			snprintf(out->comm, sizeof(out->comm), "%s", line + 6);
		} else if (sscanf(line, "VmRSS: %llu kB", &kib) == 1) {
			out->rss_bytes = kib * 1024;
			user_space = true;
		} else if (sscanf(line, "RssAnon: %llu kB", &kib) == 1) {
			out->anon_bytes = kib * 1024;
		} else if (sscanf(line, "Threads: %d", &out->threads) == 1) {
			break;	/* the last of those it needs */
		}
	}
	/* a kernel thread has no memory of its own: no VmRSS line */
	return user_space ? 0 : -EINVAL;
}

/* Field 22 of /proc/PID/stat, after the comm (which may hold spaces and parentheses). */
static int read_start(pid_t pid, unsigned long long *ticks)
{
	char buf[1024], *p;
	int len, field;

	len = read_proc(pid, "stat", buf, sizeof(buf));
	if (len < 0)
		return len;
	p = strrchr(buf, ')');
	if (!p)
		return -EINVAL;
	/* p + 2 is field 3 */
	for (field = 3, p += 2; field < 22 && p; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (!p)
		return -EINVAL;
	*ticks = strtoull(p, NULL, 10);
	return 0;
}

static int add_close_wait(struct proc_look *out, int *cap, uint64_t inode)
{
	if (out->nclose_waits == *cap) {
		int ncap = *cap ? *cap * 2 : 8;
		uint64_t *v = realloc(out->close_waits, ncap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		out->close_waits = v;
		*cap = ncap;
	}
	out->close_waits[out->nclose_waits++] = inode;
	return 0;
}

void tcp_tables__free(struct tcp_tables *t)
{
	int i;

	for (i = 0; i < t->n; i++)
		tcp_table__free(&t->v[i].table);
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

/* pid's namespace's table, read now if it is the first of its namespace; NULL if none. */
static const struct tcp_table *table_of(struct tcp_tables *t, pid_t pid)
{
	static uint64_t own;
	struct netns_tcp *v;
	char path[64];
	struct stat st;
	int i;

	if (!own)
		own = stat("/proc/self/ns/net", &st) ? 1 : st.st_ino;
	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	if (stat(path, &st))
		st.st_ino = own;	/* not allowed to look: assume the host's */
	for (i = 0; i < t->n; i++) {
		if (t->v[i].netns == st.st_ino)
			return t->v[i].err ? NULL : &t->v[i].table;
	}
	v = realloc(t->v, (t->n + 1) * sizeof(*v));
	if (!v)
		return NULL;
	t->v = v;
	v = &t->v[t->n++];
	v->netns = st.st_ino;
	/* ours through sock_diag; another namespace's through a process in it */
	v->err = st.st_ino == own ? tcp_table__read(&v->table) : tcp_table__read_of(pid, &v->table);
	if (v->err)
		vlog("cannot read the TCP sockets of network namespace %llu (%s): no socket "
		     "states from it this time", (unsigned long long)v->netns, errstr(v->err));
	return v->err ? NULL : &v->table;
}

/* Every fd by kind, and the TCP sockets among them by state. */
static int read_fds(pid_t pid, struct tcp_tables *tcp, struct proc_look *out)
{
	const struct tcp_table *table = NULL;
	char path[64], link[256];
	struct dirent *d;
	int dfd, cap = 0, err = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	dir = opendir(path);
	if (!dir)
		return errno == ENOENT ? -ESRCH : -errno;
	dfd = dirfd(dir);
	while (!err && (d = readdir(dir))) {
		enum fd_kind kind;
		uint64_t ino;
		ssize_t len;
		int state;

		if (d->d_name[0] == '.')
			continue;
		len = readlinkat(dfd, d->d_name, link, sizeof(link) - 1);
		if (len < 0)
			continue;	/* closed while being read */
		link[len] = '\0';
		kind = fd_kind_of_link(link);
		out->fds++;
		out->fds_by_kind[kind]++;
		if (kind != FD_SOCKET || fd_link_socket_inode(link, &ino))
			continue;
		if (!table)
			table = table_of(tcp, pid);
		state = table ? tcp_table__state(table, ino) : -1;
		if (state < 0)
			continue;
		out->sockets[state & (TCP_STATE_SLOTS - 1)]++;
		if (state == TCP_CLOSE_WAIT)
			err = add_close_wait(out, &cap, ino);
	}
	closedir(dir);
	return err;
}

int census__look(pid_t pid, struct tcp_tables *tcp, struct proc_look *out)
{
	char path[64];
	ssize_t len;
	int err;

	memset(out, 0, sizeof(*out));
	out->pid = pid;
	err = read_status(pid, out);
	if (!err)
		err = read_start(pid, &out->start_ticks);
	if (err)
		return err;
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	len = readlink(path, out->exe, sizeof(out->exe) - 1);
	out->exe[len > 0 ? len : 0] = '\0';
	err = read_fds(pid, tcp, out);
	/* an fd table that cannot be read (another user's, without CAP_SYS_PTRACE) is empty */
	if (err && err != -EACCES && err != -EPERM) {
		proc_look__free(out);
		return err;
	}
	return 0;
}

void proc_look__free(struct proc_look *l)
{
	free(l->close_waits);
	l->close_waits = NULL;
	l->nclose_waits = 0;
}
