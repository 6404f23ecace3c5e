#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The leakbpf authors
# `make demo`: trace the bundled channel batcher (demo/batcher.c) twice, clean and then
# leaking 2 KiB per item, with a round every second: throughput, rounds and the verdict.
set -u
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
	echo "demo: leakbpf needs root (or CAP_BPF and CAP_PERFMON): run 'sudo make demo'" >&2
	exit 1
fi

# $1: what the run shows; the rest: batcher options
run() {
	what=$1
	shift
	echo "== $what"
	echo "\$ ./leakbpf -i 1 --item process_item --batch flush_batch -- .output/demo/batcher $*"
	./leakbpf -i 1 --item process_item --batch flush_batch -- .output/demo/batcher "$@"
	status=$?
	echo "(exit status $status)"
	echo
}

run "4 producers -> bounded queue -> batcher, 2000 items/s for 3 s: every item freed" \
	--duration 3 --rate 2000
clean=$status
run "the same batcher keeping 2 KiB per item: 2000 x 2048 B/s = 234.4 MiB (245.76 MB) a minute" \
	--duration 3 --rate 2000 --leak-bytes 2048
leaking=$status
# the Go batcher of the criteria's document: each batch's length is its items
go_run() {
	what=$1
	shift
	echo "== $what"
	echo "\$ ./leakbpf --item 'main.flushBatch#2' --batch main.flushBatch -- .output/tests/targets/go/batcher $*"
	./leakbpf --item 'main.flushBatch#2' --batch main.flushBatch -- \
		.output/tests/targets/go/batcher "$@"
	status=$?
	echo "(exit status $status)"
	echo
}

go_run "Go: producers -> channel -> batcher, 5 rounds of 50,000 items" -rounds 5
go_clean=$status
go_run "Go: the same, leaving 3 goroutines blocked forever and every item in a map" \
	-rounds 1 -leak
go_leaking=$status
if [ "$clean" -ne 0 ] || [ "$leaking" -ne 23 ] || [ "$go_clean" -ne 0 ] ||
   [ "$go_leaking" -ne 23 ]; then
	echo "demo: expected exit status 0 for the clean batchers and 23 for the leaking ones" >&2
	exit 1
fi
