// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include "proc/elf_file.h"
#include "proc/go_binary.h"
#include "proc/placement.h"

static const char buildinfo_magic[14] = "\xff Go buildinf:";

struct go_file {
	int fd;
	Elf *elf;
	const uint8_t *raw;
	size_t size;
};

static int go_file__open(const char *path, struct go_file *f)
{
	int err;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	f->elf = NULL;
	f->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0)
		return -errno;
	f->elf = elf_begin(f->fd, ELF_C_READ_MMAP, NULL);
	if (!f->elf || elf_kind(f->elf) != ELF_K_ELF) {
		err = -ENOENT;	/* not even ELF: not Go */
		goto fail;
	}
	f->raw = (const uint8_t *)elf_rawfile(f->elf, &f->size);
	if (!f->raw) {
		err = -ENOEXEC;
		goto fail;
	}
	return 0;
fail:
	if (f->elf)
		elf_end(f->elf);
	close(f->fd);
	return err;
}

static void go_file__close(struct go_file *f)
{
	elf_end(f->elf);
	close(f->fd);
}

static Elf_Scn *find_section(Elf *elf, const char *name, GElf_Shdr *sh)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *sname;

		if (!gelf_getshdr(scn, sh))
			continue;
		sname = elf_strptr(elf, shstrndx, sh->sh_name);
		if (sname && !strcmp(sname, name))
			return scn;
	}
	return NULL;
}

/* The file bytes behind [vaddr, vaddr + len), through any PT_LOAD; NULL if not in the file. */
static const uint8_t *vaddr_bytes(const struct go_file *f, uint64_t vaddr, uint64_t len,
				  uint64_t *off)
{
	size_t phnum, i;

	if (elf_getphdrnum(f->elf, &phnum))
		return NULL;
	for (i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		uint64_t o;

		if (!gelf_getphdr(f->elf, i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (vaddr < ph.p_vaddr || vaddr - ph.p_vaddr >= ph.p_filesz ||
		    len > ph.p_filesz - (vaddr - ph.p_vaddr))
			continue;
		o = vaddr - ph.p_vaddr + ph.p_offset;
		if (o > f->size || len > f->size - o)
			return NULL;
		if (off)
			*off = o;
		return f->raw + o;
	}
	return NULL;
}

static uint64_t get_uint(const uint8_t *p, int size, bool big_endian)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < size; i++)
		v |= (uint64_t)p[big_endian ? i : size - 1 - i] << (8 * (size - 1 - i));
	return v;
}

static void set_version(struct go_binary *b, const uint8_t *s, uint64_t len)
{
	if (!len || len >= sizeof(b->version) || memchr(s, '\0', len))
		return;
	memcpy(b->version, s, len);
	b->version[len] = '\0';
}

/* The version from a build info blob of `len` bytes (cmd/link's buildinfo(), debug/buildinfo) */
static void parse_buildinfo(const struct go_file *f, const uint8_t *bi, size_t len,
			    struct go_binary *b)
{
	int ptr_size, flags;
	uint64_t vlen = 0, addr, slen;
	const uint8_t *hdr, *s;
	size_t i;
	int shift = 0;

	if (len < 32 || memcmp(bi, buildinfo_magic, sizeof(buildinfo_magic)))
		return;
	ptr_size = bi[14];
	flags = bi[15];
	if (flags & 2) {
		/* Go 1.18+: the version inline at 32, a uvarint length then the bytes */
		for (i = 32; i < len && shift < 64; i++, shift += 7) {
			vlen |= (uint64_t)(bi[i] & 0x7f) << shift;
			if (!(bi[i] & 0x80))
				break;
		}
		if (i >= len || vlen > len - i - 1)
			return;
		set_version(b, bi + i + 1, vlen);
		return;
	}
	/* older: [16] is the address of a string header {ptr, len} */
	if (ptr_size != 4 && ptr_size != 8)
		return;
	addr = get_uint(bi + 16, ptr_size, flags & 1);
	hdr = vaddr_bytes(f, addr, 2 * ptr_size, NULL);
	if (!hdr)
		return;
	slen = get_uint(hdr + ptr_size, ptr_size, flags & 1);
	s = slen < sizeof(b->version) ?
	    vaddr_bytes(f, get_uint(hdr, ptr_size, flags & 1), slen, NULL) : NULL;
	if (s)
		set_version(b, s, slen);
}

