/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Copyright (c) 2026 The leakbpf authors */
/*
 * --item/--batch SPEC: SYMBOL, PATH:SYMBOL or usdt:[PATH:]PROVIDER:NAME; a symbol may end
 * in #N: each call then counts the value of the function's Nth integer argument.
 */
#ifndef LEAKBPF_PROBE_SPEC_H
#define LEAKBPF_PROBE_SPEC_H

#include <limits.h>

enum spec_kind { SPEC_NONE, SPEC_SYMBOL, SPEC_USDT };

struct probe_spec {
	enum spec_kind kind;
	char text[PATH_MAX + 256];	/* as written, for the report */
	char path[PATH_MAX];		/* empty: the target's executable */
	char symbol[256];		/* SPEC_SYMBOL */
	int arg;			/* #N: 1..9; 0: each call counts one */
	char provider[128];		/* SPEC_USDT */
	char name[128];			/* SPEC_USDT */
};

/* 0, or -EINVAL with *why saying what is wrong */
int spec__parse(const char *text, struct probe_spec *out, const char **why);

#endif
