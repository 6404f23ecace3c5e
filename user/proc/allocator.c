// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "proc/allocator.h"
#include "proc/elf_file.h"
#include "base/log.h"
#include "proc/procfs.h"

const char *const alloc_func_names[AF_NR] = {
	[AF_MALLOC] = "malloc",
	[AF_CALLOC] = "calloc",
	[AF_REALLOC] = "realloc",
	[AF_REALLOCARRAY] = "reallocarray",
	[AF_POSIX_MEMALIGN] = "posix_memalign",
	[AF_ALIGNED_ALLOC] = "aligned_alloc",
	[AF_MEMALIGN] = "memalign",
	[AF_VALLOC] = "valloc",
	[AF_PVALLOC] = "pvalloc",
	[AF_FREE] = "free",
};

/* Fill out->found/offset from the file at out->path; -ENOENT unless malloc and free exist. */
static int read_functions(struct allocator *out, bool exported_only)
{
	struct elf_file *ef = elf_file__open(out->path);
	struct elf_func fn;
	int i, err;

	if (!ef)
		return -errno;
	for (i = 0; i < AF_NR; i++) {
		err = exported_only ? elf_file__find_export(ef, alloc_func_names[i], &fn)
				    : elf_file__find_func(ef, alloc_func_names[i], &fn);
		out->found[i] = !err && !fn.ifunc;
		out->offset[i] = out->found[i] ? fn.offset : 0;
		out->vaddr[i] = out->found[i] ? fn.vaddr : 0;
		out->size[i] = out->found[i] ? fn.size : 0;
	}
	elf_file__free(ef);
	return out->found[AF_MALLOC] && out->found[AF_FREE] ? 0 : -ENOENT;
}

static bool is_libc_name(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	return !strncmp(base, "libc.so", 7) || !strncmp(base, "libc-", 5);
}

struct pid_scan {
	pid_t pid;
	char exe[PATH_MAX];
	char last[PATH_MAX];	/* mappings of one file come together: look at each once */
	struct allocator exe_alloc, lib_alloc, libc_alloc;
	bool have_exe, have_lib, have_libc;
};

static int scan_map(const struct proc_map *m, void *arg)
{
	struct pid_scan *s = arg;
	struct allocator a = {};
	bool is_exe;

	if (!m->path || m->perms[2] != 'x' || !strcmp(m->path, s->last))
		return 0;
	snprintf(s->last, sizeof(s->last), "%s", m->path);
	is_exe = !strcmp(m->path, s->exe);
	if ((is_exe && s->have_exe) || (!is_exe && is_libc_name(m->path) && s->have_libc) ||
	    (!is_exe && !is_libc_name(m->path) && s->have_lib))
		return 0;
	snprintf(a.name, sizeof(a.name), "%s", m->path);
	if (proc__map_path(s->pid, m, a.path, sizeof(a.path)))
		return 0;
	/* an executable's own malloc only takes over if it is static or exports it */
	if (read_functions(&a, !is_exe) && !(is_exe && !read_functions(&a, true)))
		return 0;
	if (is_exe) {
		s->exe_alloc = a;
		s->have_exe = true;
	} else if (is_libc_name(m->path)) {
		s->libc_alloc = a;
		s->have_libc = true;
	} else {
		s->lib_alloc = a;
		s->have_lib = true;
	}
	return 0;
}

int allocator__find_for_pid(pid_t pid, struct allocator *out)
{
	struct pid_scan *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return -ENOMEM;
	s->pid = pid;
	err = proc__exe(pid, s->exe, sizeof(s->exe));
	if (!err)
		err = proc__for_each_map(pid, scan_map, s);
	if (!err) {
		if (s->have_exe)
			*out = s->exe_alloc;
		else if (s->have_lib)
			*out = s->lib_alloc;
		else if (s->have_libc)
			*out = s->libc_alloc;
		else
			err = -ENOENT;
	}
	free(s);
	return err;
}

/* Run `INTERP --list EXE` and try each object it lists, in the order it lists them. */
static int find_in_loader_list(const char *interp, const char *exe, struct allocator *out)
{
	int pipefd[2], status, err = -ENOENT;
	char *line = NULL;
	size_t cap = 0;
	pid_t child;
	FILE *f;

	if (pipe2(pipefd, O_CLOEXEC))
		return -errno;
	child = fork();
	if (child < 0) {
		err = -errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return err;
	}
	if (child == 0) {
		dup2(pipefd[1], STDOUT_FILENO);
		execl(interp, interp, "--list", exe, (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	f = fdopen(pipefd[0], "r");
	if (!f) {
		err = -errno;
		close(pipefd[0]);
		waitpid(child, NULL, 0);
		return err;
	}
	/* lines look like "\tlibc.so.6 => /lib/.../libc.so.6 (0x...)" or "\t/lib64/ld... (0x...)" */
	while (getline(&line, &cap, f) > 0) {
		char *p = strstr(line, "=> "), *end;

		p = p ? p + 3 : line + strspn(line, " \t");
		if (*p != '/' || err == 0)
			continue;
		end = strstr(p, " (0x");
		if (end)
			*end = '\0';
		else
			p[strcspn(p, "\n")] = '\0';
		snprintf(out->path, sizeof(out->path), "%s", p);
		snprintf(out->name, sizeof(out->name), "%s", p);
		if (!read_functions(out, true))
			err = 0;
	}
	free(line);
	fclose(f);
	if (waitpid(child, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		vlog("%s --list %s failed (status 0x%x)", interp, exe, status);
		if (err)
			err = -ENOEXEC;
	}
	return err;
}

int allocator__find_for_program(const char *exe, struct allocator *out)
{
	struct elf_file *ef = elf_file__open(exe);
	char interp[PATH_MAX];
	int err;

	if (!ef)
		return -errno;
	memset(out, 0, sizeof(*out));
	snprintf(out->path, sizeof(out->path), "%s", exe);
	snprintf(out->name, sizeof(out->name), "%s", exe);
	if (!elf_file__interp(ef)) {
		elf_file__free(ef);
		return read_functions(out, false);	/* static: its own malloc or none */
	}
	snprintf(interp, sizeof(interp), "%s", elf_file__interp(ef));
	elf_file__free(ef);
	if (!read_functions(out, true))
		return 0;
	err = find_in_loader_list(interp, exe, out);
	return err;
}

static int read_at(const struct allocator *a, uint64_t offset, uint8_t *buf, size_t len)
{
	struct elf_file *ef;
	int err;

	ef = elf_file__open(a->path);
	if (!ef)
		return -errno;
	/* near the end of the file: read what there is */
	while ((err = elf_file__read(ef, offset, buf, len)) == -ERANGE && len > 16)
		len /= 2;
	elf_file__free(ef);
	return err ? err : (int)len;
}

int allocator__read_code(const struct allocator *a, enum alloc_func fn, uint8_t *buf,
			 size_t len)
{
	if (!a->found[fn])
		return -ENOENT;
	if (a->size[fn] && a->size[fn] < len)
		len = a->size[fn];
	return read_at(a, a->offset[fn], buf, len);
}

int allocator__read_near(const struct allocator *a, enum alloc_func fn, uint64_t vaddr,
			 uint8_t *buf, size_t len)
{
	if (!a->found[fn] || vaddr + a->offset[fn] < a->vaddr[fn])
		return -ERANGE;
	return read_at(a, a->offset[fn] + (vaddr - a->vaddr[fn]), buf, len);
}