/*
 * Is this Go, and which version: .go.buildinfo, else the blob where the Go reader looks for
 * it, at 16-byte alignment in a writable segment (linkers that drop section names).
 */
static bool find_buildinfo(const struct go_file *f, struct go_binary *b)
{
	size_t phnum, i;
	GElf_Shdr sh;
	uint64_t a;

	if (find_section(f->elf, ".go.buildinfo", &sh) && sh.sh_type != SHT_NOBITS &&
	    sh.sh_offset <= f->size && sh.sh_size <= f->size - sh.sh_offset) {
		parse_buildinfo(f, f->raw + sh.sh_offset, sh.sh_size, b);
		return true;
	}
	if (elf_getphdrnum(f->elf, &phnum))
		return false;
	for (i = 0; i < phnum; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(f->elf, i, &ph) || ph.p_type != PT_LOAD ||
		    !(ph.p_flags & PF_W) || ph.p_offset > f->size ||
		    ph.p_filesz > f->size - ph.p_offset)
			continue;
		for (a = (16 - ph.p_vaddr % 16) % 16; a + 32 <= ph.p_filesz; a += 16) {
			const uint8_t *p = f->raw + ph.p_offset + a;

			if (!memcmp(p, buildinfo_magic, sizeof(buildinfo_magic))) {
				parse_buildinfo(f, p, ph.p_filesz - a, b);
				return true;
			}
		}
	}
	return false;
}

/* The runtime variables, by name (cgo's external link makes Go's symbols LOCAL) */
static const char *const var_names[] = {
	"runtime.allglen", "runtime.allp", "runtime.sched", "runtime.memstats",
	"runtime.gcController",
};

static uint64_t *var_slot(struct go_binary *b, int i)
{
	uint64_t *slots[] = { &b->allglen, &b->allp, &b->sched, &b->memstats,
			      &b->gc_controller };

	return slots[i];
}

#define NVARS ((int)(sizeof(var_names) / sizeof(var_names[0])))

/*
 * The variables by name from the symbol tables (proc/elf_file.c, any binding: cgo's
 * external link makes Go's symbols local), runtime.buildVersion for a version fallback,
 * and the netpoller's fds where this Go has them.
 */
static void find_variables(const char *path, struct go_binary *b, uint64_t *build_version)
{
	struct {
		const char *name;
		uint64_t *slot;
	} more[] = {
		{ "runtime.buildVersion", build_version }, { "runtime.epfd", &b->epfd },
		{ "runtime.netpollBreakRd", &b->break_rd },
		{ "runtime.netpollBreakWr", &b->break_wr },
		{ "runtime.netpollEventFd", &b->event_fd },
	};
	struct elf_file *ef = elf_file__open(path);
	size_t i;

	if (!ef)
		return;
	for (i = 0; i < NVARS; i++)
		elf_file__find_object(ef, var_names[i], var_slot(b, i));
	for (i = 0; i < sizeof(more) / sizeof(more[0]); i++)
		elf_file__find_object(ef, more[i].name, more[i].slot);
	elf_file__free(ef);
}

/* What the DWARF walk looks for: the structures, by name, then their members */
enum go_struct { S_SCHEDT, S_P, S_MSTATS, S_GCC, S_G, S_MCACHE, S_MSPAN, NSTRUCTS };

static const char *const struct_names[NSTRUCTS] = {
	[S_SCHEDT] = "runtime.schedt",
	[S_P] = "runtime.p",
	[S_MSTATS] = "runtime.mstats",
	[S_GCC] = "runtime.gcControllerState",
	[S_G] = "runtime.g",
	[S_MCACHE] = "runtime.mcache",
	[S_MSPAN] = "runtime.mspan",
};

