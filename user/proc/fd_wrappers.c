// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include "proc/elf_file.h"
#include "proc/fd_wrappers.h"
#include "proc/procfs.h"

/*
 * glibc (2.34 on) calls its own wrappers for the fd calls of stdio, opendir, popen,
 * getaddrinfo...: through an alias at the same address, or through the *_nocancel ones it
 * exports for its other libraries. syscall(2) is probed too (FD_WRAPPER_SYSCALL), for the
 * calls programs make through it (pidfd_open, close_range on older glibcs...). Not seen:
 * calls made with an inline syscall instruction, and closefrom's fallback, which is rare:
 * close_range is its first try (and the same address as close_range).
 */
static const struct {
	const char *name;
	long nr;
} calls[] = {
	{ "open64", SYS_open }, { "__open64_nocancel", SYS_open }, { "openat64", SYS_openat },
	{ "creat64", SYS_creat }, { "open_by_handle_at", SYS_open_by_handle_at },
	{ "socket", SYS_socket }, { "socketpair", SYS_socketpair }, { "accept", SYS_accept },
	{ "accept4", SYS_accept4 }, { "pipe", SYS_pipe }, { "pipe2", SYS_pipe2 },
	{ "dup", SYS_dup }, { "dup2", SYS_dup2 }, { "dup3", SYS_dup3 }, { "fcntl64", SYS_fcntl },
	{ "eventfd", SYS_eventfd2 }, { "epoll_create", SYS_epoll_create },
	{ "epoll_create1", SYS_epoll_create1 }, { "timerfd_create", SYS_timerfd_create },
	{ "signalfd", SYS_signalfd4 }, { "inotify_init", SYS_inotify_init },
	{ "inotify_init1", SYS_inotify_init1 }, { "memfd_create", SYS_memfd_create },
	{ "pidfd_open", SYS_pidfd_open }, { "pidfd_getfd", SYS_pidfd_getfd },
	{ "fanotify_init", SYS_fanotify_init }, { "mq_open", SYS_mq_open },
	{ "recvmsg", SYS_recvmsg }, { "recvmmsg", SYS_recvmmsg },
	{ "execve", SYS_execve }, { "execveat", SYS_execveat },
	{ "close", SYS_close }, { "__close_nocancel", SYS_close },
	{ "close_range", SYS_close_range }, { "syscall", FD_WRAPPER_SYSCALL },
};

/* Every name above, in one glibc: the ones a version lacks are simply not probed. */
int fd_wrappers__read(const char *path, struct fd_wrappers *out)
{
	struct elf_file *ef = elf_file__open(path);
	struct elf_func fn;
	size_t i;
	int j;

	if (!ef)
		return -errno;
	/* glibc's mark: what makes its stdio and friends go through the wrappers */
	if (elf_file__find_export(ef, "__close_nocancel", &fn)) {
		elf_file__free(ef);
		return -ENOENT;
	}
	out->n = 0;
	for (i = 0; i < sizeof(calls) / sizeof(calls[0]) && out->n < MAX_FD_WRAPPERS; i++) {
		if (elf_file__find_export(ef, calls[i].name, &fn) || fn.ifunc)
			continue;
		for (j = 0; j < out->n && out->w[j].offset != fn.offset; j++)
			;
		if (j < out->n)
			continue;	/* an alias of one probed already */
		out->w[out->n++] = (struct fd_wrapper){
			.name = calls[i].name, .offset = fn.offset, .nr = calls[i].nr,
			.entry_only = calls[i].nr == SYS_close || calls[i].nr == SYS_close_range,
		};
	}
	elf_file__free(ef);
	snprintf(out->path, sizeof(out->path), "%s", path);
	return out->n ? 0 : -ENOENT;
}

struct glibc_scan {
	pid_t pid;
	char last[PATH_MAX];	/* a file's mappings come together: look at each once */
	struct fd_wrappers *out;
	int err;
};

static int find_glibc(const struct proc_map *m, void *arg)
{
	struct glibc_scan *s = arg;
	char path[PATH_MAX];

	if (!m->path || m->perms[2] != 'x' || !strcmp(m->path, s->last))
		return 0;
	snprintf(s->last, sizeof(s->last), "%s", m->path);
	if (!strstr(m->path, "libc") || proc__root_path(s->pid, m->path, path, sizeof(path)))
		return 0;
	s->err = fd_wrappers__read(path, s->out);
	return s->err != -ENOENT;
}

int fd_wrappers__find(pid_t pid, struct fd_wrappers *out)
{
	struct glibc_scan s = { .pid = pid, .out = out, .err = -ENOENT };
	int err = proc__for_each_map(pid, find_glibc, &s);

	return err ? err : s.err;
}
