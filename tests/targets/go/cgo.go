// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Copyright (c) 2026 The leakbpf authors

// cgo: a Go program that calls C (cgo_work: malloc then free, and one malloc kept), so it
// links libc dynamically and its C allocations go through libc's malloc.
package main

/*
#include <stdlib.h>
#include <string.h>

static void *cgo_kept;

__attribute__((noinline)) int cgo_work(int n)
{
	char *p = malloc(n);

	if (!p)
		return -1;
	memset(p, 1, n);
	free(p);
	if (!cgo_kept)
		cgo_kept = malloc(n);
	return 0;
}
*/
import "C"

import "os"

func main() {
	for i := 0; i < 10; i++ {
		if C.cgo_work(64) != 0 {
			os.Exit(1)
		}
	}
	os.Exit(0)
}
