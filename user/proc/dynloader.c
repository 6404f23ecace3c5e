// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <link.h>
#include "proc/dynloader.h"
#include "proc/elf_file.h"

int dynloader__find(const char *path, struct dynloader *out)
{
	struct elf_file *ef = elf_file__open(path);
	struct elf_func hook;
	uint64_t r_debug;
	int err;

	if (!ef)
		return -errno;
	err = elf_file__find_export(ef, "_dl_debug_state", &hook);
	if (!err)
		err = elf_file__find_object(ef, "_r_debug", &r_debug);
	elf_file__free(ef);
	if (err)
		return err;
	snprintf(out->path, sizeof(out->path), "%s", path);
	out->hook_offset = hook.offset;
	/* both live in the same image, so their distance survives relocation */
	out->r_state_off = (int64_t)(r_debug - hook.vaddr) + offsetof(struct r_debug, r_state);
	return 0;
}
