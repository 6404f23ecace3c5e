// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * The floor of the overhead benchmark: run a command with empty BPF programs attached at
 * exactly the sites leakbpf would probe in a mode (the same plan, user/probe/alloc_plan.c),
 * on the tracepoints it uses and on its fd calls (glibc's wrappers when the allocator is
 * glibc's, as leakbpf probes them, else the syscall tracepoints), so that the benchmark can
 * measure the kernel's own price of those probe hits.
 *
 *   floor [-m counts|stacks|full] [--no-session] [--no-place] [--no-tracepoints] -- CMD...
 *
 * --no-tracepoints: the allocator's probes alone.
 *
 * Exits with the command's status; prints "floor: attached to PID N" once probes are live.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "probe/alloc_plan.h"
#include "proc/allocator.h"
#include "proc/fd_wrappers.h"
#include "floor.skel.h"
#include "app/launch.h"
#include "probe/links.h"
#include "base/log.h"
#include "probe/features.h"
#include "probe/uprobe_multi.h"


static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	return log_verbose ? vfprintf(stderr, fmt, args) : 0;
}

/* glibc's fd wrappers, an entry and a return probe each (but for the closes), as leakbpf's. */
static int attach_wrappers(struct floor_bpf *skel, const struct fd_wrappers *w, pid_t pid,
			   struct links *links)
{
	LIBBPF_OPTS(bpf_uprobe_opts, ropts, .retprobe = true);
	struct bpf_link *link;
	int i;

	for (i = 0; i < w->n; i++) {
		link = bpf_program__attach_uprobe_opts(skel->progs.floor_entry, pid, w->path,
						       w->w[i].offset, NULL);
		if (!link || links__add(links, link))
			return link ? -ENOMEM : -errno;
		if (w->w[i].entry_only)
			continue;
		link = bpf_program__attach_uprobe_opts(skel->progs.floor_exit, pid, w->path,
						       w->w[i].offset, &ropts);
		if (!link || links__add(links, link))
			return link ? -ENOMEM : -errno;
	}
	return 0;
}

/*
 * The tracepoints: on for the whole host, as leakbpf's are; the syscall ones only when the
 * fd calls are not probed at glibc's wrappers (w NULL).
 */
static int attach_tracepoints(struct floor_bpf *skel, const struct fd_wrappers *w, pid_t pid,
			      struct links *links)
{
	struct bpf_program *progs[] = {
		skel->progs.floor_newtask, skel->progs.floor_process_exit,
		skel->progs.floor_exec, skel->progs.floor_sock_state,
		skel->progs.floor_sys_enter, skel->progs.floor_sys_exit,
	};
	size_t i, n = sizeof(progs) / sizeof(progs[0]) - (w ? 2 : 0);
	struct bpf_link *link;
	int err = w ? attach_wrappers(skel, w, pid, links) : 0;

	if (err)
		return err;
	for (i = 0; i < n; i++) {
		link = bpf_program__attach(progs[i]);
		if (!link)
			return -errno;
		if (links__add(links, link))
			return -ENOMEM;
	}
	return 0;
}

