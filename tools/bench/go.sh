#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The leakbpf authors
#
# The seed's stress run (make bench calls this): the Go channel batcher of
# tests/targets/go at full speed (rounds of 500,000 items from 50 producers, as the seed's
# stress), untraced, under `leakbpf --item 'main.flushBatch#2'` (one probe hit per batch,
# the batch's length counted) and under `--item main.processItem` (one hit per item, what
# a per-item probe costs instead); batches of 100 and of 1000, and batches of 100 from a
# batcher that keeps a heap object per item (-leak: half a million allocations a round,
# which leakbpf counts a span at a time, not one probe hit each). Throughput from the
# batcher's own clock: the median of a process's rounds (a 500,000-item round lasts some
# 40 ms here, which a shared machine's noise moves by several ms), then the median over
# interleaved processes; the item count leakbpf reports is checked against the batcher's.
# Writes .output/bench/go.md.
set -u
cd "$(dirname "$0")/../.." || exit 1

OUT=.output/bench
ROUNDS=${GO_ROUNDS:-5}		# processes per configuration and tool
STRESS_ROUNDS=${GO_STRESS_ROUNDS:-9}	# 500,000-item rounds in each (-leak: a third)
B=.output/tests/targets/go/batcher
[ -x "$B" ] && [ -x ./leakbpf ] || { echo "go.sh: build first (make test-progs)" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

field() {	# name line
	echo "$2" | sed -n "s/.* $1=\([0-9]*\).*/\1/p"
}

run() {	# label config leakbpf-options... ; appends "label config round_ns items_exact"
	local label=$1 config=$2 line reported rounds=$STRESS_ROUNDS
	local -a args=(-stress -producers 50 -batch "${config%L}")
	if [ "${config%L}" != "$config" ]; then
		args+=(-leak)
		rounds=$(( (STRESS_ROUNDS + 2) / 3 ))
	fi
	args+=(-rounds "$rounds")
	shift 2
	if [ $# -eq 0 ]; then
		line=$("$B" "${args[@]}")
		reported=$(field items "$line")
	else
		./leakbpf --json "$@" -- "$B" "${args[@]}" > "$TMP/out" 2> /dev/null
		line=$(grep '^batcher:' "$TMP/out")
		reported=$(grep '^{' "$TMP/out" | tail -1 |
			python3 -c 'import json,sys; print(json.load(sys.stdin)["processes"][0]["items"]["count"])')
	fi
	echo "$label $config $(field round_median_ns "$line") $([ "$(field items "$line")" = "$reported" ] && [ "$reported" = $((500000 * rounds)) ] && echo 1 || echo 0)" >> "$TMP/res"
}

# a config is the batch size; a trailing L: the batcher that keeps an object per item
for _ in $(seq "$ROUNDS"); do
	for config in 100 1000 100L; do
		run untraced "$config"
		run batches "$config" --item 'main.flushBatch#2'
		run items "$config" --item main.processItem
	done
done

python3 - "$TMP/res" "$STRESS_ROUNDS" > "$OUT/go.md" <<'PY'
import statistics, sys, time
rows = [l.split() for l in open(sys.argv[1])]
def med(label, batch):
    return statistics.median(int(r[2]) for r in rows if r[0] == label and r[1] == batch)
exact = all(r[3] == "1" for r in rows)
print("\n## The Go batcher's stress run\n")
print("tools/bench/go.sh, run on %s: tests/targets/go/batcher -stress (rounds of 500,000 items,"
      % time.strftime("%Y-%m-%d", time.gmtime()))
print("50 producers as in the seed's stress, one batcher goroutine) at full speed; throughput")
print("from the batcher's own clock, the median")
print("round of each process (%s rounds; -leak a third as many), then the median of %d interleaved"
      % (sys.argv[2], len(rows) // 9))
print("processes. *batches* is `--item 'main.flushBatch#2'` (one probe hit per batch,")
print("its length added up), *items* `--item main.processItem` (one hit per item). The -leak")
print("batcher allocates and keeps an object per item (about 524,000 Go allocations a round):")
print("leakbpf counts them as the runtime does, a span at a time (here about one probe hit")
print("per 150 allocations).\n")
print("| batch size | untraced items/s | --item flushBatch#2 | share kept | --item processItem | share kept |")
print("|---|---|---|---|---|---|")
for b in ("100", "1000", "100L"):
    u, t, i = med("untraced", b), med("batches", b), med("items", b)
    name = b if b[-1] != "L" else b[:-1] + ", an object kept per item (-leak)"
    print("| %s | %.2fM | %.2fM | %.0f%% | %.2fM | %.0f%% |" % (
        name, 5e5 / u * 1e3, 5e5 / t * 1e3, 100 * u / t, 5e5 / i * 1e3, 100 * u / i))
# what a hit costs the batcher: a round's extra time over its hits
u, i = med("untraced", "100"), med("items", "100")
t = med("batches", "100")
print("\nWhat a probe hit costs the batcher here: %.2f us with one per item (a round's extra"
      % ((i - u) / 5e5 / 1e3))
print("time over its 500,000 hits); a batch of 100 items takes it %.1f us untraced, and one hit"
      % (u / 5e3 / 1e3))
print("per batch added %.2f us to each (the share kept above)." % ((t - u) / 5e3 / 1e3))
print("\nItem counts reported by leakbpf equal to the batcher's in every traced run: %s." %
      ("yes" if exact else "NO"))
PY
cat "$OUT/go.md"
