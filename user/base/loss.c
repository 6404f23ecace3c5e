// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include "base/loss.h"

void losses__add(struct losses *l, const char *name, uint64_t n)
{
	if (l->n == MAX_LOSSES) {
		l->v[MAX_LOSSES - 1].name = "other losses";
		l->v[MAX_LOSSES - 1].n += n;
		return;
	}
	l->v[l->n++] = (struct loss){ .name = name, .n = n };
}

uint64_t losses__total(const struct losses *l)
{
	uint64_t sum = 0;
	int i;

	for (i = 0; i < l->n; i++)
		sum += l->v[i].n;
	return sum;
}
