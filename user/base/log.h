/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/* Diagnostics go to stderr, reports to stdout. */
#ifndef LEAKBPF_LOG_H
#define LEAKBPF_LOG_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

extern bool log_verbose;

/* an error or a warning the user must see: "leakbpf: ..." (held back under log_hold()) */
#define elog(fmt, ...) log_line("leakbpf: " fmt "\n", ##__VA_ARGS__)
/* details for -v */
#define vlog(fmt, ...)                                                               \
	do {                                                                         \
		if (log_verbose)                                                     \
			fprintf(stderr, "leakbpf: " fmt "\n", ##__VA_ARGS__);        \
	} while (0)

/* elog()'s printer: stderr, or the held lines */
void log_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * Hold elog()'s lines back until log_release(): a step of the attach that fails because the
 * process is exiting says so only once leakbpf knows it, not with the step's own error.
 * Not with -v, where everything is said as it happens.
 */
void log_hold(void);
/* Print the lines held (print), or drop them; nothing held: nothing to do. */
void log_release(bool print);

/* "ENOENT: No such file or directory" for a positive or negative errno */
const char *errstr(int err);

#endif
