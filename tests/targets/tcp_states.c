// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * tcp_states: TCP sockets in known states, all on loopback with itself, half of them made
 * before "ready" (before `leakbpf -p` attaches) and half after "go".
 *
 * Before "ready": a listener; 2 connections whose server side closed (their client ends in
 * CLOSE_WAIT); 1 connection open on both ends (2 ESTABLISHED); 1 more, open for now. One
 * of the CLOSE_WAIT ends and one of the ESTABLISHED ones have a second fd each (dup).
 * After "go": 3 more connections closed by the server side (CLOSE_WAIT); 1 more open on
 * both ends (2 ESTABLISHED); the server side of the one "open for now" closes, so its
 * client end goes to CLOSE_WAIT while traced; 1 connection closed on both sides.
 * "done" with LISTEN 1, ESTABLISHED 4, CLOSE_WAIT 6: 11 sockets held. "exit" returns with
 * all of them open.
 */
#include "ctl.h"
#include "tcp.h"

/* A connection whose server side the target closes: its client end stays in CLOSE_WAIT. */
static int server_closes(int listener, in_port_t port)
{
	int c = connect_to(port);

	close(tcp_accept(listener));
	tcp_wait_eof(c);
	return c;
}

/* A connection open on both ends; the server end in *server. */
static int both_open(int listener, in_port_t port, int *server)
{
	int c = connect_to(port);

	*server = tcp_accept(listener);
	return c;
}

/* A connection both sides close, the client first: nothing of it is held afterwards. */
static void both_close(int listener, in_port_t port)
{
	int c = connect_to(port), s = tcp_accept(listener);

	close(c);
	tcp_wait_eof(s);
	close(s);
}

int main(void)
{
	int listener, kept[4], later_client, later_server, closed_by_peer, i;
	in_port_t port;

	listener = open_listener(&port);
	closed_by_peer = server_closes(listener, port);
	server_closes(listener, port);
	kept[0] = both_open(listener, port, &kept[1]);
	later_client = both_open(listener, port, &later_server);
	/* a socket is counted once, however many fds it has */
	if (dup(closed_by_peer) < 0 || dup(kept[0]) < 0)
		tcp_fail();
	ctl_say("ready");
	ctl_wait("go");

	for (i = 0; i < 3; i++)
		server_closes(listener, port);
	kept[2] = both_open(listener, port, &kept[3]);
	close(later_server);
	tcp_wait_eof(later_client);
	both_close(listener, port);
	ctl_say("done");
	ctl_wait("exit");
	return 0;
}
