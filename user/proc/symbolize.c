// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dwarf.h>
#include <elfutils/libdwfl.h>
#include "base/log.h"
#include "proc/procfs.h"
#include "proc/symbolize.h"

/*
 * C++ names, demangled by the C++ runtime's own demangler (libstdc++): linked into a
 * static leakbpf; opened at the first C++ name otherwise, so that tracing a C program
 * does not keep libstdc++ resident.
 */
typedef char *(*demangle_fn)(const char *mangled, char *buf, size_t *len, int *status);
#ifdef LEAKBPF_STATIC
/* a strong reference: a weak one would not pull it out of libstdc++.a */
extern char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);
#else
extern char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status)
	__attribute__((weak));
#endif

static demangle_fn demangler(void)
{
	static demangle_fn fn;
	static bool tried;
	void *h __attribute__((unused));

	if (fn || tried)
		return fn;
	tried = true;
	fn = __cxa_demangle;
#ifndef LEAKBPF_STATIC
	if (!fn) {
		h = dlopen("libstdc++.so.6", RTLD_NOW | RTLD_LOCAL);
		fn = h ? (demangle_fn)dlsym(h, "__cxa_demangle") : NULL;
	}
#endif
	return fn;
}

static char *demangle(const char *name)
{
	demangle_fn fn;
	char *d;
	int status = -1;

	if (name[0] != '_' || name[1] != 'Z')
		return strdup(name);
	fn = demangler();
	d = fn ? fn(name, NULL, NULL, &status) : NULL;
	return status == 0 && d ? d : strdup(name);
}

struct cached_frame {
	struct frame f;		/* first: tsearch compares on f.addr */
	bool return_addr;
};

struct symbolizer {
	pid_t pid;
	Dwfl *dwfl;
	void *cache;		/* tsearch tree of struct cached_frame */
};

/*
 * libdwfl's find_elf callback has no user data; the modules are opened right after they
 * are reported (see open_all), while this names the process they belong to.
 */
static pid_t reporting_pid;

/* Open a module through /proc/PID/root, so files inside a container or chroot are found. */
static int find_elf(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr base,
		    char **file_name, Elf **elfp)
{
	char path[PATH_MAX];
	int fd;

	if (name[0] == '/' && !proc__root_path(reporting_pid, name, path, sizeof(path))) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			*file_name = strdup(path);
			return fd;
		}
	}
	/* the vDSO, and files deleted since they were mapped: libdwfl reads process memory */
	return dwfl_linux_proc_find_elf(mod, userdata, name, base, file_name, elfp);
}

/*
 * Where libdwfl's standard search looks for a .gnu_debuglink file by default: beside the
 * module, in .debug/ beside it, and under /usr/lib/debug.
 */
static bool debuglink_exists(const char *file_name, const char *debuglink)
{
	const char *slash = strrchr(file_name, '/');
	int dirlen = slash ? (int)(slash - file_name) : 0;
	char path[PATH_MAX];

	if (!slash || strchr(debuglink, '/'))
		return false;
	snprintf(path, sizeof(path), "%.*s/%s", dirlen, file_name, debuglink);
	if (!access(path, R_OK) && strcmp(path, file_name))
		return true;
	snprintf(path, sizeof(path), "%.*s/.debug/%s", dirlen, file_name, debuglink);
	if (!access(path, R_OK))
		return true;
	snprintf(path, sizeof(path), "/usr/lib/debug%.*s/%s", dirlen, file_name, debuglink);
	return !access(path, R_OK);
}

/*
 * Separate debug information by build ID (/usr/lib/debug/.build-id, where Debian's debug
 * packages put it), else by .gnu_debuglink with libdwfl's standard search, but only when
 * the file is there: past the files, that search asks debuginfod, and elfutils 0.188 loads
 * its client (libcurl, GnuTLS, libcrypto: 5-7 MiB of leakbpf's resident memory) at the
 * first such search, DEBUGINFOD_URLS set or not; set, a report would wait on downloads.
 */
