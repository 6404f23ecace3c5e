/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/* bpf/items: counting --item and --batch calls. Functions return 0 or -errno. */
#ifndef LEAKBPF_PROBE_ITEMS_H
#define LEAKBPF_PROBE_ITEMS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/types.h>
#include "abi/items.h"
#include "probe/tracer.h"

/*
 * One uprobe counting items (batch=false) or batches at a file offset: each call counts
 * one, or adds the register arg_reg names (enum item_arg_reg).
 */
int tracer__attach_counter(struct tracer *t, pid_t pid, const char *path, uint64_t offset,
			   int arg_reg, bool batch);
/*
 * A USDT probe counting items or batches; -ENOENT: the file has no such probe. Silent: the
 * caller knows what the user asked for, and says why it failed.
 */
int tracer__attach_usdt(struct tracer *t, pid_t pid, const char *path, const char *provider,
			const char *name, bool batch);
/* A process's counts; -ENOENT without --item. */
int tracer__item_stats(struct tracer *t, pid_t pid, struct item_stats *out);

#endif