struct member_want {
	enum go_struct s;
	const char *name;
	const char *inner;	/* a member of the member's own (anonymous) struct type */
	size_t field;		/* offsetof the int in struct go_binary */
	bool alloc;		/* for the allocation counts only (alloc_layout_known) */
};

#define GB_FIELD(x) offsetof(struct go_binary, x)

static const struct member_want members[] = {
	{ S_SCHEDT, "ngsys", NULL, GB_FIELD(sched_ngsys), false },
	{ S_SCHEDT, "gFree", "n", GB_FIELD(sched_gfree_n), false },
	{ S_P, "gFree", "n", GB_FIELD(p_gfree_n), false },
	{ S_MSTATS, "numgc", NULL, GB_FIELD(mstats_numgc), false },
	{ S_MSTATS, "pause_ns", NULL, GB_FIELD(mstats_pause_ns), false },
	{ S_MSTATS, "pause_total_ns", NULL, GB_FIELD(mstats_pause_total_ns), false },
	{ S_GCC, "heapMarked", NULL, GB_FIELD(gcc_heap_marked), false },
	{ S_G, "startpc", NULL, GB_FIELD(g_startpc), false },
	{ S_P, "mcache", NULL, GB_FIELD(p_mcache), true },
	{ S_MCACHE, "alloc", NULL, GB_FIELD(mcache_alloc), true },
	{ S_MCACHE, "tinyAllocs", NULL, GB_FIELD(mcache_tiny_allocs), true },
	{ S_MSPAN, "allocCount", NULL, GB_FIELD(mspan_alloc_count), true },
	{ S_MSPAN, "allocCountBeforeCache", NULL, GB_FIELD(mspan_before_cache), true },
	{ S_MSPAN, "elemsize", NULL, GB_FIELD(mspan_elemsize), true },
};

#define NMEMBERS ((int)(sizeof(members) / sizeof(members[0])))

struct dwarf_walk {
	struct go_binary *b;
	bool struct_seen[NSTRUCTS];
	int mstats_heap_marked;		/* the field's place before gcControllerState had it */
	uint64_t var_addr[NVARS];	/* from DW_AT_location, for a file without .symtab */
	char producer[128];
};

static int *member_slot(struct go_binary *b, const struct member_want *m)
{
	return (int *)((char *)b + m->field);
}

static int member_offset(Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	Dwarf_Word off;

	if (!dwarf_attr(die, DW_AT_data_member_location, &attr) ||
	    dwarf_formudata(&attr, &off) || off > 1 << 30)
		return -1;
	return (int)off;
}

/* The offset of member `name` in the struct the member `die` has for its type. */
static int inner_offset(Dwarf_Die *die, const char *name)
{
	Dwarf_Attribute attr;
	Dwarf_Die type, child;
	int depth;

	if (!dwarf_attr(die, DW_AT_type, &attr) || !dwarf_formref_die(&attr, &type))
		return -1;
	/* a named struct arrives through its typedef */
	for (depth = 0; dwarf_tag(&type) == DW_TAG_typedef && depth < 4; depth++) {
		if (!dwarf_attr(&type, DW_AT_type, &attr) || !dwarf_formref_die(&attr, &type))
			return -1;
	}
	if (dwarf_tag(&type) != DW_TAG_structure_type || dwarf_child(&type, &child))
		return -1;
	do {
		const char *n = dwarf_diename(&child);

		if (dwarf_tag(&child) == DW_TAG_member && n && !strcmp(n, name))
			return member_offset(&child);
	} while (dwarf_siblingof(&child, &child) == 0);
	return -1;
}

