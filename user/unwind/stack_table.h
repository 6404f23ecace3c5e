/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * Stacks unwound in user space (user/track/unwinder.c), kept by a 64-bit id until the report: the
 * seq of a bpf/fds event, the key of a provisional bpf/alloc stack. Bounded: a stack that
 * does not fit is counted, for the report's lost_events.
 */
#ifndef LEAKBPF_STACK_TABLE_H
#define LEAKBPF_STACK_TABLE_H

#include <stddef.h>
#include <stdint.h>

struct stack_table {
	void *root;		/* tsearch tree */
	size_t n;
	size_t max;		/* set by the owner: stacks kept at most */
	uint64_t lost;		/* stacks not kept: there were max already */
};

/* Keep the n frames in ips for id, in place of any kept for it; 0, -ENOSPC or -ENOMEM. */
int stack_table__put(struct stack_table *st, uint64_t id, const uint64_t *ips, int n);
/* The frames kept for id (*ips: the table's own); their number, 0 when none are. */
int stack_table__get(struct stack_table *st, uint64_t id, const uint64_t **ips);
void stack_table__clear(struct stack_table *st);

#endif
