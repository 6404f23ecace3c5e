/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/* The ABI of bpf/loader.bpf.c: what the dynamic loader and exec did in a watched process. */
#ifndef LEAKBPF_ABI_LOADER_H
#define LEAKBPF_ABI_LOADER_H

/* Flags of a process in the loader's `loader_watch` map. */
enum loader_flags {
	LOADER_WATCH = 1,	/* report each time its set of loaded modules is consistent */
	LOADER_STOP = 2,	/* stop it (SIGSTOP) the next time, until user space has looked */
	LOADER_EXEC = 4,	/* report each exec (a new image may use another allocator) */
	LOADER_EXEC_STOP = 8,	/* and stop the new image before its first instruction */
	LOADER_UNLOAD_STOP = 16, /* report and stop it before each unloading (dlclose) */
	LOADER_FORKS = 32,	/* -f: report each process it forks, stopped before its first
				 * instruction */
};

enum loader_event_kind {
	LOADER_EV_MODULES = 0,	/* the loader's set of modules is consistent */
	LOADER_EV_EXEC = 1,	/* the process exec'ed a new image */
	LOADER_EV_UNLOADING = 2, /* the loader is about to unmap modules */
	LOADER_EV_FORK = 3,	/* a process it forked (tgid) is about to run its first instruction */
};

/* What bpf/loader saw in a process. */
struct loader_event {
	__u32 type;		/* EV_LOADER */
	__u32 tgid;
	__u32 stopped;		/* SIGSTOP was sent: user space sends SIGCONT when done */
	__u32 kind;		/* enum loader_event_kind */
	__u32 parent;		/* LOADER_EV_FORK: the tgid that forked it */
	__u32 pad;
};

#endif /* LEAKBPF_ABI_LOADER_H */
