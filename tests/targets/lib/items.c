// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * libitems.so: a module whose function is the processed item, for --item PATH:SYMBOL on a
 * library the target loads itself (targets/item_lib.c dlopens it after "ready").
 */
#include <stdint.h>

static volatile uint64_t processed;

__attribute__((noinline)) uint64_t lib_item(uint64_t x)
{
	processed += x;
	return processed;
}
