// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "harness.h"
#include "test_progs.h"

bool bpf_tests_possible(void)
{
	if (geteuid() != 0) {
		test__skip("needs root");
		return false;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		test__skip("needs kernel BTF (/sys/kernel/btf/vmlinux)");
		return false;
	}
	return true;
}

/* Move fd to exactly `to` in a child about to exec. */
static void place_fd(int fd, int to)
{
	if (fd == to) {
		fcntl(fd, F_SETFD, 0);
		return;
	}
	dup2(fd, to);
}

int proc_start(struct proc *p, char *const argv[], bool capture)
{
	int in[2], out[2], so[2] = { -1, -1 }, se[2] = { -1, -1 };

	memset(p, 0, sizeof(*p));
	p->out = p->err = -1;
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC))
		return -1;
	if (capture && (pipe2(so, O_CLOEXEC) || pipe2(se, O_CLOEXEC)))
		return -1;
	p->pid = fork();
	if (p->pid < 0)
		return -1;
	if (p->pid == 0) {
		/* fds 3 and 4 may be taken by the pipes themselves: lift them out of the way */
		int a = fcntl(in[0], F_DUPFD_CLOEXEC, 10), b = fcntl(out[1], F_DUPFD_CLOEXEC, 10);

		place_fd(a, 3);
		place_fd(b, 4);
		if (capture) {
			dup2(so[1], 1);
			dup2(se[1], 2);
		}
		/* whatever runs the tests may leak fds to us: targets start with 0-4 only */
		syscall(SYS_close_range, 5, ~0U, 0);
		execv(argv[0], argv);
		_exit(126);
	}
	close(in[0]);
	close(out[1]);
	p->ctl_in = in[1];
	p->ctl_out = out[0];
	if (capture) {
		close(so[1]);
		close(se[1]);
		p->out = so[0];
		p->err = se[0];
	}
	return 0;
}

int proc_send(struct proc *p, const char *word)
{
	size_t n = strlen(word);

	if (write(p->ctl_in, word, n) != (ssize_t)n || write(p->ctl_in, "\n", 1) != 1) {
		fprintf(stderr, "  cannot send '%s' to PID %d: %s\n", word, p->pid, strerror(errno));
		test__fail();
		return -1;
	}
	return 0;
}

static int wait_readable(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int r;

	do {
		r = poll(&pfd, 1, STUCK_MS);
	} while (r < 0 && errno == EINTR);
	return r > 0 ? 0 : -1;
}

int proc_read_line(struct proc *p, char *line, size_t size)
{
	size_t n = 0;

	while (n < size - 1) {
		if (wait_readable(p->ctl_out) || read(p->ctl_out, &line[n], 1) != 1) {
			line[n] = '\0';
			return -1;
		}
		if (line[n] == '\n')
			break;
		n++;
	}
	line[n] = '\0';
	return 0;
}

int proc_expect(struct proc *p, const char *word)
{
	char line[128];

	if (proc_read_line(p, line, sizeof(line))) {
		fprintf(stderr, "  PID %d did not say '%s'\n", p->pid, word);
		test__fail();
		return -1;
	}
	if (strcmp(line, word)) {
		fprintf(stderr, "  PID %d said '%s', expected '%s'\n", p->pid, line, word);
		test__fail();
		return -1;
	}
	return 0;
}

/* Append what fd has now to buf; 0 = EOF, 1 = more may come, -1 = error. */
static int slurp(int fd, char **buf, size_t *len)
{
	char chunk[4096];
	ssize_t n = read(fd, chunk, sizeof(chunk));
	char *b;

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : -1;
	if (n == 0)
		return 0;
	b = realloc(*buf, *len + n + 1);
	if (!b)
		return -1;
	memcpy(b + *len, chunk, n);
	*len += n;
	b[*len] = '\0';
	*buf = b;
	return 1;
}

int proc_wait_stderr(struct proc *p, const char *prefix)
{
	size_t scanned = 0;

	for (;;) {
		char *line = p->err_buf ? p->err_buf + scanned : NULL, *nl;

		while (line && (nl = strchr(line, '\n'))) {
			if (!strncmp(line, prefix, strlen(prefix)))
				return 0;
			scanned += nl - line + 1;
			line = nl + 1;
		}
		if (wait_readable(p->err) || slurp(p->err, &p->err_buf, &p->err_len) <= 0) {
			fprintf(stderr, "  no '%s' on stderr of PID %d; it said:\n%s\n", prefix,
				p->pid, p->err_buf ? p->err_buf : "");
			return -1;
		}
	}
}

int count_stderr(const struct proc *p, const char *str)
{
	const char *s = p->err_buf;
	int n = 0;

	while (s && (s = strstr(s, str))) {
		n++;
		s += strlen(str);
	}
	return n;
}

