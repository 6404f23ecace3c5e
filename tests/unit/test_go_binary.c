// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * user/proc/go_binary.c and go_runtime.c: a Go executable's version, runtime layout and
 * probe places, and a live batcher's runtime state against what the program itself printed.
 * The Go programs are not built here: GO_BATCHER (and GO_CGO, optional) name built copies
 * of tests/targets/go/batcher.go and cgo.go; without them those tests are skipped.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <cmocka.h>
#include "proc/elf_file.h"
#include "proc/go_binary.h"
#include "proc/placement.h"
#include "proc/go_runtime.h"

static void not_go(void **state)
{
	struct go_binary b;
	uint64_t off;

	assert_int_equal(go_binary__open("/bin/true", &b), -ENOENT);
	assert_int_equal(go_binary__open("/proc/self/exe", &b), -ENOENT);
	/* not even ELF */
	assert_int_equal(go_binary__open("/etc/passwd", &b), -ENOENT);
	assert_int_equal(go_binary__probe_offset("/bin/true", "main.main", 1, &off), -ENOENT);
}

static void pauses_ring(void **state)
{
	static struct go_state st;
	uint64_t max, total;
	uint32_t c;

	/* cycle c's pause is in slot (c + 255) % 256: the runtime writes it before numgc++ */
	for (c = 1; c <= 300; c++)
		st.pause_ns[(c + 255) % 256] = c * 10;
	st.numgc = 300;
	assert_int_equal(go_state__pauses(&st, 297, &max, &total), 0);
	assert_int_equal(max, 3000);
	assert_int_equal(total, 2980 + 2990 + 3000);
	assert_int_equal(go_state__pauses(&st, 300, &max, &total), 0);
	assert_int_equal(max, 0);
	assert_int_equal(total, 0);
	/* 256 cycles exactly are all in the ring */
	assert_int_equal(go_state__pauses(&st, 44, &max, &total), 0);
	assert_int_equal(max, 3000);
	/* more are not: the last 256, and -ERANGE */
	assert_int_equal(go_state__pauses(&st, 0, &max, &total), -ERANGE);
	assert_int_equal(max, 3000);
	assert_int_equal(total, (45 + 300) * 256 / 2 * 10);
}

static const char *go_path(const char *env)
{
	const char *p = getenv(env);

	return p && *p ? p : NULL;
}

static void check_file(const char *path, bool batcher)
{
	struct elf_file *ef;
	struct elf_func fn;
	struct go_binary b;
	uint64_t off;

	assert_int_equal(go_binary__open(path, &b), 0);
	assert_memory_equal(b.version, "go1.", 4);
	assert_true(b.layout_known);
	/* the allocator's counts, from DWARF: an array of span pointers per span class */
	assert_true(b.alloc_layout_known);
	assert_true(b.mcache_nclasses >= 2 && b.mcache_nclasses <= 1024);
	assert_true(b.mspan_alloc_count >= 0 && b.mspan_before_cache >= 0 &&
		    b.mspan_elemsize >= 0 && b.mcache_tiny_allocs >= 0 && b.p_mcache >= 0);
#ifdef __x86_64__
	assert_true(b.regabi);
#endif
	/* a function's stack check comes before its prologue_end */
	ef = elf_file__open(path);
	assert_non_null(ef);
	assert_int_equal(elf_file__find_func(ef, "main.main", &fn), 0);
	assert_int_equal(go_binary__probe_offset(path, "main.main", 1, &off), 0);
	assert_true(off > fn.offset && off < fn.offset + fn.size);
	if (batcher) {
		assert_int_equal(elf_file__find_func(ef, "main.processItem", &fn), 0);
		assert_int_equal(go_binary__probe_offset(path, "main.processItem", 1, &off), 0);
		assert_true(off > fn.offset && off < fn.offset + fn.size);
		/* on an instruction the kernel emulates: a branch or a nop after the prologue */
		{
			uint8_t insn[16];
			struct emulation emu;

			placement__kernel(&emu);
			assert_int_equal(elf_file__read(ef, off, insn, sizeof(insn)), 0);
			assert_true(placement__emulated(insn, sizeof(insn), &emu));
		}
	}
	assert_int_equal(go_binary__probe_offset(path, "main.nothing", 1, &off), -ENOENT);
	elf_file__free(ef);
}

