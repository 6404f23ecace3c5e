/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/* A growable set of BPF links, detached together. */
#ifndef LEAKBPF_LINKS_H
#define LEAKBPF_LINKS_H

#include <stddef.h>

struct bpf_link;

struct links {
	struct bpf_link **v;
	size_t n, cap;
	int *fds;		/* links libbpf does not know (uprobe sessions: uprobe_multi.h) */
	size_t nfds, fdcap;
};

/* Keep a link; 0, or -ENOMEM after destroying it: either way the caller is rid of it. */
int links__add(struct links *l, struct bpf_link *link);
/* Keep a link that is a bare file descriptor; 0, or -ENOMEM after closing it. */
int links__add_fd(struct links *l, int fd);
/* Move every link of from into to (from is left empty); 0 or -ENOMEM (then none moved). */
int links__take(struct links *to, struct links *from);
/*
 * Destroy every link, several at a time. Removing a uprobe waits for an RCU grace period
 * (about 0.25 s here), and one after the other those waits add up to seconds at exit;
 * waited for side by side, they cost about one.
 */
void links__destroy(struct links *l);

#endif
