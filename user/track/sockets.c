// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include "base/log.h"
#include "base/util.h"
#include "probe/tasks.h"
#include "proc/fd_table.h"
#include "track/snapshot.h"
#include "track/sockets.h"
#include "track/target.h"

/*
 * The states in which the process still holds the socket: connecting, connected or
 * listening, and not closed on its side. Once it closes (or shuts down writing), the
 * socket lingers in FIN_WAIT*, CLOSING, LAST_ACK or TIME_WAIT on the kernel's account.
 */
static bool held(int state)
{
	switch (state) {
	case TCP_ESTABLISHED:
	case TCP_SYN_SENT:
	case TCP_SYN_RECV:
	case TCP_CLOSE_WAIT:
	case TCP_LISTEN:
		return true;
	default:
		return false;
	}
}

void sockets__fill_counts(const int64_t state[TCP_STATE_SLOTS], struct tcp_counts *out)
{
	int i;

	out->present = true;
	out->open = out->established = out->close_wait = out->listen = 0;
	for (i = 0; i < TCP_STATE_SLOTS; i++) {
		/* below 0 only if a move was seen and not the state it left: never report it */
		uint64_t n = state[i] > 0 ? (uint64_t)state[i] : 0;

		if (held(i))
			out->open += n;
	}
	out->established = state[TCP_ESTABLISHED] > 0 ? state[TCP_ESTABLISHED] : 0;
	out->close_wait = state[TCP_CLOSE_WAIT] > 0 ? state[TCP_CLOSE_WAIT] : 0;
	out->listen = state[TCP_LISTEN] > 0 ? state[TCP_LISTEN] : 0;
}

uint64_t sockets__close_wait_ns(const struct close_wait *cw, uint64_t now)
{
	uint64_t end = cw->until_ns && cw->until_ns < now ? cw->until_ns : now;

	return end > cw->since_ns ? end - cw->since_ns : 0;
}

/* Follow one socket through sfd, our copy of the process's fd; 1 if it was not TCP. */
static int adopt_one(struct tracer *t, struct target *tg, int sfd, uint64_t inode,
		     uint64_t now)
{
	struct close_wait cw = { .since_ns = now, .tgid = tg->pid };
	struct sock_owner so = { .id = inode, .tgid = tg->pid };
	socklen_t len = sizeof(int);
	struct tcp_info info;
	struct stat st;
	int proto, err;

	/* the fd may have been closed and reused since /proc named it */
	if (fstat(sfd, &st) || (uint64_t)st.st_ino != inode || !S_ISSOCK(st.st_mode))
		return 1;
	if (getsockopt(sfd, SOL_SOCKET, SO_PROTOCOL, &proto, &len) || proto != IPPROTO_TCP)
		return 1;
	len = sizeof(info);
	if (getsockopt(sfd, IPPROTO_TCP, TCP_INFO, &info, &len))
		return -errno;
	/* not connected nor listening: counted if it ever is, when the BPF side sees it */
	if (info.tcpi_state == TCP_CLOSE || info.tcpi_state >= TCP_STATE_SLOTS)
		return 1;
	so.state = info.tcpi_state;
	err = tracer__adopt_socket(t, sfd, &so, so.state == TCP_CLOSE_WAIT ? &cw : NULL);
	if (err == -EEXIST)
		return 1;	/* in another fd too, or born since attach: followed already */
	if (err)
		return err;
	tg->sockets.start[so.state]++;
	vlog("PID %d: TCP socket %llu open at attach, %s", tg->pid, (unsigned long long)inode,
	     tcp_state_name(so.state));
	return 0;
}

int sockets__adopt(struct tracer *t, struct target *tg)
{
	char path[64], link[64];
	uint64_t now = now_ns(), inode;
	int sfd, fd, err = 0, failed = 0, first_err = 0;
	struct dirent *de;
	ssize_t n;
	DIR *dir;

	memset(tg->sockets.start, 0, sizeof(tg->sockets.start));
	if (!tracer__has_tasks(t))
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/fd", tg->pid);
	dir = opendir(path);
	if (!dir) {
		err = -errno;
		elog("cannot list the fds of PID %d (%s): its TCP sockets from before attach "
		     "are not counted", tg->pid, errstr(err));
		return err;
	}
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		n = readlinkat(dirfd(dir), de->d_name, link, sizeof(link) - 1);
		if (n < 0)
			continue;	/* closed meanwhile */
		link[n] = '\0';
		if (fd_link_socket_inode(link, &inode))
			continue;
		fd = atoi(de->d_name);
		sfd = syscall(SYS_pidfd_getfd, tg->pidfd, fd, 0);
		if (sfd < 0) {
			err = -errno;
			if (err == -EBADF)
				continue;	/* closed meanwhile */
			failed++;
			first_err = first_err ? first_err : err;
			continue;
		}
		err = adopt_one(t, tg, sfd, inode, now);
		close(sfd);
		if (err < 0) {
			failed++;
			first_err = first_err ? first_err : err;
		}
	}
	err = 0;
	if (failed)
		elog("%d socket(s) of PID %d could not be examined (%s): TCP sockets from before "
		     "attach may be missing from its counts", failed, tg->pid, errstr(first_err));
	closedir(dir);
	return err;
}

/* The CLOSE_WAIT sockets of one process, as the walk over all of them finds them. */
struct close_wait_walk {
	struct proc_snapshot *ps;
	int cap;
};

static int add_close_wait(const void *key, const void *value, void *arg)
{
	const struct close_wait *cw = value;
	struct close_wait_walk *w = arg;
	struct proc_snapshot *ps = w->ps;

	if ((pid_t)cw->tgid != ps->pid)
		return 0;
	if (ps->nclose_waits == w->cap) {
		int cap = w->cap ? 2 * w->cap : 16;
		uint64_t *v = realloc(ps->close_wait_ns, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		ps->close_wait_ns = v;
		w->cap = cap;
	}
	ps->close_wait_ns[ps->nclose_waits++] = sockets__close_wait_ns(cw, ps->end_ns);
	return 0;
}

int sockets__snapshot(struct tracer *t, const struct target *tg, struct proc_snapshot *ps)
{
	struct close_wait_walk w = { .ps = ps };
	int64_t total[TCP_STATE_SLOTS];
	struct sock_stats st;
	int err, i;

	if (!tracer__has_tasks(t))
		return 0;	/* ps->tcp stays absent: null in the report */
	err = tracer__sock_stats(t, tg->pid, &st);
	if (err) {
		elog("cannot read the TCP counters of PID %d (%s)", tg->pid, errstr(err));
		return err;
	}
	for (i = 0; i < TCP_STATE_SLOTS; i++)
		total[i] = tg->sockets.start[i] + st.state[i];
	sockets__fill_counts(total, &ps->tcp);
	err = tracer__for_each_close_wait(t, add_close_wait, &w);
	if (err)
		elog("cannot read the CLOSE_WAIT sockets (%s)", errstr(err));
	return err;
}
