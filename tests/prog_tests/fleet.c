// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * leakbpf -a, end to end: the agent serves /metrics; a process started after it is picked
 * up, probed in that process alone, and its malloc and free counts are exact; its threads
 * and fds are right; the exposition passes promtool; a real Prometheus scrapes it; a
 * process that exits has its series dropped; a process outside its window is not probed.
 */
#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "harness.h"
#include "test_progs.h"

#define LEAKED 10000
#define BALANCED 210000

static int agent_port(void)
{
	return 20000 + getpid() % 20000;
}

/*
 * Until the series name{pid, more} reaches at least min (min < 0: until it is gone). The
 * agent reads the counters once a second: there is no event to wait on but its answers.
 */
static bool wait_metric(int port, const char *name, pid_t pid, const char *more, double min,
			double *value, char **body_out)
{
	int waited, status;

	for (waited = 0; waited < STUCK_MS; waited += 100) {
		char *body = http_get(port, "/metrics", &status);
		bool found = body && metric_value(body, name, pid, more, value);

		if (body && ((min < 0 && !found) || (min >= 0 && found && *value >= min))) {
			if (body_out)
				*body_out = body;
			else
				free(body);
			return true;
		}
		free(body);
		poll(NULL, 0, 100);
	}
	fprintf(stderr, "  %s{pid=\"%d\"%s%s} never %s\n", name, pid, more ? "," : "",
		more ? more : "", min < 0 ? "went away" : "got there");
	return false;
}

/* The fds of pid whose /proc link starts with prefix (NULL: all of them). */
static int count_fds(pid_t pid, const char *prefix)
{
	char path[64], link[256];
	struct dirent *d;
	int n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((d = readdir(dir))) {
		ssize_t len = readlinkat(dirfd(dir), d->d_name, link, sizeof(link) - 1);

		if (d->d_name[0] == '.' || len < 0)
			continue;
		link[len] = '\0';
		n += !prefix || !strncmp(link, prefix, strlen(prefix));
	}
	closedir(dir);
	return n;
}

static int start_agent(struct proc *a, int port, const char *every)
{
	char serve[32];
	char *argv[] = { LEAKBPF, "-a", "--serve", serve, "--probe-every", (char *)every, "-i",
			 "1", NULL };

	snprintf(serve, sizeof(serve), "127.0.0.1:%d", port);
	if (proc_start(a, argv, true))
		return -1;
	return proc_wait_stderr(a, "leakbpf: watching every process");
}

/* After a failure: the target and the agent, if still there, go too. */
static void stop_both(struct proc *t, struct proc *a)
{
	proc_end(t);
	proc_end(a);
}

/* A real Prometheus scrapes the agent; PromQL over its HTTP API finds the target. */
static void prometheus_scrapes(int port, pid_t pid)
{
	char dir[] = "/tmp/leakbpf-prom-XXXXXX", conf[128], listen[64], tsdb[128], query[160];
	int prom_port = port + 1, status, waited;
	struct proc prom = {};
	FILE *f;

	if (!have_tool("prometheus")) {
		fprintf(stderr, "  prometheus is not installed\n");
		test__fail();
		return;
	}
	if (!ASSERT_OK_PTR(mkdtemp(dir), "mkdtemp"))
		return;
	snprintf(conf, sizeof(conf), "--config.file=%s/prometheus.yml", dir);
	snprintf(tsdb, sizeof(tsdb), "--storage.tsdb.path=%s/data", dir);
	snprintf(listen, sizeof(listen), "--web.listen-address=127.0.0.1:%d", prom_port);
	f = fopen(conf + strlen("--config.file="), "w");
	if (!ASSERT_OK_PTR(f, "write prometheus.yml"))
		return;
	fprintf(f, "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: leakbpf\n"
		"    static_configs:\n      - targets: ['127.0.0.1:%d']\n", port);
	fclose(f);
	{
		char *argv[] = { "/usr/bin/prometheus", conf, tsdb, listen, NULL };

		if (!ASSERT_OK(proc_start(&prom, argv, true), "start prometheus"))
			return;
	}
	snprintf(query, sizeof(query),
		 "/api/v1/query?query=leakbpf_mallocs_total%%7Bpid%%3D%%22%d%%22%%7D", pid);
	for (waited = 0; waited < STUCK_MS; waited += 200) {
		char *body = http_get(prom_port, query, &status);
		char want[64];
		bool ok;

		snprintf(want, sizeof(want), "\"%d\"]", LEAKED + BALANCED);
		ok = body && status == 200 && strstr(body, want);
		if (!ok && waited + 200 >= STUCK_MS)
			fprintf(stderr, "  Prometheus answered %d: %s\n", status, body ? body : "");
		free(body);
		if (ok)
			break;
		poll(NULL, 0, 200);
	}
	ASSERT_TRUE(waited < STUCK_MS, "PromQL finds leakbpf_mallocs_total of the target");
	kill(prom.pid, SIGTERM);
	proc_finish(&prom);
	proc_free(&prom);
	snprintf(conf, sizeof(conf), "rm -rf %s", dir);
	system(conf);
}