static void batcher_file(void **state)
{
	const char *path = go_path("GO_BATCHER");

	if (!path)
		skip();
	check_file(path, true);
}

/* cgo links externally: Go's symbols are LOCAL there */
static void cgo_file(void **state)
{
	const char *path = go_path("GO_CGO");

	if (!path)
		skip();
	check_file(path, false);
}

static void read_line(int fd, char *buf, size_t size)
{
	size_t n = 0;

	while (n < size - 1) {
		ssize_t r = read(fd, &buf[n], 1);

		if (r < 0 && errno == EINTR)
			continue;
		assert_true(r == 1);
		if (buf[n] == '\n')
			break;
		n++;
	}
	buf[n] = '\0';
}

static long field(const char *line, const char *name)
{
	char key[64];
	const char *p;

	snprintf(key, sizeof(key), " %s=", name);
	p = strstr(line, key);
	assert_non_null(p);
	return strtol(p + strlen(key), NULL, 10);
}

/* fd to number `to` in the child, the pipes being anywhere (even on 3 or 4) */
static void move_fd(int fd, int to)
{
	if (fd != to && dup2(fd, to) < 0)
		_exit(126);
	fcntl(to, F_SETFD, 0);
}

static void live_batcher(void **state)
{
	const char *path = go_path("GO_BATCHER");
	int cmd[2], ans[2], out[2], status;
	uint64_t max, total;
	struct go_binary b;
	struct go_state st;
	char line[512];
	pid_t pid;

	if (!path)
		skip();
	assert_int_equal(go_binary__open(path, &b), 0);
	assert_true(b.layout_known);
	assert_int_equal(pipe2(cmd, O_CLOEXEC), 0);
	assert_int_equal(pipe2(ans, O_CLOEXEC), 0);
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int c = fcntl(cmd[0], F_DUPFD_CLOEXEC, 10);
		int a = fcntl(ans[1], F_DUPFD_CLOEXEC, 10);
		int o = fcntl(out[1], F_DUPFD_CLOEXEC, 10);

		move_fd(o, 1);
		move_fd(c, 3);
		move_fd(a, 4);
		/* -leak: goroutines left blocked, so the count is more than 1 */
		execl(path, path, "-leak", "-rounds", "2", "-items", "1000", (char *)NULL);
		_exit(127);
	}
	close(cmd[0]);
	close(ans[1]);
	close(out[1]);

	read_line(ans[0], line, sizeof(line));
	assert_string_equal(line, "ready");
	assert_int_equal(write(cmd[1], "go\n", 3), 3);
	read_line(out[0], line, sizeof(line));
	{
		char done[16];

		read_line(ans[0], done, sizeof(done));
		assert_string_equal(done, "done");
	}
	/* it waits for "exit" now, goroutines blocked: nothing changes while we read */
	assert_int_equal(go_runtime__read(pid, &b, 0, &st), 0);
	print_message("# %s\n# read: goroutines=%lld numgc=%u pause_total_ns=%llu "
		      "heap_marked=%llu\n", line, (long long)st.goroutines, st.numgc,
		      (unsigned long long)st.pause_total_ns, (unsigned long long)st.heap_marked);
	assert_int_equal(st.goroutines, field(line, "goroutines_end"));
	assert_int_equal(st.numgc, field(line, "numgc_end"));
	assert_int_equal(go_state__pauses(&st, field(line, "numgc_start"), &max, &total), 0);
	assert_int_equal(max, field(line, "pause_max_ns"));
	assert_int_equal(total, field(line, "pause_total_ns"));
	assert_true(st.heap_marked > 0);

	assert_int_equal(write(cmd[1], "exit\n", 5), 5);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(go_runtime__read(pid, &b, 0, &st), -ESRCH);
	close(cmd[1]);
	close(ans[0]);
	close(out[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(not_go),
		cmocka_unit_test(pauses_ring),
		cmocka_unit_test(batcher_file),
		cmocka_unit_test(cgo_file),
		cmocka_unit_test(live_batcher),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