int proc_wait_stderr_count(struct proc *p, const char *str, int n)
{
	while (count_stderr(p, str) < n) {
		if (wait_readable(p->err) || slurp(p->err, &p->err_buf, &p->err_len) <= 0) {
			fprintf(stderr, "  '%s' not %d times on stderr of PID %d; it said:\n%s\n",
				str, n, p->pid, p->err_buf ? p->err_buf : "");
			return -1;
		}
	}
	return 0;
}

int proc_finish(struct proc *p)
{
	int status;

	while (p->out >= 0 || p->err >= 0) {
		struct pollfd pfd[2] = { { .fd = p->out, .events = POLLIN },
					 { .fd = p->err, .events = POLLIN } };
		int r = poll(pfd, 2, STUCK_MS);

		if (r == 0) {
			/* stuck, or another process holds its pipes open: either way, give up */
			fprintf(stderr, "  PID %d is stuck: killing it\n", p->pid);
			kill(p->pid, SIGKILL);
			break;
		}
		if (r < 0 && errno != EINTR)
			break;
		if (pfd[0].revents && slurp(p->out, &p->out_buf, &p->out_len) <= 0) {
			close(p->out);
			p->out = -1;
		}
		if (pfd[1].revents && slurp(p->err, &p->err_buf, &p->err_len) <= 0) {
			close(p->err);
			p->err = -1;
		}
	}
	if (p->pid <= 0 || waitpid(p->pid, &status, 0) != p->pid)
		return -1;
	p->pid = 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int proc_wait_exit(struct proc *p)
{
	int status, fd, i, pidfd;

	if (p->pid <= 0)
		return -1;
	/* a hang is a failure, not a stuck CI run */
	pidfd = syscall(SYS_pidfd_open, p->pid, 0);
	if (pidfd >= 0) {
		if (wait_readable(pidfd)) {
			fprintf(stderr, "  PID %d is stuck: killing it\n", p->pid);
			kill(p->pid, SIGKILL);
		}
		close(pidfd);
	}
	if (waitpid(p->pid, &status, 0) != p->pid)
		return -1;
	p->pid = 0;
	/* what it wrote before it exited is in the pipes: take it without waiting for EOF */
	for (i = 0; i < 2; i++) {
		fd = i ? p->err : p->out;
		if (fd < 0)
			continue;
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		for (;;) {
			errno = 0;
			if (slurp(fd, i ? &p->err_buf : &p->out_buf, i ? &p->err_len : &p->out_len)
			    <= 0 || errno == EAGAIN)
				break;
		}
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void proc_kill(struct proc *p)
{
	if (p->pid > 0) {
		kill(p->pid, SIGKILL);
		waitpid(p->pid, NULL, 0);
		p->pid = 0;
	}
}

void proc_free(struct proc *p)
{
	proc_kill(p);
	if (p->ctl_in > 0)
		close(p->ctl_in);
	if (p->ctl_out > 0)
		close(p->ctl_out);
	/* > 0 as for ctl_*: a zeroed (or already freed) proc owns no fd, least of all stdin */
	if (p->out > 0)
		close(p->out);
	if (p->err > 0)
		close(p->err);
	free(p->out_buf);
	free(p->err_buf);
	memset(p, 0, sizeof(*p));
}

static int start_leakbpf(struct proc *l, const char *const *extra, const char *pid,
			 char *const cmd[])
{
	char *argv[64];
	int n = 0, i;

	argv[n++] = LEAKBPF;
	argv[n++] = "--json";
	for (i = 0; extra && extra[i] && n < 40; i++)
		argv[n++] = (char *)extra[i];
	if (pid) {
		argv[n++] = "-p";
		argv[n++] = (char *)pid;
	} else {
		argv[n++] = "--";
		for (i = 0; cmd[i] && n < 63; i++)
			argv[n++] = cmd[i];
	}
	argv[n] = NULL;
	if (proc_start(l, argv, true))
		return -1;
	if (proc_wait_stderr(l, "leakbpf: attached to PID")) {
		test__fail();
		return -1;
	}
	return 0;
}

int leakbpf_attach_pid(struct proc *l, pid_t pid, const char *const *extra)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%d", pid);
	return start_leakbpf(l, extra, buf, NULL);
}

int leakbpf_run_cmd(struct proc *l, const char *const *extra, char *const cmd[])
{
	return start_leakbpf(l, extra, NULL, cmd);
}

int trace_pid_until_done(struct proc *t, struct proc *l, char *const cmd[],
			 const char *const *extra)
{
	if (proc_start(t, cmd, false) || proc_expect(t, "ready"))
		return -1;
	if (leakbpf_attach_pid(l, t->pid, extra))
		return -1;
	return proc_send(t, "go") || proc_expect(t, "done") ? -1 : 0;
}

int trace_cmd_until_done(struct proc *l, char *const cmd[], const char *const *extra)
{
	if (leakbpf_run_cmd(l, extra, cmd))
		return -1;
	return proc_expect(l, "ready") || proc_send(l, "go") || proc_expect(l, "done") ? -1 : 0;
}

json_t *leakbpf_finish(struct proc *l, int sig, int *status)
{
	json_t *r;

	if (sig)
		kill(l->pid, sig);
	*status = proc_finish(l);
	r = last_report(l);
	if (!r) {
		fprintf(stderr, "  no report from leakbpf (status %d); it said:\n%s\n", *status,
			l->err_buf ? l->err_buf : "");
		test__fail();
	}
	return r;
}

json_t *last_report(const struct proc *p)
{
	char *copy, *line, *save = NULL;
	json_t *last = NULL;

	if (!p->out_buf)
		return NULL;
	copy = strdup(p->out_buf);
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_t *j;

		if (line[0] != '{')
			continue;
		j = json_loads(line, 0, NULL);
		if (j) {
			json_decref(last);
			last = j;
		}
	}
	free(copy);
	/* a test that expects no loss then shows what leakbpf said it lost */
	if (last && json_integer_value(json_object_get(last, "lost_events")) > 0 && p->err_buf) {
		copy = strdup(p->err_buf);
		for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			if (strstr(line, "leakbpf: lost: "))
				fprintf(stderr, "  %s\n", line);
		free(copy);
	}
	return last;
}

int count_reports(const struct proc *p)
{
	const char *s = p->out_buf;
	int n = 0;

	while (s && *s) {
		if (*s == '{')
			n++;
		s = strchr(s, '\n');
		s = s ? s + 1 : NULL;
	}
	return n;
}

/*
 * Where there is no validator to run (make vmtest's guests have no python3): keep the
 * report in LEAKBPF_REPORTS_DIR, named after the test, for the host to check afterwards.
 */
static int defer_report(const char *dir, const struct proc *p)
{
	static int seq;
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%03d-%s-%s.json", dir, ++seq, env_test.test,
		 env_test.subtest[0] ? env_test.subtest : "-");
	f = fopen(path, "w");
	if (!f || (p->out_len && fwrite(p->out_buf, 1, p->out_len, f) != p->out_len)) {
		fprintf(stderr, "cannot keep the report in %s (%s)\n", path, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	return fclose(f) ? -1 : 0;
}

int check_report_schema(const struct proc *p)
{
	char path[] = "/tmp/leakbpf-report-XXXXXX", cmd[PATH_MAX];
	const char *dir = getenv("LEAKBPF_REPORTS_DIR");
	int fd, status;

	if (dir && *dir)
		return defer_report(dir, p);

	/* the tests depend on nothing outside the repository: no validator is a failure */
	if (access(CHECK_REPORT, X_OK)) {
		fprintf(stderr, "cannot run %s (%s): the reports are not checked\n", CHECK_REPORT,
			strerror(errno));
		return -1;
	}
	fd = mkstemp(path);
	if (fd < 0) {
		fprintf(stderr, "cannot create %s (%s)\n", path, strerror(errno));
		return -1;
	}
	if (p->out_buf && write(fd, p->out_buf, p->out_len) != (ssize_t)p->out_len) {
		fprintf(stderr, "cannot write %s (%s)\n", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	snprintf(cmd, sizeof(cmd), "%s %s >&2", CHECK_REPORT, path);
	status = system(cmd);
	unlink(path);
	if (!WIFEXITED(status)) {
		fprintf(stderr, "%s did not run to its end\n", CHECK_REPORT);
		return -1;
	}
	/* 2: it could not check (python3-jsonschema missing...); it said why on stderr */
	if (WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 1) {
		fprintf(stderr, "%s could not check the reports (exit status %d)\n",
			CHECK_REPORT, WEXITSTATUS(status));
		return -1;
	}
	return WEXITSTATUS(status);
}

json_t *report_proc(json_t *report)
{
	return json_array_get(json_object_get(report, "processes"), 0);
}

static json_t *at_path(json_t *obj, const char *path)
{
	char buf[256], *part, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (part = strtok_r(buf, ".", &save); part && obj; part = strtok_r(NULL, ".", &save))
		obj = json_object_get(obj, part);
	return obj;
}

long long jint(json_t *obj, const char *path)
{
	json_t *v = at_path(obj, path);

	return json_is_integer(v) ? json_integer_value(v) : LLONG_MIN;
}

double jnum(json_t *obj, const char *path)
{
	json_t *v = at_path(obj, path);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

const char *jstr(json_t *obj, const char *path)
{
	return json_string_value(at_path(obj, path));
}

json_t *site_by_symbol(json_t *proc, const char *symbol)
{
	json_t *sites = json_object_get(proc, "leak_sites"), *s;
	size_t i;

	json_array_foreach(sites, i, s) {
		const char *sym = jstr(json_array_get(json_object_get(s, "stack"), 0), "symbol");

		if (sym && !strcmp(sym, symbol))
			return s;
	}
	return NULL;
}

/* A check of a process's verdict by name, NULL if absent. */
static json_t *check_by_name(json_t *proc, const char *name)
{
	json_t *checks = json_object_get(json_object_get(proc, "verdict"), "checks"), *c;
	size_t i;

	json_array_foreach(checks, i, c) {
		if (!strcmp(jstr(c, "name") ?: "", name))
			return c;
	}
	return NULL;
}

json_t *leaked_fd(json_t *proc, int fd)
{
	json_t *a = json_object_get(proc, "leaked_fds"), *l;
	size_t i;

	json_array_foreach(a, i, l) {
		if (jint(l, "fd") == fd)
			return l;
	}
	return NULL;
}

const char *stack_symbol(json_t *entry, int i)
{
	return jstr(json_array_get(json_object_get(entry, "stack"), i), "symbol");
}

int stack_has(json_t *entry, const char *fn, const char *const *then)
{
	const char *s;
	int i, j;

	for (i = 0; i < 4; i++) {
		s = stack_symbol(entry, i);
		if (s && !strcmp(s, fn))
			break;
	}
	if (i == 4)
		return -1;
	for (j = 0; then && then[j]; j++) {
		s = stack_symbol(entry, i + 1 + j);
		if (!s || strcmp(s, then[j]))
			return -1;
	}
	return i;
}

const char *check_status(json_t *proc, const char *name)
{
	return jstr(check_by_name(proc, name), "status");
}

double check_value(json_t *proc, const char *name)
{
	return jnum(check_by_name(proc, name), "value");
}

double check_threshold(json_t *proc, const char *name)
{
	return jnum(check_by_name(proc, name), "threshold");
}

const char *check_reason(json_t *proc, const char *name)
{
	return jstr(check_by_name(proc, name), "reason");
}

char *http_get(int port, const char *path, int *status)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	char req[256], *buf = NULL, *body;
	size_t len = 0, cap = 0;
	int fd;

	*status = 0;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		close(fd);
		return NULL;
	}
	snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", path);
	/* a server that hung up is a failed request, not a SIGPIPE that ends every test */
	if (send(fd, req, strlen(req), MSG_NOSIGNAL) != (ssize_t)strlen(req)) {
		close(fd);
		return NULL;
	}
	for (;;) {
		ssize_t n;

		if (len + 4096 + 1 > cap) {
			char *grown = realloc(buf, cap = cap * 2 + 8192);

			if (!grown)
				break;
			buf = grown;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n <= 0)
			break;
		len += n;
	}
	close(fd);
	if (!buf)
		return NULL;
	buf[len] = '\0';
	sscanf(buf, "HTTP/%*s %d", status);
	body = strstr(buf, "\r\n\r\n");
	body = strdup(body ? body + 4 : "");
	free(buf);
	return body;
}

bool metric_value(const char *body, const char *name, pid_t pid, const char *more,
		  double *value)
{
	char want[64];
	size_t nlen = strlen(name);
	const char *line;

	snprintf(want, sizeof(want), "pid=\"%d\"", pid);
	for (line = body; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		const char *end = strchr(line, '\n'), *close;

		if (strncmp(line, name, nlen) || line[nlen] != '{')
			continue;
		close = strchr(line, '}');
		if (!close || (end && close > end))
			continue;
		/* the labels of this line only */
		if (!memmem(line, close - line, want, strlen(want)) ||
		    (more && !memmem(line, close - line, more, strlen(more))))
			continue;
		*value = strtod(close + 1, NULL);
		return true;
	}
	return false;
}

bool have_tool(const char *tool)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", tool);
	return system(cmd) == 0;
}

void promtool_check_metrics(const char *body)
{
	char path[] = "/tmp/leakbpf-metrics-XXXXXX", cmd[128];
	int fd;

	if (!have_tool("promtool")) {
		fprintf(stderr, "  promtool is not installed: exposition not checked\n");
		test__fail();
		return;
	}
	fd = mkstemp(path);
	if (!ASSERT_TRUE(fd >= 0, "mkstemp"))
		return;
	ASSERT_EQ(write(fd, body, strlen(body)), (ssize_t)strlen(body), "write metrics");
	close(fd);
	snprintf(cmd, sizeof(cmd), "promtool check metrics < %s", path);
	ASSERT_EQ(system(cmd), 0, "promtool check metrics");
	unlink(path);
}

void proc_end(struct proc *p)
{
	if (p->pid > 0 && !kill(p->pid, 0))
		proc_kill(p);
	proc_free(p);
}