/*
 * --probe-every 0: every process probed from the moment the agent sees it. The target
 * makes 220,000 allocations and keeps 10,000 of them once it is probed.
 */
static void probed_continuously(void)
{
	char n[16], b[16];
	char *cmd[] = { TARGETS "leak_n", n, "64", "0", b, NULL };
	struct proc a = {}, t = {};
	int port = agent_port(), status;
	double v;
	char *body = NULL;

	snprintf(n, sizeof(n), "%d", LEAKED);
	snprintf(b, sizeof(b), "%d", BALANCED);
	if (!ASSERT_OK(start_agent(&a, port, "0"), "agent starts"))
		goto out;
	/* started after the agent, and held until its probes are live */
	if (!ASSERT_OK(proc_start(&t, cmd, false), "start leak_n") ||
	    !ASSERT_OK(proc_expect(&t, "ready"), "ready"))
		goto out;
	if (!ASSERT_TRUE(wait_metric(port, "leakbpf_probed", t.pid, NULL, 1, &v, NULL),
			 "picked up and probed"))
		goto out;
	if (!ASSERT_OK(proc_send(&t, "go"), "go") || !ASSERT_OK(proc_expect(&t, "done"), "done"))
		goto out;
	if (!ASSERT_TRUE(wait_metric(port, "leakbpf_mallocs_total", t.pid, NULL,
				     LEAKED + BALANCED, &v, NULL), "mallocs counted"))
		goto out;
	/* one more read: nothing beyond the exact counts comes later */
	if (!ASSERT_TRUE(wait_metric(port, "leakbpf_frees_total", t.pid, NULL, BALANCED, &v,
				     &body), "frees counted"))
		goto out;
	ASSERT_TRUE(metric_value(body, "leakbpf_mallocs_total", t.pid, NULL, &v), "mallocs");
	ASSERT_EQ((long long)v, LEAKED + BALANCED, "mallocs: every allocation, exactly");
	ASSERT_TRUE(metric_value(body, "leakbpf_frees_total", t.pid, NULL, &v), "frees");
	ASSERT_EQ((long long)v, BALANCED, "frees: exactly");
	ASSERT_TRUE(metric_value(body, "leakbpf_threads", t.pid, NULL, &v), "threads");
	ASSERT_EQ((long long)v, 1, "one thread");
	free(body);
	/* the fds as /proc has them now, once the agent has looked again */
	body = NULL;
	status = count_fds(t.pid, NULL);
	ASSERT_TRUE(wait_metric(port, "leakbpf_open_fds", t.pid, NULL, status, &v, &body),
		    "open fds");
	ASSERT_EQ((long long)v, status, "open fds as /proc lists them");
	ASSERT_TRUE(metric_value(body, "leakbpf_fds", t.pid, "kind=\"pipe\"", &v), "pipes");
	ASSERT_EQ((long long)v, count_fds(t.pid, "pipe:"), "pipes as /proc lists them");
	ASSERT_OK_PTR(strstr(body, "\nleakbpf_lost_events_total 0\n"), "no event lost");
	promtool_check_metrics(body);
	prometheus_scrapes(port, t.pid);
	/* exit: its series are exported once more, then gone */
	ASSERT_OK(proc_send(&t, "exit"), "exit");
	ASSERT_EQ(proc_finish(&t), 0, "target exits");
	ASSERT_TRUE(wait_metric(port, "leakbpf_threads", t.pid, NULL, -1, &v, NULL),
		    "series dropped after exit");
	kill(a.pid, SIGINT);
	ASSERT_EQ(proc_finish(&a), 0, "agent exits 0 on SIGINT");
out:
	free(body);
	stop_both(&t, &a);
}

