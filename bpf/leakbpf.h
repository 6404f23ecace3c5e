/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * The ABI of every BPF object, for user/ and tests/ while they include one header: the
 * types and limits are in bpf/abi/, a header per object, which is what bpf/ includes.
 */
#ifndef LEAKBPF_H
#define LEAKBPF_H

#include "abi/common.h"
#include "abi/alloc.h"
#include "abi/unwind.h"
#include "abi/fds.h"
#include "abi/tasks.h"
#include "abi/loader.h"
#include "abi/items.h"

#endif /* LEAKBPF_H */
