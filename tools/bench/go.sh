#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The leakbpf authors
#
# The seed's stress run (make bench calls this): the Go channel batcher of
# tests/targets/go at full speed (one round of 500,000 items, -stress), untraced, under
# `leakbpf --item 'main.flushBatch#2'` (one probe hit per batch, the batch's length
# counted) and under `--item main.processItem` (one hit per item, what a per-item probe
# costs instead); batches of 100 and of 1000. Throughput from the batcher's own clock
# (elapsed_ns of its rounds), medians of interleaved rounds; the item count leakbpf
# reports is checked against the batcher's. Writes .output/bench/go.md.
set -u
cd "$(dirname "$0")/../.." || exit 1

OUT=.output/bench
ROUNDS=${GO_ROUNDS:-5}
B=.output/tests/targets/go/batcher
[ -x "$B" ] && [ -x ./leakbpf ] || { echo "go.sh: build first (make test-progs)" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

run() {	# label batch leakbpf-options... ; appends "label batch elapsed_ns items_exact"
	local label=$1 batch=$2 line items reported
	shift 2
	if [ $# -eq 0 ]; then
		line=$("$B" -stress -batch "$batch")
		reported=500000
	else
		./leakbpf --json "$@" -- "$B" -stress -batch "$batch" > "$TMP/out" 2> /dev/null
		line=$(grep '^batcher:' "$TMP/out")
		reported=$(grep '^{' "$TMP/out" | tail -1 |
			python3 -c 'import json,sys; print(json.load(sys.stdin)["processes"][0]["items"]["count"])')
	fi
	items=$(echo "$line" | sed -n 's/.* items=\([0-9]*\).*/\1/p')
	echo "$label $batch $(echo "$line" | sed -n 's/.*elapsed_ns=\([0-9]*\).*/\1/p') $([ "$items" = "$reported" ] && echo 1 || echo 0)" >> "$TMP/res"
}

for _ in $(seq "$ROUNDS"); do
	for batch in 100 1000; do
		run untraced "$batch"
		run batches "$batch" --item 'main.flushBatch#2'
		run items "$batch" --item main.processItem
	done
done

python3 - "$TMP/res" > "$OUT/go.md" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
def med(label, batch):
    return statistics.median(int(r[2]) for r in rows if r[0] == label and r[1] == batch)
exact = all(r[3] == "1" for r in rows)
print("\n## The Go batcher's stress run\n")
print("tools/bench/go.sh: tests/targets/go/batcher -stress (500,000 items, 4 producers, one")
print("batcher goroutine) at full speed, medians of %d interleaved rounds; throughput from the"
      % (len(rows) // 6))
print("batcher's own clock. *batches* is `--item 'main.flushBatch#2'` (one probe hit per batch,")
print("its length added up), *items* `--item main.processItem` (one hit per item).\n")
print("| batch size | untraced items/s | --item flushBatch#2 | share kept | --item processItem | share kept |")
print("|---|---|---|---|---|---|")
for b in ("100", "1000"):
    u, t, i = med("untraced", b), med("batches", b), med("items", b)
    print("| %s | %.2fM | %.2fM | %.0f%% | %.2fM | %.0f%% |" % (
        b, 5e5 / u * 1e3, 5e5 / t * 1e3, 100 * u / t, 5e5 / i * 1e3, 100 * u / i))
print("\nItem counts reported by leakbpf equal to the batcher's in every traced run: %s." %
      ("yes" if exact else "NO"))
PY
cat "$OUT/go.md"
