// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * The command line's promises: usage errors exit 2, leakbpf's own failures exit 1 with one
 * line naming the cause, --help exits 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include "harness.h"
#include "test_progs.h"

/* Run leakbpf with args, expect status and a line containing `says` on stderr. */
static void expect(char *const argv[], int status, const char *says, const char *name)
{
	struct proc p = {};

	if (!ASSERT_OK(proc_start(&p, argv, true), name))
		return;
	ASSERT_EQ(proc_finish(&p), status, name);
	if (says && !ASSERT_OK_PTR(strstr(p.err_buf ? p.err_buf : "", says), name))
		fprintf(stderr, "  stderr was: %s\n", p.err_buf ? p.err_buf : "(empty)");
	proc_free(&p);
}

static void usage_errors(void)
{
	char *none[] = { LEAKBPF, NULL };
	char *both[] = { LEAKBPF, "-p", "1", "--", "/bin/true", NULL };
	char *badpid[] = { LEAKBPF, "-p", "12x", NULL };
	char *badmode[] = { LEAKBPF, "-m", "most", "-p", "1", NULL };
	char *badthr[] = { LEAKBPF, "--threshold", "nope=1", "-p", "1", NULL };
	char *badspec[] = { LEAKBPF, "--item", "usdt:only", "-p", "1", NULL };
	char *batch[] = { LEAKBPF, "--batch", "f", "-p", "1", NULL };
	char *sample[] = { LEAKBPF, "-m", "counts", "-s", "10", "-p", "1", NULL };
	char *cfi[] = { LEAKBPF, "-m", "counts", "--cfi-stacks", "-p", "1", NULL };
	char *dur[] = { LEAKBPF, "-d", "0", "-p", "1", NULL };
	char *unknown[] = { LEAKBPF, "--frobnicate", "-p", "1", NULL };
	char *noserve[] = { LEAKBPF, "-a", NULL };
	char *fleetopt[] = { LEAKBPF, "--probe-every", "0", "-p", "1", NULL };
	char *fleetfull[] = { LEAKBPF, "-a", "--serve", ":9", "-m", "full", NULL };
	char *fleetitem[] = { LEAKBPF, "-a", "--serve", ":9", "--item", "f", NULL };
	char *budget[] = { LEAKBPF, "-a", "--serve", ":9", "--budget", "0", NULL };
	char *reach[] = { LEAKBPF, "-m", "counts", "--reachability", "-p", "1", NULL };
	char *supp[] = { LEAKBPF, "--suppressions", "/nonexistent/supp", "-p", "1", NULL };
	char *follow_all[] = { LEAKBPF, "-f", "-a", NULL };

	expect(none, 2, "give one target", "no target");
	expect(both, 2, "give one target", "two targets");
	expect(badpid, 2, "-p takes a whole number", "bad pid");
	expect(badmode, 2, "counts, stacks or full", "bad mode");
	expect(badthr, 2, "unknown check name", "bad threshold");
	expect(badspec, 2, "usdt:PATH:PROVIDER:NAME", "bad spec");
	expect(batch, 2, "--batch needs --item", "batch without item");
	expect(reach, 2, "--reachability needs every block followed", "reachability in counts");
	expect(supp, 2, "--suppressions /nonexistent/supp: No such file", "missing suppressions");
	expect(sample, 2, "-s samples tracked blocks", "sample in counts mode");
	expect(cfi, 2, "--cfi-stacks unwinds allocation stacks", "cfi stacks in counts mode");
	expect(follow_all, 2, "-f follows one target's children", "-f with -a");
	expect(dur, 2, "positive number of seconds", "zero duration");
	expect(unknown, 2, "unrecognized option", "unknown option");
	expect(noserve, 2, "give --serve ADDR:PORT", "-a without --serve");
	expect(fleetopt, 2, "are for -a", "fleet option without -a");
	expect(fleetfull, 2, "counts mode only", "-a in full mode");
	expect(fleetitem, 2, "not -a", "-a with --item");
	expect(budget, 2, "--budget takes a percentage", "zero budget");
}

static void help(void)
{
	char *argv[] = { LEAKBPF, "--help", NULL };

	expect(argv, 0, NULL, "--help exits 0");
}

/* --serve: a bad address or a port taken says so, before anything is loaded or run */
static void serve_failures(void)
{
	char *badaddr[] = { LEAKBPF, "-a", "--serve", "no.such.addr:9464", "-d", "1", NULL };
	char *taken[] = { LEAKBPF, "-a", "--serve", NULL, "-d", "1", NULL };
	char marker[64];
	char *takencmd[] = { LEAKBPF, "--serve", NULL, "--", "/bin/touch", marker, NULL };
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	char addr[32];
	int fd;

	expect(badaddr, 1, "cannot serve metrics at no.such.addr:9464 (EINVAL", "bad address");
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (!ASSERT_TRUE(fd >= 0, "socket") ||
	    !ASSERT_OK(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), "bind") ||
	    !ASSERT_OK(listen(fd, 1), "listen") ||
	    !ASSERT_OK(getsockname(fd, (struct sockaddr *)&sin, &len), "getsockname"))
		goto out;
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", ntohs(sin.sin_port));
	taken[3] = addr;
	expect(taken, 1, "(EADDRINUSE", "port taken");
	/* one process: the command is not run when its metrics cannot be served */
	snprintf(marker, sizeof(marker), "/tmp/leakbpf-serve-%d", getpid());
	unlink(marker);
	takencmd[2] = addr;
	expect(takencmd, 1, "(EADDRINUSE", "port taken, -- CMD");
	ASSERT_TRUE(access(marker, F_OK) != 0, "the command did not run");
