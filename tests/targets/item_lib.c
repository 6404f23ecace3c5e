// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * item_lib LIB N: says "ready", waits for "go", dlopens LIB (not mapped before that, so a
 * probe on it is placed before the module exists in the process), calls its lib_item() N
 * times, says "done", waits for "exit". Exits 2 when LIB or lib_item cannot be loaded.
 */
#include <dlfcn.h>
#include <stdint.h>
#include "ctl.h"

int main(int argc, char **argv)
{
	uint64_t (*item)(uint64_t);
	long n = argc > 2 ? ctl_num(argv[2]) : 0, i;
	void *lib;

	if (argc < 3)
		return 2;
	ctl_say("ready");
	ctl_wait("go");
	lib = dlopen(argv[1], RTLD_NOW);
	if (!lib)
		return 2;
	item = (uint64_t (*)(uint64_t))dlsym(lib, "lib_item");
	if (!item)
		return 2;
	for (i = 0; i < n; i++)
		item(i);
	ctl_say("done");
	ctl_wait("exit");
	return 0;
}
