/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * The Prometheus text exposition format, as --serve writes it: a family's HELP and TYPE
 * lines, then its series, label values escaped. Shared by one run's metrics
 * (report/metrics.c) and the agent's (fleet/metrics.c).
 */
#ifndef LEAKBPF_PROM_TEXT_H
#define LEAKBPF_PROM_TEXT_H

#include <stdio.h>
#include <sys/types.h>

void prom__family(FILE *out, const char *name, const char *type, const char *help);
/* A label value, quoted: backslash, double quote and newline escaped. */
void prom__label_value(FILE *out, const char *v);
/* name{pid="PID",comm="COMM"[,extra]} value */
void prom__series(FILE *out, const char *name, pid_t pid, const char *comm, const char *extra,
		  double v);

#endif
