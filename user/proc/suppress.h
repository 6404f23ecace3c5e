/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * --suppressions FILE, as LeakSanitizer reads one: `leak:PATTERN` lines ('#' comments,
 * blank lines), a pattern matched against each frame's function, source file and module;
 * '*' matches anything, a leading '^' or trailing '$' anchors it, else it may match
 * anywhere in the name.
 */
#ifndef LEAKBPF_SUPPRESS_H
#define LEAKBPF_SUPPRESS_H

#include <stdbool.h>
#include "proc/symbolize.h"

struct suppressions {
	char **patterns;	/* as fnmatch(3) takes them */
	char **texts;		/* as written, for the report */
	int n;
};

/* 0, or -errno with why (a line number and what is wrong, or the file's error) */
int suppress__load(const char *path, struct suppressions *out, char *why, size_t size);
/* The first pattern some frame matches, or -1 */
int suppress__match(const struct suppressions *s, const struct frame *frames, int n);
void suppress__free(struct suppressions *s);

#endif
