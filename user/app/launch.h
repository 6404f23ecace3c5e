/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * Starting `-- CMD`: fork now, exec only once every probe is live, so that the program's
 * first allocation is already traced.
 */
#ifndef LEAKBPF_LAUNCH_H
#define LEAKBPF_LAUNCH_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

struct launch {
	pid_t pid;
	int gate_fd;		/* write end the child waits on; -1 once released */
	int exec_err_fd;	/* read end: exec's errno, or EOF when exec succeeded */
	char path[PATH_MAX];	/* the program found on PATH */
	char elf[PATH_MAX];	/* the ELF that will run: path, or a script's interpreter */
	bool stopped;		/* held at exec, see launch__release */
};

/* Find argv[0] like execvp would; 0 or -errno (-ENOENT, -EACCES...). */
int launch__resolve(const char *cmd, char *path, size_t size);
/* Fork a child held before exec; 0 or -errno. */
int launch__start(struct launch *l, char **argv);
/*
 * Let the child exec. It stops right after exec, before its first instruction (it asked
 * to be ptraced for that one stop), so its executable can be read even if it would exit at
 * once; launch__resume() lets it go. 0, or -errno when exec failed (child reaped).
 */
int launch__release(struct launch *l);
/* Detach from the child stopped at exec: it runs on, untraced. 0 or -errno. */
int launch__resume(struct launch *l);
/* Kill and reap a child that was never released. */
void launch__abort(struct launch *l);

#endif
