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
#include "report/report.h"
#include "track/sockets.h"
#include "track/target.h"
#include "probe/tracer.h"
#include "base/util.h"

const char *tcp_state_name(int state)
{
	static const char *const names[] = {
		[TCP_ESTABLISHED] = "ESTABLISHED", [TCP_SYN_SENT] = "SYN_SENT",
		[TCP_SYN_RECV] = "SYN_RECV", [TCP_FIN_WAIT1] = "FIN_WAIT1",
		[TCP_FIN_WAIT2] = "FIN_WAIT2", [TCP_TIME_WAIT] = "TIME_WAIT",
		[TCP_CLOSE] = "CLOSE", [TCP_CLOSE_WAIT] = "CLOSE_WAIT",
		[TCP_LAST_ACK] = "LAST_ACK", [TCP_LISTEN] = "LISTEN", [TCP_CLOSING] = "CLOSING",
		[12] = "NEW_SYN_RECV", [13] = "BOUND_INACTIVE",
	};

	if (state < 0 || state >= (int)(sizeof(names) / sizeof(names[0])) || !names[state])
		return "?";
	return names[state];
}

int sockets__parse_fd_link(const char *link, uint64_t *inode)
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

void sockets__fill_counts(const int64_t state[TCP_STATE_SLOTS], struct sockets_report *out)
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
	tg->tcp_start[so.state]++;
	vlog("PID %d: TCP socket %llu open at attach, %s", tg->pid, (unsigned long long)inode,
	     tcp_state_name(so.state));
	return 0;
}

int sockets__adopt(struct tracer *t, struct target *tg)
{
	char path[64], link[64];
	uint64_t now = now_ns(), inode;
	int pidfd = -1, sfd, fd, err = 0, failed = 0, first_err = 0;
	struct dirent *de;
	ssize_t n;
	DIR *dir;

	memset(tg->tcp_start, 0, sizeof(tg->tcp_start));
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
	pidfd = syscall(SYS_pidfd_open, tg->pid, 0);
	if (pidfd < 0) {
		err = -errno;
		elog("cannot open a pidfd for PID %d (%s): its TCP sockets from before attach "
		     "are not counted", tg->pid, errstr(err));
		goto out;
	}
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		n = readlinkat(dirfd(dir), de->d_name, link, sizeof(link) - 1);
		if (n < 0)
			continue;	/* closed meanwhile */
		link[n] = '\0';
		if (sockets__parse_fd_link(link, &inode))
			continue;
		fd = atoi(de->d_name);
		sfd = syscall(SYS_pidfd_getfd, pidfd, fd, 0);
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
out:
	if (pidfd >= 0)
		close(pidfd);
	closedir(dir);
	return err;
}

/* The CLOSE_WAIT sockets of one process, as the walk over all of them finds them. */
struct close_wait_acc {
	uint32_t tgid;
	uint64_t now;
	double limit_s;
	struct age_worst ages;
};

static int add_close_wait(const struct close_wait *cw, void *arg)
{
	struct close_wait_acc *acc = arg;

	if (cw->tgid == acc->tgid)
		age_worst__add(&acc->ages, sockets__close_wait_ns(cw, acc->now) / 1e9, acc->limit_s);
	return 0;
}

int sockets__collect(struct tracer *t, const struct target *tg, double limit_s, uint64_t end,
		     struct sockets_report *out)
{
	struct close_wait_acc acc = { .tgid = tg->pid, .now = end, .limit_s = limit_s };
	int64_t total[TCP_STATE_SLOTS];
	struct sock_stats st;
	int err, i;

	if (!tracer__has_tasks(t))
		return 0;	/* out stays absent: null in the report */
	err = tracer__sock_stats(t, tg->pid, &st);
	if (err) {
		elog("cannot read the TCP counters of PID %d (%s)", tg->pid, errstr(err));
		return err;
	}
	for (i = 0; i < TCP_STATE_SLOTS; i++)
		total[i] = tg->tcp_start[i] + st.state[i];
	sockets__fill_counts(total, out);

	/* 0 s means any time at all: the check then fails on every CLOSE_WAIT socket */
	err = tracer__for_each_close_wait(t, add_close_wait, &acc);
	if (err) {
		elog("cannot read the CLOSE_WAIT sockets (%s)", errstr(err));
		return err;
	}
	/* one limit for all: the worst is the longest */
	out->close_wait_age = acc.ages;
	out->oldest_close_wait_s = acc.ages.n ? acc.ages.age_s : NAN;
	return 0;
}
