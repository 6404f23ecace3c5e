// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/* user/track/sockets.c and proc/fd_table.c: fd links, counts per TCP state, CLOSE_WAIT ages, state names. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <netinet/tcp.h>
#include "proc/fd_table.h"
#include "track/snapshot.h"
#include "track/sockets.h"

static void fd_links(void **state)
{
	uint64_t ino = 0;

	assert_int_equal(fd_link_socket_inode("socket:[123]", &ino), 0);
	assert_int_equal(ino, 123);
	assert_int_equal(fd_link_socket_inode("socket:[4294967295]", &ino), 0);
	assert_int_equal(ino, 4294967295ULL);
	assert_int_equal(fd_link_socket_inode("socket:[]", &ino), -EINVAL);
	assert_int_equal(fd_link_socket_inode("socket:[12", &ino), -EINVAL);
	assert_int_equal(fd_link_socket_inode("socket:[12]x", &ino), -EINVAL);
	assert_int_equal(fd_link_socket_inode("socket:[-1]", &ino), -EINVAL);
	assert_int_equal(fd_link_socket_inode("socket:[99999999999999999999999]", &ino),
			 -EINVAL);
	assert_int_equal(fd_link_socket_inode("pipe:[123]", &ino), -EINVAL);
	assert_int_equal(fd_link_socket_inode("/tmp/socket:[1]", &ino), -EINVAL);
	assert_int_equal(fd_link_socket_inode("", &ino), -EINVAL);
}

static void counts(void **state)
{
	int64_t s[TCP_STATE_SLOTS] = {};
	struct tcp_counts r = {};

	s[TCP_LISTEN] = 1;
	s[TCP_ESTABLISHED] = 4;
	s[TCP_CLOSE_WAIT] = 6;
	s[TCP_SYN_SENT] = 1;
	s[TCP_SYN_RECV] = 1;
	/* closed on the process's side: the kernel's, not the process's any more */
	s[TCP_FIN_WAIT1] = 2;
	s[TCP_FIN_WAIT2] = 3;
	s[TCP_LAST_ACK] = 1;
	s[TCP_TIME_WAIT] = 2;
	s[TCP_CLOSING] = 1;
	s[TCP_CLOSE] = -20;	/* every birth leaves CLOSE: its slot only goes down */
	sockets__fill_counts(s, &r);
	assert_true(r.present);
	assert_int_equal(r.open, 13);
	assert_int_equal(r.listen, 1);
	assert_int_equal(r.established, 4);
	assert_int_equal(r.close_wait, 6);

	/* a state below 0 (a move seen without the one before) counts as none */
	memset(s, 0, sizeof(s));
	s[TCP_ESTABLISHED] = -1;
	s[TCP_CLOSE_WAIT] = 1;
	sockets__fill_counts(s, &r);
	assert_int_equal(r.open, 1);
	assert_int_equal(r.established, 0);
	assert_int_equal(r.close_wait, 1);
}

static void close_wait_ages(void **state)
{
	struct close_wait cw = { .since_ns = 100 };

	assert_int_equal(sockets__close_wait_ns(&cw, 250), 150);
	/* ended with its owner: the age stops there */
	cw.until_ns = 200;
	assert_int_equal(sockets__close_wait_ns(&cw, 250), 100);
	/* asked about a time before the end (the process's exit): that time */
	assert_int_equal(sockets__close_wait_ns(&cw, 150), 50);
	cw.until_ns = 0;
	assert_int_equal(sockets__close_wait_ns(&cw, 50), 0);
}

static void state_names(void **state)
{
	assert_string_equal(tcp_state_name(TCP_ESTABLISHED), "ESTABLISHED");
	assert_string_equal(tcp_state_name(TCP_CLOSE_WAIT), "CLOSE_WAIT");
	assert_string_equal(tcp_state_name(TCP_LISTEN), "LISTEN");
	assert_string_equal(tcp_state_name(13), "BOUND_INACTIVE");
	assert_string_equal(tcp_state_name(0), "?");
	assert_string_equal(tcp_state_name(14), "?");
	assert_string_equal(tcp_state_name(-1), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fd_links),
		cmocka_unit_test(counts),
		cmocka_unit_test(close_wait_ages),
		cmocka_unit_test(state_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
