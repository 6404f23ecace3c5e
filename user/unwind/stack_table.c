// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <errno.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#include "abi/common.h"
#include "unwind/stack_table.h"

struct kept_stack {
	uint64_t id;
	int n;
	uint64_t ips[MAX_STACK_DEPTH];
};

static int cmp_kept(const void *a, const void *b)
{
	const struct kept_stack *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

int stack_table__put(struct stack_table *st, uint64_t id, const uint64_t *ips, int n)
{
	struct kept_stack *ks, **slot;

	ks = calloc(1, sizeof(*ks));
	if (!ks)
		return -ENOMEM;
	ks->id = id;
	ks->n = n < 0 ? 0 : n < MAX_STACK_DEPTH ? n : MAX_STACK_DEPTH;
	memcpy(ks->ips, ips, ks->n * sizeof(ks->ips[0]));
	slot = tfind(ks, &st->root, cmp_kept);
	if (slot) {
		/* a later stack for the same id takes the place of the earlier */
		memcpy(*slot, ks, sizeof(*ks));
		free(ks);
		return 0;
	}
	if (st->n >= st->max) {
		st->lost++;
		free(ks);
		return -ENOSPC;
	}
	if (!tsearch(ks, &st->root, cmp_kept)) {
		free(ks);
		return -ENOMEM;
	}
	st->n++;
	return 0;
}

int stack_table__get(struct stack_table *st, uint64_t id, const uint64_t **ips)
{
	struct kept_stack key = { .id = id }, **found;

	found = tfind(&key, &st->root, cmp_kept);
	if (!found)
		return 0;
	*ips = (*found)->ips;
	return (*found)->n;
}

void stack_table__clear(struct stack_table *st)
{
	tdestroy(st->root, free);
	st->root = NULL;
	st->n = 0;
}
