// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <jansson.h>
#include "fleet/escalate.h"

int escalate__start(struct escalation *e, const char *self, pid_t pid, double secs)
{
	char spid[16], dur[32], top[8];
	int fds[2];

	snprintf(spid, sizeof(spid), "%d", pid);
	snprintf(dur, sizeof(dur), "%g", secs);
	snprintf(top, sizeof(top), "%d", TOP_SITES);
	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	e->child = fork();
	if (e->child < 0) {
		close(fds[0]);
		close(fds[1]);
		return -errno;
	}
	if (!e->child) {
		int null = open("/dev/null", O_WRONLY);

		dup2(fds[1], 1);
		if (null >= 0)
			dup2(null, 2);	/* its diagnostics are its own: the sites are what counts */
		execl(self, self, "-m", "full", "-p", spid, "-d", dur, "--json", "--top", top,
		      (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	e->out = fds[0];
	e->pid = pid;
	e->len = 0;
	return 0;
}

/* "f<-g<-h" from the first frames of a site's stack */
static void name_site(json_t *stack, char *buf, size_t size)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < json_array_size(stack) && i < 3 && used < size; i++) {
		const char *sym = json_string_value(json_object_get(json_array_get(stack, i),
								    "symbol"));

		used += snprintf(buf + used, size - used, "%s%s", i ? "<-" : "", sym ? sym : "?");
	}
}

/* The memory sites of the last report line. */
static int parse(const char *text, struct leak_site_brief *sites, int max, int *n)
{
	const char *line = text, *last = NULL;
	json_t *r, *sitesj;
	size_t i;

	for (; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (*line == '{')
			last = line;
	}
	*n = 0;
	if (!last)
		return -ENODATA;
	r = json_loadb(last, strcspn(last, "\n"), 0, NULL);
	if (!r)
		return -EINVAL;
	sitesj = json_object_get(json_array_get(json_object_get(r, "processes"), 0), "leak_sites");
	for (i = 0; i < json_array_size(sitesj) && *n < max; i++) {
		json_t *s = json_array_get(sitesj, i);
		struct leak_site_brief *b = &sites[*n];

		if (strcmp(json_string_value(json_object_get(s, "kind")) ?: "", "memory"))
			continue;
		name_site(json_object_get(s, "stack"), b->site, sizeof(b->site));
		b->bytes = json_integer_value(json_object_get(s, "bytes"));
		b->objects = json_integer_value(json_object_get(s, "objects"));
		b->oldest_s = json_number_value(json_object_get(s, "oldest_age_s"));
		(*n)++;
	}
	json_decref(r);
	return 0;
}

int escalate__poll(struct escalation *e, struct leak_site_brief *sites, int max, int *n)
{
	int status, err;
	pid_t done;

	for (;;) {
		char chunk[4096], *grown;
		ssize_t r = read(e->out, chunk, sizeof(chunk));

		if (r <= 0)
			break;
		grown = realloc(e->buf, e->len + r + 1);
		if (!grown)
			break;
		e->buf = grown;
		memcpy(e->buf + e->len, chunk, r);
		e->len += r;
		e->buf[e->len] = '\0';
	}
	done = waitpid(e->child, &status, WNOHANG);
	if (done == 0)
		return 0;
	close(e->out);
	e->pid = 0;
	/* 0 or 23 (a leak verdict): a report either way */
	if (done < 0 || !WIFEXITED(status) || (WEXITSTATUS(status) != 0 &&
					      WEXITSTATUS(status) != 23))
		err = -ECHILD;
	else
		err = parse(e->buf ? e->buf : "", sites, max, n);
	free(e->buf);
	e->buf = NULL;
	e->len = 0;
	return err ? err : 1;
}

void escalate__stop(struct escalation *e)
{
	if (!e->pid)
		return;
	kill(e->child, SIGINT);	/* it detaches, and leaves the process as it was */
	waitpid(e->child, NULL, 0);
	close(e->out);
	free(e->buf);
	e->buf = NULL;
	e->pid = 0;
}
