#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The leakbpf authors
#
# Check the layers of user/, run the unit tests (cmocka, TAP output) and test_progs (real BPF against real targets),
# then print one summary line, "N passed, N failed", and exit non-zero on any failure.
#   tests/run.sh            everything
#   tests/run.sh unit       unit tests only
#   tests/run.sh progs [T]  test_progs only, optionally only tests/subtests named T
set -u
cd "$(dirname "$0")/.." || exit 1
out=.output/tests
passed=0
failed=0
what=${1:-all}
[ $# -gt 0 ] && shift

# the layer rule of user/ (make check): one test
if [ "$what" = all ]; then
	if ./tools/check-layers >&2; then
		echo "check-layers: ok"
		passed=$((passed + 1))
	else
		echo "check-layers: not ok"
		failed=$((failed + 1))
	fi
fi

if [ "$what" = all ] || [ "$what" = unit ]; then
	for t in "$out"/test_*; do
		[ -x "$t" ] && [ "${t##*/}" != test_progs ] || continue
		# test_go_binary reads the Go targets the build made
		log=$(GO_BATCHER=$out/targets/go/batcher GO_CGO=$out/targets/go/cgo \
			CMOCKA_MESSAGE_OUTPUT=TAP "$t" 2>&1)
		echo "$log" | grep -E '^(not )?ok ' | sed "s|^|${t##*/}: |"
		echo "$log" | grep -vE '^(not )?ok |^1\.\.|^# ' >&2
		p=$(echo "$log" | grep -c '^ok ')
		f=$(echo "$log" | grep -c '^not ok ')
		# a binary that crashed before reporting anything is one failure
		[ "$p" -eq 0 ] && [ "$f" -eq 0 ] && f=1
		passed=$((passed + p))
		failed=$((failed + f))
	done
fi

if [ "$what" = all ] || [ "$what" = progs ]; then
	log=$(mktemp)
	"$out"/test_progs "$@" | tee "$log"
	p=$(grep -c '^PASS ' "$log")
	f=$(grep -c '^FAIL ' "$log")
	s=$(grep -c '^SKIP ' "$log")
	grep -q '^test_progs: ' "$log" || f=$((f + 1))	# it crashed
	rm -f "$log"
	passed=$((passed + p))
	failed=$((failed + f))
	[ "$s" -gt 0 ] && echo "($s skipped: not root, or no BTF)"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