/*
 * Default windows, and a period far longer than the test: a busy process outside its
 * window has no probe in it. The kernel maps [uprobes] into a process at its first probe
 * hit: without it, not one call of its 200,000 trapped.
 */
static void outside_window(void)
{
	char *cmd[] = { TARGETS "leak_n", "0", "64", "0", "200000", NULL };
	struct proc a = {}, t = {};
	int port = agent_port() + 2;
	char maps[64], line[512];
	bool trapped = false;
	double v = -1;
	FILE *f;

	if (!ASSERT_OK(start_agent(&a, port, "86400"), "agent starts"))
		goto out;
	if (!ASSERT_OK(proc_start(&t, cmd, false), "start leak_n") ||
	    !ASSERT_OK(proc_expect(&t, "ready"), "ready"))
		goto out;
	if (!ASSERT_TRUE(wait_metric(port, "leakbpf_probe_windows_total", t.pid, NULL, 0, &v,
				     NULL), "watched"))
		goto out;
	if (!ASSERT_OK(proc_send(&t, "go"), "go") || !ASSERT_OK(proc_expect(&t, "done"), "done"))
		goto out;
	snprintf(maps, sizeof(maps), "/proc/%d/maps", t.pid);
	f = fopen(maps, "r");
	while (f && fgets(line, sizeof(line), f))
		trapped |= strstr(line, "[uprobes]") != NULL;
	if (f)
		fclose(f);
	wait_metric(port, "leakbpf_probe_windows_total", t.pid, NULL, 0, &v, NULL);
	/* a window may, once in thousands of runs, fall in these seconds: then it proves nothing */
	if (v == 0)
		ASSERT_FALSE(trapped, "no probe hit outside its window");
	ASSERT_OK(proc_send(&t, "exit"), "exit");
	ASSERT_EQ(proc_finish(&t), 0, "target exits");
	kill(a.pid, SIGINT);
	ASSERT_EQ(proc_finish(&a), 0, "agent exits 0");
out:
	stop_both(&t, &a);
}

/*
 * A process in a mount namespace of its own, chrooted, with its own copy of libc (as in a
 * container): found through /proc/PID/root and counted exactly all the same.
 */
static void other_mount_namespace(void)
{
	char dir[] = "/tmp/leakbpf-ns-XXXXXX", sh[512];
	char *cmd[] = { "/usr/bin/unshare", "-m", "/usr/sbin/chroot", dir, "/leak_n", "300", "64",
			"0", "5000", NULL };
	struct proc a = {}, t = {};
	int port = agent_port() + 3;
	struct stat own, host;
	pid_t pid = 0;
	double v;
	char *body = NULL;

	if (!ASSERT_OK_PTR(mkdtemp(dir), "mkdtemp"))
		return;
	snprintf(sh, sizeof(sh), "mkdir -p %1$s/lib/x86_64-linux-gnu %1$s/lib64 && "
		 "cp " TARGETS "leak_n %1$s/ && cp /lib/x86_64-linux-gnu/libc.so.6 "
		 "%1$s/lib/x86_64-linux-gnu/ && cp /lib64/ld-linux-x86-64.so.2 %1$s/lib64/", dir);
	if (!ASSERT_OK(system(sh), "copy the target, libc and ld.so") ||
	    !ASSERT_OK(start_agent(&a, port, "0"), "agent starts") ||
	    !ASSERT_OK(proc_start(&t, cmd, false), "start in its own namespace") ||
	    !ASSERT_OK(proc_expect(&t, "ready"), "ready"))
		goto out;
	/* unshare execs chroot, which execs leak_n: the same pid all along */
	pid = t.pid;
	snprintf(sh, sizeof(sh), "[ \"$(readlink /proc/%d/ns/mnt)\" != \"$(readlink /proc/self/ns/mnt)\" ]",
		 pid);
	ASSERT_OK(system(sh), "in another mount namespace");
	/* its libc is the copy, another file than the host's */
	snprintf(sh, sizeof(sh), "/proc/%d/root/lib/x86_64-linux-gnu/libc.so.6", pid);
	ASSERT_TRUE(!stat(sh, &own) && !stat("/lib/x86_64-linux-gnu/libc.so.6", &host) &&
		    own.st_ino != host.st_ino, "a libc of its own");
	if (!ASSERT_TRUE(wait_metric(port, "leakbpf_probed", pid, NULL, 1, &v, NULL), "probed") ||
	    !ASSERT_OK(proc_send(&t, "go"), "go") || !ASSERT_OK(proc_expect(&t, "done"), "done") ||
	    !ASSERT_TRUE(wait_metric(port, "leakbpf_frees_total", pid, NULL, 5000, &v, &body),
			 "counted"))
		goto out;
	ASSERT_TRUE(metric_value(body, "leakbpf_mallocs_total", pid, NULL, &v), "mallocs");
	ASSERT_EQ((long long)v, 5300, "mallocs: exactly, through its own libc");
	ASSERT_TRUE(metric_value(body, "leakbpf_frees_total", pid, NULL, &v), "frees");
	ASSERT_EQ((long long)v, 5000, "frees: exactly");
	ASSERT_OK(proc_send(&t, "exit"), "exit");
	ASSERT_EQ(proc_finish(&t), 0, "target exits");
out:
	free(body);
	stop_both(&t, &a);
	snprintf(sh, sizeof(sh), "rm -rf %s", dir);
	system(sh);
}

