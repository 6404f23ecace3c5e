// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "proc/suppress.h"

/* "^abc" -> "abc*", "abc$" -> "*abc", "abc" -> "*abc*" */
static char *to_glob(const char *p)
{
	size_t len = strlen(p);
	bool head = p[0] == '^', tail = len && p[len - 1] == '$';
	char *g = malloc(len + 3);

	if (!g)
		return NULL;
	snprintf(g, len + 3, "%s%.*s%s", head ? "" : "*", (int)(len - head - tail), p + head,
		 tail ? "" : "*");
	return g;
}

static int add(struct suppressions *s, const char *text)
{
	char **p = realloc(s->patterns, (s->n + 1) * sizeof(*p));
	char **t;

	if (!p)
		return -ENOMEM;
	s->patterns = p;
	t = realloc(s->texts, (s->n + 1) * sizeof(*t));
	if (!t)
		return -ENOMEM;
	s->texts = t;
	s->patterns[s->n] = to_glob(text);
	s->texts[s->n] = strdup(text);
	if (!s->patterns[s->n] || !s->texts[s->n])
		return -ENOMEM;
	s->n++;
	return 0;
}

int suppress__load(const char *path, struct suppressions *out, char *why, size_t size)
{
	char line[1024];
	int lineno = 0, err = 0;
	FILE *f;

	memset(out, 0, sizeof(*out));
	f = fopen(path, "re");
	if (!f) {
		snprintf(why, size, "%s", strerror(errno));
		return -errno;
	}
	while (!err && fgets(line, sizeof(line), f)) {
		char *p = line, *end;

		lineno++;
		p += strspn(p, " \t");
		end = p + strcspn(p, "\r\n");
		while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		*end = '\0';
		if (!*p || *p == '#')
			continue;
		if (strncmp(p, "leak:", 5) || !p[5]) {
			snprintf(why, size, "line %d: expected leak:PATTERN, not '%s'", lineno, p);
			err = -EINVAL;
			break;
		}
		err = add(out, p + 5);
	}
	fclose(f);
	if (err)
		suppress__free(out);
	return err;
}

static bool matches(const char *glob, const char *name)
{
	return name && !fnmatch(glob, name, 0);
}

int suppress__match(const struct suppressions *s, const struct frame *frames, int n)
{
	int i, j;

	for (i = 0; i < s->n; i++) {
		for (j = 0; j < n; j++) {
			if (matches(s->patterns[i], frames[j].symbol) ||
			    matches(s->patterns[i], frames[j].file) ||
			    matches(s->patterns[i], frames[j].module))
				return i;
		}
	}
	return -1;
}

void suppress__free(struct suppressions *s)
{
	int i;

	for (i = 0; i < s->n; i++) {
		free(s->patterns[i]);
		free(s->texts[i]);
	}
	free(s->patterns);
	free(s->texts);
	memset(s, 0, sizeof(*s));
}
