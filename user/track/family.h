/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * The traced processes of one run: the target, and with -f every process it (or one of
 * them) forks, each a target of its own, stopped before its first instruction until it is
 * probed. Events from the BPF side go to the target they are about. Functions return 0 or
 * -errno.
 */
#ifndef LEAKBPF_FAMILY_H
#define LEAKBPF_FAMILY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct target;
struct tracer;

/* Processes traced at once with -f, the target included: the rest are let go and counted. */
#define FAMILY_MAX 128

struct family {
	struct tracer *tracer;
	bool follow;		/* -f */
	int n;			/* members[0] is the target */
	struct target *members[FAMILY_MAX];
	uint64_t dropped;	/* forked while the family was full: not traced */
	bool detached;		/* the probes are gone: a child reported now is only let go */
};

/* Route t's events to root's (and, with follow, its children's) trackers. */
void family__init(struct family *f, struct target *root, struct tracer *t, bool follow);
/* -f: root's forks are followed from now on (after its probes are attached). */
int family__follow(struct family *f);
/* The member with this pid, or NULL. */
struct target *family__find(struct family *f, pid_t pid);
/* Children that have exited since the last look: marked ended (the target is not). */
void family__reap(struct family *f);
/* Re-read each live child's modules (dlopen, exec), as the target's are. */
void family__tick(struct family *f, uint64_t now);
/* Free every child (the target is the caller's). */
void family__free(struct family *f);

#endif
