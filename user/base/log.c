// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/log.h"

bool log_verbose;

/* log_hold(): elog()'s lines go here until log_release() */
static FILE *held;
static char *held_buf;
static size_t held_len;

void log_line(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(held ? held : stderr, fmt, ap);
	va_end(ap);
}

void log_hold(void)
{
	/* without memory for the stream, the lines go out as they come */
	if (!log_verbose && !held)
		held = open_memstream(&held_buf, &held_len);
}

void log_release(bool print)
{
	if (!held)
		return;
	fclose(held);
	held = NULL;
	if (print && held_len)
		fwrite(held_buf, 1, held_len, stderr);
	free(held_buf);
	held_buf = NULL;
	held_len = 0;
}

const char *errstr(int err)
{
	static __thread char buf[128];
	const char *name;

	if (err < 0)
		err = -err;
	name = strerrorname_np(err);
	snprintf(buf, sizeof(buf), "%s: %s", name ? name : "E?", strerror(err));
	return buf;
}
