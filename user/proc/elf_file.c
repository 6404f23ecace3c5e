// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "proc/elf_file.h"

struct elf_file {
	int fd;
	Elf *elf;
	char *interp;
	GElf_Half type;
};

struct elf_file *elf_file__open(const char *path)
{
	struct elf_file *ef;
	size_t phnum, i;
	int err;

	if (elf_version(EV_CURRENT) == EV_NONE) {
		errno = EINVAL;
		return NULL;
	}
	ef = calloc(1, sizeof(*ef));
	if (!ef)
		return NULL;
	ef->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (ef->fd < 0)
		goto fail;
	ef->elf = elf_begin(ef->fd, ELF_C_READ_MMAP, NULL);
	if (!ef->elf || elf_kind(ef->elf) != ELF_K_ELF || elf_getphdrnum(ef->elf, &phnum)) {
		errno = ENOEXEC;
		goto fail;
	}
	{
		GElf_Ehdr eh;

		if (!gelf_getehdr(ef->elf, &eh)) {
			errno = ENOEXEC;
			goto fail;
		}
		ef->type = eh.e_type;
	}
	for (i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		size_t len;
		char *data;

		if (!gelf_getphdr(ef->elf, i, &ph) || ph.p_type != PT_INTERP)
			continue;
		data = elf_rawfile(ef->elf, &len);
		if (!data || ph.p_offset >= len || ph.p_filesz > len - ph.p_offset ||
		    !ph.p_filesz) {
			errno = ENOEXEC;
			goto fail;
		}
		ef->interp = strndup(data + ph.p_offset, ph.p_filesz);
		if (!ef->interp)
			goto fail;
	}
	return ef;
fail:
	err = errno;
	elf_file__free(ef);
	errno = err;
	return NULL;
}

void elf_file__free(struct elf_file *ef)
{
	if (!ef)
		return;
	if (ef->elf)
		elf_end(ef->elf);
	if (ef->fd >= 0)
		close(ef->fd);
	free(ef->interp);
	free(ef);
}

const char *elf_file__interp(const struct elf_file *ef)
{
	return ef->interp;
}

bool elf_file__is_program(const struct elf_file *ef)
{
	return ef->type == ET_EXEC || (ef->type == ET_DYN && ef->interp);
}

/* vaddr -> file offset through the PT_LOAD segment that maps it */
static int vaddr_to_offset(Elf *elf, uint64_t vaddr, uint64_t *off)
{
	size_t phnum, i;

	if (elf_getphdrnum(elf, &phnum))
		return -ENOEXEC;
	for (i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_LOAD || !(ph.p_flags & PF_X))
			continue;
		if (vaddr >= ph.p_vaddr && vaddr < ph.p_vaddr + ph.p_memsz) {
			*off = vaddr - ph.p_vaddr + ph.p_offset;
			return 0;
		}
	}
	return -ENOENT;
}

static int find_in_section(Elf *elf, Elf_Scn *scn, const char *name, bool funcs,
			   struct elf_func *out)
{
	GElf_Shdr sh;
	Elf_Data *data;
	size_t i, n;

	if (!gelf_getshdr(scn, &sh) || !sh.sh_entsize)
		return -ENOENT;
	data = elf_getdata(scn, NULL);
	if (!data)
		return -ENOENT;
	n = sh.sh_size / sh.sh_entsize;
	for (i = 0; i < n; i++) {
		GElf_Sym sym;
		const char *sname;
		int type;

		if (!gelf_getsym(data, i, &sym) || sym.st_shndx == SHN_UNDEF || !sym.st_value)
			continue;
		type = GELF_ST_TYPE(sym.st_info);
		if (funcs ? type != STT_FUNC && type != STT_GNU_IFUNC : type != STT_OBJECT)
			continue;
		sname = elf_strptr(elf, sh.sh_link, sym.st_name);
		if (!sname || strcmp(sname, name))
			continue;
		out->vaddr = sym.st_value;
		out->size = sym.st_size;
		out->ifunc = type == STT_GNU_IFUNC;
		out->offset = 0;
		return funcs ? vaddr_to_offset(elf, sym.st_value, &out->offset) : 0;
	}
	return -ENOENT;
}

static int find_in_sections(struct elf_file *ef, GElf_Word type, const char *name,
			    bool funcs, struct elf_func *out)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(ef->elf, scn))) {
		GElf_Shdr sh;

		if (gelf_getshdr(scn, &sh) && sh.sh_type == type &&
		    !find_in_section(ef->elf, scn, name, funcs, out))
			return 0;
	}
	return -ENOENT;
}

int elf_file__find_func(struct elf_file *ef, const char *name, struct elf_func *out)
{
	/* .symtab first: it also has the static functions --item may name */
	if (!find_in_sections(ef, SHT_SYMTAB, name, true, out))
		return 0;
	return find_in_sections(ef, SHT_DYNSYM, name, true, out);
}

int elf_file__find_export(struct elf_file *ef, const char *name, struct elf_func *out)
{
	return find_in_sections(ef, SHT_DYNSYM, name, true, out);
}

int elf_file__find_object(struct elf_file *ef, const char *name, uint64_t *vaddr)
{
	struct elf_func sym;
	int err = find_in_sections(ef, SHT_DYNSYM, name, false, &sym);

	if (err)
		err = find_in_sections(ef, SHT_SYMTAB, name, false, &sym);
	if (!err)
		*vaddr = sym.vaddr;
	return err;
}

int elf_file__read(const struct elf_file *ef, uint64_t offset, void *buf, size_t len)
{
	size_t size;
	char *data = elf_rawfile(ef->elf, &size);

	if (!data || offset > size || len > size - offset)
		return -ERANGE;
	memcpy(buf, data + offset, len);
	return 0;
}