static int find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname,
			  Dwarf_Addr base, const char *file_name, const char *debuglink_file,
			  GElf_Word debuglink_crc, char **debuginfo_file_name)
{
	int fd;

	fd = dwfl_build_id_find_debuginfo(mod, userdata, modname, base, file_name,
					  debuglink_file, debuglink_crc, debuginfo_file_name);
	if (fd >= 0 || !debuglink_file || !file_name ||
	    !debuglink_exists(file_name, debuglink_file))
		return fd;
	return dwfl_standard_find_debuginfo(mod, userdata, modname, base, file_name,
					    debuglink_file, debuglink_crc, debuginfo_file_name);
}

static const Dwfl_Callbacks callbacks = {
	.find_elf = find_elf,
	.find_debuginfo = find_debuginfo,
};

static int open_module(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr start,
		       void *arg)
{
	Dwarf_Addr bias;

	/* ELF now (symbols), DWARF now (file:line): later the process may be gone */
	if (dwfl_module_getelf(mod, &bias))
		dwfl_module_getdwarf(mod, &bias);
	return DWARF_CB_OK;
}

/* The modules of the last look, and which of them the process maps something else over now. */
struct seen_module {
	char *name;
	Dwarf_Addr low, high;
	bool replaced;
};

struct seen_modules {
	struct seen_module *v;
	size_t n, cap;
	size_t nmaps;		/* file mappings the process has now */
	uint64_t vdso_low, vdso_high;	/* its vDSO, where it has one */
};

static int save_module(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr start,
		       void *arg)
{
	struct seen_modules *l = arg;
	const char *mainfile = NULL;
	struct seen_module *v;
	Dwarf_Addr low, high;

	dwfl_module_info(mod, NULL, &low, &high, NULL, NULL, &mainfile, NULL);
	/* a mapped file that is no ELF object (ld.so.cache, while ld.so reads it) */
	if (!mainfile && name[0] != '[')
		return DWARF_CB_OK;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 32;

		v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return DWARF_CB_ABORT;
		l->v = v;
		l->cap = cap;
	}
	v = &l->v[l->n];
	*v = (struct seen_module){ .name = strdup(name), .low = low, .high = high };
	if (!v->name)
		return DWARF_CB_ABORT;
	l->n++;
	return DWARF_CB_OK;
}

static int mark_replaced(const struct proc_map *m, void *arg)
{
	struct seen_modules *l = arg;
	size_t i;

	if (!strcmp(m->name, "[vdso]")) {
		l->vdso_low = m->start;
		l->vdso_high = m->end;
	}
	if (!m->path)
		return 0;
	l->nmaps++;
	for (i = 0; i < l->n; i++) {
		if (m->start < l->v[i].high && l->v[i].low < m->end)
			l->v[i].replaced = true;
	}
	return 0;
}

static void free_seen(struct seen_modules *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
}

/*
 * Report the modules the process maps now, and keep those of earlier looks whose addresses
 * nothing else took: a library unloaded since still names the stacks of the blocks it
 * allocated. A module that a file mapping now overlaps is dropped. The loader maps a
 * library in steps, first one mapping of its whole extent: a look in between reports a
 * module too big that, kept beside the real one, held a second copy of its debug
 * information (measured: 14 MiB more for redis-server's libc, one run in ten).
 *
 * The maps are read once, for both: read again, they could be empty, the process having
 * exited in between, and every module would be dropped as replaced.
 */
static int report(struct symbolizer *s)
{
	struct seen_modules seen = {};
	char *maps = NULL, vdso[32];
	size_t i;
	FILE *f;
	int err;

	if (dwfl_getmodules(s->dwfl, save_module, &seen, 0) != 0) {
		err = -ENOMEM;
		goto out;
	}
	/* first, as it can fail: after dwfl_report_begin() there is no going back */
	err = proc__maps_text(s->pid, &maps);
	if (!err)
		err = proc__for_each_map_in(maps, mark_replaced, &seen);
	if (!err && !seen.nmaps)
		err = -ESRCH;	/* a zombie maps nothing */
	if (!err) {
		f = fmemopen(maps, strlen(maps), "r");
		err = f ? 0 : -errno;
	}
	if (err)
		goto out;
	dwfl_report_begin(s->dwfl);
	err = dwfl_linux_proc_maps_report(s->dwfl, f);
	fclose(f);
	/* named as libdwfl's own look names it: its find_elf reads "[vdso: PID]" from memory */
	if (!err && seen.vdso_high) {
		snprintf(vdso, sizeof(vdso), "[vdso: %d]", (int)s->pid);
		dwfl_report_module(s->dwfl, vdso, seen.vdso_low, seen.vdso_high);
	}
	/* the same name and range: libdwfl keeps the module as it was, files open */
	for (i = 0; i < seen.n; i++) {
		if (err || !seen.v[i].replaced)
			dwfl_report_module(s->dwfl, seen.v[i].name, seen.v[i].low, seen.v[i].high);
	}
	dwfl_report_end(s->dwfl, NULL, NULL);
	if (err) {
		err = err > 0 ? -err : -EIO;
		goto out;
	}
	reporting_pid = s->pid;
	dwfl_getmodules(s->dwfl, open_module, NULL, 0);
out:
	free(maps);
	free_seen(&seen);
	return err;
}

