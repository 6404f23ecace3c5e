/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/* Diagnostics go to stderr, reports to stdout. */
#ifndef LEAKBPF_LOG_H
#define LEAKBPF_LOG_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

extern bool log_verbose;

/* an error or a warning the user must see: "leakbpf: ..." */
#define elog(fmt, ...) fprintf(stderr, "leakbpf: " fmt "\n", ##__VA_ARGS__)
/* details for -v */
#define vlog(fmt, ...)                                                               \
	do {                                                                         \
		if (log_verbose)                                                     \
			fprintf(stderr, "leakbpf: " fmt "\n", ##__VA_ARGS__);        \
	} while (0)

/* "ENOENT: No such file or directory" for a positive or negative errno */
const char *errstr(int err);

#endif