/* The size in bytes of the member's type; -1 if DWARF does not say */
static int member_type_size(Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	Dwarf_Word size;
	Dwarf_Die type;

	if (!dwarf_attr(die, DW_AT_type, &attr) || !dwarf_formref_die(&attr, &type) ||
	    dwarf_aggregate_size(&type, &size) || size > 1 << 20)
		return -1;
	return (int)size;
}

static void scan_struct(struct dwarf_walk *w, enum go_struct s, Dwarf_Die *die)
{
	Dwarf_Die child;
	int i;

	w->struct_seen[s] = true;
	if (dwarf_child(die, &child))
		return;
	do {
		const char *name = dwarf_diename(&child);
		int off;

		if (dwarf_tag(&child) != DW_TAG_member || !name)
			continue;
		if (s == S_MSTATS && !strcmp(name, "heap_marked")) {
			w->mstats_heap_marked = member_offset(&child);
			continue;
		}
		/* an array of span pointers, one per span class */
		if (s == S_MCACHE && !strcmp(name, "alloc"))
			w->b->mcache_nclasses = member_type_size(&child) / 8;
		for (i = 0; i < NMEMBERS; i++) {
			if (members[i].s != s || strcmp(members[i].name, name))
				continue;
			off = member_offset(&child);
			if (off >= 0 && members[i].inner) {
				int in = inner_offset(&child, members[i].inner);

				off = in >= 0 ? off + in : -1;
			}
			*member_slot(w->b, &members[i]) = off;
		}
	} while (dwarf_siblingof(&child, &child) == 0);
}

/* Go writes a global's location as DW_FORM_block1 {DW_OP_addr, 8 bytes}: libdw won't read it */
static void scan_variable(struct dwarf_walk *w, Dwarf_Die *die, const char *name)
{
	Dwarf_Attribute attr;
	Dwarf_Block block;
	int i;

	for (i = 0; i < NVARS; i++) {
		if (strcmp(name, var_names[i]))
			continue;
		if (!dwarf_attr(die, DW_AT_location, &attr) || dwarf_formblock(&attr, &block) ||
		    block.length != 9 || block.data[0] != DW_OP_addr)
			return;
		w->var_addr[i] = get_uint(block.data + 1, 8, false);
		return;
	}
}

static bool walk_done(const struct dwarf_walk *w, bool need_vars)
{
	int i;

	for (i = 0; i < NSTRUCTS; i++) {
		if (!w->struct_seen[i])
			return false;
	}
	for (i = 0; need_vars && i < NVARS; i++) {
		if (!w->var_addr[i])
			return false;
	}
	return true;
}

/*
 * One walk over the top-level DIEs of every unit: Go puts its types and globals there, so
 * nothing below them needs reading. Stops once everything wanted has been seen.
 */
static void walk_dwarf(Dwarf *dw, struct dwarf_walk *w, bool need_vars)
{
	Dwarf_Off off, next;
	size_t hsize;

	for (off = 0; !walk_done(w, need_vars) &&
	     dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0; off = next) {
		Dwarf_Attribute attr;
		Dwarf_Die cu, die;
		const char *s;
		int i;

		if (!dwarf_offdie(dw, off + hsize, &cu))
			continue;
		/* "Go cmd/compile go1.19.8; regabi", the same in every unit */
		if (!w->producer[0] && dwarf_attr(&cu, DW_AT_producer, &attr) &&
		    (s = dwarf_formstring(&attr)))
			snprintf(w->producer, sizeof(w->producer), "%s", s);
		if (dwarf_child(&cu, &die))
			continue;
		do {
			int tag = dwarf_tag(&die);

			if (tag != DW_TAG_structure_type && tag != DW_TAG_variable)
				continue;
			s = dwarf_diename(&die);
			if (!s || strncmp(s, "runtime.", 8))
				continue;
			if (tag == DW_TAG_variable) {
				if (need_vars)
					scan_variable(w, &die, s);
				continue;
			}
			for (i = 0; i < NSTRUCTS; i++) {
				if (!w->struct_seen[i] && !strcmp(s, struct_names[i]))
					scan_struct(w, i, &die);
			}
		} while (dwarf_siblingof(&die, &die) == 0);
	}
}

