/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * The agent's state as Prometheus text exposition (version 0.0.4): the series of
 * doc/design.md (fleet mode), labelled pid and comm, and the agent's own.
 */
#ifndef LEAKBPF_FLEET_METRICS_H
#define LEAKBPF_FLEET_METRICS_H

#include <stdio.h>
#include "fleet/agent.h"

/* Write every family, HELP and TYPE first; 0 or -EIO. */
int metrics__write(const struct agent_state *a, FILE *out);

#endif