/*
 * A process whose allocations are mostly kept crosses the object-growth signal: the agent
 * runs leakbpf on it for a full-mode window and exports its top leak site, named by the
 * function that leaks and its caller, and logs it as a JSON line.
 */
static void escalated(void)
{
	char *cmd[] = { TARGETS "drip", "512", NULL };
	char serve[32];
	char *argv[] = { LEAKBPF, "-a", "--serve", serve, "--probe-every", "0", "-i", "1",
			 "--probe-window", "2", NULL };
	struct proc a = {}, t = {};
	int port = agent_port() + 4;
	double v;
	char *body = NULL, want[128];

	snprintf(serve, sizeof(serve), "127.0.0.1:%d", port);
	if (!ASSERT_OK(proc_start(&a, argv, true), "agent") ||
	    !ASSERT_OK(proc_wait_stderr(&a, "leakbpf: watching every process"), "agent starts") ||
	    !ASSERT_OK(proc_start(&t, cmd, false), "start drip") ||
	    !ASSERT_OK(proc_expect(&t, "ready"), "ready") ||
	    !ASSERT_TRUE(wait_metric(port, "leakbpf_probed", t.pid, NULL, 1, &v, NULL), "probed") ||
	    !ASSERT_OK(proc_send(&t, "go"), "go"))
		goto out;
	if (!ASSERT_TRUE(wait_metric(port, "leakbpf_leak_site_bytes", t.pid, "rank=\"1\"", 512,
				     &v, &body), "a leak site exported"))
		goto out;
	ASSERT_TRUE(metric_value(body, "leakbpf_leak_site_bytes", t.pid,
				 "site=\"drip_leak<-main", &v), "the site: drip_leak, called by main");
	ASSERT_EQ((long long)v % 512, 0, "whole blocks of 512 bytes");
	ASSERT_TRUE(metric_value(body, "leakbpf_escalations_total", t.pid, NULL, &v) && v == 1,
		    "one escalation");
	snprintf(want, sizeof(want), "{\"pid\":%d,\"comm\":\"drip\",\"leak_sites\":[{\"site\":"
		 "\"drip_leak<-main", t.pid);
	ASSERT_OK(proc_send(&t, "exit"), "exit");
	ASSERT_EQ(proc_finish(&t), 0, "drip exits when told");
	kill(a.pid, SIGINT);
	ASSERT_EQ(proc_finish(&a), 0, "agent exits 0");
	if (!ASSERT_OK_PTR(strstr(a.out_buf ?: "", want), "logged as a JSON line"))
		fprintf(stderr, "  the agent wrote: %s\n", a.out_buf ?: "(nothing)");
out:
	free(body);
	stop_both(&t, &a);
}

/* tools/prometheus: the alerting rules are valid and their unit tests pass */
static void prometheus_rules(void)
{
	if (!have_tool("promtool")) {
		fprintf(stderr, "  promtool is not installed\n");
		test__fail();
		return;
	}
	ASSERT_EQ(system("promtool check rules tools/prometheus/rules.yml >/dev/null"), 0,
		  "promtool check rules");
	ASSERT_EQ(system("promtool test rules tools/prometheus/rules_test.yml >/dev/null"), 0,
		  "promtool test rules");
	ASSERT_EQ(system("cd tools/prometheus && promtool check config prometheus.yml "
			 ">/dev/null"), 0, "promtool check config");
}

