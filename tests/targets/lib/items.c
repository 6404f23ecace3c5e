// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * libitems.so: a module whose function is the processed item, for --item PATH:SYMBOL on a
 * library the target loads itself (targets/item_lib.c dlopens it after "ready"); and one
 * that leaks, for the stacks of a library unloaded before the report.
 */
#include <stdint.h>
#include <stdlib.h>

static volatile uint64_t processed;

__attribute__((noinline)) uint64_t lib_item(uint64_t x)
{
	processed += x;
	return processed;
}

/* n blocks of 40 bytes, kept nowhere: leaked from this module */
__attribute__((noinline)) void lib_leak(long n)
{
	volatile void *p;
	long i;

	for (i = 0; i < n; i++)
		p = malloc(40);
	(void)p;
}
