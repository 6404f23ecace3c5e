// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "proc/fd_table.h"

const char *const fd_kind_names[FD_KIND_NR] = {
	[FD_FILE] = "file",
	[FD_SOCKET] = "socket",
	[FD_PIPE] = "pipe",
	[FD_ANON] = "anon",
	[FD_OTHER] = "other",
};

enum fd_kind fd_kind_of_link(const char *link)
{
	if (!strncmp(link, "socket:[", 8))
		return FD_SOCKET;
	if (!strncmp(link, "pipe:[", 6))
		return FD_PIPE;
	/* eventfd, eventpoll, timerfd, signalfd, inotify, pidfd...; memfds live on a hidden tmpfs */
	if (!strncmp(link, "anon_inode:", 11) || !strncmp(link, "/memfd:", 7))
		return FD_ANON;
	/* regular files, directories, devices, deleted files */
	if (link[0] == '/')
		return FD_FILE;
	return FD_OTHER;	/* namespaces ("net:[...]"), and whatever the kernel adds */
}

/* fdinfo's "flags:" (octal) and "ino:" of one fd; -ENOENT when it closed meanwhile. */
static int read_fdinfo(pid_t pid, int fd, uint64_t *ino, bool *cloexec)
{
	char path[64], line[256];
	unsigned long flags;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", pid, fd);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	*ino = 0;
	*cloexec = false;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "flags: %lo", &flags) == 1)
			*cloexec = flags & O_CLOEXEC;
		else if (sscanf(line, "ino: %" SCNu64, ino) == 1)
			break;
	}
	fclose(f);
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct fd_entry *x = a, *y = b;

	return (x->fd > y->fd) - (x->fd < y->fd);
}

int fd_table__read(pid_t pid, struct fd_table *out)
{
	char dirpath[64], path[96], link[PATH_MAX];
	struct fd_entry *v;
	struct dirent *de;
	int err = 0, cap = 0;
	ssize_t len;
	DIR *d;

	memset(out, 0, sizeof(*out));
	snprintf(dirpath, sizeof(dirpath), "/proc/%d/fd", pid);
	d = opendir(dirpath);
	if (!d)
		return errno == ENOENT ? -ESRCH : -errno;
	while ((de = readdir(d))) {
		struct fd_entry e = {};
		char *end;

		e.fd = strtol(de->d_name, &end, 10);
		if (*end || end == de->d_name)
			continue;	/* "." and ".." */
		snprintf(path, sizeof(path), "%s/%d", dirpath, e.fd);
		len = readlink(path, link, sizeof(link) - 1);
		if (len < 0 || read_fdinfo(pid, e.fd, &e.ino, &e.cloexec))
			continue;	/* closed while we looked */
		link[len] = '\0';
		e.kind = fd_kind_of_link(link);
		e.link = strdup(link);
		if (!e.link) {
			err = -ENOMEM;
			break;
		}
		if (out->n == cap) {
			cap = cap ? cap * 2 : 64;
			v = realloc(out->v, cap * sizeof(*v));
			if (!v) {
				free(e.link);
				err = -ENOMEM;
				break;
			}
			out->v = v;
		}
		out->v[out->n++] = e;
	}
	closedir(d);
	if (err) {
		fd_table__free(out);
		return err;
	}
	qsort(out->v, out->n, sizeof(*out->v), cmp_entry);
	return 0;
}

