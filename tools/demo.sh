#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The leakbpf authors
# `make demo`: trace a bundled program that leaks 7 blocks of 100 bytes, and show the report.
set -u
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
	echo "demo: leakbpf needs root (or CAP_BPF and CAP_PERFMON): run 'sudo make demo'" >&2
	exit 1
fi
echo "\$ ./leakbpf --item churn -- .output/tests/targets/leak_n 7 100 0 50"
./leakbpf --item churn -- .output/tests/targets/leak_n 7 100 0 50
status=$?
echo "(exit status $status: 23 means a leak verdict)"
[ "$status" -eq 23 ]
