// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * A target that runs in a chroot with its own copies of libc and ld.so, as in a container:
 * leakbpf must find the allocator through /proc/PID/root and probe the copy (a different
 * inode from the host's libc), and count exactly as it does outside.
 */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "harness.h"
#include "test_progs.h"

static int sh(const char *fmt, const char *a, const char *b)
{
	char cmd[PATH_MAX * 3];

	snprintf(cmd, sizeof(cmd), fmt, a, b);
	return system(cmd);
}

void test_chroot(void)
{
	char dir[] = "/tmp/leakbpf-chroot-XXXXXX", self[PATH_MAX], pidroot[64];
	const char *extra[] = { "-v", NULL };
	struct proc t = {}, l = {};
	json_t *r = NULL, *p, *site;
	int status;

	if (!bpf_tests_possible())
		return;
	if (!ASSERT_OK_PTR(mkdtemp(dir), "mkdtemp"))
		return;
	/* the target and its libraries, copied (not linked): new inodes, as in an image */
	if (!ASSERT_OK(sh("mkdir -p %1$s/lib/x86_64-linux-gnu %1$s/lib64 && cp " TARGETS
			  "leak_n %1$s/leak_n", dir, NULL), "copy target") ||
	    !ASSERT_OK(sh("cp /lib/x86_64-linux-gnu/libc.so.6 %s/lib/x86_64-linux-gnu/", dir,
			  NULL), "copy libc") ||
	    !ASSERT_OK(sh("cp /lib64/ld-linux-x86-64.so.2 %s/lib64/", dir, NULL), "copy ld.so"))
		goto out;

	{
		char *cmd[] = { "/usr/sbin/chroot", dir, "/leak_n", "9", "33", "5", "40", NULL };

		if (!ASSERT_OK(proc_start(&t, cmd, false), "start in chroot") ||
		    proc_expect(&t, "ready"))
			goto out;
	}
	snprintf(self, sizeof(self), "/proc/%d/root", t.pid);
	if (!ASSERT_TRUE(realpath(self, pidroot) && !strcmp(pidroot, dir), "runs in chroot"))
		goto out;
	if (leakbpf_attach_pid(&l, t.pid, extra) || proc_send(&t, "go") ||
	    proc_expect(&t, "done"))
		goto out;
	kill(l.pid, SIGINT);
	status = proc_finish(&l);
	r = last_report(&l);
	if (!ASSERT_OK_PTR(r, "report"))
		goto out;
	/* the copy in the chroot, not the host's /lib/x86_64-linux-gnu/libc.so.6 */
	snprintf(self, sizeof(self), "allocator: %s/lib/x86_64-linux-gnu/libc.so.6", dir);
	ASSERT_OK_PTR(strstr(l.err_buf ? l.err_buf : "", self), "probes the chroot's libc");
	p = report_proc(r);
	ASSERT_EQ(jint(p, "memory.mallocs"), 49, "mallocs");
	ASSERT_EQ(jint(p, "memory.frees"), 40, "frees");
	ASSERT_EQ(jint(p, "memory.untracked_frees"), 6, "untracked_frees (5 + their array)");
	ASSERT_EQ(jint(p, "memory.outstanding_objects"), 9, "outstanding_objects");
	ASSERT_EQ(jint(p, "memory.outstanding_bytes"), 297, "outstanding_bytes");
	site = site_by_symbol(p, "leak_here");
	if (ASSERT_OK_PTR(site, "leak_here named from the chroot's binary"))
		ASSERT_EQ(jint(site, "objects"), 9, "site objects");
	ASSERT_EQ(status, 0, "no verdict without items or 1000 allocations");
	ASSERT_OK(proc_send(&t, "exit"), "target still runs");
	ASSERT_EQ(proc_finish(&t), 0, "target exits normally");
out:
	json_decref(r);
	proc_free(&t);
	proc_free(&l);
	sh("rm -rf %s", dir, NULL);
}