/*
 * A process in its own network namespace (a container's): its sockets are not in the
 * agent's sock_diag dump, and are read through the process itself. fds scenario leaves
 * a listener and 4 connections in CLOSE_WAIT open, opened after the agent's first look:
 * fd_growth fails for it, thread_growth does not.
 */
static void other_network_namespace(void)
{
	char dir[] = "/tmp/leakbpf-netns-XXXXXX", sh[512];
	char *cmd[] = { "/usr/bin/unshare", "-n", "/bin/sh", "-c", sh, NULL };
	struct proc a = {}, t = {};
	int port = agent_port() + 5, i;
	double v;
	char *body = NULL, check[256];

	if (!ASSERT_OK_PTR(mkdtemp(dir), "mkdtemp"))
		return;
	/* loopback up, then the target in place of the shell: the same pid all along */
	snprintf(sh, sizeof(sh), "ip link set lo up && exec " TARGETS "fds scenario %s", dir);
	if (!ASSERT_OK(start_agent(&a, port, "0"), "agent starts") ||
	    !ASSERT_OK(proc_start(&t, cmd, false), "start in its own network namespace") ||
	    !ASSERT_OK(proc_expect(&t, "ready"), "ready"))
		goto out;
	snprintf(check, sizeof(check),
		 "[ \"$(readlink /proc/%d/ns/net)\" != \"$(readlink /proc/self/ns/net)\" ]", t.pid);
	ASSERT_OK(system(check), "in another network namespace");
	if (!ASSERT_TRUE(wait_metric(port, "leakbpf_open_fds", t.pid, NULL, 0, &v, NULL),
			 "looked at") ||
	    !ASSERT_OK(proc_send(&t, "go"), "go"))
		goto out;
	/* it names its UDP ports and its listener's on the way */
	for (i = 0; i < 3; i++)
		proc_read_line(&t, check, sizeof(check));
	if (!ASSERT_OK(proc_expect(&t, "done"), "done") ||
	    !ASSERT_TRUE(wait_metric(port, "leakbpf_sockets", t.pid, "state=\"CLOSE_WAIT\"", 4, &v,
				     &body), "its CLOSE_WAIT sockets"))
		goto out;
	ASSERT_EQ((long long)v, 4, "CLOSE_WAIT: the 4 the server side closed");
	ASSERT_TRUE(metric_value(body, "leakbpf_sockets", t.pid, "state=\"LISTEN\"", &v),
		    "LISTEN");
	ASSERT_EQ((long long)v, 1, "one listener");
	free(body);
	body = NULL;
	if (!ASSERT_TRUE(wait_metric(port, "leakbpf_leak", t.pid, "check=\"fd_growth\"", 1, &v,
				     &body), "fd_growth fails"))
		goto out;
	ASSERT_TRUE(metric_value(body, "leakbpf_leak", t.pid, "check=\"thread_growth\"", &v),
		    "thread_growth judged");
	ASSERT_EQ((long long)v, 0, "thread_growth passes");
	promtool_check_metrics(body);
	ASSERT_OK(proc_send(&t, "exit"), "exit");
	ASSERT_EQ(proc_finish(&t), 0, "target exits");
out:
	free(body);
	stop_both(&t, &a);
	snprintf(sh, sizeof(sh), "rm -rf %s", dir);
	system(sh);
}

#define UNIT "tools/prometheus/leakbpf-agent.service"

/* The unit's CapabilityBoundingSet as setpriv's "-all,+bpf,+perfmon,..."; 0 or -1. */
static int unit_caps(char *out, size_t size, const char *leave_out)
{
	char line[512], *tok, *save = NULL;
	size_t used;
	FILE *f = fopen(UNIT, "r");

	if (!f)
		return -1;
	used = snprintf(out, size, "-all");
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "CapabilityBoundingSet=", 22))
			continue;
		for (tok = strtok_r(line + 22, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
			char *c;

			if (strncmp(tok, "CAP_", 4) || (leave_out && !strcmp(tok, leave_out)))
				continue;
			for (c = tok; *c; c++)
				*c = *c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c;
			used += snprintf(out + used, size - used, ",+%s", tok + 4);
		}
	}
	fclose(f);
	return used > strlen("-all") && used < size ? 0 : -1;
}

