/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * How test targets synchronise with the test that runs them, without sleeps: commands
 * arrive as lines on fd 3, the target answers with lines on fd 4. Run by hand (no fd 3),
 * a target does not wait and does not report. Only raw read/write: stdio would allocate,
 * and the tests count every allocation.
 */
#ifndef LEAKBPF_TEST_CTL_H
#define LEAKBPF_TEST_CTL_H

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CTL_IN 3
#define CTL_OUT 4

/* Wait for the line `word` on fd 3; other lines are errors. */
static inline void ctl_wait(const char *word)
{
	char line[64];
	size_t n = 0;

	if (fcntl(CTL_IN, F_GETFD) < 0)
		return;
	while (n < sizeof(line) - 1) {
		ssize_t r = read(CTL_IN, &line[n], 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			_exit(99);	/* the test went away */
		if (line[n] == '\n')
			break;
		n++;
	}
	line[n] = '\0';
	if (strcmp(line, word))
		_exit(98);
}

/* Say `word` (one line) on fd 4. */
static inline void ctl_say(const char *word)
{
	size_t n = strlen(word);

	if (fcntl(CTL_OUT, F_GETFD) < 0)
		return;
	if (write(CTL_OUT, word, n) != (ssize_t)n || write(CTL_OUT, "\n", 1) != 1)
		_exit(97);
}

/* atoi without locale tables */
static inline long ctl_num(const char *s)
{
	return strtol(s, NULL, 10);
}

#endif
