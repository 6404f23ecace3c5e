// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/* user/proc/procfs.c: the lines of /proc/PID/maps (real ones), and this process's own maps. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "proc/procfs.h"

#define MAX_SEEN 8

struct seen {
	struct proc_map m[MAX_SEEN];
	char name[MAX_SEEN][64];
	int n, stop_at;
};

static int keep(const struct proc_map *m, void *arg)
{
	struct seen *s = arg;

	if (s->n == MAX_SEEN)
		return -1;
	s->m[s->n] = *m;
	/* the line is gone once fn returns: keep what it named */
	strncpy(s->name[s->n], m->name, sizeof(s->name[0]) - 1);
	s->n++;
	return s->n == s->stop_at;
}

static const char maps[] =
	"55d0c8a00000-55d0c8a01000 r--p 00000000 08:01 1054733                    /usr/bin/cat\n"
	"55d0c9e2c000-55d0c9e4d000 rw-p 00000000 00:00 0                          [heap]\n"
	"7f1c2b600000-7f1c2b628000 r--p 00000000 08:01 1049356                    "
	"/usr/lib/x86_64-linux-gnu/libc.so.6\n"
	"7f1c2b800000-7f1c2b802000 rw-p 00000000 00:00 0 \n"
	"7f1c2ba00000-7f1c2ba01000 r-xp 00000000 00:05 2061                       "
	"/memfd:jit (deleted)\n"
	"7ffd4c3f6000-7ffd4c3f8000 r-xp 00000000 00:00 0                          [vdso]";

static void lines(void **state)
{
	struct seen s = {};

	assert_int_equal(proc__for_each_map_in(maps, keep, &s), 0);
	assert_int_equal(s.n, 6);
	assert_int_equal(s.m[0].start, 0x55d0c8a00000);
	assert_int_equal(s.m[0].end, 0x55d0c8a01000);
	assert_string_equal(s.m[0].perms, "r--p");
	assert_int_equal(s.m[0].inode, 1054733);
	assert_string_equal(s.name[0], "/usr/bin/cat");
	/* a name in brackets, or none, is no path */
	assert_string_equal(s.name[1], "[heap]");
	assert_null(s.m[1].path);
	assert_string_equal(s.name[2], "/usr/lib/x86_64-linux-gnu/libc.so.6");
	assert_string_equal(s.name[3], "");
	assert_null(s.m[3].path);
	/* a deleted file keeps its suffix: what it is, not where it is */
	assert_string_equal(s.name[4], "/memfd:jit (deleted)");
	assert_non_null(s.m[4].path);
	/* the last line needs no newline */
	assert_string_equal(s.name[5], "[vdso]");
	assert_int_equal(s.m[5].offset, 0);
}

static void stops_early(void **state)
{
	struct seen s = { .stop_at = 2 };

	/* fn's positive answer stops the walk and is no error */
	assert_int_equal(proc__for_each_map_in(maps, keep, &s), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(proc__for_each_map_in("", keep, &s), 0);
	assert_int_equal(s.n, 2);
}

static void own_maps(void **state)
{
	struct seen s = { .stop_at = MAX_SEEN };
	char *text;

	assert_int_equal(proc__maps_text(getpid(), &text), 0);
	assert_true(strlen(text) > 0);
	assert_int_equal(proc__for_each_map_in(text, keep, &s), 0);
	assert_true(s.n > 0);
	free(text);
	assert_int_equal(proc__maps_text(-1, &text), -ESRCH);
	assert_null(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lines),
		cmocka_unit_test(stops_early),
		cmocka_unit_test(own_maps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