/*
 * The systemd unit: systemd-analyze verify accepts it (pointed at this leakbpf), and the
 * agent, root with only the unit's capabilities, counts a process's allocations exactly.
 */
static void systemd_unit(void)
{
	char caps[256], bset[300], serve[32], sh[5120], self[4096], n[16];
	char *argv[] = { "/usr/bin/setpriv", bset, "--inh-caps=-all", LEAKBPF, "-a", "--serve",
			 serve, "--probe-every", "0", "-i", "1", NULL };
	char *cmd[] = { TARGETS "leak_n", n, "64", "0", "5000", NULL };
	struct proc a = {}, t = {};
	int port = agent_port() + 6;
	char *body = NULL;
	double v;

	if (!ASSERT_TRUE(have_tool("systemd-analyze"), "systemd-analyze is installed") ||
	    !ASSERT_OK_PTR(realpath(LEAKBPF, self), "realpath"))
		return;
	snprintf(sh, sizeof(sh), "d=$(mktemp -d) && sed 's|^ExecStart=[^ ]*|ExecStart=%s|' " UNIT
		 " > $d/leakbpf-agent.service && systemd-analyze verify --man=no "
		 "$d/leakbpf-agent.service; r=$?; rm -rf $d; exit $r", self);
	ASSERT_OK(system(sh), "systemd-analyze verify");
	if (!ASSERT_OK(unit_caps(caps, sizeof(caps), NULL), "the unit's capabilities"))
		return;
	snprintf(bset, sizeof(bset), "--bounding-set=%s", caps);
	snprintf(serve, sizeof(serve), "127.0.0.1:%d", port);
	snprintf(n, sizeof(n), "%d", 1000);
	if (!ASSERT_OK(proc_start(&a, argv, true), "agent with the unit's capabilities") ||
	    !ASSERT_OK(proc_wait_stderr(&a, "leakbpf: watching every process"), "agent starts") ||
	    !ASSERT_OK(proc_start(&t, cmd, false), "start leak_n") ||
	    !ASSERT_OK(proc_expect(&t, "ready"), "ready") ||
	    !ASSERT_TRUE(wait_metric(port, "leakbpf_probed", t.pid, NULL, 1, &v, NULL), "probed") ||
	    !ASSERT_OK(proc_send(&t, "go"), "go") || !ASSERT_OK(proc_expect(&t, "done"), "done") ||
	    !ASSERT_TRUE(wait_metric(port, "leakbpf_frees_total", t.pid, NULL, 5000, &v, &body),
			 "counted"))
		goto out;
	/* the capabilities really were those */
	snprintf(sh, sizeof(sh), "grep -q '^CapEff:\t0000000000000000' /proc/%d/status || "
		 "! grep -q '^CapEff:\t000001ffffffffff' /proc/%d/status", a.pid, a.pid);
	ASSERT_OK(system(sh), "not every capability");
	ASSERT_TRUE(metric_value(body, "leakbpf_mallocs_total", t.pid, NULL, &v), "mallocs");
	ASSERT_EQ((long long)v, 6000, "mallocs: exactly");
	ASSERT_TRUE(metric_value(body, "leakbpf_frees_total", t.pid, NULL, &v), "frees");
	ASSERT_EQ((long long)v, 5000, "frees: exactly");
	ASSERT_OK(proc_send(&t, "exit"), "exit");
	ASSERT_EQ(proc_finish(&t), 0, "target exits");
	kill(a.pid, SIGTERM);
	ASSERT_EQ(proc_finish(&a), 0, "agent exits 0 on SIGTERM");
out:
	free(body);
	stop_both(&t, &a);
}

void test_fleet(void)
{
	if (test__start_subtest("prometheus_rules"))
		prometheus_rules();
	if (!bpf_tests_possible())
		return;
	if (test__start_subtest("probed_continuously"))
		probed_continuously();
	if (test__start_subtest("outside_window"))
		outside_window();
	if (test__start_subtest("other_mount_namespace"))
		other_mount_namespace();
	if (test__start_subtest("other_network_namespace"))
		other_network_namespace();
	if (test__start_subtest("escalated"))
		escalated();
	if (test__start_subtest("systemd_unit"))
		systemd_unit();
}
