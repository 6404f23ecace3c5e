/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/* --item and --batch: the function or USDT probe a SPEC names in a target's files, probed. */
#ifndef LEAKBPF_ITEMS_H
#define LEAKBPF_ITEMS_H

#include <stdbool.h>

struct probe_spec;
struct target;
struct tracer;

/* Count the calls of spec as items (batch false) or batches; 0 or -errno (said). */
int items__attach(struct tracer *t, const struct target *tg, const struct probe_spec *spec,
		  bool batch);

#endif
