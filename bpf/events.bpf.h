/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * The one ring buffer every object that talks to user space writes (enum event_type
 * first in each event), in the order things happened: bpf/fds's exit hold is read after
 * the stacks of the fds opened before it. User space creates it (user/probe/core.c) and
 * every object that declares it gets that one map.
 */
#ifndef LEAKBPF_EVENTS_BPF_H
#define LEAKBPF_EVENTS_BPF_H

#include "abi/common.h"

/* Mostly struct unwind_event, stacks for user space to unwind: about 5 KiB each. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, EVENTS_RING_SIZE);
} events SEC(".maps");

#endif
