/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/* Looking up functions in an ELF file (libelf), for placing uprobes. */
#ifndef LEAKBPF_ELF_FILE_H
#define LEAKBPF_ELF_FILE_H

#include <stdbool.h>
#include <stdint.h>

struct elf_file;

struct elf_func {
	uint64_t vaddr;		/* st_value */
	uint64_t offset;	/* file offset of the first instruction: what a uprobe takes */
	uint64_t size;
	bool ifunc;		/* STT_GNU_IFUNC: the address is a resolver, not the function */
};

/* NULL with errno set on failure */
struct elf_file *elf_file__open(const char *path);
void elf_file__free(struct elf_file *ef);
/* A function defined in this file, from .symtab or .dynsym; 0 or -ENOENT. */
int elf_file__find_func(struct elf_file *ef, const char *name, struct elf_func *out);
/* Like elf_file__find_func, but only functions the file exports (.dynsym). */
int elf_file__find_export(struct elf_file *ef, const char *name, struct elf_func *out);
/* A data object's st_value; 0 or -ENOENT. */
int elf_file__find_object(struct elf_file *ef, const char *name, uint64_t *vaddr);
/* The PT_INTERP path, or NULL for a static executable. */
const char *elf_file__interp(const struct elf_file *ef);
/* e_type == ET_EXEC or ET_DYN with PT_INTERP: a program rather than a library */
bool elf_file__is_program(const struct elf_file *ef);
/* The bytes at a file offset (for decoding a prologue); 0 or -errno. */
int elf_file__read(const struct elf_file *ef, uint64_t offset, void *buf, size_t len);

#endif