/* Go 1.17 moved amd64 to register arguments, 1.18 arm64 and ppc64, 1.19 riscv64 */
static bool version_regabi(const char *version, int machine, bool *known)
{
	const char *v = strstr(version, "go1.");
	long minor;

	*known = false;
	if (!v)
		return false;
	minor = strtol(v + 4, NULL, 10);
	switch (machine) {
	case EM_X86_64:
		*known = true;
		return minor >= 17;
	case EM_AARCH64:
	case EM_PPC64:
		*known = true;
		return minor >= 18;
	case EM_RISCV:
		*known = true;
		return minor >= 19;
	default:
		return false;
	}
}

static void find_layout(const struct go_file *f, struct go_binary *b, int machine)
{
	struct dwarf_walk w = { .b = b, .mstats_heap_marked = -1 };
	bool need_vars = false, known;
	Dwarf *dw;
	int i;

	for (i = 0; i < NVARS; i++)
		need_vars |= !*var_slot(b, i);
	dw = dwarf_begin_elf(f->elf, DWARF_C_READ, NULL);
	if (dw) {
		walk_dwarf(dw, &w, need_vars);
		dwarf_end(dw);
	}
	for (i = 0; i < NVARS; i++) {
		if (!*var_slot(b, i))
			*var_slot(b, i) = w.var_addr[i];
	}
	if (b->gcc_heap_marked < 0 && w.mstats_heap_marked >= 0) {
		b->gcc_heap_marked = w.mstats_heap_marked;
		b->heap_marked_in_mstats = true;
	}
	/* the producer, where the version is not in the build info */
	if (!b->version[0] && !strncmp(w.producer, "Go cmd/compile ", 15)) {
		const char *v = w.producer + 15;

		set_version(b, (const uint8_t *)v, strcspn(v, "; "));
	}
	b->regabi = version_regabi(b->version, machine, &known);
	if (!known)
		b->regabi = strstr(w.producer, "regabi") != NULL;
}

/* runtime.buildVersion is a Go string header in .data: {ptr, len} */
static void version_from_symbol(const struct go_file *f, uint64_t addr, struct go_binary *b)
{
	const uint8_t *hdr = vaddr_bytes(f, addr, 16, NULL), *s;
	uint64_t len;

	if (!hdr)
		return;
	len = get_uint(hdr + 8, 8, false);
	if (len >= sizeof(b->version))
		return;
	s = vaddr_bytes(f, get_uint(hdr, 8, false), len, NULL);
	if (s)
		set_version(b, s, len);
}

/* The page-aligned address the PT_LOAD that maps the file's first byte is linked at. */
static uint64_t base_vaddr(const struct go_file *f)
{
	size_t phnum, i;
	GElf_Phdr ph;

	if (elf_getphdrnum(f->elf, &phnum))
		return 0;
	for (i = 0; i < phnum; i++) {
		if (gelf_getphdr(f->elf, i, &ph) && ph.p_type == PT_LOAD && ph.p_offset == 0)
			return ph.p_vaddr & ~(uint64_t)0xfff;
	}
	return 0;
}

