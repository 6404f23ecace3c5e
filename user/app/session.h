/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/* One run of leakbpf: find the target, attach, wait, report, detach. */
#ifndef LEAKBPF_SESSION_H
#define LEAKBPF_SESSION_H

#include "app/cli.h"

/* Returns the process exit status (doc/design.md section 1). */
int session__run(const struct env *env);

#endif
