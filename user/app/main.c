// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Copyright (c) 2026 The leakbpf authors */
/* leakbpf: memory leaks of live processes, found with eBPF. See doc/design.md and --help. */
#include "app/cli.h"
#include "app/session.h"

int main(int argc, char **argv)
{
	struct env env;
	int status = cli__parse(argc, argv, &env);

	if (status)
		return status;
	return session__run(&env);
}