int go_binary__open(const char *path, struct go_binary *out)
{
	uint64_t build_version = 0;
	struct go_file f;
	GElf_Shdr sh;
	GElf_Ehdr eh;
	bool go;
	int err, i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < NMEMBERS; i++)
		*member_slot(out, &members[i]) = -1;
	err = go_file__open(path, &f);
	if (err)
		return err;
	if (!gelf_getehdr(f.elf, &eh)) {
		err = -ENOEXEC;
		goto out;
	}
	go = find_buildinfo(&f, out);
	/* Go before 1.13 had no build info, but always a pclntab and a build ID note */
	go = go || find_section(f.elf, ".gopclntab", &sh) ||
	     find_section(f.elf, ".note.go.buildid", &sh);
	if (!go) {
		err = -ENOENT;
		goto out;
	}
	find_variables(path, out, &build_version);
	if (!out->version[0] && build_version && eh.e_ident[EI_CLASS] == ELFCLASS64 &&
	    eh.e_ident[EI_DATA] == ELFDATA2LSB)
		version_from_symbol(&f, build_version, out);
	find_layout(&f, out, eh.e_machine);
	out->base_vaddr = base_vaddr(&f);

	/* go_runtime reads 8-byte pointers in the host's byte order */
	out->layout_known = eh.e_ident[EI_CLASS] == ELFCLASS64 &&
			    eh.e_ident[EI_DATA] == ELFDATA2LSB;
	for (i = 0; i < NVARS; i++)
		out->layout_known &= *var_slot(out, i) != 0;
	out->alloc_layout_known = out->mcache_nclasses > 0;
	for (i = 0; i < NMEMBERS; i++) {
		if (members[i].alloc)
			out->alloc_layout_known &= *member_slot(out, &members[i]) >= 0;
		else
			out->layout_known &= *member_slot(out, &members[i]) >= 0;
	}
	out->alloc_layout_known &= out->layout_known;
out:
	go_file__close(&f);
	return err;
}

/*
 * The lowest address in [lo, hi) that the line table marks prologue_end. A static Go
 * binary has no .debug_aranges, so the unit is found by its ranges (dwarf_haspc).
 */
static int find_prologue_end(Dwarf *dw, uint64_t lo, uint64_t hi, uint64_t *addr)
{
	Dwarf_Off off, next;
	size_t hsize;

	for (off = 0; dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0; off = next) {
		Dwarf_Lines *lines;
		bool found = false;
		Dwarf_Die cu;
		size_t n, i;

		if (!dwarf_offdie(dw, off + hsize, &cu) || dwarf_haspc(&cu, lo) != 1)
			continue;
		if (dwarf_getsrclines(&cu, &lines, &n))
			return -ENOENT;
		for (i = 0; i < n; i++) {
			Dwarf_Line *l = dwarf_onesrcline(lines, i);
			Dwarf_Addr a;
			bool pe;

			if (!l || dwarf_lineaddr(l, &a) || a < lo || a >= hi ||
			    dwarf_lineprologueend(l, &pe) || !pe)
				continue;
			if (!found || a < *addr)
				*addr = a;
			found = true;
		}
		return found ? 0 : -ENOENT;
	}
	return -ENOENT;
}

int go_binary__probe_offset(const char *path, const char *symbol, unsigned int keep,
			    uint64_t *file_off)
{
	struct probe_site site;
	struct emulation emu;
	struct elf_file *ef;
	struct elf_func fn;
	struct go_file f;
	uint64_t addr, pe;
	uint8_t *code;
	Dwarf *dw;
	int err;

	ef = elf_file__open(path);
	if (!ef)
		return -errno;
	err = elf_file__find_func(ef, symbol, &fn);
	if (err)
		goto out;
	/* after the stack check: its prologue_end, from the line table */
	addr = fn.vaddr;
	if (!go_file__open(path, &f)) {
		dw = dwarf_begin_elf(f.elf, DWARF_C_READ, NULL);
		if (dw && !find_prologue_end(dw, fn.vaddr, fn.vaddr + (fn.size ?: 1), &pe))
			addr = pe;
		if (dw)
			dwarf_end(dw);
		go_file__close(&f);
	}
	/* on to an instruction the kernel emulates: one trap a hit, not two and a step */
	code = fn.size ? malloc(fn.size) : NULL;
	placement__kernel(&emu);
	if (code && !elf_file__read(ef, fn.offset, code, fn.size) &&
	    !placement__decide_go(code, fn.size, fn.vaddr, addr - fn.vaddr, keep, &emu, &site))
		addr = fn.vaddr + site.skip;
	free(code);
	*file_off = fn.offset + (addr - fn.vaddr);
out:
	elf_file__free(ef);
	return err;
}
