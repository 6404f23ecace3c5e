/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/* Number parsing and clocks shared by the CLI and the report. */
#ifndef LEAKBPF_UTIL_H
#define LEAKBPF_UTIL_H

#include <stdint.h>

/* Whole string must be a number in [min, max]; 0 or -EINVAL/-ERANGE. */
int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* A finite, non-negative decimal number; 0 or -EINVAL. */
int parse_nonneg_double(const char *s, double *out);

/* CLOCK_MONOTONIC in ns, the clock bpf_ktime_get_ns() reads. */
uint64_t now_ns(void);

#endif
