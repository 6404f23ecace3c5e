/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/* Build a report from what the tracer's maps hold now. */
#ifndef LEAKBPF_COLLECT_H
#define LEAKBPF_COLLECT_H

#include <stdbool.h>
#include <stdint.h>
#include "app/cli.h"
#include "report/report.h"
#include "track/target.h"

struct tracer;

struct collect_ctx {
	struct tracer *tracer;
	const struct env *env;
	struct target *targets;
	int ntargets;
	uint64_t attach_ns;	/* CLOCK_MONOTONIC when every probe was live */
};

/* 0 or -errno; r must be freed with report__free */
int collect__report(const struct collect_ctx *c, bool final, struct report *r);

#endif
