/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * uprobe_multi links (kernel 6.6) and uprobe sessions (kernel 6.13), created with the bpf()
 * system call directly: Debian 12's libbpf 1.1 predates both.
 */
#ifndef LEAKBPF_UPROBE_MULTI_H
#define LEAKBPF_UPROBE_MULTI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <bpf/libbpf.h>

/* enum bpf_attach_type values from the kernel's uapi (not in Debian 12's headers) */
#define LEAKBPF_TRACE_UPROBE_MULTI 48
#define LEAKBPF_TRACE_UPROBE_SESSION 57

/* BPF_F_UPROBE_MULTI_RETURN: a uprobe_multi link of return probes */
#define LEAKBPF_UPROBE_MULTI_RETURN 1

/* Load prog as a uprobe_multi program: call before the object is loaded. */
int uprobe_multi__prepare(struct bpf_program *prog);
/*
 * Attach a loaded uprobe_multi program at cnt file offsets of path, for one process, each
 * with its cookie; ret: at their returns. One link for all: one grace period to remove
 * them, where a link each waits one each. A link fd, or -errno.
 */
int uprobe_multi__attach(const struct bpf_program *prog, pid_t pid, const char *path,
			 const uint64_t *offsets, const uint64_t *cookies, size_t cnt, bool ret);
/*
 * Load prog as a session program: call before the object is loaded. A session program
 * runs at entry and, when the entry returned 0, at the return of the same call.
 */
int uprobe_multi__prepare_session(struct bpf_program *prog);
/*
 * Attach a loaded session program at cnt file offsets of path, for one process (pid > 0)
 * or all; each site gets its cookie (bpf_get_attach_cookie()). A link fd, or -errno.
 */
int uprobe_multi__attach_session(const struct bpf_program *prog, pid_t pid, const char *path,
				 const uint64_t *offsets, const uint64_t *cookies, size_t cnt);

#endif
