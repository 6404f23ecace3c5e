/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * What the running kernel offers leakbpf, found by asking it (its BTF, test loads), never
 * by its version number: distributions backport features and leave others out.
 */
#ifndef LEAKBPF_FEATURES_H
#define LEAKBPF_FEATURES_H

#include <stdbool.h>

enum feature {
	FEAT_RINGBUF,		/* BPF ring buffers (5.8): every event; required */
	FEAT_ATTACH_COOKIE,	/* bpf_get_attach_cookie() in uprobes (5.15): required */
	FEAT_UPROBE_MULTI,	/* uprobe_multi links (6.6) */
	FEAT_UPROBE_SESSION,	/* uprobe sessions (6.13): entry and return in one program */
	FEAT_URETPROBE_SYSCALL,	/* a probed return takes a syscall, not a trap (6.11, x86-64) */
	FEAT_KPROBES,		/* kprobes (not used by leakbpf yet) */
	FEAT_FENTRY,		/* fentry programs on kernel functions (not used by leakbpf yet) */
	FEAT_BPF_LSM,		/* the BPF LSM, built in and enabled (not used by leakbpf yet) */
	FEAT_NR,
};

enum feature_state { FEATURE_NO, FEATURE_YES, FEATURE_UNKNOWN };

struct kernel_features {
	enum feature_state has[FEAT_NR];
};

/* Ask the kernel; each probe that cannot tell leaves FEATURE_UNKNOWN. */
void features__detect(struct kernel_features *f);
/* Is it there (FEATURE_YES)? */
bool features__has(const struct kernel_features *f, enum feature feat);
/*
 * -v: one line per feature, what was found and what leakbpf does with it; and, whatever
 * -v says, one line for each required feature missing. 0, or -ENOTSUP when leakbpf cannot
 * run on this kernel.
 */
int features__check(const struct kernel_features *f);
/* Can this process load BPF programs (root, or CAP_BPF and CAP_PERFMON)? */
bool features__privileged(void);

#endif
