// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <inttypes.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "proc/procfs.h"

/* include/linux/sched.h */
#define PF_EXITING 0x00000004	/* getting shut down */
#define PF_KTHREAD 0x00200000	/* I am a kernel thread */

static FILE *proc_open(pid_t pid, const char *what)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, what);
	return fopen(path, "re");
}

/* The flags of /proc/PID/stat: its thread group leader's task flags. */
static int stat_flags(pid_t pid, unsigned long *flags)
{
	char buf[1024], *p;
	FILE *f;
	int i;

	if (pid <= 0)
		return -ESRCH;
	f = proc_open(pid, "stat");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	if (!p)
		return -ESRCH;
	/* the command name is in parentheses and may hold spaces: fields restart after it */
	p = strrchr(buf, ')');
	if (!p)
		return -EIO;
	/* after ")" come state(3) ppid pgrp session tty_nr tpgid flags(9) */
	for (i = 0; i < 7 && p; i++)
		p = strchr(p + 1, ' ');
	if (!p)
		return -EIO;
	*flags = strtoul(p + 1, NULL, 10);
	return 0;
}

int proc__check(pid_t pid)
{
	unsigned long flags;
	int err = stat_flags(pid, &flags);

	if (err)
		return err;
	return flags & PF_KTHREAD ? -EINVAL : 0;
}

bool proc__exiting(pid_t pid)
{
	unsigned long flags;
	int err = stat_flags(pid, &flags);

	return err == -ESRCH || (!err && (flags & PF_EXITING));
}

int proc__cmdline(pid_t pid, char *buf, size_t size)
{
	FILE *f = proc_open(pid, "cmdline");
	size_t n, i;

	if (!f)
		return -errno;
	n = fread(buf, 1, size - 1, f);
	fclose(f);
	if (!n)
		return -ENOENT;	/* a zombie, or a kernel thread */
	/* the arguments are NUL-separated: spaces between them, as ps shows them */
	while (n && !buf[n - 1])
		n--;
	for (i = 0; i < n; i++)
		if (!buf[i])
			buf[i] = ' ';
	buf[n] = '\0';
	return 0;
}

int proc__comm(pid_t pid, char *buf, size_t size)
{
	FILE *f = proc_open(pid, "comm");
	size_t n;

	if (!f)
		return -errno;
	if (!fgets(buf, size, f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	n = strlen(buf);
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}

int proc__exe(pid_t pid, char *buf, size_t size)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	n = readlink(path, buf, size - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

int proc__stopped(pid_t pid)
{
	const unsigned long long stop = 1ULL << (SIGSTOP - 1);
	unsigned long long mask;
	char line[256], state;
	int stopped = 0;
	FILE *f = proc_open(pid, "status");

	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "State: %c", &state) == 1 && state == 'T')
			stopped = 1;
		/* the thread's own pending set and the process's shared one */
		if ((sscanf(line, "SigPnd: %llx", &mask) == 1 ||
		     sscanf(line, "ShdPnd: %llx", &mask) == 1) && (mask & stop))
			stopped = 1;
	}
	fclose(f);
	return stopped;
}

int proc__threads(pid_t pid)
{
	char line[256];
	int threads = -ENOENT;
	FILE *f = proc_open(pid, "status");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Threads: %d", &threads) == 1)
			break;
	}
	fclose(f);
	return threads;
}

int proc__root_path(pid_t pid, const char *path, char *buf, size_t size)
{
	int n = snprintf(buf, size, "/proc/%d/root%s", pid, path);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int proc__cwd_path(pid_t pid, const char *path, char *buf, size_t size)
{
	int n = snprintf(buf, size, "/proc/%d/cwd/%s", pid, path);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int proc__maps_text(pid_t pid, char **text)
{
	FILE *f = proc_open(pid, "maps");
	size_t cap = 0;
	int err = 0;

	*text = NULL;
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	/* the file holds no NUL: one getdelim() reads it to the end; nothing at all: exited */
	if (getdelim(text, &cap, '\0', f) < 0) {
		free(*text);
		*text = ferror(f) ? NULL : strdup("");
		err = *text ? 0 : ferror(f) ? -EIO : -ENOMEM;
	}
	fclose(f);
	return err;
}

int proc__for_each_map_in(const char *text, int (*fn)(const struct proc_map *map, void *arg),
			  void *arg)
{
	char line[PATH_MAX + 128];
	const char *at = text;
	int err = 0;

	while (!err && *at) {
		const char *nl = strchrnul(at, '\n');
		size_t n = nl - at < (ptrdiff_t)sizeof(line) ? (size_t)(nl - at) : sizeof(line) - 1;
		struct proc_map m = {};
		int name_at = 0;

		memcpy(line, at, n);
		line[n] = '\0';
		at = *nl ? nl + 1 : nl;
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %4s %" SCNx64 " %*x:%*x %" SCNu64 " %n",
			   &m.start, &m.end, m.perms, &m.offset, &m.inode, &name_at) < 5)
			continue;
		m.name = line + name_at;
		m.path = line[name_at] == '/' ? line + name_at : NULL;
		err = fn(&m, arg);
	}
	return err < 0 ? err : 0;
}

int proc__for_each_map(pid_t pid, int (*fn)(const struct proc_map *map, void *arg), void *arg)
{
	char *text;
	int err = proc__maps_text(pid, &text);

	if (!err)
		err = proc__for_each_map_in(text, fn, arg);
	free(text);
	return err;
}

static bool same_inode(const char *path, uint64_t inode)
{
	struct stat st;

	return !stat(path, &st) && st.st_ino == inode;
}

int proc__map_path(pid_t pid, const struct proc_map *m, char *buf, size_t size)
{
	int n;

	n = snprintf(buf, size, "/proc/%d/map_files/%llx-%llx", pid,
		     (unsigned long long)m->start, (unsigned long long)m->end);
	if (n > 0 && (size_t)n < size && same_inode(buf, m->inode))
		return 0;
	if (!m->path)
		return -ENOENT;
	if (!proc__root_path(pid, m->path, buf, size) && same_inode(buf, m->inode))
		return 0;
	n = snprintf(buf, size, "%s", m->path);
	if (n > 0 && (size_t)n < size && same_inode(buf, m->inode))
		return 0;
	return -ENOENT;
}
