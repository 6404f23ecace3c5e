// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * nodes warm|cold: C++ allocations through callers of malloc that keep no frame pointer:
 * libstdc++'s operator new (which leaves rbp alone) and glibc's strdup (which uses rbp for
 * the length). This program keeps frame pointers; those two do not, so a frame-pointer
 * walk from malloc's return skips the function that called them. After "go":
 *
 *   warm  one of each allocation below, freed; "warm", and a wait for "more" (the test lets
 *         leakbpf learn how to unwind them first); then it leaks
 *           20 Nodes (48 bytes) from make_nodes()        via operator new
 *            5 copies of a 9-byte string from dup_name() via strdup
 *            3 copies of a 13-byte string from dup_other() via strdup
 *            7 Leaves (64 bytes) from make_leaves() and 4 Twigs (80 bytes) from
 *              make_twigs(), both called by grow() through the same function pointer,
 *              from the same place
 *   cold  the first two only, right away: leakbpf learns while they happen
 *
 * Then "done", and a wait for "exit".
 */
#include <cstdlib>
#include <cstring>
#include "ctl.h"

struct Node {
	Node *next;
	char payload[40];
};

struct Leaf {
	char payload[64];
};

struct Twig {
	char payload[80];
};

/* volatile: the compiler must neither drop an allocation nor merge the loops */
static void *volatile sink;

__attribute__((noinline)) void make_nodes(int n)
{
	for (int i = 0; i < n; i++)
		sink = new Node();
}

__attribute__((noinline)) void dup_name(int n)
{
	for (int i = 0; i < n; i++)
		sink = strdup("name-abc");
}

__attribute__((noinline)) void dup_other(int n)
{
	for (int i = 0; i < n; i++)
		sink = strdup("other-abcdef");
}

__attribute__((noinline)) void make_leaves(int n)
{
	for (int i = 0; i < n; i++)
		sink = new Leaf();
}

__attribute__((noinline)) void make_twigs(int n)
{
	for (int i = 0; i < n; i++)
		sink = new Twig();
}

/* both makers are called from the same place: only their own frame tells them apart */
__attribute__((noinline)) void grow(void (*volatile fn)(int), int n)
{
	fn(n);
}

static void grow_both(int leaves, int twigs)
{
	void (*const makers[])(int) = { make_leaves, make_twigs };
	const int counts[] = { leaves, twigs };

	for (volatile int i = 0; i < 2; i++)
		grow(makers[i], counts[i]);
}

/* one of each, freed: what leakbpf needs to see once */
static void warm_up(void)
{
	make_nodes(1);
	delete static_cast<Node *>(sink);
	dup_name(1);
	free(sink);
	dup_other(1);
	free(sink);
	grow(make_leaves, 1);
	delete static_cast<Leaf *>(sink);
	grow(make_twigs, 1);
	delete static_cast<Twig *>(sink);
	grow_both(0, 0);
}

int main(int argc, char **argv)
{
	bool warm = argc > 1 && !strcmp(argv[1], "warm");

	ctl_say("ready");
	ctl_wait("go");
	if (warm) {
		warm_up();
		ctl_say("warm");
		ctl_wait("more");
	}
	make_nodes(20);
	dup_name(5);
	if (warm) {
		dup_other(3);
		grow_both(7, 4);
	}
	ctl_say("done");
	ctl_wait("exit");
	return 0;
}
