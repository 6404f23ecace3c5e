/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/* BPF_UPROBE/BPF_URETPROBE arrived in libbpf 1.2; Debian 12 ships 1.1. They are the kprobe
 * macros under another name (uprobes get the same struct pt_regs). */
#ifndef UPROBE_COMPAT_H
#define UPROBE_COMPAT_H
#ifndef BPF_UPROBE
#define BPF_UPROBE(name, args...) BPF_KPROBE(name, ##args)
#endif
#ifndef BPF_URETPROBE
#define BPF_URETPROBE(name, args...) BPF_KRETPROBE(name, ##args)
#endif
#endif
