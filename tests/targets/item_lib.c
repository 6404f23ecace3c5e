// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * item_lib LIB N [LEAK]: says "ready", waits for "go", dlopens LIB (not mapped before that,
 * so a probe on it is placed before the module exists in the process), calls its
 * lib_item() N times.
 * With LEAK, then leaks LEAK blocks from LIB's lib_leak(), says "loaded", waits for
 * "close" and dlcloses LIB: the blocks outlive the code that allocated them. Exits 3 if
 * LIB is still mapped after that.
 * Then says "done", waits for "exit". Exits 2 when LIB or a function cannot be loaded.
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include "ctl.h"

/* Does the process map a file whose path ends in name? (stdio: the blocks are counted) */
static int maps_file(const char *name)
{
	size_t len = strlen(name);
	char line[512];
	int found = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return -1;
	while (!found && fgets(line, sizeof(line), f)) {
		char *nl = strchr(line, '\n');

		if (nl)
			*nl = '\0';
		found = strlen(line) >= len && !strcmp(line + strlen(line) - len, name);
	}
	fclose(f);
	return found;
}

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
	if (argc > 3) {
		void (*leak)(long) = (void (*)(long))dlsym(lib, "lib_leak");
		const char *base = strrchr(argv[1], '/');

		if (!leak)
			return 2;
		leak(ctl_num(argv[3]));
		ctl_say("loaded");
		ctl_wait("close");
		if (dlclose(lib) || maps_file(base ? base : argv[1]))
			return 3;
	}
	ctl_say("done");
	ctl_wait("exit");
	return 0;
}