static int attach(struct floor_bpf *skel, const struct alloc_plan *plan,
		  const struct allocator *a, pid_t pid, bool session, struct links *links)
{
	struct bpf_link *link;
	int i, fd;

	for (i = 0; i < plan->n; i++) {
		const struct alloc_site *s = &plan->sites[i];
		LIBBPF_OPTS(bpf_uprobe_opts, opts, .bpf_cookie = s->cookie);
		LIBBPF_OPTS(bpf_uprobe_opts, ropts, .retprobe = true);

		if (s->returns && session) {
			fd = uprobe_multi__attach_session(skel->progs.floor_session, pid, a->path,
							  &s->offset, &s->cookie, 1);
			if (fd < 0)
				return fd;
			if (links__add_fd(links, fd))
				return -ENOMEM;
			continue;
		}
		/* without sessions the return probe stays on the entry, as leakbpf's does */
		if (s->returns) {
			link = bpf_program__attach_uprobe_opts(skel->progs.floor_exit, pid, a->path,
							       a->offset[s->fn], &ropts);
			if (!link)
				return -errno;
			if (links__add(links, link))
				return -ENOMEM;
		}
		link = bpf_program__attach_uprobe_opts(skel->progs.floor_entry, pid, a->path,
						       s->offset, &opts);
		if (!link)
			return -errno;
		if (links__add(links, link))
			return -ENOMEM;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "no-session", no_argument, NULL, 'S' },
		{ "no-place", no_argument, NULL, 'P' },
		{ "no-tracepoints", no_argument, NULL, 'T' },
		{ "verbose", no_argument, NULL, 'v' },
		{ 0 },
	};
	struct floor_bpf *skel = NULL;
	struct allocator *a = NULL;
	struct fd_wrappers *wrappers = NULL;
	struct alloc_plan plan;
	struct launch l = { .pid = -1 };
	bool counts = false, session, place = true, no_session = false, launched = false;
	struct kernel_features features;
	bool tracepoints = true;
	struct links links = {};
	int opt, err, status = 1;

	while ((opt = getopt_long(argc, argv, "+m:v", longopts, NULL)) != -1) {
		switch (opt) {
		case 'm':
			if (!strcmp(optarg, "counts"))
				counts = true;
			else if (strcmp(optarg, "stacks") && strcmp(optarg, "full"))
				goto usage;
			break;
		case 'S':
			no_session = true;
			break;
		case 'P':
			place = false;
			break;
		case 'T':
			tracepoints = false;
			break;
		case 'v':
			log_verbose = true;
			break;
		default:
			goto usage;
		}
	}
	if (optind >= argc)
		goto usage;
	libbpf_set_print(libbpf_print);
	features__detect(&features);
	/* as leakbpf decides (user/probe/alloc.c) */
	session = !counts && !no_session && features__has(&features, FEAT_UPROBE_SESSION) &&
		  features__has(&features, FEAT_UPROBE_MULTI);

	err = launch__start(&l, &argv[optind]);
	if (err) {
		fprintf(stderr, "floor: cannot run %s (%s)\n", argv[optind], errstr(err));
		return 1;
	}
	launched = true;
	a = calloc(1, sizeof(*a));
	if (!a) {
		err = -ENOMEM;
		goto cleanup;
	}
	err = allocator__find_for_program(l.elf, a);
	if (err) {
		fprintf(stderr, "floor: no allocator found for %s (%s)\n", l.elf, errstr(err));
		goto cleanup;
	}
	err = alloc_plan__make(a, !counts, session, place, &plan);
	if (err) {
		fprintf(stderr, "floor: cannot plan the probes (%s)\n", errstr(err));
		goto cleanup;
	}
	alloc_plan__log(&plan, a);

	skel = floor_bpf__open();
	if (!skel) {
		err = -errno;
		fprintf(stderr, "floor: cannot open the BPF object (%s)\n", errstr(err));
		goto cleanup;
	}
	if (session)
		uprobe_multi__prepare_session(skel->progs.floor_session);
	else
		bpf_program__set_autoload(skel->progs.floor_session, false);
	err = floor_bpf__load(skel);
	if (err) {
		err = -errno;
		fprintf(stderr, "floor: cannot load the BPF object (%s)\n", errstr(err));
		goto cleanup;
	}
	wrappers = calloc(1, sizeof(*wrappers));
	if (wrappers && fd_wrappers__read(a->path, wrappers)) {
		free(wrappers);
		wrappers = NULL;
	}
	err = tracepoints ? attach_tracepoints(skel, wrappers, l.pid, &links) : 0;
	if (!err)
		err = attach(skel, &plan, a, l.pid, session, &links);
	if (err) {
		fprintf(stderr, "floor: cannot attach (%s)\n", errstr(err));
		goto cleanup;
	}
	fprintf(stderr, "floor: attached to PID %d\n", l.pid);
	err = launch__release(&l);
	launched = false;
	if (!err)
		err = launch__resume(&l);
	if (err) {
		fprintf(stderr, "floor: cannot run %s (%s)\n", l.path, errstr(err));
		goto cleanup;
	}
	if (waitpid(l.pid, &status, 0) < 0) {
		err = -errno;
		goto cleanup;
	}
	status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
cleanup:
	if (launched)
		launch__abort(&l);
	links__destroy(&links);
	floor_bpf__destroy(skel);
	free(wrappers);
	free(a);
	return err ? 1 : status;
usage:
	fprintf(stderr, "usage: floor [-m counts|stacks|full] [--no-session] [--no-place] "
		"[--no-tracepoints] -- CMD [ARG...]\n");
	return 2;
}