struct symbolizer *symbolizer__new(pid_t pid)
{
	struct symbolizer *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return NULL;
	s->pid = pid;
	s->dwfl = dwfl_begin(&callbacks);
	if (!s->dwfl) {
		free(s);
		errno = ENOMEM;
		return NULL;
	}
	err = report(s);
	if (err) {
		symbolizer__free(s);
		errno = -err;
		return NULL;
	}
	return s;
}

static void free_cached(void *p)
{
	struct cached_frame *c = p;

	free((char *)c->f.symbol);
	free(c);
}

void symbolizer__free(struct symbolizer *s)
{
	if (!s)
		return;
	tdestroy(s->cache, free_cached);
	if (s->dwfl)
		dwfl_end(s->dwfl);
	free(s);
}

int symbolizer__refresh(struct symbolizer *s)
{
	return report(s);
}

static int cmp_frame(const void *a, const void *b)
{
	const struct cached_frame *x = a, *y = b;

	if (x->f.addr != y->f.addr)
		return x->f.addr < y->f.addr ? -1 : 1;
	return (int)x->return_addr - (int)y->return_addr;
}

static void lookup(struct symbolizer *s, struct cached_frame *c)
{
	uint64_t pc = c->return_addr && c->f.addr ? c->f.addr - 1 : c->f.addr;
	Dwfl_Module *mod = dwfl_addrmodule(s->dwfl, pc);
	const char *name, *src;
	GElf_Off off;
	GElf_Sym sym;
	Dwfl_Line *line;
	int lineno;

	if (!mod)
		return;
	/* module names are owned by libdwfl and live as long as the Dwfl */
	c->f.module = dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
	name = dwfl_module_addrinfo(mod, pc, &off, &sym, NULL, NULL, NULL);
	if (name) {
		c->f.symbol = demangle(name);
		c->f.offset = off + (pc != c->f.addr);
	}
	line = dwfl_module_getsrc(mod, pc);
	if (line) {
		src = dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL);
		if (src) {
			c->f.file = src;
			c->f.line = lineno;
		}
	}
}

void symbolizer__resolve(struct symbolizer *s, uint64_t addr, bool return_addr,
			 struct frame *out)
{
	struct cached_frame key = { .f.addr = addr, .return_addr = return_addr };
	struct cached_frame *c, **found;

	found = tfind(&key, &s->cache, cmp_frame);
	if (found) {
		*out = (*found)->f;
		return;
	}
	memset(out, 0, sizeof(*out));
	out->addr = addr;
	c = calloc(1, sizeof(*c));
	if (!c)
		return;
	c->f.addr = addr;
	c->return_addr = return_addr;
	lookup(s, c);
	/* the names must live as long as the symbolizer: without a cache slot, go without */
	if (!tsearch(c, &s->cache, cmp_frame)) {
		free_cached(c);
		return;
	}
	*out = c->f;
}

/* DWARF register numbers of the x86-64 psABI */
#define DWARF_REG_BP 6
#define DWARF_REG_SP 7

/* A register's rule as an offset from the CFA: 0 and *off set, or -ENOTSUP. */
static int cfa_relative(const Dwarf_Op *ops, size_t nops, int64_t *off)
{
	if (nops < 1 || nops > 2 || ops[0].atom != DW_OP_call_frame_cfa)
		return -ENOTSUP;
	if (nops == 1) {
		*off = 0;
		return 0;
	}
	if (ops[1].atom != DW_OP_plus_uconst)
		return -ENOTSUP;
	*off = (int64_t)ops[1].number;	/* a negative offset arrives wrapped around */
	return 0;
}

