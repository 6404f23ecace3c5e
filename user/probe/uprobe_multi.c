// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/bpf.h>
#include "probe/uprobe_multi.h"

/* The BPF_LINK_CREATE layout of union bpf_attr for uprobe_multi (include/uapi/linux/bpf.h). */
struct link_create_uprobe_multi {
	__u32 prog_fd;
	__u32 target_fd;
	__u32 attach_type;
	__u32 flags;
	__u64 path;
	__u64 offsets;
	__u64 ref_ctr_offsets;
	__u64 cookies;
	__u32 cnt;
	__u32 multi_flags;
	__u32 pid;
	__u32 pad;
};

int uprobe_multi__prepare_session(struct bpf_program *prog)
{
	enum bpf_attach_type type = (enum bpf_attach_type)LEAKBPF_TRACE_UPROBE_SESSION;

	return bpf_program__set_expected_attach_type(prog, type);
}

int uprobe_multi__prepare(struct bpf_program *prog)
{
	enum bpf_attach_type type = (enum bpf_attach_type)LEAKBPF_TRACE_UPROBE_MULTI;

	return bpf_program__set_expected_attach_type(prog, type);
}

static int link_create(const struct bpf_program *prog, __u32 type, __u32 flags, pid_t pid,
		       const char *path, const uint64_t *offsets, const uint64_t *cookies,
		       size_t cnt)
{
	struct link_create_uprobe_multi attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_fd = bpf_program__fd(prog);
	attr.attach_type = type;
	attr.multi_flags = flags;
	attr.path = (uintptr_t)path;
	attr.offsets = (uintptr_t)offsets;
	attr.cookies = (uintptr_t)cookies;
	attr.cnt = cnt;
	attr.pid = pid > 0 ? pid : 0;
	fd = syscall(__NR_bpf, BPF_LINK_CREATE, &attr, sizeof(attr));
	return fd < 0 ? -errno : fd;
}

int uprobe_multi__attach(const struct bpf_program *prog, pid_t pid, const char *path,
			 const uint64_t *offsets, const uint64_t *cookies, size_t cnt, bool ret)
{
	return link_create(prog, LEAKBPF_TRACE_UPROBE_MULTI, ret ? LEAKBPF_UPROBE_MULTI_RETURN : 0,
			   pid, path, offsets, cookies, cnt);
}

int uprobe_multi__attach_session(const struct bpf_program *prog, pid_t pid, const char *path,
				 const uint64_t *offsets, const uint64_t *cookies, size_t cnt)
{
	return link_create(prog, LEAKBPF_TRACE_UPROBE_SESSION, 0, pid, path, offsets, cookies,
			   cnt);
}
