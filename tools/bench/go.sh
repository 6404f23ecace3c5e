#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Copyright (c) 2026 The leakbpf authors
#
# The seed's stress run (make bench calls this): the Go channel batcher of
# tests/targets/go at full speed (one round of 500,000 items, -stress), untraced, under
# `leakbpf --item 'main.flushBatch#2'` (one probe hit per batch, the batch's length
# counted) and under `--item main.processItem` (one hit per item, what a per-item probe
# costs instead); batches of 100 and of 1000, and batches of 100 from a batcher that keeps
# a heap object per item (-leak: half a million allocations, which leakbpf counts a span
# at a time, not one probe hit each). Throughput from the batcher's own clock
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

run() {	# label config leakbpf-options... ; appends "label config elapsed_ns items_exact"
	local label=$1 config=$2 line items reported
	local -a args=(-stress -batch "${config%L}")
	[ "${config%L}" = "$config" ] || args+=(-leak)
	shift 2
	if [ $# -eq 0 ]; then
		line=$("$B" "${args[@]}")
		reported=500000
	else
		./leakbpf --json "$@" -- "$B" "${args[@]}" > "$TMP/out" 2> /dev/null
		line=$(grep '^batcher:' "$TMP/out")
		reported=$(grep '^{' "$TMP/out" | tail -1 |
			python3 -c 'import json,sys; print(json.load(sys.stdin)["processes"][0]["items"]["count"])')
	fi
	items=$(echo "$line" | sed -n 's/.* items=\([0-9]*\).*/\1/p')
	echo "$label $config $(echo "$line" | sed -n 's/.*elapsed_ns=\([0-9]*\).*/\1/p') $([ "$items" = "$reported" ] && echo 1 || echo 0)" >> "$TMP/res"
}

# a config is the batch size; a trailing L: the batcher that keeps an object per item
for _ in $(seq "$ROUNDS"); do
	for config in 100 1000 100L; do
		run untraced "$config"
		run batches "$config" --item 'main.flushBatch#2'
		run items "$config" --item main.processItem
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
      % (len(rows) // 9))
print("batcher's own clock. *batches* is `--item 'main.flushBatch#2'` (one probe hit per batch,")
print("its length added up), *items* `--item main.processItem` (one hit per item). The -leak")
print("batcher allocates and keeps an object per item (about 524,000 Go allocations a run):")
print("leakbpf counts them as the runtime does, a span at a time (here about one probe hit")
print("per 150 allocations).\n")
print("| batch size | untraced items/s | --item flushBatch#2 | share kept | --item processItem | share kept |")
print("|---|---|---|---|---|---|")
for b in ("100", "1000", "100L"):
    u, t, i = med("untraced", b), med("batches", b), med("items", b)
    name = b if b[-1] != "L" else b[:-1] + ", an object kept per item (-leak)"
    print("| %s | %.2fM | %.2fM | %.0f%% | %.2fM | %.0f%% |" % (
        name, 5e5 / u * 1e3, 5e5 / t * 1e3, 100 * u / t, 5e5 / i * 1e3, 100 * u / i))
print("\nItem counts reported by leakbpf equal to the batcher's in every traced run: %s." %
      ("yes" if exact else "NO"))
PY
cat "$OUT/go.md"