static int row_from_frame(Dwarf_Frame *frame, struct cfi_row *out)
{
	Dwarf_Op mem[3], *ops;
	size_t nops;
	int ra_reg, reg;

	memset(out, 0, sizeof(*out));
	if (dwarf_frame_cfa(frame, &ops, &nops) || nops != 1)
		return -ENOTSUP;
	if (ops[0].atom == DW_OP_bregx) {
		reg = ops[0].number;
		out->cfa_off = (int64_t)ops[0].number2;
	} else if (ops[0].atom >= DW_OP_breg0 && ops[0].atom <= DW_OP_breg31) {
		reg = ops[0].atom - DW_OP_breg0;
		out->cfa_off = (int64_t)ops[0].number;
	} else {
		return -ENOTSUP;
	}
	if (reg != DWARF_REG_SP && reg != DWARF_REG_BP)
		return -ENOTSUP;
	out->cfa_reg = reg == DWARF_REG_SP ? CFI_SP : CFI_BP;

	ra_reg = dwarf_frame_info(frame, NULL, NULL, NULL);
	if (ra_reg < 0 || dwarf_frame_register(frame, ra_reg, mem, &ops, &nops))
		return -ENOTSUP;
	if (!nops) {
		/* undefined (ops == mem) marks the outermost frame; "same value" means nothing */
		if (ops != mem)
			return -ENOTSUP;
		out->outermost = true;
		return 0;
	}
	if (cfa_relative(ops, nops, &out->ra_off))
		return -ENOTSUP;

	if (dwarf_frame_register(frame, DWARF_REG_BP, mem, &ops, &nops))
		return -ENOTSUP;
	if (!nops) {
		out->bp_rule = ops ? CFI_BP_LOST : CFI_BP_SAME;
		return 0;
	}
	if (cfa_relative(ops, nops, &out->bp_off))
		return -ENOTSUP;
	out->bp_rule = CFI_BP_AT;
	return 0;
}

int symbolizer__cfi(struct symbolizer *s, uint64_t addr, bool return_addr, struct cfi_row *out)
{
	uint64_t pc = return_addr && addr ? addr - 1 : addr;
	Dwfl_Module *mod = dwfl_addrmodule(s->dwfl, pc);
	Dwarf_Frame *frame = NULL;
	Dwarf_CFI *cfi;
	Dwarf_Addr bias;
	int err;

	if (!mod)
		return -ENOENT;
	/* .eh_frame is what the C library ships; .debug_frame comes with separate debug info */
	cfi = dwfl_module_eh_cfi(mod, &bias);
	if (!cfi || dwarf_cfi_addrframe(cfi, pc - bias, &frame)) {
		frame = NULL;
		cfi = dwfl_module_dwarf_cfi(mod, &bias);
		if (!cfi || dwarf_cfi_addrframe(cfi, pc - bias, &frame))
			return -ENOENT;
	}
	err = row_from_frame(frame, out);
	free(frame);
	return err;
}

int symbolizer__code(struct symbolizer *s, uint64_t addr, void *buf, size_t len)
{
	Dwfl_Module *mod = dwfl_addrmodule(s->dwfl, addr);
	Elf_Scn *scn = NULL;
	Dwarf_Addr bias;
	Elf_Data *data;
	GElf_Shdr sh;
	uint64_t a;
	Elf *elf;

	if (!mod)
		return -ENOENT;
	elf = dwfl_module_getelf(mod, &bias);
	if (!elf)
		return -ENOENT;
	a = addr - bias;
	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS ||
		    !(sh.sh_flags & SHF_EXECINSTR) || a < sh.sh_addr ||
		    a + len > sh.sh_addr + sh.sh_size)
			continue;
		data = elf_getdata(scn, NULL);
		if (!data || !data->d_buf || a - sh.sh_addr + len > data->d_size)
			return -ENOENT;
		memcpy(buf, (const char *)data->d_buf + (a - sh.sh_addr), len);
		return 0;
	}
	return -ENOENT;
}
