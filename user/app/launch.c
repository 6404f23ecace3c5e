// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "app/launch.h"

static int check_exec(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	return access(path, X_OK) ? -errno : 0;
}

int launch__resolve(const char *cmd, char *path, size_t size)
{
	const char *env = getenv("PATH");
	char *dirs, *dir, *save = NULL;
	int err = -ENOENT;

	if (!*cmd)
		return -ENOENT;
	if (strchr(cmd, '/')) {
		if ((size_t)snprintf(path, size, "%s", cmd) >= size)
			return -ENAMETOOLONG;
		return check_exec(path);
	}
	dirs = strdup(env && *env ? env : "/usr/local/bin:/usr/bin:/bin");
	if (!dirs)
		return -ENOMEM;
	for (dir = strtok_r(dirs, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		if ((size_t)snprintf(path, size, "%s/%s", *dir ? dir : ".", cmd) >= size)
			continue;
		err = check_exec(path);
		if (!err)
			break;
	}
	free(dirs);
	return err;
}

/* A script runs its #! interpreter: that is the ELF whose allocator matters. */
static void find_elf(struct launch *l)
{
	char line[PATH_MAX + 3];
	FILE *f = fopen(l->path, "re");
	size_t n;

	snprintf(l->elf, sizeof(l->elf), "%s", l->path);
	if (!f)
		return;
	if (fgets(line, sizeof(line), f) && line[0] == '#' && line[1] == '!') {
		char *p = line + 2 + strspn(line + 2, " \t");

		n = strcspn(p, " \t\n");
		p[n] = '\0';
		if (*p == '/')
			snprintf(l->elf, sizeof(l->elf), "%s", p);
	}
	fclose(f);
}

int launch__start(struct launch *l, char **argv)
{
	int gate[2], errp[2], err;
	sigset_t all;

	l->pid = -1;
	l->gate_fd = l->exec_err_fd = -1;
	err = launch__resolve(argv[0], l->path, sizeof(l->path));
	if (err)
		return err;
	find_elf(l);
	/*
	 * A pipe rather than an eventfd: if leakbpf dies before releasing the child, the write
	 * end closes and the child's read returns 0, so it never runs untraced.
	 */
	if (pipe2(gate, O_CLOEXEC))
		return -errno;
	if (pipe2(errp, O_CLOEXEC)) {
		err = -errno;
		close(gate[0]);
		close(gate[1]);
		return err;
	}
	l->pid = fork();
	if (l->pid < 0) {
		err = -errno;
		close(gate[0]);
		close(gate[1]);
		close(errp[0]);
		close(errp[1]);
		return err;
	}
	if (l->pid == 0) {
		char go;

		close(gate[1]);
		close(errp[0]);
		if (read(gate[0], &go, 1) != 1)
			_exit(127);
		/* leakbpf blocks signals for its signalfd: give the program a clean slate */
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		signal(SIGPIPE, SIG_DFL);
		execv(l->path, argv);
		err = errno;
		if (write(errp[1], &err, sizeof(err)) < 0)
			_exit(127);
		_exit(127);
	}
	close(gate[0]);
	close(errp[1]);
	l->gate_fd = gate[1];
	l->exec_err_fd = errp[0];
	/*
	 * Trace it for one stop, at exec, for leakbpf to read the new image before its first
	 * instruction. Seized from here rather than PTRACE_TRACEME in the child: then the exec
	 * is an event of its own, and if leakbpf dies before letting it go, it dies with it.
	 */
	if (ptrace(PTRACE_SEIZE, l->pid, NULL, PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL)) {
		err = -errno;
		launch__abort(l);
		return err;
	}
	return 0;
}

int launch__release(struct launch *l)
{
	int child_err = 0, status;
	ssize_t n;

	if (write(l->gate_fd, "g", 1) != 1) {
		int err = -errno;

		launch__abort(l);
		return err;
	}
	close(l->gate_fd);
	l->gate_fd = -1;
	for (;;) {
		if (waitpid(l->pid, &status, 0) != l->pid) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			/* exec failed (its errno is in the pipe), or a signal killed it first */
			n = read(l->exec_err_fd, &child_err, sizeof(child_err));
			close(l->exec_err_fd);
			l->exec_err_fd = -1;
			l->pid = -1;
			return n == sizeof(child_err) ? -child_err : -ECHILD;
		}
		if (status >> 8 == (SIGTRAP | (PTRACE_EVENT_EXEC << 8)))
			break;
		/*
		 * A signal reached it before exec (a Ctrl-C to the whole process group, say):
		 * traced, it stops for us first. Pass the signal on, as if untraced; a group
		 * stop (SIGSTOP at this point) is not worth keeping it from running.
		 */
		if (ptrace(PTRACE_CONT, l->pid, NULL,
			   status >> 16 ? 0 : (void *)(long)WSTOPSIG(status)))
			return -errno;
	}
	close(l->exec_err_fd);
	l->exec_err_fd = -1;
	l->stopped = true;
	return 0;
}

int launch__resume(struct launch *l)
{
	if (!l->stopped)
		return 0;
	l->stopped = false;
	/* signal 0: the exec stop was for us, not for the program */
	return ptrace(PTRACE_DETACH, l->pid, NULL, NULL) ? -errno : 0;
}

void launch__abort(struct launch *l)
{
	if (l->gate_fd >= 0)
		close(l->gate_fd);
	if (l->exec_err_fd >= 0)
		close(l->exec_err_fd);
	l->gate_fd = l->exec_err_fd = -1;
	if (l->pid > 0) {
		kill(l->pid, SIGKILL);
		waitpid(l->pid, NULL, 0);
		l->pid = -1;
	}
}
