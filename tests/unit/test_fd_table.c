// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/* user/proc/fd_table.c: what an fd link says about its kind, and /proc/net lines (real ones). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <cmocka.h>
#include "proc/fd_table.h"

static void kinds(void **state)
{
	assert_int_equal(fd_kind_of_link("/var/log/x.log"), FD_FILE);
	assert_int_equal(fd_kind_of_link("/dev/null"), FD_FILE);
	assert_int_equal(fd_kind_of_link("/tmp/gone (deleted)"), FD_FILE);
	assert_int_equal(fd_kind_of_link("socket:[40453]"), FD_SOCKET);
	assert_int_equal(fd_kind_of_link("pipe:[41298]"), FD_PIPE);
	assert_int_equal(fd_kind_of_link("anon_inode:[eventfd]"), FD_ANON);
	assert_int_equal(fd_kind_of_link("anon_inode:[eventpoll]"), FD_ANON);
	assert_int_equal(fd_kind_of_link("anon_inode:[timerfd]"), FD_ANON);
	assert_int_equal(fd_kind_of_link("anon_inode:[signalfd]"), FD_ANON);
	assert_int_equal(fd_kind_of_link("anon_inode:inotify"), FD_ANON);
	assert_int_equal(fd_kind_of_link("anon_inode:[pidfd]"), FD_ANON);
	assert_int_equal(fd_kind_of_link("/memfd:leakbpf (deleted)"), FD_ANON);
	assert_int_equal(fd_kind_of_link("net:[4026531840]"), FD_OTHER);
	assert_int_equal(fd_kind_of_link(""), FD_OTHER);
}

static void tcp_lines(void **state)
{
	char buf[128];
	uint64_t ino;

	assert_int_equal(sock_parse_inet("   0: 0100007F:869F 00000000:0000 0A 00000000:00000000 "
					 "00:00000000 00000000     0        0 103233 1 "
					 "00000000ca07c936 100 0 0 10 0\n", "tcp", false, &ino,
					 buf, sizeof(buf)), 0);
	assert_int_equal(ino, 103233);
	assert_string_equal(buf, "tcp 127.0.0.1:34463 (listening)");

	assert_int_equal(sock_parse_inet("   7: 0100007F:9F64 0100007F:869F 08 00000000:00000001 "
					 "00:00000000 00000000     0        0 103234 2 "
					 "0000000001b49e7d 20 4 0 10 -1\n", "tcp", false, &ino,
					 buf, sizeof(buf)), 0);
	assert_int_equal(ino, 103234);
	assert_string_equal(buf, "tcp 127.0.0.1:40804 -> 127.0.0.1:34463 (CLOSE_WAIT)");

	assert_int_equal(sock_parse_inet("   2: 0200000A:0050 0500000A:15B3 01 00000000:00000000 "
					 "00:00000000 00000000  1000        0 77 1 0 20 4 30 10 -1",
					 "tcp", false, &ino, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "tcp 10.0.0.2:80 -> 10.0.0.5:5555");

	/* the header, and a time-wait socket (inode 0: it belongs to no fd) parse as lines */
	assert_int_equal(sock_parse_inet("  sl  local_address rem_address   st tx_queue rx_queue tr "
					 "tm->when retrnsmt   uid  timeout inode\n", "tcp", false,
					 &ino, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(sock_parse_inet("   3: 0100007F:E1A5 0100007F:8A70 06 00000000:00000000 "
					 "03:00000A06 00000000     0        0 0 3 000000007abffc2b",
					 "tcp", false, &ino, buf, sizeof(buf)), 0);
	assert_int_equal(ino, 0);
	assert_int_equal(sock_parse_inet("garbage", "tcp", false, &ino, buf, sizeof(buf)),
			 -EINVAL);
}

static void udp_lines(void **state)
{
	char buf[128];
	uint64_t ino;

	assert_int_equal(sock_parse_inet(" 1591: 00000000000000000000000001000000:14E9 "
					 "00000000000000000000000000000000:0000 07 "
					 "00000000:00000000 00:00000000 00000000     0        0 "
					 "103236 2 000000007bc5eb1c 0\n", "udp", true, &ino, buf,
					 sizeof(buf)), 0);
	assert_int_equal(ino, 103236);
	assert_string_equal(buf, "udp [::1]:5353");

	assert_int_equal(sock_parse_inet("  201: 0100007F:A8F2 0100007F:0035 01 00000000:00000000 "
					 "00:00000000 00000000     0        0 4242 2 0 0\n", "udp",
					 false, &ino, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "udp 127.0.0.1:43250 -> 127.0.0.1:53");
	/* a v4 address where a v6 one belongs is malformed */
	assert_int_equal(sock_parse_inet("  201: 0100007F:A8F2 0100007F:0035 01 00000000:00000000 "
					 "00:00000000 00000000     0        0 4242 2 0 0\n", "udp",
					 true, &ino, buf, sizeof(buf)), -EINVAL);
}

static void unix_lines(void **state)
{
	char buf[128];
	uint64_t ino;

	assert_int_equal(sock_parse_unix("00000000b4ae75e4: 00000002 00000000 00000000 0001 01 "
					 "103237 /tmp/fdt/sock\n", &ino, buf, sizeof(buf)), 0);
	assert_int_equal(ino, 103237);
	assert_string_equal(buf, "unix stream /tmp/fdt/sock");
	assert_int_equal(sock_parse_unix("0000000068f04efd: 00000003 00000000 00000000 0002 03  "
					 "1058\n", &ino, buf, sizeof(buf)), 0);
	assert_int_equal(ino, 1058);
	assert_string_equal(buf, "unix dgram");
	assert_int_equal(sock_parse_unix("Num       RefCount Protocol Flags    Type St Inode Path\n",
					 &ino, buf, sizeof(buf)), -EINVAL);
}

/* Our own table: a pipe made with O_CLOEXEC shows up with its kind, flag and inode. */
static void own_table(void **state)
{
	const struct fd_entry *r, *w;
	struct fd_table t;
	int p[2];

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(fd_table__read(getpid(), &t), 0);
	r = fd_table__find(&t, p[0]);
	w = fd_table__find(&t, p[1]);
	assert_non_null(r);
	assert_non_null(w);
	assert_int_equal(r->kind, FD_PIPE);
	assert_true(r->cloexec);
	assert_int_equal(r->ino, w->ino);
	assert_string_equal(r->link, w->link);
	assert_null(fd_table__find(&t, 100000));
	fd_table__free(&t);
	fd_table__free(&t);	/* free functions take what they already freed */
	close(p[0]);
	close(p[1]);
	assert_int_equal(fd_table__read(-1, &t), -ESRCH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kinds),
		cmocka_unit_test(tcp_lines),
		cmocka_unit_test(udp_lines),
		cmocka_unit_test(unix_lines),
		cmocka_unit_test(own_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