out:
	if (fd >= 0)
		close(fd);
}

static void own_failures(void)
{
	char *nopid[] = { LEAKBPF, "-p", "2147483646", NULL };
	char *kthread[] = { LEAKBPF, "-p", "2", NULL };
	char *nocmd[] = { LEAKBPF, "--", "/nonexistent/program", NULL };
	char *nosym[] = { LEAKBPF, "--item", "no_such_function", "--", TARGETS "leak_n", NULL };
	char *nolib[] = { LEAKBPF, "--item", "/no/such/lib.so:f", "--", TARGETS "leak_n", NULL };
	char *noperm[] = { "/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
			   "--clear-groups", "--inh-caps=-all", "--bounding-set=-all",
			   LEAKBPF, "--", TARGETS "leak_n", "0", NULL };

	expect(nopid, 1, "no such process: PID 2147483646", "missing PID");
	expect(kthread, 1, "is a kernel thread", "kernel thread");
	expect(nocmd, 1, "cannot run /nonexistent/program", "missing command");
	if (!bpf_tests_possible())
		return;
	expect(nosym, 1, "no function 'no_such_function'", "unknown --item symbol");
	expect(nolib, 1, "cannot read /no/such/lib.so", "missing --item library");
	if (access("/usr/bin/setpriv", X_OK) == 0)
		expect(noperm, 1, "not permitted", "unprivileged user");
	serve_failures();
}

/*
 * -p on a process that is gone by the time leakbpf looks at it (exited, not yet reaped by
 * its parent, so its PID still names it): an attach step fails, and the one line says why
 * it did, not which step (its mappings are gone: "maps no object that defines malloc").
 * A process that exits in the middle of the attach takes the same path, at whichever step
 * it is; only this order can be had without racing.
 */
static void exited_while_attaching(void)
{
	char *cmd[] = { TARGETS "leak_n", "1", NULL }, pid[16], want[64];
	char *argv[] = { LEAKBPF, "-p", pid, NULL };
	struct proc t = {}, l = {};
	siginfo_t si = {};

	if (proc_start(&t, cmd, false) || proc_expect(&t, "ready") || proc_send(&t, "go") ||
	    proc_expect(&t, "done") || proc_send(&t, "exit"))
		goto out;
	/* exited, and left a zombie: WNOWAIT */
	if (!ASSERT_OK(waitid(P_PID, t.pid, &si, WEXITED | WNOWAIT), "target exits"))
		goto out;
	snprintf(pid, sizeof(pid), "%d", t.pid);
	snprintf(want, sizeof(want), "leakbpf: PID %d exited while leakbpf was attaching\n",
		 t.pid);
	if (!ASSERT_OK(proc_start(&l, argv, true), "start leakbpf"))
		goto out;
	ASSERT_EQ(proc_finish(&l), 1, "exit 1");
	ASSERT_STREQ(l.err_buf ?: "", want, "one line: the target exited");
out:
	proc_free(&l);
	proc_free(&t);
}

/*
 * Symbols without debuginfod: coreutils' true has a debug link but no debug file here, the
 * case where libdwfl's standard search would end up loading the debuginfod client (and
 * with DEBUGINFOD_URLS set, try to download). The dynamic loader says what it loads.
 */
static void no_debuginfod(void)
{
	char *argv[] = { LEAKBPF, "--json", "--", "/bin/true", NULL };
	struct proc p = {};

	setenv("LD_DEBUG", "files", 1);
	setenv("DEBUGINFOD_URLS", "http://127.0.0.1:9", 1);
	if (ASSERT_OK(proc_start(&p, argv, true), "start leakbpf")) {
		ASSERT_EQ(proc_finish(&p), 0, "true traced, exit 0");
		ASSERT_OK_PTR(strstr(p.err_buf ?: "", "file=libdw.so"), "LD_DEBUG shows libdw");
		ASSERT_EQ(count_stderr(&p, "file=libdebuginfod"), 0, "no debuginfod client");
	}
	unsetenv("LD_DEBUG");
	unsetenv("DEBUGINFOD_URLS");
	proc_free(&p);
}

void test_cli(void)
{
	if (test__start_subtest("usage_errors"))
		usage_errors();
	if (test__start_subtest("help"))
		help();
	if (test__start_subtest("own_failures"))
		own_failures();
	if (test__start_subtest("exited_while_attaching"))
		exited_while_attaching();
	if (test__start_subtest("no_debuginfod"))
		no_debuginfod();
}
