// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/*
 * lost [clean]: blocks LeakSanitizer would class, then exit 0. 200 blocks of 32 bytes stay
 * reachable from a global; 100 blocks of 48 bytes lose their only pointer, and so does the
 * head (24 bytes) of a list of 50 more nodes of 24 bytes: 101 direct leaks of 4824 bytes,
 * 50 indirect ones of 1200 bytes. "clean": only the reachable ones. Built as it is, and
 * with -fsanitize=leak as lost_lsan, whose report the test compares. No stdio: nothing
 * else allocates.
 */
#include <stdlib.h>
#include <string.h>

struct node {
	struct node *next;
	long value[2];
};

/* global and read at the end: no compiler may drop the stores that keep them reachable */
void *kept[200];

/* Written through, so that no compiler may drop the allocation */
static void touch(void *p, size_t n)
{
	memset(p, 1, n);
	__asm__ volatile("" : : "r"(p) : "memory");
}

__attribute__((noinline)) static void keep_some(void)
{
	int i;

	for (i = 0; i < 200; i++) {
		kept[i] = malloc(32);
		touch(kept[i], 32);
	}
}

__attribute__((noinline)) static void lose_blocks(void)
{
	int i;

	for (i = 0; i < 100; i++) {
		void *p = malloc(48);

		touch(p, 48);
	}
}

__attribute__((noinline)) static void lose_list(void)
{
	struct node *head = malloc(sizeof(*head)), *n = head;
	int i;

	touch(head, sizeof(*head));
	for (i = 0; i < 50; i++) {
		n->next = malloc(sizeof(*n));
		n = n->next;
		touch(n, sizeof(*n));
		n->next = NULL;
	}
	__asm__ volatile("" : : "r"(head) : "memory");
}

/* Clears the dead frames the losing functions left, as a real program's later calls would */
__attribute__((noinline)) static void scrub_stack(void)
{
	volatile char pad[4096];

	memset((char *)pad, 0, sizeof(pad));
}

int main(int argc, char **argv)
{
	keep_some();
	if (argc < 2 || strcmp(argv[1], "clean")) {
		lose_blocks();
		lose_list();
	}
	scrub_stack();
	/* read back: the stores to kept are needed */
	return kept[0] && kept[199] ? 0 : 1;
}
