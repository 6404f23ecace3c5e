/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * Following a target through exec and dlopen/dlclose: each new image may call another
 * allocator (env LD_PRELOAD=..., a static or musl program, a chroot with its own libc), and
 * code mapped late must be read before its blocks can be named. glibc's loader reports its
 * module changes (bpf/loader); a command is held at each of them, and at each exec, until
 * leakbpf has looked. Functions return 0 or -errno, and say why they failed.
 */
#ifndef LEAKBPF_FOLLOW_H
#define LEAKBPF_FOLLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "proc/dynloader.h"

struct target;
struct tracer;

struct follow_state {
	bool hold;		/* -- CMD: held at each exec and module change until read */
	bool have_loader;	/* the first image has a glibc loader to watch */
	struct dynloader loader;	/* it */
	bool exec_pending;	/* an exec's allocator is still to be found */
	uint64_t exec_ns;	/* when it exec'ed */
	bool detached;		/* probes gone: a process held is only let go */
};

/*
 * Before loading anything: the loader of the first image (-- CMD: of the program about to
 * run). None (static, musl) is no error: its modules are then re-read every second.
 */
void follow__find_loader(struct target *tg);
/*
 * Watch the first image's loader and every exec; hold: a command (see above). Under -- CMD
 * call it before the command is let go to exec, and follow__exec() once it has.
 */
int follow__start(struct tracer *t, struct target *tg, bool hold);
/*
 * Follow every exec of tg. -- CMD: once exec'ed and held at its ptrace stop (the next exec
 * is the program's own), where one with no loader to wait for is held at _Exit() too.
 */
/*
 * Probe the image pid runs now, its libraries mapped: its allocator (unless probed
 * already) and its C library's fd wrappers. A failure is said; the process goes on.
 */
void follow__probe_image(struct tracer *t, struct target *tg);
int follow__exec(struct tracer *t, struct target *tg);
/* The handler of bpf/loader's events (EV_LOADER) for the target ctx. */
int follow__on_event(void *ctx, const void *data, size_t size);
/*
 * Every second: modules read again, and an exec whose loader did not report (see
 * follow.c) has its allocator found now.
 */
void follow__tick(struct tracer *t, struct target *tg, uint64_t now);

#endif
