// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include "proc/sock_diag.h"

static int add(struct tcp_table *t, int *cap, uint64_t inode, int state)
{
	if (t->n == *cap) {
		int ncap = *cap ? *cap * 2 : 256;
		struct tcp_sock_state *v = realloc(t->v, ncap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		t->v = v;
		*cap = ncap;
	}
	t->v[t->n++] = (struct tcp_sock_state){ .inode = inode, .state = state };
	return 0;
}

/* One family's dump, every state. */
static int dump(int fd, int family, struct tcp_table *t, int *cap)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
	} msg = {
		.nlh = { .nlmsg_len = sizeof(msg), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			 .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.req = { .sdiag_family = family, .sdiag_protocol = IPPROTO_TCP,
			 .idiag_states = ~0U },
	};
	static char buf[32768] __attribute__((aligned(NLMSG_ALIGNTO)));
	int err;

	if (send(fd, &msg, sizeof(msg), 0) < 0)
		return -errno;
	for (;;) {
		ssize_t len = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h;

		if (len < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			const struct inet_diag_msg *m = NLMSG_DATA(h);

			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				return e->error ? e->error : -EIO;
			}
			err = add(t, cap, m->idiag_inode, m->idiag_state);
			if (err)
				return err;
		}
	}
}

static int by_inode(const void *a, const void *b)
{
	const struct tcp_sock_state *x = a, *y = b;

	return x->inode < y->inode ? -1 : x->inode > y->inode;
}

int tcp_table__read(struct tcp_table *out)
{
	int fd, err, cap = 0;

	memset(out, 0, sizeof(*out));
	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -errno;
	err = dump(fd, AF_INET, out, &cap);
	/* a kernel without IPv6 answers that family with an error: the IPv4 dump stands */
	if (!err && dump(fd, AF_INET6, out, &cap) == -ENOMEM)
		err = -ENOMEM;
	close(fd);
	if (err) {
		tcp_table__free(out);
		return err;
	}
	qsort(out->v, out->n, sizeof(*out->v), by_inode);
	return 0;
}

/* /proc/PID/net/tcp or tcp6: "sl local rem st tx:rx tr:when retrnsmt uid timeout inode" */
static int read_proc_file(const char *path, struct tcp_table *t, int *cap)
{
	unsigned long long inode;
	char line[512];
	unsigned int st;
	int err = 0;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;	/* no IPv6 in this kernel */
	if (!fgets(line, sizeof(line), f)) {	/* the header */
		fclose(f);
		return 0;
	}
	while (!err && fgets(line, sizeof(line), f)) {
		if (sscanf(line, " %*u: %*s %*s %x %*s %*s %*s %*u %*u %llu", &st, &inode) == 2)
			err = add(t, cap, inode, st);
	}
	fclose(f);
	return err;
}

int tcp_table__read_of(pid_t pid, struct tcp_table *out)
{
	char path[64];
	int err, cap = 0;

	memset(out, 0, sizeof(*out));
	snprintf(path, sizeof(path), "/proc/%d/net/tcp", pid);
	err = read_proc_file(path, out, &cap);
	snprintf(path, sizeof(path), "/proc/%d/net/tcp6", pid);
	if (!err)
		err = read_proc_file(path, out, &cap);
	if (err) {
		tcp_table__free(out);
		return err;
	}
	qsort(out->v, out->n, sizeof(*out->v), by_inode);
	return 0;
}

int tcp_table__state(const struct tcp_table *t, uint64_t inode)
{
	struct tcp_sock_state key = { .inode = inode };
	const struct tcp_sock_state *s;

	s = t->n ? bsearch(&key, t->v, t->n, sizeof(*t->v), by_inode) : NULL;
	return s ? s->state : -1;
}

void tcp_table__free(struct tcp_table *t)
{
	free(t->v);
	t->v = NULL;
	t->n = 0;
}