void fd_table__free(struct fd_table *t)
{
	int i;

	if (!t)
		return;
	for (i = 0; i < t->n; i++)
		free(t->v[i].link);
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

const struct fd_entry *fd_table__find(const struct fd_table *t, int fd)
{
	struct fd_entry key = { .fd = fd };

	if (!t->n)
		return NULL;
	return bsearch(&key, t->v, t->n, sizeof(*t->v), cmp_entry);
}

/* include/net/tcp_states.h: the numbers /proc/net/tcp prints */
#define TCP_ESTABLISHED 1
#define TCP_LISTEN 10

const char *tcp_state_name(int state)
{
	static const char *const names[] = {
		[1] = "ESTABLISHED", [2] = "SYN_SENT", [3] = "SYN_RECV", [4] = "FIN_WAIT1",
		[5] = "FIN_WAIT2", [6] = "TIME_WAIT", [7] = "CLOSE", [8] = "CLOSE_WAIT",
		[9] = "LAST_ACK", [10] = "LISTEN", [11] = "CLOSING", [12] = "NEW_SYN_RECV",
		[13] = "BOUND_INACTIVE",
	};

	if (state < 0 || state >= (int)(sizeof(names) / sizeof(names[0])) || !names[state])
		return "?";
	return names[state];
}

int fd_link_socket_inode(const char *link, uint64_t *inode)
{
	const char *p = link + strlen("socket:[");
	uint64_t v = 0;

	if (strncmp(link, "socket:[", strlen("socket:[")) || *p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -EINVAL;
		v = v * 10 + (*p - '0');
	}
	if (p[0] != ']' || p[1])
		return -EINVAL;
	*inode = v;
	return 0;
}

/*
 * "0100007F:1F90" (v4) or 32 hex digits (v6) and a port: the kernel prints each 32-bit word
 * of the address as the host reads it, so the words go back into memory as they are.
 */
static int format_addr(const char *hex, unsigned int port, bool v6, char *buf, size_t size)
{
	char text[INET6_ADDRSTRLEN], word[9];
	uint32_t words[4];
	int i, nwords = v6 ? 4 : 1;

	if (strlen(hex) != (size_t)nwords * 8)
		return -EINVAL;
	for (i = 0; i < nwords; i++) {
		memcpy(word, hex + i * 8, 8);
		word[8] = '\0';
		words[i] = strtoul(word, NULL, 16);
	}
	if (!inet_ntop(v6 ? AF_INET6 : AF_INET, words, text, sizeof(text)))
		return -errno;
	snprintf(buf, size, v6 ? "[%s]:%u" : "%s:%u", text, port);
	return 0;
}

int sock_parse_inet(const char *line, const char *proto, bool v6, uint64_t *ino, char *buf,
		    size_t size)
{
	char lhex[33], rhex[33], local[64], remote[64];
	unsigned int lport, rport, state;
	bool tcp = !strcmp(proto, "tcp");
	int n;

	if (sscanf(line, " %*d: %32[0-9A-Fa-f]:%X %32[0-9A-Fa-f]:%X %X %*X:%*X %*X:%*X %*X %*u "
		   "%*u %" SCNu64, lhex, &lport, rhex, &rport, &state, ino) != 6)
		return -EINVAL;
	if (format_addr(lhex, lport, v6, local, sizeof(local)) ||
	    format_addr(rhex, rport, v6, remote, sizeof(remote)))
		return -EINVAL;
	n = snprintf(buf, size, "%s %s", proto, local);
	if (rport && n >= 0 && (size_t)n < size)
		n += snprintf(buf + n, size - n, " -> %s", remote);
	/* UDP has no states worth naming: 1 is "connected", 7 "not" */
	if (tcp && state != TCP_ESTABLISHED && n >= 0 && (size_t)n < size)
		snprintf(buf + n, size - n, " (%s)", state == TCP_LISTEN ? "listening" :
			 tcp_state_name(state));
	return 0;
}

int sock_parse_unix(const char *line, uint64_t *ino, char *buf, size_t size)
{
	unsigned int type;
	int path_at = 0;
	const char *kind;
	size_t len;

	/* Num RefCount Protocol Flags Type St Inode Path */
	if (sscanf(line, " %*x: %*x %*x %*x %x %*x %" SCNu64 "%n", &type, ino, &path_at) != 2)
		return -EINVAL;
	kind = type == 1 ? "stream" : type == 2 ? "dgram" : type == 5 ? "seqpacket" : "?";
	line += path_at;
	line += strspn(line, " ");
	len = strcspn(line, "\n");
	if (len)
		snprintf(buf, size, "unix %s %.*s", kind, (int)len, line);
	else
		snprintf(buf, size, "unix %s", kind);
	return 0;
}

struct sock_name {
	uint64_t ino;
	char *desc;
};

struct sock_names {
	struct sock_name *v;
	size_t n, cap;
};

static int add_name(struct sock_names *s, uint64_t ino, const char *desc)
{
	struct sock_name *v;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;

		v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n].ino = ino;
	s->v[s->n].desc = strdup(desc);
	if (!s->v[s->n].desc)
		return -ENOMEM;
	s->n++;
	return 0;
}

static int read_net_file(pid_t pid, const char *file, const char *proto, bool v6,
			 struct sock_names *s)
{
	char path[64], desc[256], *line = NULL;
	size_t cap = 0;
	uint64_t ino;
	int err = 0, r;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/net/%s", pid, file);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;	/* no IPv6, say */
	while (getline(&line, &cap, f) > 0) {
		r = proto ? sock_parse_inet(line, proto, v6, &ino, desc, sizeof(desc))
			  : sock_parse_unix(line, &ino, desc, sizeof(desc));
		if (r || !ino)
			continue;	/* the header; a time-wait socket has no inode */
		err = add_name(s, ino, desc);
		if (err)
			break;
	}
	free(line);
	fclose(f);
	return err;
}

static int cmp_name(const void *a, const void *b)
{
	const struct sock_name *x = a, *y = b;

	return (x->ino > y->ino) - (x->ino < y->ino);
}

int sock_names__read(pid_t pid, struct sock_names **out)
{
	static const struct {
		const char *file, *proto;
		bool v6;
	} files[] = {
		{ "tcp", "tcp", false }, { "tcp6", "tcp", true }, { "udp", "udp", false },
		{ "udp6", "udp", true }, { "unix", NULL, false },
	};
	struct sock_names *s = calloc(1, sizeof(*s));
	size_t i;
	int err = 0;

	if (!s)
		return -ENOMEM;
	for (i = 0; i < sizeof(files) / sizeof(files[0]) && !err; i++)
		err = read_net_file(pid, files[i].file, files[i].proto, files[i].v6, s);
	if (err) {
		sock_names__free(s);
		return err;
	}
	qsort(s->v, s->n, sizeof(*s->v), cmp_name);
	*out = s;
	return 0;
}

void sock_names__free(struct sock_names *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++)
		free(s->v[i].desc);
	free(s->v);
	free(s);
}

const char *sock_names__find(const struct sock_names *s, uint64_t ino)
{
	struct sock_name key = { .ino = ino }, *found;

	if (!s || !s->n)
		return NULL;
	found = bsearch(&key, s->v, s->n, sizeof(*s->v), cmp_name);
	return found ? found->desc : NULL;
}
